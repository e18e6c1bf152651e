//! The real binary on real files: exit codes, stdout/stderr split, errors,
//! and diffs that `git apply` accepts.

mod common;

use common::{copy_tree, harden, repo_root, write};

use std::process::Command;

#[test]
fn diff_of_the_example_applies_with_git_and_then_nothing_is_left() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(
        &repo_root().join("examples/insecure-devcontainer"),
        tmp.path(),
    );
    let before =
        std::fs::read_to_string(tmp.path().join(".devcontainer/devcontainer.json")).unwrap();
    let out = harden(tmp.path(), &["diff", "--tier", "1"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(
        diff.starts_with(
            "diff --git a/.devcontainer/devcontainer.json b/.devcontainer/devcontainer.json\n"
        ),
        "{diff}"
    );
    // diff never writes
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".devcontainer/devcontainer.json")).unwrap(),
        before
    );

    let patch = tmp.path().join("fix.patch");
    std::fs::write(&patch, &diff).unwrap();
    let applied = Command::new("git")
        .args(["apply", "--unsafe-paths", "fix.patch"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    std::fs::remove_file(&patch).unwrap();
    let after =
        std::fs::read_to_string(tmp.path().join(".devcontainer/devcontainer.json")).unwrap();
    assert!(after.contains("\"--cap-drop=ALL\""));
    assert!(after.contains("// An agent dev container with the usual shortcuts."));

    let again = harden(tmp.path(), &["diff", "--tier", "1"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(again.stdout.is_empty());
}

#[test]
fn safe_only_diff_leaves_unsafe_fixes_out() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".devcontainer.json",
        "{\n  \"image\": \"x\",\n  \"privileged\": true\n}\n",
    );
    let out = harden(tmp.path(), &["diff", "--fixes", "safe"]);
    let diff = String::from_utf8(out.stdout).unwrap();
    assert!(diff.contains("+  \"runArgs\": [\"--memory=8g\""), "{diff}");
    // privileged stays; it only gains the comma before the new member
    assert!(diff.contains("+  \"privileged\": true,\n"), "{diff}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("DC003 `privileged` is true: not applied (unsafe)"),
        "{stderr}"
    );
}

#[test]
fn a_broken_file_is_a_located_error_and_the_others_are_still_processed() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a/.devcontainer/devcontainer.json",
        "{\n  \"image\": \"x\"\n  \"init\": true\n}\n",
    );
    write(
        tmp.path(),
        "b/.devcontainer/devcontainer.json",
        "{\n  \"image\": \"x\",\n  \"privileged\": true\n}\n",
    );
    let out = harden(tmp.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("a/.devcontainer/devcontainer.json:2:15: Expected comma\n"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("b/.devcontainer/devcontainer.json:3:3: DC003 privileged-container"),
        "{stdout}"
    );
    assert!(!stdout.contains("a/.devcontainer"), "{stdout}");
}

#[test]
fn duplicate_keys_and_invalid_utf8_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "d/.devcontainer.json",
        "{\"privileged\": false, \"privileged\": true}",
    );
    let path = tmp.path().join("u/.devcontainer.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"{\n \"name\": \"\xff\"}").unwrap();
    let out = harden(tmp.path(), &["diff"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("d/.devcontainer.json:1:23: duplicate key `privileged`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("u/.devcontainer.json:2:11: invalid UTF-8"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn clean_tree_exits_zero_and_color_is_opt_in() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".devcontainer/devcontainer.json",
        "{\"image\": \"x\", \"runArgs\": [\"--memory=1g\", \"--memory-swap=1g\", \"--cpus=1\", \"--pids-limit=64\", \"--cap-drop=ALL\"], \"securityOpt\": [\"no-new-privileges\"]}",
    );
    assert_eq!(harden(tmp.path(), &["check"]).status.code(), Some(0));
    write(
        tmp.path(),
        "x/.devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}",
    );
    let colored = harden(tmp.path(), &["diff", "--color", "always"]);
    assert!(
        String::from_utf8_lossy(&colored.stdout).contains("\x1b[31m-"),
        "colour requested"
    );
    let plain = harden(tmp.path(), &["diff"]);
    assert!(
        !String::from_utf8_lossy(&plain.stdout).contains('\x1b'),
        "NO_COLOR and no terminal"
    );
}

#[test]
fn rule_docs_and_profiles() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = harden(tmp.path(), &["rule", "DC003"]);
    assert_eq!(doc.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&doc.stdout).starts_with("# DC003 privileged-container"));
    assert_eq!(
        harden(tmp.path(), &["rule", "XX999"]).status.code(),
        Some(2)
    );
    let list = harden(tmp.path(), &["profiles"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("tier 1 (quick wins)") && text.contains("DC007 no-new-privileges-missing"),
        "{text}"
    );
}

#[test]
fn a_custom_profile_changes_the_diff_and_a_bad_one_is_located() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), ".devcontainer.json", "{\"image\": \"x\"}\n");
    write(
        tmp.path(),
        "p.toml",
        "[resources]\nmemory = \"2g\"\nmemory_swap = \"2g\"\n",
    );
    let out = harden(
        tmp.path(),
        &["diff", "--profile", "p.toml", ".devcontainer.json"],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"--memory=2g\", \"--memory-swap=2g\""));
    write(tmp.path(), "bad.toml", "[resources]\nmemory = 2\n");
    let bad = harden(tmp.path(), &["check", "--profile", "bad.toml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&bad.stderr).trim(),
        "harden: bad.toml:2:1: `resources.memory` must be a string, found an integer"
    );
}

