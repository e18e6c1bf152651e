//! Hermes Agent `config.yaml` rules (`~/.hermes/config.yaml`, per profile
//! `~/.hermes/profiles/NAME/config.yaml`, a project's `.hermes/config.yaml`).
//!
//! With a container backend (docker, singularity, modal, daytona,
//! vercel_sandbox) Hermes skips its approval gate entirely, so the container
//! settings are the only control; with the `local` backend commands run on
//! the host behind the approval gate.

use harden_core::{
    Applicability, Change, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath,
};
use harden_profile::Profile;
use harden_yaml::{NodeId, YamlDoc};
use serde_json::Value;

use crate::{Check, RuleDef};

pub static RULES: &[&RuleDef] = &[
    &APPROVALS_RULE,
    &CONTAINER_RULE,
    &SECRETS_RULE,
    &LOCAL_RULE,
    &MOUNTS_RULE,
];

/// What a Hermes config check sees.
pub struct HermesCx<'a> {
    pub doc: &'a YamlDoc,
    pub profile: &'a Profile,
    pub layer: HermesLayer,
}

/// Which config a file is. Hermes reads `config.yaml` from its home
/// (`HERMES_HOME`, `~/.hermes` by default) or from a profile's folder there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HermesLayer {
    User,
    Profile(String),
    /// A copy elsewhere, such as in a repository.
    Copy,
}

impl HermesLayer {
    pub fn of(path: &std::path::Path, home: Option<&std::path::Path>) -> HermesLayer {
        let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
        let Some(hermes) = home.map(|h| canonical(&h.join(".hermes"))) else {
            return HermesLayer::Copy;
        };
        let dir = path.parent().map(canonical);
        if dir.as_deref() == Some(hermes.as_path()) {
            return HermesLayer::User;
        }
        match dir {
            Some(d) if d.parent() == Some(hermes.join("profiles").as_path()) => {
                HermesLayer::Profile(
                    d.file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default(),
                )
            }
            _ => HermesLayer::Copy,
        }
    }
}

impl HermesCx<'_> {
    /// ` (user config)`, for messages.
    fn at(&self) -> String {
        match &self.layer {
            HermesLayer::User => " (user config)".into(),
            HermesLayer::Profile(p) => format!(" (profile `{p}` config)"),
            HermesLayer::Copy => {
                " (a copy: Hermes reads the config.yaml in HERMES_HOME, ~/.hermes by default)"
                    .into()
            }
        }
    }
}

pub const CONTAINER_BACKENDS: &[&str] = &[
    "docker",
    "singularity",
    "modal",
    "daytona",
    "vercel_sandbox",
];

pub static APPROVALS_META: RuleMeta = RuleMeta {
    code: "HM001",
    name: "hermes-approvals-off",
    kind: FileKind::HermesConfig,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Hermes approves every command itself (`approvals.mode: off`, the same as `--yolo`)",
    breakage: "Unattended runs can stop at an approval",
    doc: include_str!("../../../../docs/rules/HM001.md"),
};
pub static APPROVALS_RULE: RuleDef = RuleDef {
    meta: &APPROVALS_META,
    check: Check::Hermes(check_approvals),
};

pub static CONTAINER_META: RuleMeta = RuleMeta {
    code: "HM002",
    name: "hermes-container-unconfined",
    kind: FileKind::HermesConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The container backend's sandbox is opened up (`docker_extra_args` with `--privileged`, host namespaces, added capabilities) or has no CPU/memory limit",
    breakage: "Tools that needed the removed privileges; builds that need more memory or CPU than the limits",
    doc: include_str!("../../../../docs/rules/HM002.md"),
};
pub static CONTAINER_RULE: RuleDef = RuleDef {
    meta: &CONTAINER_META,
    check: Check::Hermes(check_container),
};

pub static SECRETS_META: RuleMeta = RuleMeta {
    code: "HM003",
    name: "hermes-secrets-forwarded",
    kind: FileKind::HermesConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe (docker_forward_env); reported (sudo_password)",
    summary: "Secrets reach the sandbox: `docker_forward_env` names tokens or keys, or `sudo_password` is stored in the config",
    breakage: "Commands in the sandbox no longer see those variables; give them a token scoped to the task",
    doc: include_str!("../../../../docs/rules/HM003.md"),
};
pub static SECRETS_RULE: RuleDef = RuleDef {
    meta: &SECRETS_META,
    check: Check::Hermes(check_secrets),
};

pub static LOCAL_META: RuleMeta = RuleMeta {
    code: "HM004",
    name: "hermes-local-backend",
    kind: FileKind::HermesConfig,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "report only",
    summary: "Hermes runs commands on the host (`terminal.backend: local`, the default)",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/HM004.md"),
};
pub static LOCAL_RULE: RuleDef = RuleDef {
    meta: &LOCAL_META,
    check: Check::Hermes(check_local),
};

