use harden_core::{Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_dockerfile::{heredoc_body_value, Args, LogicalText, Source};
use harden_shell::TextEdit;
use serde_json::Value;

use super::{instruction_path, stable_targets};
use crate::{Check, DockerfileCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DF002",
    name: "passwordless-sudo",
    kind: FileKind::Dockerfile,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "A sudoers rule lets a user run every command as root without a password (`NOPASSWD: ALL`)",
    breakage: "Lifecycle scripts (`postCreateCommand`, …) and tools that call `sudo` fail. Give those commands their own `NOPASSWD:` rule, or run them at build time as root",
    doc: include_str!("../../../../docs/rules/DF002.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

const TITLE: &str = "Remove `NOPASSWD:` so that sudo asks for a password";

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    for site in cx.shell_sites() {
        let hits = nopasswd_all(&site.text.text, true);
        let Some(first) = hits.first() else { continue };
        let edits: Vec<TextEdit> = hits
            .iter()
            .map(|r| TextEdit {
                range: r.clone(),
                text: String::new(),
            })
            .collect();
        let range = site.source_range(first.start..first.end + 3);
        let fix = site.fix(&edits, TITLE, Applicability::Unsafe);
        out.push(finding(range, "NOPASSWD".into(), hits.len()).with_fix(fix));
    }
    // A sudoers file written by `COPY <<EOF /etc/sudoers.d/x`.
    for (index, ins) in doc.instructions().iter().enumerate() {
        let Args::Files { sources, dest } = &ins.args else {
            continue;
        };
        if !dest.value.starts_with("/etc/sudoers") {
            continue;
        }
        for (k, s) in sources.iter().enumerate() {
            let Source::HereDoc(h) = s else { continue };
            let text = doc.heredoc_logical(h);
            let hits = nopasswd_all(&text.text, false);
            let Some(first) = hits.first() else { continue };
            let new_raw = harden_shell::apply(
                &text.text,
                &hits
                    .iter()
                    .map(|r| TextEdit {
                        range: r.clone(),
                        text: String::new(),
                    })
                    .collect::<Vec<_>>(),
            );
            let path = instruction_path(index)
                .child("sources")
                .child(k)
                .child("body");
            let fix = Fix::new(
                TITLE,
                Applicability::Unsafe,
                hits.iter()
                    .map(|r| Edit::delete(text.to_source(r.clone())))
                    .collect(),
                vec![Change::Set {
                    path: path.clone(),
                    value: Value::String(heredoc_body_value(&new_raw, h.strip_tabs)),
                }],
            );
            let range = source_range(&text, first.start..first.end + 3);
            out.push(finding(range, "NOPASSWD".into(), hits.len()).with_fix(fix));
        }
    }
    out.sort_by_key(|f| f.start);
    let targets = stable_targets(out.iter().map(|f| f.target.clone()).collect());
    for (f, t) in out.iter_mut().zip(targets) {
        f.target = t;
    }
    out
}

fn source_range(text: &LogicalText, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    text.to_source(r)
}

fn finding(range: std::ops::Range<usize>, target: String, n: usize) -> Finding {
    let what = if n == 1 {
        "a sudoers rule".to_string()
    } else {
        format!("{n} sudoers rules")
    };
    Finding::new(
        &META,
        range,
        target,
        format!("{what} with `NOPASSWD: ALL`: any process of the user becomes root without a password"),
    )
    .with_note("sudo will ask for a password: give the user one, or allow only the commands it needs (`NOPASSWD: /usr/local/bin/init-firewall.sh`)")
}

/// Ranges of `NOPASSWD:` plus the blanks after it, wherever the tag list
/// ends in the command `ALL`. In shell text, `#` comments are skipped.
fn nopasswd_all(text: &str, shell: bool) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find("NOPASSWD").map(|i| from + i) {
        from = i + 8;
        if in_comment(text, i, shell) {
            continue;
        }
        let mut j = i + 8;
        while j < b.len() && matches!(b[j], b' ' | b'\t') {
            j += 1;
        }
        if b.get(j) != Some(&b':') {
            continue;
        }
        j += 1;
        // Escaped blanks (`NOPASSWD:\ ALL`) count as blanks.
        while j < b.len()
            && (matches!(b[j], b' ' | b'\t') || (b[j] == b'\\' && b.get(j + 1) == Some(&b' ')))
        {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let all = text[j..].starts_with("ALL")
            && !b
                .get(j + 3)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
        if all {
            out.push(i..j);
        }
    }
    out
}

/// Whether offset `i` is inside a `#` comment of its line.
fn in_comment(text: &str, i: usize, shell: bool) -> bool {
    let line_start = text[..i].rfind('\n').map_or(0, |k| k + 1);
    let before = &text[line_start..i];
    if !shell {
        return before.trim_start().starts_with('#');
    }
    // A `#` that starts a word, outside quotes, starts a shell comment.
    let mut quote: Option<char> = None;
    let mut prev_blank = true;
    let mut escaped = false;
    for c in before.chars() {
        if escaped {
            escaped = false;
            prev_blank = false;
            continue;
        }
        match (quote, c) {
            (None, '#') if prev_blank => return true,
            (None | Some('"'), '\\') => escaped = true,
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        prev_blank = quote.is_none() && (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|');
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nopasswd_all_only() {
        let t = r#"echo "$U ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/$U && echo 'u ALL=(root) NOPASSWD: /usr/bin/fw' >> x && echo u ALL=\(root\) NOPASSWD: ALL > y"#;
        let hits = nopasswd_all(t, true);
        assert_eq!(hits.len(), 2);
        assert_eq!(&t[hits[0].clone()], "NOPASSWD:");
        assert_eq!(&t[hits[1].clone()], "NOPASSWD: ");
        assert!(nopasswd_all("echo hi # x ALL=(ALL) NOPASSWD:ALL", true).is_empty());
        assert!(nopasswd_all("u ALL=(ALL) NOPASSWD:ALLOW", true).is_empty());
        assert_eq!(
            nopasswd_all("u ALL=(ALL) NOPASSWD:SETENV: ALL", true).len(),
            0
        );
    }
}
