//! Escaping of untrusted text (paths and file contents) for each format.

/// Zero-width space: put after `@` so that no one is mentioned.
const ZWSP: char = '\u{200b}';

/// Line breaks made visible, for one-line contexts (table cells).
fn one_line(c: char) -> Option<&'static str> {
    match c {
        '\n' => Some("␊"),
        '\r' => Some("␍"),
        '\u{1b}' => Some("␛"),
        c if c.is_control() && c != '\t' => Some("\u{fffd}"),
        _ => None,
    }
}

/// Markdown plain text for a table cell: every ASCII punctuation character
/// that Markdown, GFM tables or HTML give a meaning gets a backslash, line
/// breaks become visible symbols, and `@` gets a zero-width space.
pub fn markdown_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(v) = one_line(c) {
            out.push_str(v);
        } else if c == '@' {
            out.push('@');
            out.push(ZWSP);
        } else if "\\`*_[]<>|~&!$".contains(c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A Markdown code span for a table cell holding `s` literally. The
/// delimiter is one backtick longer than any run inside; `|` is escaped for
/// the table (GFM removes that backslash, also inside code), line breaks
/// become visible symbols and `@` gets a zero-width space.
pub fn markdown_code(s: &str) -> String {
    let mut body = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(v) = one_line(c) {
            body.push_str(v);
        } else if c == '|' {
            body.push_str("\\|");
        } else if c == '@' {
            body.push('@');
            body.push(ZWSP);
        } else {
            body.push(c);
        }
    }
    let fence = "`".repeat(longest_run(s, '`') + 1);
    // A span that starts or ends with a backtick (or would lose a space at
    // both ends) needs a space of padding on each side.
    let pad = body.starts_with('`') || body.ends_with('`') || body.starts_with(' ');
    if pad {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

/// Markdown for a message written as text with `code` spans (how rule
/// messages and fix titles are written), when the code may hold file
/// content. Split at every backtick: even pieces are text, odd pieces are
/// code. Whatever backticks the content holds, no piece contains one, so
/// no piece can close another's span.
pub fn markdown_message(s: &str) -> String {
    let pieces: Vec<&str> = s.split('`').collect();
    // With an odd number of backticks the last one opens nothing.
    let balanced = pieces.len() % 2 == 1;
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let unmatched = !balanced && i + 1 == pieces.len();
        if i % 2 == 1 && !unmatched {
            if piece.is_empty() {
                out.push_str("\\`\\`");
            } else {
                out.push_str(&markdown_code(piece));
            }
        } else {
            if unmatched {
                out.push_str("\\`");
            }
            out.push_str(&markdown_text(piece));
        }
    }
    out
}

/// The fence for a fenced code block holding `content`: backticks, one more
/// than the longest run in it and at least three, so no line of the
/// content can close the block.
pub fn markdown_fence(content: &str) -> String {
    "`".repeat((longest_run(content, '`') + 1).max(3))
}

/// Text for HTML element content or attribute values.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' => {
                out.push('@');
                out.push(ZWSP);
            }
            _ => out.push(c),
        }
    }
    out
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

/// A workflow-command message (after `::`): `%`, CR and LF are encoded, so
/// the message stays on one line and cannot start another command.
pub fn workflow_data(s: &str) -> String {
    harden_core::controls_visible(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow-command property value (`file=...`): as [`workflow_data`],
/// plus `:` and `,`, which end a value.
pub fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A relative path as a URI reference (RFC 3986): unreserved characters and
/// `/` stay, every other byte is percent-encoded. An absolute path becomes
/// a `file://` URI.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_span_outlasts_backticks_in_content() {
        assert_eq!(markdown_code("a"), "`a`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x"), "``` ``x ```");
        assert_eq!(markdown_code("a|b\nc"), "`a\\|b␊c`");
    }

    #[test]
    fn message_pieces_never_hold_a_backtick() {
        assert_eq!(markdown_message("Remove `x`"), "Remove `x`");
        // a backtick from the file splits the span; nothing escapes
        let m = markdown_message("Remove `a`<img>`b`");
        assert_eq!(m, "Remove `a`\\<img\\>`b`");
        let odd = markdown_message("a `b");
        assert_eq!(odd, "a \\`b");
    }

    #[test]
    fn fence_is_longer_than_any_run() {
        assert_eq!(markdown_fence("x"), "```");
        assert_eq!(markdown_fence("````"), "`````");
    }

    #[test]
    fn workflow_escapes() {
        assert_eq!(workflow_data("50%\r\n::x"), "50%25%0D%0A::x");
        assert_eq!(workflow_data("a\u{1b}[2J"), "a\\x1b[2J");
        assert_eq!(workflow_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn uri_encodes_everything_but_unreserved() {
        assert_eq!(uri(".devcontainer/a b.json"), ".devcontainer/a%20b.json");
        assert_eq!(uri("/x/é"), "file:///x/%C3%A9");
        assert_eq!(uri("a\n%#?"), "a%0A%25%23%3F");
    }
}
