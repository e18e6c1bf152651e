//! Hardening profiles: which rules each tier turns on and every parameter
//! the rules use. The built-in profile is `profiles/default.toml`, compiled
//! into the binary; a custom profile overrides it key by key.

use std::collections::BTreeMap;
use std::fmt;

use harden_core::{LineCol, LineIndex, Tier};
use serde::Deserialize;

pub const BUILTIN_TEXT: &str = include_str!("../../../profiles/default.toml");
pub const BUILTIN_PATH: &str = "<built-in profile>";

/// Docker's default seccomp profile, byte for byte as moby ships it; the
/// tier-3 profile is generated from it.
pub const DOCKER_SECCOMP_DEFAULT: &str =
    include_str!("../../../profiles/seccomp/docker-default.json");
/// Where [`DOCKER_SECCOMP_DEFAULT`] was read from.
pub const DOCKER_SECCOMP_SOURCE_TEXT: &str =
    include_str!("../../../profiles/seccomp/docker-default.toml");

/// The provenance of Docker's default seccomp profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeccompSource {
    pub repository: String,
    pub commit: String,
    pub commit_date: String,
    pub path: String,
    pub module: String,
    pub blob: String,
    pub sha256: String,
}

impl SeccompSource {
    pub fn builtin() -> SeccompSource {
        toml::from_str(DOCKER_SECCOMP_SOURCE_TEXT).expect("the seccomp source record is valid")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Tier number ("1".."4") to the rule codes it turns on.
    pub tiers: BTreeMap<String, Vec<String>>,
    pub resources: Resources,
    pub capabilities: Capabilities,
    pub mounts: Mounts,
    pub dockerfile: DockerfileParams,
    pub seccomp: SeccompParams,
    pub userns: UsernsParams,
    pub egress: EgressParams,
    pub claude: ClaudeParams,
    pub codex: CodexParams,
    pub vscode: VscodeParams,
    pub opencode: OpencodeParams,
    pub hermes: HermesParams,
    pub agents: AgentParams,
    pub images: ImageFacts,
    pub features: FeatureFacts,
}

/// What well-known dev container features imply, by the last segment of
/// their id (`ghcr.io/devcontainers/features/docker-in-docker:2` is
/// `docker-in-docker`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureFacts {
    /// Features that run the container privileged.
    pub privileged: Vec<String>,
    /// Features that bind-mount the host's Docker socket.
    pub docker_socket: Vec<String>,
    /// Features whose entrypoint starts a service through `sudo` when the
    /// container user is not root: under no-new-privileges that fails, and
    /// the container stops.
    #[serde(default)]
    pub sudo_entrypoint: Vec<String>,
    /// Features that give the remote user passwordless sudo.
    #[serde(default)]
    pub passwordless_sudo: Vec<String>,
}

impl FeatureFacts {
    /// The short name of feature reference `id` when it is in `list`.
    pub fn find<'a>(list: &'a [String], id: &str) -> Option<&'a str> {
        let name = id
            .split(['@', ':'])
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        list.iter().find(|f| f.as_str() == name).map(String::as_str)
    }
}

/// What well-known images set about users, for the rules that judge who a
/// dev container runs as. An image not listed is unknown.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageFacts {
    pub known: Vec<KnownImage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownImage {
    /// A repository without tag (`node`, `mcr.microsoft.com/devcontainers/base`),
    /// or a prefix ending in `/*`.
    pub image: String,
    /// The `USER` the image sets (`root` when it sets none).
    pub user: String,
    /// The `remoteUser` its `devcontainer.metadata` label sets, if any.
    #[serde(default)]
    pub remote_user: Option<String>,
    /// A non-root user the image creates, when it runs as root and has no
    /// label that names one (`node`'s `node`): what DC017 sets remoteUser to.
    #[serde(default)]
    pub non_root_user: Option<String>,
}

impl ImageFacts {
    /// The entry for image reference `reference` (tag and digest ignored,
    /// Docker Hub's `docker.io/library/` spelled short); the first match wins.
    pub fn lookup(&self, reference: &str) -> Option<&KnownImage> {
        let repo = image_repository(reference);
        self.known
            .iter()
            .find(|k| match k.image.strip_suffix("/*") {
                Some(prefix) => repo
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/')),
                None => repo == k.image,
            })
    }
}

