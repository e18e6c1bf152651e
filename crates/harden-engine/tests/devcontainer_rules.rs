//! One snapshot per devcontainer fixture: findings, the diff of all safe and
//! unsafe fixes, and rejected fixes. `DCxxx_*` fixtures run only that rule;
//! `all_*` fixtures run every rule.

mod common;

use harden_core::FileKind;

#[test]
fn devcontainer_fixtures() {
    let files = common::fixtures("devcontainer");
    assert!(files.len() >= 10, "fixtures missing");
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let settings = common::settings_for(common::fixture_rule(&path).as_deref());
        let rendered = common::render_case(FileKind::Devcontainer, &name, &text, &settings);
        insta::with_settings!({snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true}, {
            insta::assert_snapshot!("devcontainer", rendered);
        });
    }
}
