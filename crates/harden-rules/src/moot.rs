//! While a container has a path to host root (the Docker socket, privileged
//! mode), a seccomp profile or an egress firewall does not hold: whoever
//! controls the container controls the host. Such findings say so.

use harden_core::{Finding, RuleMeta, Tier};

/// Rules whose finding is a path to host root.
static HOST_ROOT: [&RuleMeta; 4] = [
    &crate::devcontainer::privileged_container::META,
    &crate::devcontainer::docker_socket_mounted::META,
    &crate::compose::privileged_container::META,
    &crate::compose::docker_socket_mounted::META,
];

fn is_host_root(f: &Finding) -> bool {
    HOST_ROOT.iter().any(|m| m.code == f.rule.code)
}

/// The service a compose finding's target names (`services/NAME/...`), or
/// `""` for a whole-file finding (devcontainer.json).
fn scope(f: &Finding) -> Option<&str> {
    match f.target.strip_prefix("services/") {
        Some(rest) => rest.split('/').next(),
        None if f.rule.kind == harden_core::FileKind::Devcontainer => Some(""),
        None => None,
    }
}

/// The host-root findings among `findings`, by scope.
pub fn host_root(findings: &[Finding]) -> Vec<(&str, &Finding)> {
    findings
        .iter()
        .filter(|f| is_host_root(f))
        .filter_map(|f| scope(f).map(|s| (s, f)))
        .collect()
}

/// Notes on tier-3 and tier-4 findings that their fix is moot while a path
/// to host root remains in the same container.
pub fn annotate(findings: &mut [Finding]) {
    let roots: Vec<(String, String)> = host_root(findings)
        .into_iter()
        .map(|(s, f)| (s.to_string(), format!("{} ({})", f.message, f.rule.code)))
        .collect();
    if roots.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if f.tier < Tier::T3 || is_host_root(f) {
            continue;
        }
        let Some(here) = scope(f) else { continue };
        let Some((_, why)) = roots.iter().find(|(s, _)| s == here || s.is_empty()) else {
            continue;
        };
        let moot = format!(
            "moot while this holds: {why}; the container is host-root equivalent until that is gone"
        );
        f.note = Some(match f.note.take() {
            Some(note) => format!("{note}; {moot}"),
            None => moot,
        });
    }
}
