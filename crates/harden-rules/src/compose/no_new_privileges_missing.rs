use harden_core::{Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{
    append_items_fix, findings_from, owner_label, plan_add_key, selected, service_list, ComposeCx,
    Service,
};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP007",
    name: "no-new-privileges-missing",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A service can gain privileges through setuid binaries (no `no-new-privileges:true`)",
    breakage:
        "`sudo` and other setuid programs stop working, including lifecycle scripts that use them",
    doc: include_str!("../../../../docs/rules/CP007.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

const OPTION: &str = "no-new-privileges:true";

/// `Some(true)` for an option that sets no-new-privileges, `Some(false)` for one that unsets it.
fn nnp(opt: &str) -> Option<bool> {
    let o = opt.trim().to_ascii_lowercase().replace('=', ":");
    match o.as_str() {
        "no-new-privileges" | "no-new-privileges:true" => Some(true),
        s if s.starts_with("no-new-privileges:") => Some(false),
        _ => None,
    }
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let mut lacking: Vec<Service> = Vec::new();
    let mut seen = Vec::new();
    for svc in selected(cx) {
        let Some(found) = doc.lookup(svc.map, "security_opt") else {
            if cx.usage.owns(&svc.name) {
                lacking.push(svc);
            }
            continue;
        };
        let list = doc.resolve(found.entry.value);
        let items = doc.items(list);
        let states: Vec<(usize, bool)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| doc.scalar(*n).and_then(nnp).map(|b| (i, b)))
            .collect();
        // The file that defines the service first adds the option; here
        // only a `no-new-privileges:false` needs turning.
        let added_elsewhere = states.is_empty() && !cx.usage.owns(&svc.name);
        if states.last().is_some_and(|(_, on)| *on)
            || added_elsewhere
            || seen.contains(&list)
            || !doc.is_sequence(list)
        {
            continue;
        }
        seen.push(list);
        let target = format!("{}/security_opt", owner_label(doc, &svc, found.via));
        let range = doc.entry_range(found.entry);
        let value = Value::String(OPTION.into());
        let fix = match states.last() {
            Some((i, _)) => doc
                .edits()
                .replace_scalar(items[*i], &value)
                .map(|edit| {
                    let changes = doc
                        .paths_of(items[*i])
                        .into_iter()
                        .map(|path| Change::Set {
                            path,
                            value: value.clone(),
                        })
                        .collect();
                    Fix::new(
                        "Set `no-new-privileges:true`",
                        Applicability::Unsafe,
                        vec![edit],
                        changes,
                    )
                })
                .map_err(|e| e.to_string()),
            None => append_items_fix(
                doc,
                list,
                &[value],
                "Add `no-new-privileges:true` to `security_opt`",
                Applicability::Unsafe,
            ),
        };
        let f = Finding::new(
            &META,
            range,
            target,
            format!(
                "service `{}` does not set `no-new-privileges:true`",
                svc.name
            ),
        );
        out.push(match fix {
            Ok(fix) => f.with_fix(fix),
            Err(e) => f.with_note(format!("no automatic fix: {e}")),
        });
    }
    let entries = [(
        "security_opt".to_string(),
        Value::Array(vec![Value::String(OPTION.into())]),
    )];
    let planned = plan_add_key(
        doc,
        &lacking,
        &entries,
        "Add `security_opt: [no-new-privileges:true]`",
        Applicability::Unsafe,
    );
    out.extend(findings_from(&META, planned, |s| {
        format!(
            "{} {} not set `no-new-privileges:true`",
            service_list(s),
            if s.len() == 1 { "does" } else { "do" }
        )
    }));
    out
}
