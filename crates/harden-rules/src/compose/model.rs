//! The compose model the rules share: a file's services as the rules see
//! them, the project it belongs to, its networks and which services are
//! agents.

use harden_core::{capability_name, ValuePath};
use harden_profile::{EgressParams, Profile};
use harden_yaml::{NodeId, YamlDoc};
use serde_json::Value;

/// What a compose check sees.
pub struct ComposeCx<'a> {
    pub doc: &'a YamlDoc,
    pub profile: &'a Profile,
    /// What the dev containers that run on this file say about it.
    pub usage: &'a ComposeUsage,
    /// [`selected`], found once for all rules.
    selected: std::cell::OnceCell<Vec<Service>>,
}

impl<'a> ComposeCx<'a> {
    pub fn new(doc: &'a YamlDoc, profile: &'a Profile, usage: &'a ComposeUsage) -> Self {
        ComposeCx {
            doc,
            profile,
            usage,
            selected: std::cell::OnceCell::new(),
        }
    }
}

/// What the devcontainer.json files that list a compose file in
/// `dockerComposeFile` say about it. Empty when none does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComposeUsage {
    /// The services dev containers run in (their `service`).
    pub dev_services: Vec<String>,
    /// Compose resolves relative paths (a `seccomp:` file among them) from
    /// the project directory: the directory of the first file of
    /// `dockerComposeFile`. One entry per distinct project directory, as the
    /// `/`-separated path from it to this file's directory (`""` when it is
    /// this file's own directory). No entry: the file's own directory.
    pub dirs_from_project: Vec<String>,
    /// The other files of this file's compose project (the standard base
    /// and override pair, or a `dockerComposeFile` list), in merge order:
    /// those merged before this one and those merged after it.
    pub earlier: Vec<ProjectFile>,
    pub later: Vec<ProjectFile>,
}

/// Another file of the same compose project: its name as shown and, per
/// service it defines, the keys it sets there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFile {
    pub name: String,
    pub services: Vec<(String, Vec<String>)>,
}

impl ComposeUsage {
    /// The file merged before this one that defines `service` first, when
    /// one does. It owns the keys the rules add to the service: the merged
    /// project gets each once, and it holds them wherever it is used alone.
    pub fn owner_of(&self, service: &str) -> Option<&ProjectFile> {
        self.earlier.iter().find(|f| f.keys_of(service).is_some())
    }

    /// Whether this file owns `service`'s added keys (see [`Self::owner_of`]).
    pub fn owns(&self, service: &str) -> bool {
        self.owner_of(service).is_none()
    }
}

impl ProjectFile {
    pub fn keys_of(&self, service: &str) -> Option<&[String]> {
        self.services
            .iter()
            .find(|(s, _)| s == service)
            .map(|(_, keys)| keys.as_slice())
    }
}

/// One service of the file.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    /// The service's key node.
    pub key: NodeId,
    /// The service's mapping (after aliases).
    pub map: NodeId,
}

impl Service {
    pub fn path(&self) -> ValuePath {
        ValuePath::root()
            .child("services")
            .child(self.name.as_str())
    }

    pub fn target(&self, what: &str) -> String {
        format!("services/{}/{what}", self.name)
    }
}

/// Every service whose value is a mapping, in file order, aliases included.
fn all_services(doc: &YamlDoc) -> Vec<Service> {
    let Some(root) = doc.root() else {
        return Vec::new();
    };
    let Some(found) = doc.lookup(root, "services") else {
        return Vec::new();
    };
    doc.effective_entries(found.entry.value)
        .into_iter()
        .map(|(name, f)| Service {
            name,
            key: f.entry.key,
            map: doc.resolve(f.entry.value),
        })
        .filter(|s| doc.is_mapping(s.map))
        .collect()
}

/// The services the rules check: those whose value is a mapping, in file
/// order. Services that alias another's mapping (`b: *a`) are listed once,
/// under the first name, or under a dev container's service name when one
/// of them is. Nothing else is skipped, so a dev container's service never is.
pub fn selected(cx: &ComposeCx<'_>) -> Vec<Service> {
    cx.selected.get_or_init(|| select(cx)).clone()
}

fn select(cx: &ComposeCx<'_>) -> Vec<Service> {
    let dev = |s: &Service| cx.usage.dev_services.contains(&s.name);
    let mut out: Vec<Service> = Vec::new();
    for svc in all_services(cx.doc) {
        match out.iter_mut().find(|s| s.map == svc.map) {
            Some(kept) if dev(&svc) && !dev(kept) => *kept = svc,
            Some(_) => {}
            None => out.push(svc),
        }
    }
    out
}

