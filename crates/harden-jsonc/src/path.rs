//! Path-aware builders: find, set and append by a path of object keys,
//! creating missing parents, each returning the edits together with the
//! value changes they make.

use harden_core::{Change, Patch, PathSeg, ValuePath};
use serde_json::Value;

use crate::{JsoncDoc, Node};

/// The value path of a run of object keys.
pub fn key_path(keys: &[&str]) -> ValuePath {
    ValuePath(keys.iter().map(|k| PathSeg::Key(k.to_string())).collect())
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
    pub fn set_at(&self, keys: &[&str], value: Value) -> Option<Patch> {
        let mut node = self.root();
        for (i, k) in keys.iter().enumerate() {
            node.members()?;
            match node.get(k) {
                Some(m) => node = &m.value,
                None => {
                    let mut nested = value;
                    for key in keys[i + 1..].iter().rev() {
                        let mut map = serde_json::Map::new();
                        map.insert(key.to_string(), nested);
                        nested = Value::Object(map);
                    }
                    let edits = self.edits().append_member_block(node, k, &nested);
                    let change = Change::Set {
                        path: key_path(&keys[..=i]),
                        value: nested,
                    };
                    return Some(Patch::new(edits, vec![change]));
                }
            }
        }
        let edit = self.edits().replace(node, &value);
        let change = Change::Set {
            path: key_path(keys),
            value,
        };
        Some(Patch::new(vec![edit], vec![change]))
    }

    /// Append `values` to the array at `keys`, creating it (and its parents)
    /// when absent. `None` when something on the path is not an object, or
    /// the node at `keys` is not an array.
    pub fn append_at(&self, keys: &[&str], values: Vec<Value>) -> Option<Patch> {
        let Some(array) = self.node_at(keys) else {
            return self.set_at(keys, Value::Array(values));
        };
        let len = array.elements()?.len();
        let path = key_path(keys);
        let changes = values
            .iter()
            .enumerate()
            .map(|(i, v)| Change::Insert {
                path: path.child(len + i),
                value: v.clone(),
            })
            .collect();
        Some(Patch::new(
            self.edits().append_elements(array, &values),
            changes,
        ))
    }

    /// Append `value` to the array at `keys` unless it holds it already
    /// (an empty patch then); the array and its parents are created when
    /// absent.
    pub fn ensure_contains(&self, keys: &[&str], value: Value) -> Option<Patch> {
        let present = self
            .node_at(keys)
            .and_then(Node::elements)
            .is_some_and(|e| e.iter().any(|n| n.to_value() == value));
        if present {
            return Some(Patch::default());
        }
        self.append_at(keys, vec![value])
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
        let p = doc.set_at(&["a", "b"], json!(2)).unwrap();
        check(text, p, "{\n  // settings\n  \"a\": {\"b\": 2}\n}\n");
        let p = doc.set_at(&["x", "y"], json!(true)).unwrap();
        let doc2 = JsoncDoc::parse(text).unwrap();
        let out = apply_edits(text, &p.edits).unwrap();
        assert_eq!(
            JsoncDoc::parse(&out).unwrap().value()["x"]["y"],
            json!(true),
            "{out}"
        );
        check(text, doc2.set_at(&["x", "y"], json!(true)).unwrap(), &out);
        assert!(doc.set_at(&["a", "b", "c"], json!(1)).is_none());
    }

    #[test]
    fn append_and_ensure_contains() {
        let text = "{\"p\": {\"deny\": [\"Read(.env)\"]}}";
        let doc = JsoncDoc::parse(text).unwrap();
        let p = doc
            .append_at(&["p", "deny"], vec![json!("Bash(curl:*)")])
            .unwrap();
        check(
            text,
            p,
            "{\"p\": {\"deny\": [\"Read(.env)\", \"Bash(curl:*)\"]}}",
        );
        assert_eq!(
            doc.ensure_contains(&["p", "deny"], json!("Read(.env)")),
            Some(Patch::default())
        );
        let p = doc.ensure_contains(&["q", "allow"], json!("x")).unwrap();
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
}
