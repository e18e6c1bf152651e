use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{set_fix, ClaudeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CC010",
    name: "claude-sandbox-egress-unrestricted",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T4,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The Bash sandbox has no domain allowlist (`sandbox.network.allowedDomains`)",
    breakage:
        "Sandboxed commands reach only those domains; installs from other hosts prompt or fail",
    doc: include_str!("../../../../docs/rules/CC010.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Claude(check),
};

fn check(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let keys = ["sandbox", "network", "allowedDomains"];
    if doc.node_at(&keys).is_some() {
        return Vec::new();
    }
    let f = Finding::new(
        &META,
        doc.range_at(&keys),
        "sandbox.network.allowedDomains",
        format!("the sandbox's network has no domain allowlist{}", cx.at()),
    );
    let domains: Vec<Value> = cx
        .profile
        .egress
        .allow
        .iter()
        .map(|d| Value::String(d.clone()))
        .collect();
    vec![match set_fix(
        doc,
        &keys,
        Value::Array(domains),
        "Set `sandbox.network.allowedDomains` to the profile's egress allowlist",
        Applicability::Unsafe,
    ) {
        Some(fix) => f.with_fix(fix),
        None => f.with_note("`sandbox` or `sandbox.network` is not an object"),
    }]
}
