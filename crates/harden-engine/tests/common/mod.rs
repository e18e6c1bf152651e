//! Shared helpers for the engine's fixture and corpus tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use harden_core::{apply_changes, unified_diff, Applicability, FileKind, Finding, Tier};
use harden_engine::{parse_value, process_text, Decision, FileError, FileOutcome, Settings};
use harden_profile::Profile;

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn shared_dir() -> PathBuf {
    harden_core::requirement::shared_dir()
}

/// Settings that run every rule up to tier 4, or only `code` when given.
pub fn settings_for(code: Option<&str>) -> Settings {
    let settings = Settings::new(Profile::builtin(), Tier::MAX);
    match code {
        Some(code) => {
            assert!(harden_rules::rule_by_code(code).is_some(), "no rule {code}");
            settings.only(&[code])
        }
        None => settings,
    }
}

/// The decision that applies every safe and unsafe fix.
pub fn apply_all(f: &Finding, _: &str, _: &str) -> Decision {
    match &f.fix {
        Some(fix) if fix.applicability >= Applicability::Unsafe => Decision::Apply,
        _ => Decision::Skip,
    }
}

/// Run with every safe and unsafe fix applied; a refused file is the error.
pub fn try_fix_all(
    kind: FileKind,
    text: &str,
    settings: &Settings,
) -> Result<FileOutcome, FileError> {
    // Where a dev container config usually sits: the rules that write files
    // next to it (DC010, DC011) need a `.devcontainer` folder.
    let path = match kind {
        FileKind::Devcontainer => ".devcontainer/devcontainer.json",
        FileKind::ClaudeSettings => ".claude/settings.json",
        FileKind::CodexConfig => ".codex/config.toml",
        _ => "fixture",
    };
    try_fix_all_at(kind, path, text, settings)
}

/// Like [`try_fix_all`], for a file shown as `path`.
pub fn try_fix_all_at(
    kind: FileKind,
    path: &str,
    text: &str,
    settings: &Settings,
) -> Result<FileOutcome, FileError> {
    process_text(path, kind, text, settings, &mut apply_all)
}

/// Run with every safe and unsafe fix applied.
pub fn fix_all(kind: FileKind, text: &str, settings: &Settings) -> FileOutcome {
    try_fix_all(kind, text, settings).expect("fixture parses")
}

/// The local names of the shared corpus files of one MANIFEST kind
/// (`devcontainer-json`, `compose`, `dockerfile`); `None` without the corpus.
pub fn corpus_files(kind: &str) -> Option<Vec<String>> {
    let manifest = std::fs::read_to_string(shared_dir().join("corpus/MANIFEST.tsv")).ok()?;
    Some(
        manifest
            .lines()
            .skip(1)
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                (cols.get(4) == Some(&kind)).then(|| cols[0].to_string())
            })
            .collect(),
    )
}

/// Ok when the output parses and its value is the input's value with the
/// applied fixes' changes, in the order they were applied.
pub fn value_is_input_plus_changes(
    kind: FileKind,
    text: &str,
    outcome: &FileOutcome,
) -> Result<(), String> {
    let before = parse_value(kind, text).map_err(|e| e.to_string())?;
    let after =
        parse_value(kind, &outcome.fixed).map_err(|e| format!("output does not parse: {e}"))?;
    let changes: Vec<_> = outcome
        .applied
        .iter()
        .flat_map(|f| f.fix.as_ref().expect("applied fixes exist").changes.clone())
        .collect();
    let expected = apply_changes(&before, &changes).map_err(|e| e.to_string())?;
    if expected != after {
        return Err("output value differs from input plus the applied changes".into());
    }
    Ok(())
}

fn visible(s: &str) -> String {
    s.replace('\r', "␍")
        .replace('\u{feff}', "<BOM>")
        .replace('\t', "→")
}

/// Findings, diff and what remains, as a snapshot; asserts that a second
/// run over the output proposes nothing.
pub fn render_case(kind: FileKind, name: &str, text: &str, settings: &Settings) -> String {
    let path = match kind {
        FileKind::Devcontainer => ".devcontainer/devcontainer.json",
        FileKind::ClaudeSettings => ".claude/settings.json",
        FileKind::CodexConfig => ".codex/config.toml",
        _ => "fixture",
    };
    render_case_at(kind, name, path, text, settings)
}

/// Like [`render_case`], for a file shown as `path`.
pub fn render_case_at(
    kind: FileKind,
    name: &str,
    path: &str,
    text: &str,
    settings: &Settings,
) -> String {
    let fix_all = |kind, text: &str, settings| {
        try_fix_all_at(kind, path, text, settings).expect("fixture parses")
    };
    let outcome = fix_all(kind, text, settings);
    let mut out = String::from("--- findings\n");
    for f in &outcome.findings {
        out.push_str(&format!(
            "{} {} {} [tier {}, {}] {}\n",
            f.start_pos, f.rule.code, f.rule.name, f.tier, f.rule.severity, f.message
        ));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("    fix ({}): {}\n", fix.applicability, fix.title));
        }
        if let Some(note) = &f.note {
            out.push_str(&format!("    note: {note}\n"));
        }
    }
    out.push_str("--- diff\n");
    let diff = unified_diff(name, Some(&outcome.original), &outcome.fixed, 2);
    out.push_str(&visible(
        diff.lines().skip(3).collect::<Vec<_>>().join("\n").as_str(),
    ));
    for f in &outcome.applied {
        for new in f.fix.iter().flat_map(|x| &x.new_files) {
            let first = new.content.lines().next().unwrap_or("");
            out.push_str(&format!(
                "\n--- new file {} ({} bytes, starts `{first}`)",
                new.relative_path,
                new.content.len()
            ));
        }
    }
    out.push_str("\n--- rejected\n");
    for r in &outcome.rejected {
        out.push_str(&format!(
            "{} {}: {}\n",
            r.finding.rule.code, r.finding.target, r.reason
        ));
    }
    assert!(outcome.converged, "{name}: did not converge");
    let second = fix_all(kind, &outcome.fixed, settings);
    assert_eq!(
        second.fixed, outcome.fixed,
        "{name}: a second run changed the output"
    );
    assert!(
        second.findings.iter().all(|f| f
            .fix
            .as_ref()
            .is_none_or(|x| x.applicability < Applicability::Unsafe)),
        "{name}: a second run still proposes fixes"
    );
    out
}

