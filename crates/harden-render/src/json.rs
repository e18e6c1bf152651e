//! The JSON format, version 1 (documented in docs/output-formats.md).

use std::io::{self, Write};

use harden_core::{Finding, LineCol, LineIndex};
use harden_engine::{FileError, FileOutcome};
use serde_json::{json, Value};

use crate::text::new_file_path;
use crate::{file_diff, was_applied, Mode};

/// The version of the JSON shape; bumped on any incompatible change.
pub const VERSION: u64 = 1;

fn file_entry(path: &str, o: &FileOutcome, mode: Mode) -> Value {
    json!({
        "path": path,
        "changed": mode == Mode::Diff && o.changed(),
        "converged": o.converged,
        "diff": match mode {
            Mode::Diff => Value::String(file_diff(path, o)),
            Mode::Check => Value::Null,
        },
        // Every fix in the diff, in the order applied, including
        // those for findings that only arose after earlier fixes.
        "applied": match mode {
            Mode::Diff => o.applied.iter().map(applied_fix).collect(),
            Mode::Check => Vec::new(),
        },
    })
}

fn file_findings(path: &str, o: &FileOutcome, mode: Mode) -> Vec<Value> {
    let index = LineIndex::new(&o.original);
    o.findings
        .iter()
        .map(|f| finding(path, o, &index, f, mode))
        .collect()
}

/// The JSON document written as files finish: each file's entry goes out
/// at once, its findings are kept as text until the end, and the outcome
/// can go. The layout is `serde_json`'s pretty printing of the whole.
pub struct Stream {
    mode: Mode,
    files: usize,
    findings: Vec<u8>,
}

/// `"  "` per level, as `to_writer_pretty` indents.
pub(crate) fn indented(value: &Value, depth: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("a JSON value serializes");
    // A JSON text holds no raw newline inside a string: every newline is
    // layout, and nesting adds one indentation to each line.
    text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
}

impl Stream {
    /// Write the document's head.
    pub fn start(out: &mut impl Write, mode: Mode, tool_version: &str) -> io::Result<Stream> {
        let head = json!({"version": VERSION, "tool": {"name": "harden", "version": tool_version}, "mode": mode.name()});
        let head = indented(&head, 0);
        // Everything but the closing brace, then the `files` array opens.
        out.write_all(&head.as_bytes()[..head.len() - 2])?;
        out.write_all(b",\n  \"files\": [")?;
        Ok(Stream {
            mode,
            files: 0,
            findings: Vec::new(),
        })
    }

    /// Add one file's outcome: its entry is written now.
    pub fn add(&mut self, out: &mut impl Write, path: &str, o: &FileOutcome) -> io::Result<()> {
        let sep = if self.files == 0 { "\n    " } else { ",\n    " };
        out.write_all(sep.as_bytes())?;
        out.write_all(indented(&file_entry(path, o, self.mode), 2).as_bytes())?;
        self.files += 1;
        for f in file_findings(path, o, self.mode) {
            let sep = if self.findings.is_empty() {
                "\n    "
            } else {
                ",\n    "
            };
            self.findings.extend_from_slice(sep.as_bytes());
            self.findings.extend_from_slice(indented(&f, 2).as_bytes());
        }
        Ok(())
    }

    /// Close the document with the findings and `errors`.
    pub fn finish(self, out: &mut impl Write, errors: &[FileError]) -> io::Result<()> {
        let close =
            |out: &mut dyn Write, empty: bool| out.write_all(if empty { b"]" } else { b"\n  ]" });
        close(out, self.files == 0)?;
        out.write_all(b",\n  \"findings\": [")?;
        out.write_all(&self.findings)?;
        close(out, self.findings.is_empty())?;
        let errors: Vec<Value> = errors.iter().map(error).collect();
        out.write_all(b",\n  \"errors\": ")?;
        out.write_all(indented(&Value::Array(errors), 1).as_bytes())?;
        out.write_all(b"\n}\n")
    }
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
