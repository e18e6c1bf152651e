//! The rule registry. Every rule has a stable code, a kebab-case name of the
//! insecure pattern, the tier the built-in profile puts it in, a breakage
//! note and a doc page (`docs/rules/<CODE>.md`). Checks read their
//! parameters from the profile and report findings with fixes built by the
//! format crates' edit builders.

pub mod autonomy;
pub mod claude;
pub mod codex;
pub mod compose;
pub mod daemon;
pub mod devcontainer;
pub mod dockerfile;
pub mod egress;
pub mod hermes;
pub mod moot;
pub mod opencode;
pub mod posture;
pub mod seccomp;
pub mod vscode;

use harden_core::{FileKind, Finding, RuleMeta};
use harden_jsonc::JsoncDoc;
use harden_profile::Profile;

pub use claude::{ClaudeCx, ClaudeLayer};
pub use codex::{CodexCx, CodexLayer};
pub use compose::{ComposeCx, ComposeUsage, ProjectFile};
pub use devcontainer::ComposeTarget;
pub use dockerfile::DockerfileCx;
pub use hermes::{HermesCx, HermesLayer};
pub use opencode::{OpencodeCx, OpencodeLayer};
pub use vscode::VscodeCx;

/// What a devcontainer.json check sees.
pub struct DevcontainerCx<'a> {
    pub doc: &'a JsoncDoc,
    pub profile: &'a Profile,
    /// Values the user supplied for findings' input requests.
    pub inputs: &'a harden_core::FixInputs,
    /// The config's path as shown to users, e.g. `.devcontainer/devcontainer.json`.
    pub path: &'a str,
    /// In compose mode, where the service is defined, when the engine found it.
    pub compose: Option<&'a ComposeTarget>,
    /// The Dockerfile `build.dockerfile` names, when the engine read it.
    pub built: Option<&'a BuiltImage>,
}

/// What the Dockerfile a devcontainer.json builds says about its image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuiltImage {
    /// The last `USER` in force in the final stage (and the stages it
    /// builds on), if any.
    pub user: Option<String>,
    /// The image the final stage's chain starts `FROM`.
    pub base: Option<String>,
}

#[non_exhaustive]
pub enum Check {
    Devcontainer(fn(&DevcontainerCx<'_>) -> Vec<Finding>),
    Compose(fn(&ComposeCx<'_>) -> Vec<Finding>),
    Dockerfile(fn(&DockerfileCx<'_>) -> Vec<Finding>),
    Daemon(fn(&DaemonCx<'_>) -> Vec<Finding>),
    Claude(fn(&ClaudeCx<'_>) -> Vec<Finding>),
    Codex(fn(&CodexCx<'_>) -> Vec<Finding>),
    Vscode(fn(&VscodeCx<'_>) -> Vec<Finding>),
    Opencode(fn(&OpencodeCx<'_>) -> Vec<Finding>),
    Hermes(fn(&HermesCx<'_>) -> Vec<Finding>),
}

/// The context the checks of one file kind take: which [`Check`] variant
/// holds them, in one place.
pub trait RuleContext: Sized {
    fn check_of(check: &Check) -> Option<fn(&Self) -> Vec<Finding>>;
}

macro_rules! rule_context {
    ($($cx:ident => $variant:ident),* $(,)?) => {$(
        impl RuleContext for $cx<'_> {
            fn check_of(check: &Check) -> Option<fn(&Self) -> Vec<Finding>> {
                match check {
                    Check::$variant(f) => Some(*f),
                    _ => None,
                }
            }
        }
    )*};
}

rule_context!(
    DevcontainerCx => Devcontainer,
    ComposeCx => Compose,
    DockerfileCx => Dockerfile,
    DaemonCx => Daemon,
    ClaudeCx => Claude,
    CodexCx => Codex,
    VscodeCx => Vscode,
    OpencodeCx => Opencode,
    HermesCx => Hermes,
);

/// What a Docker daemon.json check sees.
pub struct DaemonCx<'a> {
    pub doc: &'a JsoncDoc,
    pub profile: &'a Profile,
}

pub struct RuleDef {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

impl RuleDef {
    pub fn kind(&self) -> FileKind {
        self.meta.kind
    }
}

/// Every rule, ordered by code.
pub fn all_rules() -> Vec<&'static RuleDef> {
    let mut rules: Vec<&'static RuleDef> = devcontainer::RULES.to_vec();
    rules.extend(compose::RULES.iter().copied());
    rules.extend(dockerfile::RULES.iter().copied());
    rules.extend(daemon::RULES.iter().copied());
    rules.extend(claude::RULES.iter().copied());
    rules.extend(codex::RULES.iter().copied());
    rules.extend(vscode::RULES.iter().copied());
    rules.extend(opencode::RULES.iter().copied());
    rules.extend(hermes::RULES.iter().copied());
    rules.push(&autonomy::DOCKERFILE_RULE);
    rules.push(&autonomy::LIFECYCLE_RULE);
    rules.sort_by_key(|r| r.meta.code);
    rules
}

pub fn rule_by_code(code: &str) -> Option<&'static RuleDef> {
    all_rules()
        .into_iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code) || r.meta.name == code)
}

/// Rule codes the profile names that no rule has.
pub fn unknown_codes(profile: &Profile) -> Vec<String> {
    let rules = all_rules();
    profile
        .tiers
        .values()
        .flatten()
        .filter(|c| !rules.iter().any(|r| r.meta.code == c.as_str()))
        .cloned()
        .collect()
}
