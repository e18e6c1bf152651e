//! `harden verify`: the security posture a container runs with, read from
//! inside it (`/proc`, cgroup files, the filesystem, named probes) or from
//! outside it (`docker inspect`), as checks coloured red, amber or green.
//!
//! This is a posture check, not an attestation: a compromised container can
//! lie to the probes that run inside it (docs/verify.md).

pub mod agents;
pub mod caps;
pub mod cli;
pub mod expect;
pub mod html;
pub mod inside;
pub mod inspect;
pub mod probe;

use serde::{Deserialize, Serialize};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Green,
    Amber,
    Red,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Green => "green",
            Status::Amber => "amber",
            Status::Red => "red",
        }
    }
}

/// The threats the checks belong to: the nodes of the map around the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Threat {
    Capabilities,
    Syscalls,
    PrivilegeEscalation,
    Resources,
    DockerSocket,
    HostMounts,
    HostNamespaces,
    Credentials,
    AgentSockets,
    HostExecution,
    Egress,
    AgentSettings,
    Expectation,
}

impl Threat {
    pub const ALL: [Threat; 13] = [
        Threat::Capabilities,
        Threat::Syscalls,
        Threat::PrivilegeEscalation,
        Threat::Resources,
        Threat::DockerSocket,
        Threat::HostMounts,
        Threat::HostNamespaces,
        Threat::Credentials,
        Threat::AgentSockets,
        Threat::HostExecution,
        Threat::Egress,
        Threat::AgentSettings,
        Threat::Expectation,
    ];

    /// The name in the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Threat::Capabilities => "capabilities",
            Threat::Syscalls => "syscalls",
            Threat::PrivilegeEscalation => "privilege-escalation",
            Threat::Resources => "resource-exhaustion",
            Threat::DockerSocket => "docker-socket",
            Threat::HostMounts => "host-mounts",
            Threat::HostNamespaces => "host-namespaces",
            Threat::Credentials => "credentials",
            Threat::AgentSockets => "agent-sockets",
            Threat::HostExecution => "host-execution",
            Threat::Egress => "egress",
            Threat::AgentSettings => "agent-settings",
            Threat::Expectation => "promised-vs-running",
        }
    }

    /// What the threat means, for people.
    pub fn description(self) -> &'static str {
        match self {
            Threat::Capabilities => "Linux capabilities that let a process undo isolation",
            Threat::Syscalls => "system calls the kernel accepts (seccomp)",
            Threat::PrivilegeEscalation => "becoming root through setuid programs or sudo",
            Threat::Resources => "memory, process and CPU use that can take the host down",
            Threat::DockerSocket => "a Docker daemon socket: control of the host",
            Threat::HostMounts => "host files the container can read or change",
            Threat::HostNamespaces => "namespaces shared with the host",
            Threat::Credentials => "credential files readable in the container",
            Threat::AgentSockets => "forwarded SSH/GPG agents and editor bridges to the host",
            Threat::HostExecution => "workspace files the host runs later",
            Threat::Egress => "network destinations the container can reach",
            Threat::AgentSettings => {
                "the coding agents' own sandbox and approval settings in force"
            }
            Threat::Expectation => "what `harden check` promised against what runs",
        }
    }

    pub fn from_name(name: &str) -> Option<Threat> {
        Threat::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// One check: what was looked at, the threat, the outcome, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub id: String,
    pub threat: Threat,
    pub status: Status,
    pub evidence: String,
    /// For a capability check: the dangerous capabilities it found.
    pub dangerous: Vec<String>,
}

impl Check {
    pub fn new(
        id: impl Into<String>,
        threat: Threat,
        status: Status,
        evidence: impl Into<String>,
    ) -> Check {
        Check {
            id: id.into(),
            threat,
            status,
            evidence: evidence.into(),
            dangerous: Vec::new(),
        }
    }
}

/// The checks of one container.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What was checked, e.g. `inside` or `container NAME`.
    pub subject: String,
    pub checks: Vec<Check>,
}

#[derive(Serialize, Deserialize)]
struct JsonCheck {
    id: String,
    threat: String,
    status: Status,
    evidence: String,
}

#[derive(Serialize, Deserialize)]
struct JsonReport {
    checks: Vec<JsonCheck>,
}

impl Report {
    /// The worst status, green when there are no checks.
    pub fn worst(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Green)
    }

    /// Exit code: 0 all green, 1 any red (amber alone is 0).
    pub fn exit_code(&self) -> u8 {
        u8::from(self.worst() == Status::Red)
    }

    pub fn to_json(&self) -> String {
        let report = JsonReport {
            checks: self
                .checks
                .iter()
                .map(|c| JsonCheck {
                    id: c.id.clone(),
                    threat: c.threat.name().to_string(),
                    status: c.status,
                    evidence: c.evidence.clone(),
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&report).expect("serializable");
        s.push('\n');
        s
    }

    /// Reads the JSON output back (for rendering a saved report).
    pub fn from_json(subject: &str, text: &str) -> Result<Report, String> {
        let parsed: JsonReport = serde_json::from_str(text)
            .map_err(|e| format!("{}:{}: not a verify report: {e}", e.line(), e.column()))?;
        let mut checks = Vec::new();
        for c in parsed.checks {
            let threat = Threat::from_name(&c.threat)
                .ok_or_else(|| format!("unknown threat `{}`", escape_text(&c.threat)))?;
            checks.push(Check::new(c.id, threat, c.status, c.evidence));
        }
        Ok(Report {
            subject: subject.to_string(),
            checks,
        })
    }

    /// Text for people: one line per check, grouped by threat, then a summary.
    pub fn to_text(&self) -> String {
        let mut out = format!("harden verify: {}\n", escape_text(&self.subject));
        for threat in Threat::ALL {
            let checks: Vec<&Check> = self.checks.iter().filter(|c| c.threat == threat).collect();
            if checks.is_empty() {
                continue;
            }
            out.push_str(&format!("\n{}: {}\n", threat.name(), threat.description()));
            for c in checks {
                out.push_str(&format!(
                    "  {:<5} {}: {}\n",
                    c.status.name(),
                    escape_text(&c.id),
                    escape_text(&c.evidence)
                ));
            }
        }
        let count = |s| self.checks.iter().filter(|c| c.status == s).count();
        out.push_str(&format!(
            "\n{} red, {} amber, {} green\n",
            count(Status::Red),
            count(Status::Amber),
            count(Status::Green)
        ));
        out
    }
}

/// Control characters from the container (paths, environment) shown as escapes,
/// so nothing read from it can drive the terminal.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_one_only_with_red() {
        let mut r = Report::default();
        assert_eq!(r.exit_code(), 0);
        r.checks
            .push(Check::new("a", Threat::Resources, Status::Amber, "x"));
        assert_eq!(r.exit_code(), 0);
        r.checks
            .push(Check::new("b", Threat::Egress, Status::Red, "y"));
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn json_round_trips() {
        let r = Report {
            subject: "s".into(),
            checks: vec![Check::new(
                "mount:/x",
                Threat::HostMounts,
                Status::Red,
                "a \"quoted\" <path>",
            )],
        };
        let back = Report::from_json("s", &r.to_json()).unwrap();
        assert_eq!(back.checks, r.checks);
    }

    #[test]
    fn text_escapes_control_characters() {
        let r = Report {
            subject: "x\u{1b}[31m".into(),
            checks: vec![Check::new("id\n", Threat::Egress, Status::Green, "e\r")],
        };
        let t = r.to_text();
        assert!(!t.contains('\u{1b}') && !t.contains('\r'));
        assert!(t.contains("id\\n"));
    }
}
