//! Every format on the same fixtures, as snapshots; SARIF checked against
//! the official schema and its fix regions checked byte for byte.

mod common;

use common::*;
use harden_core::{apply_edits, Edit, LineCol, LineIndex};
use harden_engine::FileError;
use harden_render::{Format, Mode};
use serde_json::Value;

fn visible(s: &str) -> String {
    s.replace('\r', "␍")
}

#[test]
fn snapshots_of_every_format_on_the_fixtures() {
    for mode in [Mode::Check, Mode::Diff] {
        let files = fixture_outcomes_with(mode, &settings_t2());
        let errors = vec![FileError::new(
            "fixtures/broken.json",
            Some(LineCol { line: 2, col: 15 }),
            "Expected comma",
        )];
        for format in Format::ALL {
            // Only the rules that found something, to keep the SARIF short.
            let out = render_to_string(format, mode, &files, &errors, &[]);
            let name = format!("{}_{}", mode.name(), format.name());
            insta::with_settings!({snapshot_suffix => name, prepend_module_to_snapshot => false, omit_expression => true}, {
                insta::assert_snapshot!("format", visible(&out));
            });
        }
    }
}

fn sarif_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF is invalid:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_with_findings_and_without() {
    let validator = sarif_validator();
    for mode in [Mode::Check, Mode::Diff] {
        let files = fixture_outcomes(mode);
        let errors = vec![FileError::new("fixtures/broken.json", None, "cannot read")];
        let with = render_to_string(Format::Sarif, mode, &files, &errors, &active_rules());
        let doc: Value = serde_json::from_str(&with).unwrap();
        assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
        assert!(!doc["runs"][0]["results"][0]["fixes"]
            .as_array()
            .unwrap()
            .is_empty());
        assert_valid(&validator, &doc);
    }
    // a run without results: no findings, no errors, the rules still listed
    let none = render_to_string(Format::Sarif, Mode::Check, &[], &[], &active_rules());
    let doc: Value = serde_json::from_str(&none).unwrap();
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert!(!doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_valid(&validator, &doc);
    let empty = render_to_string(Format::Sarif, Mode::Check, &[], &[], &[]);
    assert_valid(&validator, &serde_json::from_str(&empty).unwrap());
}

#[test]
fn the_schema_check_rejects_broken_sarif() {
    let validator = sarif_validator();
    let files = fixture_outcomes(Mode::Check);
    let good: Value = serde_json::from_str(&render_to_string(
        Format::Sarif,
        Mode::Check,
        &files,
        &[],
        &[],
    ))
    .unwrap();
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = good;
    bad.as_object_mut().unwrap().remove("version");
    assert!(!validator.is_valid(&bad));
}

/// Byte range of a SARIF region from its code-point offsets.
fn bytes_of_chars(text: &str, char_offset: usize, char_len: usize) -> (usize, usize) {
    let mut starts = text.char_indices().map(|(i, _)| i).chain([text.len()]);
    let start = starts.clone().nth(char_offset).unwrap();
    let end = starts.nth(char_offset + char_len).unwrap();
    (start, end)
}

#[test]
fn sarif_fix_regions_are_exact_in_lines_code_points_and_bytes() {
    // non-ASCII before the edits, CRLF, a BOM
    let hostile = "\u{feff}{\r\n  // é – ü 😀\r\n  \"image\": \"x\", \"privileged\": true,\r\n  \"capAdd\": [\"SYS_ADMIN\"]\r\n}\r\n";
    let mut files = fixture_outcomes(Mode::Check);
    files.push((
        "unicode.json".to_string(),
        outcome("unicode.json", hostile, Mode::Check),
    ));
    let sarif: Value = serde_json::from_str(&render_to_string(
        Format::Sarif,
        Mode::Check,
        &files,
        &[],
        &[],
    ))
    .unwrap();
    let mut checked = 0;
    for result in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let (_, outcome) = files.iter().find(|(p, _)| p == uri).unwrap();
        let text = &outcome.original;
        let index = LineIndex::new(text);
        for fix in result["fixes"].as_array().into_iter().flatten() {
            let change = &fix["artifactChanges"][0];
            let mut edits = Vec::new();
            for rep in change["replacements"].as_array().unwrap() {
                let r = &rep["deletedRegion"];
                let n = |k: &str| r[k].as_u64().unwrap() as usize;
                let (start, end) = bytes_of_chars(text, n("charOffset"), n("charLength"));
                assert_eq!((start, end - start), (n("byteOffset"), n("byteLength")));
                let from_lines = |l: &str, c: &str| {
                    index
                        .offset(
                            text,
                            LineCol {
                                line: n(l),
                                col: n(c),
                            },
                        )
                        .unwrap()
                };
                assert_eq!(from_lines("startLine", "startColumn"), start);
                assert_eq!(from_lines("endLine", "endColumn"), end);
                let content = rep["insertedContent"]["text"].as_str().unwrap_or("");
                edits.push(Edit::replace(start..end, content));
                checked += 1;
            }
            // Applying the SARIF replacements gives what the fix's edits give.
            let finding = outcome
                .findings
                .iter()
                .find(|f| {
                    f.fix.as_ref().map(|x| x.title.as_str()) == fix["description"]["text"].as_str()
                })
                .unwrap();
            assert_eq!(
                apply_edits(text, &edits).unwrap(),
                apply_edits(text, &finding.fix.as_ref().unwrap().edits).unwrap()
            );
        }
    }
    assert!(checked >= 10, "only {checked} replacements checked");
}

