use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::{remove_key_findings, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP005",
    name: "host-namespace-shared",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "A service shares a namespace with the host (network, PID, IPC, UTS, cgroup or user)",
    breakage: "Services that expect the host's localhost, host processes or host IPC lose them",
    doc: include_str!("../../../../docs/rules/CP005.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

const KEYS: &[&str] = &["network_mode", "pid", "ipc", "uts", "cgroup", "userns_mode"];

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for key in KEYS {
        out.extend(remove_key_findings(
            cx,
            &META,
            key,
            |v| {
                v.as_str()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case("host"))
            },
            |_| format!("`{key}: host` shares the host's namespace"),
            &format!("Remove `{key}: host`"),
        ));
    }
    out
}