pub static MOUNTS_META: RuleMeta = RuleMeta {
    code: "HM005",
    name: "hermes-host-mounts",
    kind: FileKind::HermesConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe (docker_volumes); reported (the rest)",
    summary: "The container backend mounts host credentials, the Docker socket or a sensitive host directory (`docker_volumes`), or the host's home or launch directory",
    breakage: "Commands in the sandbox no longer see those host paths",
    doc: include_str!("../../../../docs/rules/HM005.md"),
};
pub static MOUNTS_RULE: RuleDef = RuleDef {
    meta: &MOUNTS_META,
    check: Check::Hermes(check_mounts),
};

fn path(keys: &[&str]) -> ValuePath {
    keys.iter().fold(ValuePath::root(), |p, k| p.child(*k))
}

/// The mapping or node at `keys`, when it appears in the value at exactly
/// that path (no alias or merge makes an edit land elsewhere too).
fn plain_node(doc: &YamlDoc, keys: &[&str]) -> Option<NodeId> {
    let id = doc.path(keys)?;
    (doc.paths_of(id) == vec![path(keys)]).then_some(id)
}

fn value_at<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(value, |v, k| v.get(k))
}

fn backend(cx: &HermesCx<'_>) -> String {
    value_at(cx.doc.value_ref(), &["terminal", "backend"])
        .and_then(Value::as_str)
        .unwrap_or("local")
        .to_string()
}

fn range(doc: &YamlDoc, keys: &[&str]) -> std::ops::Range<usize> {
    let Some((last, parents)) = keys.split_last() else {
        return 0..0;
    };
    let parent = if parents.is_empty() {
        doc.root()
    } else {
        doc.path(parents)
    };
    match parent.and_then(|p| doc.get(p, last)) {
        Some(e) => doc.entry_range(e),
        None => parent.map_or(0..0, |p| {
            let r = doc.range(p);
            r.start..r.start
        }),
    }
}

fn check_approvals(cx: &HermesCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // `off` unquoted is the boolean false for YAML 1.1 readers such as PyYAML.
    let mode = value_at(doc.value_ref(), &["approvals", "mode"]);
    let off =
        matches!(mode, Some(Value::String(s)) if s == "off") || mode == Some(&Value::Bool(false));
    if !off {
        return Vec::new();
    }
    let keys = ["approvals", "mode"];
    let mut f = Finding::new(
        &APPROVALS_META,
        range(doc, &keys),
        "approvals.mode",
        format!(
            "`approvals.mode` is off: every command is approved without a check{}",
            cx.at()
        ),
    );
    let container = CONTAINER_BACKENDS.contains(&backend(cx).as_str());
    let wanted = Value::String(cx.profile.hermes.approvals_mode.clone());
    let fix = plain_node(doc, &keys).and_then(|id| doc.edits().replace_scalar(id, &wanted).ok());
    f = match fix {
        Some(edit) => f.with_fix(Fix::new(
            format!(
                "Set `approvals.mode` to {}",
                cx.profile.hermes.approvals_mode
            ),
            Applicability::Unsafe,
            vec![edit],
            vec![Change::Set {
                path: path(&keys),
                value: wanted,
            }],
        )),
        None => f,
    };
    if container {
        f = f.with_note("with a container backend Hermes skips the approval gate anyway: the container settings (HM002, HM003) are the control");
    }
    vec![f]
}

/// A `docker_extra_args` item and, for a flag whose value is the next item,
/// that value: (flag, value, items used).
fn parse_arg(items: &[String], i: usize) -> (String, Option<String>, usize) {
    const TAKES_VALUE: &[&str] = &[
        "--cap-add",
        "--device",
        "--network",
        "--net",
        "--pid",
        "--ipc",
        "--uts",
        "--userns",
        "--security-opt",
        "-v",
        "--volume",
        "--mount",
    ];
    let s = items[i].trim();
    if let Some((name, val)) = s.split_once('=') {
        return (name.to_string(), Some(val.to_string()), 1);
    }
    if TAKES_VALUE.contains(&s) && i + 1 < items.len() {
        return (s.to_string(), Some(items[i + 1].trim().to_string()), 2);
    }
    (s.to_string(), None, 1)
}

fn is_dangerous(profile: &Profile, name: &str, val: Option<&str>) -> bool {
    let combined = match val {
        Some(v) => format!("{name}={v}"),
        None => name.to_string(),
    };
    if val.is_some_and(|v| v.contains("docker.sock")) {
        return true;
    }
    if name == "--privileged" && val.is_some_and(|v| v.eq_ignore_ascii_case("false")) {
        return false;
    }
    profile
        .hermes
        .dangerous_docker_args
        .iter()
        .any(|d| *d == combined || (!d.contains('=') && d == name))
}

