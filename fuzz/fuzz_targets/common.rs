//! The invariants every fuzz target checks: parse, fix everything, then the
//! output parses, equals the input's value plus the applied changes, and a
//! second run changes nothing. No panic anywhere.

use harden_core::{apply_changes, Applicability, FileKind, Tier};
use harden_engine::{parse_value, process_text, Decision, Settings};
use harden_profile::Profile;

pub fn check(kind: FileKind, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let settings = Settings::new(Profile::builtin(), Tier::MAX);
    let mut all = |f: &harden_core::Finding, _: &str, _: &str| match &f.fix {
        Some(x) if x.applicability >= Applicability::Unsafe => Decision::Apply,
        _ => Decision::Skip,
    };
    let Ok(outcome) = process_text("fuzz", kind, text, &settings, &mut all) else { return };
    let after = parse_value(kind, &outcome.fixed).expect("fixed output parses");
    let before = parse_value(kind, text).expect("input parsed once already");
    let changes: Vec<_> = outcome
        .applied
        .iter()
        .flat_map(|f| f.fix.as_ref().map(|x| x.changes.clone()).unwrap_or_default())
        .collect();
    assert_eq!(apply_changes(&before, &changes).expect("changes apply"), after);
    let second = process_text("fuzz", kind, &outcome.fixed, &settings, &mut all).expect("reparses");
    assert_eq!(second.fixed, outcome.fixed, "second run changed the output");
}
