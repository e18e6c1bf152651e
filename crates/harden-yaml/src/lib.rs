//! Lossless YAML documents for compose files.
//!
//! Parsing uses libyaml-safer (a Rust port of libyaml, the parser family
//! Docker Compose's YAML loaders descend from; it accepts all 217 compose
//! files of the corpus, where saphyr rejects one). On top of its events this
//! crate builds a node arena with byte spans into the original text, checks
//! what libyaml leaves to the loader (duplicate keys, unknown aliases,
//! nesting depth, alias expansion budget, file size), and computes the
//! semantic value with merge keys resolved. Edits are byte splices built
//! from the spans; nothing is re-serialised.

mod edit;
mod patch;
mod render;
mod tree;
mod value;

pub use edit::{EditError, Edits, RenderedEntries};
pub use render::{needs_quotes, render_flow, render_scalar, Layout};
pub use tree::{Entry, Node, NodeId, NodeKind, ScalarStyle};
pub use value::{plain_value, resolve_scalar, Occurrence};

use std::ops::Range;

use harden_core::{Document, LineCol, LineEnding, LineIndex, ParseError, SourceText, ValuePath};
use serde_json::Value;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

const BOM: &str = "\u{feff}";

/// A parsed single-document YAML file. Byte ranges index the full text,
/// including a leading BOM.
#[derive(Debug, Clone)]
pub struct YamlDoc {
    text: String,
    nodes: Vec<Node>,
    root: Option<NodeId>,
    value: Value,
    occurrences: value::Occurrences,
    lines: LineIndex,
    source: SourceText,
    layout: Layout,
}

/// A key found in a mapping, possibly through a `<<` merge.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub entry: Entry,
    /// The merged mapping the entry comes from; `None` when the key is
    /// written in the mapping itself.
    pub via: Option<NodeId>,
}

impl Document for YamlDoc {
    fn parse(text: &str) -> Result<Self, ParseError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(ParseError::new(
                1,
                1,
                format!(
                    "the file is {} bytes; YAML files over {} bytes are refused",
                    text.len(),
                    MAX_FILE_BYTES
                ),
            ));
        }
        let bom = if text.starts_with(BOM) { BOM.len() } else { 0 };
        let tree =
            tree::build(text, bom).map_err(|e| ParseError::at_offset(text, e.offset, e.message))?;
        if let Some((at, key, first)) = value::find_duplicate_key(&tree.nodes) {
            let first = LineIndex::new(text).line_col(text, first);
            return Err(ParseError::at_offset(
                text,
                at,
                format!(
                    "duplicate key `{key}` (first defined at line {})",
                    first.line
                ),
            ));
        }
        let expanded = value::expand(&tree.nodes, tree.root)
            .map_err(|e| ParseError::at_offset(text, e.offset, e.message))?;
        let layout = detect_layout(text, &tree.nodes);
        Ok(YamlDoc {
            layout,
            text: text.to_string(),
            nodes: tree.nodes,
            root: tree.root,
            value: expanded.value,
            occurrences: expanded.occurrences,
            lines: LineIndex::new(text),
            source: SourceText::of(text),
        })
    }

    fn source_text(&self) -> SourceText {
        self.source
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn value(&self) -> Value {
        self.value.clone()
    }

    fn value_cow(&self) -> std::borrow::Cow<'_, Value> {
        std::borrow::Cow::Borrowed(&self.value)
    }
}

impl YamlDoc {
    /// The value without cloning it.
    pub fn value_ref(&self) -> &Value {
        &self.value
    }

    pub fn source(&self) -> SourceText {
        self.source
    }

