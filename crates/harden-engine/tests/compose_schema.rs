//! Patched compose files stay valid Compose: every compose file of the
//! shared corpus and of the fixtures, at tier 4 with every safe and unsafe
//! fix applied, validates against the Compose Specification's JSON schema
//! (vendored in tests/data, see its README) wherever the input did. The
//! value checked is the one verification compares (`parse_value`: merges
//! and aliases resolved).

mod common;

use harden_core::{FileKind, Tier};
use harden_engine::{parse_value, Settings};
use harden_profile::Profile;
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let path = common::repo_root().join("tests/data/compose-spec.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the compose schema compiles")
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_rejects_what_compose_rejects() {
    let v = validator();
    let ok = serde_json::json!({"services": {"a": {"image": "a", "security_opt": ["seccomp:./s.json"]}}});
    assert!(errors(&v, &ok).is_empty());
    // Duplicate items, unknown keys and a wrong type each fail.
    for bad in [
        serde_json::json!({"services": {"a": {"security_opt": ["x", "x"]}}}),
        serde_json::json!({"services": {"a": {"securityopt": ["x"]}}}),
        serde_json::json!({"services": {"a": {"cap_drop": "ALL"}}}),
        serde_json::json!({"services": {"a": {"deploy": {"resources": {"limits": {"memory": 8}}}}}}),
    ] {
        assert!(!errors(&v, &bad).is_empty(), "{bad} validated");
    }
}

#[test]
fn patched_compose_files_validate_against_the_compose_schema() {
    let validator = validator();
    let Some(corpus) = harden_core::requirement::shared("corpus") else {
        return;
    };
    let manifest =
        std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("shared corpus present");
    let mut files: Vec<(String, String)> = manifest
        .lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.get(4) == Some(&"compose")).then(|| cols[0].to_string())
        })
        .filter_map(|f| {
            let text = std::fs::read_to_string(corpus.join(&f)).ok()?;
            Some((f, text))
        })
        .collect();
    files.sort();
    files.dedup();
    let corpus_count = files.len();
    assert!(corpus_count >= 200, "expected the corpus' compose files");
    for path in common::fixtures("compose") {
        let name = format!("fixture {}", path.file_name().unwrap().to_string_lossy());
        files.push((name, std::fs::read_to_string(path).unwrap()));
    }
    let settings = Settings::new(Profile::builtin(), Tier::MAX);
    let (mut valid_in, mut invalid_in, mut unparsed, mut changed, mut fixes) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for (name, text) in &files {
        let Ok(before) = parse_value(FileKind::Compose, text) else {
            unparsed += 1;
            continue;
        };
        if let Some(first) = errors(&validator, &before).first() {
            invalid_in += 1;
            skipped.push(format!("{name}: {first}"));
            continue;
        }
        valid_in += 1;
        let outcome = common::fix_all(FileKind::Compose, text, &settings);
        if !outcome.changed() {
            continue;
        }
        changed += 1;
        fixes += outcome.applied.len();
        let after = parse_value(FileKind::Compose, &outcome.fixed).expect("verified output parses");
        let problems = errors(&validator, &after);
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    println!(
        "compose schema: {} files ({corpus_count} corpus, {} fixtures): {valid_in} valid inputs, \
         {invalid_in} invalid inputs skipped, {unparsed} not parsed; {changed} patched at tier 4 \
         ({fixes} fixes), {} patched outputs invalid",
        files.len(),
        files.len() - corpus_count,
        failures.len()
    );
    for s in &skipped {
        println!("  invalid input: {s}");
    }
    assert!(
        valid_in >= corpus_count / 2,
        "most inputs should validate: {valid_in}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
