//! The node arena built from libyaml events, with byte spans into the
//! original text (BOM included).

use std::collections::HashMap;

use harden_core::limits::{MAX_ITEMS, MAX_NODES};
use libyaml_safer::{EventData, MappingStyle, Parser, SequenceStyle};

/// Index of a node in the document's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Sequence {
        items: Vec<NodeId>,
    },
    Mapping {
        entries: Vec<Entry>,
    },
    /// `*name`, resolved to the anchored node defined before it.
    Alias {
        name: String,
        target: NodeId,
    },
}

/// One `key: value` pair of a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Flow collection (`[..]`, `{..}`); false for scalars and block collections.
    pub flow: bool,
    /// Start of the node including its anchor and tag.
    pub start: usize,
    /// Start of the content: the first quote, `[`, `{`, `-`, first key or
    /// first character of a plain scalar.
    pub content_start: usize,
    /// End of the content: after the closing quote or bracket, or the end
    /// of the last child of a block collection. Block scalars end at the
    /// start of the line after their last line.
    pub end: usize,
    pub anchor: Option<String>,
    pub tag: Option<String>,
    pub parent: Option<NodeId>,
}

/// Limits that keep hostile input in bounded time and memory.
pub(crate) const MAX_DEPTH: usize = 200;

pub(crate) struct Tree {
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
}

pub(crate) struct BuildError {
    pub offset: usize,
    pub message: String,
}

fn err(offset: usize, message: impl Into<String>) -> BuildError {
    BuildError {
        offset,
        message: message.into(),
    }
}

struct Frame {
    node: NodeId,
    /// For mappings: the key waiting for its value.
    pending_key: Option<NodeId>,
}

pub(crate) fn build(text: &str, bom: usize) -> Result<Tree, BuildError> {
    let body = &text[bom..];
    let mut input = body.as_bytes();
    let mut parser = Parser::new();
    parser.set_input_string(&mut input);
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<String, NodeId> = HashMap::new();
    let mut root: Option<NodeId> = None;
    let mut documents = 0usize;
    loop {
        let parsed = harden_core::panic::contain(|| parser.parse()).ok_or_else(|| {
            err(
                text.len(),
                "the YAML parser cannot read this file (it gave up before the end)",
            )
        })?;
        let event = parsed.map_err(|e| {
            let offset = e.problem_mark().map(|m| m.index as usize).unwrap_or(0) + bom;
            let mut message = e.problem().to_string();
            if let Some(ctx) = e.context() {
                message.push(' ');
                message.push_str(ctx);
            }
            err(offset.min(text.len()), message)
        })?;
        let start = event.start_mark.index as usize + bom;
        let end = event.end_mark.index as usize + bom;
        let new_node = match event.data {
            EventData::StreamEnd => break,
            EventData::StreamStart { .. } | EventData::DocumentEnd { .. } => continue,
            EventData::DocumentStart { .. } => {
                documents += 1;
                if documents > 1 {
                    return Err(err(
                        start,
                        "the file holds several YAML documents; only single-document files are supported",
                    ));
                }
                continue;
            }
            EventData::Scalar {
                anchor,
                tag,
                value,
                style,
                ..
            } => {
                let style = match style {
                    libyaml_safer::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    libyaml_safer::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    libyaml_safer::ScalarStyle::Literal => ScalarStyle::Literal,
                    libyaml_safer::ScalarStyle::Folded => ScalarStyle::Folded,
                    _ => ScalarStyle::Plain,
                };
                let content_start = if anchor.is_some() || tag.is_some() {
                    skip_properties(text, start, end)
                } else {
                    start
                };
                Some(Node {
                    kind: NodeKind::Scalar { value, style },
                    flow: false,
                    start,
                    content_start,
                    end,
                    anchor,
                    tag,
                    parent: None,
                })
            }
            EventData::Alias { anchor } => {
                let Some(&target) = anchors.get(&anchor) else {
                    return Err(err(
                        start,
                        format!("alias `*{anchor}` refers to no anchor defined before it"),
                    ));
                };
                Some(Node {
                    kind: NodeKind::Alias {
                        name: anchor,
                        target,
                    },
                    flow: false,
                    start,
                    content_start: start,
                    end,
                    anchor: None,
                    tag: None,
                    parent: None,
                })
            }
            EventData::SequenceStart {
                anchor, tag, style, ..
            } => {
                let flow = style == SequenceStyle::Flow;
                open_collection(
                    text,
                    &mut nodes,
                    &mut stack,
                    NodeKind::Sequence { items: Vec::new() },
                    flow,
                    (start, end),
                    anchor,
                    tag,
                )?;
                continue;
            }
            EventData::MappingStart {
                anchor, tag, style, ..
            } => {
                let flow = style == MappingStyle::Flow;
                open_collection(
                    text,
                    &mut nodes,
                    &mut stack,
                    NodeKind::Mapping {
                        entries: Vec::new(),
                    },
                    flow,
                    (start, end),
                    anchor,
                    tag,
                )?;
                continue;
            }
            EventData::SequenceEnd | EventData::MappingEnd => {
                let frame = stack.pop().expect("balanced events");
                let id = frame.node;
                let node = &nodes[id.0 as usize];
                let close = if node.flow {
                    end
                } else {
                    let last = match &node.kind {
                        NodeKind::Sequence { items } => items.last().copied(),
                        NodeKind::Mapping { entries } => entries.last().map(|e| e.value),
                        _ => None,
                    };
                    match last {
                        Some(child) => nodes[child.0 as usize].end,
                        None => node.content_start,
                    }
                };
                nodes[id.0 as usize].end = close;
                if let Some(a) = nodes[id.0 as usize].anchor.clone() {
                    anchors.insert(a, id);
                }
                attach(&mut nodes, &mut stack, &mut root, id)?;
                continue;
            }
        };
        if nodes.len() >= MAX_NODES {
            return Err(err(
                start,
                harden_core::limits::exceeded("nodes", MAX_NODES),
            ));
        }
        if let Some(node) = new_node {
            let id = NodeId(nodes.len() as u32);
            if let Some(a) = &node.anchor {
                anchors.insert(a.clone(), id);
            }
            nodes.push(node);
            attach(&mut nodes, &mut stack, &mut root, id)?;
        }
    }
    Ok(Tree { nodes, root })
}

