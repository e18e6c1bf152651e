//! Claude Code settings rules (`.claude/settings.json`, `settings.local.json`,
//! `~/.claude/settings.json`, `managed-settings.json`).
//!
//! Claude skips a settings file that fails its validation whole, deny rules
//! included. So every fix passes [`gate`]: its output is strict JSON, it
//! validates against the vendored settings schema, and every key it adds is
//! known to the target Claude Code version.

mod bypass;
mod env_scrub;
mod network;
mod permissions;
mod reported;
mod sandbox;
mod settings_invalid;

use std::sync::OnceLock;

use harden_core::{apply_edits, Change, Document, Finding, PathSeg};
use harden_jsonc::JsoncDoc;
use harden_profile::Profile;
use serde_json::Value;

use crate::RuleDef;

pub static RULES: &[&RuleDef] = &[
    &settings_invalid::RULE,
    &sandbox::SANDBOX_RULE,
    &sandbox::ESCAPE_RULE,
    &bypass::RULE,
    &permissions::CREDENTIALS_RULE,
    &permissions::CODE_PATHS_RULE,
    &permissions::BROAD_ALLOW_RULE,
    &reported::MCP_RULE,
    &reported::CODE_KEYS_RULE,
    &network::RULE,
    &env_scrub::RULE,
];

/// The settings schema from SchemaStore (see `schemas/README.md`).
pub const SCHEMA_TEXT: &str = include_str!("../../schemas/claude-code-settings.json");

/// Which settings layer a file is. Managed settings rank highest, then
/// local, project and user settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaudeLayer {
    /// `.claude/settings.json`, shared through the repository.
    Project,
    /// `.claude/settings.local.json`, the developer's own for the project.
    Local,
    /// `~/.claude/settings.json`.
    User,
    /// `managed-settings.json` (`/etc/claude-code/` on Linux).
    Managed,
}

impl ClaudeLayer {
    pub fn name(self) -> &'static str {
        match self {
            ClaudeLayer::Project => "project",
            ClaudeLayer::Local => "local",
            ClaudeLayer::User => "user",
            ClaudeLayer::Managed => "managed",
        }
    }

    /// The layer of the file at `path`, judged by its name and, for
    /// `.claude/settings.json`, whether its `.claude` folder is in `home`.
    pub fn of(path: &std::path::Path, home: Option<&std::path::Path>) -> ClaudeLayer {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name == "managed-settings.json" {
            return ClaudeLayer::Managed;
        }
        if name == "settings.local.json" {
            return ClaudeLayer::Local;
        }
        let folder = path.parent().and_then(|p| p.parent());
        let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
        match (folder, home) {
            (Some(f), Some(h)) if canonical(f) == canonical(h) => ClaudeLayer::User,
            _ => ClaudeLayer::Project,
        }
    }

    /// A repository's own files: Claude does not let them raise privileges.
    pub fn is_repository(self) -> bool {
        matches!(self, ClaudeLayer::Project | ClaudeLayer::Local)
    }
}

/// What a Claude Code settings check sees.
pub struct ClaudeCx<'a> {
    pub doc: &'a JsoncDoc,
    pub profile: &'a Profile,
    pub layer: ClaudeLayer,
    /// `--claude-version`, when given.
    pub version: Option<&'a str>,
}

/// A dotted version, compared numerically: `2.1.83 (Claude Code)` is 2.1.83.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub [u32; 3]);

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let word = s.split_whitespace().next()?;
        let word = word.strip_prefix('v').unwrap_or(word);
        let mut parts = [0u32; 3];
        let mut n = 0;
        for (i, p) in word.split('.').enumerate() {
            if i >= 3 {
                return None;
            }
            parts[i] = p.parse().ok()?;
            n += 1;
        }
        (n > 0).then_some(Version(parts))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [a, b, c] = self.0;
        write!(f, "{a}.{b}.{c}")
    }
}

impl ClaudeCx<'_> {
    /// The version keys are gated on, and whether it was given.
    pub fn target(&self) -> (Version, bool) {
        match self.version.and_then(Version::parse) {
            Some(v) => (v, true),
            None => (
                Version::parse(&self.profile.claude.baseline_version).unwrap_or(Version([0; 3])),
                false,
            ),
        }
    }

    /// Whether the target version reads the dotted key.
    pub fn knows(&self, key: &str) -> bool {
        let (target, _) = self.target();
        self.profile
            .claude
            .key_versions
            .get(key)
            .and_then(|v| Version::parse(v))
            .is_some_and(|v| v <= target)
    }

    /// Why a key is not written: the version that added it.
    pub fn version_note(&self, key: &str) -> String {
        let (target, given) = self.target();
        let needs = self
            .profile
            .claude
            .key_versions
            .get(key)
            .map_or("an unknown version".to_string(), |v| {
                format!("Claude Code {v}")
            });
        let assumed = if given {
            format!("the target is {target}")
        } else {
            format!("harden assumes {target} without --claude-version")
        };
        format!(
            "`{key}` needs {needs} and {assumed}; an unknown key makes Claude skip the whole file"
        )
    }

    /// ` (project settings)`: the layer, for messages.
    pub fn at(&self) -> String {
        format!(" ({} settings)", self.layer.name())
    }
}

