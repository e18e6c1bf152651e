//! `--expect`: what `harden check` promises for a config against what is in
//! force. A rule that reports nothing for the config promises its check
//! green; a rule that reports a finding promises nothing.

use std::path::PathBuf;

use harden_engine::{discover, process_text, read_source, Decision, Settings};

use crate::{Check, Status, Threat};

/// The verify checks (id prefixes) each rule answers for.
const RULE_CHECKS: &[(&str, &[&str])] = &[
    ("DC001", &["limits.memory", "limits.pids", "limits.cpu"]),
    ("CP001", &["limits.memory", "limits.pids", "limits.cpu"]),
    ("DC002", &["caps.bounding"]),
    ("CP002", &["caps.bounding"]),
    ("DC003", &["caps.bounding", "seccomp.mode"]),
    ("CP003", &["caps.bounding", "seccomp.mode"]),
    ("DC004", &["caps.bounding"]),
    ("CP004", &["caps.bounding"]),
    // Not ns.cgroup: on cgroup v1 hosts Docker shares it unless asked not to.
    (
        "DC005",
        &["ns.network", "ns.pid", "ns.ipc", "ns.uts", "ns.user"],
    ),
    (
        "CP005",
        &["ns.network", "ns.pid", "ns.ipc", "ns.uts", "ns.user"],
    ),
    ("DC006", &["seccomp.mode", "lsm."]),
    ("CP006", &["seccomp.mode", "lsm."]),
    ("DC007", &["nnp"]),
    ("CP007", &["nnp"]),
    ("CP008", &["docker.socket"]),
    ("CP009", &["mount:"]),
    ("DF003", &["user.root"]),
    ("DF002", &["user.sudo"]),
    ("CP012", &["seccomp.mode"]),
    ("DC010", &["seccomp.mode"]),
];

/// Checks whose amber is a broken promise.
const AMBER_BREAKS: &[&str] = &["nnp", "user.root", "limits.", "ns."];

/// Rules whose promise is a custom seccomp profile, not just any filter.
const CUSTOM_SECCOMP: &[&str] = &["CP012", "DC010"];

/// A rule active for the config and where it reported findings.
#[derive(Debug, Clone)]
pub struct Promise {
    pub code: &'static str,
    pub name: &'static str,
    /// `path:line:col` of each finding; empty when the rule promises its checks.
    pub findings: Vec<String>,
}

/// What `harden check` promises for a config, and what its devcontainer.json
/// grants on purpose, which no promise is broken by.
#[derive(Debug, Clone, Default)]
pub struct Promises {
    pub rules: Vec<Promise>,
    /// Capabilities the config grants an egress firewall (its own, or
    /// harden's `harden-egress` feature), which no capability rule removes.
    pub firewall_caps: Vec<String>,
    /// The remote user, when the devcontainer.json runs the container as
    /// root on purpose (`containerUser: root`, as DC011 writes) and the
    /// agent as this non-root `remoteUser`.
    pub root_container_for: Option<String>,
}

/// The non-root `remoteUser` of a devcontainer.json whose `containerUser`
/// is root.
fn root_container_for(doc: &harden_jsonc::JsoncDoc) -> Option<String> {
    use harden_rules::dockerfile::is_root_user;
    let get = |key: &str| doc.root().get(key).and_then(|m| m.value.as_str());
    let container = get("containerUser")?;
    let remote = get("remoteUser")?;
    (is_root_user(container) && !is_root_user(remote)).then(|| remote.to_string())
}

