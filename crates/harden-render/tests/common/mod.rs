//! Runs the engine on fixtures and hostile inputs to get reports to render.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use harden_core::{Applicability, FileKind, Finding, RuleMeta, Tier};
use harden_engine::{process_text, Decision, FileError, FileOutcome, Settings};
use harden_profile::Profile;
use harden_render::{render, Format, Mode, Report};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn settings() -> Settings {
    Settings::new(Profile::builtin(), Tier::MAX)
}

/// Tiers 1 and 2: what the snapshots use (tier 3 adds a generated seccomp
/// profile that would swamp them).
pub fn settings_t2() -> Settings {
    Settings::new(Profile::builtin(), Tier::T2)
}

/// Check (`Mode::Check`: nothing applied) or diff (every safe and unsafe fix).
pub fn outcome(path: &str, text: &str, mode: Mode) -> FileOutcome {
    outcome_with(path, text, mode, &settings())
}

pub fn outcome_with(path: &str, text: &str, mode: Mode, settings: &Settings) -> FileOutcome {
    let mut decide = |f: &Finding, _: &str, _: &str| match (mode, &f.fix) {
        (Mode::Diff, Some(fix)) if fix.applicability >= Applicability::Unsafe => Decision::Apply,
        _ => Decision::Skip,
    };
    process_text(path, FileKind::Devcontainer, text, settings, &mut decide)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixtures the snapshots cover, by name, so new fixtures elsewhere do
/// not change these snapshots.
pub const FIXTURES: &[&str] = &[
    "DC001_crlf_tabs_split_form.json",
    "DC003_all_forms.json",
    "DC004_cap_forms.json",
    "all_already_hardened.json",
    "all_compose_mode.json",
];

pub fn fixture_outcomes(mode: Mode) -> Vec<(String, FileOutcome)> {
    fixture_outcomes_with(mode, &settings())
}

pub fn fixture_outcomes_with(mode: Mode, settings: &Settings) -> Vec<(String, FileOutcome)> {
    FIXTURES
        .iter()
        .map(|name| {
            let text =
                std::fs::read_to_string(repo_root().join("tests/fixtures/devcontainer").join(name))
                    .unwrap();
            let path = format!("fixtures/{name}");
            let o = outcome_with(&path, &text, mode, settings);
            (path, o)
        })
        .collect()
}

pub fn active_rules() -> Vec<&'static RuleMeta> {
    settings()
        .active_rules()
        .iter()
        .map(|(r, _)| r.meta)
        .collect()
}

pub fn render_to_string(
    format: Format,
    mode: Mode,
    files: &[(String, FileOutcome)],
    errors: &[FileError],
    rules: &[&'static RuleMeta],
) -> String {
    let report = Report {
        mode,
        files,
        errors,
        rules,
        tool_version: "0.0.0-test",
        color: false,
    };
    let mut out = Vec::new();
    render(&mut out, format, &report).unwrap();
    String::from_utf8(out).unwrap()
}
