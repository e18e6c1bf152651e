//! SARIF 2.1.0: rules in `tool.driver.rules`, one result per finding, fixes
//! as `fixes[].artifactChanges`.
//!
//! Columns and character offsets count Unicode code points
//! (`columnKind: unicodeCodePoints`), as harden's line:col positions do.
//! A fix's `deletedRegion` gives the exact bytes too (`byteOffset`,
//! `byteLength`), all on the file as it was read.

use std::io::{self, Write};

use harden_core::{Finding, LineIndex, RuleMeta, Severity};
use harden_engine::{FileError, FileOutcome};
use serde_json::{json, Map, Value};

use crate::escape::uri;
use crate::text::new_file_path;
use crate::{rule_list, was_applied, Mode, Report};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn to_value(report: &Report) -> Value {
    let rules = rule_list(report);
    let descriptors: Vec<Value> = rules.iter().map(|r| rule(r)).collect();
    let mut results = Vec::new();
    for (path, o) in report.files {
        let index = LineIndex::new(&o.original);
        for f in &o.findings {
            let rule_index = rules.iter().position(|r| r.code == f.rule.code);
            results.push(result(path, o, &index, f, rule_index, report.mode));
        }
    }
    let notifications: Vec<Value> = report.errors.iter().map(notification).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "harden",
                "semanticVersion": report.tool_version,
                "rules": descriptors,
            }},
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule(r: &RuleMeta) -> Value {
    json!({
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.summary},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {
            "tags": ["security"],
            "tier": r.tier.get(),
            "fileKind": r.kind.name(),
            "mayBreak": r.breakage,
        },
    })
}

/// A region from byte offsets of `text`: line/column, code-point offsets,
/// and, when `bytes` is set, byte offsets.
fn region(text: &str, index: &LineIndex, start: usize, end: usize, bytes: bool) -> Value {
    let s = index.line_col(text, start);
    let e = index.line_col(text, end);
    let char_offset = text[..start].chars().count();
    let char_length = text[start..end].chars().count();
    let mut m = Map::new();
    m.insert("startLine".into(), s.line.into());
    m.insert("startColumn".into(), s.col.into());
    m.insert("endLine".into(), e.line.into());
    m.insert("endColumn".into(), e.col.into());
    m.insert("charOffset".into(), char_offset.into());
    m.insert("charLength".into(), char_length.into());
    if bytes {
        m.insert("byteOffset".into(), start.into());
        m.insert("byteLength".into(), (end - start).into());
    }
    Value::Object(m)
}

fn location(path: &str, region: Value) -> Value {
    json!({"physicalLocation": {"artifactLocation": {"uri": uri(path)}, "region": region}})
}

fn result(
    path: &str,
    o: &FileOutcome,
    index: &LineIndex,
    f: &Finding,
    rule_index: Option<usize>,
    mode: Mode,
) -> Value {
    let text = &o.original;
    let mut r = Map::new();
    r.insert("ruleId".into(), f.rule.code.into());
    if let Some(i) = rule_index {
        r.insert("ruleIndex".into(), i.into());
    }
    r.insert("level".into(), level(f.rule.severity).into());
    let mut message = f.message.clone();
    if let Some(note) = &f.note {
        message.push_str(&format!(" ({note})"));
    }
    r.insert("message".into(), json!({"text": message}));
    r.insert(
        "locations".into(),
        json!([location(path, region(text, index, f.start, f.end, false))]),
    );
    if let Some(fix) = &f.fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                let mut rep = Map::new();
                rep.insert(
                    "deletedRegion".into(),
                    region(text, index, e.start, e.end, true),
                );
                if !e.content.is_empty() {
                    rep.insert("insertedContent".into(), json!({"text": e.content}));
                }
                Value::Object(rep)
            })
            .collect();
        let mut changes = Vec::new();
        if !replacements.is_empty() {
            changes.push(json!({
                "artifactLocation": {"uri": uri(path)},
                "replacements": replacements,
            }));
        }
        // A created file: one insertion at the start of an empty artifact.
        for n in &fix.new_files {
            changes.push(json!({
                "artifactLocation": {"uri": uri(&new_file_path(path, &n.relative_path))},
                "replacements": [{
                    "deletedRegion": {"charOffset": 0, "charLength": 0, "byteOffset": 0, "byteLength": 0},
                    "insertedContent": {"text": n.content},
                }],
            }));
        }
        if !changes.is_empty() {
            r.insert(
                "fixes".into(),
                json!([{
                    "description": {"text": fix.title},
                    "artifactChanges": changes,
                    "properties": {"applicability": fix.applicability.to_string()},
                }]),
            );
        }
    }
    let mut props = Map::new();
    props.insert("tier".into(), f.tier.get().into());
    props.insert("name".into(), f.rule.name.into());
    if mode == Mode::Diff {
        props.insert("applied".into(), was_applied(o, f).into());
    }
    r.insert("properties".into(), Value::Object(props));
    Value::Object(r)
}

fn notification(e: &FileError) -> Value {
    let mut n = Map::new();
    n.insert("level".into(), "error".into());
    n.insert("message".into(), json!({"text": e.message}));
    let mut region = Map::new();
    if let Some(p) = e.pos {
        region.insert("startLine".into(), p.line.into());
        region.insert("startColumn".into(), p.col.into());
    }
    let mut phys = Map::new();
    phys.insert("artifactLocation".into(), json!({"uri": uri(&e.path)}));
    if !region.is_empty() {
        phys.insert("region".into(), Value::Object(region));
    }
    n.insert(
        "locations".into(),
        json!([{"physicalLocation": Value::Object(phys)}]),
    );
    Value::Object(n)
}
