//! The readers on fake /proc, cgroup and home trees, and on fake
//! `docker inspect` output, with snapshots of the JSON and text reports.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harden_profile::Profile;
use harden_verify::inside::Inside;
use harden_verify::{inspect, Report, Status};

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const STATUS_DEFAULT: &str = "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n";
const STATUS_HARDENED: &str = "Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t00000000000000cb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n";

const MOUNTINFO_INSECURE: &str = "\
600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/x
601 600 0:51 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
602 600 0:52 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k
610 600 254:1 /var/lib/docker/containers/abc/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda rw
611 600 254:1 /home/dev/project /workspaces/project rw,relatime - ext4 /dev/vda rw
612 600 0:24 /docker.sock /var/run/docker.sock rw,nosuid,nodev - tmpfs tmpfs rw
613 600 254:1 /home/dev/.ssh /home/node/.ssh rw,relatime - ext4 /dev/vda rw
614 600 254:1 /etc /host-etc ro,relatime - ext4 /dev/vda rw
615 600 254:1 /var/lib/docker/volumes/cache/_data /cache rw,relatime - ext4 /dev/vda rw
616 600 254:1 /home/dev/with\\040space /data ro,relatime - ext4 /dev/vda rw
";

const MOUNTINFO_HARDENED: &str = "\
600 500 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/x
611 600 254:1 /home/dev/project /workspaces/project rw,relatime - ext4 /dev/vda rw
613 600 254:1 /home/dev/.ssh/known_hosts /home/node/.ssh/known_hosts ro,relatime - ext4 /dev/vda rw
";

