//! devcontainer.json rules.

mod app_port_on_all_interfaces;
mod capabilities_not_dropped;
mod config_folder_writable;
mod credential_mount;
mod dangerous_capability_added;
pub(crate) mod docker_socket_mounted;
mod egress_unrestricted;
mod host_access_args;
mod host_namespace_shared;
mod initialize_command;
mod lifecycle_curl_pipe_shell;
pub(crate) mod mounts;
pub(crate) mod no_new_privileges_missing;
pub(crate) mod privileged_container;
mod remote_user_root;
mod resource_limits_missing;
pub mod run_args;
mod seccomp_profile_missing;
mod security_profile_disabled;
pub mod users;

use harden_core::{Applicability, Fix};
use harden_jsonc::{JsoncDoc, Node};
use serde_json::Value;

use crate::{DevcontainerCx, RuleDef};

pub static RULES: &[&RuleDef] = &[
    &resource_limits_missing::RULE,
    &capabilities_not_dropped::RULE,
    &privileged_container::RULE,
    &dangerous_capability_added::RULE,
    &host_namespace_shared::RULE,
    &security_profile_disabled::RULE,
    &no_new_privileges_missing::RULE,
    &seccomp_profile_missing::RULE,
    &lifecycle_curl_pipe_shell::RULE,
    &app_port_on_all_interfaces::RULE,
    &egress_unrestricted::RULE,
    &docker_socket_mounted::RULE,
    &credential_mount::RULE,
    &config_folder_writable::RULE,
    &initialize_command::RULE,
    &host_access_args::RULE,
    &remote_user_root::RULE,
];

/// How the config creates its container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `image` or a Dockerfile build: `runArgs` apply.
    Container,
    /// `dockerComposeFile`: `runArgs` are ignored; the compose file decides.
    Compose {
        files: Vec<String>,
        service: Option<String>,
    },
    /// Neither: a fragment or template with no container of its own.
    Unknown,
}

pub fn mode(doc: &JsoncDoc) -> Mode {
    let root = doc.root();
    if let Some(m) = root.get("dockerComposeFile") {
        let files = match &m.value.kind {
            harden_jsonc::NodeKind::String(s) => vec![s.clone()],
            harden_jsonc::NodeKind::Array(items) => items
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let service = root
            .get("service")
            .and_then(|m| m.value.as_str())
            .map(str::to_string);
        return Mode::Compose { files, service };
    }
    let build = root
        .get("build")
        .is_some_and(|b| b.value.members().is_some());
    if root.get("image").is_some() || build || root.get("dockerFile").is_some() {
        Mode::Container
    } else {
        Mode::Unknown
    }
}

/// Where a compose-mode config's service is defined, as the engine found it
/// on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeTarget {
    /// The compose file, as shown to users: among the files of
    /// `dockerComposeFile`, the first one that defines the service.
    pub file: String,
    pub service: String,
    /// The codes of the compose rules that check that file in this run.
    pub compose_rules: Vec<&'static str>,
}

/// In image or Dockerfile mode, the `runArgs` array and its options; none
/// in compose mode, where runArgs are ignored.
pub fn container_run_args(doc: &JsoncDoc) -> Option<(&Node, Vec<run_args::RunArg>)> {
    if mode(doc) != Mode::Container {
        return None;
    }
    let array = run_args::node(doc)?;
    Some((array, run_args::parse(array)))
}

/// A fix removing the option `arg` (one or two elements) from runArgs.
pub fn remove_run_arg(doc: &JsoncDoc, array: &Node, arg: &run_args::RunArg, title: String) -> Fix {
    doc.remove_elements(array, &["runArgs"], arg.elements.clone())
        .into_fix(title, Applicability::Unsafe)
}

/// What becomes of a runArgs-style finding (limits, capabilities, seccomp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handoff {
    /// Not compose mode: the fix goes into runArgs.
    RunArgs,
    /// A compose rule checks the service in this run and reports there; the
    /// devcontainer finding is dropped so that nothing is reported twice.
    Covered,
    /// Report without a fix; the note says where the change belongs.
    Note(String),
}

/// The hand-off of a runArgs-style finding on a compose-mode config to
/// `compose_rule`, the compose rule that covers the same setting.
pub fn handoff(
    cx: &DevcontainerCx<'_>,
    mode: &Mode,
    compose_rule: &'static harden_core::RuleMeta,
) -> Handoff {
    let Mode::Compose { files, service } = mode else {
        return Handoff::RunArgs;
    };
    let compose_rule = compose_rule.code;
    let ignored = "this config uses dockerComposeFile, so runArgs are ignored";
    match cx.compose {
        Some(t) if t.compose_rules.contains(&compose_rule) => Handoff::Covered,
        Some(t) => Handoff::Note(format!(
            "{ignored}: make the change in service `{}` of `{}` ({compose_rule} does it when it runs)",
            t.service, t.file
        )),
        None => Handoff::Note(format!(
            "{ignored}: make the change in service `{}` of {}",
            service.as_deref().unwrap_or("?"),
            files
                .last()
                .map_or("the compose file".to_string(), |f| format!("`{f}`"))
        )),
    }
}

