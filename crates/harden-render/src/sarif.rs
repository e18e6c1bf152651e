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
use crate::json::indented;
use crate::text::new_file_path;
use crate::{was_applied, Mode};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log written as files finish: each file's results go out at
/// once and the outcome can go; the invocation, which holds the errors,
/// comes after the results. The layout is `serde_json`'s pretty printing.
pub struct Stream {
    mode: Mode,
    rules: Vec<&'static RuleMeta>,
    results: usize,
}

impl Stream {
    /// Write the log's head: the tool with `rules`, the rules that run.
    pub fn start(
        out: &mut impl Write,
        mode: Mode,
        rules: &[&'static RuleMeta],
        tool_version: &str,
    ) -> io::Result<Stream> {
        let head = indented(&json!({"$schema": SCHEMA, "version": "2.1.0"}), 0);
        let tool = json!({"driver": {
            "name": "harden",
            "semanticVersion": tool_version,
            "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
        }});
        // Everything but the closing brace, then the run opens.
        out.write_all(&head.as_bytes()[..head.len() - 2])?;
        out.write_all(b",\n  \"runs\": [\n    {\n      \"tool\": ")?;
        out.write_all(indented(&tool, 3).as_bytes())?;
        out.write_all(b",\n      \"columnKind\": \"unicodeCodePoints\",\n      \"results\": [")?;
        Ok(Stream {
            mode,
            rules: rules.to_vec(),
            results: 0,
        })
    }

    /// Add one file's results: written now.
    pub fn add(&mut self, out: &mut impl Write, path: &str, o: &FileOutcome) -> io::Result<()> {
        let index = LineIndex::new(&o.original);
        for f in &o.findings {
            let rule_index = self.rules.iter().position(|r| r.code == f.rule.code);
            let r = result(path, o, &index, f, rule_index, self.mode);
            out.write_all(if self.results == 0 {
                b"\n        "
            } else {
                b",\n        "
            })?;
            out.write_all(indented(&r, 4).as_bytes())?;
            self.results += 1;
        }
        Ok(())
    }

    /// Close the log with the invocation and its notifications, `errors`.
    pub fn finish(self, out: &mut impl Write, errors: &[FileError]) -> io::Result<()> {
        out.write_all(if self.results == 0 {
            b"]"
        } else {
            b"\n      ]"
        })?;
        let invocations = json!([{
            "executionSuccessful": errors.is_empty(),
            "toolExecutionNotifications": errors.iter().map(notification).collect::<Vec<_>>(),
        }]);
        out.write_all(b",\n      \"invocations\": ")?;
        out.write_all(indented(&invocations, 3).as_bytes())?;
        out.write_all(b"\n    }\n  ]\n}\n")
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
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
