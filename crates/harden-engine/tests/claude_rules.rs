//! Claude Code settings: one snapshot per fixture in `tests/fixtures/claude`
//! (`CCxxx_*` runs only that rule, `all_*` every rule), and every patched
//! file, of the fixtures and of the shared corpus, validates against the
//! vendored settings schema as strict JSON. Fixture names choose the layer
//! (`.user.`, `.local.`, `.managed.`, else project) and `@VERSION` the
//! `--claude-version`.

mod common;

use harden_core::FileKind;
use harden_engine::Settings;
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let path = common::repo_root().join("crates/harden-rules/schemas/claude-code-settings.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the settings schema compiles")
}

/// Strict JSON (no comments, no trailing commas) that the schema accepts.
fn claude_accepts(validator: &jsonschema::Validator, text: &str) -> Result<(), String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(body).map_err(|e| format!("not strict JSON: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// The path a fixture is shown as, which decides its layer.
fn shown_path(name: &str) -> String {
    if name.contains(".user.") {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        format!("{home}/.claude/settings.json")
    } else if name.contains(".local.") {
        ".claude/settings.local.json".into()
    } else if name.contains(".managed.") {
        "managed-settings.json".into()
    } else {
        ".claude/settings.json".into()
    }
}

fn settings_for_fixture(name: &str) -> Settings {
    let path = std::path::Path::new(name);
    let mut settings = common::settings_for(common::fixture_rule(path).as_deref());
    if let Some((_, rest)) = name.split_once('@') {
        let version: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        settings.claude_version = Some(version.trim_end_matches('.').to_string());
    }
    settings
}

#[test]
fn claude_fixtures() {
    let files = common::fixtures("claude");
    assert!(files.len() >= 10, "fixtures missing");
    let validator = schema();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let settings = settings_for_fixture(&name);
        let shown = shown_path(&name);
        let rendered =
            common::render_case_at(FileKind::ClaudeSettings, &name, &shown, &text, &settings);
        let outcome =
            common::try_fix_all_at(FileKind::ClaudeSettings, &shown, &text, &settings).unwrap();
        if outcome.changed() {
            if let Err(e) = claude_accepts(&validator, &outcome.fixed) {
                panic!("{name}: the patched file fails Claude's validation: {e}");
            }
        }
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("claude", rendered);
        });
    }
}

#[test]
fn the_schema_rejects_what_claude_rejects() {
    let v = schema();
    assert!(claude_accepts(
        &v,
        r#"{"permissions": {"deny": ["Read(~/.ssh/**)"]}, "sandbox": {"enabled": true}}"#
    )
    .is_ok());
    for bad in [
        r#"{"sandbox": {"network": {"httpProxyPort": null}}}"#,
        r#"{"permissions": {"disableBypassPermissionsMode": "disable", "nope": 1}}"#,
        r#"{"permissions": {"deny": ["Read(x)", "Read(x)"]}}"#,
        r#"{"permissions": {"deny": ["Reed(x)"]}}"#,
        r#"{"hooks": {"NoSuchEvent": []}}"#,
        "{\"model\": \"opus\",}",
        "{\"model\": \"opus\" // c\n}",
    ] {
        assert!(claude_accepts(&v, bad).is_err(), "{bad} accepted");
    }
}

#[test]
fn a_key_newer_than_the_target_version_is_not_written() {
    let text = "{\n  \"sandbox\": {\n    \"enabled\": true\n  }\n}\n";
    let mut settings = common::settings_for(Some("CC002"));
    let at = |settings: &Settings| {
        common::try_fix_all_at(
            FileKind::ClaudeSettings,
            ".claude/settings.json",
            text,
            settings,
        )
        .unwrap()
    };
    let baseline = at(&settings);
    assert!(!baseline.changed(), "{}", baseline.fixed);
    let note = baseline.findings[0].note.as_deref().unwrap();
    assert!(
        note.contains("2.1.83") && note.contains("--claude-version"),
        "{note}"
    );
    settings.claude_version = Some("2.1.83".into());
    assert!(at(&settings).fixed.contains("\"failIfUnavailable\": true"));
}

#[test]
fn the_layer_is_named_in_every_message() {
    let text = "{\n  \"permissions\": {\n    \"defaultMode\": \"bypassPermissions\"\n  }\n}\n";
    let settings = common::settings_for(None);
    for (path, layer) in [
        (".claude/settings.json", "project"),
        (".claude/settings.local.json", "local"),
        ("etc/managed-settings.json", "managed"),
    ] {
        let out = common::try_fix_all_at(FileKind::ClaudeSettings, path, text, &settings).unwrap();
        for f in &out.findings {
            assert!(
                f.message.contains(&format!("({layer} settings)")),
                "{path}: {}",
                f.message
            );
        }
        let mode_fixed = out
            .applied
            .iter()
            .any(|f| f.target == "permissions.defaultMode");
        assert_eq!(
            mode_fixed,
            layer == "managed",
            "{path}: a repository file's bypass mode is inert, not rewritten"
        );
    }
}
