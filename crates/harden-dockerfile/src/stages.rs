//! What a Dockerfile builds: stages and their ancestry, the user in force
//! at the end, and `ARG` defaults with their substitution.

use std::collections::BTreeMap;

use crate::{Args, DockerfileDoc};

/// The index (in `doc.stages()`) of the earlier stage a `FROM` builds on.
pub fn parent_stage(doc: &DockerfileDoc, from_index: usize) -> Option<usize> {
    let Args::From { image, .. } = &doc.instructions()[from_index].args else {
        return None;
    };
    let pos = doc.stages().iter().position(|s| s.from == from_index)?;
    doc.stages()[..pos].iter().rposition(|s| {
        s.name
            .as_deref()
            .is_some_and(|n| n.eq_ignore_ascii_case(&image.value))
    })
}

/// The final stage and the in-file stages it builds on, oldest first.
pub fn final_chain(doc: &DockerfileDoc) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut cur = doc.stages().len().checked_sub(1);
    while let Some(s) = cur {
        if chain.contains(&s) {
            break;
        }
        chain.push(s);
        cur = parent_stage(doc, doc.stages()[s].from);
    }
    chain.reverse();
    chain
}

/// The instruction indices of the final stage and its in-file ancestors, in build order.
pub fn final_chain_instructions(doc: &DockerfileDoc) -> Vec<usize> {
    final_chain(doc)
        .into_iter()
        .flat_map(|s| doc.stages()[s].instructions.clone())
        .collect()
}

/// The last `USER` in force at the end of the final stage: its instruction
/// index and value.
pub fn final_user(doc: &DockerfileDoc) -> Option<(usize, String)> {
    final_chain_instructions(doc)
        .into_iter()
        .rev()
        .find_map(|i| {
            let ins = &doc.instructions()[i];
            match (&ins.args, ins.is("USER")) {
                (Args::Text(t), true) => Some((i, t.value.trim().to_string())),
                _ => None,
            }
        })
}

/// Whether a `USER` value means root.
pub fn is_root_user(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// `ARG` defaults declared before the first `FROM`.
pub fn global_args(doc: &DockerfileDoc) -> BTreeMap<String, Option<String>> {
    let first_from = doc.stages().first().map_or(0, |s| s.from);
    let mut out = BTreeMap::new();
    for ins in &doc.instructions()[..first_from] {
        if let Args::Text(t) = &ins.args {
            for (name, default) in arg_decls(&t.value) {
                out.insert(name, default);
            }
        }
    }
    out
}

/// The names (and defaults) an `ARG` instruction declares.
pub fn arg_decls(args: &str) -> Vec<(String, Option<String>)> {
    split_args(args)
        .into_iter()
        .map(|a| match a.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (a, None),
        })
        .collect()
}

/// Words of an `ARG`/`ENV` value, quotes removed.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, '\\') | (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                    any = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Substitute `$NAME`, `${NAME}`, `${NAME:-default}` from `vars`; `None`
/// when a variable has no known value.
pub fn substitute(s: &str, vars: &BTreeMap<String, Option<String>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, default, len) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            let body = &inner[..end];
            let (n, d) = match body.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (body, None),
            };
            (n, d, end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        if name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        let value = vars
            .get(name)
            .cloned()
            .flatten()
            .filter(|v| !v.is_empty())
            .or_else(|| default.map(str::to_string))?;
        out.push_str(&value);
        rest = &after[len..];
    }
    out.push_str(rest);
    Some(out)
}
