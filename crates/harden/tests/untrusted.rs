//! A hostile pull request, tried through the real binary: one test per way
//! an untrusted repository could reach outside its tree, into the CI log,
//! or into a wrong write. Each asserts the safe outcome.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{write, BIN};

/// Run the binary in `dir`; a run that does not end within the bound is
/// killed and fails the test (a hang is a failure, not a wait).
fn run(dir: &Path, args: &[&str]) -> Output {
    let child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("harden runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("harden {args:?} did not end: a hang");
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const SECRET: &str = "https://bob:ghp_SECRETTOKEN@github.com";

/// A tree beside a secret file, a repository with `.git`.
fn repo_beside_secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "home/.git-credentials", SECRET);
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    (tmp, repo)
}

#[test]
fn referenced_files_outside_the_tree_are_never_read() {
    let (tmp, repo) = repo_beside_secret();
    let secret = tmp.path().join("home/.git-credentials");
    std::fs::create_dir_all(repo.join("linked")).unwrap();
    symlink(tmp.path().join("home"), repo.join("linked/home")).unwrap();
    for (name, reference) in [
        ("absolute", secret.display().to_string()),
        ("parent", "../../home/.git-credentials".to_string()),
        (
            "through-link",
            "../linked/home/.git-credentials".to_string(),
        ),
        ("missing-outside", "/etc/no-such-file-anywhere".to_string()),
        ("passwd", "/etc/passwd".to_string()),
    ] {
        for key in ["build\": {\"dockerfile", "dockerComposeFile"] {
            let config = format!(
                "{{\"{key}\": \"{reference}\"}}{}",
                "}".repeat(key.matches('{').count())
            );
            write(&repo, ".devcontainer/devcontainer.json", &config);
            for format in ["text", "github", "sarif", "markdown", "json"] {
                let out = run(&repo, &["check", "--format", format]);
                let text = all_output(&out);
                assert!(!text.contains("ghp_"), "{name} {key} {format}: {text}");
                assert!(!text.contains("root:x:0"), "{name} {key} {format}: {text}");
                assert_eq!(out.status.code(), Some(2), "{name} {key} {format}: {text}");
            }
            let out = run(&repo, &["check"]);
            assert!(
                stderr(&out).contains("points outside the repository; not read"),
                "{name} {key}: the same message whether or not it exists: {}",
                stderr(&out)
            );
            assert!(
                stderr(&out).contains(".devcontainer/devcontainer.json:1:"),
                "located: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn a_symlinked_path_argument_never_moves_the_root() {
    let tmp = tempfile::tempdir().unwrap();
    let insecure = "{\"image\": \"x\", \"privileged\": true}";
    let victim = write(
        tmp.path(),
        "victim/.devcontainer/devcontainer.json",
        insecure,
    );
    let t1 = tmp.path().join("t1");
    std::fs::create_dir_all(t1.join("sub")).unwrap();
    symlink("../victim/.devcontainer", t1.join(".devcontainer")).unwrap();
    symlink("../../victim/.devcontainer", t1.join("sub/.devcontainer")).unwrap();
    for (cwd, arg) in [
        (tmp.path().to_path_buf(), "t1/.devcontainer/"),
        (tmp.path().to_path_buf(), "t1/.devcontainer"),
        (tmp.path().to_path_buf(), "t1/sub/"),
        (t1.clone(), "sub/.devcontainer/devcontainer.json"),
        (t1.clone(), "sub/.devcontainer/"),
        (t1.clone(), ".devcontainer/"),
        (t1.clone(), "."),
    ] {
        let _ = run(&cwd, &["apply", "--yes", "--unsafe-fixes", arg]);
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            insecure,
            "{arg} from {cwd:?} rewrote the file behind the link"
        );
    }
}

#[test]
fn hostile_names_and_keys_reach_no_stream_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = "evil\n::error file=README.md::pwned\u{1b}[2J";
    write(
        tmp.path(),
        &format!("{dir}/.devcontainer.json"),
        "{\"image\": \"x\", \"a\n::add-mask::x\u{1b}]0;t\u{7}\": 1, \"a\n::add-mask::x\u{1b}]0;t\u{7}\": 2}",
    );
    write(
        tmp.path(),
        "y/compose.yaml",
        "services:\n  \"s\\n::add-mask::k\\e[31m\": {image: x, privileged: true}\n",
    );
    for format in ["text", "github", "markdown", "sarif", "json"] {
        for command in ["check", "diff"] {
            let out = run(tmp.path(), &[command, "--format", format]);
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                let text = String::from_utf8_lossy(bytes);
                assert!(
                    !text.contains('\u{1b}'),
                    "{command} {format} {stream}: ESC: {text:?}"
                );
                assert!(
                    !text.contains('\u{7}'),
                    "{command} {format} {stream}: BEL: {text:?}"
                );
                for line in text.lines() {
                    let is_ours = format == "github" && stream == "stdout";
                    if !is_ours {
                        assert!(
                            !line.trim_start().starts_with("::"),
                            "{command} {format} {stream}: a workflow command: {line:?}"
                        );
                    }
                }
                if format == "github" && stream == "stdout" {
                    for line in text.lines() {
                        assert!(
                            ["::error ", "::warning ", "::notice "]
                                .iter()
                                .any(|p| line.starts_with(p)),
                            "only harden's own commands: {line:?}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_file_in_the_way_of_a_new_file_stops_the_whole_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let config = "{\"image\": \"x\"}\n";
    let path = write(tmp.path(), ".devcontainer/devcontainer.json", config);
    let planted = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}";
    write(tmp.path(), ".devcontainer/seccomp.json", planted);
    let out = run(tmp.path(), &["diff", "--tier", "3"]);
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        !diff.contains("seccomp"),
        "no fix wires in the planted file: {diff}"
    );
    assert!(!diff.contains("new file mode 100644\n--- /dev/null\n+++ b/.devcontainer/seccomp.json"));
    assert!(
        stderr(&out).contains("exists with other content"),
        "{}",
        stderr(&out)
    );
    let _ = run(
        tmp.path(),
        &["apply", "--yes", "--unsafe-fixes", "--tier", "3"],
    );
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        !after.contains("seccomp"),
        "devcontainer.json loads no planted profile: {after}"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".devcontainer/seccomp.json")).unwrap(),
        planted
    );

    // A symlinked one is in the way too, and is not followed.
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), ".devcontainer/devcontainer.json", config);
    write(tmp.path(), "elsewhere/x.json", planted);
    symlink(
        "../elsewhere/x.json",
        tmp.path().join(".devcontainer/seccomp.json"),
    )
    .unwrap();
    let _ = run(
        tmp.path(),
        &["apply", "--yes", "--unsafe-fixes", "--tier", "3"],
    );
    assert!(!std::fs::read_to_string(&path).unwrap().contains("seccomp"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("elsewhere/x.json")).unwrap(),
        planted
    );
}

