//! Untrusted text (paths, keys and values from the files harden reads) made
//! safe for a terminal or a CI log: control characters, ESC and the
//! Unicode bidirectional controls become visible escapes, and `::` (the
//! start of a GitHub Actions workflow command) is broken, so no input can
//! move the cursor, recolour the screen, forge a line or issue a command.

use std::borrow::Cow;

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape<'a>(s: &'a str, keep_breaks: &[char], break_commands: bool) -> Cow<'a, str> {
    let dangerous = |c: char| needs_escape(c) && !keep_breaks.contains(&c);
    // Printable ASCII and tabs need nothing but the `::` check.
    let plain = s.bytes().all(|b| (0x20..0x7f).contains(&b) || b == b'\t');
    if !((!plain && s.contains(dangerous)) || (break_commands && s.contains("::"))) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut prev_colon = false;
    for c in s.chars() {
        match c {
            c if keep_breaks.contains(&c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ':' if prev_colon && break_commands => {
                // `::` becomes `:\x3a`: still readable, never a command.
                out.push_str("\\x3a");
                prev_colon = false;
                continue;
            }
            c if dangerous(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if dangerous(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
        prev_colon = c == ':';
    }
    Cow::Owned(out)
}

/// One line of text: line breaks too become escapes (`\n`).
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, &[], true)
}

/// Text whose line breaks are kept (a message whose lines are encoded
/// later, as workflow commands do); everything else as [`printable`].
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape(s, &['\n'], true)
}

/// Only the control characters other than CR and LF made visible, for a
/// format that encodes line breaks itself and where `::` starts nothing
/// (a workflow command's message after its own `::`).
pub fn controls_visible(s: &str) -> Cow<'_, str> {
    escape(s, &['\n', '\r'], false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(printable("a/b.json: key `x`"), Cow::Borrowed(_)));
    }

    #[test]
    fn controls_commands_and_bidi_are_visible() {
        assert_eq!(
            printable("a\n::error file=x::y"),
            "a\\n:\\x3aerror file=x:\\x3ay"
        );
        assert_eq!(printable("\u{1b}[31mred"), "\\x1b[31mred");
        assert_eq!(printable("x\u{202e}y\u{85}"), "x\\u{202e}y\\x85");
        assert_eq!(printable("tab\tok\r"), "tab\tok\\r");
        assert_eq!(printable(":::"), ":\\x3a:");
        assert_eq!(printable_lines("a\n\u{7}b"), "a\n\\x07b");
        assert_eq!(controls_visible("a\r\n::\u{1b}"), "a\r\n::\\x1b");
    }
}
