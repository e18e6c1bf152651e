//! `harden bot` against a real git repository, a bare local remote and a
//! fake `gh` first on PATH that records what it is asked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FAKE_GH: &str = r#"#!/usr/bin/env python3
import json, os, sys
d = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(d, "gh-state.json")
st = json.load(open(path)) if os.path.exists(path) else {"prs": [], "calls": []}
a = sys.argv[1:]
stdin = sys.stdin.read() if "--body-file" in a else ""
st["calls"].append({"args": a, "stdin": stdin})
out = ""
if a[:2] == ["pr", "list"]:
    head = a[a.index("--head") + 1]
    want = a[a.index("--state") + 1]
    out = json.dumps([{"number": p["number"], "body": p["body"], "state": p.get("state", "OPEN")}
                      for p in st["prs"] if p["head"] == head and (want == "all" or p.get("state", "OPEN") == want.upper())])
elif a[:2] == ["pr", "create"]:
    n = len(st["prs"]) + 1
    st["prs"].append({"number": n, "head": a[a.index("--head") + 1], "body": stdin})
    out = "https://example.invalid/pull/%d" % n
elif a[:2] == ["pr", "edit"]:
    st["prs"][int(a[2]) - 1]["body"] = stdin
else:
    sys.exit("fake gh: unexpected arguments " + " ".join(a))
json.dump(st, open(path, "w"))
print(out)
"#;

const INSECURE: &str = "{\n  \"image\": \"x\",\n  \"privileged\": true\n}\n";
const BRANCH: &str = "harden/tier-1";

