//! harden.toml and inline suppressions through the real binary.

mod common;

use common::{harden, write};

use std::process::Output;

fn codes(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| {
            l.split(": ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .map(str::to_string)
        })
        .collect()
}

const FILE: &str = "{\n  \"image\": \"x\",\n  // harden-ignore: DC003 integration tests need Docker-in-Docker\n  \"privileged\": true,\n  \"capAdd\": [\"SYS_ADMIN\"] // harden-ignore: DC004 reviewed by security\n}\n";

#[test]
fn inline_suppressions_are_honoured_and_no_ignore_overrides_them() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), ".devcontainer.json", FILE);
    let out = harden(tmp.path(), &["check"]);
    let found = codes(&out);
    assert!(
        !found.contains(&"DC003".to_string()) && !found.contains(&"DC004".to_string()),
        "{found:?}"
    );
    assert!(found.contains(&"DC001".to_string()), "{found:?}");
    let all = codes(&harden(tmp.path(), &["check", "--no-ignore"]));
    assert!(
        all.contains(&"DC003".to_string()) && all.contains(&"DC004".to_string()),
        "{all:?}"
    );
}

#[test]
fn a_suppression_that_suppresses_nothing_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".devcontainer.json",
        "{\n  // harden-ignore: DC003 no longer needed\n  \"image\": \"x\"\n}\n",
    );
    let out = harden(tmp.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains(".devcontainer.json:2:6: warning: `harden-ignore: DC003` suppresses nothing"),
        "{stderr}"
    );
}

#[test]
fn config_sets_tier_switches_rules_and_ignores_by_path() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a/.devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}",
    );
    write(
        tmp.path(),
        "b/.devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}",
    );
    write(
        tmp.path(),
        "harden.toml",
        "tier = 1\n[rules]\nDC001 = false\n\n[[ignore]]\nrule = \"DC003\"\npath = \"a/**\"\nreason = \"dind for the e2e suite\"\n",
    );
    let out = harden(tmp.path(), &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("DC001"), "{stdout}");
    assert!(
        !stdout.contains("a/.devcontainer.json:1:16: DC003"),
        "{stdout}"
    );
    assert!(
        stdout.contains("b/.devcontainer.json:1:16: DC003"),
        "{stdout}"
    );
    // the config is found from a subdirectory too, up to the repository's top
    let sub = harden(&tmp.path().join("b"), &["check"]);
    assert!(
        String::from_utf8_lossy(&sub.stdout).contains("DC001"),
        "not above the scanned root"
    );
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let sub = harden(&tmp.path().join("b"), &["check"]);
    assert!(!String::from_utf8_lossy(&sub.stdout).contains("DC001"));
}

#[test]
fn config_errors_point_at_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), ".devcontainer.json", "{\"image\": \"x\"}");
    write(
        tmp.path(),
        "harden.toml",
        "tier = 2\n[rules]\nDC001 = false\nprofle = \"x\"\n",
    );
    let out = harden(tmp.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("harden.toml:4:10: invalid type: string \"x\", expected a boolean"),
        "{stderr}"
    );
    write(tmp.path(), "harden.toml", "tire = 2\n");
    let out = harden(tmp.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("harden.toml:1:1: unknown field `tire`"),
        "{stderr}"
    );
}
