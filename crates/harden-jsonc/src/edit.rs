//! Edit builders that follow the file's layout. Each returns the byte
//! splices for one logical change; nothing is re-serialised.

use std::ops::Range;

use harden_core::Edit;
use serde_json::Value;

use crate::tree::{comma_after, Node, NodeKind};
use crate::JsoncDoc;

/// Render a value the way people write short JSON: `["a", "b"]`, `{"k": 1}`.
pub fn render_value(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(render_value).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), render_value(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// Render a value one member or element per line when it is long (more
/// than 60 characters inline), with `unit` per level; continuation lines are
/// relative to column 0 of the value's own line.
pub fn render_block(v: &Value, unit: &str) -> String {
    let inline = render_value(v);
    if inline.len() <= 60 {
        return inline;
    }
    let nest = |s: String| s.replace('\n', &format!("\n{unit}"));
    match v {
        Value::Array(items) if !items.is_empty() => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| format!("{unit}{}", nest(render_block(i, unit))))
                .collect();
            format!("[\n{}\n]", inner.join(",\n"))
        }
        Value::Object(m) if !m.is_empty() => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{unit}{}: {}",
                        Value::String(k.clone()),
                        nest(render_block(v, unit))
                    )
                })
                .collect();
            format!("{{\n{}\n}}", inner.join(",\n"))
        }
        _ => inline,
    }
}

pub struct Edits<'d> {
    doc: &'d JsoncDoc,
    text: &'d str,
}

impl<'d> Edits<'d> {
    pub(crate) fn new(doc: &'d JsoncDoc) -> Self {
        Edits {
            doc,
            text: &doc.text,
        }
    }

    /// Append `key: value` at the end of an object.
    pub fn append_member(&self, object: &Node, key: &str, value: &Value) -> Vec<Edit> {
        let item = format!(
            "{}: {}",
            Value::String(key.to_string()),
            render_value(value)
        );
        self.append(object, &[item])
    }

