//! The semantic value of a document as Docker Compose sees it: YAML 1.2
//! core-schema scalars, aliases expanded, `<<` merge keys applied (explicit
//! keys win, then earlier merge sources), keys tagged `!reset` removed. The
//! expansion is bounded so alias bombs end in an error.

use std::collections::HashSet;

use harden_core::{PathSeg, ValuePath};
use serde_json::{Map, Number, Value};

use crate::tree::{Node, NodeId, NodeKind, ScalarStyle, MAX_DEPTH};

/// Upper bound on the nodes materialised while expanding aliases.
pub(crate) const MAX_EXPANDED_NODES: usize = 250_000;

pub(crate) struct ExpandError {
    pub offset: usize,
    pub message: String,
}

/// One place a node shows up in the value. For a mapping merged by `<<`,
/// `path` is the merging mapping's path, and its keys show up there except
/// the ones in `shadowed` (written in the merging mapping or an earlier source).
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub path: ValuePath,
    pub shadowed: Vec<String>,
    /// True when the keys arrive through a `<<` merge.
    pub merged: bool,
}

pub(crate) struct Expanded {
    pub value: Value,
    /// Every place each node lands in the value.
    pub occurrences: Occurrences,
}

/// One step of a value path: the key (a key node) or index under a parent step.
#[derive(Debug, Clone, Copy)]
enum Step {
    Root,
    Key { parent: u32, key: NodeId },
    Index { parent: u32, index: u32 },
}

#[derive(Debug, Clone)]
struct Record {
    node: NodeId,
    step: u32,
    merged: bool,
    shadowed: Vec<String>,
}

/// The places nodes land in the value, kept as a tree of path steps shared
/// by parent and child, so that expanding costs no copy of a path per node;
/// a node's paths are spelled out when asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Occurrences {
    steps: Vec<Step>,
    /// Sorted by node, each node's records in the order they were found.
    records: Vec<Record>,
}

impl Occurrences {
    pub(crate) fn of(&self, nodes: &[Node], id: NodeId) -> Vec<Occurrence> {
        let from = self.records.partition_point(|r| r.node < id);
        self.records[from..]
            .iter()
            .take_while(|r| r.node == id)
            .map(|r| Occurrence {
                path: self.path(nodes, r.step),
                shadowed: r.shadowed.clone(),
                merged: r.merged,
            })
            .collect()
    }

    fn path(&self, nodes: &[Node], mut step: u32) -> ValuePath {
        let mut segs = Vec::new();
        loop {
            match self.steps[step as usize] {
                Step::Root => break,
                Step::Key { parent, key } => {
                    segs.push(PathSeg::Key(key_string(nodes, key).unwrap_or_default()));
                    step = parent;
                }
                Step::Index { parent, index } => {
                    segs.push(PathSeg::Index(index as usize));
                    step = parent;
                }
            }
        }
        segs.reverse();
        ValuePath(segs)
    }
}

pub(crate) fn expand(nodes: &[Node], root: Option<NodeId>) -> Result<Expanded, ExpandError> {
    let mut ex = Expander {
        nodes,
        budget: MAX_EXPANDED_NODES,
        occurrences: Occurrences {
            steps: vec![Step::Root],
            records: Vec::with_capacity(nodes.len()),
        },
    };
    let value = match root {
        Some(r) => ex.node(r, 0, 0)?,
        None => Value::Null,
    };
    let mut occurrences = ex.occurrences;
    occurrences.records.sort_by_key(|r| r.node);
    Ok(Expanded { value, occurrences })
}

struct Expander<'a> {
    nodes: &'a [Node],
    budget: usize,
    occurrences: Occurrences,
}

pub(crate) fn is_reset(node: &Node) -> bool {
    node.tag.as_deref() == Some("!reset")
}

