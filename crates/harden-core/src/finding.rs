//! What rules report: the rule's fixed metadata and one finding in one file.

use std::fmt;

use crate::edit::Fix;
use crate::text::LineCol;

/// A hardening tier, 1 (quick wins) to 4 (consider carefully). Tiers are
/// cumulative: running tier N runs every rule of tiers 1..=N.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Tier(u8);

impl Tier {
    pub const MIN: Tier = Tier(1);
    pub const MAX: Tier = Tier(4);
    pub const ALL: [Tier; 4] = [Tier(1), Tier(2), Tier(3), Tier(4)];
    pub const T1: Tier = Tier(1);
    pub const T2: Tier = Tier(2);
    pub const T3: Tier = Tier(3);
    pub const T4: Tier = Tier(4);

    pub fn new(n: u8) -> Option<Tier> {
        (1..=4).contains(&n).then_some(Tier(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "quick wins",
            2 => "low-hanging fruit",
            3 => "worth the effort",
            _ => "consider carefully",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// The kinds of file harden reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Devcontainer,
    Compose,
    Dockerfile,
    ClaudeSettings,
    CodexConfig,
    /// The Docker daemon's `daemon.json`, named with `--docker-daemon-config`.
    DockerDaemon,
    /// VS Code's user `settings.json`.
    VscodeSettings,
    /// OpenCode's `opencode.json` / `opencode.jsonc`.
    OpencodeConfig,
    /// Hermes Agent's `config.yaml`.
    HermesConfig,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Devcontainer => "devcontainer.json",
            FileKind::Compose => "compose",
            FileKind::Dockerfile => "Dockerfile",
            FileKind::ClaudeSettings => "Claude Code settings",
            FileKind::CodexConfig => "Codex config",
            FileKind::DockerDaemon => "Docker daemon.json",
            FileKind::VscodeSettings => "VS Code user settings",
            FileKind::OpencodeConfig => "OpenCode config",
            FileKind::HermesConfig => "Hermes config",
        }
    }
}

/// A rule's fixed description. Codes are stable and never reused.
#[derive(Debug)]
pub struct RuleMeta {
    /// e.g. `DC003`
    pub code: &'static str,
    /// kebab-case name of the insecure pattern, e.g. `privileged-container`
    pub name: &'static str,
    pub kind: FileKind,
    /// The tier the built-in profile puts the rule in.
    pub tier: Tier,
    pub severity: Severity,
    /// Whether and how the rule fixes what it finds, as the rule's doc
    /// header says it: `fix: unsafe`, `fix: safe · creates a file`, `reported only`.
    pub fix: &'static str,
    /// One line: what the rule detects.
    pub summary: &'static str,
    /// What the fix may break, in words.
    pub breakage: &'static str,
    /// Markdown: what it detects, why it matters, the fix, references.
    pub doc: &'static str,
}

/// One problem in one file.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    /// The tier the active profile runs the rule in.
    pub tier: Tier,
    /// Byte range in the file.
    pub start: usize,
    pub end: usize,
    /// Filled in by the engine from the byte range.
    pub start_pos: LineCol,
    pub end_pos: LineCol,
    pub message: String,
    /// Stable identity of what the finding is about (a value path or a
    /// service name), used to check that a fix made the finding go away.
    pub target: String,
    pub fix: Option<Fix>,
    /// Why there is no fix, or where it belongs instead.
    pub note: Option<String>,
    /// A value the user can supply to complete the fix (see [`FixInputs`]).
    pub input: Option<InputRequest>,
}

/// A value a fix needs that harden cannot compute offline, such as the
/// sha256 of a download. The caller asks the user and passes the answer
/// back to the rules in [`FixInputs`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct InputRequest {
    /// What is asked, e.g. `sha256`.
    pub kind: String,
    /// What it is about, e.g. the URL of the download as the file writes it.
    pub subject: String,
}

/// Values supplied by the user for [`InputRequest`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixInputs {
    values: std::collections::BTreeMap<InputRequest, String>,
}

impl FixInputs {
    pub fn insert(
        &mut self,
        kind: impl Into<String>,
        subject: impl Into<String>,
        value: impl Into<String>,
    ) {
        let key = InputRequest {
            kind: kind.into(),
            subject: subject.into(),
        };
        self.values.insert(key, value.into());
    }

    pub fn get(&self, kind: &str, subject: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| k.kind == kind && k.subject == subject)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Finding {
    pub fn new(
        rule: &'static RuleMeta,
        range: std::ops::Range<usize>,
        target: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let origin = LineCol { line: 1, col: 1 };
        Finding {
            rule,
            tier: rule.tier,
            start: range.start,
            end: range.end,
            start_pos: origin,
            end_pos: origin,
            message: message.into(),
            target: target.into(),
            fix: None,
            note: None,
            input: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Ask the user for a `kind` value about `subject` (see [`InputRequest`]).
    pub fn with_input(mut self, kind: impl Into<String>, subject: impl Into<String>) -> Self {
        self.input = Some(InputRequest {
            kind: kind.into(),
            subject: subject.into(),
        });
        self
    }

    /// Identity across passes: the same rule about the same thing.
    pub fn key(&self) -> (&'static str, &str) {
        (self.rule.code, &self.target)
    }
}
