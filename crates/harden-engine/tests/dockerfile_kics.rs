//! The KICS Dockerfile samples for the queries harden covers: each expected
//! (file, line) of a positive sample is reported by the matching rule, with
//! nothing else from that rule, and negative samples get nothing from it.

mod common;

use std::collections::BTreeSet;

use harden_core::FileKind;
use harden_engine::{process_text, Decision};

/// KICS query directory → the harden rule that covers it.
const COVERED: &[(&str, &str)] = &[
    ("last_user_is_root", "DF003"),
    ("missing_user_instruction", "DF003"),
    ("image_version_using_latest", "DF005"),
    ("image_version_not_explicit", "DF005"),
    ("curl_or_wget_instead_of_add", "DF004"),
];

#[test]
fn kics_dockerfile_samples() {
    let Some(dir) = harden_core::requirement::shared("oracle/kics") else {
        return;
    };
    let Ok(expected) = std::fs::read_to_string(dir.join("EXPECTED.tsv")) else {
        println!("skipped: ../shared/oracle/kics is not there");
        return;
    };
    let settings = common::settings_for(None);
    let (mut positives, mut negatives) = (0, 0);
    let mut failures = Vec::new();
    for &(query, code) in COVERED {
        let rows: Vec<Vec<&str>> = expected
            .lines()
            .skip(1)
            .map(|l| l.split('\t').collect::<Vec<_>>())
            .filter(|c| c[0] == query)
            .collect();
        assert!(!rows.is_empty(), "{query}: no samples");
        let files: BTreeSet<&str> = rows.iter().map(|c| c[1]).collect();
        for file in files {
            let text = std::fs::read_to_string(dir.join(query).join(file)).unwrap();
            let mut skip = |_: &harden_core::Finding, _: &str, _: &str| Decision::Skip;
            let outcome = process_text(file, FileKind::Dockerfile, &text, &settings, &mut skip)
                .unwrap_or_else(|e| panic!("{query}/{file}: {e}"));
            let got: BTreeSet<usize> = outcome
                .findings
                .iter()
                .filter(|f| f.rule.code == code)
                .map(|f| f.start_pos.line)
                .collect();
            let want: BTreeSet<usize> = rows
                .iter()
                .filter(|c| c[1] == file && c[2] == "positive")
                .map(|c| c[3].parse().unwrap())
                .collect();
            if file.starts_with("positive") {
                positives += want.len();
            } else {
                negatives += 1;
            }
            if got != want {
                failures.push(format!(
                    "{query}/{file} ({code}): expected lines {want:?}, got {got:?}"
                ));
            }
        }
    }
    println!(
        "kics: {positives} positive expectations and {negatives} negative samples over {} queries; {} mismatches",
        COVERED.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