impl Expander<'_> {
    fn spend(&mut self, at: &Node) -> Result<(), ExpandError> {
        self.spend_n(at, 1)
    }

    /// Every unit of work counts: a node materialised, a mapping entry
    /// visited (shadowed ones too) and a shadowed key carried into a merge,
    /// so merges of merges cannot grow past the budget unseen.
    fn spend_n(&mut self, at: &Node, units: usize) -> Result<(), ExpandError> {
        if self.budget < units {
            return Err(ExpandError {
                offset: at.start,
                message: format!(
                    "expanding aliases produces more than {MAX_EXPANDED_NODES} nodes (an alias bomb?)"
                ),
            });
        }
        self.budget -= units;
        Ok(())
    }

    fn record(&mut self, node: NodeId, step: u32, shadowed: &[String], merged: bool) {
        self.occurrences.records.push(Record {
            node,
            step,
            merged,
            shadowed: shadowed.to_vec(),
        });
    }

    fn step(&mut self, step: Step) -> u32 {
        self.occurrences.steps.push(step);
        (self.occurrences.steps.len() - 1) as u32
    }

    fn node(&mut self, id: NodeId, path: u32, depth: usize) -> Result<Value, ExpandError> {
        let node = &self.nodes[id.0 as usize];
        self.spend(node)?;
        if depth > MAX_DEPTH {
            return Err(ExpandError {
                offset: node.start,
                message: format!(
                    "the value nests deeper than {MAX_DEPTH} levels after alias expansion"
                ),
            });
        }
        if !matches!(node.kind, NodeKind::Alias { .. } | NodeKind::Mapping { .. }) {
            self.record(id, path, &[], false);
        }
        match &node.kind {
            NodeKind::Scalar { value, style } => {
                Ok(resolve_scalar(value, *style, node.tag.as_deref()))
            }
            NodeKind::Alias { target, .. } => self.node(*target, path, depth + 1),
            NodeKind::Sequence { items } => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let step = self.step(Step::Index {
                        parent: path,
                        index: i as u32,
                    });
                    out.push(self.node(*item, step, depth + 1)?);
                }
                Ok(Value::Array(out))
            }
            NodeKind::Mapping { .. } => {
                let map = self.mapping(id, path, &[], false, depth)?;
                Ok(Value::Object(map))
            }
        }
    }

    /// The keys of mapping `id` at `path`, leaving out `shadowed` keys.
    fn mapping(
        &mut self,
        id: NodeId,
        path: u32,
        shadowed: &[String],
        merged: bool,
        depth: usize,
    ) -> Result<Map<String, Value>, ExpandError> {
        let node = &self.nodes[id.0 as usize];
        let NodeKind::Mapping { entries } = &node.kind else {
            unreachable!("mapping() is called on mappings")
        };
        self.spend_n(node, 1 + entries.len() + shadowed.len())?;
        self.record(id, path, shadowed, merged);
        // Explicit keys (including `!reset` ones) hide merged keys.
        let merges = entries
            .iter()
            .any(|e| key_str(self.nodes, e.key) == Some("<<"));
        let mut hidden: Vec<String> = Vec::new();
        if merges {
            hidden.extend_from_slice(shadowed);
            for e in entries {
                match key_str(self.nodes, e.key) {
                    Some("<<") | None => {}
                    Some(k) => hidden.push(k.to_string()),
                }
            }
        }
        let mut out = Map::new();
        for e in entries {
            let key_node = &self.nodes[e.key.0 as usize];
            let Some(key) = key_string(self.nodes, e.key) else {
                return Err(ExpandError {
                    offset: key_node.start,
                    message: "a mapping key must be a scalar".into(),
                });
            };
            if key == "<<" && is_plain(key_node) {
                for source in merge_sources(self.nodes, e.value).map_err(|offset| ExpandError {
                    offset,
                    message: "a merge key `<<` takes a mapping or a list of mappings".into(),
                })? {
                    let sub = self.mapping(source, path, &hidden, true, depth + 1)?;
                    for (k, v) in sub {
                        if !out.contains_key(&k) {
                            hidden.push(k.clone());
                            out.insert(k, v);
                        }
                    }
                }
                continue;
            }
            if shadowed.contains(&key) {
                continue;
            }
            let value_node = resolve_alias(self.nodes, e.value);
            if is_reset(&self.nodes[e.value.0 as usize])
                || is_reset(&self.nodes[value_node.0 as usize])
            {
                continue;
            }
            let step = self.step(Step::Key {
                parent: path,
                key: e.key,
            });
            let v = self.node(e.value, step, depth + 1)?;
            out.insert(key, v);
        }
        Ok(out)
    }
}