#[allow(clippy::too_many_arguments)]
fn open_collection(
    text: &str,
    nodes: &mut Vec<Node>,
    stack: &mut Vec<Frame>,
    kind: NodeKind,
    flow: bool,
    (start, end): (usize, usize),
    anchor: Option<String>,
    tag: Option<String>,
) -> Result<NodeId, BuildError> {
    if stack.len() >= MAX_DEPTH {
        return Err(err(
            start,
            format!("the document nests deeper than {MAX_DEPTH} levels"),
        ));
    }
    let content_start = if flow {
        // The event ends just after the opening bracket.
        end.saturating_sub(1).max(start)
    } else if anchor.is_some() || tag.is_some() {
        skip_properties(text, start, text.len())
    } else {
        start
    };
    let id = NodeId(nodes.len() as u32);
    nodes.push(Node {
        kind,
        flow,
        start,
        content_start,
        end: content_start,
        anchor,
        tag,
        parent: None,
    });
    stack.push(Frame {
        node: id,
        pending_key: None,
    });
    Ok(id)
}

fn attach(
    nodes: &mut [Node],
    stack: &mut [Frame],
    root: &mut Option<NodeId>,
    id: NodeId,
) -> Result<(), BuildError> {
    let Some(frame) = stack.last_mut() else {
        *root = Some(id);
        return Ok(());
    };
    let parent = frame.node;
    nodes[id.0 as usize].parent = Some(parent);
    let start = nodes[id.0 as usize].start;
    let too_many = || {
        err(
            start,
            harden_core::limits::exceeded("items in one list or mapping", MAX_ITEMS),
        )
    };
    match &mut nodes[parent.0 as usize].kind {
        NodeKind::Sequence { items } if items.len() >= MAX_ITEMS => return Err(too_many()),
        NodeKind::Sequence { items } => items.push(id),
        NodeKind::Mapping { entries } => match frame.pending_key.take() {
            None if entries.len() >= MAX_ITEMS => return Err(too_many()),
            None => frame.pending_key = Some(id),
            Some(key) => entries.push(Entry { key, value: id }),
        },
        _ => unreachable!("only collections are on the stack"),
    }
    Ok(())
}

/// Skip anchors (`&a`), tags (`!t`, `!!str`, `!<..>`), blanks and comments
/// from `pos` to the node's content.
pub(crate) fn skip_properties(text: &str, mut pos: usize, limit: usize) -> usize {
    let b = text.as_bytes();
    let limit = limit.min(b.len());
    while pos < limit {
        match b[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                while pos < limit && b[pos] != b'\n' {
                    pos += 1;
                }
            }
            b'&' | b'!' => {
                if b[pos] == b'!' && b.get(pos + 1) == Some(&b'<') {
                    while pos < limit && b[pos] != b'>' {
                        pos += 1;
                    }
                    pos += 1;
                } else {
                    while pos < limit
                        && !matches!(
                            b[pos],
                            b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
                        )
                    {
                        pos += 1;
                    }
                }
            }
            _ => break,
        }
    }
    pos.min(limit)
}