/// A container as Docker starts it by default (cgroup v1, no limits), with
/// the usual leaks: a socket, keys, a credential helper, an SSH agent.
fn insecure_tree(root: &Path) {
    write(root, "/proc/self/status", STATUS_DEFAULT);
    write(root, "/proc/self/mountinfo", MOUNTINFO_INSECURE);
    write(
        root,
        "/proc/self/cgroup",
        "12:pids:/docker/abc\n11:memory:/docker/abc\n10:cpu,cpuacct:/docker/abc\n",
    );
    write(
        root,
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "9223372036854771712\n",
    );
    write(root, "/sys/fs/cgroup/pids/pids.max", "max\n");
    write(root, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
    write(
        root,
        "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us",
        "100000\n",
    );
    write(
        root,
        "/etc/passwd",
        "root:x:0:0::/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\n",
    );
    write(root, "/var/run/docker.sock", "");
    write(
        root,
        "/home/node/.ssh/id_ed25519",
        "-----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    write(root, "/home/node/.ssh/id_ed25519.pub", "ssh-ed25519 AAAA\n");
    write(root, "/home/node/.aws/credentials", "[default]\n");
    write(
        root,
        "/home/node/.docker/config.json",
        r#"{"auths":{"ghcr.io":{"auth":"eDp5"}}}"#,
    );
    write(
        root,
        "/home/node/.gitconfig",
        "[user]\n\tname = n\n[credential]\n\thelper = !/tmp/vscode-remote-containers-abc.js\n",
    );
    write(root, "/home/node/.claude/.credentials.json", "{}");
    write(
        root,
        "/home/node/.npmrc",
        "registry=https://registry.example/\n",
    );
    write(root, "/tmp/vscode-ssh-auth-1234.sock", "");
    write(root, "/tmp/agent.sock", "");
    write(
        root,
        "/workspaces/project/.devcontainer/devcontainer.json",
        "{}",
    );
    write(root, "/workspaces/project/.git/hooks/pre-commit.sample", "");
}

/// What tier 1-3 aim for (cgroup v2, limits, seccomp, no setuid, no leaks).
fn hardened_tree(root: &Path) {
    write(root, "/proc/self/status", STATUS_HARDENED);
    write(root, "/proc/self/mountinfo", MOUNTINFO_HARDENED);
    write(root, "/proc/self/cgroup", "0::/\n");
    write(
        root,
        "/sys/fs/cgroup/cgroup.controllers",
        "cpu memory pids\n",
    );
    write(root, "/sys/fs/cgroup/memory.max", "8589934592\n");
    write(root, "/sys/fs/cgroup/pids.max", "1024\n");
    write(root, "/sys/fs/cgroup/cpu.max", "400000 100000\n");
    write(
        root,
        "/etc/passwd",
        "node:x:1000:1000::/home/node:/bin/bash\n",
    );
    write(
        root,
        "/home/node/.ssh/known_hosts",
        "github.com ssh-ed25519 AAAA\n",
    );
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn inside_report(root: &Path, env: BTreeMap<String, String>, sudo: Option<bool>) -> Report {
    let profile = Profile::builtin();
    let inside = Inside {
        root: root.to_path_buf(),
        env,
        workspace: Some(PathBuf::from("/workspaces/project")),
        profile: &profile,
        sudo,
    };
    Report {
        subject: "test container".into(),
        checks: inside.checks(),
    }
}

fn status_of(r: &Report, id: &str) -> Option<Status> {
    r.checks.iter().find(|c| c.id == id).map(|c| c.status)
}

#[test]
fn insecure_container_inside() {
    let dir = tempfile::tempdir().unwrap();
    insecure_tree(dir.path());
    let r = inside_report(
        dir.path(),
        env(&[
            ("HOME", "/home/node"),
            ("SSH_AUTH_SOCK", "/tmp/agent.sock"),
            ("DOCKER_HOST", "unix:///var/run/docker.sock"),
            (
                "REMOTE_CONTAINERS_IPC",
                "/tmp/vscode-remote-containers-ipc-1.sock",
            ),
        ]),
        Some(true),
    );
    assert_eq!(r.exit_code(), 1);
    for (id, want) in [
        // Docker's default set holds NET_RAW, on the profile's dangerous list.
        ("caps.bounding", Status::Red),
        ("seccomp.mode", Status::Red),
        ("user.sudo", Status::Red),
        ("limits.memory", Status::Red),
        ("limits.pids", Status::Red),
        ("limits.cpu", Status::Amber),
        ("docker.socket:/var/run/docker.sock", Status::Red),
        ("docker.host", Status::Red),
        ("mount:/workspaces/project", Status::Amber),
        ("mount:/host-etc", Status::Red),
        ("mount:/cache", Status::Green),
        ("mount:/data", Status::Green),
        ("mount:/home/node/.ssh", Status::Red),
        ("cred:/home/node/.ssh/id_ed25519", Status::Red),
        ("socket.ssh-agent", Status::Red),
        ("workspace.devcontainer", Status::Amber),
    ] {
        assert_eq!(status_of(&r, id), Some(want), "{id}\n{}", r.to_text());
    }
    assert_eq!(status_of(&r, "mount:/etc/resolv.conf"), None);
    assert_eq!(status_of(&r, "cred:/home/node/.ssh/id_ed25519.pub"), None);
    // An .npmrc without a token is not a credential.
    assert_eq!(status_of(&r, "cred:/home/node/.npmrc"), None);
    insta::assert_snapshot!("insecure_inside_text", r.to_text());
    insta::assert_snapshot!("insecure_inside_json", r.to_json());
}

#[test]
fn hardened_container_inside() {
    let dir = tempfile::tempdir().unwrap();
    hardened_tree(dir.path());
    let r = inside_report(dir.path(), env(&[("HOME", "/home/node")]), Some(false));
    assert_eq!(r.worst(), Status::Amber, "{}", r.to_text());
    assert_eq!(r.exit_code(), 0);
    assert_eq!(status_of(&r, "caps.bounding"), Some(Status::Green));
    assert_eq!(status_of(&r, "limits.memory"), Some(Status::Green));
    assert_eq!(
        status_of(&r, "mount:/home/node/.ssh/known_hosts"),
        Some(Status::Amber)
    );
    insta::assert_snapshot!("hardened_inside_text", r.to_text());
    insta::assert_snapshot!("hardened_inside_json", r.to_json());
}

#[test]
fn missing_proc_is_amber_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let r = inside_report(dir.path(), BTreeMap::new(), None);
    assert_eq!(status_of(&r, "proc.status"), Some(Status::Amber));
    assert_eq!(status_of(&r, "limits.memory"), Some(Status::Amber));
    assert_eq!(status_of(&r, "credentials"), Some(Status::Green));
}

#[test]
fn cgroup_v2_nested_path_is_read_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/proc/self/status", STATUS_HARDENED);
    write(root, "/proc/self/cgroup", "0::/agent.slice\n");
    write(root, "/sys/fs/cgroup/cgroup.controllers", "memory pids\n");
    write(root, "/sys/fs/cgroup/memory.max", "max\n");
    write(
        root,
        "/sys/fs/cgroup/agent.slice/memory.max",
        "1073741824\n",
    );
    write(root, "/sys/fs/cgroup/agent.slice/pids.max", "max\n");
    let r = inside_report(root, BTreeMap::new(), None);
    assert_eq!(status_of(&r, "limits.memory"), Some(Status::Green));
    assert_eq!(status_of(&r, "limits.pids"), Some(Status::Red));
    // Root runs no sudo check and is amber.
    assert_eq!(status_of(&r, "user.sudo"), Some(Status::Green));
}

const INSPECT_INSECURE: &str = r#"[{
  "Name": "/agent",
  "Config": {"User": "", "Env": ["PATH=/usr/bin", "SSH_AUTH_SOCK=/ssh-agent", "DOCKER_HOST=tcp://10.0.0.1:2375"]},
  "HostConfig": {
    "Privileged": false, "CapAdd": ["NET_ADMIN", "SYS_PTRACE"], "CapDrop": null,
    "SecurityOpt": ["seccomp=unconfined", "apparmor=unconfined"],
    "Memory": 0, "PidsLimit": null, "NanoCpus": 0, "CpuQuota": 0,
    "NetworkMode": "host", "PidMode": "", "IpcMode": "private", "Devices": [{"PathOnHost": "/dev/kvm"}]
  },
  "Mounts": [
    {"Type": "bind", "Source": "/var/run/docker.sock", "Destination": "/var/run/docker.sock", "RW": true},
    {"Type": "bind", "Source": "/home/dev/.aws", "Destination": "/root/.aws", "RW": true},
    {"Type": "bind", "Source": "/home/dev/src", "Destination": "/workspace", "RW": true},
    {"Type": "bind", "Source": "/", "Destination": "/host", "RW": false},
    {"Type": "volume", "Name": "cache", "Source": "/var/lib/docker/volumes/cache/_data", "Destination": "/cache", "RW": true}
  ]
}]"#;

