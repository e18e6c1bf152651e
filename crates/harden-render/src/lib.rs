//! harden's output formats. Every renderer writes one run's results to an
//! `impl Write`:
//!
//! - `text`: what people read in a terminal (findings, or a unified diff);
//! - `json`: a documented, versioned shape (docs/output-formats.md);
//! - `sarif`: SARIF 2.1.0 with rules, results and fixes;
//! - `markdown`: a pull-request comment, a table and the diff;
//! - `github`: GitHub Actions workflow-command annotations.
//!
//! Paths and contents come from untrusted files, so each format escapes
//! them by its own rules (see [`escape`]).

pub mod escape;
pub mod github;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use harden_core::{Finding, RuleMeta};
use harden_engine::{FileError, FileOutcome};

/// The output formats of `check` and `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Markdown,
    Github,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Markdown,
        Format::Github,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Markdown => "markdown",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown format `{s}`"))
    }
}

/// Which command produced the run: `check` lists findings, `diff` also
/// carries the fixes that were applied to the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Diff,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Check => "check",
            Mode::Diff => "diff",
        }
    }
}

/// One run: the files processed (display path and outcome, in order), the
/// errors met, and the rules that ran.
pub struct Report<'a> {
    pub mode: Mode,
    pub files: &'a [(String, FileOutcome)],
    pub errors: &'a [FileError],
    /// The rules that ran, listed by SARIF even when they found nothing.
    pub rules: &'a [&'static RuleMeta],
    /// The version written into machine formats.
    pub tool_version: &'a str,
    /// Colour the text format.
    pub color: bool,
}

/// A machine format written as files finish: each file's part goes out
/// when it is added, the rest when the stream finishes.
pub enum Stream {
    Json(json::Stream),
    Sarif(sarif::Stream),
    Github(Mode),
}

impl Stream {
    /// The stream of `format`, its head written; `None` for the formats
    /// that need every file at once (text is printed by the caller,
    /// markdown's comment starts with its summary).
    pub fn start(
        out: &mut impl Write,
        format: Format,
        mode: Mode,
        rules: &[&'static RuleMeta],
        tool_version: &str,
    ) -> io::Result<Option<Stream>> {
        Ok(Some(match format {
            Format::Json => Stream::Json(json::Stream::start(out, mode, tool_version)?),
            Format::Sarif => Stream::Sarif(sarif::Stream::start(out, mode, rules, tool_version)?),
            Format::Github => Stream::Github(mode),
            Format::Text | Format::Markdown => return Ok(None),
        }))
    }

    pub fn add(&mut self, out: &mut impl Write, path: &str, o: &FileOutcome) -> io::Result<()> {
        match self {
            Stream::Json(s) => s.add(out, path, o),
            Stream::Sarif(s) => s.add(out, path, o),
            Stream::Github(mode) => github::write_file(out, path, o, *mode),
        }
    }

    pub fn finish(self, out: &mut impl Write, errors: &[FileError]) -> io::Result<()> {
        match self {
            Stream::Json(s) => s.finish(out, errors),
            Stream::Sarif(s) => s.finish(out, errors),
            Stream::Github(_) => github::write_errors(out, errors),
        }
    }
}

/// Write `report` in `format`.
pub fn render(out: &mut impl Write, format: Format, report: &Report) -> io::Result<()> {
    let rules = rule_list(report);
    match Stream::start(out, format, report.mode, &rules, report.tool_version)? {
        Some(mut stream) => {
            for (path, o) in report.files {
                stream.add(out, path, o)?;
            }
            stream.finish(out, report.errors)
        }
        None if format == Format::Markdown => markdown::write_report(out, report),
        None => text::write_report(out, report),
    }
}

/// The unified diff of one file's outcome, with the files its fixes create.
/// Empty when nothing changed.
pub fn file_diff(path: &str, outcome: &FileOutcome) -> String {
    let mut text = harden_core::unified_diff(path, Some(&outcome.original), &outcome.fixed, 3);
    for f in &outcome.applied {
        for new in f.fix.iter().flat_map(|x| &x.new_files) {
            text.push_str(&harden_core::unified_diff(
                &text::new_file_path(path, &new.relative_path),
                None,
                &new.content,
                3,
            ));
        }
    }
    text
}

/// The whole patch of a run: every file's diff, in order.
pub fn patch(files: &[(String, FileOutcome)]) -> String {
    files.iter().map(|(p, o)| file_diff(p, o)).collect()
}

/// Whether `finding` (on the original text) had its fix applied in `outcome`.
pub fn was_applied(outcome: &FileOutcome, finding: &Finding) -> bool {
    outcome.applied.iter().any(|a| a.key() == finding.key())
}

/// The rules to describe: those that ran plus any a finding names, by code.
pub(crate) fn rule_list(report: &Report) -> Vec<&'static RuleMeta> {
    let mut seen = HashSet::new();
    let mut rules: Vec<&'static RuleMeta> = report
        .rules
        .iter()
        .copied()
        .chain(
            report
                .files
                .iter()
                .flat_map(|(_, o)| o.findings.iter().map(|f| f.rule)),
        )
        .filter(|r| seen.insert(r.code))
        .collect();
    rules.sort_by_key(|r| r.code);
    rules
}
