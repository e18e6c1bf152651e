use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::volumes::{mounts, path_matches};
use super::{list_label, remove_items_fix, selected, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP008",
    name: "docker-socket-mounted",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "A service mounts the Docker daemon socket, which gives it control of the host",
    breakage: "`docker` commands inside the container stop working",
    doc: include_str!("../../../../docs/rules/CP008.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// Whether a normalised host path is one of the profile's Docker sockets.
pub fn is_docker_socket(host: &str, sockets: &[String]) -> bool {
    sockets.iter().any(|s| {
        path_matches(host, s) && !host.starts_with('~')
            || host == super::volumes::normalize_host_path(s)
    })
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let sockets = &cx.profile.mounts.docker_sockets;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for svc in selected(cx) {
        for m in mounts(doc, &svc) {
            let Some(host) = m.host_path() else { continue };
            if !is_docker_socket(&host, sockets) || seen.contains(&m.node) {
                continue;
            }
            seen.push(m.node);
            let source = m.source.clone().unwrap_or_default();
            let f = Finding::new(
                &META,
                doc.node(m.node).start..doc.node(m.node).end,
                format!("{}:{source}", list_label(doc, m.list, &svc)),
                format!("service `{}` mounts the Docker socket `{source}`", svc.name),
            );
            out.push(
                match remove_items_fix(
                    doc,
                    m.list,
                    &[m.index],
                    "Remove the Docker socket mount",
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
