//! The compose projects under tests/fixtures/projects, through the binary:
//! a snapshot of `check` and of the `diff` at tier 4; every fix applied
//! (unsafe ones too); a second `diff` proposes nothing; and Docker
//! Compose merges each project of the tree after the fixes whenever it
//! merged it before (`docker-compose config`, which also validates the
//! merged project against its schema).

mod common;

use common::{copy_tree, harden, repo_root};

use std::path::{Path, PathBuf};
use std::process::Command;

const PROJECTS: [&str; 3] = [
    "base-override",
    "devcontainer-secondary",
    "shared-credentials",
];

/// The compose files Compose reads with no `-f` (compose-go's defaults).
const BASE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with(".git") {
            files_below(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

/// Each project the tree holds, as the `-f` list Compose is given: the
/// standard base (+ override) per directory, and each devcontainer.json's
/// `dockerComposeFile`. Paths relative to `root`.
fn compose_projects(root: &Path) -> Vec<Vec<String>> {
    let mut files = Vec::new();
    files_below(root, &mut files);
    files.sort();
    let rel = |p: &Path| {
        let p = p.strip_prefix(root).unwrap().to_string_lossy().to_string();
        let mut parts: Vec<&str> = Vec::new();
        for part in p.split('/') {
            match part {
                ".." => {
                    parts.pop();
                }
                "." => {}
                part => parts.push(part),
            }
        }
        parts.join("/")
    };
    let mut projects = Vec::new();
    let mut dirs: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    dirs.dedup();
    for dir in dirs {
        let first = |names: &[&str]| names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
        if let Some(base) = first(&BASE_NAMES) {
            projects.push(
                std::iter::once(base)
                    .chain(first(&OVERRIDE_NAMES))
                    .map(|p| rel(&p))
                    .collect(),
            );
        }
    }
    for config in files.iter().filter(|f| f.ends_with("devcontainer.json")) {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
        let list = match &value["dockerComposeFile"] {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => continue,
        };
        let dir = config.parent().unwrap();
        projects.push(list.iter().map(|f| rel(&dir.join(f))).collect());
    }
    projects.sort();
    projects.dedup();
    projects
}

/// `docker-compose config` of `project` under `root`: `Ok` when it merges.
fn merge(root: &Path, project: &[String]) -> Result<(), String> {
    let mut cmd = Command::new("docker-compose");
    for f in project {
        cmd.args(["-f", f]);
    }
    let out = cmd
        .args(["config", "-q"])
        .current_dir(root)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .map_err(|e| e.to_string())?;
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
    }
}

fn text(out: &std::process::Output) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A fresh copy of the project: its own repository root, so nothing
/// around it is read.
fn tree(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(
        &repo_root().join("tests/fixtures/projects").join(name),
        tmp.path(),
    );
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    tmp
}

#[test]
fn findings_and_diff_per_project() {
    for name in PROJECTS {
        let tmp = tree(name);
        let check = harden(
            tmp.path(),
            &["check", "--tier", "4", "--color", "never", "."],
        );
        insta::assert_snapshot!(format!("{name}_check"), text(&check));
        let diff = harden(
            tmp.path(),
            &["diff", "--tier", "4", "--color", "never", "."],
        );
        insta::assert_snapshot!(format!("{name}_diff"), text(&diff));
    }
}

#[test]
fn each_project_still_merges_after_every_fix() {
    if !harden_core::requirement::tool("docker-compose", "apt-get install docker-compose") {
        return;
    }
    let mut merged = 0;
    for name in PROJECTS {
        let tmp = tree(name);
        let projects = compose_projects(tmp.path());
        assert!(!projects.is_empty(), "{name}: no compose project found");
        // A secondary file alone (`.devcontainer/docker-compose.yml` of the
        // extend template) is no project: it lacks the image.
        let merging: Vec<&Vec<String>> = projects
            .iter()
            .filter(|p| merge(tmp.path(), p).is_ok())
            .collect();
        assert!(
            !merging.is_empty(),
            "{name}: no project merges as written: {projects:?}"
        );

        let apply = harden(
            tmp.path(),
            &["apply", "--tier", "4", "--yes", "--unsafe-fixes", "."],
        );
        // 1: findings without a fix are left for a person.
        assert!(
            matches!(apply.status.code(), Some(0 | 1)),
            "{name}: {}",
            text(&apply)
        );
        let again = harden(tmp.path(), &["diff", "--tier", "4", "."]);
        assert!(
            again.stdout.is_empty(),
            "{name}: a second run proposes:\n{}",
            text(&again)
        );

        for project in merging {
            if let Err(e) = merge(tmp.path(), project) {
                panic!("{name}: {project:?} no longer merges after the fixes:\n{e}");
            }
            merged += 1;
        }
    }
    println!("{merged} compose projects merged before and after the fixes");
    assert!(merged >= PROJECTS.len());
}
