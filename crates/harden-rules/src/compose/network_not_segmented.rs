use std::collections::BTreeMap;

use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::{key_range, selected, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP011",
    name: "network-not-segmented",
    kind: FileKind::Compose,
    tier: Tier::T3,
    severity: Severity::Info,
    summary: "Several services share one network, so a compromised agent can reach all of them",
    breakage: "Services that talk to each other need a network in common; egress needs a proxy when a network is internal",
    doc: include_str!("../../../../docs/rules/CP011.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut nets: BTreeMap<String, Vec<(String, std::ops::Range<usize>)>> = BTreeMap::new();
    for svc in selected(cx) {
        if doc.lookup(svc.map, "network_mode").is_some() {
            continue;
        }
        let names: Vec<String> = match doc.lookup(svc.map, "networks") {
            None => vec!["default".into()],
            Some(f) => {
                let v = doc.resolve(f.entry.value);
                if doc.is_sequence(v) {
                    doc.items(v)
                        .iter()
                        .filter_map(|n| doc.scalar(*n).map(str::to_string))
                        .collect()
                } else {
                    doc.entries(v)
                        .iter()
                        .filter_map(|e| doc.key_str(*e).map(str::to_string))
                        .collect()
                }
            }
        };
        for n in names {
            nets.entry(n)
                .or_default()
                .push((svc.name.clone(), key_range(doc, &svc)));
        }
    }
    let internal = |name: &str| {
        doc.path(&["networks", name])
            .and_then(|n| doc.lookup(n, "internal"))
            .and_then(|f| doc.scalar_value(f.entry.value))
            == Some(serde_json::Value::Bool(true))
    };
    nets.into_iter()
        .filter(|(name, users)| users.len() >= 3 && !internal(name))
        .map(|(name, users)| {
            let list: Vec<String> = users.iter().map(|(n, _)| format!("`{n}`")).collect();
            Finding::new(&META, users[0].1.clone(), format!("networks/{name}"), format!("services {} share the network `{name}`", list.join(", ")))
                .with_note("put each agent service on its own network with only the services it needs; mark a network `internal: true` when its services need no egress")
        })
        .collect()
}
