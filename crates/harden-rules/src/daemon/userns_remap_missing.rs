use harden_core::{
    Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath,
};
use serde_json::Value;

use crate::{Check, DaemonCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DM001",
    name: "userns-remap-missing",
    kind: FileKind::DockerDaemon,
    tier: Tier::T4,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The Docker daemon runs containers without user-namespace remapping: root in a container is root on the host",
    breakage: "Files on bind mounts show shifted owners; images and volumes are stored anew under the remapped root; `--privileged`, host networking and host PID are refused for remapped containers",
    doc: include_str!("../../../../docs/rules/DM001.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Daemon(check),
};

fn check(cx: &DaemonCx<'_>) -> Vec<Finding> {
    let root = cx.doc.root();
    if root.members().is_none() {
        return Vec::new();
    }
    match root.get("userns-remap") {
        Some(m) if m.value.as_str().is_some_and(|s| !s.trim().is_empty()) => Vec::new(),
        Some(m) => vec![
            Finding::new(&META, m.range(), "userns-remap", "`userns-remap` is empty").with_note(
                "set it to \"default\" or to a user with entries in /etc/subuid and /etc/subgid",
            ),
        ],
        None => {
            let value = Value::String(cx.profile.userns.remap.clone());
            let fix = Fix::new(
                format!("Set `\"userns-remap\": \"{}\"`", cx.profile.userns.remap),
                Applicability::Unsafe,
                cx.doc.edits().append_member(root, "userns-remap", &value),
                vec![Change::Set {
                    path: ValuePath::root().child("userns-remap"),
                    value,
                }],
            );
            vec![Finding::new(
                &META,
                root.range.start..root.range.start + 1,
                "userns-remap",
                "user-namespace remapping is off",
            )
            .with_fix(fix)
            .with_note("restart dockerd afterwards; rootless Docker is the alternative")]
        }
    }
}