#[test]
fn new_files_are_created_with_the_mode_the_diff_shows() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        ".devcontainer/devcontainer.json",
        "{\"image\": \"x\"}\n",
    );
    let out = run(tmp.path(), &["diff", "--tier", "3"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("new file mode 100644"));
    let out = run(
        tmp.path(),
        &["apply", "--yes", "--unsafe-fixes", "--tier", "3"],
    );
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(tmp.path().join(".devcontainer/seccomp.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "with the usual umask 022");
    assert!(stderr(&out).contains("1 created"), "{}", stderr(&out));
}

#[test]
fn a_repository_profile_cannot_put_shell_into_a_fix() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "harden.toml", "profile = \"p.toml\"\n");
    write(
        tmp.path(),
        "p.toml",
        "[dockerfile]\npurge_binaries = [\"$(python3 -c 'import urllib.request')\"]\n",
    );
    write(
        tmp.path(),
        "Dockerfile",
        "FROM debian:12\nRUN apt-get install -y curl\n",
    );
    let out = run(tmp.path(), &["diff", "--tier", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a program name"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());

    for profile in ["/dev/zero", "../outside.toml"] {
        write(
            tmp.path(),
            "harden.toml",
            format!("profile = \"{profile}\"\n"),
        );
        let out = run(tmp.path(), &["check"]);
        assert_eq!(out.status.code(), Some(2), "{profile}");
        assert!(
            stderr(&out).contains("outside"),
            "{profile}: {}",
            stderr(&out)
        );
    }
    // --no-config reads none, --no-ignore disregards its off switches.
    write(
        tmp.path(),
        "harden.toml",
        "[rules]\nDF003 = false\nDF005 = false\n",
    );
    let out = run(tmp.path(), &["check"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("DF003"));
    for flag in ["--no-config", "--no-ignore"] {
        let out = run(tmp.path(), &["check", flag]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("DF003"),
            "{flag}"
        );
    }
}

#[test]
fn duplicated_items_are_fixed_as_one() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        "a/.devcontainer/devcontainer.json",
        "{\"image\": \"x\", \"capAdd\": [\"SYS_ADMIN\", \"SYS_ADMIN\"], \"runArgs\": [\"--privileged\", \"--privileged\"]}\n",
    );
    write(
        tmp.path(),
        "b/compose.yaml",
        "services:\n  app:\n    image: x\n    ports: [\"8080:80\", \"8080:80\"]\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - /var/run/docker.sock:/var/run/docker.sock\n    cap_add: [SYS_ADMIN, SYS_ADMIN]\n",
    );
    write(
        tmp.path(),
        "c/Dockerfile",
        "FROM debian:12\nRUN curl -fsSL https://example.com/i.sh | bash \\",
    );
    let out = run(tmp.path(), &["diff", "--tier", "4"]);
    let err = stderr(&out);
    assert!(!err.contains("internal error"), "{err}");
    assert_eq!(out.status.code(), Some(1), "{err}");
    let diff = String::from_utf8_lossy(&out.stdout);
    let added: Vec<&str> = diff.lines().filter(|l| l.starts_with('+')).collect();
    for bad in [
        "/var/run/docker.sock",
        "SYS_ADMIN",
        "--privileged",
        "\"8080:80",
    ] {
        assert!(
            !added.iter().any(|l| l.contains(bad)),
            "{bad} left in: {diff}"
        );
    }
    assert!(err.contains("ends inside a line continuation"), "{err}");
}

#[test]
fn parser_panics_and_fifos_end_as_located_errors() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "y/compose.yaml", "s:\n|\n l");
    let made = Command::new("mkfifo")
        .arg(tmp.path().join("Dockerfile"))
        .status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    write(
        tmp.path(),
        "ok/.devcontainer.json",
        "{\"image\": \"x\", \"privileged\": true}",
    );
    for args in [
        vec!["check"],
        vec!["check", "Dockerfile"],
        vec!["check", "y/compose.yaml"],
    ] {
        let out = run(tmp.path(), &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !err.contains("unexpected end of input"),
            "no parser text: {err}"
        );
    }
    let out = run(tmp.path(), &["check"]);
    let err = stderr(&out);
    assert!(
        err.contains("y/compose.yaml:3:3: the YAML parser cannot read this file"),
        "{err}"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok/.devcontainer.json"),
        "others go on"
    );
}

