//! TOML documents: a strict parse (duplicate keys and mixed line endings
//! refused) that keeps spans for locating findings, the semantic value as
//! JSON, and edits made through `toml_edit` and turned back into one byte
//! splice. `toml_edit` writes LF and drops a replaced value's trailing
//! comment; both are restored here: a CRLF file stays CRLF, and a replaced
//! value keeps the comments around it.

use harden_core::{Change, Document, Edit, LineEnding, ParseError, Patch, SourceText, ValuePath};
use serde_json::Value;
use toml_edit::{DocumentMut, Item, Table, TableLike};

#[derive(Debug, Clone)]
pub struct TomlDoc {
    text: String,
    spanned: toml_edit::Document<String>,
    source: SourceText,
    /// The document for editing, parsed on the first edit; `None` when
    /// `toml_edit` would not give this file's bytes back unedited.
    editable: std::sync::OnceLock<Option<DocumentMut>>,
}

impl Document for TomlDoc {
    fn parse(text: &str) -> Result<Self, ParseError> {
        if text.starts_with('\u{feff}') {
            return Err(ParseError::new(
                1,
                1,
                "the file starts with a byte-order mark, which TOML does not allow",
            ));
        }
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count();
        if crlf > 0 && crlf != lf {
            let at = text
                .match_indices('\n')
                .find(|(i, _)| *i == 0 || text.as_bytes()[i - 1] != b'\r')
                .map_or(0, |(i, _)| i);
            return Err(ParseError::at_offset(
                text,
                at,
                "the file mixes CRLF and LF line endings; make them one kind before hardening",
            ));
        }
        let spanned: toml_edit::Document<String> =
            text.to_string()
                .parse()
                .map_err(|e: toml_edit::TomlError| {
                    let at = e.span().map_or(0, |s| s.start);
                    let message = e
                        .message()
                        .lines()
                        .next()
                        .unwrap_or("invalid TOML")
                        .trim()
                        .to_string();
                    ParseError::at_offset(text, at, message)
                })?;
        Ok(TomlDoc {
            text: text.to_string(),
            spanned,
            source: SourceText::of(text),
            editable: std::sync::OnceLock::new(),
        })
    }

    fn source_text(&self) -> SourceText {
        self.source
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn value(&self) -> Value {
        table_value(self.spanned.as_table())
    }
}

fn table_value(t: &dyn TableLike) -> Value {
    let mut map = serde_json::Map::new();
    for (k, item) in t.iter() {
        if let Some(v) = item_value(item) {
            map.insert(k.to_string(), v);
        }
    }
    Value::Object(map)
}

fn item_value(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(v) => Some(value_json(v)),
        Item::Table(t) => Some(table_value(t)),
        Item::ArrayOfTables(a) => Some(Value::Array(a.iter().map(|t| table_value(t)).collect())),
    }
}

/// A TOML value as JSON. Datetimes become their text and non-finite floats
/// `"nan"`/`"inf"`, which is enough to compare values.
pub fn value_json(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as V;
    match v {
        V::String(s) => Value::String(s.value().clone()),
        V::Integer(i) => Value::from(*i.value()),
        V::Float(f) => serde_json::Number::from_f64(*f.value())
            .map_or_else(|| Value::String(f.value().to_string()), Value::Number),
        V::Boolean(b) => Value::Bool(*b.value()),
        V::Datetime(d) => Value::String(d.value().to_string()),
        V::Array(a) => Value::Array(a.iter().map(value_json).collect()),
        V::InlineTable(t) => table_value(t),
    }
}

impl TomlDoc {
    /// The parsed document, with spans into [`TomlDoc::text`].
    pub fn table(&self) -> &Table {
        self.spanned.as_table()
    }

    /// The item at a key path.
    pub fn get(&self, path: &[&str]) -> Option<&Item> {
        let mut item = self.spanned.as_item();
        for k in path {
            item = item.as_table_like()?.get(k)?;
        }
        Some(item)
    }

