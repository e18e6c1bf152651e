use harden_core::{Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::Value;

use super::{selected, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP014",
    name: "port-published-on-all-interfaces",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A port is published on every interface of the host, so anyone on the network can reach the service",
    breakage: "Other machines (a phone testing a web app, a colleague, a VM) can no longer reach the port. The host itself still can",
    doc: include_str!("../../../../docs/rules/CP014.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

const LOOPBACK: &str = "127.0.0.1";

/// The short syntax with a loopback host IP, when `spec` publishes on all
/// interfaces (`8000:8000`, `0.0.0.0:8000:8000`, `8000`); `None` when it
/// already names a specific address.
pub fn on_loopback(spec: &str) -> Option<String> {
    let spec = spec.trim();
    if spec.is_empty() || spec.starts_with('[') {
        return None;
    }
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [container] => Some(format!("{LOOPBACK}::{container}")),
        [host, container] => Some(format!("{LOOPBACK}:{host}:{container}")),
        ["0.0.0.0", host, container] => Some(format!("{LOOPBACK}:{host}:{container}")),
        _ => None,
    }
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut seen: Vec<NodeId> = Vec::new();
    let mut out = Vec::new();
    for svc in selected(cx) {
        let Some(found) = doc.lookup(svc.map, "ports") else {
            continue;
        };
        for &item in doc.items(found.entry.value) {
            let item = doc.resolve(item);
            if seen.contains(&item) {
                continue;
            }
            seen.push(item);
            let finding = if doc.is_mapping(item) {
                long_syntax(doc, item, &svc.target("ports"))
            } else {
                short_syntax(doc, item, &svc.target("ports"))
            };
            out.extend(finding);
        }
    }
    out
}

fn short_syntax(doc: &YamlDoc, item: NodeId, target: &str) -> Option<Finding> {
    let spec = doc.scalar(item)?;
    let new = on_loopback(spec)?;
    let finding = Finding::new(
        &META,
        doc.range(item),
        format!("{target}/{spec}"),
        format!("port `{spec}` is published on all interfaces"),
    );
    let value = Value::String(new.clone());
    let fix = doc.edits().replace_scalar(item, &value).ok().map(|edit| {
        let changes = doc
            .paths_of(item)
            .into_iter()
            .map(|path| Change::Set {
                path,
                value: value.clone(),
            })
            .collect();
        Fix::new(
            format!("Publish `{spec}` on {LOOPBACK} only (`{new}`)"),
            Applicability::Unsafe,
            vec![edit],
            changes,
        )
    });
    Some(match fix {
        Some(fix) => finding.with_fix(fix),
        None => finding.with_note(format!("write it as `{new}`")),
    })
}

fn long_syntax(doc: &YamlDoc, item: NodeId, target: &str) -> Option<Finding> {
    let published = doc
        .get(item, "published")
        .and_then(|e| doc.scalar(e.value).map(str::to_string));
    let host_ip = doc.get(item, "host_ip");
    let open = match &host_ip {
        None => true,
        Some(e) => doc
            .scalar(e.value)
            .is_some_and(|ip| matches!(ip.trim(), "0.0.0.0" | "::" | "")),
    };
    if !open {
        return None;
    }
    let shown = published.clone().unwrap_or_else(|| "(random)".into());
    let finding = Finding::new(
        &META,
        doc.range(item),
        format!("{target}/published={shown}"),
        format!("port {shown} is published on all interfaces"),
    );
    let value = Value::String(LOOPBACK.into());
    let (edits, changes) = match host_ip {
        Some(e) => {
            let edit = doc.edits().replace_scalar(e.value, &value).ok()?;
            let changes = doc
                .paths_of(e.value)
                .into_iter()
                .map(|path| Change::Set {
                    path,
                    value: value.clone(),
                })
                .collect();
            (vec![edit], changes)
        }
        None => doc
            .insert_entries_patch(item, &[("host_ip".into(), value.clone())])
            .map(harden_core::Patch::into_parts)
            .ok()?,
    };
    Some(finding.with_fix(Fix::new(
        format!("Set `host_ip: {LOOPBACK}`"),
        Applicability::Unsafe,
        edits,
        changes,
    )))
}

#[cfg(test)]
mod tests {
    use super::on_loopback;

    #[test]
    fn short_forms() {
        assert_eq!(
            on_loopback("8000:8000").as_deref(),
            Some("127.0.0.1:8000:8000")
        );
        assert_eq!(
            on_loopback("0.0.0.0:80:80/tcp").as_deref(),
            Some("127.0.0.1:80:80/tcp")
        );
        assert_eq!(on_loopback("3000").as_deref(), Some("127.0.0.1::3000"));
        assert_eq!(
            on_loopback("${PORT}:80").as_deref(),
            Some("127.0.0.1:${PORT}:80")
        );
        assert_eq!(on_loopback("127.0.0.1:80:80"), None);
        assert_eq!(on_loopback("[::1]:80:80"), None);
        assert_eq!(on_loopback("10.0.0.5:80:80"), None);
    }
}
