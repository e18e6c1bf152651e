//! Unified diffs that `git apply` accepts.

use std::ops::Range;

use similar::{DiffTag, TextDiff};

/// A unified diff of `old` to `new` with `a/` and `b/` headers. A new file
/// gets `/dev/null` as its old side. Returns an empty string when equal.
pub fn unified_diff(path: &str, old: Option<&str>, new: &str, context: usize) -> String {
    if old == Some(new) {
        return String::new();
    }
    // An absolute path is written as git does with --no-index (`a/etc/x`):
    // `a//etc/x` is refused by `git apply`. Such a patch applies from `/`.
    let path = path.trim_start_matches('/');
    let a = git_quote(&format!("a/{path}"));
    let b = git_quote(&format!("b/{path}"));
    let mut out = String::with_capacity(new.len() + old.map_or(0, str::len) / 4 + 128);
    for part in ["diff --git ", &a, " ", &b, "\n"] {
        out.push_str(part);
    }
    let Some(old) = old else {
        out.push_str("new file mode 100644\n");
        if !new.is_empty() {
            let lines = TextDiff::from_lines("", new);
            let count = lines.new_len();
            push_headers(&mut out, "/dev/null", &b);
            push_hunk_header(&mut out, 0..0, 0..count);
            for i in 0..count {
                push_line(&mut out, '+', lines.new_slice(i).unwrap_or(""));
            }
        }
        return out;
    };
    let diff = TextDiff::from_lines(old, new);
    let mut headers = false;
    for group in diff.grouped_ops(context) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        if !headers {
            push_headers(&mut out, &a, &b);
            headers = true;
        }
        push_hunk_header(
            &mut out,
            first.old_range().start..last.old_range().end,
            first.new_range().start..last.new_range().end,
        );
        for op in &group {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            let old_lines = old_range.map(|i| diff.old_slice(i).unwrap_or(""));
            let new_lines = new_range.map(|i| diff.new_slice(i).unwrap_or(""));
            match tag {
                DiffTag::Equal => old_lines.for_each(|l| push_line(&mut out, ' ', l)),
                DiffTag::Delete => old_lines.for_each(|l| push_line(&mut out, '-', l)),
                DiffTag::Insert => new_lines.for_each(|l| push_line(&mut out, '+', l)),
                DiffTag::Replace => {
                    old_lines.for_each(|l| push_line(&mut out, '-', l));
                    new_lines.for_each(|l| push_line(&mut out, '+', l));
                }
            }
        }
    }
    out
}

fn push_headers(out: &mut String, old: &str, new: &str) {
    for part in ["--- ", old, "\n+++ ", new, "\n"] {
        out.push_str(part);
    }
}

/// `@@ -1,2 +1,3 @@`: a range of one line is its number alone, an empty
/// range starts at the line before it.
fn push_hunk_header(out: &mut String, old: Range<usize>, new: Range<usize>) {
    use std::fmt::Write;
    let range = |r: Range<usize>| match r.len() {
        1 => (r.start + 1).to_string(),
        0 => format!("{},0", r.start),
        n => format!("{},{n}", r.start + 1),
    };
    let _ = writeln!(out, "@@ -{} +{} @@", range(old), range(new));
}

/// One line with its tag; a last line without a line break gets git's
/// marker for it.
fn push_line(out: &mut String, tag: char, line: &str) {
    out.push(tag);
    out.push_str(line);
    if !line.ends_with(['\n', '\r']) {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Quote a path the way git does when it holds control characters, quotes,
/// backslashes or non-ASCII bytes, so that no path can break a header line.
pub fn git_quote(path: &str) -> String {
    let plain = path
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if plain {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for b in path.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_has_git_headers_and_marks_missing_final_newline() {
        let d = unified_diff("x.json", Some("a\nb"), "a\nc", 3);
        assert!(d.starts_with("diff --git a/x.json b/x.json\n--- a/x.json\n+++ b/x.json\n"));
        assert!(d.contains("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"));
        assert_eq!(unified_diff("x", Some("same"), "same", 3), "");
    }

    #[test]
    fn absolute_paths_get_no_double_slash() {
        let d = unified_diff("/etc/docker/daemon.json", Some("{}\n"), "{\"a\": 1}\n", 3);
        assert!(
            d.starts_with("diff --git a/etc/docker/daemon.json b/etc/docker/daemon.json\n--- a/etc/docker/daemon.json\n+++ b/etc/docker/daemon.json\n"),
            "{d}"
        );
    }

    #[test]
    fn unusual_paths_are_quoted_like_git() {
        let d = unified_diff("x\n::warning::y.json", Some("a\n"), "b\n", 3);
        assert!(
            d.starts_with("diff --git \"a/x\\n::warning::y.json\" \"b/x\\n::warning::y.json\"\n"),
            "{d}"
        );
        assert_eq!(d.lines().count(), 6, "no header line is split: {d}");
        assert_eq!(git_quote("a/é"), "\"a/\\303\\251\"");
        assert_eq!(git_quote("a/plain name.json"), "a/plain name.json");
    }

    /// The hunks are those similar's own unified formatter writes.
    #[test]
    fn hunks_match_similars_formatter() {
        let texts = [
            "",
            "a\n",
            "a",
            "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n",
            "a\nB\nc\nd\ne\nf\ng\nh\nI\nj",
            "a\r\nb\r\nc\r\n",
            "a\r\nx\r\nc\r\nd",
            "a\rb\rc",
            "\n\n\n",
            "only\n\nblank\n\n",
        ];
        for old in texts {
            for new in texts {
                for context in [0, 1, 3] {
                    let ours = unified_diff("f", Some(old), new, context);
                    let theirs = if old == new {
                        String::new()
                    } else {
                        let body = TextDiff::from_lines(old, new)
                            .unified_diff()
                            .context_radius(context)
                            .header("a/f", "b/f")
                            .to_string();
                        format!("diff --git a/f b/f\n{body}")
                    };
                    assert_eq!(ours, theirs, "{old:?} -> {new:?}, context {context}");
                }
            }
            let ours = unified_diff("f", None, old, 3);
            let body = TextDiff::from_lines("", old)
                .unified_diff()
                .header("/dev/null", "b/f")
                .to_string();
            let theirs = format!("diff --git a/f b/f\nnew file mode 100644\n{body}");
            assert_eq!(ours, theirs, "new file {old:?}");
        }
    }

    #[test]
    fn new_file_diff_starts_from_dev_null() {
        let d = unified_diff("seccomp.json", None, "{}\n", 3);
        assert!(d.contains(
            "new file mode 100644\n--- /dev/null\n+++ b/seccomp.json\n@@ -0,0 +1 @@\n+{}\n"
        ));
    }
}
