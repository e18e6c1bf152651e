//! Each rule's metadata has one source, its `META`; the parts of
//! `docs/rules/CODE.md` that repeat it (the title, the tier, the kind, the
//! fix, what may break) are generated from it. This test fails when a
//! committed doc is stale; `UPDATE_DOCS=1 cargo test -p harden-rules --test
//! docs` rewrites them.

use std::path::{Path, PathBuf};

use harden_core::RuleMeta;

const BREAKAGE: &str = "## What may break";

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

/// The doc as META says it should be: the generated header and breakage
/// section around the hand-written sections of `current`.
fn generated(meta: &RuleMeta, current: &str) -> String {
    let body_start = current.find("\n## ").map_or(current.len(), |i| i + 1);
    let body = &current[body_start..];
    let (before, after) = match body.find(BREAKAGE) {
        Some(i) => {
            let rest = &body[i + BREAKAGE.len()..];
            let next = rest.find("\n## ").map_or(rest.len(), |j| j + 1);
            (&body[..i], &rest[next..])
        }
        None => (body, ""),
    };
    let mut out = format!(
        "# {} {}\n\n**Tier {} · {} · {}**\n\n{}",
        meta.code,
        meta.name,
        meta.tier,
        meta.kind.name(),
        meta.fix,
        before.trim_end()
    );
    out.push_str(&format!(
        "\n\n{BREAKAGE}\n{}.\n",
        meta.breakage.trim_end_matches('.')
    ));
    if !after.trim().is_empty() {
        out.push('\n');
        out.push_str(after.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn rule_docs_are_generated_from_meta() {
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for rule in harden_rules::all_rules() {
        let meta = rule.meta;
        let path = docs_dir().join(format!("{}.md", meta.code));
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        let want = generated(meta, &current);
        assert_eq!(
            generated(meta, &want),
            want,
            "{}: generation is a fixed point",
            meta.code
        );
        if want != current {
            if update {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(meta.code);
            }
        }
        assert!(
            current.contains("## What it detects") || update,
            "{}: the doc needs its hand-written `## What it detects` section",
            meta.code
        );
    }
    assert!(
        stale.is_empty(),
        "stale rule docs {stale:?}: run `UPDATE_DOCS=1 cargo test -p harden-rules --test docs` (and rebuild: the docs are compiled in)"
    );
}
