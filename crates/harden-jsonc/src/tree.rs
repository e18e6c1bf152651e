//! An owned JSONC tree with byte spans, built from jsonc-parser's AST.

use std::ops::Range;

use jsonc_parser::ast;
use jsonc_parser::common::Ranged;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Node {
    pub range: Range<usize>,
    pub kind: NodeKind,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Object(Vec<Member>),
    Array(Vec<Node>),
    String(String),
    /// The number as written.
    Number(String),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub key: String,
    pub key_range: Range<usize>,
    pub value: Node,
}

impl Member {
    /// From the key's opening quote to the value's end.
    pub fn range(&self) -> Range<usize> {
        self.key_range.start..self.value.range.end
    }
}

impl Node {
    pub fn members(&self) -> Option<&[Member]> {
        match &self.kind {
            NodeKind::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn elements(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Array(e) => Some(e),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.kind {
            NodeKind::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The member named `key` of an object (keys are unique: duplicates are
    /// refused at parse time).
    pub fn get(&self, key: &str) -> Option<&Member> {
        self.members()?.iter().find(|m| m.key == key)
    }

    pub fn member_index(&self, key: &str) -> Option<usize> {
        self.members()?.iter().position(|m| m.key == key)
    }

    /// Children in order: members' values for objects, elements for arrays.
    pub(crate) fn child_ranges(&self) -> Vec<Range<usize>> {
        match &self.kind {
            NodeKind::Object(m) => m.iter().map(Member::range).collect(),
            NodeKind::Array(e) => e.iter().map(|n| n.range.clone()).collect(),
            _ => Vec::new(),
        }
    }

    pub fn to_value(&self) -> Value {
        match &self.kind {
            NodeKind::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.clone(), m.value.to_value()))
                    .collect(),
            ),
            NodeKind::Array(e) => Value::Array(e.iter().map(Node::to_value).collect()),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Null => Value::Null,
        }
    }
}

/// Convert the AST, shifting ranges by `offset` (the BOM length). Fails with
/// the offset and message of the first duplicate key.
pub(crate) fn build(value: &ast::Value<'_>, offset: usize) -> Result<Node, (usize, String)> {
    build_counted(value, offset, &mut 0)
}

fn build_counted(
    value: &ast::Value<'_>,
    offset: usize,
    nodes: &mut usize,
) -> Result<Node, (usize, String)> {
    use harden_core::limits::{exceeded, MAX_ITEMS, MAX_NODES};
    let r = value.range();
    *nodes += 1;
    if *nodes > MAX_NODES {
        return Err((r.start + offset, exceeded("nodes", MAX_NODES)));
    }
    let items = match value {
        ast::Value::Object(obj) => obj.properties.len(),
        ast::Value::Array(arr) => arr.elements.len(),
        _ => 0,
    };
    if items > MAX_ITEMS {
        return Err((
            r.start + offset,
            exceeded("items in one array or object", MAX_ITEMS),
        ));
    }
    let range = r.start + offset..r.end + offset;
    let kind = match value {
        ast::Value::Object(obj) => {
            let mut members: Vec<Member> = Vec::with_capacity(obj.properties.len());
            for prop in &obj.properties {
                let (key, kr) = match &prop.name {
                    ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                    ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                };
                let key_range = kr.start + offset..kr.end + offset;
                if members.iter().any(|m| m.key == key) {
                    return Err((
                        key_range.start,
                        format!(
                            "duplicate key `{key}` (JSON keeps only the last one; remove one before hardening)"
                        ),
                    ));
                }
                members.push(Member {
                    key,
                    key_range,
                    value: build_counted(&prop.value, offset, nodes)?,
                });
            }
            NodeKind::Object(members)
        }
        ast::Value::Array(arr) => NodeKind::Array(
            arr.elements
                .iter()
                .map(|e| build_counted(e, offset, nodes))
                .collect::<Result<_, _>>()?,
        ),
        ast::Value::StringLit(s) => NodeKind::String(s.value.to_string()),
        ast::Value::NumberLit(n) => NodeKind::Number(n.value.to_string()),
        ast::Value::BooleanLit(b) => NodeKind::Bool(b.value),
        ast::Value::NullKeyword(_) => NodeKind::Null,
    };
    Ok(Node { range, kind })
}

/// Skip whitespace and comments from `pos`; returns the next significant offset.
pub(crate) fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(pos) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => pos += 1,
            Some(b'/') if bytes.get(pos + 1) == Some(&b'/') => {
                pos = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
            }
            Some(b'/') if bytes.get(pos + 1) == Some(&b'*') => {
                pos = text[pos + 2..]
                    .find("*/")
                    .map_or(text.len(), |i| pos + 2 + i + 2);
            }
            _ => return pos,
        }
    }
}

/// The offset of a comma that follows `pos` after trivia, if there is one.
pub(crate) fn comma_after(text: &str, pos: usize) -> Option<usize> {
    let p = skip_trivia(text, pos);
    (text.as_bytes().get(p) == Some(&b',')).then_some(p)
}

/// Whether any multi-line container in the file ends its last child with a comma.
pub(crate) fn uses_trailing_commas(text: &str, root: &Node) -> bool {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let children = node.child_ranges();
        if let Some(last) = children.last() {
            if comma_after(text, last.end).is_some() {
                return true;
            }
        }
        match &node.kind {
            NodeKind::Object(m) => stack.extend(m.iter().map(|m| &m.value)),
            NodeKind::Array(e) => stack.extend(e.iter()),
            _ => {}
        }
    }
    false
}