#[test]
fn tier_four_patches_a_named_daemon_json_and_otherwise_recommends() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "daemon.json",
        "{\n  \"log-driver\": \"json-file\"\n}\n",
    );
    std::fs::create_dir_all(tmp.path().join("p")).unwrap();
    let out = harden(
        tmp.path(),
        &[
            "diff",
            "--tier",
            "4",
            "--docker-daemon-config",
            "daemon.json",
            "p",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("+  \"log-driver\": \"json-file\",\n+  \"userns-remap\": \"default\"\n"),
        "{diff}"
    );
    let without = harden(tmp.path(), &["check", "--tier", "4", "p"]);
    assert!(String::from_utf8_lossy(&without.stderr).contains("pass --docker-daemon-config"));
    let tier3 = harden(tmp.path(), &["check", "--tier", "3", "p"]);
    assert!(!String::from_utf8_lossy(&tier3.stderr).contains("docker-daemon-config"));
}

#[test]
fn a_reader_that_goes_away_ends_the_run_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough output to outgrow a pipe buffer (64 KiB).
    let insecure: String = (0..400)
        .map(|i| format!("  s{i}:\n    image: x\n    privileged: true\n"))
        .collect();
    common::write(tmp.path(), "compose.yaml", format!("services:\n{insecure}"));
    for args in ["profiles", "diff", "check", "rule DC003"] {
        let script = format!(
            "'{}' {args} | head -c 1 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            common::BIN
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &script])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let code = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            code == "0" || (args == "check" && code == "1"),
            "{args}: exit {code}: {stderr}"
        );
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
            "{args}: {stderr}"
        );
    }
}

#[test]
fn help_lists_the_exit_codes() {
    let out = std::process::Command::new(common::BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for line in [
        "Exit codes:",
        "0  nothing to report",
        "1  findings",
        "2  a usage, parse or I/O error",
    ] {
        assert!(help.contains(line), "{help}");
    }
}

/// While a service is privileged, its tier-3 and tier-4 fixes do not hold:
/// their findings say so, and the summary names the host-root container.
#[test]
fn findings_behind_a_path_to_host_root_are_moot() {
    let tmp = tempfile::tempdir().unwrap();
    common::write(
        tmp.path(),
        "compose.yaml",
        "services:\n  agent:\n    image: x\n    privileged: true\n  db:\n    image: y\n",
    );
    let out = common::harden(tmp.path(), &["check", "--tier", "4", "compose.yaml"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(
            "host-root equivalent: compose.yaml service `agent` (CP003: `privileged` is true)"
        ),
        "{text}"
    );
    let seccomp_notes: Vec<&str> = text
        .split("CP012 seccomp-profile-missing")
        .skip(1)
        .map(|block| block.split("may break").next().unwrap())
        .collect();
    assert_eq!(seccomp_notes.len(), 2, "{text}");
    assert!(seccomp_notes[0].contains("moot while this holds: `privileged` is true (CP003)"));
    assert!(
        !seccomp_notes[1].contains("moot"),
        "db is not privileged: {}",
        seccomp_notes[1]
    );
}
