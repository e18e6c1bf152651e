use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::mounts::host_mounts;
use super::{append_fix, in_devcontainer_folder, mode, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC014",
    name: "config-folder-writable",
    kind: FileKind::Devcontainer,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The agent can rewrite the dev container's own config through the workspace mount, and the next rebuild runs it on the host",
    breakage: "The dev container config cannot be edited from inside the container (edit it on the host, then rebuild). Tools that write into `.devcontainer/` from inside the container fail",
    doc: include_str!("../../../../docs/rules/DC014.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// The workspace-relative path of the config's folder (`.devcontainer`) or,
/// for a `.devcontainer.json` at the root, of the file itself.
fn protected(path: &str) -> Option<&'static str> {
    if in_devcontainer_folder(path) {
        Some(".devcontainer")
    } else if path.replace('\\', "/").rsplit('/').next() == Some(".devcontainer.json") {
        Some(".devcontainer.json")
    } else {
        None
    }
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // Compose-mode configs mount the workspace in the compose file.
    if mode(doc) != Mode::Container {
        return Vec::new();
    }
    let Some(rel) = protected(cx.path) else {
        return Vec::new();
    };
    let root = doc.root();
    // No workspace mount, or one the config writes itself: not judged here.
    if root.get("workspaceMount").is_some() {
        return Vec::new();
    }
    let covered = host_mounts(doc).iter().any(|m| {
        m.written.trim_end_matches('/') == format!("${{localWorkspaceFolder}}/{rel}") && m.read_only
    });
    if covered {
        return Vec::new();
    }
    let mount = format!(
        "source=${{localWorkspaceFolder}}/{rel},target=${{containerWorkspaceFolder}}/{rel},type=bind,readonly"
    );
    let range = root
        .get("mounts")
        .map_or(root.range.start..root.range.start + 1, |m| {
            m.key_range.clone()
        });
    let finding = Finding::new(
        &META,
        range,
        format!("mounts:{rel}"),
        format!("`{rel}` is writable inside the container: an agent can add an `initializeCommand` or `privileged` that the next rebuild runs on the host"),
    );
    match append_fix(
        doc,
        &["mounts"],
        vec![Value::String(mount)],
        format!("Mount `{rel}` read-only over the workspace"),
        Applicability::Unsafe,
    ) {
        Some(fix) => vec![finding.with_fix(fix)],
        None => vec![finding.with_note("no automatic fix: `mounts` is not an array")],
    }
}
