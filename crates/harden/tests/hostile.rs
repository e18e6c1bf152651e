//! Hostile input through the real binary: each case ends in a clear message
//! and a non-zero exit, in bounded time, with nothing written, and the other
//! files still processed.

mod common;

use common::write;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

fn harden(dir: &Path, args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = common::harden(dir, args);
    (out, start.elapsed())
}

/// Run `check` on a tree with one hostile file and one ordinary insecure one.
fn hostile_case(rel: &str, bytes: &[u8], expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), rel, bytes);
    write(
        tmp.path(),
        "ok/.devcontainer.json",
        b"{\"image\": \"x\", \"privileged\": true}",
    );
    let (out, took) = harden(tmp.path(), &["apply", "--yes", "--unsafe-fixes"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{rel}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{rel}: expected `{expected}` in:\n{stderr}"
    );
    assert!(took < Duration::from_secs(20), "{rel}: took {took:?}");
    assert_eq!(
        std::fs::read(tmp.path().join(rel)).unwrap(),
        bytes,
        "{rel} was modified"
    );
    let ok = std::fs::read_to_string(tmp.path().join("ok/.devcontainer.json")).unwrap();
    assert!(
        !ok.contains("privileged"),
        "the other file was not processed: {ok}"
    );
}

#[test]
fn deep_json_nesting() {
    let text = "[".repeat(10_000) + &"]".repeat(10_000);
    hostile_case(
        ".devcontainer/devcontainer.json",
        text.as_bytes(),
        ".devcontainer/devcontainer.json:1:513: Maximum nesting depth exceeded",
    );
}

#[test]
fn a_100_mb_file() {
    let mut text = b"{\"image\": \"x\", \"name\": \"".to_vec();
    text.resize(100 * 1024 * 1024, b'a');
    text.extend_from_slice(b"\"}");
    hostile_case(
        ".devcontainer.json",
        &text,
        ".devcontainer.json: file is larger than the 8 MiB limit",
    );
}

#[test]
fn nul_bytes_and_invalid_utf8() {
    hostile_case(
        ".devcontainer.json",
        b"{\"image\": \"x\0\"}",
        ".devcontainer.json:1:13: NUL byte in a text file",
    );
    hostile_case(
        ".devcontainer.json",
        b"{\"image\":\n \"\xc3\x28\"}",
        ".devcontainer.json:2:3: invalid UTF-8",
    );
}

#[test]
fn duplicate_keys() {
    hostile_case(
        ".devcontainer.json",
        b"{\"privileged\": false,\n\"privileged\": true}",
        ".devcontainer.json:2:1: duplicate key `privileged`",
    );
}

#[test]
fn yaml_alias_bomb_and_deep_nesting() {
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
        bomb.push_str(&format!("{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"));
    }
    bomb.push_str("services:\n  app:\n    image: x\n    labels: *i\n");
    hostile_case("compose.yaml", bomb.as_bytes(), "compose.yaml:");
    let deep =
        "services:\n  app:\n    x: ".to_string() + &"[".repeat(10_000) + &"]".repeat(10_000) + "\n";
    hostile_case("docker-compose.yml", deep.as_bytes(), "docker-compose.yml:");
    let deep_block: String = (0..10_000)
        .map(|i| format!("{}- \n", "  ".repeat(i % 2000)))
        .collect();
    hostile_case(
        "compose.yml",
        format!("services:\n{deep_block}").as_bytes(),
        "compose.yml:",
    );
}

#[test]
fn symlink_loops_and_links_out_of_the_tree_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        ".devcontainer.json",
        b"{\"image\": \"x\", \"privileged\": true}",
    );
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(tmp.path().join("b"), tmp.path().join("a")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("a"), tmp.path().join("b")).unwrap();
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("out")).unwrap();
    write(
        tmp.path(),
        "ok/.devcontainer.json",
        b"{\"image\": \"x\", \"privileged\": true}",
    );
    let (out, took) = harden(tmp.path(), &["apply", "--yes", "--unsafe-fixes"]);
    assert!(took < Duration::from_secs(20));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let untouched = std::fs::read_to_string(outside.path().join(".devcontainer.json")).unwrap();
    assert!(
        untouched.contains("privileged"),
        "followed a link out of the tree"
    );
    let (looped, _) = harden(tmp.path(), &["check", "a"]);
    assert_eq!(looped.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&looped.stderr).starts_with("a: "),
        "{}",
        String::from_utf8_lossy(&looped.stderr)
    );
}
