//! Agents started in their no-prompt modes by the container's own setup:
//! `claude --dangerously-skip-permissions`, `codex --yolo` /
//! `--dangerously-bypass-approvals-and-sandbox`, `hermes --yolo`, in a
//! Dockerfile (aliases, entrypoints) or a devcontainer.json lifecycle
//! command. Reported only: inside a container hardened at every tier this
//! is the documented way to run an agent unattended.

use harden_core::{Document, FileKind, Finding, RuleMeta, Severity, Tier};
use harden_jsonc::{Node, NodeKind};

use crate::{Check, DevcontainerCx, DockerfileCx, RuleDef};

pub static DOCKERFILE_META: RuleMeta = RuleMeta {
    code: "AG001",
    name: "agent-autonomy-flag-in-image",
    kind: FileKind::Dockerfile,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "report only",
    summary: "The image starts a coding agent with its approvals off (`--dangerously-skip-permissions`, `--yolo` ...), often as a shell alias",
    breakage: "Nothing",
    doc: include_str!("../../../docs/rules/AG001.md"),
};

pub static DOCKERFILE_RULE: RuleDef = RuleDef {
    meta: &DOCKERFILE_META,
    check: Check::Dockerfile(check_dockerfile),
};

pub static LIFECYCLE_META: RuleMeta = RuleMeta {
    code: "AG002",
    name: "agent-autonomy-flag-in-lifecycle",
    kind: FileKind::Devcontainer,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "report only",
    summary: "A lifecycle command starts a coding agent with its approvals off (`--dangerously-skip-permissions`, `--yolo` ...)",
    breakage: "Nothing",
    doc: include_str!("../../../docs/rules/AG002.md"),
};

pub static LIFECYCLE_RULE: RuleDef = RuleDef {
    meta: &LIFECYCLE_META,
    check: Check::Devcontainer(check_lifecycle),
};

const NOTE: &str = "with approvals off the container is the only boundary: keep it hardened (no host credentials or sockets, limits, egress allowlist) and never attach an editor that bridges to the host";

/// The profile's flags that appear in `text` as whole words.
fn flags_in<'p>(flags: &'p [String], text: &str) -> Vec<&'p str> {
    if !flags.iter().any(|f| text.contains(f.as_str())) {
        return Vec::new();
    }
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ';' | '(' | ')' | ','))
        .collect();
    flags
        .iter()
        .filter(|f| {
            words.iter().any(|w| {
                w.strip_prefix(f.as_str())
                    .is_some_and(|r| r.is_empty() || r.starts_with('='))
            })
        })
        .map(String::as_str)
        .collect()
}

fn check_dockerfile(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let flags = &cx.profile.agents.autonomy_flags;
    let mut out = Vec::new();
    for (i, ins) in doc.instructions().iter().enumerate() {
        if !matches!(ins.keyword.as_str(), "RUN" | "CMD" | "ENTRYPOINT" | "ENV") {
            continue;
        }
        let found = flags_in(flags, &doc.text()[ins.span.clone()]);
        if found.is_empty() {
            continue;
        }
        out.push(
            Finding::new(
                &DOCKERFILE_META,
                ins.span.clone(),
                format!("instruction:{i}"),
                format!(
                    "`{}` starts an agent with {}",
                    ins.keyword,
                    found.join(", ")
                ),
            )
            .with_note(NOTE),
        );
    }
    out
}

const LIFECYCLE: &[&str] = &[
    "initializeCommand",
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
    "postAttachCommand",
];

fn strings<'d>(node: &'d Node, out: &mut Vec<&'d Node>) {
    match &node.kind {
        NodeKind::String(_) => out.push(node),
        NodeKind::Array(items) => items.iter().for_each(|n| strings(n, out)),
        NodeKind::Object(members) => members.iter().for_each(|m| strings(&m.value, out)),
        _ => {}
    }
}

fn check_lifecycle(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let flags = &cx.profile.agents.autonomy_flags;
    let mut out = Vec::new();
    for key in LIFECYCLE {
        let Some(m) = doc.root().get(key) else {
            continue;
        };
        let mut nodes = Vec::new();
        strings(&m.value, &mut nodes);
        let mut found: Vec<&str> = Vec::new();
        for n in nodes {
            for f in flags_in(flags, n.as_str().unwrap_or_default()) {
                if !found.contains(&f) {
                    found.push(f);
                }
            }
        }
        if !found.is_empty() {
            out.push(
                Finding::new(
                    &LIFECYCLE_META,
                    m.range(),
                    *key,
                    format!("`{key}` starts an agent with {}", found.join(", ")),
                )
                .with_note(NOTE),
            );
        }
    }
    out
}
