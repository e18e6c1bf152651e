//! VS Code Dev Containers: the user settings that forward the host's
//! credentials into containers (VS001), and a devcontainer.json `remoteEnv`
//! that unsets the forwarded agent sockets and editor bridges (VS002).

use harden_core::{Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_core::{Document, ValuePath};
use harden_jsonc::JsoncDoc;
use harden_profile::Profile;
use serde_json::Value;

use crate::claude::set_fix;
use crate::{Check, DevcontainerCx, RuleDef};

pub static RULES: &[&RuleDef] = &[&SETTINGS_RULE, &ENV_RULE];

/// What a VS Code user settings check sees.
pub struct VscodeCx<'a> {
    pub doc: &'a JsoncDoc,
    pub profile: &'a Profile,
}

pub static SETTINGS_META: RuleMeta = RuleMeta {
    code: "VS001",
    name: "vscode-credentials-forwarded",
    kind: FileKind::VscodeSettings,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "VS Code copies the host's git config and credential helpers into every dev container",
    breakage: "git in the container has no host identity or credentials; use a token scoped to the repository. Even with `none` one helper line has been seen to remain (vscode-remote-release#4426)",
    doc: include_str!("../../../../docs/rules/VS001.md"),
};

pub static SETTINGS_RULE: RuleDef = RuleDef {
    meta: &SETTINGS_META,
    check: Check::Vscode(check_settings),
};

pub static ENV_META: RuleMeta = RuleMeta {
    code: "VS002",
    name: "vscode-bridge-env-forwarded",
    kind: FileKind::Devcontainer,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe · partial protection",
    summary: "Processes in the container see the forwarded SSH/GPG agents and VS Code's bridges to the host (`SSH_AUTH_SOCK`, `VSCODE_IPC_HOOK_CLI` ...)",
    breakage: "git over SSH through the host's agent, `code` in the container's terminal, and VS Code's git credential prompts, in processes started with the scrubbed environment",
    doc: include_str!("../../../../docs/rules/VS002.md"),
};

pub static ENV_RULE: RuleDef = RuleDef {
    meta: &ENV_META,
    check: Check::Devcontainer(check_env),
};

fn toml_to_json(v: &toml::Value) -> Option<Value> {
    match v {
        toml::Value::Boolean(b) => Some(Value::Bool(*b)),
        toml::Value::String(s) => Some(Value::String(s.clone())),
        _ => None,
    }
}

fn check_settings(cx: &VscodeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    if doc.root().members().is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (name, wanted) in &cx.profile.vscode.user_settings {
        let Some(wanted) = toml_to_json(wanted) else {
            continue;
        };
        let current = format!("dev.containers.{name}");
        let legacy = format!("remote.containers.{name}");
        for key in [&current, &legacy] {
            let Some(node) = doc.node_at(&[key]) else {
                continue;
            };
            let value = harden_jsonc::Node::to_value(node);
            if value == wanted {
                continue;
            }
            let f = Finding::new(
                &SETTINGS_META,
                doc.range_at(&[key]),
                key.clone(),
                format!("`{key}` is {value}, not {wanted} (user settings)"),
            );
            out.push(
                match set_fix(
                    doc,
                    &[key],
                    wanted.clone(),
                    format!("Set `{key}` to {wanted}"),
                    Applicability::Unsafe,
                ) {
                    Some(fix) => f.with_fix(fix),
                    None => f,
                },
            );
        }
        if doc.node_at(&[&current]).is_none() && doc.node_at(&[&legacy]).is_none() {
            let f = Finding::new(
                &SETTINGS_META,
                doc.range_at(&[&current]),
                current.clone(),
                format!("`{current}` is not set; the default forwards the host's credentials (user settings)"),
            );
            out.push(
                match set_fix(
                    doc,
                    &[&current],
                    wanted.clone(),
                    format!("Set `{current}` to {wanted}"),
                    Applicability::Unsafe,
                ) {
                    Some(fix) => f.with_fix(fix),
                    None => f,
                },
            );
        }
    }
    out
}

fn check_env(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let root = doc.root();
    if root.members().is_none() {
        return Vec::new();
    }
    let env = root.get("remoteEnv");
    if env.is_some_and(|m| m.value.members().is_none()) {
        return Vec::new();
    }
    let present: Vec<String> = env
        .and_then(|m| m.value.members())
        .map(|ms| ms.iter().map(|m| m.key.clone()).collect())
        .unwrap_or_default();
    let missing: Vec<String> = cx
        .profile
        .vscode
        .scrub_env
        .iter()
        .filter(|v| !present.contains(v))
        .cloned()
        .collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let path = ValuePath::root().child("remoteEnv");
    let (edits, changes) = match env {
        Some(m) => {
            let mut edits = Vec::new();
            let mut changes = Vec::new();
            let mut value = doc.value().get("remoteEnv").cloned().unwrap_or(Value::Null);
            for name in &missing {
                if let Value::Object(o) = &mut value {
                    o.insert(name.clone(), Value::Null);
                }
            }
            let items: Vec<(String, Value)> =
                missing.iter().map(|n| (n.clone(), Value::Null)).collect();
            edits.extend(doc.edits().append_members_block(&m.value, &items));
            changes.push(Change::Set { path, value });
            (edits, changes)
        }
        None => {
            let mut map = serde_json::Map::new();
            for name in &missing {
                map.insert(name.clone(), Value::Null);
            }
            let value = Value::Object(map);
            (
                doc.edits().append_member_block(root, "remoteEnv", &value),
                vec![Change::Set { path, value }],
            )
        }
    };
    let range = env.map_or(root.range.start..root.range.start + 1, |m| m.range());
    vec![Finding::new(
        &ENV_META,
        range,
        "remoteEnv",
        format!("`remoteEnv` does not unset {}", missing.join(", ")),
    )
    .with_fix(Fix::new(
        "Unset the forwarded agent sockets and editor bridges in `remoteEnv`",
        Applicability::Unsafe,
        edits,
        changes,
    ))
    .with_note(
        "partial protection: VS Code still creates the sockets and a process can find them; the editor bridge can run code on the host (microsoft/vscode-remote-release#11426), so attaching VS Code to a container that runs an autonomous agent is no boundary",
    )]
}
