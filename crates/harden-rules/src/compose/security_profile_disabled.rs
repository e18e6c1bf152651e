use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{owner_label, remove_items_fix, selected, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP006",
    name: "security-profile-disabled",
    kind: FileKind::Compose,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "`security_opt` turns off seccomp, AppArmor, SELinux labels or /proc masking",
    breakage: "Debuggers on old kernels and tools that need blocked syscalls",
    doc: include_str!("../../../../docs/rules/CP006.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// The option turned off, if `opt` turns one off.
pub fn disabled(opt: &str) -> Option<&'static str> {
    let o = opt.to_ascii_lowercase().replace(' ', "").replace('=', ":");
    [
        ("seccomp:unconfined", "seccomp"),
        ("apparmor:unconfined", "AppArmor"),
        ("label:disable", "SELinux labels"),
        ("systempaths:unconfined", "/proc masking"),
    ]
    .iter()
    .find(|(pat, _)| o.contains(pat))
    .map(|(_, what)| *what)
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for svc in selected(cx) {
        let Some(found) = doc.lookup(svc.map, "security_opt") else {
            continue;
        };
        let list = doc.resolve(found.entry.value);
        if seen.contains(&list) {
            continue;
        }
        seen.push(list);
        let items = doc.items(list);
        let bad: Vec<(usize, &'static str)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| doc.scalar(*n).and_then(disabled).map(|w| (i, w)))
            .collect();
        let (Some(first), Some(last)) = (bad.first(), bad.last()) else {
            continue;
        };
        let range = doc.node(items[first.0]).start..doc.node(items[last.0]).end;
        let what: Vec<&str> = bad.iter().map(|(_, w)| *w).collect();
        let target = format!("{}/security_opt", owner_label(doc, &svc, found.via));
        let f = Finding::new(
            &META,
            range,
            target,
            format!("`security_opt` turns off {}", what.join(", ")),
        );
        let indices: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
        out.push(
            match remove_items_fix(
                doc,
                list,
                &indices,
                "Remove the options that turn off confinement",
                Applicability::Unsafe,
            ) {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            },
        );
    }
    out
}
