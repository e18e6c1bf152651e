//! `harden apply` end to end: a pseudo-terminal session, the non-interactive
//! policies, and the guarantees around writing.

mod common;

use common::{harden, write, BIN};

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const INSECURE: &str =
    "{\n  \"image\": \"x\",\n  \"privileged\": true,\n  \"capAdd\": [\"SYS_ADMIN\"]\n}\n";

#[test]
fn interactive_session_on_a_pseudo_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), ".devcontainer.json", INSECURE);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty_drive.py");
    let out = Command::new("python3")
        .arg(driver)
        .arg(tmp.path())
        .arg("e,y,a,n,q")
        .arg(BIN)
        .arg("apply")
        .output()
        .expect("python3 runs the pty driver");
    let screen = String::from_utf8_lossy(&out.stdout);
    // explain printed the doc, then the same fix was asked again
    assert!(screen.contains("# DC003 privileged-container"), "{screen}");
    assert_eq!(
        screen
            .matches("DC003 privileged-container [tier 1, unsafe fix]")
            .count(),
        1,
        "{screen}"
    );
    assert!(
        screen.contains(
            "applied 2 fixes (1 file written, 0 created), skipped 1, left for manual follow-up 3"
        ),
        "{screen}"
    );
    assert_eq!(out.status.code(), Some(1), "{screen}");
    // The prompts: DC003, DC001, DC002, then DC004 (whose removal of the
    // whole `capAdd` member touches DC003's edit, so it comes a pass later).
    // y: privileged removed; a: the safe limits applied; n: capabilities not
    // dropped; q: SYS_ADMIN kept
    assert_eq!(
        std::fs::read_to_string(file).unwrap(),
        "{\n  \"image\": \"x\",\n  \"capAdd\": [\"SYS_ADMIN\"],\n  \"runArgs\": [\"--memory=8g\", \"--memory-swap=8g\", \"--cpus=2\", \"--pids-limit=1024\"]\n}\n"
    );
}

#[test]
fn no_terminal_without_yes_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), ".devcontainer.json", INSECURE);
    let out = harden(tmp.path(), &["apply"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use --yes"));
    assert_eq!(std::fs::read_to_string(file).unwrap(), INSECURE);
}

#[test]
fn yes_applies_safe_fixes_and_unsafe_fixes_on_request() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), ".devcontainer.json", INSECURE);
    let out = harden(tmp.path(), &["apply", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "unsafe findings remain");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"--pids-limit=1024\"") && text.contains("\"privileged\": true"),
        "{text}"
    );
    let safe_diff = harden(tmp.path(), &["diff", "--fixes", "safe"]);
    assert!(safe_diff.stdout.is_empty(), "no safe fix left");

    let out = harden(tmp.path(), &["apply", "--yes", "--unsafe-fixes"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = harden(tmp.path(), &["diff"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
}

#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), ".devcontainer.json", INSECURE);
    let out = harden(tmp.path(), &["apply", "--dry-run", "--unsafe-fixes"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("-  \"privileged\": true,"));
    assert_eq!(std::fs::read_to_string(file).unwrap(), INSECURE);
}

#[test]
fn mode_crlf_and_bom_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "\u{feff}{\r\n  \"image\": \"x\"\r\n}";
    let file = write(tmp.path(), ".devcontainer.json", text);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = harden(tmp.path(), &["apply", "--yes"]);
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(after.starts_with("\u{feff}{\r\n"));
    assert!(!after.ends_with('\n'), "no final newline added");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "only CRLF: {after:?}"
    );
    assert!(after.contains("\"--memory=8g\""));
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn a_symlink_out_of_the_root_and_a_read_only_file_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let target = write(outside.path(), "victim.json", INSECURE);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("proj")).unwrap();
    std::os::unix::fs::symlink(&target, tmp.path().join("proj/.devcontainer.json")).unwrap();
    let out = harden(tmp.path(), &["apply", "--yes", "proj/.devcontainer.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("goes through the symbolic link"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), INSECURE);

    let ro = write(tmp.path(), "ro/.devcontainer.json", INSECURE);
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = harden(tmp.path(), &["apply", "--yes", "ro"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only; not written"));
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), INSECURE);
}

#[test]
fn a_fix_that_needs_a_checksum_asks_for_it() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "Dockerfile",
        "FROM debian:12\nRUN curl -fsSL https://example.com/install.sh | bash\n",
    );
    let sha = "ab".repeat(32);
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty_drive.py");
    let out = Command::new("python3")
        .arg(driver)
        .arg(tmp.path())
        .arg(format!("{sha},y"))
        .arg(BIN)
        .arg("apply")
        .output()
        .expect("python3 runs the pty driver");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(
        screen.contains("sha256 of https://example.com/install.sh (empty to skip): "),
        "{screen}"
    );
    let text = std::fs::read_to_string(file).unwrap();
    assert!(
        text.contains(&format!("echo \"{sha}  /tmp/install.sh\"")),
        "{text}"
    );
    assert!(!text.contains("| bash"), "{text}");
}

/// DC011's entrypoint must run as root: a Dockerfile's non-root USER moves to
/// `remoteUser`; an agent that would run as root gets no firewall (root could
/// undo it with the NET_ADMIN the firewall needs).
#[test]
fn the_egress_feature_runs_as_root_and_the_agent_keeps_its_user() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let config = "{\n  \"build\": {\"dockerfile\": \"Dockerfile\"}\n}\n";
    write(tmp.path(), ".devcontainer/devcontainer.json", config);
    write(
        tmp.path(),
        ".devcontainer/Dockerfile",
        "FROM debian:bookworm\nRUN useradd -m agent\nUSER agent\n",
    );
    let args = [
        "diff", "--tier", "4", "--fixes", "unsafe", "--format", "json", ".",
    ];
    let dc011 = |out: &std::process::Output| -> serde_json::Value {
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "DC011")
            .cloned()
            .expect("a DC011 finding")
    };
    // DC011's fix needs no-new-privileges, which DC007 writes in the first
    // pass: the input's finding has a note, the second pass applies the fix.
    let out = harden(tmp.path(), &args);
    let found = dc011(&out);
    assert!(
        found["note"]
            .as_str()
            .unwrap()
            .contains("set it first (DC007"),
        "{found}"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let applied: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["applied"].as_array().unwrap())
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert!(applied.contains(&"DC011"), "{applied:?}");
    let diff = harden(
        tmp.path(),
        &["diff", "--tier", "4", "--fixes", "unsafe", "."],
    );
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff.contains("+  \"containerUser\": \"root\",\n+  \"remoteUser\": \"agent\"\n"),
        "{diff}"
    );
    assert!(diff.contains("kill -TERM 1"), "{diff}");

    write(
        tmp.path(),
        ".devcontainer/Dockerfile",
        "FROM debian:bookworm\nUSER agent\nUSER root\n",
    );
    let no_fix_saying = |why: &str| {
        let found = dc011(&harden(tmp.path(), &args));
        assert!(found["fix"].is_null(), "{found}");
        assert!(found["note"].as_str().unwrap().contains(why), "{found}");
    };
    no_fix_saying("would run as root");

    // An image the profile does not know: not guessed.
    write(
        tmp.path(),
        ".devcontainer/devcontainer.json",
        "{\"image\": \"ghcr.io/acme/dev:1\"}\n",
    );
    no_fix_saying("`ghcr.io/acme/dev:1` is not in the profile");
}
