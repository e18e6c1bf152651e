//! One snapshot per compose fixture: findings, the diff of all safe and
//! unsafe fixes, and rejected fixes. `CPxxx_CPyyy_*` fixtures run only those
//! rules; `all_*` fixtures run every rule.

mod common;

use harden_core::{FileKind, Tier};
use harden_engine::Settings;
use harden_profile::Profile;

/// Settings running only `codes` (every rule up to tier 4 when empty).
fn settings_for(codes: &[String]) -> Settings {
    let settings = Settings::new(Profile::builtin(), Tier::MAX);
    if codes.is_empty() {
        return settings;
    }
    let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
    settings.only(&codes)
}

fn codes_of(name: &str) -> Vec<String> {
    name.split('_')
        .take_while(|t| {
            t.len() == 5 && t.starts_with("CP") && t[2..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

macro_rules! fixture {
    ($test:ident, $file:expr) => {
        #[test]
        #[allow(non_snake_case)]
        fn $test() {
            compose_fixture($file);
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/compose_fixtures.rs"));

#[test]
fn the_compose_fixtures_are_there() {
    assert!(common::fixtures("compose").len() >= 10, "fixtures missing");
}

fn compose_fixture(name: &str) {
    let path = common::repo_root()
        .join("tests/fixtures/compose")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let settings = settings_for(&codes_of(name));
    let rendered = common::render_case(FileKind::Compose, name, &text, &settings);
    let fixed = common::try_fix_all(FileKind::Compose, &text, &settings);
    if let Ok(fixed) = fixed {
        if let Err(weaker) =
            common::posture_not_weaker(FileKind::Compose, &text, &fixed.fixed, &settings)
        {
            panic!("{name}: {weaker}");
        }
    }
    assert!(
        !rendered.contains("--- rejected\nCP"),
        "{name}: a fix was rejected:\n{rendered}"
    );
    insta::with_settings!({snapshot_suffix => name.to_string(), prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!("compose", rendered);
    });
}