    /// The line break new lines get: the file's own (`\n` when mixed or none).
    pub fn eol(&self) -> &'static str {
        match self.source.line_ending {
            LineEnding::Crlf => "\r\n",
            _ => "\n",
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        self.lines.line_col(&self.text, offset)
    }

    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// Follow aliases to the node they name.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        value::resolve_alias(&self.nodes, id)
    }

    /// The byte range of a node's content (without anchor and tag).
    pub fn range(&self, id: NodeId) -> Range<usize> {
        let n = self.node(id);
        n.content_start..n.end
    }

    /// The range from a key to the end of its value.
    pub fn entry_range(&self, entry: Entry) -> Range<usize> {
        self.node(entry.key).start..self.node(entry.value).end
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Mapping { .. })
    }

    pub fn is_sequence(&self, id: NodeId) -> bool {
        matches!(self.node(self.resolve(id)).kind, NodeKind::Sequence { .. })
    }

    /// The scalar text of a node (after aliases), if it is a scalar.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The resolved value of a scalar (after aliases): `true`, `1024`, `"x"`.
    pub fn scalar_value(&self, id: NodeId) -> Option<Value> {
        let n = self.node(self.resolve(id));
        match &n.kind {
            NodeKind::Scalar { value, style } => {
                Some(resolve_scalar(value, *style, n.tag.as_deref()))
            }
            _ => None,
        }
    }

    /// Entries written in a mapping (after aliases), in order; empty for non-mappings.
    pub fn entries(&self, map: NodeId) -> &[Entry] {
        match &self.node(self.resolve(map)).kind {
            NodeKind::Mapping { entries } => entries,
            _ => &[],
        }
    }

    /// Items of a sequence (after aliases); empty for non-sequences.
    pub fn items(&self, seq: NodeId) -> &[NodeId] {
        match &self.node(self.resolve(seq)).kind {
            NodeKind::Sequence { items } => items,
            _ => &[],
        }
    }

    pub fn key_str(&self, entry: Entry) -> Option<&str> {
        self.scalar(entry.key)
    }

    /// A key written in the mapping itself (no merges).
    pub fn get(&self, map: NodeId, key: &str) -> Option<Entry> {
        self.entries(map)
            .iter()
            .copied()
            .find(|e| self.key_str(*e) == Some(key))
    }

    /// The mappings merged into `map` by `<<`, in priority order.
    pub fn merge_sources(&self, map: NodeId) -> Vec<NodeId> {
        self.get(map, "<<")
            .filter(|e| self.is_plain_merge_key(e.key))
            .and_then(|e| value::merge_sources(&self.nodes, e.value).ok())
            .unwrap_or_default()
    }

    fn is_plain_merge_key(&self, key: NodeId) -> bool {
        let n = self.node(key);
        n.tag.as_deref().is_none_or(value::is_merge_tag)
            && matches!(
                n.kind,
                NodeKind::Scalar {
                    style: ScalarStyle::Plain,
                    ..
                }
            )
    }

    /// Look a key up the way the value sees it: written in the mapping, or
    /// inherited through `<<` (earlier sources first). A key tagged `!reset`
    /// counts as absent.
    pub fn lookup(&self, map: NodeId, key: &str) -> Option<Found> {
        self.lookup_depth(map, key, 0)
    }

    fn lookup_depth(&self, map: NodeId, key: &str, depth: usize) -> Option<Found> {
        if depth > tree::MAX_DEPTH {
            return None;
        }
        if key != "<<" {
            if let Some(entry) = self.get(map, key) {
                if self.is_reset(entry.value) {
                    return None;
                }
                return Some(Found { entry, via: None });
            }
        }
        for source in self.merge_sources(map) {
            if let Some(found) = self.lookup_depth(source, key, depth + 1) {
                return Some(Found {
                    entry: found.entry,
                    via: Some(found.via.unwrap_or(source)),
                });
            }
        }
        None
    }

    /// Whether a value carries the `!reset` tag (directly or on its alias target).
    pub fn is_reset(&self, id: NodeId) -> bool {
        value::is_reset(self.node(id)) || value::is_reset(self.node(self.resolve(id)))
    }

    /// Every key the mapping has, merges included, in document order.
    pub fn effective_entries(&self, map: NodeId) -> Vec<(String, Found)> {
        let mut out: Vec<(String, Found)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for e in self.entries(map) {
            if let Some(k) = self.key_str(*e) {
                if k != "<<" {
                    seen.insert(k.to_string());
                }
            }
        }
        for e in self.entries(map) {
            let Some(k) = self.key_str(*e) else { continue };
            if k == "<<" && self.is_plain_merge_key(e.key) {
                for source in self.merge_sources(map) {
                    for (sk, sf) in self.effective_entries(source) {
                        if seen.insert(sk.clone()) {
                            out.push((
                                sk,
                                Found {
                                    entry: sf.entry,
                                    via: Some(sf.via.unwrap_or(source)),
                                },
                            ));
                        }
                    }
                }
            } else if !self.is_reset(e.value) {
                out.push((
                    k.to_string(),
                    Found {
                        entry: *e,
                        via: None,
                    },
                ));
            }
        }
        out
    }

    /// Follow keys from the root with merge-aware lookups.
    pub fn path(&self, keys: &[&str]) -> Option<NodeId> {
        let mut node = self.root?;
        for k in keys {
            node = self.lookup(node, k)?.entry.value;
        }
        Some(self.resolve(node))
    }

    /// The semantic value of a node (aliases and merges expanded).
    pub fn node_value(&self, id: NodeId) -> Value {
        value::expand(&self.nodes, Some(id))
            .map(|e| e.value)
            .unwrap_or(Value::Null)
    }

    /// Every place a node lands in the value (see [`Occurrence`]).
    pub fn occurrences(&self, id: NodeId) -> Vec<Occurrence> {
        self.occurrences.of(&self.nodes, self.resolve(id))
    }

    /// The value paths at which a key added to `map` would appear: every
    /// place the mapping is used (directly, by alias or by merge) where the
    /// key is not shadowed.
    pub fn paths_for_new_key(&self, map: NodeId, key: &str) -> Vec<ValuePath> {
        let mut out: Vec<ValuePath> = Vec::new();
        for o in self.occurrences(map) {
            if !o.shadowed.iter().any(|s| s == key) {
                let p = o.path.child(key);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Every value path at which a node itself shows up (through aliases too).
    pub fn paths_of(&self, id: NodeId) -> Vec<ValuePath> {
        self.occurrences(id)
            .into_iter()
            .filter(|o| !o.merged)
            .map(|o| o.path)
            .collect()
    }

    /// All mapping nodes that merge `source` through `<<`.
    pub fn merged_into(&self, source: NodeId) -> Vec<NodeId> {
        let source = self.resolve(source);
        (0..self.nodes.len() as u32)
            .map(NodeId)
            .filter(|id| matches!(self.node(*id).kind, NodeKind::Mapping { .. }))
            .filter(|id| self.merge_sources(*id).contains(&source))
            .collect()
    }

    pub fn edits(&self) -> Edits<'_> {
        Edits::new(self)
    }

    /// How the file indents nested blocks.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    pub(crate) fn text_str(&self) -> &str {
        &self.text
    }
}

