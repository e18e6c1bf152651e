//! The coding agents' own layer, read from inside the container: which
//! settings files each agent would load, in its order of precedence, and
//! whether its sandbox and approval gate are on in the value that wins.

use harden_core::FileKind;
use harden_engine::parse_value;
use harden_rules::claude::{schema_errors, strict_json};
use serde_json::Value;

use crate::inside::Inside;
use crate::{Check, Status, Threat};

/// Settings files larger than this are reported, not parsed.
const MAX_SETTINGS_BYTES: u64 = 1 << 20;

/// One settings file an agent would load.
struct Layer {
    name: &'static str,
    path: String,
    value: Result<Value, String>,
}

impl Layer {
    fn label(&self) -> String {
        format!("{} {}", self.name, self.path)
    }
}

/// The value at a key path of the first layer that sets it (layers are
/// ordered highest precedence first), and that layer.
fn winning<'l>(layers: &'l [Layer], keys: &[&str]) -> Option<(&'l Value, &'l Layer)> {
    layers.iter().find_map(|l| {
        let mut v = l.value.as_ref().ok()?;
        for k in keys {
            v = v.get(k)?;
        }
        Some((v, l))
    })
}

fn agent_check(id: impl Into<String>, status: Status, evidence: impl Into<String>) -> Check {
    Check::new(id, Threat::AgentSettings, status, evidence)
}

/// An amber check for each file the agent would not load, with why.
fn unloadable(agent: &str, layers: &[Layer], consequence: &str) -> Vec<Check> {
    layers
        .iter()
        .filter_map(|l| {
            let why = l.value.as_ref().err()?;
            Some(agent_check(
                format!("agent.{agent}.file:{}", l.path),
                Status::Amber,
                format!("{}: {consequence}: {why}", l.label()),
            ))
        })
        .collect()
}

fn in_force(layers: &[Layer]) -> String {
    let names: Vec<String> = layers.iter().map(Layer::label).collect();
    format!("in force, highest first: {}", names.join(", "))
}

