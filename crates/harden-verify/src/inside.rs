//! The posture read from inside a container. Every reader takes the root of
//! the filesystem to read (`/` in a container, a fake tree in tests).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harden_profile::Profile;

use crate::caps;
use crate::{Check, Status, Threat};

/// What the inside checks read, besides files under `root`.
pub struct Inside<'a> {
    pub root: PathBuf,
    pub env: BTreeMap<String, String>,
    /// The workspace folder (a path in the container), if any.
    pub workspace: Option<PathBuf>,
    pub profile: &'a Profile,
    /// Whether `sudo -n true` succeeded; `None` when there is no sudo.
    pub sudo: Option<bool>,
}

/// Fields of /proc/self/status that matter here.
#[derive(Debug, Default)]
pub struct ProcStatus {
    pub fields: BTreeMap<String, String>,
}

impl ProcStatus {
    pub fn parse(text: &str) -> ProcStatus {
        let fields = text
            .lines()
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        ProcStatus { fields }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// The effective uid (second field of `Uid:`).
    pub fn euid(&self) -> Option<u32> {
        self.get("Uid")?.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Inside<'_> {
    /// A path in the container as a path under `root`.
    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }

    fn read(&self, p: &str) -> Option<String> {
        std::fs::read_to_string(self.path(p)).ok()
    }

    pub fn home(&self) -> String {
        self.env
            .get("HOME")
            .filter(|h| h.starts_with('/'))
            .cloned()
            .unwrap_or_else(|| "/root".to_string())
    }

    /// `~/x` as `HOME/x`.
    fn expand(&self, p: &str) -> String {
        match p.strip_prefix("~/") {
            Some(rest) => format!("{}/{rest}", self.home().trim_end_matches('/')),
            None => p.to_string(),
        }
    }

    /// All checks that need no network.
    pub fn checks(&self) -> Vec<Check> {
        let mut out = Vec::new();
        match self.read("/proc/self/status") {
            Some(text) => {
                let status = ProcStatus::parse(&text);
                out.extend(capability_checks(&status, self.profile));
                out.extend(seccomp_checks(&status));
                out.extend(self.user_checks(&status));
            }
            None => out.push(Check::new(
                "proc.status",
                Threat::Capabilities,
                Status::Amber,
                "/proc/self/status is not readable: capabilities, seccomp and user unknown",
            )),
        }
        out.extend(self.limit_checks());
        out.extend(self.docker_checks());
        out.extend(self.mount_checks());
        out.extend(self.credential_checks());
        out.extend(self.socket_checks());
        out.extend(self.workspace_checks());
        out.extend(self.agent_checks());
        out
    }

    fn user_checks(&self, status: &ProcStatus) -> Vec<Check> {
        let mut out = Vec::new();
        let uid = status.euid();
        match uid {
            Some(0) => out.push(Check::new(
                "user.root",
                Threat::PrivilegeEscalation,
                Status::Amber,
                "runs as root (uid 0): a root process is one kernel bug away from the host",
            )),
            Some(uid) => out.push(Check::new(
                "user.root",
                Threat::PrivilegeEscalation,
                Status::Green,
                format!("runs as uid {uid}{}", self.user_name(uid)),
            )),
            None => out.push(Check::new(
                "user.root",
                Threat::PrivilegeEscalation,
                Status::Amber,
                "the uid is not in /proc/self/status",
            )),
        }
        let nnp = status.get("NoNewPrivs");
        out.push(match nnp {
            Some("1") => Check::new(
                "nnp",
                Threat::PrivilegeEscalation,
                Status::Green,
                "NoNewPrivs 1: setuid programs cannot raise privileges",
            ),
            Some(v) => Check::new(
                "nnp",
                Threat::PrivilegeEscalation,
                Status::Amber,
                format!("NoNewPrivs {v}: setuid programs such as sudo can raise privileges"),
            ),
            None => Check::new(
                "nnp",
                Threat::PrivilegeEscalation,
                Status::Amber,
                "the kernel does not report NoNewPrivs",
            ),
        });
        if uid != Some(0) {
            out.push(match self.sudo {
                Some(true) => Check::new(
                    "user.sudo",
                    Threat::PrivilegeEscalation,
                    Status::Red,
                    "`sudo -n true` succeeded: the user becomes root without a password",
                ),
                Some(false) => Check::new(
                    "user.sudo",
                    Threat::PrivilegeEscalation,
                    Status::Green,
                    "`sudo -n true` failed: no passwordless root",
                ),
                None => Check::new(
                    "user.sudo",
                    Threat::PrivilegeEscalation,
                    Status::Green,
                    "no sudo in PATH",
                ),
            });
        }
        out
    }

    fn user_name(&self, uid: u32) -> String {
        let Some(passwd) = self.read("/etc/passwd") else {
            return String::new();
        };
        passwd
            .lines()
            .find(|l| l.split(':').nth(2) == Some(&uid.to_string()))
            .and_then(|l| l.split(':').next())
            .map_or_else(String::new, |n| format!(" ({n})"))
    }

    fn limit_checks(&self) -> Vec<Check> {
        let cgroups = self.read("/proc/self/cgroup").unwrap_or_default();
        let v2 = self.path("/sys/fs/cgroup/cgroup.controllers").exists();
        // Candidate directories per controller: the process's own cgroup,
        // then the root of the mount (a container sees its cgroup there).
        let dirs = |controller: &str| -> Vec<String> {
            let mut dirs = Vec::new();
            for line in cgroups.lines() {
                let mut parts = line.splitn(3, ':');
                let (_, ctrls, path) = (parts.next(), parts.next(), parts.next());
                let (Some(ctrls), Some(path)) = (ctrls, path) else {
                    continue;
                };
                let matches = if v2 {
                    ctrls.is_empty()
                } else {
                    ctrls.split(',').any(|c| c == controller)
                };
                if matches && !path.contains("..") {
                    let base = if v2 {
                        "/sys/fs/cgroup".to_string()
                    } else {
                        format!("/sys/fs/cgroup/{ctrls}")
                    };
                    dirs.push(format!("{base}{}", path.trim_end_matches('/')));
                    dirs.push(base);
                }
            }
            if v2 {
                dirs.push("/sys/fs/cgroup".into());
            } else {
                dirs.push(format!("/sys/fs/cgroup/{controller}"));
            }
            dirs
        };
        let find = |controller: &str, file: &str| -> Option<(String, String)> {
            dirs(controller).into_iter().find_map(|d| {
                let p = format!("{d}/{file}");
                self.read(&p).map(|v| (p, v.trim().to_string()))
            })
        };
        let mut out = Vec::new();
        // Memory.
        let memory = if v2 {
            find("memory", "memory.max")
        } else {
            find("memory", "memory.limit_in_bytes")
        };
        out.push(match memory {
            Some((p, v)) => match parse_limit(&v) {
                Some(bytes) => Check::new(
                    "limits.memory",
                    Threat::Resources,
                    Status::Green,
                    format!("memory limited to {} ({p})", human_bytes(bytes)),
                ),
                None => Check::new(
                    "limits.memory",
                    Threat::Resources,
                    Status::Red,
                    format!("no memory limit ({p} is {v})"),
                ),
            },
            None => Check::new(
                "limits.memory",
                Threat::Resources,
                Status::Amber,
                "no memory cgroup file is readable",
            ),
        });
        out.push(match find("pids", "pids.max") {
            Some((p, v)) => match parse_limit(&v) {
                Some(n) => Check::new(
                    "limits.pids",
                    Threat::Resources,
                    Status::Green,
                    format!("at most {n} processes ({p})"),
                ),
                None => Check::new(
                    "limits.pids",
                    Threat::Resources,
                    Status::Red,
                    format!("no process limit ({p} is {v}): a fork bomb reaches the host"),
                ),
            },
            None => Check::new(
                "limits.pids",
                Threat::Resources,
                Status::Amber,
                "no pids cgroup file is readable",
            ),
        });
        let cpu = if v2 {
            find("cpu", "cpu.max").map(|(p, v)| {
                let mut it = v.split_whitespace();
                let quota = it.next().unwrap_or("max").to_string();
                let period = it.next().unwrap_or("100000").to_string();
                (p, quota, period)
            })
        } else {
            find("cpu", "cpu.cfs_quota_us").map(|(p, quota)| {
                let period = find("cpu", "cpu.cfs_period_us")
                    .map_or_else(|| "100000".to_string(), |(_, v)| v);
                (p, quota, period)
            })
        };
        out.push(match cpu {
            Some((p, quota, period)) => match (quota.parse::<f64>(), period.parse::<f64>()) {
                (Ok(q), Ok(per)) if q > 0.0 && per > 0.0 => Check::new(
                    "limits.cpu",
                    Threat::Resources,
                    Status::Green,
                    format!("{:.2} CPUs ({p})", q / per),
                ),
                _ => Check::new(
                    "limits.cpu",
                    Threat::Resources,
                    Status::Amber,
                    format!("no CPU limit ({p} is {quota})"),
                ),
            },
            None => Check::new(
                "limits.cpu",
                Threat::Resources,
                Status::Amber,
                "no cpu cgroup file is readable",
            ),
        });
        out
    }

    fn docker_checks(&self) -> Vec<Check> {
        let mut out = Vec::new();
        for sock in &self.profile.mounts.docker_sockets {
            let path = self.expand(sock);
            if std::fs::symlink_metadata(self.path(&path)).is_ok() {
                out.push(Check::new(
                    format!("docker.socket:{path}"),
                    Threat::DockerSocket,
                    Status::Red,
                    format!("{path} exists: whoever can write to it controls the host"),
                ));
            }
        }
        if out.is_empty() {
            out.push(Check::new(
                "docker.socket",
                Threat::DockerSocket,
                Status::Green,
                format!(
                    "none of {} exists",
                    self.profile
                        .mounts
                        .docker_sockets
                        .iter()
                        .map(|s| self.expand(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if let Some(host) = self.env.get("DOCKER_HOST") {
            out.push(Check::new(
                "docker.host",
                Threat::DockerSocket,
                Status::Red,
                format!("DOCKER_HOST={host} points the docker CLI at a daemon"),
            ));
        }
        out
    }

    fn mount_checks(&self) -> Vec<Check> {
        let Some(text) = self.read("/proc/self/mountinfo") else {
            return vec![Check::new(
                "mounts",
                Threat::HostMounts,
                Status::Amber,
                "/proc/self/mountinfo is not readable",
            )];
        };
        let mut out = Vec::new();
        for m in parse_mountinfo(&text) {
            if !m.is_host_bind() {
                continue;
            }
            out.push(classify_mount(
                self.profile,
                &m.mount_point,
                &m.root,
                m.writable,
                &format!("{} ({})", m.fstype, m.source),
                self.is_volume(&m),
            ));
        }
        if out.is_empty() {
            out.push(Check::new(
                "mounts",
                Threat::HostMounts,
                Status::Green,
                "no host path is mounted",
            ));
        }
        out
    }

    fn is_volume(&self, m: &MountInfo) -> bool {
        m.root.contains("/volumes/") && m.root.ends_with("/_data")
    }

    fn credential_checks(&self) -> Vec<Check> {
        let home = self.home();
        let mut homes = vec![home.clone()];
        if home != "/root" {
            homes.push("/root".into());
        }
        let mut out = Vec::new();
        for h in &homes {
            let h = h.trim_end_matches('/');
            let mut candidates: Vec<String> = [
                ".aws/credentials",
                ".git-credentials",
                ".kube/config",
                ".claude/.credentials.json",
                ".codex/auth.json",
                ".netrc",
                ".npmrc",
                ".pypirc",
                ".config/gh/hosts.yml",
            ]
            .iter()
            .map(|f| format!("{h}/{f}"))
            .collect();
            if let Ok(entries) = std::fs::read_dir(self.path(&format!("{h}/.ssh"))) {
                let mut keys: Vec<String> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("id_") && !n.ends_with(".pub"))
                    .map(|n| format!("{h}/.ssh/{n}"))
                    .collect();
                keys.sort();
                candidates.extend(keys);
            }
            for c in candidates {
                if let Some(check) = self.credential_file(&c) {
                    out.push(check);
                }
            }
            let docker = format!("{h}/.docker/config.json");
            if let Some(text) = self.read(&docker) {
                if docker_config_has_auth(&text) {
                    out.push(Check::new(
                        format!("cred:{docker}"),
                        Threat::Credentials,
                        Status::Red,
                        format!(
                            "{docker} holds registry credentials (auths or a credential store)"
                        ),
                    ));
                }
            }
        }
        for config in homes
            .iter()
            .flat_map(|h| {
                let h = h.trim_end_matches('/');
                [format!("{h}/.gitconfig"), format!("{h}/.config/git/config")]
            })
            .chain(["/etc/gitconfig".to_string()])
        {
            if let Some(text) = self.read(&config) {
                if let Some(helper) = git_credential_helper(&text) {
                    out.push(Check::new(
                        format!("cred.git-helper:{config}"),
                        Threat::Credentials,
                        Status::Red,
                        format!("{config} sets a git credential helper `{helper}`"),
                    ));
                }
            }
        }
        out.dedup_by(|a, b| a.id == b.id);
        if out.is_empty() {
            out.push(Check::new(
                "credentials",
                Threat::Credentials,
                Status::Green,
                format!("no known credential file under {}", homes.join(", ")),
            ));
        }
        out
    }

    fn credential_file(&self, path: &str) -> Option<Check> {
        let full = self.path(path);
        let meta = std::fs::metadata(&full).ok()?;
        if !meta.is_file() {
            return None;
        }
        // Package manager configs count only when they hold a secret.
        let needs: &[&str] = match path.rsplit('/').next() {
            Some(".npmrc") => &["_auth", "token"],
            Some(".pypirc") => &["password"],
            Some(".netrc") => &["password"],
            _ => &[],
        };
        if !needs.is_empty() {
            let text = std::fs::read_to_string(&full).unwrap_or_default();
            if !needs.iter().any(|n| text.contains(n)) {
                return None;
            }
        }
        let readable = std::fs::File::open(&full).is_ok();
        Some(if readable {
            Check::new(
                format!("cred:{path}"),
                Threat::Credentials,
                Status::Red,
                format!("{path} is readable"),
            )
        } else {
            Check::new(
                format!("cred:{path}"),
                Threat::Credentials,
                Status::Amber,
                format!("{path} exists but this user cannot read it"),
            )
        })
    }

    fn socket_checks(&self) -> Vec<Check> {
        let mut out = Vec::new();
        if let Some(sock) = self.env.get("SSH_AUTH_SOCK") {
            let exists = std::fs::symlink_metadata(self.path(sock)).is_ok();
            out.push(Check::new(
                "socket.ssh-agent",
                Threat::AgentSockets,
                if exists { Status::Red } else { Status::Amber },
                format!(
                    "SSH_AUTH_SOCK={sock}{}",
                    if exists {
                        ": the host's SSH keys sign for the container"
                    } else {
                        " (the socket does not exist)"
                    }
                ),
            ));
        }
        for (var, what) in [
            ("VSCODE_IPC_HOOK_CLI", "the editor's command bridge"),
            (
                "REMOTE_CONTAINERS_IPC",
                "the Dev Containers extension's bridge",
            ),
            ("GPG_AGENT_INFO", "a GPG agent"),
        ] {
            if let Some(v) = self.env.get(var) {
                out.push(Check::new(
                    format!("socket.env:{var}"),
                    Threat::AgentSockets,
                    Status::Amber,
                    format!("{var}={v}: {what} to the host"),
                ));
            }
        }
        let home = self.home();
        let mut globs: Vec<(String, &str, &str, Status)> = vec![
            ("/tmp".into(), "vscode-ssh-auth-", ".sock", Status::Red),
            (
                "/tmp".into(),
                "vscode-remote-containers-ipc-",
                ".sock",
                Status::Amber,
            ),
            ("/tmp".into(), "vscode-ipc-", ".sock", Status::Amber),
            (
                format!("{}/.gnupg", home.trim_end_matches('/')),
                "S.gpg-agent",
                "",
                Status::Red,
            ),
        ];
        if let Ok(users) = std::fs::read_dir(self.path("/run/user")) {
            let mut dirs: Vec<String> = users
                .filter_map(Result::ok)
                .map(|e| format!("/run/user/{}/gnupg", e.file_name().to_string_lossy()))
                .collect();
            dirs.sort();
            for d in dirs {
                globs.push((d, "S.gpg-agent", "", Status::Red));
            }
        }
        for (dir, prefix, suffix, status) in globs {
            let Ok(entries) = std::fs::read_dir(self.path(&dir)) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
                .collect();
            names.sort();
            for n in names {
                let p = format!("{dir}/{n}");
                out.push(Check::new(
                    format!("socket:{p}"),
                    Threat::AgentSockets,
                    status,
                    format!("{p} is a socket forwarded from the host"),
                ));
            }
        }
        if out.is_empty() {
            out.push(Check::new(
                "sockets",
                Threat::AgentSockets,
                Status::Green,
                "no forwarded agent socket or editor bridge",
            ));
        }
        out
    }

    fn workspace_checks(&self) -> Vec<Check> {
        let Some(ws) = &self.workspace else {
            return Vec::new();
        };
        let ws = ws.to_string_lossy();
        let ws = ws.trim_end_matches('/');
        let mut out = Vec::new();
        for (id, rel, what) in [
            (
                "workspace.devcontainer",
                ".devcontainer",
                "the host runs its initializeCommand and builds its Dockerfile on the next rebuild",
            ),
            (
                "workspace.vscode-tasks",
                ".vscode/tasks.json",
                "the editor on the host can run its tasks",
            ),
            (
                "workspace.git-hooks",
                ".git/hooks",
                "git on the host runs these hooks",
            ),
        ] {
            let p = format!("{ws}/{rel}");
            let full = self.path(&p);
            if !full.exists() {
                continue;
            }
            out.push(if writable(&full) {
                Check::new(
                    id,
                    Threat::HostExecution,
                    Status::Amber,
                    format!("{p} is writable: {what}"),
                )
            } else {
                Check::new(
                    id,
                    Threat::HostExecution,
                    Status::Green,
                    format!("{p} is read-only"),
                )
            });
        }
        out
    }
}

fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path; access() only reads it.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// The capability checks of /proc/self/status.
pub fn capability_checks(status: &ProcStatus, profile: &Profile) -> Vec<Check> {
    let mut out = Vec::new();
    for (id, field, what) in [
        ("caps.effective", "CapEff", "effective"),
        (
            "caps.bounding",
            "CapBnd",
            "bounding (what sudo or setuid can reach)",
        ),
        ("caps.ambient", "CapAmb", "ambient"),
    ] {
        let Some(names) = status.get(field).and_then(caps::names_of_mask) else {
            out.push(Check::new(
                id,
                Threat::Capabilities,
                Status::Amber,
                format!("{field} is not in /proc/self/status"),
            ));
            continue;
        };
        out.push(capability_check(id, what, &names, profile));
    }
    out
}

/// Red with a dangerous capability, amber with one beyond the allowlist.
pub fn capability_check(id: &str, what: &str, names: &[String], profile: &Profile) -> Check {
    let dangerous: Vec<&String> = names
        .iter()
        .filter(|c| {
            profile
                .capabilities
                .dangerous
                .iter()
                .any(|d| harden_core::capability_name(d) == **c)
        })
        .collect();
    let extra: Vec<&String> = names
        .iter()
        .filter(|c| {
            !profile
                .capabilities
                .add_allowlist
                .iter()
                .any(|a| harden_core::capability_name(a) == **c)
        })
        .collect();
    let list = |v: &[&String]| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    let all = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    if !dangerous.is_empty() {
        let mut check = Check::new(
            id,
            Threat::Capabilities,
            Status::Red,
            format!("{what}: {all}; dangerous: {}", list(&dangerous)),
        );
        check.dangerous = dangerous.iter().map(|c| c.to_string()).collect();
        check
    } else if !extra.is_empty() {
        Check::new(
            id,
            Threat::Capabilities,
            Status::Amber,
            format!(
                "{what}: {all}; beyond the profile's allowlist: {}",
                list(&extra)
            ),
        )
    } else {
        Check::new(
            id,
            Threat::Capabilities,
            Status::Green,
            format!("{what}: {all}; within the profile's allowlist"),
        )
    }
}

fn seccomp_checks(status: &ProcStatus) -> Vec<Check> {
    let filters = status.get("Seccomp_filters").unwrap_or("?");
    vec![match status.get("Seccomp") {
        Some("2") => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Green,
            format!("seccomp filter mode, {filters} filter(s)"),
        ),
        Some("1") => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Green,
            "seccomp strict mode",
        ),
        Some(v) => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Red,
            format!("seccomp mode {v}: every system call is allowed"),
        ),
        None => Check::new(
            "seccomp.mode",
            Threat::Syscalls,
            Status::Amber,
            "the kernel does not report seccomp",
        ),
    }]
}

/// A cgroup limit value, `None` when unlimited (`max`, -1, or v1's
/// page-rounded maximum).
pub fn parse_limit(v: &str) -> Option<u64> {
    let n: i128 = v.trim().parse().ok()?;
    (n > 0 && n < (1i128 << 60)).then_some(n as u64)
}

fn human_bytes(n: u64) -> String {
    const GIB: u64 = 1 << 30;
    const MIB: u64 = 1 << 20;
    if n >= GIB {
        format!("{:.1} GiB", n as f64 / GIB as f64)
    } else {
        format!("{:.1} MiB", n as f64 / MIB as f64)
    }
}

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountInfo {
    /// The path inside the source filesystem (for a bind mount, what was bound).
    pub root: String,
    pub mount_point: String,
    pub writable: bool,
    pub fstype: String,
    pub source: String,
}

/// Filesystems that are not a host path: kernel views and the image itself.
const VIRTUAL_FS: &[&str] = &[
    "proc",
    "sysfs",
    "tmpfs",
    "devpts",
    "mqueue",
    "cgroup",
    "cgroup2",
    "devtmpfs",
    "securityfs",
    "debugfs",
    "tracefs",
    "pstore",
    "bpf",
    "autofs",
    "hugetlbfs",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "nsfs",
    "overlay",
    "shm",
    "ramfs",
];

/// Files Docker itself mounts into every container.
const DOCKER_FILES: &[&str] = &["/etc/resolv.conf", "/etc/hostname", "/etc/hosts"];

impl MountInfo {
    /// A mount that brings a host path in (not the image, not a kernel view).
    pub fn is_host_bind(&self) -> bool {
        let mp = self.mount_point.as_str();
        !(mp == "/"
            || VIRTUAL_FS.contains(&self.fstype.as_str())
            || DOCKER_FILES.contains(&mp)
            || ["/proc", "/sys", "/dev"]
                .iter()
                .any(|p| mp == *p || mp.starts_with(&format!("{p}/"))))
    }
}

/// Octal escapes (`\040`) of mountinfo fields decoded.
fn unescape(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 3 < bytes.len()
            && bytes[i + 1..i + 4]
                .iter()
                .all(|b| (b'0'..=b'7').contains(b))
        {
            let v = (bytes[i + 1] - b'0') as u32 * 64
                + (bytes[i + 2] - b'0') as u32 * 8
                + (bytes[i + 3] - b'0') as u32;
            out.push(v as u8);
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_mountinfo(text: &str) -> Vec<MountInfo> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(sep) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        if sep < 6 || fields.len() < sep + 3 {
            continue;
        }
        out.push(MountInfo {
            root: unescape(fields[3]),
            mount_point: unescape(fields[4]),
            writable: fields[5].split(',').any(|o| o == "rw"),
            fstype: fields[sep + 1].to_string(),
            source: unescape(fields[sep + 2]),
        });
    }
    out
}

/// Whether `path` is `base` or inside it.
fn under(path: &str, base: &str) -> bool {
    let base = base.trim_end_matches('/');
    path == base || base.is_empty() || path.starts_with(&format!("{base}/"))
}

/// A host mount as a check: the socket and credential paths red, a
/// sensitive host directory red, any other writable host path amber.
/// `host` is the host path (or, from mountinfo, the path inside its filesystem).
pub fn classify_mount(
    profile: &Profile,
    dest: &str,
    host: &str,
    writable: bool,
    what: &str,
    volume: bool,
) -> Check {
    let id = format!("mount:{dest}");
    let rw = if writable { "writable" } else { "read-only" };
    let evidence = |s: &str| format!("{host} on {dest}, {rw}, {what}: {s}");
    if volume {
        return Check::new(
            id,
            Threat::HostMounts,
            Status::Green,
            evidence("a named volume"),
        );
    }
    let tail = |p: &str| p.strip_prefix("~/").map(|t| format!("/{t}"));
    let is_socket = profile.mounts.docker_sockets.iter().any(|s| match tail(s) {
        Some(t) => host.ends_with(&t),
        None => host == s,
    }) || host.ends_with("/docker.sock");
    if is_socket {
        return Check::new(
            id,
            Threat::DockerSocket,
            Status::Red,
            evidence("the Docker daemon socket"),
        );
    }
    let credential =
        profile.mounts.credential_paths.iter().find(|c| {
            tail(c).is_some_and(|t| host.ends_with(&t) || host.contains(&format!("{t}/")))
        });
    if let Some(c) = credential {
        let status = if writable { Status::Red } else { Status::Amber };
        return Check::new(
            id,
            Threat::Credentials,
            status,
            evidence(&format!("host credentials ({c})")),
        );
    }
    let sensitive = profile.mounts.sensitive_paths.iter().find(|s| {
        if s.as_str() == "/" {
            host == "/"
        } else if s.starts_with('~') {
            // The home itself: /home/NAME or /root.
            let parts: Vec<&str> = host.trim_end_matches('/').split('/').collect();
            (parts.len() == 3 && parts[1] == "home") || host == "/root"
        } else {
            under(host, s)
        }
    });
    if let Some(s) = sensitive {
        return Check::new(
            id,
            Threat::HostMounts,
            Status::Red,
            evidence(&format!("a sensitive host directory ({s})")),
        );
    }
    if writable {
        Check::new(
            id,
            Threat::HostMounts,
            Status::Amber,
            evidence("host files the container can change"),
        )
    } else {
        Check::new(id, Threat::HostMounts, Status::Green, evidence("read-only"))
    }
}

/// Whether a ~/.docker/config.json holds credentials.
pub fn docker_config_has_auth(text: &str) -> bool {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    let auths = v.get("auths").and_then(|a| a.as_object()).is_some_and(|a| {
        a.values()
            .any(|e| e.get("auth").is_some() || e.get("identitytoken").is_some())
    });
    auths || v.get("credsStore").is_some() || v.get("credHelpers").is_some()
}

/// The value of `helper` in a `[credential]` section of a git config.
pub fn git_credential_helper(text: &str) -> Option<String> {
    let mut in_credential = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let name = line.trim_start_matches('[').trim_end_matches(']').trim();
            in_credential = name == "credential" || name.starts_with("credential ");
            continue;
        }
        if in_credential {
            if let Some((k, v)) = line.split_once('=') {
                if k.trim().eq_ignore_ascii_case("helper") && !v.trim().is_empty() {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}