/// `reference` without tag, digest and Docker Hub's default registry.
fn image_repository(reference: &str) -> &str {
    let no_digest = reference.split('@').next().unwrap_or(reference);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let repo = match no_digest[last_slash..].find(':') {
        Some(colon) => &no_digest[..last_slash + colon],
        None => no_digest,
    };
    repo.strip_prefix("docker.io/library/")
        .or_else(|| repo.strip_prefix("docker.io/"))
        .unwrap_or(repo)
}

/// Facts about the coding agents shared by their rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentParams {
    /// Command-line flags that turn an agent's approvals off.
    pub autonomy_flags: Vec<String>,
}

/// OpenCode: the V1 `permission` object written when a config has none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpencodeParams {
    /// JSON text, in rule order (the last matching rule wins).
    pub permission: String,
}

/// Hermes Agent: the values the HM rules write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HermesParams {
    /// Written over `approvals.mode: off`.
    pub approvals_mode: String,
    /// Written when a container backend has no limit (MB and CPUs).
    pub container_memory: u32,
    pub container_cpu: u32,
    /// `docker_extra_args` flags removed (a flag also matches `FLAG=...`).
    pub dangerous_docker_args: Vec<String>,
    /// Variables never forwarded into the container (`*` matches any run).
    pub secret_env: Vec<String>,
}

/// VS Code Dev Containers: the user settings that stop credential
/// forwarding, and the variables a devcontainer.json's `remoteEnv` unsets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VscodeParams {
    /// Setting name (without `dev.containers.`) to the value written.
    pub user_settings: BTreeMap<String, toml::Value>,
    /// Forwarded sockets and editor bridge variables set to null in `remoteEnv`.
    pub scrub_env: Vec<String>,
}

/// Claude Code settings: what the CC rules write and which versions know it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaudeParams {
    /// The version assumed without `--claude-version`.
    pub baseline_version: String,
    /// Dotted key path to the first version that reads it; a key not listed
    /// is never written.
    pub key_versions: BTreeMap<String, String>,
    /// Paths whose reads are denied (`Read(path)` rules).
    pub deny_read: Vec<String>,
    /// Paths whose edits are denied (`Edit(path)` rules).
    pub deny_edit: Vec<String>,
    /// Allow rules that approve a whole tool.
    pub broad_allow: Vec<String>,
}

/// Codex CLI `config.toml`: the values the CX rules write.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodexParams {
    pub sandbox_mode: String,
    pub approval_policy: String,
    /// `shell_environment_policy.exclude` patterns of secret variables.
    pub env_exclude: Vec<String>,
}

/// The egress allowlist and the firewall script that enforces it (tier 4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressParams {
    /// Domains reachable on ports 443 and 80.
    pub allow: Vec<String>,
    /// The only resolvers DNS may reach (IPv4 addresses).
    pub dns_servers: Vec<String>,
    /// File names of the generated allowlist and script.
    pub allowlist_file: String,
    pub script_file: String,
    /// The generated Dockerfile of the compose sidecar and its base image.
    pub sidecar_dockerfile: String,
    pub sidecar_image: String,
    /// Words that mark a compose service as an agent (matched in its name).
    pub agent_services: Vec<String>,
    /// How often the script re-resolves the allowlist when looping; 0 runs once.
    pub refresh_seconds: u32,
    /// Words in a lifecycle command that mark a dev container's own firewall.
    pub own_firewall_markers: Vec<String>,
}

/// User-namespace remapping (tier 4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsernsParams {
    /// The daemon's `userns-remap` value.
    pub remap: String,
}

/// The generated seccomp profile (tier 3): Docker's default minus
/// `extra_denied`, plus `allow`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeccompParams {
    pub file_name: String,
    /// Refused although Docker's default allows them.
    pub extra_denied: Vec<String>,
    /// Allowed with any arguments, whatever Docker's default and
    /// `extra_denied` say.
    pub allow: Vec<String>,
}