fn is_plain(node: &Node) -> bool {
    matches!(
        node.kind,
        NodeKind::Scalar {
            style: ScalarStyle::Plain,
            ..
        }
    ) && node.tag.as_deref().is_none_or(is_merge_tag)
}

/// `!!merge <<:` spells the merge key with its tag.
pub(crate) fn is_merge_tag(tag: &str) -> bool {
    matches!(tag, "tag:yaml.org,2002:merge" | "!!merge")
}

/// Follow aliases to the node they name.
pub(crate) fn resolve_alias(nodes: &[Node], mut id: NodeId) -> NodeId {
    // Aliases point backwards, so this ends.
    while let NodeKind::Alias { target, .. } = &nodes[id.0 as usize].kind {
        id = *target;
    }
    id
}

/// The mappings a `<<` value merges, in priority order. Errors with the
/// offset of a value that is not a mapping.
pub(crate) fn merge_sources(nodes: &[Node], value: NodeId) -> Result<Vec<NodeId>, usize> {
    let v = resolve_alias(nodes, value);
    match &nodes[v.0 as usize].kind {
        NodeKind::Mapping { .. } => Ok(vec![v]),
        NodeKind::Sequence { items } => items
            .iter()
            .map(|i| {
                let t = resolve_alias(nodes, *i);
                match nodes[t.0 as usize].kind {
                    NodeKind::Mapping { .. } => Ok(t),
                    _ => Err(nodes[i.0 as usize].start),
                }
            })
            .collect(),
        _ => Err(nodes[value.0 as usize].start),
    }
}

/// The text of a scalar key (after aliases); `None` for collection keys.
pub(crate) fn key_string(nodes: &[Node], key: NodeId) -> Option<String> {
    key_str(nodes, key).map(str::to_string)
}

fn key_str(nodes: &[Node], key: NodeId) -> Option<&str> {
    let k = resolve_alias(nodes, key);
    match &nodes[k.0 as usize].kind {
        NodeKind::Scalar { value, .. } => Some(value),
        _ => None,
    }
}

/// Keys that repeat in one mapping: (offset of the repeat, key, offset of the first).
pub(crate) fn find_duplicate_key(nodes: &[Node]) -> Option<(usize, String, usize)> {
    for node in nodes {
        if let NodeKind::Mapping { entries } = &node.kind {
            let mut seen: HashSet<&str> = HashSet::new();
            for e in entries {
                let k = resolve_alias(nodes, e.key);
                let NodeKind::Scalar { value, .. } = &nodes[k.0 as usize].kind else {
                    continue;
                };
                if !seen.insert(value.as_str()) {
                    let first = entries
                        .iter()
                        .find(|o| {
                            let ok = resolve_alias(nodes, o.key);
                            matches!(&nodes[ok.0 as usize].kind, NodeKind::Scalar { value: v, .. } if v == value)
                        })
                        .map(|o| nodes[o.key.0 as usize].start)
                        .unwrap_or(0);
                    return Some((nodes[e.key.0 as usize].start, value.clone(), first));
                }
            }
        }
    }
    None
}

const CORE: &str = "tag:yaml.org,2002:";

