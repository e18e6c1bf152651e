use std::collections::BTreeMap;

use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::docker_socket_mounted::is_docker_socket;
use super::volumes::{mounts, read_only_fix, Mount};
use super::{list_label, selected, ComposeCx, Service};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP010",
    name: "shared-host-mount",
    kind: FileKind::Compose,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: display-only",
    summary: "The same host path or named volume is mounted writable into several services",
    breakage: "Services that exchange files through the mount stop seeing each other's writes",
    doc: include_str!("../../../../docs/rules/CP010.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut by_source: BTreeMap<String, Vec<(Service, Mount)>> = BTreeMap::new();
    for svc in selected(cx) {
        for m in mounts(doc, &svc) {
            let key = match (m.host_path(), &m.source) {
                (Some(host), _) if is_docker_socket(&host, &cx.profile.mounts.docker_sockets) => {
                    continue
                }
                (Some(host), _) => format!("host path `{host}`"),
                (None, Some(name)) if !name.is_empty() => format!("volume `{name}`"),
                _ => continue,
            };
            by_source.entry(key).or_default().push((svc.clone(), m));
        }
    }
    let mut out = Vec::new();
    for (what, users) in by_source {
        let mut names: Vec<&str> = users.iter().map(|(s, _)| s.name.as_str()).collect();
        names.dedup();
        if names.len() < 2 || users.iter().all(|(_, m)| m.read_only) {
            continue;
        }
        let writers: Vec<String> = users
            .iter()
            .filter(|(_, m)| !m.read_only)
            .map(|(s, _)| format!("`{}`", s.name))
            .collect();
        let message = format!(
            "{what} is mounted writable into {} of the {} services that mount it",
            writers.join(", "),
            names.len()
        );
        // One finding per written mount item (an anchor's item serves all its users).
        let mut items: Vec<(&Service, &Mount)> = Vec::new();
        for (svc, m) in &users {
            if !m.read_only && !items.iter().any(|(_, o)| o.node == m.node) {
                items.push((svc, m));
            }
        }
        for (i, (svc, m)) in items.iter().enumerate() {
            let source = m.source.clone().unwrap_or_default();
            let f = Finding::new(
                &META,
                doc.node(m.node).start..doc.node(m.node).end,
                format!("{}:{source}", list_label(doc, m.list, svc)),
                message.clone(),
            )
            .with_note("give each service its own copy, or mount it read-only where the service only reads");
            // Which service may write cannot be known: the read-only change is shown, not written.
            let fix = (i > 0).then(|| {
                read_only_fix(
                    doc,
                    &[*m],
                    &format!("Mount `{source}` read-only in `{}`", svc.name),
                    Applicability::DisplayOnly,
                )
            });
            out.push(match fix {
                Some(Ok(fix)) => f.with_fix(fix),
                _ => f,
            });
        }
    }
    out
}
