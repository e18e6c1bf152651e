use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{
    capability_name, holds_only_net_admin, is_egress_sidecar, owner_label, remove_items_fix,
    selected, ComposeCx,
};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP004",
    name: "dangerous-capability-added",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "`cap_add` grants a capability that breaks container isolation (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL ...)",
    breakage: "Debuggers (ptrace), raw-socket tools (ping, traceroute, tcpdump: NET_RAW), in-container firewalls (NET_ADMIN) and mounts stop working",
    doc: include_str!("../../../../docs/rules/CP004.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let dangerous: Vec<String> = cx
        .profile
        .capabilities
        .dangerous
        .iter()
        .map(|c| capability_name(c))
        .collect();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for svc in selected(cx) {
        let Some(found) = doc.lookup(svc.map, "cap_add") else {
            continue;
        };
        // The egress sidecar (CP013) holds NET_ADMIN so the agents need not.
        if is_egress_sidecar(doc, &svc, &cx.profile.egress) && holds_only_net_admin(doc, &svc) {
            continue;
        }
        let list = doc.resolve(found.entry.value);
        if seen.contains(&list) {
            continue;
        }
        seen.push(list);
        let bad: Vec<(usize, String)> = doc
            .items(list)
            .iter()
            .enumerate()
            .filter_map(|(i, n)| doc.scalar(*n).map(|s| (i, capability_name(s))))
            .filter(|(_, c)| dangerous.contains(c))
            .collect();
        if bad.is_empty() {
            continue;
        }
        let names: Vec<String> = bad.iter().map(|(_, c)| c.clone()).collect();
        let target = format!("{}/cap_add", owner_label(doc, &svc, found.via));
        let f = Finding::new(
            &META,
            doc.entry_range(found.entry),
            target,
            format!("`cap_add` grants {}", names.join(", ")),
        );
        let indices: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
        let title = format!("Remove {} from `cap_add`", names.join(", "));
        out.push(
            match remove_items_fix(doc, list, &indices, &title, Applicability::Unsafe) {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            },
        );
    }
    out
}