#[test]
fn a_merge_key_chain_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("x-a0: &a0 {q0: 1}\n");
    for i in 1..40 {
        text.push_str(&format!(
            "x-a{i}: &a{i} {{<<: [*a{}, *a{}], q{i}: 1}}\n",
            i - 1,
            i - 1
        ));
    }
    write(tmp.path(), "compose.yaml", &text);
    let out = run(tmp.path(), &["diff", "--tier", "4"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("alias bomb"), "{}", stderr(&out));
}

#[test]
fn small_files_that_multiply_work_end_in_a_named_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let services: String = (0..501)
        .map(|i| format!("  s{i}:\n    image: x\n"))
        .collect();
    write(
        tmp.path(),
        "many/compose.yaml",
        format!("services:\n{services}"),
    );
    let caps: Vec<String> = (0..2000).map(|_| "\"SYS_ADMIN\"".to_string()).collect();
    write(
        tmp.path(),
        "caps/.devcontainer.json",
        format!("{{\"image\": \"x\", \"capAdd\": [{}]}}", caps.join(",")),
    );
    let out = run(tmp.path(), &["diff", "--tier", "4"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("many/compose.yaml:1002:3: more than 500 services"),
        "{err}"
    );
    assert!(
        err.contains("caps/.devcontainer.json:1:26: more than 1000 items"),
        "{err}"
    );
}

#[test]
fn five_hundred_services_converge() {
    let tmp = tempfile::tempdir().unwrap();
    let services: String = (0..500)
        .map(|i| {
            format!(
                "  s{i}:\n    image: img{i}:1\n    ports: ['{}:80']\n",
                8000 + i
            )
        })
        .collect();
    write(tmp.path(), "compose.yaml", format!("services:\n{services}"));
    let out = run(tmp.path(), &["diff", "--tier", "4"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("did not settle"), "{err}");
    assert!(!err.contains("not applied"), "every fix applied: {err}");
}
