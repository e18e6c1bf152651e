use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{set_fix, ClaudeCx};
use crate::{Check, RuleDef};

pub static SANDBOX_META: RuleMeta = RuleMeta {
    code: "CC002",
    name: "claude-sandbox-disabled",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Claude Code's Bash sandbox is off, or Claude runs commands unsandboxed when the sandbox cannot start",
    breakage: "On Linux the sandbox needs bubblewrap, socat and unprivileged user namespaces. Docker's default seccomp profile and Ubuntu 24.04's `kernel.apparmor_restrict_unprivileged_userns=1` block them; with `failIfUnavailable` Claude then refuses to start instead of running unsandboxed. Inside a hardened container the container is the sandbox",
    doc: include_str!("../../../../docs/rules/CC002.md"),
};

pub static SANDBOX_RULE: RuleDef = RuleDef {
    meta: &SANDBOX_META,
    check: Check::Claude(check_sandbox),
};

pub static ESCAPE_META: RuleMeta = RuleMeta {
    code: "CC003",
    name: "claude-unsandboxed-commands-allowed",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The sandbox's escape hatch is open: a command can ask to run outside the sandbox (`dangerouslyDisableSandbox`)",
    breakage: "Commands that cannot work sandboxed (Docker, some network tools) fail instead of being retried outside; run them yourself",
    doc: include_str!("../../../../docs/rules/CC003.md"),
};

pub static ESCAPE_RULE: RuleDef = RuleDef {
    meta: &ESCAPE_META,
    check: Check::Claude(check_escape),
};

fn is_true(cx: &ClaudeCx<'_>, keys: &[&str]) -> Option<bool> {
    cx.doc.node_at(keys).and_then(|n| n.as_bool())
}

fn check_sandbox(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    if is_true(cx, &["sandbox", "enabled"]) != Some(true) {
        let f = Finding::new(
            &SANDBOX_META,
            doc.range_at(&["sandbox", "enabled"]),
            "sandbox.enabled",
            format!("the Bash sandbox is not enabled{}", cx.at()),
        );
        out.push(
            match set_fix(
                doc,
                &["sandbox", "enabled"],
                Value::Bool(true),
                "Set `sandbox.enabled` to true",
                Applicability::Unsafe,
            ) {
                Some(fix) => f.with_fix(fix),
                None => f.with_note("`sandbox` is not an object"),
            },
        );
    }
    if is_true(cx, &["sandbox", "failIfUnavailable"]) != Some(true) {
        let f = Finding::new(
            &SANDBOX_META,
            doc.range_at(&["sandbox", "failIfUnavailable"]),
            "sandbox.failIfUnavailable",
            format!(
                "when the sandbox cannot start, Claude runs commands unsandboxed with only a warning{}",
                cx.at()
            ),
        );
        out.push(if cx.knows("sandbox.failIfUnavailable") {
            match set_fix(
                doc,
                &["sandbox", "failIfUnavailable"],
                Value::Bool(true),
                "Set `sandbox.failIfUnavailable` to true",
                Applicability::Unsafe,
            ) {
                Some(fix) => f.with_fix(fix),
                None => f.with_note("`sandbox` is not an object"),
            }
        } else {
            f.with_note(cx.version_note("sandbox.failIfUnavailable"))
        });
    }
    out
}

fn check_escape(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    if is_true(cx, &["sandbox", "allowUnsandboxedCommands"]) == Some(false) {
        return Vec::new();
    }
    let f = Finding::new(
        &ESCAPE_META,
        doc.range_at(&["sandbox", "allowUnsandboxedCommands"]),
        "sandbox.allowUnsandboxedCommands",
        format!(
            "commands may ask to run outside the sandbox (`allowUnsandboxedCommands` is not false){}",
            cx.at()
        ),
    );
    vec![match set_fix(
        doc,
        &["sandbox", "allowUnsandboxedCommands"],
        Value::Bool(false),
        "Set `sandbox.allowUnsandboxedCommands` to false",
        Applicability::Unsafe,
    ) {
        Some(fix) => f.with_fix(fix),
        None => f.with_note("`sandbox` is not an object"),
    }]
}