/// Runs the active rules over the config files under `paths`.
pub fn promises(paths: &[PathBuf], settings: &Settings) -> Result<Promises, String> {
    let (mut files, errors) = discover(paths);
    // The egress sidecar's Dockerfile builds the sidecar, not the agent.
    let sidecar = settings.profile.egress.sidecar_dockerfile.as_str();
    files.retain(|f| f.path.file_name().is_none_or(|n| n != sidecar));
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if files.is_empty() {
        return Err(format!(
            "{}: no config file found",
            paths
                .first()
                .map_or_else(String::new, |p| p.display().to_string())
        ));
    }
    // Only rules for the kinds of file the config has promise anything.
    let kinds: Vec<harden_core::FileKind> = files.iter().map(|f| f.kind).collect();
    let rules = settings
        .active_rules()
        .iter()
        .filter(|(r, _)| kinds.contains(&r.meta.kind))
        .filter(|(r, _)| RULE_CHECKS.iter().any(|(c, _)| *c == r.meta.code))
        .map(|(r, _)| Promise {
            code: r.meta.code,
            name: r.meta.name,
            findings: Vec::new(),
        })
        .collect();
    let mut out = Promises {
        rules,
        ..Promises::default()
    };
    for file in &files {
        let text = read_source(&file.path, &file.display).map_err(|e| e.to_string())?;
        let outcome = process_text(&file.display, file.kind, &text, settings, &mut |_, _, _| {
            Decision::Skip
        })
        .map_err(|e| e.to_string())?;
        if file.kind == harden_core::FileKind::Devcontainer {
            use harden_core::Document;
            if let Ok(doc) = harden_jsonc::JsoncDoc::parse(&text) {
                let firewall =
                    harden_rules::devcontainer::runs_egress_firewall(&doc, &settings.profile);
                if firewall && out.firewall_caps.is_empty() {
                    out.firewall_caps = settings.profile.capabilities.firewall.clone();
                }
                if let Some(remote) = root_container_for(&doc) {
                    out.root_container_for = Some(remote);
                }
            }
        }
        for f in &outcome.findings {
            if let Some(p) = out.rules.iter_mut().find(|p| p.code == f.rule.code) {
                p.findings.push(format!(
                    "{}:{}:{}",
                    file.display, f.start_pos.line, f.start_pos.col
                ));
            }
        }
    }
    Ok(out)
}

/// One `expect.CODE` check per promise.
pub fn compare(promises: &Promises, checks: &[Check]) -> Vec<Check> {
    let mut out = Vec::new();
    for p in &promises.rules {
        let id = format!("expect.{}", p.code);
        if !p.findings.is_empty() {
            out.push(Check::new(
                id,
                Threat::Expectation,
                Status::Amber,
                format!(
                    "not promised: harden check reports {} ({}) at {}",
                    p.code,
                    p.name,
                    p.findings.join(", ")
                ),
            ));
            continue;
        }
        let prefixes = RULE_CHECKS
            .iter()
            .find(|(c, _)| *c == p.code)
            .map_or(&[][..], |(_, ids)| *ids);
        let related: Vec<&Check> = checks
            .iter()
            .filter(|c| prefixes.iter().any(|pre| c.id.starts_with(pre)))
            .collect();
        let mut gaps: Vec<String> = related
            .iter()
            .filter(|c| {
                // Amber breaks a promise only where the rule promises exactly
                // that check; an extra capability the user added, or a
                // writable workspace mount, is not what DC002 or CP009 fix.
                let firewall_only = !c.dangerous.is_empty()
                    && c.dangerous
                        .iter()
                        .all(|d| promises.firewall_caps.contains(d));
                // Outside, user.root is the container's user, which is root
                // on purpose; the agent runs as the remote user.
                if c.id == "user.root" && promises.root_container_for.is_some() {
                    return false;
                }
                (c.status == Status::Red && !firewall_only)
                    || (c.status == Status::Amber
                        && AMBER_BREAKS.iter().any(|pre| c.id.starts_with(pre)))
            })
            .map(|c| format!("{} is {}: {}", c.id, c.status.name(), c.evidence))
            .collect();
        if CUSTOM_SECCOMP.contains(&p.code)
            && related
                .iter()
                .any(|c| c.id == "seccomp.mode" && !c.evidence.starts_with("custom"))
        {
            gaps.push("seccomp.mode: no custom seccomp profile in force".into());
        }
        out.push(if gaps.is_empty() {
            Check::new(
                id,
                Threat::Expectation,
                Status::Green,
                format!(
                    "{} ({}) promised and in force ({}){}",
                    p.code,
                    p.name,
                    if related.is_empty() {
                        "no check applies".to_string()
                    } else {
                        related
                            .iter()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                    match &promises.root_container_for {
                        _ if related.iter().any(|c| !c.dangerous.is_empty()) => {
                            let mut held: Vec<&str> = related
                                .iter()
                                .flat_map(|c| c.dangerous.iter().map(String::as_str))
                                .collect();
                            held.sort_unstable();
                            held.dedup();
                            format!("; {} held for the egress firewall", held.join(", "))
                        }
                        Some(remote) if related.iter().any(|c| c.id == "user.root") => format!(
                            "; the container runs as root (containerUser), the agent as `{remote}` (remoteUser)"
                        ),
                        _ => String::new(),
                    }
                ),
            )
        } else {
            Check::new(
                id,
                Threat::Expectation,
                Status::Red,
                format!(
                    "harden check reports nothing for {} ({}), but {}",
                    p.code,
                    p.name,
                    gaps.join("; ")
                ),
            )
        });
    }
    out
}
