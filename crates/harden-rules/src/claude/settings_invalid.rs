use harden_core::{Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_core::{Document, PathSeg, ValuePath};
use harden_jsonc::{Node, NodeKind};

use super::{schema_errors, strict_json, ClaudeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CC001",
    name: "claude-settings-invalid",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: safe (removing `null` values); otherwise reported",
    summary: "The Claude Code settings file fails Claude's validation, so Claude skips the whole file, deny rules included",
    breakage: "Nothing: an unset port is what `null` was meant to say",
    doc: include_str!("../../../../docs/rules/CC001.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Claude(check),
};

fn check(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let root = doc.root();
    let start = root.range.start..root.range.start + 1;
    let value = match strict_json(doc.text()) {
        Err(e) => {
            return vec![Finding::new(
                &META,
                start,
                "strict-json",
                format!("the settings file is not strict JSON: {e}{}", cx.at()),
            )
            .with_note(
                "Claude's settings are JSON without comments or trailing commas; remove them",
            )];
        }
        Ok(v) => v,
    };
    let errors = schema_errors(&value);
    if errors.is_empty() {
        return Vec::new();
    }
    let mut nulls = Vec::new();
    collect_nulls(root, &ValuePath::root(), &mut nulls);
    // Only nulls the schema complains about are removed.
    nulls.retain(|(_, _, path)| errors.iter().any(|e| e.starts_with(&format!("{path}:"))));
    let mut finding = Finding::new(
        &META,
        start,
        "schema",
        format!(
            "the settings fail Claude's schema, so Claude skips the whole file{}: {}",
            cx.at(),
            errors.join("; ")
        ),
    );
    if !nulls.is_empty() {
        let mut edits: Vec<Edit> = Vec::new();
        let mut changes = Vec::new();
        // Consecutive members of one object go in one removal.
        let mut i = 0;
        while i < nulls.len() {
            let (container, first, _) = &nulls[i];
            let mut j = i + 1;
            while j < nulls.len()
                && std::ptr::eq(nulls[j].0, *container)
                && nulls[j].1 == nulls[j - 1].1 + 1
            {
                j += 1;
            }
            edits.extend(
                doc.edits()
                    .remove_children(container, *first..nulls[j - 1].1 + 1),
            );
            i = j;
        }
        for (_, _, path) in &nulls {
            changes.push(Change::Remove { path: path.clone() });
        }
        let names: Vec<String> = nulls.iter().map(|(_, _, p)| format!("`{p}`")).collect();
        finding = finding.with_fix(Fix::new(
            format!("Remove the `null` values {}", names.join(", ")),
            Applicability::Safe,
            edits,
            changes,
        ));
    } else {
        finding = finding.with_note("correct the values the schema names");
    }
    vec![finding]
}

/// Object members whose value is `null`: (object, member index, path).
fn collect_nulls<'d>(
    node: &'d Node,
    path: &ValuePath,
    out: &mut Vec<(&'d Node, usize, ValuePath)>,
) {
    match &node.kind {
        NodeKind::Object(members) => {
            for (i, m) in members.iter().enumerate() {
                let p = path.child(PathSeg::Key(m.key.clone()));
                if matches!(m.value.kind, NodeKind::Null) {
                    out.push((node, i, p));
                } else {
                    collect_nulls(&m.value, &p, out);
                }
            }
        }
        NodeKind::Array(items) => {
            for (i, n) in items.iter().enumerate() {
                collect_nulls(n, &path.child(i), out);
            }
        }
        _ => {}
    }
}