    /// Append several `key: value` members at the end of an object, in order.
    pub fn append_members(&self, object: &Node, members: &[(String, Value)]) -> Vec<Edit> {
        let items: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), render_value(v)))
            .collect();
        self.append(object, &items)
    }

    /// Append one member, laid out as [`Edits::append_members_block`] does.
    pub fn append_member_block(&self, object: &Node, key: &str, value: &Value) -> Vec<Edit> {
        self.append_members_block(object, &[(key.to_string(), value.clone())])
    }

    /// Like [`Edits::append_members`], but in a multi-line object a long
    /// object or array value is laid out one member or element per line,
    /// indented with the file's indent unit.
    pub fn append_members_block(&self, object: &Node, members: &[(String, Value)]) -> Vec<Edit> {
        let inline: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), render_value(v)))
            .collect();
        let unit = self.indent_unit();
        let block: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), render_block(v, &unit)))
            .collect();
        self.append_laid_out(object, &inline, Some(&block))
    }

    /// Append values at the end of an array.
    pub fn append_elements(&self, array: &Node, values: &[Value]) -> Vec<Edit> {
        let items: Vec<String> = values.iter().map(render_value).collect();
        self.append(array, &items)
    }

    /// Replace a value, e.g. a string or a whole array.
    pub fn replace(&self, node: &Node, value: &Value) -> Edit {
        Edit::replace(node.range.clone(), render_value(value))
    }

    fn append(&self, container: &Node, items: &[String]) -> Vec<Edit> {
        self.append_laid_out(container, items, None)
    }

    /// Append `items`; where the container is laid out one child per line,
    /// `block` (if given) is used instead, its continuation lines indented
    /// to the new child's indentation.
    fn append_laid_out(
        &self,
        container: &Node,
        items: &[String],
        block: Option<&[String]>,
    ) -> Vec<Edit> {
        let text = self.text;
        let eol = self.doc.eol();
        let reindent = |indent: &str| -> Vec<String> {
            block
                .unwrap_or(items)
                .iter()
                .map(|i| i.replace('\n', &format!("{eol}{indent}")))
                .collect()
        };
        let children = container.child_ranges();
        let eol = self.doc.eol();
        let Some(last) = children.last() else {
            return self.fill_empty(container, items, block);
        };
        let trailing = comma_after(text, last.end);
        if self.is_multiline(container, &children) {
            let after = trailing.map_or(last.end, |c| c + 1);
            if let Some(line_break) = end_of_line(text, after) {
                let indent = self
                    .line_indent(last.start)
                    .unwrap_or_else(|| self.child_indent(container));
                let laid_out = reindent(&indent);
                let items = &laid_out[..];
                let mut edits = Vec::new();
                let mut content = String::new();
                if trailing.is_none() {
                    if line_break == last.end {
                        content.push(',');
                    } else {
                        edits.push(Edit::insert(last.end, ","));
                    }
                }
                for (i, item) in items.iter().enumerate() {
                    content.push_str(eol);
                    content.push_str(&indent);
                    content.push_str(item);
                    if trailing.is_some() || i + 1 < items.len() {
                        content.push(',');
                    }
                }
                edits.push(Edit::insert(line_break, content));
                return edits;
            }
        }
        match trailing {
            Some(comma) => vec![Edit::insert(
                comma + 1,
                items.iter().map(|i| format!(" {i},")).collect::<String>(),
            )],
            None => vec![Edit::insert(
                last.end,
                items.iter().map(|i| format!(", {i}")).collect::<String>(),
            )],
        }
    }

    fn fill_empty(
        &self,
        container: &Node,
        items: &[String],
        block: Option<&[String]>,
    ) -> Vec<Edit> {
        let open = container.range.start + 1;
        let close = container.range.end - 1;
        let inner = &self.text[open..close];
        let is_root = container.range.start == self.doc.root().range.start;
        if !(is_root || inner.contains('\n')) {
            if inner.trim().is_empty() {
                return vec![Edit::replace(open..close, items.join(", "))];
            }
            return vec![Edit::insert(open, format!("{}, ", items.join(", ")))];
        }
        let eol = self.doc.eol();
        let indent = self.child_indent(container);
        let laid_out: Vec<String> = block
            .unwrap_or(items)
            .iter()
            .map(|i| i.replace('\n', &format!("{eol}{indent}")))
            .collect();
        let mut content = String::new();
        for (i, item) in laid_out.iter().enumerate() {
            content.push_str(eol);
            content.push_str(&indent);
            content.push_str(item);
            if self.doc.trailing_commas || i + 1 < items.len() {
                content.push(',');
            }
        }
        if !inner.contains('\n') {
            content.push_str(eol);
            content.push_str(&self.line_prefix(container.range.start));
        }
        vec![Edit::insert(open, content)]
    }

    /// Remove the children `run` (members of an object or elements of an
    /// array), with their separators, and their lines when they stand alone.
    pub fn remove_children(&self, container: &Node, run: Range<usize>) -> Vec<Edit> {
        let text = self.text;
        let children = container.child_ranges();
        assert!(run.start < run.end && run.end <= children.len(), "bad run");
        let (first, last) = (&children[run.start], &children[run.end - 1]);
        let removes_all = run.start == 0 && run.end == children.len();
        let last_comma = comma_after(text, last.end);
        let tail = last_comma.map_or(last.end, |c| c + 1);
        let open = container.range.start + 1;
        let close = container.range.end - 1;
        let alone_on_lines = self.is_multiline(container, &children)
            && self.line_indent(first.start).is_some()
            && end_of_line(text, tail).is_some();
        if alone_on_lines {
            let start = line_start(text, first.start);
            let line_break = end_of_line(text, tail).expect("checked above");
            let end = line_break + eol_len(text, line_break);
            if removes_all
                && text[open..start].trim().is_empty()
                && text[end..close].trim().is_empty()
            {
                return vec![Edit::delete(open..close)];
            }
            let mut edits = vec![Edit::delete(start..end)];
            if last_comma.is_none() && run.start > 0 && run.end == children.len() {
                let prev = &children[run.start - 1];
                if let Some(c) = comma_after(text, prev.end) {
                    edits.push(Edit::delete(c..c + 1));
                }
            }
            return edits;
        }
        if run.end < children.len() {
            return vec![Edit::delete(first.start..children[run.end].start)];
        }
        if run.start > 0 {
            return vec![Edit::delete(children[run.start - 1].end..last.end)];
        }
        if text[open..first.start].trim().is_empty() && text[tail..close].trim().is_empty() {
            return vec![Edit::delete(open..close)];
        }
        vec![Edit::delete(first.start..tail)]
    }

    fn is_multiline(&self, container: &Node, children: &[Range<usize>]) -> bool {
        children
            .first()
            .is_some_and(|f| self.text[container.range.start..f.start].contains('\n'))
    }

    /// The whitespace before `pos` on its line, when only whitespace precedes it.
    fn line_indent(&self, pos: usize) -> Option<String> {
        let prefix = &self.text[line_start(self.text, pos)..pos];
        prefix
            .chars()
            .all(|c| c == ' ' || c == '\t')
            .then(|| prefix.to_string())
    }

    fn line_prefix(&self, pos: usize) -> String {
        let start = line_start(self.text, pos);
        let prefix = &self.text[start..pos];
        prefix
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }

    /// Indentation for a new child of `container`: the container line's
    /// indentation plus the file's indent unit.
    fn child_indent(&self, container: &Node) -> String {
        format!(
            "{}{}",
            self.line_prefix(container.range.start),
            self.indent_unit()
        )
    }

    /// The file's indent unit, read from the first indented member of the root.
    fn indent_unit(&self) -> String {
        let root = self.doc.root();
        if let Some(first) = root.child_ranges().first() {
            if let Some(indent) = self.line_indent(first.start) {
                if !indent.is_empty() && self.text[root.range.start..first.start].contains('\n') {
                    return indent;
                }
            }
        }
        if let NodeKind::Object(_) | NodeKind::Array(_) = root.kind {
            for line in self.text.lines().skip(1) {
                let ws: String = line
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                if !ws.is_empty() && line.len() > ws.len() {
                    return ws;
                }
            }
        }
        "  ".to_string()
    }
}

use harden_core::text::line_start;

fn eol_len(text: &str, pos: usize) -> usize {
    if text[pos..].starts_with("\r\n") {
        2
    } else {
        1
    }
}

/// From `pos`, skip blanks and comments that stay on the line. Returns the
/// offset of the line break when nothing else follows on the line.
fn end_of_line(text: &str, mut pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(pos) {
            Some(b' ' | b'\t') => pos += 1,
            Some(b'\r') if bytes.get(pos + 1) == Some(&b'\n') => return Some(pos),
            Some(b'\n') => return Some(pos),
            Some(b'/') if bytes.get(pos + 1) == Some(&b'/') => {
                let nl = text[pos..].find('\n')? + pos;
                return Some(if nl > 0 && bytes[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                });
            }
            Some(b'/') if bytes.get(pos + 1) == Some(&b'*') => {
                let end = text[pos + 2..].find("*/")? + pos + 4;
                if text[pos..end].contains('\n') {
                    return None;
                }
                pos = end;
            }
            _ => return None,
        }
    }
}