/// A fix that sets `keys` to `value`, creating missing parents, laid out one
/// member per line as Claude writes its settings.
pub(crate) fn set_fix(
    doc: &JsoncDoc,
    keys: &[&str],
    value: Value,
    title: impl Into<String>,
    applicability: harden_core::Applicability,
) -> Option<harden_core::Fix> {
    doc.set_at(keys, value, harden_jsonc::Layout::Block)
        .map(|p| p.into_fix(title, applicability))
}

/// A fix that appends `values` to the array at `keys`, creating it when
/// absent, in the same layout.
pub(crate) fn append_fix(
    doc: &JsoncDoc,
    keys: &[&str],
    values: Vec<Value>,
    title: impl Into<String>,
    applicability: harden_core::Applicability,
) -> Option<harden_core::Fix> {
    doc.append_at(keys, values, harden_jsonc::Layout::Block)
        .map(|p| p.into_fix(title, applicability))
}

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(SCHEMA_TEXT).expect("the vendored schema is JSON");
        jsonschema::options()
            .should_validate_formats(false)
            .build(&schema)
            .expect("the vendored schema compiles")
    })
}

/// Schema errors of a settings value, as `/path: message`.
pub fn schema_errors(value: &Value) -> Vec<String> {
    validator()
        .iter_errors(value)
        .map(|e| {
            let at = e.instance_path().to_string();
            let at = if at.is_empty() { "/".to_string() } else { at };
            format!("{at}: {e}")
        })
        .collect()
}

/// The text as strict JSON (no comments, no trailing commas), or why not.
pub fn strict_json(text: &str) -> Result<Value, String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(body).map_err(|e| e.to_string())
}

/// Dotted key paths a change adds (array indices skipped, object values
/// walked), for the version check.
fn added_keys(change: &Change, before: &Value, out: &mut Vec<String>) {
    let list;
    let (path, value) = match change {
        Change::Set { path, value } | Change::Insert { path, value } => (path, value),
        Change::Append { path, values } => {
            list = Value::Array(values.clone());
            (path, &list)
        }
        Change::Remove { .. } => return,
    };
    let keys: Vec<&str> = path
        .0
        .iter()
        .filter_map(|s| match s {
            PathSeg::Key(k) => Some(k.as_str()),
            PathSeg::Index(_) => None,
        })
        .collect();
    let exists = path.0.iter().try_fold(before, |v, seg| match seg {
        PathSeg::Key(k) => v.get(k),
        PathSeg::Index(i) => v.get(i),
    });
    if exists.is_none() && !keys.is_empty() {
        out.push(keys.join("."));
    }
    fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
        if let Value::Object(m) = v {
            for (k, v) in m {
                let key = format!("{prefix}.{k}");
                walk(&key, v, out);
                out.push(key);
            }
        }
    }
    if exists.is_none() {
        walk(&keys.join("."), value, out);
    }
}

/// Keep a fix only when its output is one Claude accepts: strict JSON, valid
/// against the settings schema, with no key the target version does not
/// know. A fix that fails loses its fix and says why.
pub fn gate(cx: &ClaudeCx<'_>, findings: Vec<Finding>) -> Vec<Finding> {
    let text = cx.doc.text();
    let before = cx.doc.value();
    let input_valid = strict_json(text).is_ok_and(|v| schema_errors(&v).is_empty());
    findings
        .into_iter()
        .map(|mut f| {
            let Some(fix) = &f.fix else { return f };
            let mut keys = Vec::new();
            for c in &fix.changes {
                added_keys(c, &before, &mut keys);
            }
            let problem = if !input_valid && f.rule.code != settings_invalid::META.code {
                Some("the file already fails Claude's validation (CC001); fix that first".to_string())
            } else if let Some(k) = keys.iter().find(|k| !cx.knows(k)) {
                Some(cx.version_note(k))
            } else {
                match apply_edits(text, &fix.edits) {
                    Err(e) => Some(format!("the edits do not apply: {e}")),
                    Ok(out) => match strict_json(&out) {
                        Err(e) => Some(format!(
                            "the file is not strict JSON ({e}); Claude would skip it, so nothing else is changed until that is fixed"
                        )),
                        Ok(value) => schema_errors(&value).into_iter().next().map(|e| {
                            format!(
                                "the result would fail Claude's settings schema ({e}), and Claude skips such a file whole"
                            )
                        }),
                    },
                }
            };
            if let Some(problem) = problem {
                f.fix = None;
                f.note = Some(match f.note.take() {
                    Some(n) => format!("{n}; not fixed: {problem}"),
                    None => format!("not fixed: {problem}"),
                });
            }
            f
        })
        .collect()
}
