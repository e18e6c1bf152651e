use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::lifecycle_commands;
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC015",
    name: "initialize-command-on-host",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    // Info: a legitimate feature to review, not a failure for CI.
    severity: Severity::Info,
    fix: "reported only",
    summary: "`initializeCommand` runs on the host, outside any container, each time the dev container is built or started",
    breakage: "Nothing: harden only reports it. Moving the work into `onCreateCommand` (which runs in the container) changes where it runs and what it can reach",
    doc: include_str!("../../../../docs/rules/DC015.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// How much of the command a message shows.
const SHOWN: usize = 120;

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let Some(member) = doc.root().get("initializeCommand") else {
        return Vec::new();
    };
    let text = lifecycle_commands(doc)
        .into_iter()
        .filter(|(key, _)| *key == "initializeCommand")
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("; ");
    if text.trim().is_empty() {
        return Vec::new();
    }
    let shown = harden_core::text::excerpt(&text, SHOWN);
    vec![Finding::new(
        &META,
        member.range(),
        "initializeCommand",
        format!("`initializeCommand` runs on the host: `{shown}`"),
    )
    .with_note(
        "review what it runs before every rebuild; an agent that can edit this file can change it (see DC014), and work that needs no host belongs in `onCreateCommand`",
    )]
}
