//! One snapshot per Dockerfile fixture: findings, the diff of every safe and
//! unsafe fix, and rejected fixes. `DFxxx_*` fixtures run only that rule;
//! `all_*` fixtures run every rule. In `*_sha_*` fixtures every sha256 the
//! findings ask for is supplied, so the checked-download fixes are written.

mod common;

use harden_core::{apply_changes, apply_edits, unified_diff, Applicability, Document, FileKind};
use harden_dockerfile::DockerfileDoc;
use harden_engine::{process_text, Decision, Settings};

const SHA: &str = "d6f2bd4e1a4c2f1e8c9b7a6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f";

macro_rules! fixture {
    ($test:ident, $file:expr) => {
        #[test]
        #[allow(non_snake_case)]
        fn $test() {
            dockerfile_fixture($file);
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/dockerfile_fixtures.rs"));

#[test]
fn the_dockerfile_fixtures_are_there() {
    assert!(
        common::fixtures("dockerfile").len() >= 12,
        "fixtures missing"
    );
}

fn dockerfile_fixture(name: &str) {
    let path = common::repo_root()
        .join("tests/fixtures/dockerfile")
        .join(name);
    {
        let name = name.to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let code = common::fixture_rule(&path);
        let mut settings = common::settings_for(code.as_deref());
        if name.contains("_sha_") {
            let first = common::fix_all(FileKind::Dockerfile, &text, &settings);
            for f in &first.findings {
                if let Some(req) = &f.input {
                    settings.inputs.insert(&req.kind, &req.subject, SHA);
                }
            }
            assert!(
                !settings.inputs.is_empty(),
                "{name}: no input was asked for"
            );
        }
        let mut rendered = common::render_case(FileKind::Dockerfile, &name, &text, &settings);
        rendered.push_str(&display_only_fixes(&name, &text, &settings));
        assert!(
            !rendered.contains("--- rejected\nDF"),
            "{name}: a fix was rejected:\n{rendered}"
        );
        // Every fixed file still parses and each rewritten RUN is valid shell.
        let outcome = common::fix_all(FileKind::Dockerfile, &text, &settings);
        let fixed = DockerfileDoc::parse(&outcome.fixed).expect("fixed text parses");
        for ins in fixed.instructions() {
            if let harden_dockerfile::Args::Shell { raw, .. } = &ins.args {
                assert_shell_ok(&name, &fixed.logical(raw.span.clone()).text);
            }
        }
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("dockerfile", rendered);
        });
    }
}

fn assert_shell_ok(name: &str, script: &str) {
    let Ok(out) = std::process::Command::new("sh")
        .args(["-n", "-c", script])
        .output()
    else {
        return;
    };
    // Bash-only syntax (`<(…)`) in the input is not `sh -n`'s business.
    if script.contains("<(") {
        return;
    }
    assert!(
        out.status.success(),
        "{name}: sh -n rejects {script:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn discovery_finds_dockerfiles_by_name_and_from_devcontainer_json() {
    let dir = std::env::temp_dir().join(format!("harden-df-discovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".devcontainer")).unwrap();
    std::fs::create_dir_all(dir.join("docker")).unwrap();
    for f in [
        "Dockerfile",
        "api.Dockerfile",
        "Dockerfile.dev",
        "Containerfile",
        "Dockerfile.dockerignore",
        "Dockerfile.template",
        "docker/custom-build",
    ] {
        std::fs::write(dir.join(f), "FROM alpine:3.20\n").unwrap();
    }
    std::fs::write(
        dir.join(".devcontainer/devcontainer.json"),
        "{ \"build\": { \"dockerfile\": \"../docker/custom-build\" } }",
    )
    .unwrap();
    let (found, errors) = harden_engine::discover(std::slice::from_ref(&dir));
    assert!(errors.is_empty(), "{errors:?}");
    let mut dockerfiles: Vec<String> = found
        .iter()
        .filter(|d| d.kind == FileKind::Dockerfile)
        .map(|d| {
            d.path
                .strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    dockerfiles.sort();
    assert_eq!(
        dockerfiles,
        [
            "Containerfile",
            "Dockerfile",
            "Dockerfile.dev",
            "api.Dockerfile",
            "docker/custom-build"
        ]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The diff of each display-only fix applied alone to the input, after the
/// checks the engine makes of written fixes: the text parses, its value is
/// the input's with the fix's changes, and the finding is gone.
fn display_only_fixes(name: &str, text: &str, settings: &Settings) -> String {
    let mut skip = |_: &harden_core::Finding, _: &str, _: &str| Decision::Skip;
    let outcome = process_text(name, FileKind::Dockerfile, text, settings, &mut skip).unwrap();
    let before = DockerfileDoc::parse(text).unwrap();
    let mut out = String::from("--- display-only fixes\n");
    for f in &outcome.findings {
        let Some(fix) = f
            .fix
            .as_ref()
            .filter(|x| x.applicability == Applicability::DisplayOnly)
        else {
            continue;
        };
        let fixed = apply_edits(text, &fix.edits).expect("edits apply");
        let after = DockerfileDoc::parse(&fixed).unwrap_or_else(|e| {
            panic!(
                "{name}: display-only fix of {} does not parse: {e}",
                f.target
            )
        });
        let expected = apply_changes(&before.value(), &fix.changes).expect("changes apply");
        assert_eq!(
            after.value(),
            expected,
            "{name}: {} changes more than it says",
            f.target
        );
        let again = process_text(name, FileKind::Dockerfile, &fixed, settings, &mut skip).unwrap();
        assert!(
            !again
                .findings
                .iter()
                .any(|g| g.rule.code == f.rule.code && g.target == f.target),
            "{name}: {} is still reported after its fix",
            f.target
        );
        for ins in after.instructions() {
            if let harden_dockerfile::Args::Shell { raw, .. } = &ins.args {
                assert_shell_ok(name, &after.logical(raw.span.clone()).text);
            }
        }
        let diff = unified_diff(name, Some(text), &fixed, 0);
        out.push_str(&format!("{} {}\n", f.rule.code, f.target));
        for line in diff.lines().skip(3) {
            out.push_str(&line.replace('\r', "␍"));
            out.push('\n');
        }
    }
    out
}
