//! docker-compose rules. Services are read merge-aware: a key inherited
//! through `<<: *anchor` counts as set. A key several services lack gets one
//! edit to the anchor they all merge, when every user of that anchor needs it.

pub(crate) mod capabilities_not_dropped;
pub(crate) mod credential_mount;
pub(crate) mod dangerous_capability_added;
pub(crate) mod docker_socket_mounted;
mod egress_unrestricted;
mod host_access;
mod host_namespace_shared;
mod model;
pub use harden_core::capability_name;
pub use model::*;
mod network_not_segmented;
mod no_new_privileges_missing;
mod port_published_on_all_interfaces;
pub use port_published_on_all_interfaces::on_loopback;
pub(crate) mod privileged_container;
pub(crate) mod resource_limits_missing;
pub(crate) mod seccomp_profile_missing;
mod security_profile_disabled;
mod shared_host_mount;
pub mod volumes;

use std::ops::Range;

use harden_core::{Applicability, Change, Edit, Finding, Fix, RuleMeta, ValuePath};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::Value;

use crate::RuleDef;

pub static RULES: &[&RuleDef] = &[
    &resource_limits_missing::RULE,
    &capabilities_not_dropped::RULE,
    &privileged_container::RULE,
    &dangerous_capability_added::RULE,
    &host_namespace_shared::RULE,
    &security_profile_disabled::RULE,
    &no_new_privileges_missing::RULE,
    &docker_socket_mounted::RULE,
    &credential_mount::RULE,
    &shared_host_mount::RULE,
    &network_not_segmented::RULE,
    &seccomp_profile_missing::RULE,
    &egress_unrestricted::RULE,
    &port_published_on_all_interfaces::RULE,
    &host_access::RULE,
];

/// The range of a service's key (`app:`), where service-level findings point.
pub fn key_range(doc: &YamlDoc, svc: &Service) -> Range<usize> {
    doc.range(svc.key)
}

/// Services grouped by the entries they need added.
pub type Groups = Vec<(Vec<(String, Value)>, Vec<Service>)>;

/// Add a service to the group needing `entries`.
pub fn push_group(groups: &mut Groups, entries: Vec<(String, Value)>, svc: Service) {
    match groups.iter_mut().find(|(e, _)| *e == entries) {
        Some((_, svcs)) => svcs.push(svc),
        None => groups.push((entries, vec![svc])),
    }
}

/// A finding to report, built from the rule's metadata by the caller.
pub struct Planned {
    pub services: Vec<Service>,
    pub range: Range<usize>,
    pub target: String,
    pub fix: Result<Fix, String>,
}

/// Plan the edits that add `key: value` to services that lack it. Services
/// that merge one anchor, all of whose users lack the key, get one edit to
/// the anchor; the rest get one edit each.
pub fn plan_add_key(
    doc: &YamlDoc,
    needing: &[Service],
    entries: &[(String, Value)],
    title: &str,
    applicability: Applicability,
) -> Vec<Planned> {
    let key = entries.first().map(|e| e.0.as_str()).unwrap_or("");
    let needing_paths: Vec<ValuePath> = needing.iter().map(Service::path).collect();
    let mut out: Vec<Planned> = Vec::new();
    let mut done: Vec<usize> = Vec::new();
    let mut rendered = harden_yaml::RenderedEntries::default();
    for (i, svc) in needing.iter().enumerate() {
        if done.contains(&i) {
            continue;
        }
        let shared = doc.merge_sources(svc.map).into_iter().find(|anchor| {
            let users = doc.merged_into(*anchor);
            let own = doc.paths_of(*anchor);
            // Used only where it is written and by merges into needing services.
            users.len() >= 2
                && entries.iter().all(|(k, _)| doc.get(*anchor, k).is_none())
                && own.len() == 1
                && (!own[0].to_string().starts_with("/services/")
                    || needing_paths.contains(&own[0]))
                && doc
                    .occurrences(*anchor)
                    .iter()
                    .all(|o| !o.merged || needing_paths.contains(&o.path))
        });
        let (map, group): (NodeId, Vec<usize>) = match shared {
            Some(anchor) => {
                let users = doc.merged_into(anchor);
                let group = (0..needing.len())
                    .filter(|j| users.contains(&needing[*j].map) || needing[*j].map == anchor)
                    .collect();
                (anchor, group)
            }
            None => (svc.map, vec![i]),
        };
        done.extend(&group);
        let fix = doc
            .insert_entries_patch_with(map, entries, &mut rendered)
            .map(harden_core::Patch::into_parts)
            .map(|(edits, changes)| Fix::new(title, applicability, edits, changes));
        let services: Vec<Service> = group.iter().map(|j| needing[*j].clone()).collect();
        let (range, target) = if map == svc.map {
            (key_range(doc, svc), svc.target(key))
        } else {
            (
                anchor_range(doc, map),
                format!("{}/{key}", anchor_label(doc, map)),
            )
        };
        out.push(Planned {
            services,
            range,
            target,
            fix,
        });
    }
    out
}

