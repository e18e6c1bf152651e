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
        let text = self.text;
        let children = container.child_ranges();
        let eol = self.doc.eol();
        let Some(last) = children.last() else {
            return self.fill_empty(container, items);
        };
        let trailing = comma_after(text, last.end);
        if self.is_multiline(container, &children) {
            let after = trailing.map_or(last.end, |c| c + 1);
            if let Some(line_break) = end_of_line(text, after) {
                let indent = self
                    .line_indent(last.start)
                    .unwrap_or_else(|| self.child_indent(container));
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

    fn fill_empty(&self, container: &Node, items: &[String]) -> Vec<Edit> {
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
        let mut content = String::new();
        for (i, item) in items.iter().enumerate() {
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

fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

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