impl SeccompParams {
    /// Syscall names are lowercase letters, digits and `_`. On error, the
    /// offending key and a message.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (key, names) in [("extra_denied", &self.extra_denied), ("allow", &self.allow)] {
            if let Some(bad) = names.iter().find(|n| !is_syscall_name(n)) {
                return Err((
                    key,
                    format!("`seccomp.{key}`: `{bad}` is not a syscall name (lowercase letters, digits, `_`)"),
                ));
            }
        }
        Ok(())
    }
}

fn is_syscall_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Parameters of the Dockerfile rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DockerfileParams {
    /// Programs that run a script piped into them (`curl URL | <one>`).
    pub interpreters: Vec<String>,
    /// Tools the tier-4 purge step removes from the final stage.
    pub purge_binaries: Vec<String>,
    /// Whether the purge step also clears setuid/setgid bits.
    pub strip_setuid: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub memory: String,
    pub memory_swap: String,
    pub cpus: String,
    pub pids_limit: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    pub add_allowlist: Vec<String>,
    pub dangerous: Vec<String>,
    /// What a project's own in-container firewall keeps of `dangerous`
    /// while its start command is there (DC004).
    #[serde(default)]
    pub firewall: Vec<String>,
}

/// Host paths that must not reach a container through a bind mount.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mounts {
    /// Docker daemon sockets: mounting one hands over the host.
    pub docker_sockets: Vec<String>,
    /// Credential files and directories; `~` is the user's home.
    pub credential_paths: Vec<String>,
    /// `read-only` or `remove`: what a fix does to a credential mount.
    pub credential_fix: String,
    /// Host directories too broad or sensitive to mount at all.
    pub sensitive_paths: Vec<String>,
}

impl EgressParams {
    /// The allowlist must hold plain domain names and the resolvers IPv4
    /// addresses: both end up in a generated shell script and its input.
    /// On error, the offending key and a message.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if let Some(bad) = self.allow.iter().find(|d| !is_domain(d)) {
            return Err((
                "allow",
                format!("`egress.allow`: `{bad}` is not a domain name"),
            ));
        }
        if let Some(bad) = self
            .dns_servers
            .iter()
            .find(|s| s.parse::<std::net::Ipv4Addr>().is_err())
        {
            return Err((
                "dns_servers",
                format!("`egress.dns_servers`: `{bad}` is not an IPv4 address"),
            ));
        }
        let files = [
            ("allowlist_file", &self.allowlist_file),
            ("script_file", &self.script_file),
            ("sidecar_dockerfile", &self.sidecar_dockerfile),
        ];
        if let Some((key, bad)) = files.into_iter().find(|(_, f)| !is_file_name(f)) {
            return Err((
                key,
                format!("`egress.{key}`: `{bad}` is not a plain file name (letters, digits, `.`, `_`, `-`)"),
            ));
        }
        if !is_image_reference(&self.sidecar_image) {
            return Err((
                "sidecar_image",
                format!(
                    "`egress.sidecar_image`: `{}` is not an image reference",
                    self.sidecar_image
                ),
            ));
        }
        Ok(())
    }
}

/// Longest list and longest string a profile may hold: a profile is data a
/// pull request can supply, and every value ends up in a generated file.
pub const MAX_LIST_ITEMS: usize = 1000;
pub const MAX_VALUE_CHARS: usize = 256;

/// A profile value as an error message quotes it: printable, at most
/// `MAX_VALUE_CHARS` characters.
fn shown(value: &str) -> String {
    harden_core::printable(value)
        .chars()
        .take(MAX_VALUE_CHARS)
        .collect()
}

/// A program name a shell takes as one word: no path, no quoting needed.
fn is_program_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
        && s != "."
        && s != ".."
}

