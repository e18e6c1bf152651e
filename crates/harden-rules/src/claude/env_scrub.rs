use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{set_fix, ClaudeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CC011",
    name: "claude-subprocess-env-not-scrubbed",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Commands, hooks and MCP servers Claude starts inherit its Anthropic and cloud credentials (`CLAUDE_CODE_SUBPROCESS_ENV_SCRUB` is not set)",
    breakage: "Scripts that relied on Claude's own credentials in the environment",
    doc: include_str!("../../../../docs/rules/CC011.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Claude(check),
};

const KEY: &str = "CLAUDE_CODE_SUBPROCESS_ENV_SCRUB";

fn check(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let keys = ["env", KEY];
    if doc.node_at(&keys).and_then(|n| n.as_str()) == Some("1") {
        return Vec::new();
    }
    let f = Finding::new(
        &META,
        doc.range_at(&keys),
        format!("env.{KEY}"),
        format!(
            "subprocesses inherit Claude's API and cloud credentials (`env.{KEY}` is not \"1\"){}",
            cx.at()
        ),
    );
    let dotted = format!("env.{KEY}");
    if !cx.knows(&dotted) {
        return vec![f.with_note(cx.version_note(&dotted))];
    }
    vec![match set_fix(
        doc,
        &keys,
        Value::String("1".into()),
        format!("Set `env.{KEY}` to \"1\""),
        Applicability::Unsafe,
    ) {
        Some(fix) => f.with_fix(fix),
        None => f.with_note("`env` is not an object"),
    }]
}
