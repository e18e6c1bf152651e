//! Codex config.toml: one snapshot per fixture in `tests/fixtures/codex`
//! (`CXxxx_*` runs only that rule, `all_*` every rule), shown as a project
//! file `.codex/config.toml`; the layer judgement for other paths.

mod common;

use harden_core::FileKind;
use harden_rules::CodexLayer;
use std::path::Path;

#[test]
fn codex_fixtures() {
    let files = common::fixtures("codex");
    assert!(files.len() >= 8, "fixtures missing");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let settings = common::settings_for(common::fixture_rule(&path).as_deref());
        let rendered = common::render_case(FileKind::CodexConfig, &name, &text, &settings);
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("codex", rendered);
        });
    }
}

#[test]
fn layers_by_path() {
    let home = Path::new("/home/u");
    let of = |p: &str| CodexLayer::of(Path::new(p), Some(home));
    assert_eq!(of("repo/.codex/config.toml"), CodexLayer::Project);
    assert_eq!(of("/home/u/.codex/config.toml"), CodexLayer::User);
    assert_eq!(of("/home/u/.codex/fast.config.toml"), CodexLayer::Profile);
    assert_eq!(of("/etc/codex/config.toml"), CodexLayer::System);
}

#[test]
fn project_only_ignored_keys_are_named_in_project_files_only() {
    let text = "notify = [\"x\"]\n";
    let settings = common::settings_for(Some("CX006"));
    let project =
        common::try_fix_all_at(FileKind::CodexConfig, ".codex/config.toml", text, &settings)
            .unwrap();
    assert_eq!(project.findings.len(), 1, "{:?}", project.findings);
    let user = common::try_fix_all_at(
        FileKind::CodexConfig,
        "/home/u/.codex/fast.config.toml",
        text,
        &settings,
    )
    .unwrap();
    assert!(user.findings.is_empty());
}
