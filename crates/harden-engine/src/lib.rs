//! The engine: discovery, the fix loop and verification.
//!
//! Every fix is verified before it counts: the fixed text re-parses, its
//! value equals the input's value with exactly the fix's changes applied,
//! BOM, line endings and final newline are unchanged, and the finding the
//! fix was for is gone. A fix that fails is dropped and reported; it is
//! never part of the output.

mod config;
pub mod confine;
mod discover;
mod fixloop;
mod links;
mod memo;
pub mod ordered;
mod read;
mod suppress;
mod write;

pub use config::{glob_match, Config, Ignore, CONFIG_NAME};
pub use discover::{discover, kind_of, Discovered};
pub use fixloop::{Decision, FileOutcome, Rejected, MAX_PASSES};
pub use read::{read_source, read_within, FileError, MAX_FILE_BYTES};
pub use suppress::{suppressions, Suppression};
pub use write::{
    execute, new_file_state, resolve_target, write_fixed, NewFileState, WritePlan, Written,
};

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use harden_core::{FileKind, Finding, FixInputs, LineIndex, Tier};
use harden_dockerfile::DockerfileDoc;
use harden_jsonc::JsoncDoc;
use harden_profile::Profile;
use harden_rules::ComposeCx;
use harden_rules::DockerfileCx;
use harden_rules::{
    ClaudeCx, ClaudeLayer, CodexCx, CodexLayer, DaemonCx, DevcontainerCx, HermesCx, HermesLayer,
    OpencodeCx, OpencodeLayer, RuleContext, RuleDef, VscodeCx,
};
use harden_toml::TomlDoc;
use harden_yaml::YamlDoc;

/// What a run checks: the profile, the highest tier, and the project's
/// rule switches and ignores from `harden.toml`.
pub struct Settings {
    pub profile: Profile,
    pub tier: Tier,
    /// Per-rule switches: `false` turns a rule off, `true` on at any tier.
    pub rule_switches: BTreeMap<String, bool>,
    pub ignores: Vec<Ignore>,
    /// Disregard inline `harden-ignore` comments and config ignores.
    pub no_ignore: bool,
    /// Values the user supplied for findings' input requests (a download's sha256).
    pub inputs: FixInputs,
    /// Verify each fix before it is offered (for a person answering
    /// prompts); otherwise a pass of fixes is verified as a whole.
    pub verify_each: bool,
    /// The Claude Code version whose keys may be written (`--claude-version`).
    pub claude_version: Option<String>,
}

impl Settings {
    pub fn new(profile: Profile, tier: Tier) -> Self {
        Settings {
            profile,
            tier,
            rule_switches: BTreeMap::new(),
            ignores: Vec::new(),
            no_ignore: false,
            inputs: FixInputs::default(),
            verify_each: false,
            claude_version: None,
        }
    }

    /// The rules that run, with the tier each runs in: the rules whose tier
    /// (their own, or where the profile moves them) is at most the run's,
    /// less the ones switched off, plus the ones switched on; lower tiers
    /// first.
    pub fn active_rules(&self) -> Vec<(&'static RuleDef, Tier)> {
        static RULES: std::sync::OnceLock<Vec<&'static RuleDef>> = std::sync::OnceLock::new();
        let rules = RULES.get_or_init(harden_rules::all_rules);
        let switched = |code: &str| {
            self.rule_switches
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(code))
                .map(|(_, on)| *on)
        };
        let mut active: Vec<(&'static RuleDef, Tier)> = rules
            .iter()
            .map(|r| (*r, self.profile.tier_of(r.meta.code).unwrap_or(r.meta.tier)))
            .filter(|(r, tier)| match switched(r.meta.code) {
                Some(on) => on,
                None => *tier <= self.tier,
            })
            .collect();
        active.sort_by_key(|(_, tier)| *tier);
        active
    }

