use harden_core::{Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::{Map, Value};

use super::{
    findings_from, is_v3, join_inserts, key_range, plan_add_key, push_group, selected,
    service_list, ComposeCx, Groups,
};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP001",
    name: "resource-limits-missing",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A service runs without memory, CPU or process limits",
    breakage: "Services that need more than the limit get killed (OOM) or slowed. In a `version: \"3.x\"` file the limits go under `deploy`, which docker-compose 1.x ignores without `--compatibility`",
    doc: include_str!("../../../../docs/rules/CP001.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

#[derive(Clone, Copy, PartialEq)]
enum Dim {
    Memory,
    Cpus,
    Pids,
}

/// Service keys and `deploy.resources.limits` keys.
fn names(d: Dim) -> (&'static str, &'static str, &'static str) {
    match d {
        Dim::Memory => ("mem_limit", "memory", "memory"),
        Dim::Cpus => ("cpus", "cpus", "CPUs"),
        Dim::Pids => ("pids_limit", "pids", "processes"),
    }
}

/// A set limit: a positive number or a non-empty string other than `-1`/`0`.
fn limited(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_f64().is_some_and(|x| x > 0.0),
        Value::String(s) => {
            let s = s.trim();
            !s.is_empty() && s != "0" && s != "-1"
        }
        _ => false,
    }
}

/// The mapping at `keys` below `map` (merge-aware), or where the chain stops.
enum Reach {
    /// Every key exists and holds a mapping.
    Mapping(NodeId),
    /// The chain stops at mapping `at`, which lacks `keys[depth]`.
    Missing { at: NodeId, depth: usize },
    /// `keys[depth]` holds an empty value.
    Null { node: NodeId, depth: usize },
    /// Something else is in the way.
    Blocked,
}

fn reach(doc: &YamlDoc, map: NodeId, keys: &[&str]) -> Reach {
    let mut cur = map;
    for (depth, k) in keys.iter().enumerate() {
        match doc.lookup(cur, k) {
            None => return Reach::Missing { at: cur, depth },
            Some(f) => {
                let v = doc.resolve(f.entry.value);
                if doc.is_mapping(v) {
                    cur = v;
                } else if doc.scalar_value(v) == Some(Value::Null) {
                    return Reach::Null {
                        node: f.entry.value,
                        depth,
                    };
                } else {
                    return Reach::Blocked;
                }
            }
        }
    }
    Reach::Mapping(cur)
}

fn value_of(doc: &YamlDoc, map: NodeId, key: &str) -> Option<(NodeId, Value)> {
    let f = doc.lookup(map, key)?;
    Some((f.entry.value, doc.scalar_value(f.entry.value)?))
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // Service keys are read by both compose generations and need no
    // `--compatibility`; only a 3.x file's schema refuses them.
    let service_keys = !is_v3(doc);
    let lim = &cx.profile.resources;
    let profile_value = |d: Dim| match d {
        Dim::Memory => Value::String(lim.memory.clone()),
        Dim::Cpus => Value::String(lim.cpus.clone()),
        Dim::Pids => Value::from(lim.pids_limit),
    };
    const LIMITS: [&str; 3] = ["deploy", "resources", "limits"];
    let mut out = Vec::new();
    let mut groups: Groups = Vec::new();
    let mut seen_maps: Vec<NodeId> = Vec::new();
    for svc in selected(cx) {
        let limits = match reach(doc, svc.map, &LIMITS) {
            Reach::Mapping(m) => Some(m),
            _ => None,
        };
        let mut missing = Vec::new();
        let mut unlimited: Vec<(NodeId, Dim)> = Vec::new();
        for d in [Dim::Memory, Dim::Cpus, Dim::Pids] {
            let (svc_key, deploy_key, _) = names(d);
            let at_service = value_of(doc, svc.map, svc_key);
            let at_deploy = limits.and_then(|m| value_of(doc, m, deploy_key));
            let set = [&at_service, &at_deploy]
                .iter()
                .any(|x| x.as_ref().is_some_and(|(_, v)| limited(v)));
            if set {
                continue;
            }
            match (&at_service, &at_deploy) {
                (Some((node, _)), _) | (None, Some((node, _))) => unlimited.push((*node, d)),
                (None, None) if !cx.usage.owns(&svc.name) => {}
                (None, None) if d == Dim::Pids && !service_keys => {
                    out.push(no_pids_in_v3(doc, &svc));
                }
                (None, None) => missing.push(d),
            }
        }
        if missing.is_empty() && unlimited.is_empty() {
            continue;
        }
        let what: Vec<&str> = missing
            .iter()
            .chain(unlimited.iter().map(|(_, d)| d))
            .map(|d| names(*d).2)
            .collect();
        let message = format!("service `{}` has no limit on {}", svc.name, what.join(", "));
        // Replace `-1`/`0` in place.
        let mut edits = Vec::new();
        let mut changes = Vec::new();
        let mut error = None;
        for (node, d) in &unlimited {
            let value = profile_value(*d);
            match doc.edits().replace_scalar(*node, &value) {
                Ok(e) => {
                    edits.push(e);
                    for path in doc.paths_of(*node) {
                        changes.push(Change::Set {
                            path,
                            value: value.clone(),
                        });
                    }
                }
                Err(e) => error = Some(e.to_string()),
            }
        }
        // Where the service keeps its other limits, if it does.
        let deploy_key = deepest_key(doc, svc.map, &LIMITS);
        let range = unlimited
            .first()
            .and_then(|(n, _)| {
                doc.node(*n)
                    .parent
                    .and_then(|p| doc.entries(p).iter().find(|e| e.value == *n).copied())
            })
            .map(|e| doc.entry_range(e))
            .or_else(|| deploy_key.clone())
            .unwrap_or_else(|| key_range(doc, &svc));
        if !missing.is_empty() {
            let mut limits_value = Map::new();
            for d in &missing {
                limits_value.insert(names(*d).1.to_string(), profile_value(*d));
            }
            if service_keys {
                let entries: Vec<(String, Value)> = missing
                    .iter()
                    .map(|d| (names(*d).0.to_string(), profile_value(*d)))
                    .collect();
                if unlimited.is_empty() && deploy_key.is_none() {
                    push_group(&mut groups, entries, svc);
                    continue;
                }
                add_entries(doc, svc.map, &entries, &mut edits, &mut changes, &mut error);
            } else {
                match reach(doc, svc.map, &LIMITS) {
                    Reach::Missing { at, depth } => {
                        let mut nested = Value::Object(limits_value);
                        for k in LIMITS[depth + 1..].iter().rev() {
                            let mut m = Map::new();
                            m.insert(k.to_string(), nested);
                            nested = Value::Object(m);
                        }
                        let entries = vec![(LIMITS[depth].to_string(), nested)];
                        if depth == 0 && unlimited.is_empty() {
                            push_group(&mut groups, entries, svc);
                            continue;
                        }
                        if seen_maps.contains(&at) {
                            continue;
                        }
                        seen_maps.push(at);
                        add_entries(doc, at, &entries, &mut edits, &mut changes, &mut error);
                    }
                    Reach::Mapping(m) => {
                        if seen_maps.contains(&m) {
                            continue;
                        }
                        seen_maps.push(m);
                        let entries: Vec<(String, Value)> = limits_value.into_iter().collect();
                        add_entries(doc, m, &entries, &mut edits, &mut changes, &mut error);
                    }
                    Reach::Null { node, depth } => {
                        let mut nested = Value::Object(limits_value);
                        for k in LIMITS[depth + 1..].iter().rev() {
                            let mut m = Map::new();
                            m.insert(k.to_string(), nested);
                            nested = Value::Object(m);
                        }
                        match doc.edits().fill_null(node, &nested) {
                            Ok(es) => {
                                edits.extend(es);
                                for path in doc.paths_of(node) {
                                    changes.push(Change::Set {
                                        path,
                                        value: nested.clone(),
                                    });
                                }
                            }
                            Err(e) => error = Some(e.to_string()),
                        }
                    }
                    Reach::Blocked => {
                        error = Some("`deploy.resources.limits` is not a mapping".into())
                    }
                }
            }
        }
        let f = Finding::new(&META, range, svc.target("limits"), message);
        out.push(match error {
            Some(e) => f.with_note(format!("no automatic fix: {e}")),
            None => f.with_fix(Fix::new(
                "Add resource limits",
                Applicability::Unsafe,
                join_inserts(edits),
                changes,
            )),
        });
    }
    for (entries, svcs) in groups {
        let planned = plan_add_key(
            doc,
            &svcs,
            &entries,
            "Add resource limits",
            Applicability::Unsafe,
        );
        let what = dims_named(&entries);
        let mut found = findings_from(&META, planned, |s| {
            format!(
                "{} {} no limit on {what}",
                service_list(s),
                if s.len() == 1 { "has" } else { "have" }
            )
        });
        for f in &mut found {
            if let [only] = svcs.as_slice() {
                f.target = only.target("limits");
            }
        }
        out.extend(found);
    }
    out
}

/// docker-compose 1.x refuses `deploy.resources.limits.pids` and a
/// `version: "3.x"` file's `pids_limit` alike, and a fix it refuses would
/// stop the project from starting: the process limit is only reported.
fn no_pids_in_v3(doc: &YamlDoc, svc: &super::Service) -> Finding {
    Finding::new(
        &META,
        key_range(doc, svc),
        svc.target("pids_limit"),
        format!("service `{}` has no limit on processes", svc.name),
    )
    .with_note(
        "no automatic fix: this `version: \"3.x\"` file has no process limit that docker-compose 1.x \
         accepts; without the `version` line (Compose ignores it) the fix adds `pids_limit`",
    )
}

fn add_entries(
    doc: &YamlDoc,
    map: NodeId,
    entries: &[(String, Value)],
    edits: &mut Vec<harden_core::Edit>,
    changes: &mut Vec<Change>,
    error: &mut Option<String>,
) {
    match doc
        .insert_entries_patch(map, entries)
        .map(harden_core::Patch::into_parts)
    {
        Ok((es, cs)) => {
            edits.extend(es);
            changes.extend(cs);
        }
        Err(e) => *error = Some(e),
    }
}

/// The range of the deepest key of `keys` that exists below `map`.
fn deepest_key(doc: &YamlDoc, map: NodeId, keys: &[&str]) -> Option<std::ops::Range<usize>> {
    let mut cur = map;
    let mut last = None;
    for k in keys {
        let Some(f) = doc.lookup(cur, k) else { break };
        last = Some(doc.range(f.entry.key));
        let v = doc.resolve(f.entry.value);
        if !doc.is_mapping(v) {
            break;
        }
        cur = v;
    }
    last
}

/// "memory, CPUs, processes" for the limits that `entries` add.
fn dims_named(entries: &[(String, Value)]) -> String {
    fn keys(v: &Value, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            for (k, v) in m {
                out.push(k.clone());
                keys(v, out);
            }
        }
    }
    let mut all: Vec<String> = Vec::new();
    for (k, v) in entries {
        all.push(k.clone());
        keys(v, &mut all);
    }
    [Dim::Memory, Dim::Cpus, Dim::Pids]
        .into_iter()
        .filter(|d| {
            let (a, b, _) = names(*d);
            all.iter().any(|k| k == a || k == b)
        })
        .map(|d| names(d).2)
        .collect::<Vec<_>>()
        .join(", ")
}