const INSPECT_HARDENED: &str = r#"[{
  "Name": "/agent",
  "Config": {"User": "node", "Env": ["PATH=/usr/bin"]},
  "HostConfig": {
    "Privileged": false, "CapAdd": ["CHOWN", "SETUID", "SETGID"], "CapDrop": ["ALL"],
    "SecurityOpt": ["no-new-privileges:true", "seccomp={\"defaultAction\":\"SCMP_ACT_ERRNO\"}"],
    "Memory": 8589934592, "PidsLimit": 1024, "NanoCpus": 4000000000,
    "NetworkMode": "harden-net", "PidMode": "", "IpcMode": "private"
  },
  "Mounts": [
    {"Type": "bind", "Source": "/home/dev/src", "Destination": "/workspace", "RW": true}
  ]
}]"#;

#[test]
fn inspect_insecure() {
    let checks = inspect::checks(INSPECT_INSECURE, &Profile::builtin()).unwrap();
    let r = Report {
        subject: "container agent".into(),
        checks,
    };
    for (id, want) in [
        ("caps.bounding", Status::Red),
        ("seccomp.mode", Status::Red),
        ("nnp", Status::Amber),
        ("user.root", Status::Amber),
        ("limits.memory", Status::Red),
        ("limits.pids", Status::Red),
        ("ns.network", Status::Red),
        ("mount:/var/run/docker.sock", Status::Red),
        ("mount:/root/.aws", Status::Red),
        ("mount:/workspace", Status::Amber),
        ("mount:/host", Status::Red),
        ("mount:/cache", Status::Green),
        ("docker.host", Status::Red),
        ("socket.ssh-agent", Status::Red),
        ("devices", Status::Amber),
    ] {
        assert_eq!(status_of(&r, id), Some(want), "{id}\n{}", r.to_text());
    }
    insta::assert_snapshot!("insecure_inspect_json", r.to_json());
}

#[test]
fn inspect_hardened() {
    let checks = inspect::checks(INSPECT_HARDENED, &Profile::builtin()).unwrap();
    let r = Report {
        subject: "container agent".into(),
        checks,
    };
    assert_eq!(r.exit_code(), 0, "{}", r.to_text());
    assert_eq!(status_of(&r, "caps.bounding"), Some(Status::Green));
    assert!(r
        .checks
        .iter()
        .find(|c| c.id == "seccomp.mode")
        .unwrap()
        .evidence
        .starts_with("custom"));
    insta::assert_snapshot!("hardened_inspect_text", r.to_text());
}

