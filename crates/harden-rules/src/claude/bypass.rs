use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{set_fix, ClaudeCx, ClaudeLayer};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CC004",
    name: "claude-bypass-permissions-allowed",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Bypass-permissions mode can be turned on, or is the default: every tool call runs without a prompt, writes to .git, .claude and .vscode included",
    breakage: "`--dangerously-skip-permissions` and the bypass mode are refused; unattended runs need allow rules or a sandbox",
    doc: include_str!("../../../../docs/rules/CC004.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Claude(check),
};

const BYPASS_MODES: &[&str] = &["bypassPermissions", "auto"];

fn check(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let disable = doc.node_at(&["permissions", "disableBypassPermissionsMode"]);
    if disable.and_then(|n| n.as_str()) != Some("disable") {
        let f = Finding::new(
            &META,
            doc.range_at(&["permissions", "disableBypassPermissionsMode"]),
            "permissions.disableBypassPermissionsMode",
            format!(
                "bypass-permissions mode is not disabled (`permissions.disableBypassPermissionsMode`){}",
                cx.at()
            ),
        );
        let note = match cx.layer {
            ClaudeLayer::Managed => "in managed settings no other file can undo it",
            ClaudeLayer::User => "a project or managed file can still set it back; managed settings are the only lock",
            _ => "a local or managed file can still set it back; managed settings are the only lock",
        };
        out.push(
            match set_fix(
                doc,
                &["permissions", "disableBypassPermissionsMode"],
                Value::String("disable".into()),
                "Set `permissions.disableBypassPermissionsMode` to \"disable\"",
                Applicability::Unsafe,
            ) {
                Some(fix) => f.with_fix(fix).with_note(note),
                None => f.with_note("`permissions` is not an object"),
            },
        );
    }
    if let Some(mode) = doc
        .node_at(&["permissions", "defaultMode"])
        .and_then(|n| n.as_str())
    {
        if BYPASS_MODES.contains(&mode) {
            let range = doc.range_at(&["permissions", "defaultMode"]);
            let message = format!("the default permission mode is `{mode}`{}", cx.at());
            let f = Finding::new(&META, range, "permissions.defaultMode", message);
            out.push(if cx.layer.is_repository() {
                f.with_note(format!(
                    "a {} file cannot set this mode (Claude ignores `{mode}` there), so it has no effect; check the user and managed settings",
                    cx.layer.name()
                ))
            } else {
                match set_fix(doc, &["permissions", "defaultMode"], Value::String("default".into()), "Set `permissions.defaultMode` to \"default\"", Applicability::Unsafe) {
                    Some(fix) => f.with_fix(fix),
                    None => f,
                }
            });
        }
    }
    if doc.root().get("disableBypassPermissionsMode").is_some() {
        out.push(
            Finding::new(
                &META,
                doc.range_at(&["disableBypassPermissionsMode"]),
                "disableBypassPermissionsMode",
                format!(
                    "`disableBypassPermissionsMode` at the top level has no effect{}",
                    cx.at()
                ),
            )
            .with_note("Claude reads it only under `permissions`"),
        );
    }
    if doc
        .node_at(&["skipDangerousModePermissionPrompt"])
        .and_then(|n| n.as_bool())
        == Some(true)
    {
        out.push(
            Finding::new(
                &META,
                doc.range_at(&["skipDangerousModePermissionPrompt"]),
                "skipDangerousModePermissionPrompt",
                format!(
                    "`skipDangerousModePermissionPrompt` skips the warning before bypass mode{}",
                    cx.at()
                ),
            )
            .with_note("remove it unless bypass mode is wanted on this machine"),
        );
    }
    out
}
