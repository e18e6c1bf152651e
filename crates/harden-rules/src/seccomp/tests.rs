//! The generated profile against Docker's default, over the whole recorded
//! data, with a small evaluator of Docker's seccomp semantics.

use super::*;
use std::collections::{BTreeSet, HashMap};

/// The architecture names Docker matches `includes`/`excludes` arches
/// against (the values of moby's `goToNative`).
const DAEMON_ARCHES: &[&str] = &[
    "x86",
    "amd64",
    "arm",
    "arm64",
    "loongarch64",
    "mips64",
    "mips64n32",
    "mipsel64",
    "mips3l64n32",
    "mipsel",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv64",
    "s390",
    "s390x",
];

/// Kernels around the data's only `minKernel` (4.8) and a recent one.
const KERNELS: &[(u32, u32)] = &[(4, 7), (4, 8), (6, 18)];

/// Docker's default capability set (moby `oci/caps/defaults.go`).
const DOCKER_DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

const EPERM: u64 = 1;
const ENOSYS: u64 = 38;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Allow,
    Errno(u64),
}

struct Container<'a> {
    arch: &'a str,
    caps: &'a [String],
    kernel: (u32, u32),
}

fn verdict_of(action: &str, errno: Option<u64>) -> Verdict {
    match action {
        ALLOW => Verdict::Allow,
        // runc answers EPERM for an errno action without a value.
        ERRNO => Verdict::Errno(errno.unwrap_or(EPERM)),
        other => panic!("action {other} is not modelled"),
    }
}

fn kernel_at_least(kernel: (u32, u32), min: &str) -> bool {
    let mut parts = min
        .split('.')
        .map(|p| p.parse::<u32>().expect("kernel version"));
    let min = (parts.next().unwrap(), parts.next().unwrap_or(0));
    kernel >= min
}

/// What Docker's `setupSeccomp` keeps of a profile for a container: the
/// default verdict and, per name, the entries that apply, in order.
struct Loaded<'p> {
    default: Verdict,
    by_name: HashMap<&'p str, Vec<&'p SyscallRule>>,
}

fn load<'p>(p: &'p SeccompProfile, c: &Container) -> Loaded<'p> {
    let mut by_name: HashMap<&str, Vec<&SyscallRule>> = HashMap::new();
    for rule in &p.syscalls {
        let ex = &rule.excludes;
        let inc = &rule.includes;
        let excluded = ex.arches.iter().any(|a| a == c.arch)
            || ex.caps.iter().any(|cap| c.caps.contains(cap))
            || ex
                .min_kernel
                .as_deref()
                .is_some_and(|m| kernel_at_least(c.kernel, m));
        let included = (inc.arches.is_empty() || inc.arches.iter().any(|a| a == c.arch))
            && inc.caps.iter().all(|cap| c.caps.contains(cap))
            && inc
                .min_kernel
                .as_deref()
                .is_none_or(|m| kernel_at_least(c.kernel, m));
        if excluded || !included {
            continue;
        }
        for name in &rule.names {
            by_name.entry(name.as_str()).or_default().push(rule);
        }
    }
    Loaded {
        default: verdict_of(&p.default_action, p.default_errno_ret),
        by_name,
    }
}

fn arg_holds(a: &ArgCondition, args: &[u64; 6]) -> bool {
    let x = args[a.index as usize];
    let v = a.value;
    match a.op.as_str() {
        "SCMP_CMP_NE" => x != v,
        "SCMP_CMP_LT" => x < v,
        "SCMP_CMP_LE" => x <= v,
        "SCMP_CMP_EQ" => x == v,
        "SCMP_CMP_GE" => x >= v,
        "SCMP_CMP_GT" => x > v,
        "SCMP_CMP_MASKED_EQ" => x & v == a.value_two,
        other => panic!("operator {other} is not modelled"),
    }
}