/// The range of the key that holds an anchored mapping (`x-common:`).
pub fn anchor_range(doc: &YamlDoc, map: NodeId) -> Range<usize> {
    let node = doc.node(map);
    match node.parent {
        Some(p) => doc
            .entries(p)
            .iter()
            .find(|e| e.value == map)
            .map(|e| doc.range(e.key))
            .unwrap_or(node.start..node.content_start.max(node.start + 1)),
        None => node.start..node.start,
    }
}

/// A stable name for an anchored mapping: its value path, or `&anchor`.
pub fn anchor_label(doc: &YamlDoc, map: NodeId) -> String {
    match doc.paths_of(map).first() {
        Some(p) if !p.0.is_empty() => p.to_string().trim_start_matches('/').to_string(),
        _ => format!("&{}", doc.node(map).anchor.as_deref().unwrap_or("?")),
    }
}

/// Turn planned fixes into findings with `message(services)`.
pub fn findings_from(
    meta: &'static RuleMeta,
    planned: Vec<Planned>,
    message: impl Fn(&[Service]) -> String,
) -> Vec<Finding> {
    planned
        .into_iter()
        .map(|p| {
            let f = Finding::new(meta, p.range, p.target, message(&p.services));
            match p.fix {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            }
        })
        .collect()
}

/// "service `a`" or "services `a`, `b` (through their shared anchor)".
pub fn service_list(services: &[Service]) -> String {
    let names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
    if names.len() == 1 {
        format!("service {}", names[0])
    } else {
        format!(
            "services {} (through their shared anchor)",
            names.join(", ")
        )
    }
}

/// A fix removing sequence items of the list `key` that a service has
/// (written in the service or inherited: the edit goes where the list is
/// written, and the changes follow every place it shows up).
pub fn remove_items_fix(
    doc: &YamlDoc,
    seq: NodeId,
    indices: &[usize],
    title: &str,
    applicability: Applicability,
) -> Result<Fix, String> {
    let edits: Vec<Edit> = doc
        .edits()
        .remove_items(seq, indices)
        .map_err(|e| e.to_string())?;
    let mut changes = Vec::new();
    for path in doc.paths_of(seq) {
        let mut sorted = indices.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        for i in sorted.into_iter().rev() {
            changes.push(Change::Remove {
                path: path.child(i),
            });
        }
    }
    Ok(Fix::new(title, applicability, edits, changes))
}

/// A fix removing `key` from the mapping that writes it.
pub fn remove_key_fix(
    doc: &YamlDoc,
    map: NodeId,
    key: &str,
    title: &str,
    applicability: Applicability,
) -> Result<Fix, String> {
    Ok(doc
        .remove_entry_patch(map, key)?
        .into_fix(title, applicability))
}

