//! Every devcontainer.json of the shared corpus at every tier, all fixes on:
//! the output re-parses, equals the input value plus exactly the applied
//! changes, keeps its comments (a trailing comment may leave only with the
//! line it trails), and a second run proposes nothing. A file the tool cannot
//! handle must end as a reported error.

mod common;

use harden_core::{FileKind, Tier};
use harden_engine::Settings;
use harden_profile::Profile;

fn comments(text: &str) -> Vec<(usize, String)> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let offset = text.len() - body.len();
    let collect = jsonc_parser::CollectOptions {
        comments: jsonc_parser::CommentCollectionStrategy::Separate,
        tokens: false,
    };
    let parsed = jsonc_parser::parse_to_ast(body, &collect, &Default::default()).expect("parses");
    let mut out: Vec<(usize, String)> = parsed
        .comments
        .into_iter()
        .flat_map(|map| {
            map.into_values()
                .flat_map(|list| list.iter().cloned().collect::<Vec<_>>())
        })
        .map(|c| {
            use jsonc_parser::common::Ranged;
            let r = c.range();
            (
                r.start + offset,
                text[r.start + offset..r.end + offset].to_string(),
            )
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why the output lost a comment it should keep, if it did.
fn lost_comment(original: &str, fixed: &str) -> Option<String> {
    for (start, comment) in comments(original) {
        if fixed.matches(comment.as_str()).count() >= original.matches(comment.as_str()).count() {
            continue;
        }
        let line_start = original[..start].rfind('\n').map_or(0, |i| i + 1);
        let code = original[line_start..start]
            .trim()
            .trim_end_matches(',')
            .trim();
        let removed_with_its_line = !code.is_empty() && !fixed.contains(code);
        if !removed_with_its_line {
            return Some(format!("comment `{comment}` was lost"));
        }
    }
    None
}

fn check_file(text: &str, settings: &Settings) -> Result<bool, String> {
    let outcome = common::try_fix_all(FileKind::Devcontainer, text, settings)
        .map_err(|e| format!("refused: {e}"))?;
    if !outcome.rejected.is_empty() {
        return Err(format!(
            "fix rejected by verification: {}",
            outcome.rejected[0].reason
        ));
    }
    common::value_is_input_plus_changes(FileKind::Devcontainer, text, &outcome)?;
    if let Some(lost) = lost_comment(text, &outcome.fixed) {
        return Err(lost);
    }
    let second = common::fix_all(FileKind::Devcontainer, &outcome.fixed, settings);
    if second.changed() || !second.applied.is_empty() {
        return Err("a second run changed the output".into());
    }
    Ok(outcome.changed())
}

#[test]
fn every_corpus_devcontainer_at_every_tier() {
    let Some(corpus) = harden_core::requirement::shared("corpus") else {
        return;
    };
    let files = common::corpus_files("devcontainer-json").expect("shared corpus present");
    assert!(
        files.len() > 300,
        "expected the corpus' devcontainer files, found {}",
        files.len()
    );
    let (mut changed, mut unchanged, mut refused, mut failed) = (0, 0, 0, Vec::new());
    for tier in Tier::ALL {
        let settings = Settings::new(Profile::builtin(), tier);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(corpus.join(file)) else {
                refused += 1;
                continue;
            };
            match check_file(&text, &settings) {
                Ok(true) => changed += 1,
                Ok(false) => unchanged += 1,
                Err(e) if e.starts_with("refused") => refused += 1,
                Err(e) => failed.push(format!("tier {tier} {file}: {e}")),
            }
        }
    }
    println!(
        "devcontainer corpus: {} files x 4 tiers: {changed} changed, {unchanged} unchanged, {refused} refused with an error, {} failed",
        files.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "failures:\n{}", failed.join("\n"));
}
