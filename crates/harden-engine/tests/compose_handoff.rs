//! A compose-mode devcontainer.json and its compose files, run the way the
//! CLI runs them (discover, then each file): the compose rules know the dev
//! container's service and the project directory, the devcontainer findings
//! about runArgs are left to the compose rules that run on the service's
//! file, and a second run over the written output proposes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use harden_core::{Applicability, FileKind, Finding, Tier};
use harden_engine::{discover, process_file, Decision, FileOutcome, Settings};
use harden_profile::Profile;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const BASE: &str = "\
services:
  app:
    image: app
  tmpl: &tmpl
    image: tools
  dev: *tmpl
";

const EXTEND: &str = "\
services:
  app:
    volumes:
      - ..:/workspace
";

const MAIN_CONFIG: &str = r#"{
  // the compose project directory is the repository root
  "dockerComposeFile": ["../docker-compose.yml", "docker-compose.extend.yml"],
  "service": "app"
}
"#;

const TOOLS_CONFIG: &str = r#"{"dockerComposeFile": "../../docker-compose.yml", "service": "dev"}"#;

fn project(with_configs: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "docker-compose.yml", BASE);
    write(root, ".devcontainer/docker-compose.extend.yml", EXTEND);
    if with_configs {
        write(root, ".devcontainer/devcontainer.json", MAIN_CONFIG);
        write(root, ".devcontainer/tools/devcontainer.json", TOOLS_CONFIG);
    }
    dir
}

/// Every file under `root` with every fix applied: (display path, outcome).
fn run(root: &Path, settings: &Settings) -> Vec<(String, FileOutcome)> {
    let (files, errors) = discover(&[root.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f.path).unwrap();
            let mut apply = |x: &Finding, _: &str, _: &str| match &x.fix {
                Some(fix) if fix.applicability >= Applicability::Unsafe => Decision::Apply,
                _ => Decision::Skip,
            };
            let outcome = process_file(f, &text, settings, &mut apply).unwrap();
            assert!(outcome.rejected.is_empty(), "{:?}", outcome.rejected);
            (f.display.to_string(), outcome)
        })
        .collect()
}

fn outcome<'a>(all: &'a [(String, FileOutcome)], suffix: &str) -> &'a FileOutcome {
    &all.iter()
        .find(|(p, _)| p.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} not processed"))
        .1
}

fn codes(o: &FileOutcome) -> Vec<&'static str> {
    o.findings.iter().map(|f| f.rule.code).collect()
}

fn settings() -> Settings {
    Settings::new(Profile::builtin(), Tier::MAX)
}

#[test]
fn devcontainer_findings_are_left_to_the_compose_rules() {
    let dir = project(true);
    let all = run(dir.path(), &settings());
    for config in [
        ".devcontainer/devcontainer.json",
        ".devcontainer/tools/devcontainer.json",
    ] {
        let found = codes(outcome(&all, config));
        for code in ["DC001", "DC002", "DC010"] {
            assert!(
                !found.contains(&code),
                "{config}: {code} reported: {found:?}"
            );
        }
    }
    // The compose rules report the same things on the services, in the
    // file that defines them first: the merged project gets each key once.
    let base = codes(outcome(&all, "/docker-compose.yml"));
    let extend = codes(outcome(&all, "docker-compose.extend.yml"));
    for code in ["CP001", "CP002", "CP012"] {
        assert!(base.contains(&code), "{base:?}");
        assert!(!extend.contains(&code), "{extend:?}");
    }
}

#[test]
fn without_the_compose_rule_the_note_names_the_file_and_service() {
    let dir = project(true);
    let root = dir.path().to_string_lossy().to_string();
    let mut s = settings();
    s.rule_switches = BTreeMap::from([("CP001".to_string(), false)]);
    let all = run(dir.path(), &s);
    let note = |config: &str, code: &str| {
        outcome(&all, config)
            .findings
            .iter()
            .find(|f| f.rule.code == code)
            .and_then(|f| f.note.clone())
            .unwrap_or_else(|| panic!("{config}: no {code} with a note"))
    };
    assert_eq!(
        note(".devcontainer/devcontainer.json", "DC001"),
        format!(
            "this config uses dockerComposeFile, so runArgs are ignored: make the change in \
             service `app` of `{root}/docker-compose.yml` (CP001 does it when it runs)"
        )
    );
    assert_eq!(
        note(".devcontainer/tools/devcontainer.json", "DC001"),
        format!(
            "this config uses dockerComposeFile, so runArgs are ignored: make the change in \
             service `dev` of `{root}/docker-compose.yml` (CP001 does it when it runs)"
        )
    );
    // CP002 still runs, so DC002 stays dropped.
    assert!(!codes(outcome(&all, ".devcontainer/devcontainer.json")).contains(&"DC002"));
}