impl Loaded<'_> {
    /// The first entry naming the call whose argument conditions all hold
    /// decides; otherwise the default action.
    fn verdict(&self, name: &str, args: &[u64; 6]) -> Verdict {
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            .find(|r| r.args.iter().all(|a| arg_holds(a, args)))
            .map_or(self.default, |r| verdict_of(&r.action, r.errno_ret))
    }

    fn looks_at_args(&self, name: &str) -> bool {
        self.by_name
            .get(name)
            .is_some_and(|rules| rules.iter().any(|r| !r.args.is_empty()))
    }

    /// Names whose applicable entries disagree on the action: for those the
    /// order of entries (and libseccomp's precedence) would matter.
    fn conflicting(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .by_name
            .iter()
            .filter(|(_, rules)| {
                let first = verdict_of(&rules[0].action, rules[0].errno_ret);
                rules
                    .iter()
                    .any(|r| verdict_of(&r.action, r.errno_ret) != first)
            })
            .map(|(n, _)| *n)
            .collect();
        out.sort_unstable();
        out
    }
}

/// Argument vectors that probe every condition of both profiles: each
/// compared value, its neighbours, each bit of each mask and extremes, in
/// every argument position.
fn arg_vectors(profiles: &[&SeccompProfile]) -> Vec<[u64; 6]> {
    let mut values: BTreeSet<u64> = [0, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX as u64, u64::MAX]
        .into_iter()
        .collect();
    for p in profiles {
        for a in p.syscalls.iter().flat_map(|r| &r.args) {
            let v = a.value;
            values.extend([v, v.wrapping_sub(1), v.wrapping_add(1), a.value_two, !v]);
            if a.op == "SCMP_CMP_MASKED_EQ" {
                values.extend((0..64).map(|b| 1u64 << b).filter(|bit| v & bit != 0));
                values.insert(v | 1);
            }
        }
    }
    let mut out = vec![[0u64; 6]];
    for i in 0..6 {
        for v in &values {
            let mut args = [0u64; 6];
            args[i] = *v;
            out.push(args);
        }
    }
    out.push([u64::MAX; 6]);
    out
}

/// Every syscall name the data, the harden profile and its tests know, and
/// two that no list names.
fn all_names(profile: &Profile) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = docker_default()
        .syscalls
        .iter()
        .flat_map(|r| r.names.iter().cloned())
        .collect();
    names.extend(profile.seccomp.extra_denied.iter().cloned());
    names.extend(profile.seccomp.allow.iter().cloned());
    names.extend(UNKNOWN.iter().map(|s| s.to_string()));
    names
}

const UNKNOWN: &[&str] = &["harden_no_such_syscall", "future_syscall_v2"];

fn caps(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|c| c.to_string()).collect();
    v.sort();
    v.dedup();
    v
}

fn with_allowlist(allowlist: &[String]) -> Profile {
    let mut p = Profile::builtin();
    p.capabilities.add_allowlist = allowlist
        .iter()
        .map(|c| c.trim_start_matches("CAP_").to_string())
        .collect();
    p
}

/// Every capability a condition of the data names.
fn data_caps() -> Vec<String> {
    let mut all: Vec<String> = docker_default()
        .syscalls
        .iter()
        .flat_map(|r| r.includes.caps.iter().chain(&r.excludes.caps).cloned())
        .collect();
    all.sort();
    all.dedup();
    all
}

