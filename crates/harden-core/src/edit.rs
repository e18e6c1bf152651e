//! Byte-range edits and the fixes that group them.

use std::fmt;
use std::ops::Range;

use crate::value::Change;

/// Replace the bytes `start..end` with `content`. An empty range inserts, an
/// empty `content` deletes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub content: String,
    /// Set on an insert that creates a list: where its items are.
    #[serde(skip)]
    pub list: Option<Box<ListSlot>>,
}

/// The items of the list an insert creates. Two inserts at one point that
/// create the same list, alike but for their items, become one list
/// holding the items of both (see [`combine`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListSlot {
    /// Names the list within one document version (its parent and key).
    pub list: String,
    /// The byte range of the items in the insert's content.
    pub items: (usize, usize),
    /// What goes between the last item and one more.
    pub separator: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit {
            start: at,
            end: at,
            content: content.into(),
            list: None,
        }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            start: range.start,
            end: range.end,
            content: String::new(),
            list: None,
        }
    }

    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Self {
        Edit {
            start: range.start,
            end: range.end,
            content: content.into(),
            list: None,
        }
    }

    pub fn range(&self) -> Range<usize> {
        self.start..self.end
    }

    pub fn is_insert(&self) -> bool {
        self.start == self.end
    }

    /// This insert, marked as creating the list `list` whose items are at
    /// `items` in its content.
    pub fn creating_list(
        mut self,
        list: impl Into<String>,
        items: Range<usize>,
        separator: impl Into<String>,
    ) -> Self {
        debug_assert!(self.is_insert() && items.end <= self.content.len());
        self.list = Some(Box::new(ListSlot {
            list: list.into(),
            items: (items.start, items.end),
            separator: separator.into(),
        }));
        self
    }

    /// Add the items of `other`, an insert creating the same list alike, to
    /// the list this insert creates. False, and nothing changed, otherwise.
    fn absorb_list(&mut self, other: &Edit) -> bool {
        let (Some(mine), Some(theirs)) = (self.list.as_deref_mut(), other.list.as_deref()) else {
            return false;
        };
        let ((a0, a1), (b0, b1)) = (mine.items, theirs.items);
        let alike = mine.list == theirs.list
            && mine.separator == theirs.separator
            && self.start == other.start
            && self.content[..a0] == other.content[..b0]
            && self.content[a1..] == other.content[b1..];
        if !alike {
            return false;
        }
        let added = format!("{}{}", mine.separator, &other.content[b0..b1]);
        self.content.insert_str(a1, &added);
        mine.items.1 += added.len();
        true
    }

    /// Whether the two edits cannot be applied together in a well-defined order.
    pub fn conflicts_with(&self, other: &Edit) -> bool {
        let (a, b) = if self <= other {
            (self, other)
        } else {
            (other, self)
        };
        a.end > b.start || (a.is_insert() && b.is_insert() && a.start == b.start)
    }

    /// Shift by a signed byte delta (used when rebasing onto edited text).
    pub fn shifted(&self, delta: isize) -> Edit {
        Edit {
            start: (self.start as isize + delta) as usize,
            end: (self.end as isize + delta) as usize,
            content: self.content.clone(),
            list: self.list.clone(),
        }
    }
}

/// How freely a fix may be written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown in the diff and the report, never written.
    DisplayOnly,
    /// Written only when the user asks for it (prompt or `--unsafe-fixes`).
    Unsafe,
    /// Written with `--yes`.
    Safe,
}

impl fmt::Display for Applicability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        })
    }
}

/// A file a fix creates, relative to the directory of the file being fixed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewFile {
    pub relative_path: String,
    /// Shared: every fix that creates the file (a service each) holds it.
    pub content: std::sync::Arc<str>,
}

/// The edits that resolve one finding, applied all together or not at all,
/// with the semantic changes they promise.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fix {
    /// Imperative, e.g. "Remove `privileged: true`".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// What the parsed value of the file must become: the input value with
    /// exactly these changes applied.
    pub changes: Vec<Change>,
    pub new_files: Vec<NewFile>,
}

