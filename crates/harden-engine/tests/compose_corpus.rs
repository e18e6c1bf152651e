//! Every compose file of the shared corpus at every tier, all fixes on: the
//! output re-parses strictly, equals the input value plus exactly the applied
//! changes, keeps its comments (a trailing comment may leave only with the
//! line it trails), and a second run proposes nothing. A file the tool cannot
//! handle must end as a reported error, never as corrupted output.

mod common;

use harden_core::{FileKind, Tier};
use harden_engine::Settings;
use harden_profile::Profile;

/// Why the output lost a comment it should keep, if it did. Full-line
/// comments must all stay; a trailing comment may go only with its line.
fn lost_comment(original: &str, fixed: &str) -> Option<String> {
    for line in original.lines() {
        let line = line.trim_end_matches('\r');
        let Some(i) = comment_start(line) else {
            continue;
        };
        let comment = &line[i..];
        if fixed.matches(comment).count() >= original.matches(comment).count() {
            continue;
        }
        let code = line[..i].trim();
        let whole_line = code.is_empty();
        if whole_line || fixed.lines().any(|l| l.trim_end_matches('\r') == line) {
            return Some(format!("comment `{comment}` was lost"));
        }
    }
    None
}

/// Byte offset of a `#` that starts a comment: at line start or after a
/// blank, outside quotes (a rough scan that is enough for the corpus).
fn comment_start(line: &str) -> Option<usize> {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && (prev == ' ' || prev == '\t') => return Some(i),
            _ => {}
        }
        prev = c;
    }
    None
}

/// Ok((changed, applied fixes)) or the failure.
fn check_file(text: &str, settings: &Settings) -> Result<(bool, usize), String> {
    let outcome = common::try_fix_all(FileKind::Compose, text, settings)
        .map_err(|e| format!("refused: {e}"))?;
    if let Some(r) = outcome.rejected.first() {
        return Err(format!(
            "fix rejected by verification: {} {}: {}",
            r.finding.rule.code, r.finding.target, r.reason
        ));
    }
    if !outcome.converged {
        return Err("the fix loop did not converge".into());
    }
    common::value_is_input_plus_changes(FileKind::Compose, text, &outcome)?;
    if let Some(lost) = lost_comment(text, &outcome.fixed) {
        return Err(lost);
    }
    let second = common::fix_all(FileKind::Compose, &outcome.fixed, settings);
    if second.changed() || !second.applied.is_empty() {
        return Err("a second run changed the output".into());
    }
    Ok((outcome.changed(), outcome.applied.len()))
}

#[test]
fn every_corpus_compose_file_at_every_tier() {
    let Some(corpus) = harden_core::requirement::shared("corpus") else {
        return;
    };
    let mut files = common::corpus_files("compose").expect("shared corpus present");
    files.sort();
    files.dedup();
    assert!(
        files.len() >= 200,
        "expected the corpus' compose files, found {}",
        files.len()
    );
    let start = std::time::Instant::now();
    let (mut changed, mut unchanged, mut refused, mut fixes, mut failed) =
        (0, 0, Vec::new(), 0, Vec::new());
    for tier in Tier::ALL {
        let settings = Settings::new(Profile::builtin(), tier);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(corpus.join(file)) else {
                refused.push(format!("tier {tier} {file}: unreadable"));
                continue;
            };
            match check_file(&text, &settings) {
                Ok((true, n)) => {
                    changed += 1;
                    fixes += n;
                }
                Ok((false, _)) => unchanged += 1,
                Err(e) if e.starts_with("refused") => {
                    refused.push(format!("tier {tier} {file}: {e}"))
                }
                Err(e) => failed.push(format!("tier {tier} {file}: {e}")),
            }
        }
    }
    println!(
        "compose corpus: {} files x 4 tiers: {changed} changed ({fixes} fixes applied), {unchanged} unchanged, {} refused with an error, {} failed, {:.1}s",
        files.len(),
        refused.len(),
        failed.len(),
        start.elapsed().as_secs_f64()
    );
    for r in &refused {
        println!("  {r}");
    }
    assert!(failed.is_empty(), "failures:\n{}", failed.join("\n"));
}
