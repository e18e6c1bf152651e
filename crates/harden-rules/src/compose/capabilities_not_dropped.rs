use harden_core::{Applicability, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{
    capability_name, findings_from, join_inserts, key_range, plan_add_key, push_group, selected,
    service_list, string_items, ComposeCx, Groups, Service,
};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP002",
    name: "capabilities-not-dropped",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A service keeps Docker's default Linux capabilities (no `cap_drop: [ALL]`)",
    breakage: "Runtime `apt-get`, `sudo`, `chown` and raw-socket tools fail when their capability is not on the allowlist",
    doc: include_str!("../../../../docs/rules/CP002.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let allow: Vec<String> = cx
        .profile
        .capabilities
        .add_allowlist
        .iter()
        .map(|c| capability_name(c))
        .collect();
    let mut out = Vec::new();
    // Services that get new keys, grouped by the entries they need.
    let mut groups: Groups = Vec::new();
    // The file that defines a service first gets its `ALL`; the merged
    // project's `cap_drop` holds the items of every file.
    for svc in selected(cx).into_iter().filter(|s| cx.usage.owns(&s.name)) {
        let drops = string_items(doc, &svc, "cap_drop");
        if drops.iter().any(|(_, _, c)| capability_name(c) == "ALL") {
            continue;
        }
        let adds: Vec<String> = string_items(doc, &svc, "cap_add")
            .iter()
            .map(|(_, _, c)| capability_name(c))
            .collect();
        let missing: Vec<Value> = allow
            .iter()
            .filter(|c| !adds.contains(c))
            .map(|c| Value::String(c.clone()))
            .collect();
        let cap_drop = doc.get(svc.map, "cap_drop");
        let cap_add = doc.lookup(svc.map, "cap_add");
        let inherited = doc.lookup(svc.map, "cap_drop").is_some() && cap_drop.is_none()
            || cap_add.is_some_and(|f| f.via.is_some());
        if cap_drop.is_none() && cap_add.is_none() && !inherited {
            let mut entries = vec![(
                "cap_drop".to_string(),
                Value::Array(vec![Value::String("ALL".into())]),
            )];
            if !missing.is_empty() {
                entries.push(("cap_add".to_string(), Value::Array(missing)));
            }
            push_group(&mut groups, entries, svc);
            continue;
        }
        let f = Finding::new(
            &META,
            key_range(doc, &svc),
            svc.target("cap_drop"),
            format!("service `{}` does not drop all capabilities", svc.name),
        );
        if inherited {
            out.push(
                f.with_note("`cap_drop` or `cap_add` comes from a merged anchor: add `ALL` there"),
            );
            continue;
        }
        out.push(match edit_in_place(doc, &svc, &missing) {
            Ok(fix) => f.with_fix(fix),
            Err(e) => f.with_note(format!("no automatic fix: {e}")),
        });
    }
    for (entries, svcs) in groups {
        let title = if entries.len() > 1 {
            "Drop all capabilities and add back the profile's allowlist"
        } else {
            "Drop all capabilities"
        };
        let planned = plan_add_key(doc, &svcs, &entries, title, Applicability::Unsafe);
        out.extend(findings_from(&META, planned, |s| {
            format!(
                "{} {} not drop all capabilities",
                service_list(s),
                if s.len() == 1 { "does" } else { "do" }
            )
        }));
    }
    out
}

/// Add `ALL` to the service's own `cap_drop` and the missing allowlist
/// capabilities to its own `cap_add`, creating either list when absent.
fn edit_in_place(
    doc: &harden_yaml::YamlDoc,
    svc: &Service,
    missing: &[Value],
) -> Result<Fix, String> {
    let mut edits = Vec::new();
    let mut changes = Vec::new();
    let mut new_keys: Vec<(String, Value)> = Vec::new();
    let all = Value::String("ALL".into());
    let lists = [("cap_drop", vec![all]), ("cap_add", missing.to_vec())];
    for (key, values) in lists {
        if values.is_empty() {
            continue;
        }
        match doc.get(svc.map, key) {
            Some(e) if doc.is_sequence(e.value) && doc.resolve(e.value) == e.value => {
                let (e, c) = doc
                    .append_items_patch(e.value, &values)
                    .map(harden_core::Patch::into_parts)?;
                edits.extend(e);
                changes.extend(c);
            }
            Some(_) => return Err(format!("`{key}` is not a plain list")),
            None => new_keys.push((key.to_string(), Value::Array(values))),
        }
    }
    if !new_keys.is_empty() {
        let (e, c) = doc
            .insert_entries_patch(svc.map, &new_keys)
            .map(harden_core::Patch::into_parts)?;
        edits.extend(e);
        changes.extend(c);
    }
    Ok(Fix::new(
        "Drop all capabilities and add back the profile's allowlist",
        Applicability::Unsafe,
        join_inserts(edits),
        changes,
    ))
}