fn check_container(cx: &HermesCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let backend = backend(cx);
    if !CONTAINER_BACKENDS.contains(&backend.as_str()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let args_keys = ["terminal", "docker_extra_args"];
    if let Some(Value::Array(items)) = value_at(doc.value_ref(), &args_keys) {
        let items: Vec<String> = items
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        let mut i = 0;
        let mut bad: Vec<(usize, usize, String)> = Vec::new();
        while i < items.len() {
            let (name, val, used) = parse_arg(&items, i);
            if is_dangerous(cx.profile, &name, val.as_deref()) {
                bad.push((i, used, items[i..i + used].join(" ")));
            }
            i += used;
        }
        if !bad.is_empty() {
            let indices: Vec<usize> = bad.iter().flat_map(|(i, n, _)| *i..*i + *n).collect();
            let shown: Vec<String> = bad.iter().map(|(_, _, s)| format!("`{s}`")).collect();
            let mut f = Finding::new(
                &CONTAINER_META,
                range(doc, &args_keys),
                "terminal.docker_extra_args",
                format!(
                    "`docker_extra_args` opens the sandbox{}: {}",
                    cx.at(),
                    shown.join(", ")
                ),
            );
            let p = path(&args_keys);
            let fix = plain_node(doc, &args_keys)
                .and_then(|seq| doc.edits().remove_items(seq, &indices).ok());
            if let Some(edits) = fix {
                let changes = indices
                    .iter()
                    .rev()
                    .map(|i| Change::Remove { path: p.child(*i) })
                    .collect();
                f = f.with_fix(Fix::new(
                    format!("Remove {} from `docker_extra_args`", shown.join(", ")),
                    Applicability::Unsafe,
                    edits,
                    changes,
                ));
            }
            out.push(f);
        }
    }
    let terminal = plain_node(doc, &["terminal"]).filter(|t| doc.is_mapping(*t));
    for (key, wanted) in [
        ("container_memory", cx.profile.hermes.container_memory),
        ("container_cpu", cx.profile.hermes.container_cpu),
    ] {
        let keys = ["terminal", key];
        let current = value_at(doc.value_ref(), &keys);
        let unlimited = match current {
            None => true,
            Some(v) => v.as_f64() == Some(0.0),
        };
        if !unlimited {
            continue;
        }
        let message = match current {
            None => format!("`terminal.{key}` is not set{}", cx.at()),
            Some(_) => format!("`terminal.{key}` is 0 (no limit){}", cx.at()),
        };
        let mut f = Finding::new(
            &CONTAINER_META,
            range(doc, &keys),
            format!("terminal.{key}"),
            message,
        );
        let value = Value::from(wanted);
        if let Some(t) = terminal {
            if let Ok(edits) = doc.edits().set_entry(t, key, &value) {
                f = f.with_fix(Fix::new(
                    format!("Set `terminal.{key}: {wanted}`"),
                    Applicability::Unsafe,
                    edits,
                    vec![Change::Set {
                        path: path(&keys),
                        value,
                    }],
                ));
            }
        }
        out.push(f);
    }
    out
}

/// `*` matches any run of characters.
fn glob(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((head, rest)) => {
            let Some(tail) = s.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

fn check_secrets(cx: &HermesCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let keys = ["terminal", "docker_forward_env"];
    if let Some(Value::Array(items)) = value_at(doc.value_ref(), &keys) {
        let bad: Vec<(usize, String)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (i, s.to_string())))
            .filter(|(_, s)| cx.profile.hermes.secret_env.iter().any(|p| glob(p, s)))
            .collect();
        if !bad.is_empty() {
            let names: Vec<String> = bad.iter().map(|(_, s)| s.clone()).collect();
            let mut f = Finding::new(
                &SECRETS_META,
                range(doc, &keys),
                "terminal.docker_forward_env",
                format!("`docker_forward_env` passes secrets into the sandbox{}: {}", cx.at(), names.join(", ")),
            )
            .with_note("every command in the sandbox sees them; forward a token scoped to the task instead");
            let indices: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
            let p = path(&keys);
            if let Some(edits) =
                plain_node(doc, &keys).and_then(|seq| doc.edits().remove_items(seq, &indices).ok())
            {
                let changes = indices
                    .iter()
                    .rev()
                    .map(|i| Change::Remove { path: p.child(*i) })
                    .collect();
                f = f.with_fix(Fix::new(
                    format!("Remove {} from `docker_forward_env`", names.join(", ")),
                    Applicability::Unsafe,
                    edits,
                    changes,
                ));
            }
            out.push(f);
        }
    }
    if value_at(doc.value_ref(), &["terminal", "sudo_password"]).is_some() {
        out.push(
            Finding::new(
                &SECRETS_META,
                range(doc, &["terminal", "sudo_password"]),
                "terminal.sudo_password",
                format!("`terminal.sudo_password` stores a sudo password in plain text (an empty one makes sudo run without a prompt){}", cx.at()),
            )
            .with_note("remove it and grant the sandbox user only the commands it needs"),
        );
    }
    out
}

fn check_local(cx: &HermesCx<'_>) -> Vec<Finding> {
    let backend = backend(cx);
    if backend != "local" {
        return Vec::new();
    }
    let keys = ["terminal", "backend"];
    let set = value_at(cx.doc.value_ref(), &keys).is_some();
    vec![Finding::new(
        &LOCAL_META,
        range(cx.doc, &keys),
        "terminal.backend",
        if set {
            format!("`terminal.backend: local` runs every command on the host{}", cx.at())
        } else {
            format!("no `terminal.backend`: the default `local` runs every command on the host{}", cx.at())
        },
    )
    .with_note("`backend: docker` runs commands in a container (no access to the host's files beyond its volumes); keep `approvals.mode` on while commands run locally")]
}

/// Whether a host path is a credential store, a Docker socket or a
/// sensitive directory of the profile (`/` and `~` count only themselves).
fn risky_host_path(profile: &Profile, host: &str) -> bool {
    use crate::compose::volumes::{normalize_host_path, path_matches};
    let m = &profile.mounts;
    m.credential_paths.iter().any(|p| path_matches(host, p))
        || m.docker_sockets
            .iter()
            .any(|p| host == normalize_host_path(p))
        || m.sensitive_paths.iter().any(|p| {
            let p = normalize_host_path(p);
            host == p || (p != "/" && p != "~" && host.starts_with(&format!("{p}/")))
        })
}

fn check_mounts(cx: &HermesCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    if !CONTAINER_BACKENDS.contains(&backend(cx).as_str()) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let keys = ["terminal", "docker_volumes"];
    if let Some(Value::Array(items)) = value_at(doc.value_ref(), &keys) {
        let bad: Vec<(usize, String)> = items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (i, s.to_string())))
            .filter(|(_, s)| {
                let (source, _, _) = crate::compose::volumes::split_short(s);
                source.is_some_and(|h| {
                    risky_host_path(
                        cx.profile,
                        &crate::compose::volumes::normalize_host_path(&h),
                    )
                })
            })
            .collect();
        if !bad.is_empty() {
            let names: Vec<String> = bad.iter().map(|(_, s)| format!("`{s}`")).collect();
            let mut f = Finding::new(
                &MOUNTS_META,
                range(doc, &keys),
                "terminal.docker_volumes",
                format!(
                    "`docker_volumes` mounts host paths the agent must not reach{}: {}",
                    cx.at(),
                    names.join(", ")
                ),
            );
            let indices: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
            let p = path(&keys);
            if let Some(edits) =
                plain_node(doc, &keys).and_then(|seq| doc.edits().remove_items(seq, &indices).ok())
            {
                let changes = indices
                    .iter()
                    .rev()
                    .map(|i| Change::Remove { path: p.child(*i) })
                    .collect();
                f = f.with_fix(Fix::new(
                    format!("Remove {} from `docker_volumes`", names.join(", ")),
                    Applicability::Unsafe,
                    edits,
                    changes,
                ));
            }
            out.push(f);
        }
    }
    let terminal = value_at(doc.value_ref(), &["terminal"]);
    if terminal.and_then(|t| t.get("docker_mount_cwd_to_workspace")) == Some(&Value::Bool(true)) {
        out.push(
            Finding::new(
                &MOUNTS_META,
                range(doc, &["terminal", "docker_mount_cwd_to_workspace"]),
                "terminal.docker_mount_cwd_to_workspace",
                format!(
                    "the directory Hermes starts in is mounted read-write at /workspace{}",
                    cx.at()
                ),
            )
            .with_note("started from the home directory, that is every file of the user; start Hermes in the project folder or mount the project explicitly"),
        );
    }
    if terminal
        .and_then(|t| t.get("home_mode"))
        .and_then(Value::as_str)
        == Some("real")
    {
        out.push(Finding::new(
            &MOUNTS_META,
            range(doc, &["terminal", "home_mode"]),
            "terminal.home_mode",
            format!(
                "`home_mode: real` gives commands the user's real home directory{}",
                cx.at()
            ),
        ));
    }
    out
}
