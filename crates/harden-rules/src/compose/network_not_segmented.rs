use std::collections::BTreeMap;

use harden_core::{Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_yaml::YamlDoc;
use serde_json::{json, Value};

use super::{
    agent_services, is_internal_network, join_inserts, key_range, network_names, rebase_inserts,
    selected, shares_namespace_of, ComposeCx, Service,
};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP011",
    name: "network-not-segmented",
    kind: FileKind::Compose,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "fix: unsafe",
    summary: "Several services share one network, so a compromised agent can reach all of them",
    breakage: "Agents that talk to each other over the network (one agent calling another's dev server) lose that connection. Add a shared network for exactly the pairs that need it",
    doc: include_str!("../../../../docs/rules/CP011.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// How a service is attached to the shared network.
enum Attachment {
    /// No `networks` key: the project's default network.
    Default,
    /// Its own block or flow list, with the shared network's item index.
    OwnList(harden_yaml::NodeId, usize),
}

fn attachment(doc: &YamlDoc, svc: &Service, network: &str) -> Result<Attachment, String> {
    let Some(found) = doc.lookup(svc.map, "networks") else {
        return Ok(Attachment::Default);
    };
    if found.via.is_some() {
        return Err(format!("`networks` of `{}` comes from an anchor", svc.name));
    }
    let list = found.entry.value;
    if !doc.is_sequence(list) || doc.resolve(list) != list {
        return Err(format!(
            "`networks` of `{}` is not a plain list (mapping form or alias)",
            svc.name
        ));
    }
    doc.items(list)
        .iter()
        .position(|n| doc.scalar(*n) == Some(network))
        .map(|i| Attachment::OwnList(list, i))
        .ok_or_else(|| format!("`{}` is not listed by name", svc.name))
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut nets: BTreeMap<String, Vec<Service>> = BTreeMap::new();
    for svc in selected(cx) {
        if doc.lookup(svc.map, "network_mode").is_some() {
            continue;
        }
        let mut names = network_names(doc, &svc);
        if names.is_empty() {
            names.push("default".into());
        }
        for n in names {
            nets.entry(n).or_default().push(svc.clone());
        }
    }
    let mut agents = agent_services(cx);
    // An agent behind its egress sidecar (CP013) is on the sidecar's networks.
    let fronts: Vec<Service> = selected(cx)
        .into_iter()
        .filter(|s| agents.iter().any(|a| shares_namespace_of(doc, a, &s.name)))
        .collect();
    agents.extend(fronts);
    let is_agent = |s: &Service| agents.iter().any(|a| a.map == s.map);
    // With agents in the file, a network is flat when two agents share it;
    // without, when three services do.
    let flat = |users: &[Service]| {
        if agents.is_empty() {
            users.len() >= 3
        } else {
            users.iter().filter(|u| is_agent(u)).count() >= 2
        }
    };
    nets.into_iter()
        .filter(|(name, users)| flat(users) && !is_internal_network(doc, name))
        .map(|(name, users)| {
            let list: Vec<String> = users.iter().map(|s| format!("`{}`", s.name)).collect();
            let f = Finding::new(
                &META,
                key_range(doc, &users[0]),
                format!("networks/{name}"),
                format!("services {} share the network `{name}`", list.join(", ")),
            );
            let on_net: Vec<&Service> = users.iter().filter(|u| is_agent(u)).collect();
            if on_net.len() < 2 {
                return f.with_note(
                    "put each agent service on its own network with only the services it needs; mark a network `internal: true` when its services need no egress",
                );
            }
            match segment(doc, &name, &users, &on_net) {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            }
        })
        .collect()
}

fn agent_network(agent: &Service) -> String {
    format!("{}-net", agent.name)
}

/// Each agent leaves `network` for a network of its own; every other
/// service on `network` joins all of them, so agents keep reaching the
/// services they reached, but no longer each other.
fn segment(
    doc: &YamlDoc,
    network: &str,
    users: &[Service],
    agents: &[&Service],
) -> Result<Fix, String> {
    let root = doc.root().ok_or("empty document")?;
    let top = doc.lookup(root, "networks");
    let top_map = match top {
        Some(f) if f.via.is_none() && doc.is_mapping(f.entry.value) => Some(f.entry.value),
        Some(_) => return Err("the top-level `networks` is not a plain mapping".into()),
        None => None,
    };
    let new_nets: Vec<String> = agents.iter().map(|a| agent_network(a)).collect();
    for n in &new_nets {
        if top_map.is_some_and(|m| doc.get(m, n).is_some()) {
            return Err(format!("a network named `{n}` exists already"));
        }
    }
    let mut edits: Vec<Edit> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    for svc in users {
        let is_agent = agents.iter().any(|a| a.map == svc.map);
        let (e, c) = match (attachment(doc, svc, network)?, is_agent) {
            (Attachment::OwnList(list, i), true) => {
                let own = Value::String(agent_network(svc));
                let item = doc.items(list)[i];
                let edit = doc
                    .edits()
                    .replace_scalar(item, &own)
                    .map_err(|e| e.to_string())?;
                let changes = doc
                    .paths_of(item)
                    .into_iter()
                    .map(|path| Change::Set {
                        path,
                        value: own.clone(),
                    })
                    .collect();
                (vec![edit], changes)
            }
            (Attachment::Default, true) => {
                let value = json!([agent_network(svc)]);
                doc.insert_entries_patch(svc.map, &[("networks".into(), value)])
                    .map(harden_core::Patch::into_parts)?
            }
            (Attachment::OwnList(list, _), false) => {
                let values: Vec<Value> = new_nets.iter().map(|n| json!(n)).collect();
                doc.append_items_patch(list, &values)
                    .map(harden_core::Patch::into_parts)?
            }
            (Attachment::Default, false) => {
                let mut all = vec![json!("default")];
                all.extend(new_nets.iter().map(|n| json!(n)));
                doc.insert_entries_patch(svc.map, &[("networks".into(), Value::Array(all))])
                    .map(harden_core::Patch::into_parts)?
            }
        };
        edits.extend(e);
        changes.extend(c);
    }
    let entries: Vec<(String, Value)> = new_nets.iter().map(|n| (n.clone(), json!({}))).collect();
    let (e, c) = match top_map {
        Some(map) if !doc.entries(map).is_empty() => doc
            .insert_entries_patch(map, &entries)
            .map(harden_core::Patch::into_parts)?,
        Some(_) => return Err("the top-level `networks` is empty".into()),
        None => {
            let value = Value::Object(entries.into_iter().collect());
            doc.insert_entries_patch(root, &[("networks".into(), value)])
                .map(harden_core::Patch::into_parts)?
        }
    };
    edits.extend(e);
    changes.extend(c);
    let text = harden_core::Document::text(doc);
    Ok(Fix::new(
        format!("Give each agent its own network, shared with the other services on `{network}`"),
        Applicability::Unsafe,
        join_inserts(rebase_inserts(text, edits)),
        changes,
    ))
}
