use harden_core::{Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath};
use harden_jsonc::{JsoncDoc, Node, NodeKind};
use harden_shell::Match;
use serde_json::Value;

use crate::dockerfile::{finding_for, stable_targets};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC008",
    name: "lifecycle-curl-pipe-shell",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe with a checksum, otherwise shown only",
    summary: "A lifecycle command runs a downloaded script without any check (`curl … | sh`); `initializeCommand` does so on the host",
    breakage: "The command fails whenever the upstream script changes, until the checksum is updated",
    doc: include_str!("../../../../docs/rules/DC008.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

const LIFECYCLE: &[&str] = &[
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
];

/// A script a lifecycle command runs through a shell: the string node and
/// where its value lives.
struct Script<'d> {
    key: &'static str,
    node: &'d Node,
    path: ValuePath,
}

fn is_shell(name: &str) -> bool {
    matches!(
        harden_shell::normalize(name).as_str(),
        "sh" | "bash" | "zsh" | "dash" | "ash" | "ksh"
    )
}

/// Strings run by a shell: the string form, and `["sh", "-c", SCRIPT]` in
/// the array form; each value of the object form is one or the other.
fn scripts_of<'d>(key: &'static str, node: &'d Node, path: ValuePath, out: &mut Vec<Script<'d>>) {
    match &node.kind {
        NodeKind::String(_) => out.push(Script { key, node, path }),
        NodeKind::Array(items) => {
            let args: Vec<Option<&str>> = items.iter().map(Node::as_str).collect();
            if let [Some(sh), Some("-c"), Some(_), ..] = args.as_slice() {
                if is_shell(sh) {
                    out.push(Script {
                        key,
                        node: &items[2],
                        path: path.child(2),
                    });
                }
            }
        }
        NodeKind::Object(members) => {
            for m in members {
                if !matches!(m.value.kind, NodeKind::Object(_)) {
                    scripts_of(key, &m.value, path.child(m.key.as_str()), out);
                }
            }
        }
        _ => {}
    }
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let interpreters: Vec<&str> = cx
        .profile
        .dockerfile
        .interpreters
        .iter()
        .map(String::as_str)
        .collect();
    let mut scripts = Vec::new();
    for key in LIFECYCLE {
        if let Some(m) = doc.root().get(key) {
            scripts_of(key, &m.value, ValuePath::root().child(*key), &mut scripts);
        }
    }
    let mut found: Vec<(&Script<'_>, String, Vec<Match>)> = Vec::new();
    for s in &scripts {
        let src = s.node.as_str().unwrap_or_default().to_string();
        if !src.contains("curl") && !src.contains("wget") {
            continue;
        }
        let script = harden_shell::parse(&src);
        let mut groups: Vec<Vec<Match>> = Vec::new();
        for m in harden_shell::find(&script, &src, &interpreters) {
            match groups.iter_mut().find(|g| g[0].url == m.url) {
                Some(g) => g.push(m),
                None => groups.push(vec![m]),
            }
        }
        found.extend(groups.into_iter().map(|g| (s, src.clone(), g)));
    }
    let keys = found
        .iter()
        .map(|(s, _, g)| format!("{}:{}", s.key, g[0].url.as_deref().unwrap_or("?")))
        .collect();
    found
        .iter()
        .zip(stable_targets(keys))
        .map(|((s, src, group), target)| {
            let map = string_offsets(doc, s.node);
            let at = |i: usize| map[i.min(map.len() - 1)];
            let r = &group[0].range;
            let range = at(r.start)..at(r.end.saturating_sub(1).max(r.start)) + 1;
            let make_fix = |edits: &[harden_shell::TextEdit], title: String, app| {
                let value = Value::String(harden_shell::apply(src, edits));
                Fix::new(
                    title,
                    app,
                    vec![doc.edits().replace(s.node, &value)],
                    vec![Change::Set {
                        path: s.path.clone(),
                        value,
                    }],
                )
            };
            let mut f = finding_for(&META, group, range, target, cx.inputs, make_fix);
            if s.key == "initializeCommand" {
                f.message
                    .push_str(", on the host (initializeCommand runs outside the container)");
            }
            f
        })
        .collect()
}

/// For each byte of a JSON string node's value, its offset in the file
/// (an escape maps to its backslash); one more entry for the closing quote.
fn string_offsets(doc: &JsoncDoc, node: &Node) -> Vec<usize> {
    use harden_core::Document;
    let text = doc.text();
    let start = node.range.start + 1;
    let end = node.range.end.saturating_sub(1).max(start);
    let body = &text[start..end];
    let mut out = Vec::with_capacity(body.len() + 1);
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        let at = start + i;
        let decoded_len = if c == '\\' {
            match chars.next() {
                Some((_, 'u')) => {
                    let hex: String = (0..4)
                        .filter_map(|_| chars.next().map(|(_, h)| h))
                        .collect();
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .map_or(3, char::len_utf8)
                }
                Some(_) => 1,
                None => 0,
            }
        } else {
            c.len_utf8()
        };
        out.extend(std::iter::repeat_n(at, decoded_len));
    }
    out.push(end);
    out
}
