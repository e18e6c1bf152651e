use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{append_fix, capability_name, handoff, mode, run_args, run_args_range, Handoff, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC002",
    name: "capabilities-not-dropped",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The container keeps Docker's default Linux capabilities",
    breakage: "Runtime `apt-get`, `sudo`, `chown` and raw-socket tools such as `ping` fail when their capability is not on the allowlist",
    doc: include_str!("../../../../docs/rules/DC002.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let mode = mode(cx.doc);
    if mode == Mode::Unknown {
        return Vec::new();
    }
    let array = run_args::node(cx.doc);
    let args = array.map(run_args::parse).unwrap_or_default();
    let caps_of = |name: &str| -> Vec<String> {
        args.iter()
            .filter(|a| a.is(name))
            .filter_map(|a| a.value.as_deref())
            .flat_map(|v| v.split(',').map(capability_name))
            .collect()
    };
    if caps_of("--cap-drop").iter().any(|c| c == "ALL") {
        return Vec::new();
    }
    let mut added = caps_of("--cap-add");
    if let Some(cap_add) = cx.doc.root().get("capAdd").and_then(|m| m.value.elements()) {
        added.extend(
            cap_add
                .iter()
                .filter_map(|n| n.as_str())
                .map(capability_name),
        );
    }
    let range = run_args_range(cx.doc);
    let finding = Finding::new(
        &META,
        range,
        "runArgs:cap-drop",
        "capabilities are not dropped (no `--cap-drop=ALL`)",
    );
    match handoff(cx, &mode, &crate::compose::capabilities_not_dropped::META) {
        Handoff::Covered => return Vec::new(),
        Handoff::Note(note) => return vec![finding.with_note(note)],
        Handoff::RunArgs => {}
    }
    let mut values = vec![Value::String("--cap-drop=ALL".into())];
    for cap in &cx.profile.capabilities.add_allowlist {
        let cap = capability_name(cap);
        if !added.contains(&cap) {
            values.push(Value::String(format!("--cap-add={cap}")));
        }
    }
    let title = if values.len() > 1 {
        "Drop all capabilities and add back the profile's allowlist"
    } else {
        "Drop all capabilities"
    };
    match append_fix(cx.doc, &["runArgs"], values, title, Applicability::Unsafe) {
        Some(fix) => vec![finding.with_fix(fix)],
        None => vec![finding.with_note("runArgs is not an array")],
    }
}
