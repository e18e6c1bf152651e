//! `harden verify` through the binary: exit codes, formats and refusals.

mod common;

use common::{harden, write};

const REPORT: &str = r#"{"checks": [
  {"id": "caps.bounding", "threat": "capabilities", "status": "green", "evidence": "none"},
  {"id": "limits.memory", "threat": "resource-exhaustion", "status": "amber", "evidence": "unreadable"}
]}"#;

#[test]
fn from_json_renders_and_exits_by_colour() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.json", REPORT);
    let out = harden(
        dir.path(),
        &["verify", "--from-json", "ok.json", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["checks"][1]["status"], "amber");

    write(
        dir.path(),
        "red.json",
        REPORT.replace("\"green\"", "\"red\""),
    );
    let out = harden(dir.path(), &["verify", "--from-json", "red.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("red   caps.bounding: none"), "{text}");

    let out = harden(
        dir.path(),
        &["verify", "--from-json", "red.json", "--format", "html"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}

#[test]
fn errors_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.json", "{\"checks\": [{\"id\": 1}]}");
    for args in [
        &["verify", "--from-json", "missing.json"][..],
        &["verify", "--from-json", "bad.json"],
        &["verify", "--probe-blocked", "no-port"],
        &["verify", "--probe-allowed", "a b:80"],
        &["verify", "--container", "x", "--probe-allowed", "db:5432"],
        &["verify", "--container", "--expect"],
    ] {
        let out = harden(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}