/// For each allowlist (the built-in one, none, each capability the data
/// names alone, all of them) and each container that holds at least it,
/// on every daemon architecture and kernel: wherever Docker's default
/// refuses a call, the generated profile refuses it too. For the container
/// holding exactly the allowlist, the generated profile answers exactly as
/// Docker's default does, except EPERM for `extra_denied`.
#[test]
fn never_weaker_than_dockers_default_over_the_whole_data() {
    let docker = docker_default().clone();
    let mut allowlists: Vec<Vec<String>> = vec![tier1_caps(&Profile::builtin()), Vec::new()];
    allowlists.extend(data_caps().into_iter().map(|c| vec![c]));
    allowlists.push(data_caps());
    let mut weaker = Vec::new();
    let mut different = Vec::new();
    let mut checked = 0u64;
    for allowlist in &allowlists {
        let profile = with_allowlist(allowlist);
        let generated = generate(&profile);
        assert_eq!(tier1_caps(&profile), *allowlist);
        let vectors = arg_vectors(&[&docker, &generated]);
        let names = all_names(&profile);
        let mut wider = allowlist.clone();
        wider.extend(DOCKER_DEFAULT_CAPS.iter().map(|c| c.to_string()));
        let wider = caps(&wider.iter().map(String::as_str).collect::<Vec<_>>());
        let mut all = allowlist.clone();
        all.extend(data_caps());
        let all = caps(&all.iter().map(String::as_str).collect::<Vec<_>>());
        for held in [allowlist, &wider, &all] {
            for arch in DAEMON_ARCHES {
                for kernel in KERNELS {
                    let c = Container {
                        arch,
                        caps: held,
                        kernel: *kernel,
                    };
                    let d = load(&docker, &c);
                    let g = load(&generated, &c);
                    assert_eq!(g.conflicting(), Vec::<&str>::new(), "{allowlist:?} {arch}");
                    for name in &names {
                        let zero = [[0u64; 6]];
                        let args: &[[u64; 6]] = if d.looks_at_args(name) || g.looks_at_args(name) {
                            &vectors
                        } else {
                            &zero
                        };
                        for a in args {
                            checked += 1;
                            let (dv, gv) = (d.verdict(name, a), g.verdict(name, a));
                            if dv != Verdict::Allow && gv == Verdict::Allow {
                                weaker.push(format!("{name}{a:?} {arch} {kernel:?} {held:?}"));
                            }
                            let expected = if profile.seccomp.extra_denied.contains(name) {
                                Verdict::Errno(EPERM)
                            } else {
                                dv
                            };
                            if held == allowlist && gv != expected {
                                different.push(format!(
                                    "{name}{a:?} {arch} {kernel:?} {held:?}: {gv:?}, Docker {dv:?}"
                                ));
                            }
                        }
                    }
                    for name in UNKNOWN {
                        assert_eq!(g.verdict(name, &[0; 6]), Verdict::Errno(EPERM));
                    }
                }
            }
        }
    }
    assert!(
        weaker.is_empty(),
        "{} weaker: {:?}",
        weaker.len(),
        &weaker[..weaker.len().min(20)]
    );
    assert!(
        different.is_empty(),
        "{} different: {:?}",
        different.len(),
        &different[..different.len().min(20)]
    );
    // About 2.7 million verdicts: every name on every architecture, kernel and capability set.
    assert!(checked > 1_000_000, "{checked}");
}

