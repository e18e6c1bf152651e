//! Codex CLI `config.toml` rules (`.codex/config.toml`, `~/.codex/config.toml`,
//! the profile files `~/.codex/NAME.config.toml`, `/etc/codex/config.toml`).
//! Edits go through `harden-toml`, which keeps comments and line endings.

mod rules;

use harden_profile::Profile;
use harden_toml::TomlDoc;

use crate::RuleDef;

pub static RULES: &[&RuleDef] = &[
    &rules::SANDBOX_RULE,
    &rules::APPROVAL_RULE,
    &rules::NETWORK_RULE,
    &rules::ENV_RULE,
    &rules::CODE_RULE,
    &rules::NOT_READ_RULE,
    &rules::TRUST_RULE,
    &rules::ROOTS_RULE,
];

/// Which config layer a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodexLayer {
    /// `.codex/config.toml` in a repository: read only once the project is trusted.
    Project,
    /// `~/.codex/config.toml`.
    User,
    /// `~/.codex/NAME.config.toml`, overlaid with `--profile NAME`.
    Profile,
    /// `/etc/codex/config.toml`.
    System,
}

impl CodexLayer {
    pub fn name(self) -> &'static str {
        match self {
            CodexLayer::Project => "project",
            CodexLayer::User => "user",
            CodexLayer::Profile => "profile",
            CodexLayer::System => "system",
        }
    }

    /// The layer of the file at `path`: by its name, and whether its
    /// `.codex` folder is in `home`.
    pub fn of(path: &std::path::Path, home: Option<&std::path::Path>) -> CodexLayer {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let dir = path.parent();
        let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
        let in_home = match (dir.and_then(|d| d.parent()), home) {
            (Some(f), Some(h)) => canonical(f) == canonical(h),
            _ => false,
        };
        let etc = dir.and_then(|d| d.parent()).and_then(|p| p.file_name()) == Some("etc".as_ref())
            && dir.and_then(|d| d.file_name()) == Some("codex".as_ref());
        if etc {
            CodexLayer::System
        } else if name != "config.toml" && name.ends_with(".config.toml") {
            CodexLayer::Profile
        } else if in_home {
            CodexLayer::User
        } else {
            CodexLayer::Project
        }
    }
}

/// What a Codex config check sees.
pub struct CodexCx<'a> {
    pub doc: &'a TomlDoc,
    pub profile: &'a Profile,
    pub layer: CodexLayer,
}

impl CodexCx<'_> {
    /// ` (project config)`, for messages; a project file adds when Codex reads it.
    pub fn at(&self) -> String {
        match self.layer {
            CodexLayer::Project => " (project config, read once the project is trusted)".into(),
            l => format!(" ({} config)", l.name()),
        }
    }

    /// The string at a key path.
    pub fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.doc.get(path)?.as_str()
    }
}

/// The names of the `[profiles.NAME]` tables.
pub fn legacy_profiles(doc: &TomlDoc) -> Vec<String> {
    doc.get(&["profiles"])
        .and_then(|i| i.as_table_like())
        .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
        .unwrap_or_default()
}