/// A fix appending items to a list; the changes follow every place the list shows up.
pub fn append_items_fix(
    doc: &YamlDoc,
    seq: NodeId,
    values: &[Value],
    title: &str,
    applicability: Applicability,
) -> Result<Fix, String> {
    let (edits, changes) = doc
        .append_items_patch(seq, values)
        .map(harden_core::Patch::into_parts)?;
    Ok(Fix::new(title, applicability, edits, changes))
}

/// Where a found entry is written, as a target prefix: `services/app` or
/// the anchor's label.
pub fn owner_label(doc: &YamlDoc, svc: &Service, via: Option<NodeId>) -> String {
    match via {
        None => format!("services/{}", svc.name),
        Some(map) => anchor_label(doc, map),
    }
}

/// Move inserts that fall inside a deletion of whole lines out of it: an
/// insert that starts a line (its text ends with a line break) to the
/// deletion's start, one that ends a line (its text starts with a line
/// break) to the end of the line before the deletion.
pub fn rebase_inserts(text: &str, edits: Vec<Edit>) -> Vec<Edit> {
    let deletions: Vec<Range<usize>> = edits
        .iter()
        .filter(|e| e.content.is_empty() && e.start < e.end)
        .map(|e| e.start..e.end)
        .collect();
    edits
        .into_iter()
        .map(|mut e| {
            if !e.is_insert() {
                return e;
            }
            let ends_line = e.content.starts_with('\n') || e.content.starts_with("\r\n");
            for _ in 0..deletions.len() {
                let Some(d) = deletions
                    .iter()
                    .find(|d| d.start < e.start && e.start < d.end)
                else {
                    break;
                };
                let at = if ends_line {
                    let before = text[..d.start].trim_end_matches('\n');
                    before.strip_suffix('\r').unwrap_or(before).len()
                } else {
                    d.start
                };
                if ends_line && text[at..d.start].matches('\n').count() != 1 {
                    break;
                }
                e.start = at;
                e.end = at;
            }
            e
        })
        .collect()
}

/// Join edits that insert at the same offset, keeping their order.
pub fn join_inserts(edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    for e in edits {
        match out
            .iter_mut()
            .find(|o| o.is_insert() && e.is_insert() && o.start == e.start)
        {
            Some(o) => o.content.push_str(&e.content),
            None => out.push(e),
        }
    }
    out
}

/// Findings for a key whose value is insecure (`privileged: true`): one per
/// place the key is written, with a fix removing it.
pub fn remove_key_findings(
    cx: &ComposeCx<'_>,
    meta: &'static RuleMeta,
    key: &str,
    bad: impl Fn(&Value) -> bool,
    message: impl Fn(&Value) -> String,
    title: &str,
) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let mut seen: Vec<NodeId> = Vec::new();
    for svc in selected(cx) {
        let Some(found) = doc.lookup(svc.map, key) else {
            continue;
        };
        let Some(v) = doc.scalar_value(found.entry.value) else {
            continue;
        };
        if !bad(&v) || seen.contains(&found.entry.key) {
            continue;
        }
        seen.push(found.entry.key);
        let owner = found.via.unwrap_or(svc.map);
        let target = format!("{}/{key}", owner_label(doc, &svc, found.via));
        let f = Finding::new(meta, doc.entry_range(found.entry), target, message(&v));
        out.push(
            match remove_key_fix(doc, owner, key, title, Applicability::Unsafe) {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            },
        );
    }
    out
}

/// Where a list is written, as a target prefix: `services/app/volumes` or
/// `x-common/volumes` for an anchor's list.
pub fn list_label(doc: &YamlDoc, list: NodeId, svc: &Service) -> String {
    match doc.paths_of(list).first() {
        Some(p) if !p.0.is_empty() => p.to_string().trim_start_matches('/').to_string(),
        _ => svc.target("volumes"),
    }
}
