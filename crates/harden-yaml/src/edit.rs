//! Edit builders: each returns the byte splices for one logical change,
//! following the file's indentation, line breaks, quoting and block/flow
//! style. Nothing is re-serialised; shapes the builders cannot edit safely
//! are errors, never guesses.

use std::fmt;

use harden_core::Edit;
use serde_json::Value;

use crate::render::{block_entry, block_item, render_flow, render_key, render_scalar};
use crate::tree::{Entry, NodeId, NodeKind, ScalarStyle};
use crate::YamlDoc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

fn fail<T>(msg: impl Into<String>) -> Result<T, EditError> {
    Err(EditError(msg.into()))
}

pub struct Edits<'d> {
    doc: &'d YamlDoc,
    text: &'d str,
}

impl<'d> Edits<'d> {
    pub(crate) fn new(doc: &'d YamlDoc) -> Self {
        Edits {
            doc,
            text: doc.text_str(),
        }
    }

    // ---- text helpers -------------------------------------------------

    fn line_start(&self, pos: usize) -> usize {
        harden_core::text::line_start(self.text, pos)
    }

    /// Byte column of `pos` in its line.
    fn col(&self, pos: usize) -> usize {
        pos - self.line_start(pos)
    }

    /// Whether only blanks precede `pos` on its line.
    fn starts_line(&self, pos: usize) -> bool {
        self.text[self.line_start(pos)..pos]
            .bytes()
            .all(|b| b == b' ')
    }

    fn at_line_start(&self, pos: usize) -> bool {
        pos > 0 && self.text.as_bytes()[pos - 1] == b'\n'
    }

    /// End of the line's content (before `\r\n` or `\n`).
    fn line_end(&self, pos: usize) -> usize {
        harden_core::text::line_end(self.text, pos)
    }

    /// Start of the next line, or the end of the text.
    fn next_line(&self, pos: usize) -> usize {
        self.text[pos..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(self.text.len())
    }

    /// The line break of the line holding `pos`, or the file's.
    fn eol_at(&self, pos: usize) -> &'static str {
        let le = self.line_end(pos);
        match self.text.as_bytes().get(le) {
            Some(b'\r') => "\r\n",
            Some(b'\n') => "\n",
            _ => self.doc.eol(),
        }
    }

    /// Where the lines of a block node that ends at `end` stop: after the
    /// line break of its last line, or the end of the text.
    fn after_lines(&self, end: usize) -> usize {
        if self.at_line_start(end) {
            end
        } else {
            self.next_line(end)
        }
    }

    /// Delete whole lines `[first, after)`. At the end of a file without a
    /// final newline, the line break before them goes instead.
    fn delete_lines(&self, first: usize, after: usize) -> Edit {
        if after == self.text.len() && !self.text.ends_with('\n') && first > 0 {
            let mut from = first - 1;
            if from > 0 && self.text.as_bytes()[from - 1] == b'\r' {
                from -= 1;
            }
            Edit::delete(from..after)
        } else {
            Edit::delete(first..after)
        }
    }

    /// Skip blanks, line breaks and comments from `pos`.
    fn skip_trivia(&self, mut pos: usize) -> usize {
        let b = self.text.as_bytes();
        while pos < b.len() {
            match b[pos] {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b'#' => pos = self.next_line(pos),
                _ => break,
            }
        }
        pos
    }

    fn has_comment(&self, range: std::ops::Range<usize>) -> bool {
        self.text[range].contains('#')
    }