    /// These settings with every rule but `codes` switched off.
    pub fn only(mut self, codes: &[&str]) -> Self {
        for rule in harden_rules::all_rules() {
            let on = codes.iter().any(|c| c.eq_ignore_ascii_case(rule.meta.code));
            self.rule_switches.insert(rule.meta.code.to_string(), on);
        }
        self
    }
}

/// Run every active rule of one kind over a document.
fn run_rules<C: RuleContext>(
    rules: &[(&'static RuleDef, Tier)],
    only: &[&str],
    cx: &C,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (rule, tier) in rules {
        if !only.is_empty() && !only.contains(&rule.meta.code) {
            continue;
        }
        if let Some(check) = C::check_of(&rule.check) {
            out.extend(check(cx).into_iter().map(|mut f| {
                f.tier = *tier;
                f
            }));
        }
    }
    out
}

/// Check and fix the text of a discovered file. `decide` is asked about
/// every fix that passed verification (see [`Decision`]). The compose-mode
/// devcontainer.json files and compose files next to it are read for their
/// links (a dev container's service and compose file, see `links.rs`),
/// confined to the file's scanned root.
///
/// A bug that panics while one file is processed ends as an error for that
/// file; the caller goes on with the others.
pub fn process_file(
    file: &Discovered,
    text: &str,
    settings: &Settings,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let dir = file.path.parent().unwrap_or(Path::new("."));
    // What is on disk where each new file would go, looked at once.
    // A file has few new files (a seccomp profile of ~50 KB asked for by
    // every fix that loads it), so a list looked up without copying them.
    type State = (String, Arc<str>, Result<NewFileState, String>);
    let mut states: Vec<State> = Vec::new();
    let mut state_of = |rel: &str, content: &Arc<str>| {
        if let Some((_, _, state)) = states.iter().find(|(r, c, _)| r == rel && c == content) {
            return state.clone();
        }
        let state = new_file_state(dir, &file.root, rel, content);
        states.push((rel.to_string(), content.clone(), state.clone()));
        state
    };
    // A fix whose new files the tree gets in the way of is never offered:
    // the file it would reference is not the one it means.
    let mut blocked: Vec<Rejected> = Vec::new();
    let mut guarded = |f: &Finding, before: &str, after: &str| {
        let fix = f.fix.as_ref().expect("asked only about fixes");
        for new in &fix.new_files {
            if let Err(reason) = state_of(&new.relative_path, &new.content) {
                blocked.push(Rejected {
                    finding: f.clone(),
                    reason,
                });
                return Decision::Skip;
            }
        }
        decide(f, before, after)
    };
    let mut outcome = process_in(
        &file.display,
        &file.root,
        file.kind,
        text,
        settings,
        &mut guarded,
    )?;
    // A file that is already there as the fix writes it is not shown as new.
    for f in &mut outcome.applied {
        if let Some(fix) = f.fix.as_mut() {
            fix.new_files
                .retain(|n| state_of(&n.relative_path, &n.content) != Ok(NewFileState::Identical));
        }
    }
    outcome.blocked = blocked;
    Ok(outcome)
}

/// [`process_file`] for text that `display_path` names, with links read
/// only under the current directory.
pub fn process_text(
    display_path: &str,
    kind: FileKind,
    text: &str,
    settings: &Settings,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let cwd = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .unwrap_or_default();
    process_in(display_path, &cwd, kind, text, settings, decide)
}

fn process_in(
    display_path: &str,
    root: &Path,
    kind: FileKind,
    text: &str,
    settings: &Settings,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let run = std::panic::AssertUnwindSafe(|| {
        process_kind(display_path, root, kind, text, settings, decide)
    });
    std::panic::catch_unwind(run).unwrap_or_else(|_| {
        Err(FileError::new(
            display_path,
            None,
            "internal error: harden crashed on this file; nothing was written for it (please report it)",
        ))
    })
}

fn process_kind(
    display_path: &str,
    root: &Path,
    kind: FileKind,
    text: &str,
    settings: &Settings,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let rules = settings.active_rules();
    match kind {
        FileKind::Devcontainer => {
            let compose_rules = rules
                .iter()
                .filter(|(r, _)| r.kind() == FileKind::Compose)
                .map(|(r, _)| r.meta.code)
                .collect();
            let value = links::config_value(text).unwrap_or_default();
            let target =
                links::compose_target(Path::new(display_path), root, &value, compose_rules);
            let built = links::built_image(Path::new(display_path), root, &value);
            let check = |doc: &JsoncDoc, only: &[&str]| {
                let cx = DevcontainerCx {
                    doc,
                    profile: &settings.profile,
                    inputs: &settings.inputs,
                    path: display_path,
                    compose: target.as_ref(),
                    built: built.as_ref(),
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<JsoncDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::Compose => {
            let within_limit = |doc: &YamlDoc| services_within_limit(display_path, doc);
            let usage = links::compose_usage(Path::new(display_path), root);
            let check = |doc: &YamlDoc, only: &[&str]| {
                let cx = ComposeCx::new(doc, &settings.profile, &usage);
                run_rules(&rules, only, &cx)
            };
            run_checked::<YamlDoc>(display_path, text, settings, &within_limit, &check, decide)
        }
        FileKind::Dockerfile => {
            let check = |doc: &DockerfileDoc, only: &[&str]| {
                let cx = DockerfileCx::new(doc, &settings.profile, &settings.inputs);
                run_rules(&rules, only, &cx)
            };
            run_checked::<DockerfileDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::DockerDaemon => {
            let check = |doc: &JsoncDoc, only: &[&str]| {
                let cx = DaemonCx {
                    doc,
                    profile: &settings.profile,
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<JsoncDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::ClaudeSettings => {
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let layer = ClaudeLayer::of(Path::new(display_path), home.as_deref());
            let check = |doc: &JsoncDoc, only: &[&str]| {
                let cx = ClaudeCx {
                    doc,
                    profile: &settings.profile,
                    layer,
                    version: settings.claude_version.as_deref(),
                };
                let found = run_rules(&rules, only, &cx);
                harden_rules::claude::gate(&cx, found)
            };
            run_checked::<JsoncDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::CodexConfig => {
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let layer = CodexLayer::of(Path::new(display_path), home.as_deref());
            let check = |doc: &TomlDoc, only: &[&str]| {
                let cx = CodexCx {
                    doc,
                    profile: &settings.profile,
                    layer,
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<TomlDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::VscodeSettings => {
            let check = |doc: &JsoncDoc, only: &[&str]| {
                let cx = VscodeCx {
                    doc,
                    profile: &settings.profile,
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<JsoncDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::OpencodeConfig => {
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let layer = OpencodeLayer::of(Path::new(display_path), home.as_deref());
            let check = |doc: &JsoncDoc, only: &[&str]| {
                let cx = OpencodeCx {
                    doc,
                    profile: &settings.profile,
                    layer,
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<JsoncDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
        FileKind::HermesConfig => {
            let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
            let layer = HermesLayer::of(Path::new(display_path), home.as_deref());
            let check = |doc: &YamlDoc, only: &[&str]| {
                let cx = HermesCx {
                    doc,
                    profile: &settings.profile,
                    layer: layer.clone(),
                };
                run_rules(&rules, only, &cx)
            };
            run_checked::<YamlDoc>(display_path, text, settings, &admit_any, &check, decide)
        }
    }
}

/// No limit beyond the format's own.
fn admit_any<D>(_: &D) -> Result<(), FileError> {
    Ok(())
}

/// A compose file with more services than harden takes is refused before
/// any rule runs.
fn services_within_limit(display_path: &str, doc: &YamlDoc) -> Result<(), FileError> {
    use harden_core::limits::{exceeded, MAX_SERVICES};
    let text = harden_core::Document::text(doc);
    let Some(services) = doc.path(&["services"]) else {
        return Ok(());
    };
    let entries = doc.entries(services);
    if let Some(entry) = entries.get(MAX_SERVICES) {
        let at = doc.node(entry.key).start;
        let pos = LineIndex::new(text).line_col(text, at);
        return Err(FileError::new(
            display_path,
            Some(pos),
            exceeded("services", MAX_SERVICES),
        ));
    }
    Ok(())
}

/// Parse `text` as `kind` and return its semantic value (what verification
/// compares).
pub fn parse_value(
    kind: FileKind,
    text: &str,
) -> Result<serde_json::Value, harden_core::ParseError> {
    use harden_core::Document;
    match kind {
        FileKind::Devcontainer
        | FileKind::DockerDaemon
        | FileKind::ClaudeSettings
        | FileKind::VscodeSettings
        | FileKind::OpencodeConfig => JsoncDoc::parse(text).map(|d| d.value()),
        FileKind::Compose | FileKind::HermesConfig => {
            harden_yaml::YamlDoc::parse(text).map(|d| d.value())
        }
        FileKind::Dockerfile => harden_dockerfile::DockerfileDoc::parse(text).map(|d| d.value()),
        FileKind::CodexConfig => TomlDoc::parse(text).map(|d| d.value()),
    }
}

/// The fix loop over findings that survive suppressions, plus the report of
/// suppressions that silence nothing.
fn run_checked<D: harden_core::Document>(
    display_path: &str,
    text: &str,
    settings: &Settings,
    admit: &dyn Fn(&D) -> Result<(), FileError>,
    check_raw: &dyn Fn(&D, &[&str]) -> Vec<Finding>,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let located = |e: harden_core::ParseError| FileError::new(display_path, Some(e.pos), e.message);
    let doc = D::parse(text).map_err(located)?;
    admit(&doc)?;
    if settings.no_ignore {
        return fixloop::run::<D>(settings.verify_each, doc, check_raw, decide).map_err(located);
    }
    let ignored_by_config = |f: &Finding| {
        settings
            .ignores
            .iter()
            .any(|i| i.matches(f.rule.code, display_path))
    };
    let check = |doc: &D, only: &[&str]| {
        let (inline, _) = suppress::suppressions(doc.text());
        let mut found = check_raw(doc, only);
        if inline.is_empty() && settings.ignores.is_empty() {
            return found;
        }
        let index = LineIndex::new(doc.text());
        found.retain(|f| {
            let line = index.line_col(doc.text(), f.start).line;
            !ignored_by_config(f) && !inline.iter().any(|s| s.covers(f.rule.code, line))
        });
        found
    };
    let mut outcome =
        fixloop::run::<D>(settings.verify_each, doc, &check, decide).map_err(located)?;
    let (inline, unreasoned) = suppress::suppressions(text);
    // What the suppressions would silence, known only from the unfiltered run.
    let raw = if inline.is_empty() {
        Vec::new()
    } else {
        let mut raw = check_raw(&D::parse(text).map_err(located)?, fixloop::ALL);
        locate(&mut raw, text);
        raw
    };
    for s in inline {
        let used = raw.iter().any(|f| s.covers(f.rule.code, f.start_pos.line));
        if !used {
            outcome.suppression_problems.push((
                s.at,
                format!("`harden-ignore: {}` suppresses nothing", s.codes.join(",")),
            ));
        }
    }
    for at in unreasoned {
        outcome.suppression_problems.push((
            at,
            "`harden-ignore:` needs rule codes and a reason; it is not applied".to_string(),
        ));
    }
    Ok(outcome)
}

/// Fill in line/column positions of findings from the text they were found in.
pub(crate) fn locate(findings: &mut [Finding], text: &str) {
    let index = LineIndex::new(text);
    for f in findings {
        f.start_pos = index.line_col(text, f.start);
        f.end_pos = index.line_col(text, f.end);
    }
}
