//! Linux capability sets: the bit masks of /proc/PID/status and Docker's
//! names for them.

/// Capability names by bit number (linux/capability.h), without `CAP_`.
pub const NAMES: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// Docker's default set for a container that changes none.
pub const DOCKER_DEFAULT: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// The names in a hex mask such as `00000000a80425fb`; unknown bits as `CAP_N`.
pub fn names_of_mask(hex: &str) -> Option<Vec<String>> {
    let mask = u64::from_str_radix(hex.trim(), 16).ok()?;
    Some(
        (0..64)
            .filter(|bit| mask & (1u64 << bit) != 0)
            .map(|bit| match NAMES.get(bit) {
                Some(n) => (*n).to_string(),
                None => format!("CAP_{bit}"),
            })
            .collect(),
    )
}

use harden_core::capability_name;

/// The set Docker gives for `cap_add`/`cap_drop` (ALL in either counts).
pub fn docker_effective(add: &[String], drop: &[String]) -> Vec<String> {
    let add: Vec<String> = add.iter().map(|c| capability_name(c)).collect();
    let drop: Vec<String> = drop.iter().map(|c| capability_name(c)).collect();
    let mut set: Vec<String> = if add.iter().any(|c| c == "ALL") {
        NAMES.iter().map(|s| s.to_string()).collect()
    } else if drop.iter().any(|c| c == "ALL") {
        Vec::new()
    } else {
        DOCKER_DEFAULT
            .iter()
            .map(|s| s.to_string())
            .filter(|c| !drop.contains(c))
            .collect()
    };
    for c in add {
        if c != "ALL" && !set.contains(&c) {
            set.push(c);
        }
    }
    // Docker applies drops after ALL in cap_add only for named caps.
    if !drop.iter().any(|c| c == "ALL") {
        set.retain(|c| !drop.contains(c));
    }
    set.sort_by_key(|c| NAMES.iter().position(|n| n == c).unwrap_or(usize::MAX));
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_default_mask() {
        let names = names_of_mask("00000000a80425fb").unwrap();
        let mut expected: Vec<&str> = DOCKER_DEFAULT.to_vec();
        expected.sort_by_key(|c| NAMES.iter().position(|n| n == c));
        assert_eq!(names, expected);
    }

    #[test]
    fn drop_all_add_some() {
        let set = docker_effective(&["CHOWN".into(), "cap_net_admin".into()], &["ALL".into()]);
        assert_eq!(set, ["CHOWN", "NET_ADMIN"]);
        assert!(names_of_mask("zz").is_none());
    }
}