/// Edits together with the value changes they make: what the format
/// crates' path-aware builders return, and what a fix is made of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Patch {
    pub edits: Vec<Edit>,
    pub changes: Vec<Change>,
}

impl Patch {
    pub fn new(edits: Vec<Edit>, changes: Vec<Change>) -> Self {
        Patch { edits, changes }
    }

    /// This patch followed by `other`, for one fix that makes both.
    pub fn and(mut self, other: Patch) -> Self {
        self.edits.extend(other.edits);
        self.changes.extend(other.changes);
        self
    }

    pub fn into_parts(self) -> (Vec<Edit>, Vec<Change>) {
        (self.edits, self.changes)
    }

    pub fn into_fix(self, title: impl Into<String>, applicability: Applicability) -> Fix {
        Fix::new(title, applicability, self.edits, self.changes)
    }
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
        changes: Vec<Change>,
    ) -> Self {
        edits.sort();
        Fix {
            title: title.into(),
            applicability,
            edits,
            changes,
            new_files: Vec::new(),
        }
    }

    pub fn with_new_file(mut self, file: NewFile) -> Self {
        self.new_files.push(file);
        self
    }

    /// Smallest byte range covering every edit.
    pub fn span(&self) -> Option<Range<usize>> {
        let start = self.edits.iter().map(|e| e.start).min()?;
        let end = self.edits.iter().map(|e| e.end).max()?;
        Some(start..end)
    }

    /// Whether this fix and `other` must not be applied in the same pass:
    /// their edits overlap, or they change the same part of the value.
    /// Inserts at one point do not conflict: [`combine`] stacks them.
    pub fn conflicts_with(&self, other: &Fix) -> bool {
        let edits_overlap = self.edits.iter().any(|a| {
            other
                .edits
                .iter()
                .any(|b| !(a.is_insert() && b.is_insert()) && a.conflicts_with(b))
        });
        edits_overlap
            || self
                .changes
                .iter()
                .any(|a| other.changes.iter().any(|b| !a.commutes_with(b)))
            // Two fixes creating the same file alike (services loading
            // one seccomp profile) go together; the file is written once.
            || self.new_files.iter().any(|a| {
                other
                    .new_files
                    .iter()
                    .any(|b| a.relative_path == b.relative_path && a.content != b.content)
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    OutOfBounds { edit: Edit, len: usize },
    NotCharBoundary { edit: Edit },
    Overlap { first: Edit, second: Edit },
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::OutOfBounds { edit, len } => write!(
                f,
                "edit {}..{} lies outside the text ({len} bytes)",
                edit.start, edit.end
            ),
            EditError::NotCharBoundary { edit } => {
                write!(f, "edit {}..{} splits a character", edit.start, edit.end)
            }
            EditError::Overlap { first, second } => write!(
                f,
                "edits {}..{} and {}..{} overlap",
                first.start, first.end, second.start, second.end
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// The edits of `fixes`, taken in order, as one list for [`apply_edits`]:
/// inserts of several fixes at one point become one insert. Their texts go
/// deepest indented first (an item appended to a block that ends there
/// before a key added after that block), then in the order of `fixes`;
/// inserts creating the same list become one list (see [`ListSlot`]).
pub fn combine(fixes: &[&Fix]) -> Vec<Edit> {
    let mut edits: Vec<Edit> = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
    edits.sort_by_key(|e| (e.start, e.end, std::cmp::Reverse(indent_of(&e.content))));
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    // The inserts at one point, not yet in `out`.
    let mut point: Vec<Edit> = Vec::new();
    let flush = |point: &mut Vec<Edit>, out: &mut Vec<Edit>| {
        let mut pieces = point.drain(..);
        if let Some(mut first) = pieces.next() {
            for piece in pieces {
                first.content.push_str(&piece.content);
            }
            first.list = None;
            out.push(first);
        }
    };
    for e in edits {
        if !e.is_insert() {
            flush(&mut point, &mut out);
            out.push(e);
            continue;
        }
        if point.first().is_some_and(|p| p.start != e.start) {
            flush(&mut point, &mut out);
        }
        if !point.iter_mut().any(|p| p.absorb_list(&e)) {
            point.push(e);
        }
    }
    flush(&mut point, &mut out);
    out
}

/// The indentation of the first line with text.
fn indent_of(content: &str) -> usize {
    let line = content.trim_start_matches(['\r', '\n']);
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// Apply non-conflicting edits in one pass. Bytes outside the edited ranges
/// are copied unchanged.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, EditError> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort();
    for e in &sorted {
        if e.start > e.end || e.end > text.len() {
            return Err(EditError::OutOfBounds {
                edit: (*e).clone(),
                len: text.len(),
            });
        }
        if !text.is_char_boundary(e.start) || !text.is_char_boundary(e.end) {
            return Err(EditError::NotCharBoundary { edit: (*e).clone() });
        }
    }
    for pair in sorted.windows(2) {
        if pair[0].conflicts_with(pair[1]) {
            return Err(EditError::Overlap {
                first: pair[0].clone(),
                second: pair[1].clone(),
            });
        }
    }
    let added: usize = sorted.iter().map(|e| e.content.len()).sum();
    let mut out = String::with_capacity(text.len() + added);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.content);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn applies_insert_delete_replace() {
        let text = "hello world";
        let out = apply_edits(
            text,
            &[
                Edit::replace(0..5, "HELLO"),
                Edit::insert(5, ","),
                Edit::delete(10..11),
            ],
        )
        .unwrap();
        assert_eq!(out, "HELLO, worl");
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::new("t", Applicability::Safe, edits, Vec::new())
    }

    #[test]
    fn fixes_inserting_at_one_point_stack_in_their_order() {
        let a = fix(vec![Edit::insert(3, "A\n")]);
        let b = fix(vec![Edit::insert(3, "B\n"), Edit::replace(0..1, "X")]);
        assert!(!a.conflicts_with(&b));
        let edits = combine(&[&a, &b]);
        assert_eq!(apply_edits("abc\ndef", &edits).unwrap(), "XbcA\nB\n\ndef");
        let edits = combine(&[&b, &a]);
        assert_eq!(apply_edits("abc\ndef", &edits).unwrap(), "XbcB\nA\n\ndef");
        // A list item appended where its list ends goes before a new key.
        let key = fix(vec![Edit::insert(11, "  b: 1\n")]);
        let item = fix(vec![Edit::insert(11, "    - y\n")]);
        let edits = combine(&[&key, &item]);
        assert_eq!(
            apply_edits("a:\n    - x\n", &edits).unwrap(),
            "a:\n    - x\n    - y\n  b: 1\n"
        );
        // An insert inside another fix's replacement still conflicts.
        let c = fix(vec![Edit::replace(2..5, "zz")]);
        assert!(c.conflicts_with(&a) && a.conflicts_with(&c));
        assert!(!c.conflicts_with(&fix(vec![Edit::insert(5, "q")])));
    }

    #[test]
    fn inserts_creating_one_list_become_one_list() {
        let creating = |item: &str, list: &str| {
            let content = format!("  opt:\n    - {item}\n");
            let items = "  opt:".len().."  opt:".len() + format!("\n    - {item}").len();
            let edit = Edit::insert(10, content).creating_list(list, items, "");
            let change = Change::Append {
                path: crate::ValuePath::keys(&["s", "opt"]),
                values: vec![item.into()],
            };
            Fix::new("t", Applicability::Safe, vec![edit], vec![change])
        };
        let text = "s:\n  a: 1\n";
        let (a, b) = (creating("x", "s:opt"), creating("y", "s:opt"));
        let other = fix(vec![Edit::insert(10, "  b: 2\n")]);
        assert!(!a.conflicts_with(&b));
        let edits = combine(&[&a, &other, &b]);
        assert_eq!(
            apply_edits(text, &edits).unwrap(),
            "s:\n  a: 1\n  opt:\n    - x\n    - y\n  b: 2\n"
        );
        // Lists that differ, or that are not marked alike, stack as before.
        let elsewhere = creating("z", "t:opt");
        let edits = combine(&[&a, &elsewhere]);
        assert_eq!(
            apply_edits(text, &edits).unwrap(),
            "s:\n  a: 1\n  opt:\n    - x\n  opt:\n    - z\n"
        );
        // Setting the list conflicts with appending to it.
        let set = Fix::new(
            "t",
            Applicability::Safe,
            vec![Edit::insert(10, "  opt: []\n")],
            vec![Change::Set {
                path: crate::ValuePath::keys(&["s", "opt"]),
                value: serde_json::json!([]),
            }],
        );
        assert!(set.conflicts_with(&a) && a.conflicts_with(&set));
    }

    #[test]
    fn rejects_overlap_and_two_inserts_at_one_offset() {
        assert!(matches!(
            apply_edits("abcdef", &[Edit::delete(0..3), Edit::delete(2..4)]),
            Err(EditError::Overlap { .. })
        ));
        assert!(matches!(
            apply_edits("abc", &[Edit::insert(1, "x"), Edit::insert(1, "y")]),
            Err(EditError::Overlap { .. })
        ));
        // An insert just before a replacement is well defined.
        assert_eq!(
            apply_edits("abc", &[Edit::insert(1, "x"), Edit::replace(1..2, "B")]).unwrap(),
            "axBc"
        );
    }

    #[test]
    fn rejects_out_of_bounds_and_split_characters() {
        assert!(matches!(
            apply_edits("ab", &[Edit::insert(3, "x")]),
            Err(EditError::OutOfBounds { .. })
        ));
        assert!(matches!(
            apply_edits("é", &[Edit::insert(1, "x")]),
            Err(EditError::NotCharBoundary { .. })
        ));
    }

    #[test]
    fn edits_at_end_of_file_without_final_newline() {
        assert_eq!(apply_edits("", &[Edit::insert(0, "x")]).unwrap(), "x");
        assert_eq!(apply_edits("a", &[Edit::insert(1, "\nb")]).unwrap(), "a\nb");
    }

    fn arb_edits(len: usize) -> impl Strategy<Value = Vec<Edit>> {
        prop::collection::vec((0..=len, 0..=len, "[a-z]{0,3}"), 0..6).prop_map(|v| {
            v.into_iter()
                .map(|(a, b, c)| Edit::replace(a.min(b)..a.max(b), c))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn applied_edits_keep_every_byte_outside_their_ranges(
            text in "[a-z ]{0,40}",
            edits in arb_edits(40),
        ) {
            let edits: Vec<Edit> = edits.into_iter().filter(|e| e.end <= text.len()).collect();
            match apply_edits(&text, &edits) {
                Ok(out) => {
                    let mut sorted = edits.clone();
                    sorted.sort();
                    // Rebuild the expected output independently, back to front.
                    let mut expected = text.clone();
                    for e in sorted.iter().rev() {
                        expected.replace_range(e.start..e.end, &e.content);
                    }
                    prop_assert_eq!(out, expected);
                }
                Err(EditError::Overlap { first, second }) => {
                    prop_assert!(first.conflicts_with(&second));
                }
                Err(other) => prop_assert!(false, "unexpected error {other}"),
            }
        }

        #[test]
        fn conflict_is_symmetric(a in arb_edits(20), b in arb_edits(20)) {
            for x in &a {
                for y in &b {
                    prop_assert_eq!(x.conflicts_with(y), y.conflicts_with(x));
                }
            }
        }
    }
}