/// Upper-cased capability name without the `CAP_` prefix.
/// The lifecycle commands, each as one text (the forms: a string, an
/// array of words, or an object of named commands).
pub fn lifecycle_commands(doc: &JsoncDoc) -> Vec<(&'static str, String)> {
    const KEYS: [&str; 6] = [
        "initializeCommand",
        "onCreateCommand",
        "updateContentCommand",
        "postCreateCommand",
        "postStartCommand",
        "postAttachCommand",
    ];
    fn texts(node: &Node, out: &mut Vec<String>) {
        if let Some(s) = node.as_str() {
            out.push(s.to_string());
        } else if let Some(items) = node.elements() {
            let words: Vec<&str> = items.iter().filter_map(Node::as_str).collect();
            out.push(words.join(" "));
        } else if let Some(members) = node.members() {
            for m in members {
                texts(&m.value, out);
            }
        }
    }
    let mut out = Vec::new();
    for key in KEYS {
        if let Some(m) = doc.root().get(key) {
            let mut found = Vec::new();
            texts(&m.value, &mut found);
            out.extend(found.into_iter().map(|t| (key, t)));
        }
    }
    out
}

/// Whether the config adds capability `cap` (in `capAdd` or a `runArgs`
/// `--cap-add`).
pub fn adds_capability(doc: &JsoncDoc, cap: &str) -> bool {
    let want = capability_name(cap);
    let in_cap_add = top_level_strings(doc, "capAdd")
        .iter()
        .any(|(_, _, c)| capability_name(c) == want);
    let in_run_args = run_args::node(doc).is_some_and(|array| {
        run_args::parse(array)
            .into_iter()
            .filter(|a| a.is("--cap-add"))
            .filter_map(|a| a.value)
            .any(|v| v.split(',').any(|c| capability_name(c) == want))
    });
    in_cap_add || in_run_args
}

/// The dev container's own egress firewall: it holds NET_ADMIN and a
/// lifecycle command names a firewall tool (`[egress] own_firewall_markers`).
/// Returns that command, for messages.
pub fn own_firewall(
    doc: &JsoncDoc,
    profile: &harden_profile::Profile,
) -> Option<(&'static str, String)> {
    if !adds_capability(doc, "NET_ADMIN") {
        return None;
    }
    lifecycle_commands(doc).into_iter().find(|(_, text)| {
        let lower = text.to_ascii_lowercase();
        profile
            .egress
            .own_firewall_markers
            .iter()
            .any(|m| lower.contains(&m.to_ascii_lowercase()))
    })
}

/// The short name of the first feature the config installs that is on
/// `list` (one of the profile's `[features]` lists).
pub fn feature_on(doc: &JsoncDoc, list: &[String]) -> Option<String> {
    let features = doc.root().get("features")?.value.members()?;
    features
        .iter()
        .find_map(|f| harden_profile::FeatureFacts::find(list, &f.key))
        .map(str::to_string)
}

/// A fix that appends `values` to the top-level array at `keys`, creating
/// it on one line when absent, as devcontainer.json files write arrays.
pub(crate) fn append_fix(
    doc: &JsoncDoc,
    keys: &[&str],
    values: Vec<Value>,
    title: impl Into<String>,
    applicability: Applicability,
) -> Option<Fix> {
    doc.append_at(keys, values, harden_jsonc::Layout::Inline)
        .map(|p| p.into_fix(title, applicability))
}

/// Whether the config at `path` sits in a `.devcontainer` folder (where a
/// local feature and files next to it can live).
pub fn in_devcontainer_folder(path: &str) -> bool {
    path.replace('\\', "/").contains(".devcontainer/")
}

/// Whether the config adds harden's egress feature (`./harden-egress`).
pub fn has_egress_feature(doc: &JsoncDoc) -> bool {
    doc.root()
        .get("features")
        .and_then(|f| f.value.members())
        .is_some_and(|m| {
            m.iter().any(|m| {
                m.key.trim_end_matches('/').rsplit('/').next() == Some(crate::egress::FEATURE_DIR)
            })
        })
}

/// Whether a firewall the config runs filters the container's egress:
/// harden's feature, or the project's own (see [`own_firewall`]).
pub fn runs_egress_firewall(doc: &JsoncDoc, profile: &harden_profile::Profile) -> bool {
    has_egress_feature(doc) || own_firewall(doc, profile).is_some()
}

/// Whether `runArgs` leaves the container without a network of its own to
/// filter: `--network none`, or another container's namespace.
pub fn network_closed(args: &[run_args::RunArg]) -> bool {
    args.iter()
        .filter(|a| a.is("--network") || a.is("--net"))
        .filter_map(|a| a.value.as_deref())
        .any(|v| v == "none" || v.starts_with("container:"))
}

pub use harden_core::capability_name;

/// The string elements of the top-level array `key` with their indices.
pub fn top_level_strings<'d>(doc: &'d JsoncDoc, key: &str) -> Vec<(usize, &'d Node, &'d str)> {
    doc.root()
        .get(key)
        .and_then(|m| m.value.elements())
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.as_str().map(|s| (i, n, s)))
        .collect()
}

/// The byte range covering the `runArgs` elements of one option.
pub fn run_arg_range(array: &Node, arg: &run_args::RunArg) -> std::ops::Range<usize> {
    let elements = array.elements().unwrap_or(&[]);
    elements[arg.elements.start].range.start..elements[arg.elements.end - 1].range.end
}

/// Where a finding about `runArgs` points: the array, or the root's opening
/// brace when there is none.
pub fn run_args_range(doc: &JsoncDoc) -> std::ops::Range<usize> {
    let root = doc.root();
    run_args::node(doc).map_or(root.range.start..root.range.start + 1, |a| a.range.clone())
}