#[test]
fn inspect_rejects_bad_json() {
    let profile = Profile::builtin();
    assert!(inspect::checks("[]", &profile).is_err());
    assert!(inspect::checks("{", &profile).unwrap_err().contains(":1:"));
    assert!(inspect::checks("3", &profile).is_err());
    // Missing keys are not a crash.
    assert!(inspect::checks("[{}]", &profile).is_ok());
}

#[test]
fn expect_reports_gaps() {
    use harden_core::Tier;
    use harden_engine::Settings;
    let dir = tempfile::tempdir().unwrap();
    // A compose file that passes the tier-1 rules for limits and caps but
    // not for no-new-privileges.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  agent:\n    image: debian:12\n    cap_drop: [ALL]\n    mem_limit: 1g\n    memswap_limit: 1g\n    cpus: 1\n    pids_limit: 100\n",
    );
    let settings = Settings::new(Profile::builtin(), Tier::new(1).unwrap());
    let promises = harden_verify::expect::promises(&[dir.path().to_path_buf()], &settings).unwrap();
    let running = inspect::checks(INSPECT_INSECURE, &Profile::builtin()).unwrap();
    let gaps = harden_verify::expect::compare(&promises, &running);
    let get = |id: &str| gaps.iter().find(|c| c.id == id).map(|c| c.status);
    assert_eq!(get("expect.CP001"), Some(Status::Red), "{gaps:#?}");
    assert_eq!(get("expect.CP002"), Some(Status::Red));
    assert_eq!(get("expect.CP007"), Some(Status::Amber));
    let hardened = inspect::checks(INSPECT_HARDENED, &Profile::builtin()).unwrap();
    let ok = harden_verify::expect::compare(&promises, &hardened);
    assert!(ok.iter().all(|c| c.status != Status::Red), "{ok:#?}");
    assert!(harden_verify::expect::promises(&[dir.path().join("nope")], &settings).is_err());
}

#[test]
fn html_escapes_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    insecure_tree(dir.path());
    let mut r = inside_report(dir.path(), env(&[("HOME", "/home/node")]), Some(true));
    r.checks.push(harden_verify::Check::new(
        "mount:/x<script>alert(1)</script>",
        harden_verify::Threat::HostMounts,
        Status::Red,
        "\"><img src=x onerror=alert(1)>",
    ));
    let page = harden_verify::html::render(&r);
    assert!(!page.contains("<script"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(page.contains("&lt;script&gt;"));
    assert!(page.contains("data-threat=\"docker-socket\" data-status=\"red\""));
    assert!(page.contains("data-threat=\"egress\" data-status=\"unchecked\""));
}

/// The NET_ADMIN an egress firewall needs (harden's feature, or the
/// project's own) is no broken capability promise; any other is.
#[test]
fn expect_allows_the_firewall_capability_only() {
    use harden_core::Tier;
    use harden_engine::Settings;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".devcontainer/devcontainer.json",
        r#"{
  "image": "debian:12",
  "runArgs": ["--cap-drop=ALL"],
  "features": {"./harden-egress": {}}
}
"#,
    );
    let settings = Settings::new(Profile::builtin(), Tier::new(1).unwrap());
    let promises = harden_verify::expect::promises(&[dir.path().to_path_buf()], &settings).unwrap();
    let inspect_with = |caps: &str| {
        let json = format!(
            r#"[{{"Name": "/c", "Config": {{"User": ""}}, "HostConfig": {{"CapDrop": ["ALL"], "CapAdd": [{caps}], "SecurityOpt": ["no-new-privileges:true"]}}}}]"#
        );
        inspect::checks(&json, &Profile::builtin()).unwrap()
    };
    let status = |checks: &[harden_verify::Check], id: &str| {
        harden_verify::expect::compare(&promises, checks)
            .into_iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let firewall = inspect_with(r#""NET_ADMIN""#);
    let dc002 = status(&firewall, "expect.DC002");
    assert_eq!(dc002.status, Status::Green, "{dc002:?}");
    assert!(
        dc002
            .evidence
            .contains("NET_ADMIN held for the egress firewall"),
        "{dc002:?}"
    );
    let more = inspect_with(r#""NET_ADMIN", "SYS_ADMIN""#);
    assert_eq!(status(&more, "expect.DC002").status, Status::Red);
}

/// DC011 runs the container as root and the agent as `remoteUser`: the
/// container's root user is no broken DF003 promise then, and is otherwise.
#[test]
fn expect_allows_a_root_container_with_a_non_root_remote_user() {
    use harden_core::Tier;
    use harden_engine::Settings;
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".devcontainer/Dockerfile",
        "FROM debian:12\nUSER agent\n",
    );
    let config =
        |users: &str| format!("{{\n  \"build\": {{\"dockerfile\": \"Dockerfile\"}}{users}\n}}\n");
    let inspect_root = inspect::checks(
        r#"[{"Name": "/c", "Config": {"User": "root"}, "HostConfig": {"CapDrop": ["ALL"]}}]"#,
        &Profile::builtin(),
    )
    .unwrap();
    let settings = Settings::new(Profile::builtin(), Tier::new(1).unwrap());
    let df003 = |users: &str| {
        write(
            dir.path(),
            ".devcontainer/devcontainer.json",
            &config(users),
        );
        let promises =
            harden_verify::expect::promises(&[dir.path().to_path_buf()], &settings).unwrap();
        harden_verify::expect::compare(&promises, &inspect_root)
            .into_iter()
            .find(|c| c.id == "expect.DF003")
            .expect("a DF003 promise")
    };
    let on_purpose = df003(",\n  \"containerUser\": \"root\",\n  \"remoteUser\": \"agent\"");
    assert_eq!(on_purpose.status, Status::Green, "{on_purpose:?}");
    assert!(
        on_purpose.evidence.contains("the agent as `agent`"),
        "{on_purpose:?}"
    );
    assert_eq!(df003("").status, Status::Red);
}

fn agent_report(root: &Path, extra_env: &[(&str, &str)]) -> Report {
    let mut e = env(&[("HOME", "/home/node"), ("PATH", "/usr/local/bin:/usr/bin")]);
    e.extend(env(extra_env));
    inside_report(root, e, None)
}

fn evidence_of<'r>(r: &'r Report, id: &str) -> &'r str {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .map_or("", |c| c.evidence.as_str())
}

