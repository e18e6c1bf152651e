//! Markdown for a pull-request comment or body: a table of the findings
//! (rule, file, change, tier, safety) and the diff in a collapsed block.
//!
//! Paths and messages carry file content, so every cell is escaped
//! ([`crate::escape`]): no HTML, no mentions, no breaking out of a cell,
//! and the diff's fence is longer than any backtick run in the diff.

use std::io::{self, Write};

use crate::escape::{html, markdown_code, markdown_fence, markdown_message};
use crate::{patch, was_applied, Mode, Report};

pub fn write_report(out: &mut impl Write, report: &Report) -> io::Result<()> {
    out.write_all(to_string(report).as_bytes())
}

pub fn to_string(report: &Report) -> String {
    let mut s = String::new();
    let findings: usize = report.files.iter().map(|(_, o)| o.findings.len()).sum();
    let applied: usize = report.files.iter().map(|(_, o)| o.applied.len()).sum();
    let changed = report.files.iter().filter(|(_, o)| o.changed()).count();
    s.push_str("### harden\n\n");
    match report.mode {
        Mode::Check => s.push_str(&format!(
            "{findings} {} in {} {}.\n\n",
            plural(findings, "finding", "findings"),
            report.files.len(),
            plural(report.files.len(), "file", "files"),
        )),
        Mode::Diff => s.push_str(&format!(
            "{findings} {}; {applied} {} in {changed} {}.\n\n",
            plural(findings, "finding", "findings"),
            plural(applied, "fix", "fixes"),
            plural(changed, "file", "files"),
        )),
    }
    s.push_str(&table(report));
    if report.mode == Mode::Diff {
        let diff = patch(report.files);
        if !diff.is_empty() {
            s.push_str(&details("Diff", &diff));
        }
    }
    if !report.errors.is_empty() {
        s.push_str("\n**Errors**\n\n");
        for e in report.errors {
            s.push_str(&format!("- {}\n", markdown_message(&e.to_string())));
        }
    }
    s
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// The findings table; empty when there are none.
pub fn table(report: &Report) -> String {
    let mut rows = Vec::new();
    for (path, o) in report.files {
        for f in &o.findings {
            let rule = format!("{} {}", markdown_code(f.rule.code), f.rule.name);
            let file = markdown_code(&format!("{path}:{}", f.start_pos));
            let (change, safety) = match &f.fix {
                Some(fix) => {
                    let title = markdown_message(&fix.title);
                    let change = if report.mode == Mode::Diff && !was_applied(o, f) {
                        format!("not applied: {title}")
                    } else {
                        title
                    };
                    (change, fix.applicability.to_string())
                }
                None => {
                    let why = f
                        .note
                        .as_deref()
                        .map(|n| format!("no automatic fix: {}", markdown_message(n)))
                        .unwrap_or_else(|| "no automatic fix".to_string());
                    (why, "–".to_string())
                }
            };
            rows.push(format!(
                "| {rule} | {file} | {} — {change} | {} | {safety} |\n",
                markdown_message(&f.message),
                f.tier
            ));
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut s =
        String::from("| Rule | File | Change | Tier | Safety |\n| --- | --- | --- | --- | --- |\n");
    s.extend(rows);
    s
}

/// A collapsed block holding `content` in a fenced code block.
pub fn details(summary: &str, content: &str) -> String {
    let fence = markdown_fence(content);
    let nl = if content.ends_with('\n') { "" } else { "\n" };
    format!(
        "\n<details>\n<summary>{}</summary>\n\n{fence}diff\n{content}{nl}{fence}\n\n</details>\n",
        html(summary)
    )
}
