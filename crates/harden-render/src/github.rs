//! GitHub Actions workflow commands: one annotation per finding and error.
//! Property values escape `%`, CR, LF, `:` and `,`; messages escape `%`, CR
//! and LF, so file content can neither end a value nor start a command.

use std::io::{self, Write};

use harden_core::Severity;

use crate::escape::{workflow_data, workflow_property};
use harden_engine::{FileError, FileOutcome};

use crate::{was_applied, Mode};

/// One file's annotations: written as the file finishes.
pub fn write_file(out: &mut impl Write, path: &str, o: &FileOutcome, mode: Mode) -> io::Result<()> {
    for f in &o.findings {
        let command = match f.rule.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(fix) = &f.fix {
            let state = if mode == Mode::Diff && was_applied(o, f) {
                "fixed in the diff"
            } else {
                "fix"
            };
            message.push_str(&format!("\n{state} ({}): {}", fix.applicability, fix.title));
        }
        if let Some(note) = &f.note {
            message.push_str(&format!("\nnote: {note}"));
        }
        message.push_str(&format!("\nmay break: {}", f.rule.breakage));
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            workflow_property(path),
            f.start_pos.line,
            f.start_pos.col,
            f.end_pos.line,
            f.end_pos.col,
            workflow_property(&format!(
                "{} {} (tier {})",
                f.rule.code, f.rule.name, f.tier
            )),
            workflow_data(&message),
        )?;
    }
    Ok(())
}

/// The errors' annotations, after every file's.
pub fn write_errors(out: &mut impl Write, errors: &[FileError]) -> io::Result<()> {
    for e in errors {
        let mut props = format!("file={}", workflow_property(&e.path));
        if let Some(p) = e.pos {
            props.push_str(&format!(",line={},col={}", p.line, p.col));
        }
        writeln!(
            out,
            "::error {props},title=harden::{}",
            workflow_data(&e.message)
        )?;
    }
    Ok(())
}
