use harden_core::{
    Applicability, Change, FileKind, Finding, Fix, NewFile, RuleMeta, Severity, Tier,
};
use harden_yaml::{Found, NodeId};
use serde_json::Value;

use super::{
    append_items_fix, findings_from, from_project, key_range, owner_label, plan_add_key, selected,
    service_list, ComposeCx, Service,
};
use crate::{seccomp, Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP012",
    name: "seccomp-profile-missing",
    kind: FileKind::Compose,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe · creates a file",
    summary: "A service runs with Docker's default seccomp profile, which still allows ptrace and process_vm_readv (and io_uring before Docker 25.0)",
    breakage: "gdb, strace, py-spy, `node --cpu-prof` attach and rr; sandboxes nested inside the container (bubblewrap, used by Claude Code's and Codex's own sandboxes). A `docker compose` run with `--project-directory` elsewhere does not find the file",
    doc: include_str!("../../../../docs/rules/CP012.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// The value of a `seccomp` option (`seccomp:x`, `seccomp=x`), if `opt` is one.
fn seccomp_value(opt: &str) -> Option<&str> {
    let rest = opt.trim().strip_prefix("seccomp")?;
    Some(rest.strip_prefix([':', '='])?.trim())
}

/// Whether a `seccomp` option value names a profile file. Compose reads any
/// value other than `unconfined` and `builtin` as a file path.
fn is_file(value: &str) -> bool {
    !value.is_empty()
        && !value.eq_ignore_ascii_case("unconfined")
        && !value.eq_ignore_ascii_case("builtin")
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let file_name = &cx.profile.seccomp.file_name;
    let reference = from_project(cx, file_name);
    let option = reference.map(|r| Value::String(format!("seccomp:{r}")));
    let title = format!("Write {file_name} and load it from `security_opt`");
    // The profile is generated only for a fix that writes it.
    let with_file = |fix: Fix| {
        fix.with_new_file(NewFile {
            relative_path: file_name.clone(),
            content: seccomp::profile_json(cx.profile),
        })
    };
    let mut out = Vec::new();
    let mut lacking: Vec<Service> = Vec::new();
    // Lists without a profile, each with the first place it is found and
    // every service that uses it.
    let mut lists: Vec<(NodeId, Found, Vec<Service>)> = Vec::new();
    // The file that defines a service first loads its profile; an
    // unconfined item elsewhere is CP006's.
    for svc in selected(cx).into_iter().filter(|s| cx.usage.owns(&s.name)) {
        let Some(found) = doc.lookup(svc.map, "security_opt") else {
            lacking.push(svc);
            continue;
        };
        let list = doc.resolve(found.entry.value);
        let loads_file = doc
            .items(list)
            .iter()
            .filter_map(|n| doc.scalar(*n).and_then(seccomp_value))
            .any(is_file);
        if loads_file {
            continue;
        }
        match lists.iter_mut().find(|(l, _, _)| *l == list) {
            Some((_, _, users)) => users.push(svc),
            None => lists.push((list, found, vec![svc])),
        }
    }
    let message = |s: &[Service]| {
        format!(
            "{} {} no seccomp profile of {}",
            service_list(s),
            if s.len() == 1 { "loads" } else { "load" },
            if s.len() == 1 { "its own" } else { "their own" }
        )
    };
    for (list, found, users) in lists {
        let target = format!("{}/security_opt", owner_label(doc, &users[0], found.via));
        let f = Finding::new(&META, doc.entry_range(found.entry), target, message(&users));
        let option = match (&option, doc.is_sequence(list)) {
            (Err(e), _) => {
                out.push(f.with_note(*e));
                continue;
            }
            (_, false) => {
                out.push(f.with_note("no automatic fix: `security_opt` is not a list"));
                continue;
            }
            (Ok(o), true) => o,
        };
        let items = doc.items(list);
        // A `seccomp:unconfined` or `seccomp:builtin` item gives way to the
        // profile; otherwise the profile is appended.
        let last_seccomp = items
            .iter()
            .rposition(|n| doc.scalar(*n).and_then(seccomp_value).is_some());
        let fix = match last_seccomp {
            Some(i) => doc
                .edits()
                .replace_scalar(items[i], option)
                .map(|edit| {
                    let changes = doc
                        .paths_of(items[i])
                        .into_iter()
                        .map(|path| Change::Set {
                            path,
                            value: option.clone(),
                        })
                        .collect();
                    Fix::new(&title, Applicability::Unsafe, vec![edit], changes)
                })
                .map_err(|e| e.to_string()),
            None => append_items_fix(
                doc,
                list,
                std::slice::from_ref(option),
                &title,
                Applicability::Unsafe,
            ),
        };
        out.push(match fix {
            Ok(fix) => f.with_fix(with_file(fix)),
            Err(e) => f.with_note(format!("no automatic fix: {e}")),
        });
    }
    match option {
        Ok(option) => {
            let entries = [("security_opt".to_string(), Value::Array(vec![option]))];
            let planned = plan_add_key(doc, &lacking, &entries, &title, Applicability::Unsafe);
            let planned = planned
                .into_iter()
                .map(|mut p| {
                    p.fix = p.fix.map(with_file);
                    p
                })
                .collect();
            out.extend(findings_from(&META, planned, message));
        }
        Err(e) => out.extend(lacking.iter().map(|svc| {
            Finding::new(
                &META,
                key_range(doc, svc),
                svc.target("security_opt"),
                message(std::slice::from_ref(svc)),
            )
            .with_note(e)
        })),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_counts_as_a_profile() {
        assert_eq!(seccomp_value("seccomp:./s.json"), Some("./s.json"));
        assert_eq!(seccomp_value(" seccomp=/p/s.json"), Some("/p/s.json"));
        assert_eq!(seccomp_value("apparmor:x"), None);
        assert_eq!(seccomp_value("seccompx"), None);
        assert!(is_file("./s.json"));
        assert!(!is_file("unconfined") && !is_file("Builtin") && !is_file(""));
    }
}
