//! The agents' settings through the binary: discovery under a directory,
//! `--claude-version` deciding which keys a fix may write, and a bad
//! version refused as a usage error.

mod common;

use common::{harden, write};

#[test]
fn agent_settings_are_found_and_fixed_per_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        ".claude/settings.json",
        "{\n  \"sandbox\": {\n    \"enabled\": true\n  }\n}\n",
    );
    write(
        dir,
        ".codex/config.toml",
        "sandbox_mode = \"danger-full-access\" # fast\n",
    );
    let out = harden(dir, &["check", "--tier", "3", "."]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(".claude/settings.json:") && text.contains("CC003"),
        "{text}"
    );
    assert!(text.contains(".codex/config.toml:1:1: CX001"), "{text}");

    let old = harden(dir, &["diff", "--tier", "3", "."]);
    let old = String::from_utf8_lossy(&old.stdout);
    assert!(!old.contains("failIfUnavailable"), "{old}");
    assert!(
        old.contains("+sandbox_mode = \"workspace-write\" # fast"),
        "{old}"
    );
    let new = harden(
        dir,
        &[
            "diff",
            "--tier",
            "3",
            "--claude-version",
            "2.1.90 (Claude Code)",
            ".",
        ],
    );
    let new = String::from_utf8_lossy(&new.stdout);
    assert!(new.contains("+    \"failIfUnavailable\": true"), "{new}");
}

#[test]
fn a_bad_claude_version_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = harden(tmp.path(), &["check", "--claude-version", "latest", "."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected a version such as 2.1.83"));
}

#[test]
fn hostile_toml_is_a_located_error_and_the_other_files_are_still_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let deep = format!("a = {}\n", "[".repeat(100_000));
    write(dir, "one/.codex/config.toml", deep);
    write(
        dir,
        "two/.codex/config.toml",
        "a = 1\r\nb = 2\nsandbox_mode = \"x\"\r\n",
    );
    write(
        dir,
        "three/.codex/config.toml",
        "approval_policy = \"never\"\n",
    );
    let out = harden(dir, &["check", "--tier", "3", "."]);
    let err = String::from_utf8_lossy(&out.stderr);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("one/.codex/config.toml:1:"), "{err}");
    assert!(
        err.contains("two/.codex/config.toml:2:") && err.contains("mixes CRLF and LF"),
        "{err}"
    );
    assert!(
        text.contains("three/.codex/config.toml:1:1: CX002"),
        "{text}"
    );
}
