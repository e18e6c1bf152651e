//! The seccomp profile harden writes for tier 3, built from the profile's
//! `[seccomp]` lists. It allows by default and refuses the listed syscalls,
//! so it is self-contained and reviewable; Docker's own default is an
//! allowlist, which means syscalls that future kernels add are allowed here
//! and refused there (docs/seccomp.md).

use harden_profile::SeccompParams;
use serde_json::{json, Value};

/// Namespace flags of clone(2); a clone with any of them is refused.
const NAMESPACE_FLAGS: &[(&str, u64)] = &[
    ("CLONE_NEWNS", 0x0002_0000),
    ("CLONE_NEWCGROUP", 0x0200_0000),
    ("CLONE_NEWUTS", 0x0400_0000),
    ("CLONE_NEWIPC", 0x0800_0000),
    ("CLONE_NEWUSER", 0x1000_0000),
    ("CLONE_NEWPID", 0x2000_0000),
    ("CLONE_NEWNET", 0x4000_0000),
];

const EPERM: u64 = 1;
const ENOSYS: u64 = 38;

/// The profile as Docker's seccomp JSON, pretty-printed with a final newline.
pub fn profile_json(params: &SeccompParams) -> String {
    let mut denied: Vec<&str> = params
        .docker_default_denied
        .iter()
        .chain(&params.extra_denied)
        .map(String::as_str)
        .collect();
    denied.sort_unstable();
    denied.dedup();
    let mut syscalls = vec![json!({
        "names": denied,
        "action": "SCMP_ACT_ERRNO",
        "errnoRet": EPERM,
        "comment": "refused by harden's profile ([seccomp] in the harden profile)"
    })];
    if params.deny_namespace_clone {
        syscalls.push(json!({
            "names": ["clone3"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": ENOSYS,
            "comment": "ENOSYS makes libc fall back to clone(2), whose flags are checked"
        }));
        for (name, flag) in NAMESPACE_FLAGS {
            syscalls.push(json!({
                "names": ["clone"],
                "action": "SCMP_ACT_ERRNO",
                "errnoRet": EPERM,
                "args": [{"index": 0, "value": flag, "valueTwo": flag, "op": "SCMP_CMP_MASKED_EQ"}],
                "comment": format!("clone with {name}")
            }));
        }
    }
    let profile = json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        "syscalls": syscalls
    });
    let mut text = serde_json::to_string_pretty(&profile).expect("serialisable");
    text.push('\n');
    text
}

/// Whether the profile allows `name` unconditionally (no argument rule refuses it).
pub fn allows_unconditionally(profile: &Value, name: &str) -> bool {
    let default_allow = profile["defaultAction"] == "SCMP_ACT_ALLOW";
    let rules = profile["syscalls"].as_array().cloned().unwrap_or_default();
    let named = |r: &Value| {
        r["names"]
            .as_array()
            .is_some_and(|n| n.iter().any(|x| x == name))
    };
    let refused = rules
        .iter()
        .any(|r| named(r) && r["action"] != "SCMP_ACT_ALLOW" && r.get("args").is_none());
    let allowed = rules
        .iter()
        .any(|r| named(r) && r["action"] == "SCMP_ACT_ALLOW");
    !refused && (default_allow || allowed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_profile::Profile;

    /// What a Python or Node development workflow calls: file and process
    /// management, sockets, event loops, threads, JIT memory.
    const DEV_WORKFLOW: &[&str] = &[
        "read",
        "write",
        "openat",
        "close",
        "fstat",
        "newfstatat",
        "statx",
        "lseek",
        "mmap",
        "mprotect",
        "munmap",
        "brk",
        "madvise",
        "mremap",
        "rt_sigaction",
        "rt_sigprocmask",
        "rt_sigreturn",
        "ioctl",
        "pread64",
        "pwrite64",
        "readv",
        "writev",
        "access",
        "faccessat2",
        "pipe2",
        "dup3",
        "select",
        "pselect6",
        "poll",
        "ppoll",
        "sched_yield",
        "sched_getaffinity",
        "execve",
        "execveat",
        "wait4",
        "waitid",
        "kill",
        "tgkill",
        "exit",
        "exit_group",
        "fcntl",
        "flock",
        "fsync",
        "getdents64",
        "getcwd",
        "chdir",
        "renameat2",
        "mkdirat",
        "unlinkat",
        "symlinkat",
        "readlinkat",
        "fchmodat",
        "fchownat",
        "utimensat",
        "getuid",
        "geteuid",
        "getgid",
        "getpid",
        "getppid",
        "gettid",
        "setsid",
        "socket",
        "socketpair",
        "connect",
        "accept4",
        "bind",
        "listen",
        "sendto",
        "recvfrom",
        "sendmsg",
        "recvmsg",
        "shutdown",
        "getsockname",
        "getpeername",
        "getsockopt",
        "setsockopt",
        "epoll_create1",
        "epoll_ctl",
        "epoll_wait",
        "epoll_pwait",
        "eventfd2",
        "timerfd_create",
        "timerfd_settime",
        "signalfd4",
        "futex",
        "set_robust_list",
        "get_robust_list",
        "rseq",
        "getrandom",
        "memfd_create",
        "prlimit64",
        "getrlimit",
        "inotify_init1",
        "inotify_add_watch",
        "inotify_rm_watch",
        "clock_gettime",
        "clock_nanosleep",
        "nanosleep",
        "uname",
        "sysinfo",
        "umask",
        "capget",
        "prctl",
        "arch_prctl",
        "set_tid_address",
        "copy_file_range",
        "sendfile",
        "splice",
        "vfork",
    ];

    fn generated() -> Value {
        serde_json::from_str(&profile_json(&Profile::builtin().seccomp)).expect("valid JSON")
    }

    #[test]
    fn is_docker_seccomp_json() {
        let p = generated();
        assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
        for rule in p["syscalls"].as_array().unwrap() {
            assert!(rule["names"].as_array().is_some_and(|n| !n.is_empty()));
            assert!(
                ["SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW"].contains(&rule["action"].as_str().unwrap())
            );
            for arg in rule["args"].as_array().into_iter().flatten() {
                assert_eq!(arg["op"], "SCMP_CMP_MASKED_EQ");
                assert!(arg["value"].as_u64().is_some() && arg["index"].as_u64().is_some());
            }
        }
    }

    #[test]
    fn allows_what_a_dev_workflow_needs() {
        let p = generated();
        let refused: Vec<&&str> = DEV_WORKFLOW
            .iter()
            .filter(|s| !allows_unconditionally(&p, s))
            .collect();
        assert!(refused.is_empty(), "refused: {refused:?}");
        // clone stays allowed for threads and processes; only namespace flags are refused
        assert!(allows_unconditionally(&p, "clone"));
    }

    #[test]
    fn refuses_the_escape_paths() {
        let p = generated();
        for s in [
            "ptrace",
            "mount",
            "kexec_load",
            "bpf",
            "keyctl",
            "unshare",
            "setns",
            "io_uring_setup",
            "process_vm_readv",
        ] {
            assert!(!allows_unconditionally(&p, s), "{s} allowed");
        }
        let clone_rules = p["syscalls"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["names"][0] == "clone")
            .count();
        assert_eq!(clone_rules, 7);
    }
}