    fn mapping_entries(&self, map: NodeId) -> Result<&'d [Entry], EditError> {
        match &self.doc.node(map).kind {
            NodeKind::Mapping { entries } => Ok(entries),
            NodeKind::Alias { .. } => {
                fail("the mapping is an alias; edit the anchored mapping instead")
            }
            _ => fail("not a mapping"),
        }
    }

    fn sequence_items(&self, seq: NodeId) -> Result<&'d [NodeId], EditError> {
        match &self.doc.node(seq).kind {
            NodeKind::Sequence { items } => Ok(items),
            NodeKind::Alias { .. } => {
                fail("the sequence is an alias; edit the anchored sequence instead")
            }
            _ => fail("not a sequence"),
        }
    }

    /// Insert `text` on new lines after a block node ending at `end`,
    /// at column `indent`.
    fn insert_lines_after(&self, end: usize, indent: usize, body: &str) -> Edit {
        let pad = " ".repeat(indent);
        if self.at_line_start(end) {
            let eol = self.eol_at(end - 1);
            Edit::insert(end, format!("{pad}{body}{eol}"))
        } else {
            let le = self.line_end(end);
            Edit::insert(le, format!("{}{pad}{body}", self.eol_at(end)))
        }
    }

    // ---- builders -----------------------------------------------------

    /// Add `key: value` at the end of a mapping, block or flow.
    pub fn insert_entry(
        &self,
        map: NodeId,
        key: &str,
        value: &Value,
    ) -> Result<Vec<Edit>, EditError> {
        self.insert_entries(map, &[(key.to_string(), value.clone())])
    }

    /// Add several entries at the end of a mapping, in order, as one edit.
    pub fn insert_entries(
        &self,
        map: NodeId,
        new: &[(String, Value)],
    ) -> Result<Vec<Edit>, EditError> {
        self.insert_entries_with(map, new, &mut RenderedEntries::default())
    }

    /// [`Self::insert_entries`], taking the text of `new` from `rendered`
    /// where it was rendered for another mapping laid out alike.
    pub fn insert_entries_with(
        &self,
        map: NodeId,
        new: &[(String, Value)],
        rendered: &mut RenderedEntries,
    ) -> Result<Vec<Edit>, EditError> {
        let entries = self.mapping_entries(map)?;
        let node = self.doc.node(map);
        for (key, _) in new {
            if entries.iter().any(|e| self.doc.key_str(*e) == Some(key)) {
                return fail(format!("the mapping already has `{key}`"));
            }
        }
        if node.flow {
            let items: Vec<String> = new
                .iter()
                .map(|(k, v)| format!("{}: {}", render_key(k, true), render_flow(v)))
                .collect();
            let last = entries.last().map(|e| e.value);
            return Ok(vec![self.flow_append(
                node.content_start,
                last,
                &items.join(", "),
            )]);
        }
        let first = entries
            .first()
            .ok_or_else(|| EditError("empty block mapping".into()))?;
        let indent = self.col(self.doc.node(first.key).start);
        let end = self.doc.node(entries.last().expect("non-empty").value).end;
        let style = self.scalar_style_hint(entries.iter().map(|e| e.value));
        let eol = self.eol_at(if self.at_line_start(end) {
            end - 1
        } else {
            end
        });
        let layout = (indent, eol, style);
        let body = match rendered.0.iter().find(|(l, _)| *l == layout) {
            Some((_, body)) => body,
            None => {
                let lines: Vec<String> = new
                    .iter()
                    .map(|(k, v)| block_entry(k, v, indent, self.doc.layout(), eol, style))
                    .collect();
                let body = lines.join(&format!("{eol}{}", " ".repeat(indent)));
                rendered.0.push((layout, body));
                &rendered.0.last().expect("just pushed").1
            }
        };
        let edit = self.insert_lines_after(end, indent, body);
        // One new block list: its items (each on a line of its own after
        // `key:`) can take those of another insert creating it.
        let edit = match new {
            [(key, Value::Array(items))] if !items.is_empty() && body.contains(eol) => {
                let body_at = edit
                    .content
                    .find(body.as_str())
                    .expect("the insert holds the body");
                let items_at = body_at + render_key(key, false).len() + 1;
                let list = format!("{}:{key}", map.0);
                edit.creating_list(list, items_at..body_at + body.len(), "")
            }
            _ => edit,
        };
        Ok(vec![edit])
    }

    /// Give an empty mapping value (`key:` or `key: ~`) the entries of
    /// `value` (an object), as a block under the key. A comment after the
    /// key stays on the key's line.
    pub fn fill_null(&self, node: NodeId, value: &Value) -> Result<Vec<Edit>, EditError> {
        let n = self.doc.node(node);
        let is_null = matches!(&n.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
            && n.tag.is_none()
            && n.anchor.is_none();
        let m = match value {
            Value::Object(m) if !m.is_empty() => m,
            _ => return fail("fill_null takes a non-empty object"),
        };
        if !is_null || self.in_flow(node) {
            return fail("not an empty block mapping value");
        }
        let Some(parent) = n.parent else {
            return fail("the document root is empty");
        };
        let entry = self
            .doc
            .entries(parent)
            .iter()
            .find(|e| e.value == node)
            .copied()
            .ok_or_else(|| EditError("not a mapping value".into()))?;
        let colon = self.skip_blanks(self.doc.node(entry.key).end);
        if self.text.as_bytes().get(colon) != Some(&b':') {
            return fail("no `:` after the key");
        }
        let indent = self.col(self.doc.node(entry.key).start) + self.doc.layout().step;
        let eol = self.eol_at(colon);
        let line_end = self.line_end(colon);
        let rest = &self.text[colon + 1..line_end];
        let comment = match rest.find(" #").or_else(|| rest.find("\t#")) {
            Some(i) => format!(" {}", rest[i..].trim()),
            None if rest.trim_start().starts_with('#') => format!(" {}", rest.trim()),
            None => String::new(),
        };
        let pad = " ".repeat(indent);
        let mut body = comment;
        for (k, v) in m {
            body.push_str(eol);
            body.push_str(&pad);
            body.push_str(&block_entry(
                k,
                v,
                indent,
                self.doc.layout(),
                eol,
                ScalarStyle::Plain,
            ));
        }
        Ok(vec![Edit::replace(colon + 1..line_end, body)])
    }

    /// Append values to a sequence, block or flow.
    pub fn append_items(&self, seq: NodeId, values: &[Value]) -> Result<Vec<Edit>, EditError> {
        let items = self.sequence_items(seq)?;
        let node = self.doc.node(seq);
        let style = self.scalar_style_hint(items.iter().copied());
        if node.flow {
            let rendered: Vec<String> = values
                .iter()
                .map(|v| match v {
                    Value::Array(_) | Value::Object(_) => render_flow(v),
                    s => render_scalar(s, style, true),
                })
                .collect();
            return Ok(vec![self.flow_append(
                node.content_start,
                items.last().copied(),
                &rendered.join(", "),
            )]);
        }
        let dash = node.content_start;
        if self.text.as_bytes().get(dash) != Some(&b'-') || !self.starts_line(dash) {
            return fail("the block sequence does not start its line with `-`");
        }
        let indent = self.col(dash);
        let last = *items.last().expect("block sequences have items");
        let end = self.doc.node(last).end;
        let eol = self.eol_at(if self.at_line_start(end) {
            end - 1
        } else {
            end
        });
        let lines: Vec<String> = values
            .iter()
            .map(|v| block_item(v, indent, self.doc.layout(), eol, style))
            .collect();
        let body = lines.join(&format!("{eol}{}", " ".repeat(indent)));
        Ok(vec![self.insert_lines_after(end, indent, &body)])
    }

    /// Quote style of the first scalar among `nodes` quoted by choice (one
    /// that would read the same unquoted), else plain: `cpus: "2"` must be
    /// quoted and says nothing of the file's style.
    fn scalar_style_hint(&self, nodes: impl Iterator<Item = NodeId>) -> ScalarStyle {
        for id in nodes {
            if let NodeKind::Scalar { value, style } = &self.doc.node(id).kind {
                if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
                    && !crate::render::needs_quotes(value, false)
                {
                    return *style;
                }
            }
        }
        ScalarStyle::Plain
    }

    /// Insert `item` before the closing bracket of a flow collection.
    fn flow_append(&self, open: usize, last: Option<NodeId>, item: &str) -> Edit {
        match last {
            None => Edit::insert(open + 1, item.to_string()),
            Some(last) => Edit::insert(self.doc.node(last).end, format!(", {item}")),
        }
    }

    /// Remove the items at `indices` from a sequence. Removing every item
    /// leaves `[]`.
    pub fn remove_items(&self, seq: NodeId, indices: &[usize]) -> Result<Vec<Edit>, EditError> {
        let items = self.sequence_items(seq)?;
        let mut remove: Vec<usize> = indices.to_vec();
        remove.sort_unstable();
        remove.dedup();
        if remove.iter().any(|i| *i >= items.len()) {
            return fail("item index out of range");
        }
        let spans: Vec<(usize, usize)> = items
            .iter()
            .map(|i| {
                let n = self.doc.node(*i);
                (n.start, n.end)
            })
            .collect();
        let node = self.doc.node(seq);
        if remove.len() == items.len() {
            return self.empty_collection(seq, "[]");
        }
        if node.flow {
            return Ok(self.flow_remove(&spans, &remove));
        }
        let mut edits = Vec::new();
        for &i in &remove {
            let dash = self.dash_before(items, i)?;
            let first = self.line_start(dash);
            let after = self.after_lines(spans[i].1);
            edits.push(self.delete_lines(first, after));
        }
        Ok(merge_adjacent(edits))
    }

    /// The `-` of block item `i`.
    fn dash_before(&self, items: &[NodeId], i: usize) -> Result<usize, EditError> {
        let from = if i == 0 {
            self.doc
                .node(self.doc.node(items[0]).parent.expect("items have a parent"))
                .content_start
        } else {
            self.skip_trivia(self.doc.node(items[i - 1]).end)
        };
        if self.text.as_bytes().get(from) != Some(&b'-') || !self.starts_line(from) {
            return fail("a block sequence item does not start its line with `-`");
        }
        Ok(from)
    }

    fn flow_remove(&self, spans: &[(usize, usize)], remove: &[usize]) -> Vec<Edit> {
        let mut edits = Vec::new();
        let mut i = 0;
        while i < remove.len() {
            // A run of consecutive removed indices.
            let a = remove[i];
            let mut b = a;
            while i + 1 < remove.len() && remove[i + 1] == b + 1 {
                i += 1;
                b = remove[i];
            }
            if b + 1 < spans.len() {
                edits.push(Edit::delete(spans[a].0..spans[b + 1].0));
            } else {
                edits.push(Edit::delete(spans[a - 1].1..spans[b].1));
            }
            i += 1;
        }
        edits
    }

    /// Replace a block or flow collection that is a mapping value by `[]` or `{}`.
    fn empty_collection(&self, coll: NodeId, empty: &str) -> Result<Vec<Edit>, EditError> {
        let node = self.doc.node(coll);
        if node.flow {
            let inner = node.content_start + 1..node.end - 1;
            return Ok(vec![Edit::delete(inner)]);
        }
        let Some(parent) = node.parent else {
            return fail("cannot empty the top-level collection");
        };
        let NodeKind::Mapping { entries } = &self.doc.node(parent).kind else {
            return fail("the collection is not a mapping value");
        };
        let entry = entries
            .iter()
            .find(|e| e.value == coll)
            .ok_or_else(|| EditError("the collection is a key".into()))?;
        let colon = self.skip_blanks(self.doc.node(entry.key).end);
        if self.text.as_bytes().get(colon) != Some(&b':') {
            return fail("no `:` after the key");
        }
        // `key: [&anchor] [# comment]` on its own line, the children below:
        // mark the key empty and delete the children's lines, so comment
        // lines between them stay.
        let line_end = self.line_end(colon);
        if node.content_start <= line_end {
            return fail("the collection starts on its key's line");
        }
        let rest = &self.text[colon + 1..line_end];
        let code = match rest.find(" #").or_else(|| rest.find("\t#")) {
            Some(i) => &rest[..i],
            None if rest.trim_start().starts_with('#') => "",
            None => rest,
        };
        let mut edits = vec![Edit::insert(
            colon + 1 + code.trim_end().len(),
            format!(" {empty}"),
        )];
        let children: Vec<(usize, usize)> = match &node.kind {
            NodeKind::Sequence { items } => (0..items.len())
                .map(|i| Ok((self.dash_before(items, i)?, self.doc.node(items[i]).end)))
                .collect::<Result<_, EditError>>()?,
            NodeKind::Mapping { entries } => entries
                .iter()
                .map(|e| (self.doc.node(e.key).start, self.doc.node(e.value).end))
                .collect(),
            _ => return fail("not a collection"),
        };
        for (start, end) in children {
            if !self.starts_line(start) {
                return fail("a child does not start its line");
            }
            edits.push(self.delete_lines(self.line_start(start), self.after_lines(end)));
        }
        Ok(merge_adjacent(edits))
    }

    fn skip_blanks(&self, mut pos: usize) -> usize {
        let b = self.text.as_bytes();
        while pos < b.len() && (b[pos] == b' ' || b[pos] == b'\t') {
            pos += 1;
        }
        pos
    }

    /// Remove a key and its value from a mapping. Removing the last key
    /// leaves `{}`.
    pub fn remove_entry(&self, map: NodeId, key: &str) -> Result<Vec<Edit>, EditError> {
        let entries = self.mapping_entries(map)?;
        let Some(idx) = entries
            .iter()
            .position(|e| self.doc.key_str(*e) == Some(key))
        else {
            return fail(format!("the mapping has no `{key}`"));
        };
        let node = self.doc.node(map);
        if entries.len() == 1 {
            return self.empty_collection(map, "{}");
        }
        let spans: Vec<(usize, usize)> = entries
            .iter()
            .map(|e| (self.doc.node(e.key).start, self.doc.node(e.value).end))
            .collect();
        if node.flow {
            return Ok(self.flow_remove(&spans, &[idx]));
        }
        let (start, end) = spans[idx];
        if self.starts_line(start) {
            return Ok(vec![
                self.delete_lines(self.line_start(start), self.after_lines(end))
            ]);
        }
        // The first key of a mapping that is a sequence item (`- key: v`):
        // pull the next key up onto the dash's line.
        if idx + 1 < spans.len() && !self.has_comment(end..spans[idx + 1].0) {
            return Ok(vec![Edit::delete(start..spans[idx + 1].0)]);
        }
        fail("cannot remove this key without touching a comment")
    }

    /// Replace a scalar's value, keeping its quoting where it can hold the new value.
    pub fn replace_scalar(&self, id: NodeId, value: &Value) -> Result<Edit, EditError> {
        let node = self.doc.node(id);
        let NodeKind::Scalar { style, .. } = &node.kind else {
            return fail("not a scalar");
        };
        if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
            return fail("block scalars are not replaced");
        }
        let flow = self.in_flow(id);
        Ok(Edit::replace(
            node.content_start..node.end,
            render_scalar(value, *style, flow),
        ))
    }

    /// Whether a node sits inside a flow collection.
    fn in_flow(&self, id: NodeId) -> bool {
        let mut cur = self.doc.node(id).parent;
        while let Some(p) = cur {
            if self.doc.node(p).flow {
                return true;
            }
            cur = self.doc.node(p).parent;
        }
        false
    }

    /// Set `key` in a mapping: replace the scalar if the key is written
    /// there, else insert it.
    pub fn set_entry(&self, map: NodeId, key: &str, value: &Value) -> Result<Vec<Edit>, EditError> {
        match self.doc.get(map, key) {
            Some(e) => Ok(vec![self.replace_scalar(e.value, value)?]),
            None => self.insert_entry(map, key, value),
        }
    }
}

/// Join deletions that touch, so the edits never conflict.
fn merge_adjacent(mut edits: Vec<Edit>) -> Vec<Edit> {
    edits.sort();
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        if let Some(last) = out.last_mut() {
            if last.content.is_empty() && e.content.is_empty() && last.end >= e.start {
                last.end = last.end.max(e.end);
                continue;
            }
        }
        out.push(e);
    }
    out
}

/// The text of one list of new entries for each indentation, line break
/// and scalar style it was rendered with: mappings laid out alike (the
/// services of a file) render the same entries once.
#[derive(Debug, Default)]
pub struct RenderedEntries(Vec<((usize, &'static str, ScalarStyle), String)>);
