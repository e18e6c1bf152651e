//! A container's protection, one dimension at a time, computed from its
//! config: what a fix may never lower. `weakened` names the dimensions
//! where one posture is below another; the corpus test checks it is empty
//! for every file, tier and fix.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::compose::docker_socket_mounted::is_docker_socket;
use crate::compose::volumes::{mounts, path_matches};
use crate::compose::{is_internal_network, network_names, selected, ComposeCx};
use crate::devcontainer::mounts::host_mounts;
use crate::devcontainer::run_args;
use crate::devcontainer::users::{users, Who};
use crate::devcontainer::{
    capability_name, has_egress_feature, network_closed, runs_egress_firewall,
};
use crate::dockerfile::is_root_user;
use crate::DevcontainerCx;

/// Docker's capabilities for a container that changes none.
const DOCKER_DEFAULT_CAPS: [&str; 14] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "NET_RAW",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Posture {
    pub privileged: bool,
    /// Capabilities the agent can use: the container's, unless the agent
    /// runs as a known non-root user under no-new-privileges.
    pub agent_caps: BTreeSet<String>,
    /// `network`, `pid`, `ipc`, `uts`, `userns` shared with the host.
    pub host_namespaces: BTreeSet<String>,
    /// `seccomp`, `apparmor`, `label` switched off.
    pub unconfined: BTreeSet<String>,
    pub no_new_privileges: bool,
    /// `memory`, `cpus`, `pids` limited.
    pub limits: BTreeSet<String>,
    pub docker_socket: bool,
    /// Host credential paths mounted.
    pub credentials: BTreeSet<String>,
    /// An egress firewall (own or harden's), no network, or only internal networks.
    pub egress_controlled: bool,
}

impl Posture {
    /// The dimensions where `after` is weaker than `self`, with what changed.
    pub fn weakened(&self, after: &Posture) -> Vec<String> {
        let mut out = Vec::new();
        let gained = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
            b.difference(a).cloned().collect()
        };
        if after.privileged && !self.privileged {
            out.push("privileged".to_string());
        }
        for (what, before, now) in [
            ("capabilities", &self.agent_caps, &after.agent_caps),
            (
                "host namespaces",
                &self.host_namespaces,
                &after.host_namespaces,
            ),
            ("unconfined", &self.unconfined, &after.unconfined),
            ("credentials", &self.credentials, &after.credentials),
        ] {
            let more = gained(before, now);
            if !more.is_empty() {
                out.push(format!("{what} +{}", more.join(",")));
            }
        }
        let lost: Vec<String> = self.limits.difference(&after.limits).cloned().collect();
        if !lost.is_empty() {
            out.push(format!("limits -{}", lost.join(",")));
        }
        if self.no_new_privileges && !after.no_new_privileges {
            out.push("no-new-privileges lost".to_string());
        }
        if after.docker_socket && !self.docker_socket {
            out.push("docker socket".to_string());
        }
        if self.egress_controlled && !after.egress_controlled {
            out.push("egress control lost".to_string());
        }
        out
    }

    /// How many dimensions `after` improves on `self` (for figures).
    pub fn improved(&self, after: &Posture) -> usize {
        after.weakened(self).len()
    }
}

/// The container's capability set from what it adds and drops.
fn container_caps(privileged: bool, added: &[String], dropped: &[String]) -> BTreeSet<String> {
    let all = || {
        let mut set: BTreeSet<String> = DOCKER_DEFAULT_CAPS.iter().map(|c| c.to_string()).collect();
        set.insert("ALL".into());
        set
    };
    if privileged || added.iter().any(|c| c == "ALL") {
        return all();
    }
    let mut set: BTreeSet<String> = if dropped.iter().any(|c| c == "ALL") {
        BTreeSet::new()
    } else {
        DOCKER_DEFAULT_CAPS.iter().map(|c| c.to_string()).collect()
    };
    for d in dropped {
        set.remove(d);
    }
    set.extend(added.iter().cloned());
    set
}