fn executable(root: &Path, path: &str) {
    use std::os::unix::fs::PermissionsExt;
    write(root, path, "#!/bin/sh\n");
    let p = root.join(path.trim_start_matches('/'));
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn no_agent_no_agent_checks() {
    let dir = tempfile::tempdir().unwrap();
    hardened_tree(dir.path());
    let r = agent_report(dir.path(), &[]);
    assert!(
        r.checks.iter().all(|c| !c.id.starts_with("agent.")),
        "{}",
        r.to_text()
    );
}

#[test]
fn claude_layers_in_force_and_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    hardened_tree(root);
    executable(root, "/usr/local/bin/claude");
    write(
        root,
        "/workspaces/project/.claude/settings.json",
        r#"{"sandbox": {"enabled": true}, "permissions": {"defaultMode": "bypassPermissions"}}"#,
    );
    // Fails Claude's validation (trailing comma): skipped whole.
    write(
        root,
        "/workspaces/project/.claude/settings.local.json",
        r#"{"sandbox": {"enabled": false},}"#,
    );
    write(
        root,
        "/home/node/.claude/settings.json",
        r#"{"sandbox": {"enabled": false}}"#,
    );
    let r = agent_report(root, &[]);
    assert_eq!(
        status_of(
            &r,
            "agent.claude.file:/workspaces/project/.claude/settings.local.json"
        ),
        Some(Status::Amber),
        "{}",
        r.to_text()
    );
    assert_eq!(
        evidence_of(&r, "agent.claude.files"),
        "in force, highest first: project /workspaces/project/.claude/settings.json, \
         user /home/node/.claude/settings.json"
    );
    // The project's value wins over the user's; without bwrap it is not in force.
    assert_eq!(status_of(&r, "agent.claude.sandbox"), Some(Status::Red));
    assert!(evidence_of(&r, "agent.claude.sandbox").contains("bwrap is not on PATH"));
    // A project file cannot make bypass the default.
    assert_eq!(status_of(&r, "agent.claude.bypass"), Some(Status::Amber));

    executable(root, "/usr/bin/bwrap");
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.claude.sandbox"), Some(Status::Amber));
    assert!(evidence_of(&r, "agent.claude.sandbox").contains("allowUnsandboxedCommands"));

    write(
        root,
        "/workspaces/project/.claude/settings.json",
        r#"{"sandbox": {"enabled": true, "allowUnsandboxedCommands": false}}"#,
    );
    write(
        root,
        "/etc/claude-code/managed-settings.json",
        r#"{"permissions": {"disableBypassPermissionsMode": "disable"}}"#,
    );
    write(
        root,
        "/home/node/.claude/settings.json",
        r#"{"permissions": {"defaultMode": "bypassPermissions"}}"#,
    );
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.claude.sandbox"), Some(Status::Green));
    assert_eq!(status_of(&r, "agent.claude.bypass"), Some(Status::Green));
    std::fs::remove_file(root.join("etc/claude-code/managed-settings.json")).unwrap();
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.claude.bypass"), Some(Status::Red));
    insta::assert_snapshot!("claude_agent_text", r.to_text());
}

