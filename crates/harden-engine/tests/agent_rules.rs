//! VS Code user settings, OpenCode and Hermes configs: one snapshot per
//! fixture in `tests/fixtures/{vscode,opencode,hermes}` (`XX000_*` runs only
//! that rule, `all_*` every rule), shown at the path each tool reads.

mod common;

use harden_core::FileKind;

fn run_dir(dir: &str, kind: FileKind, shown: &str) {
    let files: Vec<_> = common::fixtures(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    assert!(files.len() >= 3, "{dir} fixtures missing");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let settings = common::settings_for(common::fixture_rule(&path).as_deref());
        let rendered = common::render_case_at(kind, &name, shown, &text, &settings);
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!(dir, rendered);
        });
    }
}

#[test]
fn vscode_fixtures() {
    run_dir(
        "vscode",
        FileKind::VscodeSettings,
        ".config/Code/User/settings.json",
    );
}

#[test]
fn opencode_fixtures() {
    run_dir("opencode", FileKind::OpencodeConfig, "opencode.json");
}

#[test]
fn hermes_fixtures() {
    run_dir("hermes", FileKind::HermesConfig, ".hermes/config.yaml");
}

#[test]
fn discovery_finds_the_agents_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (path, text) in [
        (".claude/settings.json", "{}"),
        (".claude/settings.local.json", "{}"),
        (".claude/agents/x.json", "{}"),
        (".codex/config.toml", ""),
        (".opencode/opencode.jsonc", "{}"),
        ("opencode.json", "{}"),
        (".hermes/config.yaml", "a: 1\n"),
        ("sub/.claude/settings.json", "{}"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (found, errors) = harden_engine::discover(&[root.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut got: Vec<(String, FileKind)> = found
        .iter()
        .map(|d| {
            let rel = d
                .path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            (rel, d.kind)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                ".claude/settings.json".to_string(),
                FileKind::ClaudeSettings
            ),
            (
                ".claude/settings.local.json".to_string(),
                FileKind::ClaudeSettings
            ),
            (".codex/config.toml".to_string(), FileKind::CodexConfig),
            (".hermes/config.yaml".to_string(), FileKind::HermesConfig),
            (
                ".opencode/opencode.jsonc".to_string(),
                FileKind::OpencodeConfig
            ),
            ("opencode.json".to_string(), FileKind::OpencodeConfig),
            (
                "sub/.claude/settings.json".to_string(),
                FileKind::ClaudeSettings
            ),
        ]
    );
    let user = std::path::Path::new("/home/u/.config/Code/User/settings.json");
    assert_eq!(harden_engine::kind_of(user), Some(FileKind::VscodeSettings));
    let profile = std::path::Path::new("/home/u/.hermes/profiles/work/config.yaml");
    assert_eq!(
        harden_engine::kind_of(profile),
        Some(FileKind::HermesConfig)
    );
    let codex_profile = std::path::Path::new("/home/u/.codex/fast.config.toml");
    assert_eq!(
        harden_engine::kind_of(codex_profile),
        Some(FileKind::CodexConfig)
    );
}