#[test]
fn json_is_versioned_and_round_trips_edits() {
    let files = fixture_outcomes(Mode::Diff);
    let doc: Value = serde_json::from_str(&render_to_string(
        Format::Json,
        Mode::Diff,
        &files,
        &[],
        &[],
    ))
    .unwrap();
    assert_eq!(doc["version"], 1);
    for f in doc["findings"].as_array().unwrap() {
        for key in [
            "code", "name", "tier", "severity", "path", "start", "end", "message", "fix", "note",
        ] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
        let Some(fix) = f["fix"].as_object() else {
            continue;
        };
        let (_, outcome) = files
            .iter()
            .find(|(p, _)| p == f["path"].as_str().unwrap())
            .unwrap();
        let edits: Vec<Edit> = fix["edits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                Edit::replace(
                    e["start"]["offset"].as_u64().unwrap() as usize
                        ..e["end"]["offset"].as_u64().unwrap() as usize,
                    e["content"].as_str().unwrap(),
                )
            })
            .collect();
        // edits are on the file as read
        apply_edits(&outcome.original, &edits).unwrap();
    }
    // every changed file carries its diff
    for (file, (_, o)) in doc["files"].as_array().unwrap().iter().zip(&files) {
        assert_eq!(file["changed"], o.changed());
        assert_eq!(file["diff"].as_str().unwrap().is_empty(), !o.changed());
    }
}

/// A streamed document (`format`) in each mode, with files and errors,
/// files only, errors only and neither: laid out exactly as `serde_json`
/// pretty-prints the whole; `check` gets its value and the input counts.
fn streamed_as_whole(format: Format, check: impl Fn(&Value, usize, usize, usize)) {
    for mode in [Mode::Check, Mode::Diff] {
        let all = fixture_outcomes(mode);
        let errors = [FileError::new(
            "fixtures/broken.json",
            Some(harden_core::LineCol { line: 2, col: 3 }),
            "expected `,`",
        )];
        for (files, errors) in [
            (&all[..], &errors[..]),
            (&all[..1], &[][..]),
            (&[][..], &errors[..]),
            (&[][..], &[][..]),
        ] {
            let out = render_to_string(format, mode, files, errors, &[]);
            let value: Value = serde_json::from_str(&out).expect("one JSON document");
            let whole = format!("{}\n", serde_json::to_string_pretty(&value).unwrap());
            assert_eq!(out, whole, "{format:?} {mode:?}, {} files", files.len());
            let findings: usize = files.iter().map(|(_, o)| o.findings.len()).sum();
            check(&value, files.len(), findings, errors.len());
        }
    }
}

/// The SARIF log holds every finding and error.
#[test]
fn streamed_sarif_is_laid_out_as_the_whole_document() {
    streamed_as_whole(Format::Sarif, |value, _, findings, errors| {
        let run = &value["runs"][0];
        assert_eq!(run["results"].as_array().unwrap().len(), findings);
        let invocation = &run["invocations"][0];
        let notes = &invocation["toolExecutionNotifications"];
        assert_eq!(notes.as_array().unwrap().len(), errors);
        assert_eq!(invocation["executionSuccessful"], Value::Bool(errors == 0));
    });
}

/// The JSON document holds every file, finding and error.
#[test]
fn streamed_json_is_laid_out_as_the_whole_document() {
    streamed_as_whole(Format::Json, |value, files, findings, errors| {
        assert_eq!(value["files"].as_array().unwrap().len(), files);
        assert_eq!(value["findings"].as_array().unwrap().len(), findings);
        assert_eq!(value["errors"].as_array().unwrap().len(), errors);
    });
}