/// Fixture files in `tests/fixtures/<dir>`, sorted.
pub fn fixtures(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/fixtures").join(dir))
        .expect("fixture dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The rule code a fixture is for (`DC001_x.json`), or `None` for `all_*`.
pub fn fixture_rule(path: &Path) -> Option<String> {
    let stem = path.file_name()?.to_str()?;
    let code = stem.split('_').next()?;
    (code != "all").then(|| code.to_string())
}

/// Run with every safe and unsafe fix applied, checking each fix as it is
/// decided: the lines its text changes, against the text it applies to, all
/// hold a byte one of its edits touches (or neighbour one), so bytes away
/// from the edits stay as they were. Returns the outcome and the problems.
pub fn fix_all_local(
    kind: FileKind,
    path: &str,
    text: &str,
    settings: &Settings,
) -> Result<(FileOutcome, Vec<String>), FileError> {
    let mut problems = Vec::new();
    let mut decide = |f: &Finding, current: &str, alone: &str| {
        let d = apply_all(f, current, alone);
        if d == Decision::Apply {
            if let Err(e) = only_edited_lines_changed(current, alone, std::slice::from_ref(f)) {
                problems.push(format!("{} {}: {e}", f.rule.code, f.target));
            }
        }
        d
    };
    let outcome = process_text(path, kind, text, settings, &mut decide)?;
    Ok((outcome, problems))
}

/// Ok when every line of `original` that the diff to `fixed` deletes or
/// changes holds a byte, or neighbours a line, that an edit of `findings`'
/// fixes touches.
pub fn only_edited_lines_changed(
    original: &str,
    fixed: &str,
    findings: &[Finding],
) -> Result<(), String> {
    let index = harden_core::LineIndex::new(original);
    let line_of = |at: usize| index.line_col(original, at.min(original.len())).line - 1;
    let mut touched = std::collections::BTreeSet::new();
    for f in findings {
        for e in f.fix.iter().flat_map(|x| &x.edits) {
            let (a, b) = (line_of(e.start), line_of(e.end.max(e.start)));
            touched.extend(a.saturating_sub(1)..=b + 1);
        }
    }
    let diff = similar::TextDiff::from_lines(original, fixed);
    for op in diff.ops() {
        let (tag, old, _) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal || tag == similar::DiffTag::Insert {
            continue;
        }
        if let Some(line) = old.clone().find(|l| !touched.contains(l)) {
            return Err(format!(
                "line {} changed, away from every fix edit",
                line + 1
            ));
        }
    }
    Ok(())
}

/// The posture of each container a config creates, by name (`""` for a
/// devcontainer.json); `None` for kinds without one.
pub fn postures(
    kind: FileKind,
    text: &str,
    settings: &Settings,
) -> Option<Vec<(String, harden_rules::posture::Posture)>> {
    use harden_core::Document;
    match kind {
        FileKind::Devcontainer => {
            let doc = harden_jsonc::JsoncDoc::parse(text).ok()?;
            let inputs = harden_core::FixInputs::default();
            let cx = harden_rules::DevcontainerCx {
                doc: &doc,
                profile: &settings.profile,
                inputs: &inputs,
                path: ".devcontainer/devcontainer.json",
                compose: None,
                built: None,
            };
            Some(vec![(
                String::new(),
                harden_rules::posture::devcontainer(&cx),
            )])
        }
        FileKind::Compose => {
            let doc = harden_yaml::YamlDoc::parse(text).ok()?;
            let usage = harden_rules::ComposeUsage::default();
            let cx = harden_rules::ComposeCx::new(&doc, &settings.profile, &usage);
            Some(harden_rules::posture::compose(&cx))
        }
        _ => None,
    }
}

/// Never weaker: no container the input has is less protected in `fixed`,
/// in any dimension. On success, how many dimensions improved.
pub fn posture_not_weaker(
    kind: FileKind,
    text: &str,
    fixed: &str,
    settings: &Settings,
) -> Result<usize, String> {
    let (Some(before), Some(after)) = (
        postures(kind, text, settings),
        postures(kind, fixed, settings),
    ) else {
        return Ok(0);
    };
    let mut improved = 0;
    for (name, was) in &before {
        let Some((_, now)) = after.iter().find(|(n, _)| n == name) else {
            return Err(format!("container `{name}` is gone after the fixes"));
        };
        let weaker = was.weakened(now);
        if !weaker.is_empty() {
            return Err(format!(
                "`{name}` is weaker after the fixes: {}",
                weaker.join("; ")
            ));
        }
        improved += was.improved(now);
    }
    Ok(improved)
}
