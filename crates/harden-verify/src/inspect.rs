//! The posture of a container as `docker inspect` reports it: the engine's
//! view, which a process in the container cannot forge.

use harden_profile::Profile;
use serde_json::Value;

use crate::caps;
use crate::inside::{capability_check, classify_mount};
use crate::{Check, Status, Threat};

/// Checks from the output of `docker inspect NAME` (an array of one object,
/// or the object).
pub fn checks(text: &str, profile: &Profile) -> Result<Vec<Check>, String> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("docker inspect output:{}:{}: {e}", e.line(), e.column()))?;
    let c = match &v {
        Value::Array(items) => items
            .first()
            .ok_or_else(|| "docker inspect returned no container".to_string())?,
        Value::Object(_) => &v,
        _ => return Err("docker inspect output is not an object".into()),
    };
    let host = c.get("HostConfig").unwrap_or(&Value::Null);
    let config = c.get("Config").unwrap_or(&Value::Null);
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let int = |key: &str| host.get(key).and_then(Value::as_i64).unwrap_or(0);
    let privileged = host
        .get("Privileged")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let security_opt = strings(host.get("SecurityOpt"));
    let opt = |name: &str| -> Option<String> {
        security_opt.iter().find_map(|o| {
            let (k, v) = o.split_once(['=', ':']).unwrap_or((o.as_str(), "true"));
            (k == name).then(|| v.to_string())
        })
    };
    let mut out = Vec::new();

    // Capabilities.
    if privileged {
        out.push(Check::new(
            "caps.bounding",
            Threat::Capabilities,
            Status::Red,
            "privileged: every capability and every host device",
        ));
    } else {
        let set =
            caps::docker_effective(&strings(host.get("CapAdd")), &strings(host.get("CapDrop")));
        out.push(capability_check(
            "caps.bounding",
            "granted (cap_add/cap_drop)",
            &set,
            profile,
        ));
    }

    // Seccomp.
    let seccomp = opt("seccomp");
    out.push(match (privileged, seccomp.as_deref()) {
        (true, _) => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Red,
            "privileged: no seccomp filter",
        ),
        (_, Some("unconfined")) => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Red,
            "seccomp=unconfined: every system call is allowed",
        ),
        (_, Some(profile)) => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Green,
            format!("custom seccomp profile ({} bytes)", profile.len()),
        ),
        (_, None) => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Green,
            "Docker's default seccomp profile",
        ),
    });
    for lsm in ["apparmor", "label"] {
        if let Some(v) = opt(lsm) {
            if v == "unconfined" || v == "disable" {
                out.push(Check::new(
                    format!("lsm.{lsm}"),
                    Threat::Syscalls,
                    Status::Amber,
                    format!("{lsm}={v}"),
                ));
            }
        }
    }

    // Privilege escalation.
    out.push(match opt("no-new-privileges").as_deref() {
        Some("true") | Some("") => Check::new(
            "nnp",
            Threat::PrivilegeEscalation,
            Status::Green,
            "no-new-privileges: setuid programs cannot raise privileges",
        ),
        _ => Check::new(
            "nnp",
            Threat::PrivilegeEscalation,
            Status::Amber,
            "no `no-new-privileges`: setuid programs such as sudo can raise privileges",
        ),
    });
    let user = config.get("User").and_then(Value::as_str).unwrap_or("");
    let name = user.split(':').next().unwrap_or("");
    out.push(if name.is_empty() || name == "root" || name == "0" {
        Check::new(
            "user.root",
            Threat::PrivilegeEscalation,
            Status::Amber,
            format!(
                "runs as root (User is {})",
                if user.is_empty() { "unset" } else { user }
            ),
        )
    } else {
        Check::new(
            "user.root",
            Threat::PrivilegeEscalation,
            Status::Green,
            format!("runs as {user}"),
        )
    });

    // Limits.
    let memory = int("Memory");
    out.push(if memory > 0 {
        Check::new(
            "limits.memory",
            Threat::Resources,
            Status::Green,
            format!("memory limited to {memory} bytes"),
        )
    } else {
        Check::new(
            "limits.memory",
            Threat::Resources,
            Status::Red,
            "no memory limit",
        )
    });
    let pids = int("PidsLimit");
    out.push(if pids > 0 {
        Check::new(
            "limits.pids",
            Threat::Resources,
            Status::Green,
            format!("at most {pids} processes"),
        )
    } else {
        Check::new(
            "limits.pids",
            Threat::Resources,
            Status::Red,
            "no process limit: a fork bomb reaches the host",
        )
    });
    let (nano, quota, period) = (int("NanoCpus"), int("CpuQuota"), int("CpuPeriod"));
    out.push(if nano > 0 {
        Check::new(
            "limits.cpu",
            Threat::Resources,
            Status::Green,
            format!("{:.2} CPUs", nano as f64 / 1e9),
        )
    } else if quota > 0 {
        let period = if period > 0 { period } else { 100_000 };
        Check::new(
            "limits.cpu",
            Threat::Resources,
            Status::Green,
            format!("{:.2} CPUs", quota as f64 / period as f64),
        )
    } else {
        Check::new(
            "limits.cpu",
            Threat::Resources,
            Status::Amber,
            "no CPU limit",
        )
    });

    // Namespaces.
    let mut shared = Vec::new();
    for (key, ns, status) in [
        ("NetworkMode", "network", Status::Red),
        ("PidMode", "pid", Status::Red),
        ("IpcMode", "ipc", Status::Red),
        ("UTSMode", "uts", Status::Amber),
        ("UsernsMode", "user", Status::Amber),
        ("CgroupnsMode", "cgroup", Status::Amber),
    ] {
        if host.get(key).and_then(Value::as_str) == Some("host") {
            shared.push(Check::new(
                format!("ns.{ns}"),
                Threat::HostNamespaces,
                status,
                format!("{key}=host: the host's {ns} namespace"),
            ));
        }
    }
    if shared.is_empty() {
        out.push(Check::new(
            "ns.host",
            Threat::HostNamespaces,
            Status::Green,
            "no namespace shared with the host",
        ));
    }
    out.extend(shared);

    // Mounts.
    let mut mounts = Vec::new();
    if let Some(items) = c.get("Mounts").and_then(Value::as_array) {
        for m in items {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let kind = s("Type");
            let dest = s("Destination");
            let rw = m.get("RW").and_then(Value::as_bool).unwrap_or(true);
            let (source, volume) = match kind.as_str() {
                "volume" => (format!("volume {}", s("Name")), true),
                "bind" => (s("Source"), false),
                _ => continue,
            };
            mounts.push(classify_mount(profile, &dest, &source, rw, &kind, volume));
        }
    }
    let socket = mounts.iter().any(|m| m.threat == Threat::DockerSocket);
    if !socket {
        out.push(Check::new(
            "docker.socket",
            Threat::DockerSocket,
            Status::Green,
            "no Docker socket mounted",
        ));
    }
    if mounts.iter().all(|m| m.threat != Threat::HostMounts) {
        out.push(Check::new(
            "mounts",
            Threat::HostMounts,
            Status::Green,
            "no host path is mounted",
        ));
    }
    out.extend(mounts);
    let devices = host
        .get("Devices")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if devices > 0 {
        out.push(Check::new(
            "devices",
            Threat::HostMounts,
            Status::Amber,
            format!("{devices} host device(s) passed in"),
        ));
    }

    // Environment.
    for e in strings(config.get("Env")) {
        let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
        let check = match k {
            "DOCKER_HOST" => Some((
                "docker.host",
                Threat::DockerSocket,
                Status::Red,
                "points the docker CLI at a daemon",
            )),
            "SSH_AUTH_SOCK" => Some((
                "socket.ssh-agent",
                Threat::AgentSockets,
                Status::Red,
                "a forwarded SSH agent",
            )),
            "VSCODE_IPC_HOOK_CLI" | "REMOTE_CONTAINERS_IPC" => Some((
                "socket.env",
                Threat::AgentSockets,
                Status::Amber,
                "an editor bridge to the host",
            )),
            _ => None,
        };
        if let Some((id, threat, status, what)) = check {
            let id = if id == "socket.env" {
                format!("socket.env:{k}")
            } else {
                id.to_string()
            };
            out.push(Check::new(id, threat, status, format!("{k}={v}: {what}")));
        }
    }
    Ok(out)
}
