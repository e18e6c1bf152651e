//! Text output for people: findings, diffs and the summaries on stderr.

use std::io::{self, Write};
use std::path::Path;

use harden_core::{printable as p, Finding};
use harden_engine::FileOutcome;

use crate::{file_diff, Mode, Report};

/// Findings (check) or the diff (diff) of every file, in order.
pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    for (path, outcome) in report.files {
        match report.mode {
            Mode::Check => write_findings(out, path, &outcome.findings)?,
            Mode::Diff => write_diff(out, path, outcome, report.color)?,
        }
    }
    Ok(())
}

pub fn write_findings(out: &mut impl Write, path: &str, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        writeln!(
            out,
            "{}:{}: {} {} [tier {}, {}] {}",
            p(path),
            f.start_pos,
            f.rule.code,
            f.rule.name,
            f.tier,
            f.rule.severity,
            p(&f.message)
        )?;
        if let Some(fix) = &f.fix {
            writeln!(out, "    fix ({}): {}", fix.applicability, p(&fix.title))?;
        }
        if let Some(note) = &f.note {
            writeln!(out, "    note: {}", p(note))?;
        }
        writeln!(out, "    may break: {}", f.rule.breakage)?;
    }
    Ok(())
}

/// The path of a file a fix creates, next to the file it fixes.
pub fn new_file_path(path: &str, relative: &str) -> String {
    match Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        Some(dir) => format!("{}/{relative}", dir.display()),
        None => relative.to_string(),
    }
}

pub fn write_diff(
    out: &mut impl Write,
    path: &str,
    outcome: &FileOutcome,
    color: bool,
) -> io::Result<()> {
    let text = file_diff(path, outcome);
    if !color {
        // Exact, for `git apply`; every line starts with a diff marker.
        return out.write_all(text.as_bytes());
    }
    // On a terminal the file's own control characters are shown as escapes.
    for line in text.split_inclusive('\n') {
        let (raw, eol) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let body = &*p(raw);
        let style = if body.starts_with("diff --git")
            || body.starts_with("+++")
            || body.starts_with("---")
            || body.starts_with("new file")
        {
            "\x1b[1m"
        } else if body.starts_with('+') {
            "\x1b[32m"
        } else if body.starts_with('-') {
            "\x1b[31m"
        } else if body.starts_with("@@") {
            "\x1b[36m"
        } else {
            ""
        };
        if style.is_empty() {
            write!(out, "{body}{eol}")?;
        } else {
            write!(out, "{style}{body}\x1b[0m{eol}")?;
        }
    }
    Ok(())
}

/// One file's lines of the diff summary: what was applied, what remains.
pub fn write_file_diff_summary(out: &mut impl Write, path: &str, o: &FileOutcome) {
    for f in &o.applied {
        let fix = f.fix.as_ref().expect("applied findings have fixes");
        let _ = writeln!(
            out,
            "{}:{}: {} ({}, tier {}): {}",
            p(path),
            f.start_pos,
            f.rule.code,
            fix.applicability,
            f.tier,
            p(&fix.title)
        );
    }
    for f in o.remaining.iter() {
        let what = match (&f.fix, &f.note) {
            (Some(fix), _) => format!("not applied ({}): {}", fix.applicability, fix.title),
            (None, Some(note)) => format!("no automatic fix: {note}"),
            (None, None) => "no automatic fix".to_string(),
        };
        let _ = writeln!(
            out,
            "{}:{}: {} {}: {}",
            p(path),
            f.start_pos,
            f.rule.code,
            p(&f.message),
            p(&what)
        );
    }
    if !o.converged {
        let _ = writeln!(
            out,
            "{}: fixes did not settle within {} passes",
            p(path),
            harden_engine::MAX_PASSES
        );
    }
}

/// `1 file`, `2 files`, `2 fixes`.
pub fn plural(n: usize, word: &str) -> String {
    match n {
        1 => format!("1 {word}"),
        _ if word.ends_with(['s', 'x']) => format!("{n} {word}es"),
        _ => format!("{n} {word}s"),
    }
}

/// The counts of a check summary, added up file by file.
#[derive(Debug, Default)]
pub struct CheckTally {
    pub findings: usize,
    pub fixable: usize,
}

impl CheckTally {
    pub fn add(&mut self, findings: &[Finding]) {
        self.findings += findings.len();
        self.fixable += findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability > harden_core::Applicability::DisplayOnly)
            })
            .count();
    }

    /// `3 findings (2 fixable) in 4 files`.
    pub fn write(&self, out: &mut impl Write, files: usize) {
        let _ = writeln!(
            out,
            "{} ({} fixable) in {}",
            plural(self.findings, "finding"),
            self.fixable,
            plural(files, "file")
        );
    }
}

/// One line per container with a path to host root, which every other
/// protection of it waits on.
pub fn write_host_root<'a>(
    out: &mut impl Write,
    files: impl Iterator<Item = (&'a str, &'a Vec<harden_core::Finding>)>,
) {
    for (path, findings) in files {
        let mut seen: Vec<&str> = Vec::new();
        for (scope, f) in harden_rules::moot::host_root(findings) {
            if seen.contains(&scope) {
                continue;
            }
            seen.push(scope);
            let container = if scope.is_empty() {
                String::new()
            } else {
                format!(" service `{}`", p(scope))
            };
            let _ = writeln!(
                out,
                "host-root equivalent: {}{container} ({}: {})",
                p(path),
                f.rule.code,
                p(&f.message)
            );
        }
    }
}
