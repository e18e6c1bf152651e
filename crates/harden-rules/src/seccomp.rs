//! The seccomp profile harden writes for tier 3. It is Docker's default
//! profile (`profiles/seccomp/docker-default.json`, deny by default) resolved
//! for the capabilities a hardened container holds (tier 1 drops ALL and adds
//! back `capabilities.add_allowlist`), minus `[seccomp] extra_denied`, plus
//! `[seccomp] allow` (docs/seccomp.md).

use harden_profile::{Profile, SeccompSource, DOCKER_SECCOMP_DEFAULT};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::OnceLock;

/// A profile in Docker's seccomp JSON format (the fields Docker's default uses).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeccompProfile {
    pub default_action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u64>,
    pub arch_map: Vec<ArchMap>,
    pub syscalls: Vec<SyscallRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchMap {
    pub architecture: String,
    pub sub_architectures: Option<Vec<String>>,
}

/// One entry of `syscalls`: an action for some names, when every argument
/// condition holds and the entry applies to the container (`includes`,
/// `excludes`, which Docker evaluates when it loads the profile).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyscallRule {
    pub names: Vec<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<ArgCondition>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(default, skip_serializing_if = "Condition::is_empty")]
    pub includes: Condition,
    #[serde(default, skip_serializing_if = "Condition::is_empty")]
    pub excludes: Condition,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArgCondition {
    pub index: u32,
    pub value: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub value_two: u64,
    pub op: String,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Capabilities (all held), daemon architectures (one of) and a minimum kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caps: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arches: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_kernel: Option<String>,
}

impl Condition {
    pub fn is_empty(&self) -> bool {
        self.caps.is_empty() && self.arches.is_empty() && self.min_kernel.is_none()
    }
}

pub const ALLOW: &str = "SCMP_ACT_ALLOW";
pub const ERRNO: &str = "SCMP_ACT_ERRNO";

/// Docker's default profile as recorded in `profiles/seccomp/`.
pub fn docker_default() -> &'static SeccompProfile {
    static PARSED: OnceLock<SeccompProfile> = OnceLock::new();
    PARSED.get_or_init(|| {
        serde_json::from_str(DOCKER_SECCOMP_DEFAULT).expect("the recorded Docker profile parses")
    })
}

/// `CAP_`-prefixed, uppercase: how seccomp profiles name capabilities.
fn cap_name(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(_) => upper,
        None => format!("CAP_{upper}"),
    }
}

/// The capabilities a container holds after tier 1.
pub fn tier1_caps(profile: &Profile) -> Vec<String> {
    let mut caps: Vec<String> = profile
        .capabilities
        .add_allowlist
        .iter()
        .map(|c| cap_name(c))
        .collect();
    caps.sort();
    caps.dedup();
    caps
}

/// `rule` for a container holding exactly `caps`: `None` when the
/// capabilities rule it out, else the rule without capability conditions.
fn resolve_caps(mut rule: SyscallRule, caps: &[String]) -> Option<SyscallRule> {
    if !rule.includes.caps.iter().all(|c| caps.contains(c)) {
        return None;
    }
    if rule.excludes.caps.iter().any(|c| caps.contains(c)) {
        return None;
    }
    rule.includes.caps.clear();
    rule.excludes.caps.clear();
    Some(rule)
}

/// The tier-3 profile for `profile`.
pub fn generate(profile: &Profile) -> SeccompProfile {
    let params = &profile.seccomp;
    let caps = tier1_caps(profile);
    let mut allowed: Vec<&str> = params.allow.iter().map(String::as_str).collect();
    allowed.sort_unstable();
    allowed.dedup();
    let removed = |n: &String| params.extra_denied.contains(n) || allowed.contains(&n.as_str());
    let base = docker_default();
    let mut syscalls: Vec<SyscallRule> = base
        .syscalls
        .iter()
        .filter_map(|rule| resolve_caps(rule.clone(), &caps))
        .filter_map(|mut rule| {
            rule.names.retain(|n| !removed(n));
            (!rule.names.is_empty()).then_some(rule)
        })
        .collect();
    let source = SeccompSource::builtin();
    if let Some(first) = syscalls.first_mut() {
        if first.comment.is_empty() {
            first.comment = format!(
                "Docker's default profile (moby/moby {}, {}) for the capabilities {}, without [seccomp] extra_denied",
                &source.commit[..12],
                source.path,
                if caps.is_empty() { "(none)".to_string() } else { caps.join(" ") }
            );
        }
    }
    if !allowed.is_empty() {
        syscalls.push(SyscallRule {
            names: allowed.iter().map(|s| s.to_string()).collect(),
            action: ALLOW.to_string(),
            errno_ret: None,
            args: Vec::new(),
            comment: "allowed back by name ([seccomp] allow)".to_string(),
            includes: Condition::default(),
            excludes: Condition::default(),
        });
    }
    SeccompProfile {
        default_action: base.default_action.clone(),
        default_errno_ret: base.default_errno_ret,
        arch_map: base.arch_map.clone(),
        syscalls,
    }
}

/// The profile as Docker's seccomp JSON, pretty-printed with a final newline.
/// Built once per set of parameters: a run asks for it for every finding
/// and every verification.
pub fn profile_json(profile: &Profile) -> Arc<str> {
    // What `generate` reads: the seccomp parameters and the tier-1 capabilities.
    type Built = Vec<((harden_profile::SeccompParams, Vec<String>), Arc<str>)>;
    static BUILT: std::sync::Mutex<Built> = std::sync::Mutex::new(Vec::new());
    let key = (profile.seccomp.clone(), tier1_caps(profile));
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, text)) = built.iter().find(|(k, _)| *k == key) {
        return text.clone();
    }
    let mut text = serde_json::to_string_pretty(&generate(profile)).expect("serialisable");
    text.push('\n');
    let text: Arc<str> = text.into();
    // A few parameter sets at most in one process (tests use several).
    if built.len() >= 8 {
        built.remove(0);
    }
    built.push((key, text.clone()));
    text
}

#[cfg(test)]
mod tests;