/// The capabilities the agent can use: none when it runs as a known
/// non-root user that cannot gain privileges.
fn usable(caps: BTreeSet<String>, unprivileged_agent: bool) -> BTreeSet<String> {
    if unprivileged_agent {
        BTreeSet::new()
    } else {
        caps
    }
}

/// Whether `hosts` (normalised host paths) include a Docker socket, and
/// which of them are credentials.
fn exposure(hosts: &[String], cfg: &harden_profile::Mounts) -> (bool, BTreeSet<String>) {
    let socket = hosts
        .iter()
        .any(|h| is_docker_socket(h, &cfg.docker_sockets));
    let credentials = hosts
        .iter()
        .filter(|h| cfg.credential_paths.iter().any(|p| path_matches(h, p)))
        .cloned()
        .collect();
    (socket, credentials)
}

/// `seccomp=unconfined` and friends, and no-new-privileges, of security options.
fn security_opts(opts: &[String], unconfined: &mut BTreeSet<String>, nnp: &mut bool) {
    for opt in opts {
        let (key, value) = opt
            .split_once(['=', ':'])
            .map_or((opt.as_str(), "true"), |(k, v)| (k, v));
        match (key.trim(), value.trim()) {
            ("seccomp", "unconfined") => {
                unconfined.insert("seccomp".into());
            }
            ("apparmor", "unconfined") => {
                unconfined.insert("apparmor".into());
            }
            ("label", "disable") | ("label", "disabled") => {
                unconfined.insert("label".into());
            }
            ("no-new-privileges", v) if v != "false" => *nnp = true,
            _ => {}
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn limited(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x > 0.0),
        Some(Value::String(s)) => !matches!(s.trim(), "" | "0" | "-1"),
        _ => false,
    }
}

/// The posture of the dev container a devcontainer.json creates (image or
/// Dockerfile mode; compose mode is judged on the compose file).
pub fn devcontainer(cx: &DevcontainerCx<'_>) -> Posture {
    let doc = cx.doc;
    let value = harden_core::Document::value(doc);
    let args = run_args::node(doc).map(run_args::parse).unwrap_or_default();
    let arg_values = |flag: &str| -> Vec<String> {
        args.iter()
            .filter(|a| a.is(flag))
            .filter_map(|a| a.value.clone())
            .collect()
    };
    let feature_ids: Vec<&String> = value
        .get("features")
        .and_then(Value::as_object)
        .map(|f| f.keys().collect())
        .unwrap_or_default();
    let facts = &cx.profile.features;
    let implied = |list: &[String]| {
        feature_ids
            .iter()
            .any(|id| harden_profile::FeatureFacts::find(list, id).is_some())
    };
    let privileged = value.get("privileged") == Some(&Value::Bool(true))
        || args.iter().any(|a| a.is("--privileged"))
        || implied(&facts.privileged);
    let caps_of = |json: &str, flag: &str| -> Vec<String> {
        strings(value.get(json))
            .into_iter()
            .chain(arg_values(flag))
            .flat_map(|v| v.split(',').map(capability_name).collect::<Vec<_>>())
            .collect()
    };
    let mut added = caps_of("capAdd", "--cap-add");
    if has_egress_feature(doc) {
        added.push("NET_ADMIN".into());
    }
    let dropped: Vec<String> = arg_values("--cap-drop")
        .iter()
        .flat_map(|v| v.split(',').map(capability_name).collect::<Vec<_>>())
        .collect();
    let mut unconfined = BTreeSet::new();
    let mut nnp = false;
    let opts: Vec<String> = strings(value.get("securityOpt"))
        .into_iter()
        .chain(arg_values("--security-opt"))
        .collect();
    security_opts(&opts, &mut unconfined, &mut nnp);
    let mut host_namespaces = BTreeSet::new();
    for (flag, ns) in [
        ("--network", "network"),
        ("--pid", "pid"),
        ("--ipc", "ipc"),
        ("--uts", "uts"),
        ("--userns", "userns"),
    ] {
        if arg_values(flag).iter().any(|v| v == "host") {
            host_namespaces.insert(ns.to_string());
        }
    }
    let mut limits = BTreeSet::new();
    for (flag, dim) in [
        ("--memory", "memory"),
        ("--cpus", "cpus"),
        ("--pids-limit", "pids"),
    ] {
        if arg_values(flag)
            .iter()
            .any(|v| limited(Some(&Value::String(v.clone()))))
        {
            limits.insert(dim.to_string());
        }
    }
    let mount_sources: Vec<String> = host_mounts(doc).into_iter().map(|m| m.host).collect();
    let (socket_mounted, credentials) = exposure(&mount_sources, &cx.profile.mounts);
    let docker_socket = socket_mounted || implied(&facts.docker_socket);
    let egress_controlled = runs_egress_firewall(doc, cx.profile) || network_closed(&args);
    let agent_non_root = matches!(users(cx).remote, Who::User(_));
    let agent_caps = usable(
        container_caps(privileged, &added, &dropped),
        agent_non_root && nnp && !privileged,
    );
    Posture {
        privileged,
        agent_caps,
        host_namespaces,
        unconfined,
        no_new_privileges: nnp,
        limits,
        docker_socket,
        credentials,
        egress_controlled,
    }
}

/// The posture of each service of a compose file, by name.
pub fn compose(cx: &ComposeCx<'_>) -> Vec<(String, Posture)> {
    let doc = cx.doc;
    let mounts_cfg = &cx.profile.mounts;
    let mut out = Vec::new();
    for svc in selected(cx) {
        let v = doc.node_value(svc.map);
        let privileged = v.get("privileged") == Some(&Value::Bool(true));
        let caps_of = |key: &str| -> Vec<String> {
            strings(v.get(key))
                .iter()
                .map(|c| capability_name(c))
                .collect()
        };
        let mut unconfined = BTreeSet::new();
        let mut nnp = false;
        security_opts(&strings(v.get("security_opt")), &mut unconfined, &mut nnp);
        let mut host_namespaces = BTreeSet::new();
        for (key, ns) in [
            ("network_mode", "network"),
            ("pid", "pid"),
            ("ipc", "ipc"),
            ("uts", "uts"),
            ("userns_mode", "userns"),
        ] {
            if v.get(key).and_then(Value::as_str) == Some("host") {
                host_namespaces.insert(ns.to_string());
            }
        }
        let deploy = v
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"));
        let mut limits = BTreeSet::new();
        for (key, deploy_key, dim) in [
            ("mem_limit", "memory", "memory"),
            ("cpus", "cpus", "cpus"),
            ("pids_limit", "pids", "pids"),
        ] {
            if limited(v.get(key)) || limited(deploy.and_then(|d| d.get(deploy_key))) {
                limits.insert(dim.to_string());
            }
        }
        let hosts: Vec<String> = mounts(doc, &svc)
            .iter()
            .filter_map(|m| m.host_path())
            .collect();
        let (docker_socket, credentials) = exposure(&hosts, mounts_cfg);
        let network_mode = v.get("network_mode").and_then(Value::as_str).unwrap_or("");
        let named = network_names(doc, &svc);
        let egress_controlled = network_mode == "none"
            || network_mode.starts_with("service:")
            || network_mode.starts_with("container:")
            || (!named.is_empty() && named.iter().all(|n| is_internal_network(doc, n)));
        let user = v.get("user").and_then(Value::as_str).unwrap_or("");
        let agent_non_root = !user.is_empty() && !is_root_user(user);
        let agent_caps = usable(
            container_caps(privileged, &caps_of("cap_add"), &caps_of("cap_drop")),
            agent_non_root && nnp && !privileged,
        );
        out.push((
            svc.name.clone(),
            Posture {
                privileged,
                agent_caps,
                host_namespaces,
                unconfined,
                no_new_privileges: nnp,
                limits,
                docker_socket,
                credentials,
                egress_controlled,
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_core::Document;
    use harden_jsonc::JsoncDoc;
    use harden_yaml::YamlDoc;

    fn dc(json: &str) -> Posture {
        let doc = JsoncDoc::parse(json).unwrap();
        let profile = harden_profile::Profile::builtin();
        let inputs = harden_core::FixInputs::default();
        devcontainer(&DevcontainerCx {
            doc: &doc,
            profile: &profile,
            inputs: &inputs,
            path: ".devcontainer/devcontainer.json",
            compose: None,
            built: None,
        })
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn features_imply_what_the_profile_says() {
        let p = dc(
            r#"{"image": "x", "features": {"ghcr.io/devcontainers/features/docker-in-docker:2": {}, "ghcr.io/devcontainers/features/docker-outside-of-docker:1": {}}}"#,
        );
        assert!(p.privileged && p.docker_socket);
        assert!(
            !dc(r#"{"image": "x", "features": {"ghcr.io/devcontainers/features/node:1": {}}}"#)
                .privileged
        );
    }

    #[test]
    fn devcontainer_dimensions() {
        let p = dc(
            r#"{"image": "x", "privileged": true, "runArgs": ["--network=host", "--security-opt", "seccomp=unconfined"], "mounts": ["source=${localEnv:HOME}/.aws,target=/root/.aws,type=bind"]}"#,
        );
        assert!(p.privileged && p.agent_caps.contains("ALL"));
        assert_eq!(p.host_namespaces, set(&["network"]));
        assert_eq!(p.unconfined, set(&["seccomp"]));
        assert_eq!(p.credentials, set(&["~/.aws"]));
        let p = dc(
            r#"{"image": "x", "runArgs": ["--cap-drop=ALL", "--cap-add=CHOWN", "--memory=1g", "--pids-limit", "100"]}"#,
        );
        assert_eq!(p.agent_caps, set(&["CHOWN"]));
        assert_eq!(p.limits, set(&["memory", "pids"]));
        // A known non-root agent under no-new-privileges cannot use any.
        let p = dc(
            r#"{"image": "x", "remoteUser": "dev", "securityOpt": ["no-new-privileges:true"], "capAdd": ["NET_ADMIN"]}"#,
        );
        assert!(p.agent_caps.is_empty() && p.no_new_privileges);
    }

    #[test]
    fn weakened_names_each_lost_dimension() {
        let strong = dc(
            r#"{"image": "x", "runArgs": ["--cap-drop=ALL", "--memory=1g"], "securityOpt": ["no-new-privileges"]}"#,
        );
        let weak = dc(r#"{"image": "x", "capAdd": ["SYS_ADMIN"], "runArgs": ["--pid=host"]}"#);
        let lost = strong.weakened(&weak);
        assert_eq!(lost.len(), 4, "{lost:?}");
        assert!(lost
            .iter()
            .any(|l| l.starts_with("capabilities +") && l.contains("SYS_ADMIN")));
        assert!(lost.contains(&"limits -memory".to_string()));
        assert!(weak.weakened(&strong).is_empty());
        assert_eq!(weak.improved(&strong), 4);
    }

    #[test]
    fn compose_services() {
        let doc = YamlDoc::parse(
            "services:\n  a:\n    image: x\n    network_mode: service:a-egress\n    mem_limit: 1g\n    volumes: [/var/run/docker.sock:/var/run/docker.sock]\n  b:\n    image: x\n    networks: [inner]\nnetworks:\n  inner: {internal: true}\n",
        )
        .unwrap();
        let profile = harden_profile::Profile::builtin();
        let usage = crate::ComposeUsage::default();
        let all = compose(&ComposeCx::new(&doc, &profile, &usage));
        let a = &all[0].1;
        assert!(a.egress_controlled && a.docker_socket && a.limits == set(&["memory"]));
        assert!(all[1].1.egress_controlled);
    }
}
