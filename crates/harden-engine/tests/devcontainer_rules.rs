//! One snapshot per devcontainer fixture: findings, the diff of all safe and
//! unsafe fixes, and rejected fixes. `DCxxx_*` fixtures run only that rule;
//! `all_*` fixtures run every rule.

mod common;

use harden_core::FileKind;

macro_rules! fixture {
    ($test:ident, $file:expr) => {
        #[test]
        #[allow(non_snake_case)]
        fn $test() {
            devcontainer_fixture($file);
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/devcontainer_fixtures.rs"));

#[test]
fn the_devcontainer_fixtures_are_there() {
    assert!(
        common::fixtures("devcontainer").len() >= 10,
        "fixtures missing"
    );
}

fn devcontainer_fixture(name: &str) {
    let path = common::repo_root()
        .join("tests/fixtures/devcontainer")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let settings = common::settings_for(common::fixture_rule(&path).as_deref());
    let rendered = common::render_case(FileKind::Devcontainer, name, &text, &settings);
    let fixed = common::try_fix_all(FileKind::Devcontainer, &text, &settings);
    if let Ok(fixed) = fixed {
        if let Err(weaker) =
            common::posture_not_weaker(FileKind::Devcontainer, &text, &fixed.fixed, &settings)
        {
            panic!("{name}: {weaker}");
        }
    }
    insta::with_settings!({snapshot_suffix => name.to_string(), prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("devcontainer", rendered);
    });
}
