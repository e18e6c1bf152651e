//! Service volumes in short (`./src:/app:ro`) and long (`{type: bind, ...}`)
//! syntax, host-path normalisation and the read-only fix.

use std::borrow::Cow;

use harden_core::{Applicability, Change, Fix};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::Value;

use super::Service;

#[derive(Debug, Clone)]
pub struct Mount {
    pub index: usize,
    pub node: NodeId,
    /// The list the item is in.
    pub list: NodeId,
    /// Host path (bind) or volume name, as written.
    pub source: Option<String>,
    pub target: Option<String>,
    pub bind: bool,
    pub read_only: bool,
    /// Long syntax (a mapping item).
    pub long: bool,
}

impl Mount {
    /// The host path with `~` for the home directory, or `None` for volumes.
    pub fn host_path(&self) -> Option<String> {
        if !self.bind {
            return None;
        }
        self.source.as_deref().map(normalize_host_path)
    }
}

/// The service's volumes (merge-aware).
pub fn mounts(doc: &YamlDoc, svc: &Service) -> Vec<Mount> {
    let Some(found) = doc.lookup(svc.map, "volumes") else {
        return Vec::new();
    };
    let list = doc.resolve(found.entry.value);
    doc.items(list)
        .iter()
        .enumerate()
        .filter_map(|(index, item)| parse_mount(doc, list, index, *item))
        .collect()
}

fn parse_mount(doc: &YamlDoc, list: NodeId, index: usize, item: NodeId) -> Option<Mount> {
    let item = doc.resolve(item);
    if let Some(s) = doc.scalar(item) {
        let (source, target, options) = split_short(s);
        let read_only = options.iter().any(|o| o == "ro");
        let bind = source.as_deref().is_some_and(looks_like_host_path);
        return Some(Mount {
            index,
            node: item,
            list,
            source,
            target,
            bind,
            read_only,
            long: false,
        });
    }
    if !doc.is_mapping(item) {
        return None;
    }
    let text = |k: &str| {
        doc.lookup(item, k)
            .and_then(|f| doc.scalar(f.entry.value))
            .map(str::to_string)
    };
    let ty = text("type");
    let source = text("source");
    let bind = match ty.as_deref() {
        Some("bind") => true,
        Some(_) => false,
        None => source.as_deref().is_some_and(looks_like_host_path),
    };
    let read_only = doc
        .lookup(item, "read_only")
        .and_then(|f| doc.scalar_value(f.entry.value))
        .is_some_and(|v| v == Value::Bool(true) || v == Value::String("true".into()));
    Some(Mount {
        index,
        node: item,
        list,
        source,
        target: text("target"),
        bind,
        read_only,
        long: true,
    })
}

/// `SOURCE:TARGET:OPTIONS`, `SOURCE:TARGET` or `TARGET` (an anonymous volume).
/// A Windows drive letter (`C:\x`) stays in the source.
pub fn split_short(s: &str) -> (Option<String>, Option<String>, Vec<String>) {
    let b = s.as_bytes();
    let drive =
        b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && matches!(b[2], b'\\' | b'/');
    let (drive, body) = if drive { s.split_at(2) } else { ("", s) };
    let mut parts: Vec<String> = body.split(':').map(str::to_string).collect();
    parts[0] = format!("{drive}{}", parts[0]);
    match parts.len() {
        1 => (None, Some(parts.remove(0)), Vec::new()),
        2 => (Some(parts[0].clone()), Some(parts[1].clone()), Vec::new()),
        _ => (
            Some(parts[0].clone()),
            Some(parts[1].clone()),
            parts[2..]
                .join(":")
                .split(',')
                .map(|o| o.trim().to_string())
                .collect(),
        ),
    }
}

fn looks_like_host_path(source: &str) -> bool {
    source.starts_with(['/', '.', '~', '$', '\\'])
        || source.contains('/')
        || (source.len() > 1 && source.as_bytes()[1] == b':')
}

/// `~` for the home directory (`$HOME`, `${HOME}`, `${HOME:-..}`,
/// `${localEnv:HOME}`, `${USERPROFILE}`), no trailing slash, `//` collapsed.
pub fn normalize_host_path(path: &str) -> String {
    normalized(path).into_owned()
}