struct Setup {
    _tmp: tempfile::TempDir,
    work: PathBuf,
    remote: PathBuf,
    bin: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn human(dir: &Path) {
    git(dir, &["config", "user.name", "A Human"]);
    git(dir, &["config", "user.email", "human@example.com"]);
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    let remote = tmp.path().join("remote.git");
    let bin = tmp.path().join("bin");
    std::fs::create_dir_all(work.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    git(tmp.path(), &["init", "-q", "--bare", "remote.git"]);
    git(&work, &["init", "-q", "-b", "main"]);
    human(&work);
    std::fs::write(work.join(".devcontainer/devcontainer.json"), INSECURE).unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "init"]);
    git(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    git(&work, &["push", "-q", "origin", "main"]);
    let gh = bin.join("gh");
    std::fs::write(&gh, FAKE_GH).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Setup {
        _tmp: tmp,
        work,
        remote,
        bin,
    }
}

impl Setup {
    fn harden(&self, args: &[&str]) -> Output {
        let path = std::env::join_paths(std::iter::once(self.bin.clone()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        Command::new(env!("CARGO_BIN_EXE_harden"))
            .arg("bot")
            .args(args)
            .current_dir(&self.work)
            .env("PATH", path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .output()
            .expect("harden runs")
    }

    fn gh_calls(&self) -> Vec<(Vec<String>, String)> {
        let Ok(text) = std::fs::read_to_string(self.bin.join("gh-state.json")) else {
            return Vec::new();
        };
        let state: Value = serde_json::from_str(&text).unwrap();
        state["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let args = c["args"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect();
                (args, c["stdin"].as_str().unwrap().to_string())
            })
            .collect()
    }

    fn remote_tip(&self) -> Option<String> {
        let out = git(
            &self.remote,
            &[
                "for-each-ref",
                "--format=%(objectname)",
                &format!("refs/heads/{BRANCH}"),
            ],
        );
        (!out.is_empty()).then_some(out)
    }
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn list_args() -> Vec<String> {
    [
        "pr",
        "list",
        "--head",
        BRANCH,
        "--state",
        "all",
        "--json",
        "number,body,state",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn first_run_commits_and_opens_the_pr_second_run_is_a_no_op() {
    let s = setup();
    let head = git(&s.work, &["rev-parse", "HEAD"]);
    let stdout = ok(&s.harden(&[]));
    assert!(
        stdout.contains("new commit on harden/tier-1; pull request opened"),
        "{stdout}"
    );

    // one bot commit on top of main, with the fingerprint trailer
    let tip = s.remote_tip().expect("branch pushed");
    assert_eq!(git(&s.remote, &["rev-parse", &format!("{tip}^")]), head);
    let who = git(
        &s.remote,
        &["log", "-1", "--format=%an <%ae>|%cn <%ce>", &tip],
    );
    assert_eq!(
        who,
        "harden-bot <harden-bot@users.noreply.github.com>|harden-bot <harden-bot@users.noreply.github.com>"
    );
    let message = git(&s.remote, &["log", "-1", "--format=%B", &tip]);
    let fp = message
        .lines()
        .find_map(|l| l.strip_prefix("Harden-Fingerprint: "))
        .expect("trailer")
        .to_string();
    assert_eq!(fp.len(), 64);
    // safe fixes only: limits added, `privileged` (an unsafe fix) stays
    let fixed = git(
        &s.remote,
        &["show", &format!("{tip}:.devcontainer/devcontainer.json")],
    );
    assert!(
        fixed.contains("--memory=8g") && fixed.contains("\"privileged\": true"),
        "{fixed}"
    );
    // the working tree and the user's branch are untouched
    assert_eq!(git(&s.work, &["status", "--porcelain"]), "");
    assert_eq!(git(&s.work, &["rev-parse", "HEAD"]), head);
    assert_eq!(
        std::fs::read_to_string(s.work.join(".devcontainer/devcontainer.json")).unwrap(),
        INSECURE
    );

    // gh: looked for an open PR, then created one with the body on stdin
    let calls = s.gh_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].0, list_args());
    let title = "harden: 1 security fix for dev-container configs (tier 1)";
    assert_eq!(
        calls[1].0,
        [
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            BRANCH,
            "--title",
            title,
            "--body-file",
            "-"
        ]
        .map(String::from)
        .to_vec()
    );
    let body = &calls[1].1;
    assert!(
        body.contains(&format!("<!-- harden-fingerprint: {fp} -->")),
        "{body}"
    );
    assert!(
        body.contains(
            "| `DC001` resource-limits-missing | `.devcontainer/devcontainer.json:1:1` |"
        ),
        "{body}"
    );
    assert!(
        body.contains("<details>\n<summary>Diff</summary>"),
        "{body}"
    );

    // the same result again: no commit, no push, no PR edit
    let stdout = ok(&s.harden(&[]));
    assert!(
        stdout.contains("harden/tier-1 and its pull request are up to date"),
        "{stdout}"
    );
    assert_eq!(s.remote_tip().as_deref(), Some(tip.as_str()));
    let calls = s.gh_calls();
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert_eq!(calls[2].0, list_args());
}

#[test]
fn a_new_result_replaces_the_bot_commit_and_edits_the_pr() {
    let s = setup();
    ok(&s.harden(&[]));
    let first = s.remote_tip().unwrap();
    // the base moves on and brings a second insecure file
    std::fs::create_dir_all(s.work.join("b/.devcontainer")).unwrap();
    std::fs::write(s.work.join("b/.devcontainer/devcontainer.json"), INSECURE).unwrap();
    git(&s.work, &["add", "."]);
    git(&s.work, &["commit", "-q", "-m", "second container"]);
    let head = git(&s.work, &["rev-parse", "HEAD"]);
    let stdout = ok(&s.harden(&[]));
    assert!(
        stdout.contains("new commit on harden/tier-1; pull request #1 updated"),
        "{stdout}"
    );
    let tip = s.remote_tip().unwrap();
    assert_ne!(tip, first);
    assert_eq!(git(&s.remote, &["rev-parse", &format!("{tip}^")]), head);
    let calls = s.gh_calls();
    let edit = calls.last().unwrap();
    assert_eq!(edit.0[..3], ["pr", "edit", "1"].map(String::from));
    assert!(
        edit.1.contains("b/.devcontainer/devcontainer.json"),
        "{}",
        edit.1
    );
}

#[test]
fn a_human_commit_on_the_branch_stops_the_bot() {
    let s = setup();
    ok(&s.harden(&[]));
    // someone clones, checks out the bot branch, commits and pushes
    let other = s.work.parent().unwrap().join("other");
    git(
        s.work.parent().unwrap(),
        &["clone", "-q", s.remote.to_str().unwrap(), "other"],
    );
    human(&other);
    git(&other, &["checkout", "-q", BRANCH]);
    std::fs::write(other.join("NOTES.md"), "keep this\n").unwrap();
    git(&other, &["add", "."]);
    git(&other, &["commit", "-q", "-m", "my own change"]);
    git(&other, &["push", "-q", "origin", BRANCH]);
    let human_tip = s.remote_tip().unwrap();
    let calls_before = s.gh_calls().len();

    // a different result would make the bot rewrite the branch: it must not
    std::fs::write(
        s.work.join(".devcontainer/devcontainer.json"),
        INSECURE.replace("\"x\"", "\"y\""),
    )
    .unwrap();
    git(&s.work, &["commit", "-q", "-am", "change image"]);
    let out = s.harden(&[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("harden/tier-1 has commit")
            && stderr.contains(
                "by A Human <human@example.com>, not made by harden-bot; not overwriting it"
            ),
        "{stderr}"
    );
    assert_eq!(s.remote_tip().as_deref(), Some(human_tip.as_str()));
    assert_eq!(
        s.gh_calls().len(),
        calls_before,
        "no gh call after the refusal"
    );
}

#[test]
fn dry_run_prints_every_step_and_changes_nothing() {
    let s = setup();
    let refs_before = git(&s.work, &["for-each-ref"]);
    let out = s.harden(&["--dry-run"]);
    let stdout = ok(&out);
    assert!(stdout.contains("dry run, nothing was changed"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for step in [
        "would run: GIT_INDEX_FILE=",
        "git read-tree ",
        "would run: git hash-object -w --stdin",
        "git write-tree",
        "git commit-tree \"<tree>\" -p ",
        "would run: git update-ref refs/heads/harden/tier-1 \"<commit>\" \"\"",
        "would run: git push --porcelain --force-with-lease=refs/heads/harden/tier-1: origin \"<commit>:refs/heads/harden/tier-1\"",
        "would run: gh pr create --base main --head harden/tier-1 --title ",
    ] {
        assert!(stderr.contains(step), "missing {step:?} in\n{stderr}");
    }
    assert_eq!(s.remote_tip(), None);
    assert_eq!(git(&s.work, &["for-each-ref"]), refs_before);
    assert_eq!(git(&s.work, &["status", "--porcelain"]), "");
    // only the read-only lookup reached gh
    let calls = s.gh_calls();
    assert_eq!(
        calls.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
        [list_args()]
    );
}

#[test]
fn a_pull_request_closed_unmerged_is_not_offered_again_until_the_fixes_change() {
    let s = setup();
    ok(&s.harden(&[]));
    let tip = s.remote_tip().unwrap();
    // a human closes the PR without merging it
    let state_path = s.bin.join("gh-state.json");
    let mut state: Value =
        serde_json::from_str(&std::fs::read_to_string(&state_path).unwrap()).unwrap();
    state["prs"][0]["state"] = Value::String("CLOSED".into());
    std::fs::write(&state_path, state.to_string()).unwrap();
    let calls_before = s.gh_calls().len();

    let stdout = ok(&s.harden(&[]));
    assert!(
        stdout.contains("pull request #1 with these fixes was closed without merging"),
        "{stdout}"
    );
    assert_eq!(
        s.remote_tip().as_deref(),
        Some(tip.as_str()),
        "nothing pushed"
    );
    let calls = s.gh_calls();
    assert_eq!(calls.len(), calls_before + 1, "only the lookup: {calls:?}");
    assert_eq!(calls.last().unwrap().0, list_args());

    // other fixes make a new pull request
    std::fs::create_dir_all(s.work.join("b/.devcontainer")).unwrap();
    std::fs::write(s.work.join("b/.devcontainer/devcontainer.json"), INSECURE).unwrap();
    git(&s.work, &["add", "."]);
    git(&s.work, &["commit", "-q", "-m", "second container"]);
    let stdout = ok(&s.harden(&[]));
    assert!(
        stdout.contains("new commit on harden/tier-1; pull request opened"),
        "{stdout}"
    );
    assert_eq!(
        s.gh_calls().last().unwrap().0[..2],
        ["pr", "create"].map(String::from)
    );
}

#[test]
fn the_repository_runs_nothing_and_its_names_are_literal() {
    let s = setup();
    // A file whose name is pathspec magic.
    let magic = s.work.join(":(exclude)x");
    std::fs::create_dir_all(&magic).unwrap();
    std::fs::write(magic.join(".devcontainer.json"), INSECURE).unwrap();
    std::fs::write(s.work.join(".gitattributes"), "* filter=evil\n").unwrap();
    git(&s.work, &["add", "--all"]);
    git(&s.work, &["commit", "-q", "-m", "names"]);
    let marker = s.work.parent().unwrap().join("ran");
    let script = format!(
        "#!/bin/sh\necho \"$0 $GH_TOKEN\" >> '{}'\ncat\n",
        marker.display()
    );
    let hook_dir = s.work.join(".git/hooks");
    for hook in [
        "pre-push",
        "pre-commit",
        "post-checkout",
        "reference-transaction",
        "post-index-change",
    ] {
        std::fs::write(hook_dir.join(hook), &script).unwrap();
    }
    let fsmonitor = s.work.parent().unwrap().join("fsmonitor.sh");
    std::fs::write(&fsmonitor, &script).unwrap();
    for p in std::fs::read_dir(&hook_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .chain([fsmonitor.clone()])
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    git(
        &s.work,
        &["config", "core.fsmonitor", fsmonitor.to_str().unwrap()],
    );
    git(
        &s.work,
        &["config", "filter.evil.clean", fsmonitor.to_str().unwrap()],
    );
    git(
        &s.work,
        &["config", "filter.evil.smudge", fsmonitor.to_str().unwrap()],
    );
    let path = std::env::join_paths(std::iter::once(s.bin.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_harden"))
        .args(["bot", "--unsafe-fixes"])
        .current_dir(&s.work)
        .env("PATH", path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GH_TOKEN", "secret-token")
        .output()
        .unwrap();
    let stdout = ok(&out);
    assert!(
        !marker.exists(),
        "ran: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    assert!(
        stdout.contains("opened") || stdout.contains("pull"),
        "{stdout}"
    );
    let tip = s.remote_tip().expect("pushed");
    let files = git(&s.remote, &["ls-tree", "-r", "--name-only", &tip]);
    assert!(
        files.lines().any(|l| l == ":(exclude)x/.devcontainer.json"),
        "{files}"
    );
}
