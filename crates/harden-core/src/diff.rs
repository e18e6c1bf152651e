//! Unified diffs that `git apply` accepts.

use similar::TextDiff;

/// A unified diff of `old` to `new` with `a/` and `b/` headers. A new file
/// gets `/dev/null` as its old side. Returns an empty string when equal.
pub fn unified_diff(path: &str, old: Option<&str>, new: &str, context: usize) -> String {
    let old_text = old.unwrap_or("");
    if old == Some(new) {
        return String::new();
    }
    // An absolute path is written as git does with --no-index (`a/etc/x`):
    // `a//etc/x` is refused by `git apply`. Such a patch applies from `/`.
    let path = path.trim_start_matches('/');
    let a = git_quote(&format!("a/{path}"));
    let b = git_quote(&format!("b/{path}"));
    let diff = TextDiff::from_lines(old_text, new);
    let old_header = if old.is_some() {
        a.clone()
    } else {
        "/dev/null".to_string()
    };
    let body = diff
        .unified_diff()
        .context_radius(context)
        .header(&old_header, &b)
        .to_string();
    if old.is_none() {
        format!("diff --git {a} {b}\nnew file mode 100644\n{body}")
    } else {
        format!("diff --git {a} {b}\n{body}")
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

    #[test]
    fn new_file_diff_starts_from_dev_null() {
        let d = unified_diff("seccomp.json", None, "{}\n", 3);
        assert!(d.contains(
            "new file mode 100644\n--- /dev/null\n+++ b/seccomp.json\n@@ -0,0 +1 @@\n+{}\n"
        ));
    }
}
