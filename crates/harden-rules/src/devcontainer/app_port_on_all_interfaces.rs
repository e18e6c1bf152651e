use harden_core::{
    Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath,
};
use harden_jsonc::Node;
use serde_json::Value;

use crate::compose::on_loopback;
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC009",
    name: "app-port-on-all-interfaces",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "An `appPort` string publishes a port on every interface of the host",
    breakage: "Other machines on the network can no longer reach the port",
    doc: include_str!("../../../../docs/rules/DC009.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn finding(node: &Node, path: ValuePath) -> Option<Finding> {
    let spec = node.as_str()?;
    let new = on_loopback(spec)?;
    let value = Value::String(new.clone());
    let fix = Fix::new(
        format!("Publish `{spec}` on 127.0.0.1 only (`{new}`)"),
        Applicability::Unsafe,
        vec![Edit::replace(node.range.clone(), value.to_string())],
        vec![Change::Set { path, value }],
    );
    Some(
        Finding::new(
            &META,
            node.range.clone(),
            format!("appPort:{spec}"),
            format!("appPort `{spec}` is published on all interfaces"),
        )
        .with_fix(fix),
    )
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let Some(member) = cx.doc.root().get("appPort") else {
        return Vec::new();
    };
    let path = ValuePath::root().child("appPort");
    match member.value.elements() {
        Some(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| finding(n, path.child(i)))
            .collect(),
        None => finding(&member.value, path).into_iter().collect(),
    }
}
