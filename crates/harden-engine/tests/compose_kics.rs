//! Peer oracle: Checkmarx KICS' own compose samples (../shared/oracle/kics,
//! Apache-2.0). For every KICS query a harden rule covers, each positive
//! sample must be flagged by that rule at KICS' expected line (the line lies
//! within a finding's range) and negatives must give nothing. Every sample
//! runs twice: as written and without its `version:` line, which KICS itself
//! needs to recognise a compose file.

mod common;

use std::collections::BTreeMap;

use harden_core::{FileKind, Finding, Tier};
use harden_engine::{Decision, Settings};
use harden_profile::Profile;

/// KICS query -> harden rules, and the word a CP001 message must contain
/// for per-dimension resource queries.
const COVERED: &[(&str, &[&str], Option<&str>)] = &[
    (
        "container_capabilities_unrestricted",
        &["CP002", "CP004"],
        None,
    ),
    ("cpus_not_limited", &["CP001"], Some("CPUs")),
    ("memory_not_limited", &["CP001"], Some("memory")),
    ("pids_limit_not_set", &["CP001"], Some("processes")),
    ("default_seccomp_profile_disabled", &["CP006"], None),
    ("docker_socket_mounted_in_container", &["CP008"], None),
    ("host_namespace_is_shared", &["CP005"], None),
    ("shared_host_ipc_namespace", &["CP005"], None),
    ("shared_host_network_namespace", &["CP005"], None),
    ("shared_host_user_namespace", &["CP005"], None),
    ("no_new_privileges_not_set", &["CP007"], None),
    ("privileged_containers_enabled", &["CP003"], None),
    ("shared_volumes_between_containers", &["CP010"], None),
    ("volume_has_sensitive_host_directory", &["CP009"], None),
];

/// Expected results harden does not reproduce, each with the reason.
const NOT_REPRODUCED: &[(&str, &str, usize, &str)] = &[
    (
        "cpus_not_limited",
        "positive3.yaml",
        3,
        "KICS reports the service and its empty `deploy:`; harden reports once, at `deploy:`",
    ),
    (
        "memory_not_limited",
        "positive3.yaml",
        3,
        "KICS reports the service and its empty `deploy:`; harden reports once, at `deploy:`",
    ),
    (
        "volume_has_sensitive_host_directory",
        "positive1.yaml",
        11,
        "`- /var/lib/backup/data` is an anonymous volume at a container path, not a host mount",
    ),
    (
        "volume_has_sensitive_host_directory",
        "positive2.yaml",
        18,
        "`driver_opts.device` of a named volume is not read",
    ),
    (
        "volume_has_sensitive_host_directory",
        "positive3.yaml",
        14,
        "`driver_opts.mountpoint` of a named volume is not read",
    ),
];

fn findings(text: &str, codes: &[&str]) -> Vec<Finding> {
    let settings = Settings::new(Profile::builtin(), Tier::MAX).only(codes);
    harden_engine::process_text(
        "kics",
        FileKind::Compose,
        text,
        &settings,
        &mut |_, _, _| Decision::Skip,
    )
    .expect("KICS samples parse")
    .findings
}

#[test]
fn kics_compose_samples() {
    let Some(dir) = harden_core::requirement::shared("oracle/kics") else {
        return;
    };
    let expected =
        std::fs::read_to_string(dir.join("EXPECTED.tsv")).expect("shared oracle present");
    // (query, file) -> expected lines (empty for negatives)
    let mut cases: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for line in expected.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if !cols[1].ends_with(".yaml") && !cols[1].ends_with(".yml") {
            continue;
        }
        let lines = cases
            .entry((cols[0].to_string(), cols[1].to_string()))
            .or_default();
        if cols[2] == "positive" {
            lines.push(cols[3].parse().expect("line number"));
        }
    }
    let (mut hit, mut checked_files, mut skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for ((query, file), lines) in &cases {
        let Some((_, codes, word)) = COVERED.iter().find(|(q, _, _)| q == query) else {
            continue;
        };
        let text = std::fs::read_to_string(dir.join(query).join(file)).unwrap();
        let mut variants = vec![("as written", text.clone(), 0usize)];
        if text.starts_with("version:") {
            let rest = text.split_once('\n').map(|x| x.1).unwrap_or("").to_string();
            variants.push(("version-less", rest, 1));
        }
        for (variant, body, shift) in variants {
            checked_files += 1;
            let found: Vec<Finding> = findings(&body, codes)
                .into_iter()
                .filter(|f| word.is_none_or(|w| f.message.contains(w)))
                .collect();
            if lines.is_empty() && !found.is_empty() {
                failures.push(format!(
                    "{query}/{file} ({variant}): negative flagged: {}",
                    found[0].message
                ));
            }
            for line in lines {
                let line = line - shift;
                let ok = found
                    .iter()
                    .any(|f| f.start_pos.line <= line && line <= f.end_pos.line);
                let excused = NOT_REPRODUCED
                    .iter()
                    .any(|(q, f, l, _)| q == query && f == file && l - shift == line);
                match (ok, excused) {
                    (true, false) => hit += 1,
                    (false, true) => skipped += 1,
                    (true, true) => failures.push(format!("{query}/{file}:{line} ({variant}) is listed as not reproduced but is found")),
                    (false, false) => failures.push(format!(
                        "{query}/{file}:{line} ({variant}): not flagged there; findings at {:?}",
                        found.iter().map(|f| (f.start_pos.line, f.end_pos.line)).collect::<Vec<_>>()
                    )),
                }
            }
        }
    }
    println!(
        "kics compose oracle: {} queries covered, {checked_files} sample runs, {hit} expected lines found, {skipped} not reproduced (listed with reasons), {} failures",
        COVERED.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
