//! `--sha256 URL=HEX` turns the shown-only checked-download fix into one
//! that `diff` includes; a malformed value is a usage error.

use std::process::Command;

const SHA: &str = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

fn harden(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_harden"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn sha256_flag_makes_the_curl_pipe_fix_writable() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("Dockerfile");
    std::fs::write(
        &file,
        "FROM alpine:3.20\nRUN curl -fsSL https://claude.ai/install.sh | sh\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let without = harden(&["diff", path]);
    assert!(!String::from_utf8_lossy(&without.stdout).contains("sha256sum"));

    let flag = format!("https://claude.ai/install.sh={SHA}");
    let with = harden(&["diff", path, "--sha256", &flag]);
    let out = String::from_utf8_lossy(&with.stdout);
    assert!(
        out.contains(&format!("+RUN curl -fsSL https://claude.ai/install.sh -o /tmp/install.sh && echo \"{SHA}  /tmp/install.sh\"")),
        "{out}"
    );

    let bad = harden(&[
        "check",
        path,
        "--sha256",
        "https://claude.ai/install.sh=abc",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("64-digit hex sha256"));
}