/// A capability name (`NET_ADMIN`, or `CAP_NET_ADMIN`).
fn is_capability(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A Docker size (`8g`, `512m`, `1024`) or `-1`.
fn is_size(s: &str) -> bool {
    let digits = s.trim_end_matches(['b', 'k', 'm', 'g', 'B', 'K', 'M', 'G']);
    s == "-1"
        || (!digits.is_empty() && digits.len() <= 16 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A CPU count (`2`, `1.5`).
fn is_cpus(s: &str) -> bool {
    s.len() <= 16 && s.parse::<f64>().is_ok_and(|v| v.is_finite() && v > 0.0)
}

/// A host path: absolute or `~`-relative, no control characters.
fn is_host_path(s: &str) -> bool {
    (s.starts_with('/') || s.starts_with('~'))
        && s.len() <= MAX_VALUE_CHARS
        && !s.chars().any(char::is_control)
}

impl Profile {
    /// Every value checked by type and shape before any rule uses it. On
    /// error, the key's path and a message.
    pub fn check(&self) -> Result<(), (Vec<&'static str>, String)> {
        type Check = fn(&str) -> bool;
        let lists: [(&[&'static str], &Vec<String>, Check, &str); 12] = [
            (
                &["features", "privileged"],
                &self.features.privileged,
                is_program_name,
                "a feature name",
            ),
            (
                &["features", "docker_socket"],
                &self.features.docker_socket,
                is_program_name,
                "a feature name",
            ),
            (
                &["features", "sudo_entrypoint"],
                &self.features.sudo_entrypoint,
                is_program_name,
                "a feature name",
            ),
            (
                &["features", "passwordless_sudo"],
                &self.features.passwordless_sudo,
                is_program_name,
                "a feature name",
            ),
            (
                &["dockerfile", "purge_binaries"],
                &self.dockerfile.purge_binaries,
                is_program_name,
                "a program name",
            ),
            (
                &["dockerfile", "interpreters"],
                &self.dockerfile.interpreters,
                is_program_name,
                "a program name",
            ),
            (
                &["capabilities", "add_allowlist"],
                &self.capabilities.add_allowlist,
                is_capability,
                "a capability name",
            ),
            (
                &["capabilities", "dangerous"],
                &self.capabilities.dangerous,
                is_capability,
                "a capability name",
            ),
            (
                &["capabilities", "firewall"],
                &self.capabilities.firewall,
                is_capability,
                "a capability name",
            ),
            (
                &["mounts", "docker_sockets"],
                &self.mounts.docker_sockets,
                is_host_path,
                "an absolute or `~` path",
            ),
            (
                &["mounts", "credential_paths"],
                &self.mounts.credential_paths,
                is_host_path,
                "an absolute or `~` path",
            ),
            (
                &["mounts", "sensitive_paths"],
                &self.mounts.sensitive_paths,
                is_host_path,
                "an absolute or `~` path",
            ),
        ];
        for (key, items, ok, what) in lists {
            let dotted = key.join(".");
            if items.len() > MAX_LIST_ITEMS {
                return Err((
                    key.to_vec(),
                    format!("`{dotted}` holds more than {MAX_LIST_ITEMS} items"),
                ));
            }
            if let Some(bad) = items.iter().find(|i| !ok(i)) {
                let shown = shown(bad);
                return Err((key.to_vec(), format!("`{dotted}`: `{shown}` is not {what}")));
            }
        }
        let strings: [(&[&'static str], &str, Check, &str); 4] = [
            (
                &["seccomp", "file_name"],
                &self.seccomp.file_name,
                is_file_name,
                "a plain file name (letters, digits, `.`, `_`, `-`)",
            ),
            (
                &["resources", "memory"],
                &self.resources.memory,
                is_size,
                "a size such as `8g`",
            ),
            (
                &["resources", "memory_swap"],
                &self.resources.memory_swap,
                is_size,
                "a size such as `8g`",
            ),
            (
                &["resources", "cpus"],
                &self.resources.cpus,
                is_cpus,
                "a CPU count such as `2`",
            ),
        ];
        for (key, value, ok, what) in strings {
            if !ok(value) {
                let shown = shown(value);
                return Err((
                    key.to_vec(),
                    format!("`{}`: `{shown}` is not {what}", key.join(".")),
                ));
            }
        }
        for known in &self.images.known {
            let repo = known.image.strip_suffix("/*").unwrap_or(&known.image);
            let users = std::iter::once(&known.user)
                .chain(known.remote_user.as_ref())
                .chain(known.non_root_user.as_ref());
            if !is_image_reference(repo) || repo.contains([':', '@']) {
                return Err((
                    vec!["images", "known"],
                    format!(
                        "`images.known`: `{}` is not an image repository",
                        shown(&known.image)
                    ),
                ));
            }
            if let Some(bad) = users.into_iter().find(|u| !is_program_name(u)) {
                return Err((
                    vec!["images", "known"],
                    format!("`images.known`: `{}` is not a user name", shown(bad)),
                ));
            }
        }
        if !matches!(self.mounts.credential_fix.as_str(), "read-only" | "remove") {
            return Err((
                vec!["mounts", "credential_fix"],
                "`mounts.credential_fix` must be `read-only` or `remove`".to_string(),
            ));
        }
        self.seccomp
            .check()
            .map_err(|(key, message)| (vec!["seccomp", key], message))?;
        self.egress
            .check()
            .map_err(|(key, message)| (vec!["egress", key], message))
    }
}

/// A file name without directories that a shell and YAML take as written.
fn is_file_name(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// An image reference a Dockerfile `FROM` takes as one word.
fn is_image_reference(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '@'))
}

/// Whether `s` is a plain DNS name: dot-separated labels of letters, digits
/// and inner `-`.
pub fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A profile problem located in the profile file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    pub path: String,
    pub pos: LineCol,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.pos, self.message)
    }
}

impl std::error::Error for ProfileError {}

impl Profile {
    /// The built-in profile.
    pub fn builtin() -> Profile {
        Profile::from_table(builtin_table()).expect("the built-in profile is valid")
    }

    /// Load a custom profile: the built-in one with the keys of `text`
    /// overriding it. Unknown keys and wrong types are located errors.
    pub fn load(path: &str, text: &str) -> Result<Profile, ProfileError> {
        let located = |offset: usize, message: String| ProfileError {
            path: path.to_string(),
            pos: LineIndex::new(text).line_col(text, offset),
            message,
        };
        let doc: toml_edit::Document<String> =
            text.parse().map_err(|e: toml_edit::TomlError| {
                let offset = e.span().map(|s| s.start).unwrap_or(0);
                located(offset, first_line(e.message()))
            })?;
        let mut merged = builtin_table();
        merge_checked(&mut merged, doc.as_table(), &mut Vec::new(), &located)?;
        let profile = Profile::from_table(merged).map_err(|m| located(0, m))?;
        let mut moved: Vec<&str> = Vec::new();
        for (tier, codes) in &profile.tiers {
            let offset = span_of(doc.as_table(), &["tiers", tier]).unwrap_or(0);
            let ok = tier.parse::<u8>().ok().and_then(Tier::new).is_some();
            if !ok {
                return Err(located(
                    offset,
                    format!("unknown tier `{tier}`: tiers are 1 to 4"),
                ));
            }
            for code in codes {
                if moved.contains(&code.as_str()) {
                    return Err(located(
                        offset,
                        format!("`{}` is moved to more than one tier", shown(code)),
                    ));
                }
                moved.push(code);
            }
        }
        if let Err((key, message)) = profile.check() {
            let offset = span_of(doc.as_table(), &key).unwrap_or(0);
            return Err(located(offset, message));
        }
        Ok(profile)
    }

    fn from_table(table: toml::Table) -> Result<Profile, String> {
        Profile::deserialize(toml::Value::Table(table)).map_err(|e| first_line(e.message()))
    }

    /// The tier the profile moves a rule to, if it moves it; a rule it does
    /// not name keeps the tier of its own metadata.
    pub fn tier_of(&self, code: &str) -> Option<Tier> {
        self.tiers
            .iter()
            .find(|(_, codes)| codes.iter().any(|c| c == code))
            .and_then(|(tier, _)| tier.parse::<u8>().ok().and_then(Tier::new))
    }
}

fn builtin_table() -> toml::Table {
    BUILTIN_TEXT
        .parse::<toml::Table>()
        .expect("the built-in profile parses")
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_string()
}

/// Overlay `custom` onto `base`, refusing keys the built-in profile does not
/// have (except under `tiers`) and values whose type differs from the built-in one.
fn merge_checked(
    base: &mut toml::Table,
    custom: &toml_edit::Table,
    path: &mut Vec<String>,
    located: &impl Fn(usize, String) -> ProfileError,
) -> Result<(), ProfileError> {
    for (key, item) in custom.iter() {
        let offset = custom
            .key(key)
            .and_then(|k| k.span())
            .map(|s| s.start)
            .unwrap_or(0);
        let dotted = path
            .iter()
            .map(String::as_str)
            .chain([key])
            .collect::<Vec<_>>()
            .join(".");
        let free_keys = path.first().is_some_and(|p| p == "tiers");
        let Some(existing) = base.get_mut(key) else {
            if free_keys {
                let value = to_toml_value(item).ok_or_else(|| {
                    located(offset, format!("`{dotted}` must be a list of rule codes"))
                })?;
                base.insert(key.to_string(), value);
                continue;
            }
            let known: Vec<&String> = base.keys().collect();
            return Err(located(
                offset,
                format!(
                    "unknown key `{dotted}`, expected one of: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        match (existing, item) {
            (toml::Value::Table(t), toml_edit::Item::Table(ct)) => {
                path.push(key.to_string());
                merge_checked(t, ct, path, located)?;
                path.pop();
            }
            (existing, item) => {
                let value = to_toml_value(item).ok_or_else(|| {
                    located(offset, format!("`{dotted}` has an unsupported value"))
                })?;
                if std::mem::discriminant(existing) != std::mem::discriminant(&value) {
                    return Err(located(
                        offset,
                        format!(
                            "`{dotted}` must be {}, found {}",
                            type_name(existing),
                            type_name(&value)
                        ),
                    ));
                }
                *existing = value;
            }
        }
    }
    Ok(())
}

fn to_toml_value(item: &toml_edit::Item) -> Option<toml::Value> {
    let text = match item {
        toml_edit::Item::Value(v) => format!("x = {}", v.to_string().trim()),
        _ => return None,
    };
    text.parse::<toml::Table>().ok()?.remove("x")
}

fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a number",
        toml::Value::Boolean(_) => "true or false",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "a list",
        toml::Value::Table(_) => "a table",
    }
}

fn span_of(table: &toml_edit::Table, path: &[&str]) -> Option<usize> {
    let (first, rest) = path.split_first()?;
    if rest.is_empty() {
        return table.key(first)?.span().map(|s| s.start);
    }
    span_of(table.get(first)?.as_table()?, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profile_loads() {
        let p = Profile::builtin();
        assert_eq!(p.resources.memory, "8g");
        assert!(p.capabilities.dangerous.contains(&"SYS_ADMIN".to_string()));
    }

    #[test]
    fn custom_profile_overrides_one_parameter_and_keeps_the_rest() {
        let p = Profile::load("p.toml", "[resources]\nmemory = \"2g\"\n").unwrap();
        assert_eq!(p.resources.memory, "2g");
        assert_eq!(
            p.resources.pids_limit,
            Profile::builtin().resources.pids_limit
        );
    }

    #[test]
    fn unknown_key_is_located() {
        let e =
            Profile::load("p.toml", "name = \"x\"\n[resources]\nmemroy = \"2g\"\n").unwrap_err();
        assert_eq!(e.pos, LineCol { line: 3, col: 1 });
        assert!(
            e.to_string()
                .starts_with("p.toml:3:1: unknown key `resources.memroy`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_is_located() {
        let e = Profile::load("p.toml", "\n[resources]\npids_limit = \"many\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:3:1: `resources.pids_limit` must be an integer, found a string"
        );
    }

    #[test]
    fn egress_values_are_checked_and_located() {
        assert!(Profile::builtin().egress.check().is_ok());
        let e = Profile::load(
            "p.toml",
            "[egress]\nallow = [\"ok.com\", \"x; rm -rf /\"]\n",
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:2:1: `egress.allow`: `x; rm -rf /` is not a domain name"
        );
        let e = Profile::load("p.toml", "[egress]\ndns_servers = [\"8.8.8.8/0\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:2:1: `egress.dns_servers`: `8.8.8.8/0` is not an IPv4 address"
        );
        assert!(Profile::load("p.toml", "[egress]\nallow = [\"pypi.org\"]\n").is_ok());
        let e = Profile::load("p.toml", "[egress]\nscript_file = \"../x.sh\"\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:2:1: `egress.script_file`: `../x.sh` is not a plain file name (letters, digits, `.`, `_`, `-`)"
        );
        let e =
            Profile::load("p.toml", "[egress]\nsidecar_image = \"x\\nRUN evil\"\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("p.toml:2:1: `egress.sidecar_image`"),
            "{e}"
        );
    }

    #[test]
    fn seccomp_names_are_checked_and_located() {
        assert!(Profile::builtin().seccomp.check().is_ok());
        let p = Profile::load("p.toml", "[seccomp]\nallow = [\"ptrace\"]\n").unwrap();
        assert_eq!(p.seccomp.allow, ["ptrace"]);
        assert!(!p.seccomp.extra_denied.is_empty());
        let e = Profile::load("p.toml", "[seccomp]\n\nextra_denied = [\"a\\\"b\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:3:1: `seccomp.extra_denied`: `a\"b` is not a syscall name (lowercase letters, digits, `_`)"
        );
    }

    #[test]
    fn the_seccomp_data_is_the_recorded_file() {
        use sha2::{Digest, Sha256};
        let source = SeccompSource::builtin();
        let digest = Sha256::digest(DOCKER_SECCOMP_DEFAULT.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, source.sha256);
        assert_eq!(source.commit.len(), 40);
        assert_eq!(source.blob.len(), 40);
    }

    #[test]
    fn syntax_error_is_located() {
        let e = Profile::load("p.toml", "[resources\n").unwrap_err();
        assert_eq!(e.pos.line, 1);
    }

    #[test]
    fn tier_moves_are_validated() {
        let p = Profile::load("p.toml", "[tiers]\n1 = [\"A\"]\n2 = [\"B\"]\n").unwrap();
        assert_eq!(p.tier_of("A"), Tier::new(1));
        assert_eq!(p.tier_of("B"), Tier::new(2));
        assert_eq!(p.tier_of("C"), None);
        assert!(Profile::builtin().tiers.values().all(Vec::is_empty));
        let e = Profile::load("p.toml", "[tiers]\n7 = [\"A\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml:2:1: unknown tier `7`: tiers are 1 to 4"
        );
    }
}

#[cfg(test)]
mod shape_tests {
    use super::*;

    #[test]
    fn the_builtin_profile_passes_its_own_checks() {
        assert_eq!(Profile::builtin().check(), Ok(()));
    }

    #[test]
    fn values_that_reach_shell_or_paths_are_refused() {
        for (text, key) in [
            (
                "[dockerfile]\npurge_binaries = [\"curl\", \"$(python3 -c 'import urllib')\"]\n",
                "dockerfile.purge_binaries",
            ),
            ("[seccomp]\nfile_name = \"../../x\"\n", "seccomp.file_name"),
            (
                "[seccomp]\nfile_name = \"/etc/passwd\"\n",
                "seccomp.file_name",
            ),
            ("[seccomp]\nfile_name = \"..\"\n", "seccomp.file_name"),
            ("[seccomp]\nfile_name = \"\"\n", "seccomp.file_name"),
            (
                "[resources]\nmemory = \"8g --privileged\"\n",
                "resources.memory",
            ),
            ("[resources]\ncpus = \"4; rm\"\n", "resources.cpus"),
            (
                "[capabilities]\nadd_allowlist = [\"NET ADMIN\"]\n",
                "capabilities.add_allowlist",
            ),
        ] {
            let e = Profile::load("p.toml", text).unwrap_err();
            assert!(e.message.contains(&format!("`{key}`")), "{text}: {e}");
            assert_eq!(e.pos.line, 2, "{text}: located at the key: {e}");
        }
        let many = format!(
            "[dockerfile]\npurge_binaries = [{}]\n",
            vec!["\"x\""; MAX_LIST_ITEMS + 1].join(",")
        );
        assert!(Profile::load("p.toml", &many)
            .unwrap_err()
            .message
            .contains("more than 1000 items"));
    }
}
