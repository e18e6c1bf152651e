use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{remove_items_fix, selected, string_items, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP015",
    name: "host-access",
    kind: FileKind::Compose,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A service can reach the host: `extra_hosts` to `host-gateway` (the host's own services) or `group_add` of root or docker",
    breakage: "Code in the service no longer reaches services on the host by that name (a database or a model server on the host: run it as a service of the project instead); files and sockets shared through the removed group are no longer accessible",
    doc: include_str!("../../../../docs/rules/CP015.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// Groups that open the host: root, and docker (the daemon's socket).
const HOST_GROUPS: &[&str] = &["0", "root", "docker"];

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    for svc in selected(cx) {
        // The mapping form of extra_hosts: reported, not rewritten.
        if let Some(found) = doc.lookup(svc.map, "extra_hosts") {
            let map = doc.resolve(found.entry.value);
            if doc.is_mapping(map) {
                for entry in doc.entries(map) {
                    if doc
                        .scalar(entry.value)
                        .is_some_and(|v| v.trim() == "host-gateway")
                    {
                        out.push(
                            Finding::new(
                                &META,
                                doc.entry_range(*entry),
                                svc.target("extra_hosts"),
                                format!(
                                    "service `{}`: `extra_hosts` maps `{}` to host-gateway, which lets it reach the host's own services",
                                    svc.name,
                                    doc.scalar(entry.key).unwrap_or("?")
                                ),
                            )
                            .with_note("remove the entry by hand (the mapping form is not rewritten)"),
                        );
                    }
                }
            }
        }
        for (key, opens) in [
            (
                "extra_hosts",
                (|s: &str| s.trim().ends_with("host-gateway")) as fn(&str) -> bool,
            ),
            ("group_add", |s: &str| HOST_GROUPS.contains(&s.trim())),
        ] {
            let items: Vec<(usize, harden_yaml::NodeId, String)> = string_items(doc, &svc, key)
                .into_iter()
                .filter(|(_, _, s)| opens(s))
                .collect();
            let Some((_, first, _)) = items.first() else {
                continue;
            };
            let Some(list) = doc.lookup(svc.map, key).map(|f| doc.resolve(f.entry.value)) else {
                continue;
            };
            let values: Vec<&str> = items.iter().map(|(_, _, s)| s.as_str()).collect();
            let indices: Vec<usize> = items.iter().map(|(i, _, _)| *i).collect();
            let what = match key {
                "extra_hosts" => "lets it reach the host's own services",
                _ => "gives its user a host group",
            };
            let f = Finding::new(
                &META,
                doc.node(*first).start..doc.node(*first).end,
                svc.target(key),
                format!(
                    "service `{}`: `{key}: {}` {what}",
                    svc.name,
                    values.join(", ")
                ),
            );
            out.push(
                match remove_items_fix(
                    doc,
                    list,
                    &indices,
                    &format!("Remove {} from `{key}`", values.join(", ")),
                    Applicability::Unsafe,
                ) {
                    Ok(fix) => f.with_fix(fix),
                    Err(e) => f.with_note(format!("no automatic fix: {e}")),
                },
            );
        }
    }
    out
}
