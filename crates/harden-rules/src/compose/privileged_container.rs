use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{remove_key_findings, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP003",
    name: "privileged-container",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "A service runs privileged: every device and capability of the host, no seccomp or AppArmor",
    breakage: "Docker-in-Docker and anything that mounts filesystems or loads kernel modules stops working",
    doc: include_str!("../../../../docs/rules/CP003.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    remove_key_findings(
        cx,
        &META,
        "privileged",
        |v| *v == Value::Bool(true) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")),
        |_| "`privileged` is true".to_string(),
        "Remove `privileged: true`",
    )
}
