//! Path-aware builders: find, set and append by a path of object keys,
//! creating missing parents, each returning the edits together with the
//! value changes they make.

use harden_core::{Change, Patch, ValuePath};
use serde_json::Value;

use crate::{JsoncDoc, Node};

/// How a builder writes a member it creates: on one line, or one member
/// or element per line when the value is long (see [`crate::render_block`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Inline,
    Block,
}

impl JsoncDoc {
    /// The node at a key path, when every step is an object member.
    pub fn node_at(&self, keys: &[&str]) -> Option<&Node> {
        let mut node = self.root();
        for k in keys {
            node = &node.get(k)?.value;
        }
        Some(node)
    }

    /// The byte range a finding about `keys` points at: the deepest member
    /// on the path that exists, else the root's opening brace.
    pub fn range_at(&self, keys: &[&str]) -> std::ops::Range<usize> {
        let mut node = self.root();
        let mut range = node.range.start..node.range.start + 1;
        for k in keys {
            match node.get(k) {
                Some(m) => {
                    range = m.range();
                    node = &m.value;
                }
                None => break,
            }
        }
        range
    }

    /// The strings of the array at `keys`.
    pub fn strings_at(&self, keys: &[&str]) -> Vec<String> {
        self.node_at(keys)
            .and_then(Node::elements)
            .map(|e| {
                e.iter()
                    .filter_map(|n| n.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Make `keys` hold `value`: the value replaced when present, else the
    /// missing members created under the deepest object that exists.
    /// `None` when the path runs through something that is not an object.
    pub fn set_at(&self, keys: &[&str], value: Value, layout: Layout) -> Option<Patch> {
        let mut node = self.root();
        for (i, k) in keys.iter().enumerate() {
            node.members()?;
            match node.get(k) {
                Some(m) => node = &m.value,
                None => {
                    let nested = harden_core::nested(&keys[i + 1..], value);
                    let mut edits = match layout {
                        Layout::Inline => self.edits().append_member(node, k, &nested),
                        Layout::Block => self.edits().append_member_block(node, k, &nested),
                    };
                    // A new inline list another insert creating it can join
                    // (see `ListSlot`): an append that creates it, as in YAML.
                    if let (Layout::Inline, Value::Array(values), [edit]) =
                        (layout, &nested, edits.as_mut_slice())
                    {
                        let member = format!("{}: ", Value::String(k.to_string()));
                        let rendered = crate::render_value(&nested);
                        let at = edit.content.rfind(&format!("{member}{rendered}"));
                        match at {
                            Some(at) if !values.is_empty() && edit.is_insert() => {
                                let items = at + member.len() + 1;
                                let list = format!("{}:{k}", node.range.start);
                                let end = items + rendered.len() - 2;
                                *edit = edit.clone().creating_list(list, items..end, ", ");
                            }
                            _ => {}
                        }
                    }
                    let path = ValuePath::keys(&keys[..=i]);
                    let change = match nested {
                        Value::Array(values) if edits.iter().any(|e| e.list.is_some()) => {
                            Change::Append { path, values }
                        }
                        value => Change::Set { path, value },
                    };
                    return Some(Patch::new(edits, vec![change]));
                }
            }
        }
        let edit = self.edits().replace(node, &value);
        let change = Change::Set {
            path: ValuePath::keys(keys),
            value,
        };
        Some(Patch::new(vec![edit], vec![change]))
    }

    /// Append `values` to the array at `keys`, creating it (and its parents)
    /// when absent. `None` when something on the path is not an object, or
    /// the node at `keys` is not an array.
    pub fn append_at(&self, keys: &[&str], values: Vec<Value>, layout: Layout) -> Option<Patch> {
        let Some(array) = self.node_at(keys) else {
            return self.set_at(keys, Value::Array(values), layout);
        };
        let len = array.elements()?.len();
        let edits = self.edits().append_elements(array, &values);
        let path = ValuePath::keys(keys);
        Some(Patch::new(edits, harden_core::appended(path, len, values)))
    }

    /// Append `value` to the array at `keys` unless it holds it already
    /// (an empty patch then); the array and its parents are created when
    /// absent.
    pub fn ensure_contains(&self, keys: &[&str], value: Value, layout: Layout) -> Option<Patch> {
        let present = self
            .node_at(keys)
            .and_then(Node::elements)
            .is_some_and(|e| e.iter().any(|n| n.to_value() == value));
        if present {
            return Some(Patch::default());
        }
        self.append_at(keys, vec![value], layout)
    }

    /// Remove the member at `keys`. `None` when it is not there.
    pub fn remove_at(&self, keys: &[&str]) -> Option<Patch> {
        let (last, parent) = keys.split_last()?;
        let object = self.node_at(parent)?;
        let i = object.member_index(last)?;
        Some(Patch::new(
            self.edits().remove_children(object, i..i + 1),
            vec![Change::Remove {
                path: ValuePath::keys(keys),
            }],
        ))
    }

    /// Remove elements `run` of the array at `keys`. Removing every element
    /// removes the member, so that no empty array is left, unless a comment
    /// inside the array would go with it. `None` when there is no array.
    pub fn remove_elements_at(&self, keys: &[&str], run: std::ops::Range<usize>) -> Option<Patch> {
        let array = self.node_at(keys)?;
        array.elements()?;
        Some(self.remove_elements(array, keys, run))
    }

    /// [`Self::remove_elements_at`] for `array`, the node at `keys`.
    pub fn remove_elements(
        &self,
        array: &Node,
        keys: &[&str],
        run: std::ops::Range<usize>,
    ) -> Patch {
        let len = array.elements().map_or(0, <[Node]>::len);
        let inside = self.text.get(array.range.clone()).unwrap_or("");
        let commented = inside.contains("//") || inside.contains("/*");
        if run.start == 0 && run.end == len && !commented {
            if let Some(patch) = self.remove_at(keys) {
                return patch;
            }
        }
        let path = ValuePath::keys(keys);
        let changes = run
            .clone()
            .rev()
            .map(|i| Change::Remove {
                path: path.child(i),
            })
            .collect();
        Patch::new(self.edits().remove_children(array, run), changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_core::{apply_changes, apply_edits, Document};
    use serde_json::json;

    fn check(text: &str, patch: Patch, want: &str) {
        let doc = JsoncDoc::parse(text).unwrap();
        let out = apply_edits(text, &patch.edits).unwrap();
        assert_eq!(out, want);
        let value = apply_changes(&doc.value(), &patch.changes).unwrap();
        assert_eq!(JsoncDoc::parse(&out).unwrap().value(), value);
    }

    #[test]
    fn set_creates_missing_parents_and_replaces() {
        let text = "{\n  // settings\n  \"a\": {\"b\": 1}\n}\n";
        let doc = JsoncDoc::parse(text).unwrap();
        let p = doc.set_at(&["a", "b"], json!(2), Layout::Block).unwrap();
        check(text, p, "{\n  // settings\n  \"a\": {\"b\": 2}\n}\n");
        let p = doc.set_at(&["x", "y"], json!(true), Layout::Block).unwrap();
        let doc2 = JsoncDoc::parse(text).unwrap();
        let out = apply_edits(text, &p.edits).unwrap();
        assert_eq!(
            JsoncDoc::parse(&out).unwrap().value()["x"]["y"],
            json!(true),
            "{out}"
        );
        check(
            text,
            doc2.set_at(&["x", "y"], json!(true), Layout::Block)
                .unwrap(),
            &out,
        );
        assert!(doc
            .set_at(&["a", "b", "c"], json!(1), Layout::Block)
            .is_none());
    }

    #[test]
    fn append_and_ensure_contains() {
        let text = "{\"p\": {\"deny\": [\"Read(.env)\"]}}";
        let doc = JsoncDoc::parse(text).unwrap();
        let p = doc
            .append_at(&["p", "deny"], vec![json!("Bash(curl:*)")], Layout::Block)
            .unwrap();
        check(
            text,
            p,
            "{\"p\": {\"deny\": [\"Read(.env)\", \"Bash(curl:*)\"]}}",
        );
        assert_eq!(
            doc.ensure_contains(&["p", "deny"], json!("Read(.env)"), Layout::Block),
            Some(Patch::default())
        );
        let p = doc
            .ensure_contains(&["q", "allow"], json!("x"), Layout::Inline)
            .unwrap();
        let out = apply_edits(text, &p.edits).unwrap();
        assert_eq!(
            JsoncDoc::parse(&out).unwrap().value()["q"]["allow"],
            json!(["x"])
        );
        assert_eq!(doc.strings_at(&["p", "deny"]), ["Read(.env)"]);
        let p_member = doc.root().get("p").unwrap().range();
        assert_eq!(doc.range_at(&["p", "nope"]), p_member);
        assert_eq!(doc.range_at(&["nope"]), 0..1);
    }

    #[test]
    fn removing_every_element_removes_the_member_unless_commented() {
        let text = "{\n  \"capAdd\": [\"SYS_ADMIN\"],\n  \"image\": \"x\"\n}\n";
        let doc = JsoncDoc::parse(text).unwrap();
        let p = doc.remove_elements_at(&["capAdd"], 0..1).unwrap();
        check(text, p, "{\n  \"image\": \"x\"\n}\n");
        let text = "{\"capAdd\": [\"SYS_ADMIN\" /* debugger */], \"image\": \"x\"}";
        let doc = JsoncDoc::parse(text).unwrap();
        let p = doc.remove_elements_at(&["capAdd"], 0..1).unwrap();
        let out = apply_edits(text, &p.edits).unwrap();
        assert_eq!(
            JsoncDoc::parse(&out).unwrap().value()["capAdd"],
            json!([]),
            "{out}"
        );
        assert!(doc.remove_at(&["nope"]).is_none());
    }
}
