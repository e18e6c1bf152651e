//! The agents' settings files of the shared corpus (MANIFEST kinds
//! `claude-settings` and `codex-toml`) at every tier, every safe and unsafe
//! fix on. Per file: the output re-parses; its value is the input's plus
//! exactly the applied changes; no fix was dropped by verification; the fix
//! loop converged and a second run proposes nothing; lines away from the fix
//! edits are unchanged; and a patched Claude file is strict JSON that
//! validates against the vendored settings schema. A file harden cannot
//! handle must end as a located error.

mod common;

use harden_core::{Applicability, FileKind, Tier};
use harden_engine::Settings;
use harden_profile::Profile;
use serde_json::Value;

fn claude_schema() -> jsonschema::Validator {
    let path = common::repo_root().join("crates/harden-rules/schemas/claude-code-settings.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the settings schema compiles")
}

/// Where the corpus file would sit, for its layer.
fn shown_path(kind: FileKind, file: &str) -> String {
    let name = file.rsplit("__").next().unwrap_or(file);
    match kind {
        FileKind::ClaudeSettings if name == "managed-settings.json" => {
            "managed-settings.json".into()
        }
        FileKind::ClaudeSettings if name == "settings.local.json" => {
            ".claude/settings.local.json".into()
        }
        FileKind::ClaudeSettings => ".claude/settings.json".into(),
        _ => ".codex/config.toml".into(),
    }
}

enum Outcome {
    /// With the codes of the fixes applied.
    Changed(Vec<&'static str>),
    Unchanged,
    Refused,
}

fn check(
    kind: FileKind,
    file: &str,
    text: &str,
    settings: &Settings,
    schema: &jsonschema::Validator,
) -> Result<Outcome, String> {
    let path = shown_path(kind, file);
    let (outcome, problems) = match common::fix_all_local(kind, &path, text, settings) {
        Err(e) if e.message.starts_with("internal error") => return Err(e.to_string()),
        Err(e) if e.pos.is_some() && !e.message.is_empty() => return Ok(Outcome::Refused),
        Err(e) => return Err(format!("refused without a location: {e}")),
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
    if let Some(p) = problems.first() {
        return Err(p.clone());
    }
    let second = common::try_fix_all_at(kind, &path, &outcome.fixed, settings)
        .map_err(|e| format!("the output is refused: {e}"))?;
    if second.changed() {
        return Err("a second run changed the output".into());
    }
    if second.findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability >= Applicability::Unsafe)
    }) {
        return Err("a second run still proposes fixes".into());
    }
    if !outcome.changed() {
        return Ok(Outcome::Unchanged);
    }
    if kind == FileKind::ClaudeSettings {
        let value: Value = serde_json::from_str(outcome.fixed.trim_start_matches('\u{feff}'))
            .map_err(|e| format!("the output is not strict JSON: {e}"))?;
        let first = schema
            .iter_errors(&value)
            .next()
            .map(|e| format!("{e} at {}", e.instance_path()));
        if let Some(e) = first {
            return Err(format!("the output fails the settings schema: {e}"));
        }
    }
    Ok(Outcome::Changed(
        outcome.applied.iter().map(|f| f.rule.code).collect(),
    ))
}

fn run_kind(manifest_kind: &str, kind: FileKind, at_least: usize) {
    let corpus = common::shared_dir().join("corpus");
    let files = common::corpus_files(manifest_kind).expect("shared corpus present");
    assert!(
        files.len() >= at_least,
        "expected the corpus' {manifest_kind} files, found {}",
        files.len()
    );
    let schema = claude_schema();
    let (mut changed, mut unchanged, mut refused, mut failed) = (0, 0, 0, Vec::new());
    let mut by_rule: std::collections::BTreeMap<&str, usize> = Default::default();
    // Claude files also at a recent version, which lets every gated key be written.
    let versions: &[Option<&str>] = match kind {
        FileKind::ClaudeSettings => &[None, Some("2.1.240")],
        _ => &[None],
    };
    let runs = Tier::ALL
        .into_iter()
        .flat_map(|t| versions.iter().map(move |v| (t, *v)));
    for (tier, version) in runs {
        let mut settings = Settings::new(Profile::builtin(), tier);
        settings.claude_version = version.map(str::to_string);
        for file in &files {
            let Ok(text) = std::fs::read_to_string(corpus.join(file)) else {
                refused += 1;
                continue;
            };
            match check(kind, file, &text, &settings, &schema) {
                Ok(Outcome::Changed(codes)) => {
                    changed += 1;
                    for c in codes {
                        *by_rule.entry(c).or_default() += 1;
                    }
                }
                Ok(Outcome::Unchanged) => unchanged += 1,
                Ok(Outcome::Refused) => refused += 1,
                Err(e) => failed.push(format!("tier {tier} {version:?} {file}: {e}")),
            }
        }
    }
    println!(
        "{manifest_kind} corpus: {} files x 4 tiers x {} versions: {changed} changed, {unchanged} unchanged, {refused} refused with an error, {} failed; fixes applied {by_rule:?}",
        files.len(),
        versions.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "failures:\n{}", failed.join("\n"));
}

#[test]
fn every_corpus_claude_settings_file_at_every_tier() {
    run_kind("claude-settings", FileKind::ClaudeSettings, 20);
}

#[test]
fn every_corpus_codex_config_at_every_tier() {
    run_kind("codex-toml", FileKind::CodexConfig, 7);
}

#[test]
fn the_locality_check_can_fail() {
    let text = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4\n}\n";
    let settings = Settings::new(Profile::builtin(), Tier::MAX);
    let out = common::try_fix_all_at(
        FileKind::ClaudeSettings,
        ".claude/settings.json",
        text,
        &settings,
    )
    .unwrap();
    let first = out
        .applied
        .first()
        .expect("a fix applies to a bare settings file");
    let moved = text.replace("\"a\": 1", "\"a\": 9");
    let fixed = harden_core::apply_edits(&moved, &first.fix.as_ref().unwrap().edits).unwrap();
    assert!(common::only_edited_lines_changed(text, &fixed, std::slice::from_ref(first)).is_err());
    let fixed = harden_core::apply_edits(text, &first.fix.as_ref().unwrap().edits).unwrap();
    assert!(common::only_edited_lines_changed(text, &fixed, std::slice::from_ref(first)).is_ok());
}
