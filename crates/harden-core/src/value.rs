//! The semantic side of a fix: the changes to a document's parsed value that
//! its edits promise. Verification applies them to the input's value and
//! compares the result with the value of the edited text.

use std::fmt;

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(untagged)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

impl From<&str> for PathSeg {
    fn from(s: &str) -> Self {
        PathSeg::Key(s.to_string())
    }
}

impl From<String> for PathSeg {
    fn from(s: String) -> Self {
        PathSeg::Key(s)
    }
}

impl From<usize> for PathSeg {
    fn from(i: usize) -> Self {
        PathSeg::Index(i)
    }
}

/// A location in a parsed value, rendered as a JSON pointer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ValuePath(pub Vec<PathSeg>);

impl ValuePath {
    pub fn root() -> Self {
        ValuePath(Vec::new())
    }

    /// The path of a run of object keys.
    pub fn keys(keys: &[&str]) -> Self {
        ValuePath(keys.iter().map(|k| PathSeg::Key(k.to_string())).collect())
    }

    pub fn child(&self, seg: impl Into<PathSeg>) -> Self {
        let mut v = self.0.clone();
        v.push(seg.into());
        ValuePath(v)
    }

    /// The path up to (not including) the first array index: changes below
    /// one array are never independent of each other, because indices shift.
    fn independent_prefix(&self) -> &[PathSeg] {
        let end = self
            .0
            .iter()
            .position(|s| matches!(s, PathSeg::Index(_)))
            .unwrap_or(self.0.len());
        &self.0[..end]
    }

    /// Whether changes at the two paths could affect each other.
    pub fn overlaps(&self, other: &ValuePath) -> bool {
        let (a, b) = (self.independent_prefix(), other.independent_prefix());
        let n = a.len().min(b.len());
        a[..n] == b[..n]
    }
}

impl fmt::Display for ValuePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("/");
        }
        for seg in &self.0 {
            match seg {
                PathSeg::Key(k) => write!(f, "/{}", k.replace('~', "~0").replace('/', "~1"))?,
                PathSeg::Index(i) => write!(f, "/{i}")?,
            }
        }
        Ok(())
    }
}

/// One change to a parsed value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Change {
    /// Set an object key (added or replaced) or replace an array element.
    Set { path: ValuePath, value: Value },
    /// Remove an object key or an array element.
    Remove { path: ValuePath },
    /// Insert into an array before the index (index == len appends).
    Insert { path: ValuePath, value: Value },
    /// Append to the end of the array at the path; an absent key becomes
    /// an array of `values`. Appends to one array, and an append and
    /// changes to that array's elements, give the same value in any order.
    Append { path: ValuePath, values: Vec<Value> },
}

impl Change {
    pub fn path(&self) -> &ValuePath {
        match self {
            Change::Set { path, .. }
            | Change::Remove { path }
            | Change::Insert { path, .. }
            | Change::Append { path, .. } => path,
        }
    }

    /// Whether this change and `other` may be applied in either order with
    /// the same result: their paths are apart, or both append to one array,
    /// or one appends to an array whose elements the other sets or removes.
    pub fn commutes_with(&self, other: &Change) -> bool {
        let (a, b) = (self.path(), other.path());
        if !a.overlaps(b) {
            return true;
        }
        let element_of = |list: &ValuePath, change: &Change| {
            matches!(change, Change::Set { .. } | Change::Remove { .. })
                && change.path().0.len() > list.0.len()
                && change.path().0.starts_with(&list.0)
                && matches!(change.path().0[list.0.len()], PathSeg::Index(_))
        };
        match (self, other) {
            (Change::Append { .. }, Change::Append { .. }) => a == b,
            (Change::Append { .. }, _) => element_of(a, other),
            (_, Change::Append { .. }) => element_of(b, self),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeError {
    pub path: String,
    pub reason: &'static str,
}

impl fmt::Display for ChangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot apply change at {}: {}", self.path, self.reason)
    }
}

impl std::error::Error for ChangeError {}

/// `value` nested in objects under `keys`, innermost last: `["a", "b"]`
/// and `1` give `{"a": {"b": 1}}`; no keys give `value` itself.
pub fn nested(keys: &[&str], value: Value) -> Value {
    keys.iter().rev().fold(value, |inner, key| {
        let mut map = serde_json::Map::new();
        map.insert(key.to_string(), inner);
        Value::Object(map)
    })
}

/// Apply the changes in order to a copy of `value`.
pub fn apply_changes(value: &Value, changes: &[Change]) -> Result<Value, ChangeError> {
    apply_changes_to(value.clone(), changes)
}

/// [`apply_changes`] on a value the caller gives up.
/// `a == b` (objects compare as maps, whatever their key order), walking
/// objects whose keys come in the same order pairwise instead of looking
/// every key up by its hash.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return false;
            }
            let in_order = x.keys().zip(y.keys()).all(|(k, l)| k == l);
            if !in_order {
                return x == y;
            }
            x.values().zip(y.values()).all(|(v, w)| same_value(v, w))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w))
        }
        _ => a == b,
    }
}