/// The evaluator itself: Docker's default answers as documented.
#[test]
fn the_evaluator_reads_dockers_default_as_docker_does() {
    let docker = docker_default().clone();
    let none = Vec::new();
    let admin = caps(&["CAP_SYS_ADMIN"]);
    let on = |arch, caps, kernel| load(&docker, &Container { arch, caps, kernel });
    let d = on("amd64", &none, (6, 18));
    let a = |x: u64| [x, 0, 0, 0, 0, 0];
    assert_eq!(d.verdict("read", &a(0)), Verdict::Allow);
    assert_eq!(
        d.verdict("harden_no_such_syscall", &a(0)),
        Verdict::Errno(EPERM)
    );
    assert_eq!(d.verdict("socket", &a(2)), Verdict::Allow);
    assert_eq!(
        d.verdict("socket", &a(40)),
        Verdict::Errno(EPERM),
        "AF_VSOCK"
    );
    assert_eq!(d.verdict("socket", &a(38)), Verdict::Errno(EPERM), "AF_ALG");
    assert_eq!(d.verdict("socket", &a(39)), Verdict::Allow);
    assert_eq!(d.verdict("socket", &a(41)), Verdict::Allow);
    assert_eq!(d.verdict("personality", &a(8)), Verdict::Allow);
    assert_eq!(
        d.verdict("personality", &a(0x0040_0000)),
        Verdict::Errno(EPERM)
    );
    assert_eq!(
        d.verdict("clone", &a(0x003d_0f00)),
        Verdict::Allow,
        "a thread"
    );
    assert_eq!(
        d.verdict("clone", &a(0x1000_0000)),
        Verdict::Errno(EPERM),
        "CLONE_NEWUSER"
    );
    assert_eq!(d.verdict("clone3", &a(0)), Verdict::Errno(ENOSYS));
    assert_eq!(d.verdict("unshare", &a(0x1000_0000)), Verdict::Errno(EPERM));
    assert_eq!(d.verdict("ptrace", &a(0)), Verdict::Allow);
    assert_eq!(d.verdict("io_uring_setup", &a(0)), Verdict::Errno(EPERM));
    assert_eq!(d.verdict("keyctl", &a(0)), Verdict::Errno(EPERM));
    assert_eq!(d.verdict("bpf", &a(0)), Verdict::Errno(EPERM));
    assert_eq!(d.verdict("arch_prctl", &a(0)), Verdict::Allow);
    let old = on("amd64", &none, (4, 7));
    assert_eq!(old.verdict("ptrace", &a(0)), Verdict::Errno(EPERM));
    let arm = on("arm64", &none, (6, 18));
    assert_eq!(arm.verdict("arch_prctl", &a(0)), Verdict::Errno(EPERM));
    assert_eq!(arm.verdict("set_tls", &a(0)), Verdict::Allow);
    let s390 = on("s390x", &none, (6, 18));
    assert_eq!(
        s390.verdict("clone", &[0, 0x1000_0000, 0, 0, 0, 0]),
        Verdict::Errno(EPERM)
    );
    assert_eq!(s390.verdict("clone", &a(0x1000_0000)), Verdict::Allow);
    let root = on("amd64", &admin, (6, 18));
    assert_eq!(root.verdict("clone", &a(0x1000_0000)), Verdict::Allow);
    assert_eq!(root.verdict("clone3", &a(0)), Verdict::Allow);
    assert_eq!(root.verdict("mount", &a(0)), Verdict::Allow);
    assert_eq!(d.conflicting(), Vec::<&str>::new());
}

fn builtin_on(arch: &str) -> (SeccompProfile, Vec<String>, String) {
    let p = Profile::builtin();
    (generate(&p), tier1_caps(&p), arch.to_string())
}

#[test]
fn is_deny_by_default_with_dockers_architectures() {
    let (g, _, _) = builtin_on("amd64");
    let docker = docker_default().clone();
    assert_eq!(g.default_action, ERRNO);
    assert_eq!(g.default_errno_ret, Some(EPERM));
    assert_eq!(g.arch_map, docker.arch_map);
    assert!(g
        .syscalls
        .iter()
        .all(|r| r.includes.caps.is_empty() && r.excludes.caps.is_empty()));
    // What Docker loads: the JSON parses back to the same profile.
    let text = profile_json(&Profile::builtin());
    assert_eq!(serde_json::from_str::<SeccompProfile>(&text).unwrap(), g);
    assert!(text.ends_with("}\n"));
}

#[test]
fn the_built_in_profile_as_written() {
    insta::assert_snapshot!(profile_json(&Profile::builtin()));
}

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