/// The `security_opt` item CP012 added to a file's text.
fn seccomp_items(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|item| item.trim_matches('"').strip_prefix("seccomp:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn compose_rules_use_the_project_directory_and_the_dev_service_name() {
    let dir = project(true);
    let all = run(dir.path(), &settings());
    // The base file defines `app` first, so it gets what `app` lacks: the
    // profile (from the project directory) and the egress sidecar (CP013);
    // the extend file sets nothing that moves to the sidecar.
    let extend = outcome(&all, "docker-compose.extend.yml");
    assert!(seccomp_items(&extend.fixed).is_empty(), "{}", extend.fixed);
    assert!(!extend.changed(), "{}", extend.fixed);
    assert!(!extend.findings.iter().any(|f| f.rule.code == "CP013"));
    let base = outcome(&all, "/docker-compose.yml");
    // `app`, `tmpl` (which `dev` aliases) and the two sidecars.
    assert_eq!(seccomp_items(&base.fixed), ["./seccomp.json"; 4]);
    assert!(base.fixed.contains("  app-egress:\n"), "{}", base.fixed);
    assert!(base
        .fixed
        .contains("- ./egress-firewall.sh:/etc/harden/egress-firewall.sh:ro"));
    let named: Vec<&str> = base.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        named.iter().any(|m| m.contains("`dev`")) && !named.iter().any(|m| m.contains("`tmpl`")),
        "{named:#?}"
    );

    // Without the dev containers: the file's own directory, the first name.
    let plain = project(false);
    let all = run(plain.path(), &settings());
    let extend = outcome(&all, "docker-compose.extend.yml");
    assert_eq!(seccomp_items(&extend.fixed), ["./seccomp.json"]);
    let base = outcome(&all, "/docker-compose.yml");
    assert!(base.findings.iter().any(|f| f.message.contains("`tmpl`")));
}

#[test]
fn a_second_run_over_the_written_output_proposes_nothing() {
    let dir = project(true);
    let first = run(dir.path(), &settings());
    let mut new_files: Vec<String> = Vec::new();
    for (path, o) in &first {
        std::fs::write(path, &o.fixed).unwrap();
        for f in &o.applied {
            for new in f.fix.iter().flat_map(|x| &x.new_files) {
                let target = Path::new(path).parent().unwrap().join(&new.relative_path);
                assert!(!target.exists(), "{} created twice", target.display());
                std::fs::write(&target, new.content.as_bytes()).unwrap();
                new_files.push(
                    target
                        .strip_prefix(dir.path())
                        .unwrap()
                        .display()
                        .to_string(),
                );
            }
        }
    }
    new_files.sort();
    // Next to the base file, which defines every service first: the seccomp
    // profile and the firewall's script, allowlist and Dockerfile.
    assert_eq!(
        new_files,
        [
            "egress-allowlist.txt",
            "egress-firewall.sh",
            "egress.Dockerfile",
            "seccomp.json",
        ]
    );
    let second = run(dir.path(), &settings());
    for (path, o) in &second {
        assert!(!o.changed(), "{path} changed again:\n{}", o.fixed);
        let fixable: Vec<&str> = o
            .findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability >= Applicability::Unsafe)
            })
            .map(|f| f.rule.code)
            .collect();
        assert!(fixable.is_empty(), "{path}: {fixable:?}");
        if path.ends_with("devcontainer.json") {
            assert_eq!(
                o.findings
                    .iter()
                    .filter(|f| f.rule.kind == FileKind::Devcontainer
                        && ["DC001", "DC002", "DC010"].contains(&f.rule.code))
                    .count(),
                0
            );
        }
    }
}

/// A base file and its standard override are one project: the agent's
/// egress sidecar goes into the file that defines it first, and neither
/// file gets it while the other sets what would move to the sidecar
/// (`network_mode` cannot be combined with `networks` or `ports`).
#[test]
fn base_and_override_get_one_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "docker-compose.yml",
        "services:\n  agent:\n    image: x\n    networks: [app]\n  web:\n    image: x\n    networks: [app]\nnetworks:\n  app: {}\n",
    );
    write(
        root,
        "docker-compose.override.yml",
        "services:\n  agent:\n    cap_add: [SYS_ADMIN]\n",
    );
    let cp013 = |all: &[(String, FileOutcome)], file: &str| -> Vec<(bool, Option<String>)> {
        outcome(all, file)
            .findings
            .iter()
            .filter(|f| f.rule.code == "CP013")
            .map(|f| (f.fix.is_some(), f.note.clone()))
            .collect()
    };
    let all = run(root, &settings());
    assert_eq!(cp013(&all, "/docker-compose.yml").len(), 1);
    assert!(cp013(&all, "/docker-compose.yml")[0].0);
    assert!(cp013(&all, "docker-compose.override.yml").is_empty());
    assert!(outcome(&all, "/docker-compose.yml")
        .fixed
        .contains("network_mode: service:agent-egress\n"));

    write(
        root,
        "docker-compose.override.yml",
        "services:\n  agent:\n    ports: [\"8080:80\"]\n",
    );
    let all = run(root, &settings());
    let base = cp013(&all, "/docker-compose.yml");
    assert!(!base[0].0, "{base:?}");
    assert!(
        base[0]
            .1
            .as_deref()
            .unwrap()
            .contains("`docker-compose.override.yml` also sets `ports` of `agent`"),
        "{base:?}"
    );
    let over = cp013(&all, "docker-compose.override.yml");
    assert!(!over[0].0, "{over:?}");
    assert!(
        over[0]
            .1
            .as_deref()
            .unwrap()
            .contains("`docker-compose.yml` defines `agent` first"),
        "{over:?}"
    );
}