    /// The byte range a finding about `path` points at: the deepest existing
    /// key on the path and its value, else the file's start.
    pub fn range_of(&self, path: &[&str]) -> std::ops::Range<usize> {
        let mut table: &dyn TableLike = self.spanned.as_table();
        let mut range = 0..0;
        for k in path {
            let Some((key, item)) = table.get_key_value(k) else {
                break;
            };
            if let (Some(ks), vs) = (key.span(), item.span()) {
                range = ks.start..vs.map_or(ks.end, |v| v.end.max(ks.end));
            } else if let Some(s) = item.span() {
                range = s;
            }
            match item.as_table_like() {
                Some(t) => table = t,
                None => break,
            }
        }
        if range.is_empty() {
            let first = self
                .text
                .len()
                .min(self.text.find(|c: char| !c.is_whitespace()).unwrap_or(0));
            let end = self.text[first..]
                .find(['\r', '\n'])
                .map_or(self.text.len(), |i| first + i);
            range = first..end.max(first);
        }
        range
    }

    /// Edit a copy of the document with `toml_edit` and return the change as
    /// one splice. `None` when `f` declines, or when `toml_edit` would not
    /// give back this file's bytes unedited (then the edit could not be minimal).
    pub fn edit(&self, f: impl FnOnce(&mut DocumentMut) -> Option<()>) -> Option<Vec<Edit>> {
        let crlf = self.source.line_ending == LineEnding::Crlf;
        let final_newline = self.source.final_newline;
        let render = |d: &DocumentMut| {
            let s = d.to_string();
            let mut s = if crlf {
                s.replace("\r\n", "\n").replace('\n', "\r\n")
            } else {
                s
            };
            let eol = if crlf { "\r\n" } else { "\n" };
            if !final_newline && s.ends_with(eol) {
                s.truncate(s.len() - eol.len());
            }
            s
        };
        let pristine = self.editable.get_or_init(|| {
            let doc: DocumentMut = self.text.parse().ok()?;
            (render(&doc) == self.text).then_some(doc)
        });
        let mut doc = pristine.clone()?;
        f(&mut doc)?;
        let out = render(&doc);
        Some(splice(&self.text, &out).into_iter().collect())
    }
}

/// The one replacement that turns `a` into `b`: common prefix and suffix
/// left alone, cut at character boundaries.
fn splice(a: &str, b: &str) -> Option<Edit> {
    if a == b {
        return None;
    }
    let mut p = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !a.is_char_boundary(p) || !b.is_char_boundary(p) {
        p -= 1;
    }
    let max_s = a.len().min(b.len()) - p;
    let mut s = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take(max_s)
        .take_while(|(x, y)| x == y)
        .count();
    while !a.is_char_boundary(a.len() - s) || !b.is_char_boundary(b.len() - s) {
        s -= 1;
    }
    Some(Edit::replace(p..a.len() - s, &b[p..b.len() - s]))
}

/// Set `path` to `value` in a document being edited: a value already there
/// is replaced keeping its comments and spacing, missing tables are created
/// (as `[table]` sections), a missing key is added at the end of its table.
/// `None` when the path runs through something that is not a table.
pub fn set(doc: &mut DocumentMut, path: &[&str], value: toml_edit::Value) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for k in parents {
        if !table.contains_key(k) {
            let mut t = Table::new();
            t.set_implicit(false);
            table.insert(k, Item::Table(t));
        }
        table = table.get_mut(k)?.as_table_like_mut()?;
    }
    match table.get_mut(last) {
        Some(Item::Value(old)) => {
            let decor = old.decor().clone();
            *old = value;
            *old.decor_mut() = decor;
        }
        Some(_) => return None,
        None => {
            table.insert(last, Item::Value(value));
        }
    }
    Some(())
}

