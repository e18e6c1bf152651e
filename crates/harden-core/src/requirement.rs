//! What a test needs from outside the repository (the shared corpus, a
//! tool on PATH): present, the test runs; missing, it is skipped with a
//! line saying so and how to get it, except under CI (`CI` set), where a
//! missing requirement fails the test so CI can never pass without it.

use std::path::{Path, PathBuf};

/// The shared folder beside the checkout (`../shared`), holding `corpus/`
/// and `oracle/`.
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

/// `rel` under the shared folder, or `None` after the skip line.
pub fn shared(rel: &str) -> Option<PathBuf> {
    let path = shared_dir().join(rel);
    if path.exists() {
        return Some(path);
    }
    missing(&format!(
        "../shared/{rel} (the shared corpus and oracle, a folder beside this checkout; see README, Test)"
    ));
    None
}

/// Whether `tool` runs (`tool --version`); `false` after the skip line.
pub fn tool(tool: &str, how: &str) -> bool {
    let runs = std::process::Command::new(tool)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs {
        missing(&format!("`{tool}` ({how})"));
    }
    runs
}

fn missing(what: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("{what} is missing, and under CI a missing requirement is a failure");
    }
    eprintln!("SKIPPED: {what} is missing; this test did not run");
    println!("SKIPPED: {what} is missing; this test did not run");
}
