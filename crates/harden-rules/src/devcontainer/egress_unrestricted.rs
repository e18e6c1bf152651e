use harden_core::{
    Applicability, Change, FileKind, Finding, Fix, NewFile, RuleMeta, Severity, Tier, ValuePath,
};
use serde_json::json;

use super::{mode, run_args, Mode};
use crate::{egress, Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC011",
    name: "egress-unrestricted",
    kind: FileKind::Devcontainer,
    tier: Tier::T4,
    severity: Severity::Warning,
    fix: "fix: unsafe · creates files",
    summary: "The dev container can open connections to any host on the internet",
    breakage: "- Installs and downloads from hosts not on the allowlist: VS Code extensions install from the marketplace, which is not on the default list; add `marketplace.visualstudio.com`, `*.vscode-cdn.net` hosts or others to `[egress] allow` or the allowlist file as you need them.\n- The entrypoint runs as the container user: with `containerUser` (or the image's `USER`) set to a non-root user, iptables cannot load and the container stops. Keep `containerUser` root and `remoteUser` non-root.\n- The container holds NET_ADMIN so that the entrypoint can load the rules. A process that becomes root inside the container can undo them: keep no-new-privileges (DC007) on, no general sudo (DF002), a non-root `remoteUser`. The compose sidecar of CP013 does not have this limit.\n- Images without apt-get or dnf (Alpine) fail to build with a message",
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

/// Whether `runArgs` leaves the container without a network of its own to
/// filter: `--network none`, or another container's namespace.
fn network_closed(args: &[run_args::RunArg]) -> bool {
    args.iter()
        .filter(|a| a.is("--network") || a.is("--net"))
        .filter_map(|a| a.value.as_deref())
        .any(|v| v == "none" || v.starts_with("container:"))
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // Compose-mode configs are covered by CP013 on the compose file.
    if mode(doc) != Mode::Container {
        return Vec::new();
    }
    let root = doc.root();
    let features = root.get("features");
    let has_feature = features.and_then(|f| f.value.members()).is_some_and(|m| {
        m.iter()
            .any(|m| m.key.trim_end_matches('/').rsplit('/').next() == Some(egress::FEATURE_DIR))
    });
    let args = run_args::node(doc).map(run_args::parse).unwrap_or_default();
    if has_feature || network_closed(&args) || super::own_firewall(doc, cx.profile).is_some() {
        return Vec::new();
    }
    let range = features.map_or_else(|| root.range.clone(), |f| f.key_range.clone());
    let finding = Finding::new(
        &META,
        range,
        "features:egress",
        "no egress firewall: the container can reach any host",
    );
    let normalized = cx.path.replace('\\', "/");
    if !normalized.contains(".devcontainer/") {
        return vec![finding.with_note(
            "no automatic fix: a local feature must sit in a `.devcontainer` folder; move the config to `.devcontainer/devcontainer.json`",
        )];
    }
    let reference = feature_ref();
    let path = ValuePath::root().child("features");
    let (edits, changes) = match features {
        Some(member) if member.value.members().is_some() => (
            doc.edits()
                .append_member(&member.value, &reference, &json!({})),
            vec![Change::Set {
                path: path.child(reference.as_str()),
                value: json!({}),
            }],
        ),
        Some(_) => return vec![finding.with_note("no automatic fix: `features` is not an object")],
        None => {
            let value = json!({ reference.clone(): {} });
            (
                doc.edits().append_member(root, "features", &value),
                vec![Change::Set { path, value }],
            )
        }
    };
    let params = &cx.profile.egress;
    let file = |name: &str, content: String| NewFile {
        relative_path: format!("{}/{name}", egress::FEATURE_DIR),
        content,
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
    let note = match root.get("containerUser").and_then(|m| m.value.as_str()) {
        Some(user) if user != "root" && user != "0" => format!(
            "the feature's entrypoint runs as containerUser `{user}`, which cannot load iptables rules: the container would stop at start; set `containerUser` to root and keep `remoteUser` non-root"
        ),
        _ => "the feature's entrypoint loads the rules as the container user (root unless the image sets USER or containerUser says otherwise) and stops the container when they do not load; keep `remoteUser` non-root and no-new-privileges on (DC007), or the agent can undo them".to_string(),
    };
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