#[test]
fn claude_config_dir_and_default_sandbox_off() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    hardened_tree(root);
    write(root, "/opt/claude/settings.json", r#"{"model": "x"}"#);
    let r = agent_report(root, &[("CLAUDE_CONFIG_DIR", "/opt/claude")]);
    assert_eq!(
        evidence_of(&r, "agent.claude.files"),
        "in force, highest first: user /opt/claude/settings.json"
    );
    assert_eq!(status_of(&r, "agent.claude.sandbox"), Some(Status::Amber));
}

#[test]
fn codex_project_counts_once_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    hardened_tree(root);
    write(
        root,
        "/workspaces/project/.codex/config.toml",
        "sandbox_mode = \"danger-full-access\"\napproval_policy = \"never\"\n",
    );
    write(
        root,
        "/home/node/.codex/config.toml",
        "sandbox_mode = \"workspace-write\"\n",
    );
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.codex.sandbox"), Some(Status::Green));
    assert!(
        evidence_of(&r, "agent.codex.files").contains("read once the project is trusted"),
        "{}",
        r.to_text()
    );
    assert_eq!(status_of(&r, "agent.codex.approval"), None);

    write(
        root,
        "/home/node/.codex/config.toml",
        "sandbox_mode = \"workspace-write\"\n[projects.\"/workspaces/project\"]\ntrust_level = \"trusted\"\n",
    );
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.codex.sandbox"), Some(Status::Amber));
    assert_eq!(status_of(&r, "agent.codex.approval"), Some(Status::Amber));

    write(
        root,
        "/etc/codex/requirements.toml",
        "allowed_sandbox_modes = [\"read-only\", \"workspace-write\"]\n",
    );
    let r = agent_report(root, &[]);
    assert_eq!(status_of(&r, "agent.codex.sandbox"), Some(Status::Green));
    insta::assert_snapshot!("codex_agent_text", r.to_text());
}

#[test]
fn opencode_and_hermes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    hardened_tree(root);
    write(
        root,
        "/home/node/.config/opencode/opencode.json",
        r#"{"permission": {"bash": "ask"}}"#,
    );
    write(
        root,
        "/workspaces/project/opencode.jsonc",
        "{\n  // the repository's own\n  \"permission\": {\"bash\": {\"*\": \"allow\"}},\n}\n",
    );
    write(
        root,
        "/home/node/.hermes/config.yaml",
        "approvals:\n  mode: off\n",
    );
    let r = agent_report(root, &[]);
    assert_eq!(
        status_of(&r, "agent.opencode.permission"),
        Some(Status::Amber),
        "{}",
        r.to_text()
    );
    assert!(
        evidence_of(&r, "agent.opencode.permission").contains("/workspaces/project/opencode.jsonc")
    );
    assert_eq!(status_of(&r, "agent.hermes.approvals"), Some(Status::Red));
    write(
        root,
        "/home/node/.hermes/config.yaml",
        "approvals:\n  mode: manual\n",
    );
    write(root, "/workspaces/project/opencode.jsonc", "{}");
    let r = agent_report(root, &[("HERMES_YOLO_MODE", "1")]);
    assert_eq!(status_of(&r, "agent.hermes.approvals"), Some(Status::Green));
    assert_eq!(status_of(&r, "agent.hermes.yolo"), Some(Status::Red));
    // The project's file sets nothing: the user's ask holds.
    assert_eq!(
        status_of(&r, "agent.opencode.permission"),
        Some(Status::Green)
    );
    insta::assert_snapshot!("opencode_hermes_agent_text", r.to_text());
}