#[test]
fn allows_what_a_dev_workflow_needs() {
    let (g, held, arch) = builtin_on("amd64");
    let g = load(
        &g,
        &Container {
            arch: &arch,
            caps: &held,
            kernel: (6, 18),
        },
    );
    let refused: Vec<&&str> = DEV_WORKFLOW
        .iter()
        .filter(|s| g.verdict(s, &[0; 6]) != Verdict::Allow)
        .collect();
    assert!(refused.is_empty(), "refused: {refused:?}");
    let a = |x: u64| [x, 0, 0, 0, 0, 0];
    // AF_UNIX, AF_INET, AF_INET6, AF_NETLINK
    for family in [1, 2, 10, 16] {
        assert_eq!(g.verdict("socket", &a(family)), Verdict::Allow, "{family}");
    }
    // pthread_create's and fork's flags; clone3 answers ENOSYS so libc falls back to clone
    assert_eq!(g.verdict("clone", &a(0x003d_0f00)), Verdict::Allow);
    assert_eq!(g.verdict("clone", &a(0x0120_0011)), Verdict::Allow);
    assert_eq!(g.verdict("clone3", &a(0)), Verdict::Errno(ENOSYS));
    assert_eq!(g.verdict("personality", &a(0xffff_ffff)), Verdict::Allow);
}

/// The calls the end-to-end probe makes are refused with EPERM.
#[test]
fn refuses_the_escape_paths() {
    let (g, held, arch) = builtin_on("amd64");
    let g = load(
        &g,
        &Container {
            arch: &arch,
            caps: &held,
            kernel: (6, 18),
        },
    );
    let a = |x: u64| [x, 0, 0, 0, 0, 0];
    for (name, args) in [
        ("ptrace", a(16)),
        ("unshare", a(0x1000_0000)),
        ("keyctl", a(0)),
        ("socket", a(40)),
        ("io_uring_setup", a(1)),
        ("bpf", a(0)),
        ("clone", a(0x1000_0000)),
        ("mount", a(0)),
        ("process_vm_readv", a(0)),
        ("userfaultfd", a(0)),
        ("name_to_handle_at", a(0)),
    ] {
        assert_eq!(g.verdict(name, &args), Verdict::Errno(EPERM), "{name}");
    }
}

#[test]
fn a_custom_profile_allows_back_and_denies_more_by_name() {
    let mut p = Profile::builtin();
    p.seccomp.allow = vec!["ptrace".into(), "clone".into()];
    p.seccomp.extra_denied.push("chdir".into());
    let generated = generate(&p);
    let held = tier1_caps(&p);
    let g = load(
        &generated,
        &Container {
            arch: "amd64",
            caps: &held,
            kernel: (6, 18),
        },
    );
    assert_eq!(g.verdict("ptrace", &[0; 6]), Verdict::Allow);
    assert_eq!(
        g.verdict("clone", &[0x1000_0000, 0, 0, 0, 0, 0]),
        Verdict::Allow
    );
    assert_eq!(g.verdict("chdir", &[0; 6]), Verdict::Errno(EPERM));
    assert_eq!(
        g.verdict("process_vm_readv", &[0; 6]),
        Verdict::Errno(EPERM)
    );
    assert_eq!(g.conflicting(), Vec::<&str>::new());
    let last = generated.syscalls.last().unwrap();
    assert_eq!(last.names, ["clone", "ptrace"]);
    assert!(last.args.is_empty() && last.includes.is_empty());
}

/// An allowlist with a capability the data names takes in Docker's entries
/// for it; the profile still names no capability.
#[test]
fn capability_entries_follow_the_allowlist() {
    let p = with_allowlist(&caps(&["CAP_SYS_NICE", "CAP_SYS_CHROOT"]));
    let generated = generate(&p);
    let held = tier1_caps(&p);
    let g = load(
        &generated,
        &Container {
            arch: "amd64",
            caps: &held,
            kernel: (6, 18),
        },
    );
    assert_eq!(g.verdict("mbind", &[0; 6]), Verdict::Allow);
    assert_eq!(g.verdict("chroot", &[0; 6]), Verdict::Allow);
    assert_eq!(g.verdict("mount", &[0; 6]), Verdict::Errno(EPERM));
    let builtin = generate(&Profile::builtin());
    let builtin = load(
        &builtin,
        &Container {
            arch: "amd64",
            caps: &held,
            kernel: (6, 18),
        },
    );
    assert_eq!(builtin.verdict("chroot", &[0; 6]), Verdict::Errno(EPERM));
}
