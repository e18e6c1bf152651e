use harden_core::{
    Applicability, Change, FileKind, Finding, Fix, NewFile, RuleMeta, Severity, Tier, ValuePath,
};
use serde_json::json;

use super::users::{users, Who};
use super::{in_devcontainer_folder, mode, network_closed, run_args, runs_egress_firewall, Mode};
use crate::{egress, Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC011",
    name: "egress-unrestricted",
    kind: FileKind::Devcontainer,
    tier: Tier::T4,
    severity: Severity::Warning,
    fix: "fix: unsafe · creates files",
    summary: "The dev container can open connections to any host on the internet",
    breakage: "- Installs and downloads from hosts not on the allowlist: VS Code extensions install from the marketplace, which is not on the default list; add `marketplace.visualstudio.com`, `*.vscode-cdn.net` hosts or others to `[egress] allow` or the allowlist file as you need them.\n- The feature's entrypoint runs as the container user and must be root to load the rules: a container that ran as another user gets `containerUser: root`, and that user becomes `remoteUser` (lifecycle commands, the editor, the agent keep running as it). The container's own command then runs as root.\n- The container holds NET_ADMIN so that the entrypoint can load the rules, and a process that becomes root can undo them: keep no-new-privileges (DC007) on and no general sudo (DF002). No fix is offered while the agent would run as root, or when its user is not known (an image not in the profile's `[images]` and no `remoteUser`). The compose sidecar of CP013 does not have this limit.\n- Images without apt-get or dnf (Alpine) fail to build with a message",
    doc: include_str!("../../../../docs/rules/DC011.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// The feature reference devcontainer.json gets.
fn feature_ref() -> String {
    format!("./{}", egress::FEATURE_DIR)
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // Compose-mode configs are covered by CP013 on the compose file.
    if mode(doc) != Mode::Container {
        return Vec::new();
    }
    let root = doc.root();
    let features = root.get("features");
    let args = run_args::node(doc).map(run_args::parse).unwrap_or_default();
    if runs_egress_firewall(doc, cx.profile) || network_closed(&args) {
        return Vec::new();
    }
    let range = features.map_or_else(|| root.range.clone(), |f| f.key_range.clone());
    let finding = Finding::new(
        &META,
        range,
        "features:egress",
        "no egress firewall: the container can reach any host",
    );
    if !in_devcontainer_folder(cx.path) {
        return vec![finding.with_note(
            "no automatic fix: a local feature must sit in a `.devcontainer` folder; move the config to `.devcontainer/devcontainer.json`",
        )];
    }
    if features.is_some_and(|f| f.value.members().is_none()) {
        return vec![finding.with_note("no automatic fix: `features` is not an object")];
    }
    let who = users(cx);
    let remote = match &who.remote {
        Who::User(name) => name.clone(),
        Who::Root => {
            return vec![finding.with_note(
                "no automatic fix: the agent would run as root (remoteUser, else the container's user), and root can undo the firewall with the NET_ADMIN it needs: set a non-root `remoteUser` first",
            )]
        }
        Who::Unknown(why) => {
            return vec![finding.with_note(format!(
                "no automatic fix: {why}, so whether the agent runs as root (and could undo the firewall) is not known: set `remoteUser` to a non-root user of the image"
            ))]
        }
    };
    if !super::no_new_privileges_missing::in_force(doc) {
        return vec![finding.with_note(format!(
            "no automatic fix yet: without no-new-privileges `{remote}` could become root (sudo, a setuid program) and undo the firewall with the NET_ADMIN it needs; set it first (DC007, tier 1), then this fix is offered"
        ))];
    }
    let reference = feature_ref();
    let mut members: Vec<(String, serde_json::Value)> = Vec::new();
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    match features {
        Some(member) if member.value.members().is_some() => {
            edits.extend(
                doc.edits()
                    .append_member(&member.value, &reference, &json!({})),
            );
            changes.push(Change::Set {
                path: ValuePath::root()
                    .child("features")
                    .child(reference.as_str()),
                value: json!({}),
            });
        }
        _ => members.push(("features".into(), json!({ reference.clone(): {} }))),
    }
    // The entrypoint loads the rules as the container user: it must be root.
    if who.container != Who::Root {
        match root.get("containerUser") {
            Some(m) => {
                edits.push(doc.edits().replace(&m.value, &json!("root")));
                changes.push(Change::Set {
                    path: ValuePath::root().child("containerUser"),
                    value: json!("root"),
                });
            }
            None => members.push(("containerUser".into(), json!("root"))),
        }
        if root.get("remoteUser").is_none() {
            members.push(("remoteUser".into(), json!(remote)));
        }
    }
    if !members.is_empty() {
        edits.extend(doc.edits().append_members(root, &members));
        changes.extend(members.iter().map(|(key, value)| Change::Set {
            path: ValuePath::root().child(key.as_str()),
            value: value.clone(),
        }));
    }
    let params = &cx.profile.egress;
    let file = |name: &str, content: String| NewFile {
        relative_path: format!("{}/{name}", egress::FEATURE_DIR),
        content: content.into(),
    };
    let fix = Fix::new(
        format!("Add the local feature {reference}, which loads an egress firewall at start"),
        Applicability::Unsafe,
        edits,
        changes,
    )
    .with_new_file(file("devcontainer-feature.json", egress::feature_json()))
    .with_new_file(file("install.sh", egress::feature_install_script(params)))
    .with_new_file(file(&params.script_file, egress::firewall_script(params)))
    .with_new_file(file(&params.allowlist_file, egress::allowlist_text(params)));
    let user_change = if who.container == Who::Root {
        String::new()
    } else {
        format!(
            "; the container now runs as root so that the entrypoint can load the rules, and the agent as `{remote}` (remoteUser)"
        )
    };
    let note = format!(
        "the feature's entrypoint loads the rules before the container's command and stops the container when they do not load{user_change}; `{remote}` cannot undo them while it cannot become root: keep no-new-privileges (DC007) and no general sudo (DF002)"
    );
    vec![finding.with_fix(fix).with_note(note)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_networks_need_no_firewall() {
        let parse = |args: &[&str]| {
            let text = serde_json::to_string(&json!({ "runArgs": args })).unwrap();
            let doc = <harden_jsonc::JsoncDoc as harden_core::Document>::parse(&text).unwrap();
            network_closed(&run_args::parse(run_args::node(&doc).unwrap()))
        };
        assert!(parse(&["--network=none"]));
        assert!(parse(&["--network", "container:fw"]));
        assert!(parse(&["--net=none"]));
        assert!(!parse(&["--network=bridge"]));
        assert!(!parse(&["--init"]));
    }
}
