//! DC008: curl|bash in devcontainer.json lifecycle commands, in the string,
//! array and object forms, shown with a placeholder and written once the
//! user supplies the sha256.

mod common;

use harden_core::{apply_changes, apply_edits, Applicability, Document, FileKind};
use harden_engine::{process_text, Decision};
use harden_jsonc::JsoncDoc;

const SHA: &str = "1c7a3f2e9b8d4c6a5e0f1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a";

const CONFIG: &str = r#"{
  // Tools for the agent
  "image": "mcr.microsoft.com/devcontainers/base:bookworm",
  "initializeCommand": "curl -fsSL https://example.com/host-setup.sh | bash",
  "onCreateCommand": ["bash", "-c", "curl -fsSL https://claude.ai/install.sh | bash -s -- --yes"],
  "postCreateCommand": {
    "deps": "npm ci",
    "zsh": "sh -c \"$(wget -qO- https://example.com/zsh.sh)\" \"\" --unattended",
    "tools": ["curl", "-fsSL", "https://example.com/not-run.sh"]
  },
  "postStartCommand": "echo ready"
}
"#;

#[test]
fn lifecycle_commands_in_every_form() {
    let settings = common::settings_for(Some("DC008"));
    let mut skip = |_: &harden_core::Finding, _: &str, _: &str| Decision::Skip;
    let outcome = process_text(
        "devcontainer.json",
        FileKind::Devcontainer,
        CONFIG,
        &settings,
        &mut skip,
    )
    .unwrap();
    let got: Vec<(usize, &str, &str)> = outcome
        .findings
        .iter()
        .map(|f| (f.start_pos.line, f.target.as_str(), &CONFIG[f.start..f.end]))
        .collect();
    assert_eq!(
        got,
        [
            (
                4,
                "initializeCommand:https://example.com/host-setup.sh",
                "curl -fsSL https://example.com/host-setup.sh | bash"
            ),
            (
                5,
                "onCreateCommand:https://claude.ai/install.sh",
                "curl -fsSL https://claude.ai/install.sh | bash -s -- --yes"
            ),
            (
                8,
                "postCreateCommand:https://example.com/zsh.sh",
                r#"sh -c \"$(wget -qO- https://example.com/zsh.sh)\" \"\" --unattended"#
            ),
        ]
    );
    assert!(outcome.findings[0].message.contains("on the host"));
    // Without a checksum: shown only, and what is shown is a valid fix.
    let before = JsoncDoc::parse(CONFIG).unwrap();
    for f in &outcome.findings {
        let fix = f.fix.as_ref().expect("a fix is shown");
        assert_eq!(fix.applicability, Applicability::DisplayOnly);
        let fixed = apply_edits(CONFIG, &fix.edits).unwrap();
        let after = JsoncDoc::parse(&fixed).expect("fixed config parses");
        assert_eq!(
            after.value(),
            apply_changes(&before.value(), &fix.changes).unwrap()
        );
        assert!(fixed.contains("// Tools for the agent"));
    }
}

#[test]
fn a_supplied_checksum_makes_the_fix_writable() {
    let mut settings = common::settings_for(Some("DC008"));
    for url in [
        "https://example.com/host-setup.sh",
        "https://claude.ai/install.sh",
        "https://example.com/zsh.sh",
    ] {
        settings.inputs.insert("sha256", url, SHA);
    }
    let outcome = common::fix_all(FileKind::Devcontainer, CONFIG, &settings);
    assert!(
        outcome.rejected.is_empty(),
        "{:?}",
        outcome.rejected.first().map(|r| &r.reason)
    );
    assert_eq!(outcome.applied.len(), 3);
    let v = JsoncDoc::parse(&outcome.fixed).unwrap().value();
    assert_eq!(
        v["onCreateCommand"][2],
        format!("curl -fsSL https://claude.ai/install.sh -o /tmp/install.sh && echo \"{SHA}  /tmp/install.sh\" > /tmp/install.sh.sha256 && sha256sum -c /tmp/install.sh.sha256 && bash /tmp/install.sh --yes && rm -f /tmp/install.sh /tmp/install.sh.sha256")
    );
    assert_eq!(
        v["postCreateCommand"]["zsh"],
        format!("wget -qO/tmp/zsh.sh https://example.com/zsh.sh && echo \"{SHA}  /tmp/zsh.sh\" > /tmp/zsh.sh.sha256 && sha256sum -c /tmp/zsh.sh.sha256 && sh /tmp/zsh.sh --unattended && rm -f /tmp/zsh.sh /tmp/zsh.sh.sha256")
    );
    assert_eq!(v["postCreateCommand"]["deps"], "npm ci");
    assert!(
        common::fix_all(FileKind::Devcontainer, &outcome.fixed, &settings)
            .applied
            .is_empty()
    );
}
