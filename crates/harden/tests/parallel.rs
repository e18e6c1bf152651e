//! Files are processed on several threads; the output is the same, byte for
//! byte, as on one thread, in every format.

mod common;

use common::{repo_root, BIN};
use std::process::{Command, Output, Stdio};

fn run(threads: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .env("HARDEN_THREADS", threads)
        .stdin(Stdio::null())
        .output()
        .expect("harden runs")
}

/// Exit code, stdout and stderr are byte for byte the same.
fn assert_same(one: &Output, other: &Output, what: &str) {
    assert_eq!(one.status.code(), other.status.code(), "{what}");
    assert!(one.stdout == other.stdout, "{what}: stdout differs");
    assert!(one.stderr == other.stderr, "{what}: stderr differs");
}

#[test]
fn output_is_the_same_on_one_and_several_threads() {
    for args in [
        &[
            "check",
            "--tier",
            "4",
            "--no-config",
            "tests/fixtures",
            "examples",
        ][..],
        &[
            "diff",
            "--tier",
            "4",
            "--no-config",
            "tests/fixtures",
            "examples",
        ],
        &[
            "check",
            "--tier",
            "4",
            "--no-config",
            "--format",
            "json",
            "tests/fixtures",
        ],
        &[
            "diff",
            "--tier",
            "2",
            "--no-config",
            "--format",
            "sarif",
            "tests/fixtures",
        ],
    ] {
        let one = run("1", args);
        assert!(one.stdout.len() > 1000, "{args:?}: little output");
        for threads in ["2", "5"] {
            let many = run(threads, args);
            assert_same(&one, &many, &format!("{args:?} on {threads} threads"));
        }
    }
}

/// `--threads` is taken (an unknown flag would end in a usage error) and
/// leaves the output as it is; zero is refused. How many threads ran does
/// not show in the output, by design.
#[test]
fn the_threads_flag_gives_the_same_output() {
    let args = ["diff", "--tier", "4", "--no-config", "tests/fixtures"];
    let one = run("1", &args);
    for threads in ["1", "3"] {
        let mut with_flag = args.to_vec();
        with_flag.extend(["--threads", threads]);
        let flagged = run("2", &with_flag);
        assert_same(&one, &flagged, &format!("--threads {threads}"));
    }
    let zero = run("1", &["check", "--threads", "0", "tests/fixtures"]);
    assert_eq!(zero.status.code(), Some(2));
}