/// Append strings to the array at `path` (created when missing).
pub fn append_strings(doc: &mut DocumentMut, path: &[&str], items: &[String]) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for k in parents {
        if !table.contains_key(k) {
            let mut t = Table::new();
            t.set_implicit(false);
            table.insert(k, Item::Table(t));
        }
        table = table.get_mut(k)?.as_table_like_mut()?;
    }
    match table.get_mut(last) {
        Some(Item::Value(toml_edit::Value::Array(a))) => {
            let trailing = a.trailing().clone();
            let comma = a.trailing_comma();
            // New items are laid out like the last one when that one's
            // prefix is only blanks (one per line in a multi-line array).
            let prefix = a
                .iter()
                .last()
                .and_then(|v| {
                    v.decor()
                        .prefix()
                        .and_then(|p| p.as_str())
                        .map(str::to_string)
                })
                .filter(|p| p.trim().is_empty());
            // A comment after the last item's comma stays on that item's line.
            let old_trailing = trailing.as_str().unwrap_or("").to_string();
            let (mut carry, mut trailing) = (String::new(), old_trailing.clone());
            if let (Some(p), Some(cut)) = (&prefix, old_trailing.rfind('\n')) {
                if p.starts_with('\n') || p.starts_with("\r\n") {
                    let head = old_trailing[..cut].trim_end_matches('\r');
                    carry = head.to_string();
                    trailing = old_trailing[head.len()..].to_string();
                }
            }
            for (n, i) in items.iter().enumerate() {
                a.push(i.as_str());
                if let (Some(p), Some(v)) = (&prefix, a.iter_mut().last()) {
                    let p = if n == 0 {
                        format!("{carry}{p}")
                    } else {
                        p.clone()
                    };
                    v.decor_mut().set_prefix(p);
                }
            }
            a.set_trailing(trailing);
            a.set_trailing_comma(comma);
        }
        Some(_) => return None,
        None => {
            let a: toml_edit::Array = items.iter().map(String::as_str).collect();
            table.insert(last, Item::Value(toml_edit::Value::Array(a)));
        }
    }
    Some(())
}

/// Remove the items at `indices` from the array at `path`; an item that
/// becomes first takes the removed first item's spacing.
pub fn remove_items(doc: &mut DocumentMut, path: &[&str], indices: &[usize]) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut table: &mut dyn TableLike = doc.as_table_mut();
    for k in parents {
        table = table.get_mut(k)?.as_table_like_mut()?;
    }
    let Some(Item::Value(toml_edit::Value::Array(a))) = table.get_mut(last) else {
        return None;
    };
    let first_prefix = a.get(0).and_then(|v| {
        v.decor()
            .prefix()
            .and_then(|p| p.as_str())
            .map(str::to_string)
    });
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.last().is_some_and(|i| *i >= a.len()) {
        return None;
    }
    for i in sorted.iter().rev() {
        a.remove(*i);
    }
    if sorted.first() == Some(&0) {
        if let (Some(p), Some(v)) = (first_prefix, a.get_mut(0)) {
            v.decor_mut().set_prefix(p);
        }
    }
    if a.is_empty() {
        a.set_trailing("");
        a.set_trailing_comma(false);
    }
    Some(())
}

/// The change that makes `keys` hold `value` in `before`: a `Set` at the
/// first missing ancestor, with the rest nested in objects.
fn set_change(before: &Value, keys: &[&str], value: Value) -> Change {
    let mut node = before;
    for (i, k) in keys.iter().enumerate() {
        match node.get(k) {
            Some(v) if i + 1 < keys.len() => node = v,
            Some(_) => break,
            None => {
                return Change::Set {
                    path: ValuePath::keys(&keys[..=i]),
                    value: harden_core::nested(&keys[i + 1..], value),
                };
            }
        }
    }
    Change::Set {
        path: ValuePath::keys(keys),
        value,
    }
}

impl TomlDoc {
    /// Make `keys` hold the string or bool `value`, creating missing
    /// tables; the edits with the value change they make.
    pub fn set_at(&self, keys: &[&str], value: Value) -> Option<Patch> {
        let toml_value: toml_edit::Value = match &value {
            Value::String(s) => s.as_str().into(),
            Value::Bool(b) => (*b).into(),
            _ => return None,
        };
        let edits = self.edit(|d| set(d, keys, toml_value))?;
        let change = set_change(&harden_core::Document::value(self), keys, value);
        Some(Patch::new(edits, vec![change]))
    }
}

#[cfg(test)]
mod tests;
