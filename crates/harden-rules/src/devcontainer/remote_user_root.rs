use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::users::{known_non_root_user, users, Who};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC017",
    name: "remote-user-root",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The agent, the terminals and every lifecycle command run as root inside the container",
    breakage: "Commands that need root (`apt-get install` in a lifecycle command without `sudo`, writes to `/usr/local` or `/root`) fail with permission errors, and files the old root user left in volumes may not be writable by the new user",
    doc: include_str!("../../../../docs/rules/DC017.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    if users(cx).remote != Who::Root {
        return Vec::new();
    }
    let root = cx.doc.root();
    let written = ["remoteUser", "containerUser"]
        .into_iter()
        .find_map(|key| root.get(key).map(|m| (key, m)));
    let (range, why) = match written {
        Some(("remoteUser", m)) => (m.range(), "`remoteUser` is root".to_string()),
        Some((key, m)) => (
            m.range(),
            format!("`{key}` is root and no `remoteUser` is set"),
        ),
        None => (
            root.range.start..root.range.start + 1,
            "the image runs as root and no `remoteUser` is set".to_string(),
        ),
    };
    let finding = Finding::new(
        &META,
        range,
        "remoteUser",
        format!("{why}: the agent and every lifecycle command run as root"),
    );
    let Some(user) = known_non_root_user(cx) else {
        return vec![finding.with_note(
            "no automatic fix: no non-root user of the image is known; create one (a Dockerfile `useradd`) and name it in `remoteUser`",
        )];
    };
    let title = format!("Run as the image's non-root user `{user}` (`remoteUser`)");
    match cx.doc.set_at(
        &["remoteUser"],
        Value::String(user),
        harden_jsonc::Layout::Block,
    ) {
        Some(patch) => vec![finding.with_fix(patch.into_fix(title, Applicability::Unsafe))],
        None => vec![finding.with_note("no automatic fix: the config is not an object")],
    }
}