/// Resolve a scalar the way a YAML 1.2 core-schema loader does.
pub fn resolve_scalar(raw: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    if let Some(t) = tag.and_then(|t| t.strip_prefix(CORE)) {
        return match t {
            "str" => Value::String(raw.to_string()),
            "null" => Value::Null,
            "bool" => parse_bool(raw)
                .map(Value::Bool)
                .unwrap_or_else(|| Value::String(raw.into())),
            "int" | "float" => parse_number(raw).unwrap_or_else(|| Value::String(raw.into())),
            _ => Value::String(raw.to_string()),
        };
    }
    if style != ScalarStyle::Plain || tag == Some("!") {
        return Value::String(raw.to_string());
    }
    plain_value(raw)
}

/// The value of an untagged plain scalar.
pub fn plain_value(raw: &str) -> Value {
    match raw {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(raw) {
        return Value::Bool(b);
    }
    parse_number(raw).unwrap_or_else(|| Value::String(raw.to_string()))
}

fn parse_bool(raw: &str) -> Option<bool> {
    match raw {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn parse_number(raw: &str) -> Option<Value> {
    let (neg, digits) = match raw.as_bytes().first()? {
        b'-' => (true, &raw[1..]),
        b'+' => (false, &raw[1..]),
        _ => (false, raw),
    };
    let int = |s: &str, radix: u32| -> Option<Value> {
        if s.is_empty() {
            return None;
        }
        let n = i128::from_str_radix(s, radix).ok()?;
        let n = if neg { -n } else { n };
        if let Ok(v) = i64::try_from(n) {
            Some(Value::Number(v.into()))
        } else {
            u64::try_from(n).ok().map(|v| Value::Number(v.into()))
        }
    };
    if let Some(h) = digits.strip_prefix("0x") {
        if h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return int(h, 16);
        }
        return None;
    }
    if let Some(o) = digits.strip_prefix("0o") {
        if o.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            return int(o, 8);
        }
        return None;
    }
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        return int(digits, 10);
    }
    match digits {
        ".inf" | ".Inf" | ".INF" => {
            return Some(Value::String(if neg { "-.inf" } else { ".inf" }.into()))
        }
        ".nan" | ".NaN" | ".NAN" if raw == digits => return Some(Value::String(".nan".into())),
        _ => {}
    }
    if is_float_syntax(digits) {
        let f: f64 = raw.parse().ok()?;
        return Number::from_f64(f).map(Value::Number);
    }
    None
}

/// `[0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)?` with at least one digit before the exponent.
fn is_float_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let mut mantissa_digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mantissa_digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mantissa_digits += 1;
        }
    }
    if mantissa_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema_plain_scalars() {
        assert_eq!(plain_value(""), Value::Null);
        assert_eq!(plain_value("~"), Value::Null);
        assert_eq!(plain_value("True"), json!(true));
        assert_eq!(plain_value("yes"), json!("yes"));
        assert_eq!(plain_value("1024"), json!(1024));
        assert_eq!(plain_value("-3"), json!(-3));
        assert_eq!(plain_value("0x1F"), json!(31));
        assert_eq!(plain_value("0o17"), json!(15));
        assert_eq!(plain_value("1.5"), json!(1.5));
        assert_eq!(plain_value("1e3"), json!(1000.0));
        assert_eq!(plain_value("8g"), json!("8g"));
        assert_eq!(plain_value("3000:3000"), json!("3000:3000"));
        assert_eq!(plain_value("1.2.3"), json!("1.2.3"));
        assert_eq!(plain_value("."), json!("."));
    }

    #[test]
    fn tags_and_quotes_decide_the_type() {
        assert_eq!(
            resolve_scalar("12", ScalarStyle::Plain, Some("tag:yaml.org,2002:str")),
            json!("12")
        );
        assert_eq!(
            resolve_scalar("12", ScalarStyle::DoubleQuoted, None),
            json!("12")
        );
        assert_eq!(
            resolve_scalar("12", ScalarStyle::Plain, Some("!override")),
            json!(12)
        );
    }
}
