//! Unified diffs that `git apply` accepts.

use similar::TextDiff;

/// A unified diff of `old` to `new` with `a/` and `b/` headers. A new file
/// gets `/dev/null` as its old side. Returns an empty string when equal.
pub fn unified_diff(path: &str, old: Option<&str>, new: &str, context: usize) -> String {
    let old_text = old.unwrap_or("");
    if old == Some(new) {
        return String::new();
    }
    let diff = TextDiff::from_lines(old_text, new);
    let old_header = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    let body = diff
        .unified_diff()
        .context_radius(context)
        .header(&old_header, &format!("b/{path}"))
        .to_string();
    if old.is_none() {
        format!("diff --git a/{path} b/{path}\nnew file mode 100644\n{body}")
    } else {
        format!("diff --git a/{path} b/{path}\n{body}")
    }
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
    fn new_file_diff_starts_from_dev_null() {
        let d = unified_diff("seccomp.json", None, "{}\n", 3);
        assert!(d.contains(
            "new file mode 100644\n--- /dev/null\n+++ b/seccomp.json\n@@ -0,0 +1 @@\n+{}\n"
        ));
    }
}