/// The changes of appending `values` to the list at `path` holding `len`
/// items. Appends to an empty list stay inserts at index 0: two of them at
/// one point would run their first items together.
pub fn appended(path: ValuePath, len: usize, values: Vec<Value>) -> Vec<Change> {
    if len > 0 {
        return vec![Change::Append { path, values }];
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| Change::Insert {
            path: path.child(i),
            value,
        })
        .collect()
}

pub fn apply_changes_to(mut value: Value, changes: &[Change]) -> Result<Value, ChangeError> {
    for change in changes {
        apply_one(&mut value, change)?;
    }
    Ok(value)
}

fn apply_one(root: &mut Value, change: &Change) -> Result<(), ChangeError> {
    let path = change.path();
    let err = |reason| ChangeError {
        path: path.to_string(),
        reason,
    };
    let (last, parents) = path.0.split_last().ok_or_else(|| err("empty path"))?;
    let mut node = root;
    for seg in parents {
        node = match (seg, node) {
            (PathSeg::Key(k), Value::Object(m)) => {
                m.get_mut(k).ok_or_else(|| err("missing key"))?
            }
            (PathSeg::Index(i), Value::Array(a)) => {
                a.get_mut(*i).ok_or_else(|| err("index out of range"))?
            }
            _ => return Err(err("path goes through a scalar")),
        };
    }
    match (change, last, node) {
        (Change::Set { value, .. }, PathSeg::Key(k), Value::Object(m)) => {
            m.insert(k.clone(), value.clone());
        }
        (Change::Set { value, .. }, PathSeg::Index(i), Value::Array(a)) => {
            *a.get_mut(*i).ok_or_else(|| err("index out of range"))? = value.clone();
        }
        (Change::Remove { .. }, PathSeg::Key(k), Value::Object(m)) => {
            m.shift_remove(k).ok_or_else(|| err("missing key"))?;
        }
        (Change::Remove { .. }, PathSeg::Index(i), Value::Array(a)) => {
            if *i >= a.len() {
                return Err(err("index out of range"));
            }
            a.remove(*i);
        }
        (Change::Insert { value, .. }, PathSeg::Index(i), Value::Array(a)) => {
            if *i > a.len() {
                return Err(err("index out of range"));
            }
            a.insert(*i, value.clone());
        }
        (Change::Append { values, .. }, PathSeg::Key(k), Value::Object(m)) => match m.get_mut(k) {
            Some(Value::Array(a)) => a.extend(values.iter().cloned()),
            Some(_) => return Err(err("appending to something that is not an array")),
            None => {
                m.insert(k.clone(), Value::Array(values.clone()));
            }
        },
        (Change::Append { values, .. }, PathSeg::Index(i), Value::Array(a)) => {
            match a.get_mut(*i).ok_or_else(|| err("index out of range"))? {
                Value::Array(inner) => inner.extend(values.iter().cloned()),
                _ => return Err(err("appending to something that is not an array")),
            }
        }
        _ => return Err(err("the change does not fit the value's type")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(segs: &[PathSeg]) -> ValuePath {
        ValuePath(segs.to_vec())
    }

    #[test]
    fn append_extends_or_creates_and_commutes_with_element_changes() {
        let v = json!({"a": ["x", "y"], "s": "text"});
        let append = |path: &[PathSeg], values: Value| Change::Append {
            path: p(path),
            values: values.as_array().unwrap().clone(),
        };
        let to_a = append(&["a".into()], json!(["z"]));
        let to_new = append(&["n".into()], json!([1]));
        let again_new = append(&["n".into()], json!([2]));
        let remove_x = Change::Remove {
            path: p(&["a".into(), 0.into()]),
        };
        let out = apply_changes(&v, &[to_a.clone(), to_new.clone(), again_new.clone()]).unwrap();
        assert_eq!(out, json!({"a": ["x", "y", "z"], "s": "text", "n": [1, 2]}));
        // Either order gives the same value for changes that commute.
        assert!(to_a.commutes_with(&remove_x) && remove_x.commutes_with(&to_a));
        let one = apply_changes(&v, &[to_a.clone(), remove_x.clone()]).unwrap();
        let other = apply_changes(&v, &[remove_x.clone(), to_a.clone()]).unwrap();
        assert_eq!(one, other);
        assert_eq!(one, json!({"a": ["y", "z"], "s": "text"}));
        assert!(to_new.commutes_with(&again_new));
        // Replacing or removing the list itself, inserting at an index, or
        // removing two elements of one list do not commute.
        let remove_a = Change::Remove {
            path: p(&["a".into()]),
        };
        let insert_end = Change::Insert {
            path: p(&["a".into(), 2.into()]),
            value: json!("w"),
        };
        let remove_y = Change::Remove {
            path: p(&["a".into(), 1.into()]),
        };
        assert!(!to_a.commutes_with(&remove_a));
        assert!(!to_a.commutes_with(&insert_end));
        assert!(!remove_x.commutes_with(&remove_y));
        assert!(!to_a.commutes_with(&append(&["a".into(), 0.into()], json!([1]))));
        let e = apply_changes(&v, &[append(&["s".into()], json!([1]))]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cannot apply change at /s: appending to something that is not an array"
        );
    }

    #[test]
    fn same_value_is_equality() {
        let cases = [
            (
                json!({"a": 1, "b": [1, {"c": 2}]}),
                json!({"a": 1, "b": [1, {"c": 2}]}),
            ),
            (json!({"a": 1, "b": 2}), json!({"b": 2, "a": 1})),
            (
                json!({"a": {"x": 1, "y": 2}}),
                json!({"a": {"y": 2, "x": 1}}),
            ),
            (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 3})),
            (json!({"a": 1}), json!({"a": 1, "b": 2})),
            (json!({"a": 1, "b": 2}), json!({"a": 1, "c": 2})),
            (json!([1, 2]), json!([2, 1])),
            (json!([1, [2]]), json!([1, [2], 3])),
            (json!(1), json!(1.0)),
            (json!("x"), json!("x")),
            (json!(null), json!(false)),
        ];
        for (a, b) in &cases {
            assert_eq!(same_value(a, b), a == b, "{a} vs {b}");
            assert_eq!(same_value(b, a), b == a, "{b} vs {a}");
        }
    }

    #[test]
    fn applies_set_remove_insert() {
        let v = json!({"a": [1, 2], "b": {"c": true}});
        let out = apply_changes(
            &v,
            &[
                Change::Insert {
                    path: p(&["a".into(), 2.into()]),
                    value: json!(3),
                },
                Change::Remove {
                    path: p(&["a".into(), 0.into()]),
                },
                Change::Set {
                    path: p(&["b".into(), "d".into()]),
                    value: json!("x"),
                },
                Change::Remove {
                    path: p(&["b".into(), "c".into()]),
                },
            ],
        )
        .unwrap();
        assert_eq!(out, json!({"a": [2, 3], "b": {"d": "x"}}));
    }

    #[test]
    fn reports_impossible_changes() {
        let v = json!({"a": 1});
        let e = apply_changes(
            &v,
            &[Change::Remove {
                path: p(&["b".into()]),
            }],
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "cannot apply change at /b: missing key");
        assert!(apply_changes(
            &v,
            &[Change::Insert {
                path: p(&["a".into(), 0.into()]),
                value: json!(1)
            }]
        )
        .is_err());
    }

    #[test]
    fn paths_in_one_array_overlap_sibling_keys_do_not() {
        let run0 = p(&["runArgs".into(), 0.into()]);
        let run3 = p(&["runArgs".into(), 3.into()]);
        let run = p(&["runArgs".into()]);
        let sec = p(&["securityOpt".into()]);
        assert!(run0.overlaps(&run3));
        assert!(run0.overlaps(&run));
        assert!(!run.overlaps(&sec));
        assert!(ValuePath::root().overlaps(&sec));
        assert_eq!(p(&["a/b".into(), 1.into()]).to_string(), "/a~1b/1");
    }
}
