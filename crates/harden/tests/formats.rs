//! `--format` through the binary: machine formats on stdout, the same exit
//! codes as text, and a refused unknown format.

mod common;

use common::{harden, write};

#[test]
fn machine_formats_keep_exit_codes_and_carry_errors() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a/.devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}\n",
    );
    let json = harden(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    assert!(json.stderr.is_empty(), "no summary on stderr");
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["mode"], "check");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "DC003" && f["path"] == "a/.devcontainer.json"));

    write(tmp.path(), "b/.devcontainer.json", "{\"image\": \"x\"\n");
    let sarif = harden(tmp.path(), &["diff", "--format", "sarif"]);
    assert_eq!(sarif.status.code(), Some(2));
    let doc: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "b/.devcontainer.json"
    );
    assert!(String::from_utf8_lossy(&sarif.stderr).contains("b/.devcontainer.json:"));

    let github = harden(tmp.path(), &["diff", "--format", "github", "a"]);
    assert_eq!(github.status.code(), Some(1));
    let out = String::from_utf8(github.stdout).unwrap();
    assert!(out.lines().all(|l| l.starts_with("::")), "{out}");
    assert!(
        out.contains("::error file=a/.devcontainer.json,line=1,col=16,"),
        "{out}"
    );

    let md = harden(tmp.path(), &["diff", "--format", "markdown", "a"]);
    let out = String::from_utf8(md.stdout).unwrap();
    assert!(out.contains("| `DC003` privileged-container |"), "{out}");
    assert!(out.contains("<details>\n<summary>Diff</summary>"), "{out}");
}

#[test]
fn text_stays_the_default_and_unknown_formats_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}\n",
    );
    let default = harden(tmp.path(), &["check"]);
    let text = harden(tmp.path(), &["check", "--format", "text"]);
    assert_eq!(default.stdout, text.stdout);
    assert_eq!(default.stderr, text.stderr);
    let bad = harden(tmp.path(), &["check", "--format", "xml"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr)
        .contains("possible values: text, json, sarif, markdown, github"));
}
