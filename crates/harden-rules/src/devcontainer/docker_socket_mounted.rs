use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::mounts::host_mounts;
use crate::compose::docker_socket_mounted::is_docker_socket;
use harden_profile::FeatureFacts;

use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC012",
    name: "docker-socket-mounted",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "The dev container mounts the host's Docker socket (or installs docker-outside-of-docker): root on the host",
    breakage: "`docker` commands in the container stop working: builds, `docker compose`, test containers. Use a rootless Docker or a remote builder the agent cannot turn against the host",
    doc: include_str!("../../../../docs/rules/DC012.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let sockets = &cx.profile.mounts.docker_sockets;
    let mut out: Vec<Finding> = host_mounts(doc)
        .into_iter()
        .filter(|m| is_docker_socket(&m.host, sockets))
        .map(|m| {
            Finding::new(
                &META,
                m.range.clone(),
                m.target.clone(),
                format!("mounts the host's Docker socket `{}`", m.written),
            )
            .with_fix(m.remove)
        })
        .collect();
    if let Some(features) = doc.root().get("features").and_then(|m| m.value.members()) {
        for feature in features {
            if let Some(name) = FeatureFacts::find(&cx.profile.features.docker_socket, &feature.key)
            {
                out.push(
                    Finding::new(
                        &META,
                        feature.key_range.clone(),
                        format!("features:{name}"),
                        format!("the `{name}` feature mounts the host's Docker socket"),
                    )
                    .with_note("remove the feature; for builds inside the container use rootless Docker or a remote builder"),
                );
            }
        }
    }
    out
}