impl Inside<'_> {
    /// Checks of the agents that are installed or configured here.
    pub fn agent_checks(&self) -> Vec<Check> {
        let mut out = Vec::new();
        out.extend(self.claude_checks());
        out.extend(self.codex_checks());
        out.extend(self.opencode_checks());
        out.extend(self.hermes_checks());
        out
    }

    /// Whether `name` is an executable file in a `PATH` directory.
    fn on_path(&self, name: &str) -> bool {
        use std::os::unix::fs::PermissionsExt;
        let path = self.env.get("PATH").map_or(
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            String::as_str,
        );
        path.split(':').filter(|d| d.starts_with('/')).any(|d| {
            std::fs::metadata(self.path(&format!("{d}/{name}")))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    }

    fn exists(&self, p: &str) -> bool {
        self.path(p).exists()
    }

    /// A folder named by an environment variable, else under HOME.
    fn home_dir(&self, var: &str, default: &str) -> String {
        match self.env.get(var).filter(|v| v.starts_with('/')) {
            Some(v) => v.trim_end_matches('/').to_string(),
            None => format!("{}/{default}", self.home().trim_end_matches('/')),
        }
    }

    fn workspace_file(&self, rel: &str) -> Option<String> {
        let ws = self.workspace.as_ref()?.to_string_lossy().into_owned();
        Some(format!("{}/{rel}", ws.trim_end_matches('/')))
    }

    /// The layers among `candidates` whose file exists, parsed by `parse`.
    fn layers(
        &self,
        candidates: Vec<(&'static str, String)>,
        parse: impl Fn(&str) -> Result<Value, String>,
    ) -> Vec<Layer> {
        let mut out = Vec::new();
        for (name, path) in candidates {
            let full = self.path(&path);
            let Ok(meta) = std::fs::metadata(&full) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            let value = if meta.len() > MAX_SETTINGS_BYTES {
                Err(format!("larger than {MAX_SETTINGS_BYTES} bytes; not read"))
            } else {
                match std::fs::read_to_string(&full) {
                    Ok(text) => parse(&text),
                    Err(e) => Err(format!("not readable: {e}")),
                }
            };
            out.push(Layer { name, path, value });
        }
        out
    }

    fn claude_checks(&self) -> Vec<Check> {
        let config = self.home_dir("CLAUDE_CONFIG_DIR", ".claude");
        let mut candidates = vec![(
            "managed",
            "/etc/claude-code/managed-settings.json".to_string(),
        )];
        if let Some(p) = self.workspace_file(".claude/settings.local.json") {
            candidates.push(("local", p));
        }
        if let Some(p) = self.workspace_file(".claude/settings.json") {
            candidates.push(("project", p));
        }
        candidates.push(("user", format!("{config}/settings.json")));
        let all = self.layers(candidates, parse_claude);
        if all.is_empty() && !self.on_path("claude") && !self.exists(&config) {
            return Vec::new();
        }
        let mut out = unloadable(
            "claude",
            &all,
            "Claude Code skips this file whole, deny rules included",
        );
        let layers: Vec<Layer> = all.into_iter().filter(|l| l.value.is_ok()).collect();
        out.push(agent_check(
            "agent.claude.files",
            Status::Green,
            if layers.is_empty() {
                "no valid settings file: Claude Code's defaults apply".to_string()
            } else {
                in_force(&layers)
            },
        ));
        let bwrap = self.on_path("bwrap");
        let sandbox = match winning(&layers, &["sandbox", "enabled"]) {
            Some((Value::Bool(true), l)) => {
                let fail_closed = winning(&layers, &["sandbox", "failIfUnavailable"])
                    .is_some_and(|(v, _)| v == &Value::Bool(true));
                let escape = winning(&layers, &["sandbox", "allowUnsandboxedCommands"])
                    .is_none_or(|(v, _)| v != &Value::Bool(false));
                if !bwrap && !fail_closed {
                    (Status::Red, format!("on in {}, but bwrap is not on PATH: Claude Code runs commands without its sandbox", l.label()))
                } else if !bwrap {
                    (Status::Amber, format!("on in {} with failIfUnavailable, but bwrap is not on PATH: Claude Code will not start its tools", l.label()))
                } else if escape {
                    (Status::Amber, format!("on in {}, but allowUnsandboxedCommands is not false: a command may leave the sandbox", l.label()))
                } else {
                    (
                        Status::Green,
                        format!(
                            "on in {}, bwrap on PATH, no unsandboxed commands",
                            l.label()
                        ),
                    )
                }
            }
            Some((v, l)) => (
                Status::Amber,
                format!(
                    "sandbox.enabled is {} in {}: commands run with the container's rights only",
                    shown(v),
                    l.label()
                ),
            ),
            None => (
                Status::Amber,
                "sandbox.enabled is not set: Claude Code's sandbox is off".to_string(),
            ),
        };
        out.push(agent_check("agent.claude.sandbox", sandbox.0, sandbox.1));
        // A repository's files cannot make bypass mode the default.
        let trusted: Vec<Layer> = layers
            .into_iter()
            .filter(|l| matches!(l.name, "managed" | "user"))
            .collect();
        let disabled = winning(&trusted, &["permissions", "disableBypassPermissionsMode"])
            .is_some_and(|(v, _)| v == "disable");
        let bypass = match winning(&trusted, &["permissions", "defaultMode"]) {
            _ if disabled => (
                Status::Green,
                "bypass mode is disabled (permissions.disableBypassPermissionsMode)".to_string(),
            ),
            Some((v, l)) if v == "bypassPermissions" => (
                Status::Red,
                format!("{}: every tool runs without asking by default", l.label()),
            ),
            _ => (
                Status::Amber,
                "bypass mode is not disabled: --dangerously-skip-permissions turns every prompt off"
                    .to_string(),
            ),
        };
        out.push(agent_check("agent.claude.bypass", bypass.0, bypass.1));
        out
    }

    fn codex_checks(&self) -> Vec<Check> {
        let home = self.home_dir("CODEX_HOME", ".codex");
        let mut candidates = Vec::new();
        let project = self.workspace_file(".codex/config.toml");
        if let Some(p) = &project {
            candidates.push(("project", p.clone()));
        }
        candidates.push(("user", format!("{home}/config.toml")));
        candidates.push(("system", "/etc/codex/config.toml".to_string()));
        let all = self.layers(candidates, parse_as(FileKind::CodexConfig));
        let requirements = self.layers(
            vec![("managed", "/etc/codex/requirements.toml".to_string())],
            parse_as(FileKind::CodexConfig),
        );
        if all.is_empty()
            && requirements.is_empty()
            && !self.on_path("codex")
            && !self.exists(&home)
        {
            return Vec::new();
        }
        let consequence = "not valid TOML, Codex refuses or ignores it";
        let mut out = unloadable("codex", &all, consequence);
        out.extend(unloadable("codex", &requirements, consequence));
        // A project file counts only once the user config trusts the folder.
        let workspace = self
            .workspace
            .as_ref()
            .map(|w| w.to_string_lossy().trim_end_matches('/').to_string());
        let trusted = workspace.as_deref().is_some_and(|ws| {
            all.iter()
                .filter(|l| l.name == "user")
                .filter_map(|l| l.value.as_ref().ok())
                .any(|v| {
                    v.pointer(&format!(
                        "/projects/{}/trust_level",
                        json_pointer_escape(ws)
                    )) == Some(&Value::String("trusted".into()))
                })
        });
        let untrusted_project =
            project.filter(|_| !trusted && all.iter().any(|l| l.name == "project"));
        let layers: Vec<Layer> = all
            .into_iter()
            .filter(|l| l.value.is_ok() && (l.name != "project" || trusted))
            .collect();
        out.push(agent_check(
            "agent.codex.files",
            Status::Green,
            match (layers.is_empty(), untrusted_project) {
                (true, None) => "no config file: Codex's defaults apply".to_string(),
                (true, Some(p)) => {
                    format!("only the project's {p}, which Codex reads once the project is trusted")
                }
                (false, None) => in_force(&layers),
                (false, Some(p)) => format!(
                    "{}; the project's {p} is read once the project is trusted",
                    in_force(&layers)
                ),
            },
        ));
        let allowed: Option<Vec<&str>> = requirements
            .iter()
            .filter_map(|l| l.value.as_ref().ok())
            .find_map(|v| v.get("allowed_sandbox_modes")?.as_array())
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let sandbox = match winning(&layers, &["sandbox_mode"]) {
            Some((v, l)) if v == "danger-full-access" => match &allowed {
                Some(a) if !a.contains(&"danger-full-access") => (Status::Green, format!("{} asks for danger-full-access, but /etc/codex/requirements.toml allows only {}", l.label(), a.join(", "))),
                _ => (Status::Amber, format!("danger-full-access in {}: commands run with the container's rights only", l.label())),
            },
            Some((v, l)) => (Status::Green, format!("sandbox_mode {} in {}", shown(v), l.label())),
            None => (Status::Green, "sandbox_mode is not set: read-only, workspace-write once the project is trusted".to_string()),
        };
        out.push(agent_check("agent.codex.sandbox", sandbox.0, sandbox.1));
        if let Some((v, l)) = winning(&layers, &["approval_policy"]).filter(|(v, _)| *v == "never")
        {
            out.push(agent_check(
                "agent.codex.approval",
                Status::Amber,
                format!(
                    "approval_policy {} in {}: Codex never asks before a command",
                    shown(v),
                    l.label()
                ),
            ));
        }
        out
    }

    fn opencode_checks(&self) -> Vec<Check> {
        let config = format!("{}/opencode", self.home_dir("XDG_CONFIG_HOME", ".config"));
        // OpenCode: later wins; listed here highest first.
        let mut candidates = Vec::new();
        for name in ["opencode.jsonc", "opencode.json"] {
            candidates.push(("system", format!("/etc/opencode/{name}")));
        }
        if let Some(p) = self
            .env
            .get("OPENCODE_CONFIG")
            .filter(|p| p.starts_with('/'))
        {
            candidates.push(("OPENCODE_CONFIG", p.clone()));
        }
        for name in ["opencode.jsonc", "opencode.json"] {
            if let Some(p) = self.workspace_file(name) {
                candidates.push(("project", p));
            }
        }
        for name in ["opencode.jsonc", "opencode.json"] {
            candidates.push(("user", format!("{config}/{name}")));
        }
        let all = self.layers(candidates, parse_as(FileKind::OpencodeConfig));
        if all.is_empty() && !self.on_path("opencode") {
            return Vec::new();
        }
        let mut out = unloadable("opencode", &all, "not valid JSONC");
        let layers: Vec<Layer> = all.into_iter().filter(|l| l.value.is_ok()).collect();
        out.push(agent_check(
            "agent.opencode.files",
            Status::Green,
            if layers.is_empty() {
                "no valid config file: OpenCode's defaults apply (every tool allowed; it has no sandbox of its own)".to_string()
            } else {
                format!("{}; OpenCode has no sandbox of its own", in_force(&layers))
            },
        ));
        let permission = match winning(&layers, &["permission"]) {
            Some((Value::String(s), l)) if s == "allow" => (
                Status::Amber,
                format!(
                    "permission \"allow\" in {}: every tool runs without asking",
                    l.label()
                ),
            ),
            Some((Value::Object(m), l))
                if m.get("bash")
                    .is_some_and(|b| b == "allow" || b.get("*").is_some_and(|v| v == "allow")) =>
            {
                (
                    Status::Amber,
                    format!(
                        "bash is allowed in {}: every command runs without asking",
                        l.label()
                    ),
                )
            }
            Some((_, l)) => (Status::Green, format!("permission set in {}", l.label())),
            None => (
                Status::Amber,
                "no permission set: OpenCode allows every tool by default".to_string(),
            ),
        };
        out.push(agent_check(
            "agent.opencode.permission",
            permission.0,
            permission.1,
        ));
        out
    }

    fn hermes_checks(&self) -> Vec<Check> {
        let home = self.home_dir("HERMES_HOME", ".hermes");
        let layers = self.layers(
            vec![("user", format!("{home}/config.yaml"))],
            parse_as(FileKind::HermesConfig),
        );
        if layers.is_empty() && !self.on_path("hermes") {
            return Vec::new();
        }
        let mut out = Vec::new();
        let approvals = match layers.first().map(|l| (l, &l.value)) {
            Some((l, Err(e))) => (Status::Amber, format!("{}: not valid YAML: {e}", l.label())),
            Some((l, Ok(v))) => match v.pointer("/approvals/mode") {
                Some(m) if m == "off" || m == &Value::Bool(false) => (
                    Status::Red,
                    format!(
                        "approvals.mode off in {}: every command runs without a check",
                        l.label()
                    ),
                ),
                Some(m) => (
                    Status::Green,
                    format!("approvals.mode {} in {}", shown(m), l.label()),
                ),
                None => (
                    Status::Green,
                    format!("approvals.mode not set in {}: smart approvals", l.label()),
                ),
            },
            None => (
                Status::Green,
                "no config file: smart approvals by default".to_string(),
            ),
        };
        if self.env.get("HERMES_YOLO_MODE").is_some_and(|v| v == "1") {
            out.push(agent_check(
                "agent.hermes.yolo",
                Status::Red,
                "HERMES_YOLO_MODE=1: approvals are off",
            ));
        }
        out.push(agent_check(
            "agent.hermes.approvals",
            approvals.0,
            approvals.1,
        ));
        out
    }
}

/// Claude Code's own test: strict JSON that validates against the schema.
fn parse_claude(text: &str) -> Result<Value, String> {
    let value = strict_json(text).map_err(|e| format!("not strict JSON: {e}"))?;
    match schema_errors(&value).first() {
        Some(e) => Err(format!("fails the settings schema: {e}")),
        None => Ok(value),
    }
}

/// The value of a file of `kind`, or why it does not parse.
fn parse_as(kind: FileKind) -> impl Fn(&str) -> Result<Value, String> {
    move |text| parse_value(kind, text).map_err(|e| e.to_string())
}

/// A value for a message: a string without its quotes.
fn shown(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A key as one JSON-pointer segment.
fn json_pointer_escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