/// [`normalize_host_path`], borrowing `path` when it is already normal.
fn normalized(path: &str) -> Cow<'_, str> {
    let mut p = Cow::Borrowed(path.trim());
    for home in [
        "${localEnv:HOME}",
        "${localEnv:USERPROFILE}",
        "${env:HOME}",
        "${env:USERPROFILE}",
        "${USERPROFILE}",
        "${HOME}",
        "$HOME",
    ] {
        if let Some(rest) = p.strip_prefix(home) {
            let home_relative = format!("~{rest}");
            p = Cow::Owned(home_relative);
            break;
        }
    }
    if p.starts_with("${HOME:") || p.starts_with("${HOME-") {
        if let Some(end) = p.find('}') {
            let home_relative = format!("~{}", &p[end + 1..]);
            p = Cow::Owned(home_relative);
        }
    }
    while p.contains("//") {
        let collapsed = p.replace("//", "/");
        p = Cow::Owned(collapsed);
    }
    if p.len() > 1 && p.ends_with('/') {
        let trimmed = p.trim_end_matches('/').to_string();
        p = Cow::Owned(trimmed);
    }
    p
}

/// Whether `host` is `pattern`, inside it, or (for paths under the home
/// directory) a directory that contains it.
pub fn path_matches(host: &str, pattern: &str) -> bool {
    let pattern = normalized(pattern);
    let pattern = pattern.as_ref();
    host == pattern || below(host, pattern) || (host.starts_with('~') && below(pattern, host))
}

/// Whether `path` lies inside the directory `dir`.
fn below(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// A fix that makes mount items read-only: `:ro` in short syntax,
/// `read_only: true` in long syntax.
pub fn read_only_fix(
    doc: &YamlDoc,
    mounts: &[&Mount],
    title: &str,
    applicability: Applicability,
) -> Result<Fix, String> {
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    for m in mounts {
        if m.long {
            let es = match doc.get(m.node, "read_only") {
                Some(e) => vec![doc
                    .edits()
                    .replace_scalar(e.value, &Value::Bool(true))
                    .map_err(|e| e.to_string())?],
                None => doc
                    .edits()
                    .insert_entry(m.node, "read_only", &Value::Bool(true))
                    .map_err(|e| e.to_string())?,
            };
            edits.extend(es);
            for path in doc.paths_for_new_key(m.node, "read_only") {
                changes.push(Change::Set {
                    path,
                    value: Value::Bool(true),
                });
            }
        } else {
            let s = doc.scalar(m.node).ok_or("not a string")?;
            let new = with_read_only(s);
            edits.push(
                doc.edits()
                    .replace_scalar(m.node, &Value::String(new.clone()))
                    .map_err(|e| e.to_string())?,
            );
            for path in doc.paths_of(m.node) {
                changes.push(Change::Set {
                    path,
                    value: Value::String(new.clone()),
                });
            }
        }
    }
    Ok(Fix::new(title, applicability, edits, changes))
}

/// `a:b` -> `a:b:ro`, `a:b:rw` -> `a:b:ro`, `a:b:cached` -> `a:b:ro,cached`.
pub fn with_read_only(s: &str) -> String {
    let (source, target, options) = split_short(s);
    let (Some(source), Some(target)) = (source, target) else {
        return s.to_string();
    };
    let mut opts: Vec<String> = options
        .into_iter()
        .filter(|o| o != "rw" && !o.is_empty())
        .collect();
    opts.insert(0, "ro".to_string());
    format!("{source}:{target}:{}", opts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_syntax() {
        assert_eq!(
            split_short("./a:/b:ro"),
            (
                Some("./a".into()),
                Some("/b".into()),
                vec!["ro".to_string()]
            )
        );
        assert_eq!(split_short("/data"), (None, Some("/data".into()), vec![]));
        assert_eq!(split_short("C:\\x:/y").0.as_deref(), Some("C:\\x"));
        assert_eq!(with_read_only("~/.ssh:/root/.ssh"), "~/.ssh:/root/.ssh:ro");
        assert_eq!(
            with_read_only("~/.ssh:/root/.ssh:rw"),
            "~/.ssh:/root/.ssh:ro"
        );
        assert_eq!(with_read_only("./a:/b:cached"), "./a:/b:ro,cached");
    }

    #[test]
    fn host_paths() {
        assert_eq!(normalize_host_path("${HOME}/.ssh/"), "~/.ssh");
        assert_eq!(normalize_host_path("$HOME/.aws"), "~/.aws");
        assert_eq!(normalize_host_path("${HOME:-/root}/.kube"), "~/.kube");
        assert!(path_matches("~/.ssh/id_rsa", "~/.ssh"));
        assert!(path_matches("~", "~/.ssh"));
        assert!(path_matches("~/.config", "~/.config/gh"));
        assert!(!path_matches("/etc", "~/.ssh"));
        assert!(!path_matches("~/.sshx", "~/.ssh"));
        // Patterns are normalized as hosts are.
        assert!(path_matches("~/.ssh/id_rsa", "${HOME}/.ssh/"));
        assert!(path_matches("~/.aws", " $HOME//.aws "));
        assert!(!path_matches("~/.aws", "~/.awsx"));
    }
}