/// Whether the file declares `version: "3"` / `"3.x"`, whose schema has no
/// service-level `mem_limit`, `cpus` or `pids_limit`.
pub fn is_v3(doc: &YamlDoc) -> bool {
    let Some(v) = doc.path(&["version"]) else {
        return false;
    };
    doc.scalar(v)
        .is_some_and(|s| s.trim() == "3" || s.trim().starts_with("3."))
}

/// The path by which compose finds `name`, a file in this compose file's
/// directory (`""`: the directory itself). Compose resolves relative paths
/// from the project directory; see [`ComposeUsage::dirs_from_project`].
pub fn from_project(cx: &ComposeCx<'_>, name: &str) -> Result<String, &'static str> {
    let dir = match cx.usage.dirs_from_project.as_slice() {
        [] => "",
        [dir] => dir.as_str(),
        _ => {
            return Err(
                "dev containers use this file from several project directories, so no one \
                 relative path reaches a file next to it: make the change by hand",
            )
        }
    };
    let dir = match dir {
        "" => ".".to_string(),
        d if d.starts_with("..") => d.to_string(),
        d => format!("./{d}"),
    };
    Ok(if name.is_empty() {
        dir
    } else {
        format!("{dir}/{name}")
    })
}

/// The string items of a service's list key (merge-aware), with their nodes.
pub fn string_items(doc: &YamlDoc, svc: &Service, key: &str) -> Vec<(usize, NodeId, String)> {
    let Some(found) = doc.lookup(svc.map, key) else {
        return Vec::new();
    };
    doc.items(found.entry.value)
        .iter()
        .enumerate()
        .filter_map(|(i, n)| doc.scalar(*n).map(|s| (i, *n, s.to_string())))
        .collect()
}

/// Whether the top-level network `name` is `internal: true`.
pub fn is_internal_network(doc: &YamlDoc, name: &str) -> bool {
    doc.path(&["networks", name])
        .and_then(|n| doc.lookup(n, "internal"))
        .and_then(|f| doc.scalar_value(f.entry.value))
        == Some(Value::Bool(true))
}

/// Where the sidecar finds the generated files.
pub(crate) const MOUNT_DIR: &str = "/etc/harden";

/// Whether a service runs harden's egress firewall: its command names the
/// mounted script. Such a service is the one that may hold NET_ADMIN.
pub fn is_egress_sidecar(doc: &YamlDoc, svc: &Service, params: &EgressParams) -> bool {
    let script = format!("{MOUNT_DIR}/{}", params.script_file);
    doc.lookup(svc.map, "command")
        .is_some_and(|f| match doc.node_value(f.entry.value) {
            Value::String(s) => s.contains(&script),
            Value::Array(items) => items.iter().any(|i| i.as_str() == Some(script.as_str())),
            _ => false,
        })
}

/// The services that get a firewall: the dev containers' services and
/// those whose name contains one of the profile's agent words.
pub fn agent_services(cx: &ComposeCx<'_>) -> Vec<Service> {
    let words: Vec<String> = cx
        .profile
        .egress
        .agent_services
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    selected(cx)
        .into_iter()
        .filter(|s| {
            let name = s.name.to_ascii_lowercase();
            cx.usage.dev_services.contains(&s.name) || words.iter().any(|w| name.contains(w))
        })
        .filter(|s| !is_egress_sidecar(cx.doc, s, &cx.profile.egress))
        .collect()
}

/// The networks a service names (list or mapping form); empty for none.
pub fn network_names(doc: &YamlDoc, svc: &Service) -> Vec<String> {
    let Some(found) = doc.lookup(svc.map, "networks") else {
        return Vec::new();
    };
    let v = doc.resolve(found.entry.value);
    if doc.is_sequence(v) {
        doc.items(v)
            .iter()
            .filter_map(|n| doc.scalar(*n).map(str::to_string))
            .collect()
    } else {
        doc.entries(v)
            .iter()
            .filter_map(|e| doc.key_str(*e).map(str::to_string))
            .collect()
    }
}

/// Whether `svc` runs in the network namespace of service `other`
/// (`network_mode: service:other`).
pub fn shares_namespace_of(doc: &YamlDoc, svc: &Service, other: &str) -> bool {
    doc.lookup(svc.map, "network_mode")
        .and_then(|f| doc.scalar(f.entry.value))
        .and_then(|m| m.trim().strip_prefix("service:"))
        .is_some_and(|name| name == other)
}

/// Whether the service holds only NET_ADMIN beyond `cap_drop: [ALL]`.
pub fn holds_only_net_admin(doc: &YamlDoc, svc: &Service) -> bool {
    let caps = |key: &str| -> Vec<String> {
        string_items(doc, svc, key)
            .iter()
            .map(|(_, _, c)| capability_name(c))
            .collect()
    };
    caps("cap_drop").contains(&"ALL".to_string()) && caps("cap_add") == ["NET_ADMIN"]
}