/// The most common indentation step and block-sequence offset of a file.
fn detect_layout(text: &str, nodes: &[Node]) -> Layout {
    let col = |pos: usize| pos - text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let mut steps: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut seq: std::collections::BTreeMap<usize, usize> = Default::default();
    for node in nodes {
        let NodeKind::Mapping { entries } = &node.kind else {
            continue;
        };
        if node.flow {
            continue;
        }
        for e in entries {
            let key_col = col(nodes[e.key.0 as usize].start);
            let v = &nodes[e.value.0 as usize];
            if v.flow {
                continue;
            }
            match &v.kind {
                NodeKind::Mapping { entries: inner } => {
                    if let Some(first) = inner.first() {
                        let c = col(nodes[first.key.0 as usize].start);
                        if c > key_col && text.as_bytes()[v.content_start] != b'-' {
                            *steps.entry(c - key_col).or_default() += 1;
                        }
                    }
                }
                NodeKind::Sequence { .. }
                    if text.as_bytes().get(v.content_start) == Some(&b'-') =>
                {
                    let c = col(v.content_start);
                    if c >= key_col {
                        *seq.entry(c - key_col).or_default() += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let most = |m: &std::collections::BTreeMap<usize, usize>| {
        m.iter()
            .max_by_key(|(k, n)| (**n, std::cmp::Reverse(**k)))
            .map(|(k, _)| *k)
    };
    let step = most(&steps).unwrap_or(2);
    Layout {
        step,
        seq_indent: most(&seq).unwrap_or(step),
    }
}

#[cfg(test)]
mod tests;
