//! The JSON format, version 1 (documented in docs/output-formats.md).

use std::io::{self, Write};

use harden_core::{Finding, LineCol, LineIndex};
use harden_engine::{FileError, FileOutcome};
use serde_json::{json, Value};

use crate::text::new_file_path;
use crate::{file_diff, was_applied, Mode, Report};

/// The version of the JSON shape; bumped on any incompatible change.
pub const VERSION: u64 = 1;

pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_value(report))?;
    writeln!(out)
}

pub fn to_value(report: &Report) -> Value {
    let files: Vec<Value> = report
        .files
        .iter()
        .map(|(path, o)| {
            json!({
                "path": path,
                "changed": report.mode == Mode::Diff && o.changed(),
                "converged": o.converged,
                "diff": match report.mode {
                    Mode::Diff => Value::String(file_diff(path, o)),
                    Mode::Check => Value::Null,
                },
                // Every fix in the diff, in the order applied, including
                // those for findings that only arose after earlier fixes.
                "applied": match report.mode {
                    Mode::Diff => o.applied.iter().map(applied_fix).collect(),
                    Mode::Check => Vec::new(),
                },
            })
        })
        .collect();
    let findings: Vec<Value> = report
        .files
        .iter()
        .flat_map(|(path, o)| {
            let index = LineIndex::new(&o.original);
            o.findings
                .iter()
                .map(move |f| finding(path, o, &index, f, report.mode))
                .collect::<Vec<_>>()
        })
        .collect();
    let errors: Vec<Value> = report.errors.iter().map(error).collect();
    json!({
        "version": VERSION,
        "tool": {"name": "harden", "version": report.tool_version},
        "mode": report.mode.name(),
        "files": files,
        "findings": findings,
        "errors": errors,
    })
}

fn applied_fix(f: &Finding) -> Value {
    json!({
        "code": f.rule.code,
        "name": f.rule.name,
        "tier": f.tier.get(),
        "message": f.message,
        "title": f.fix.as_ref().map(|x| x.title.as_str()),
    })
}

fn pos(p: LineCol, offset: usize) -> Value {
    json!({"line": p.line, "col": p.col, "offset": offset})
}

fn finding(path: &str, o: &FileOutcome, index: &LineIndex, f: &Finding, mode: Mode) -> Value {
    let text = &o.original;
    let fix = f.fix.as_ref().map(|fix| {
        let edits: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "start": pos(index.line_col(text, e.start), e.start),
                    "end": pos(index.line_col(text, e.end), e.end),
                    "content": e.content,
                })
            })
            .collect();
        let new_files: Vec<Value> = fix
            .new_files
            .iter()
            .map(|n| json!({"path": new_file_path(path, &n.relative_path), "content": n.content}))
            .collect();
        json!({
            "title": fix.title,
            "applicability": fix.applicability.to_string(),
            "edits": edits,
            "new_files": new_files,
        })
    });
    json!({
        "code": f.rule.code,
        "name": f.rule.name,
        "tier": f.tier.get(),
        "severity": f.rule.severity.to_string(),
        "path": path,
        "start": pos(f.start_pos, f.start),
        "end": pos(f.end_pos, f.end),
        "message": f.message,
        "fix": fix,
        "applied": mode == Mode::Diff && was_applied(o, f),
        "note": f.note,
    })
}

fn error(e: &FileError) -> Value {
    json!({
        "path": e.path,
        "line": e.pos.map(|p| p.line),
        "col": e.pos.map(|p| p.col),
        "message": e.message,
    })
}
