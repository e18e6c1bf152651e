use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::mounts::host_mounts;
use crate::compose::credential_mount::sensitive;
use crate::compose::docker_socket_mounted::is_docker_socket;
use crate::compose::volumes::path_matches;
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC013",
    name: "credential-mount",
    kind: FileKind::Devcontainer,
    tier: Tier::T2,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "The dev container bind-mounts host credentials (`~/.ssh`, `~/.aws`, `~/.kube` ...) or a sensitive host directory",
    breakage: "Tools in the container lose the credentials: `git push` over SSH, cloud CLIs, `kubectl`, registries stop authenticating. Give the agent its own scoped, short-lived tokens instead (an environment variable or a secret), not the user's",
    doc: include_str!("../../../../docs/rules/DC013.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let cfg = &cx.profile.mounts;
    host_mounts(cx.doc)
        .into_iter()
        .filter(|m| !is_docker_socket(&m.host, &cfg.docker_sockets))
        .filter_map(|m| {
            let what = if cfg.sensitive_paths.iter().any(|p| sensitive(&m.host, p)) {
                "a sensitive host directory"
            } else if cfg
                .credential_paths
                .iter()
                .any(|p| path_matches(&m.host, p))
            {
                "host credentials"
            } else {
                return None;
            };
            Some(
                Finding::new(
                    &META,
                    m.range.clone(),
                    m.target.clone(),
                    format!("mounts {what}: `{}`", m.written),
                )
                .with_fix(m.remove),
            )
        })
        .collect()
}
