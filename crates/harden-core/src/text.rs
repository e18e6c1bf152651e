//! Byte offsets, 1-based line/column positions and the line-ending facts a
//! rewrite must keep.

use std::fmt;

/// Byte offset of the start of the line that holds `pos`.
pub fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset of the end of the line that holds `pos`, before its line
/// break (`\r\n` or `\n`), or the end of the text.
pub fn line_end(text: &str, pos: usize) -> usize {
    let nl = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    if nl > pos && text.as_bytes()[nl - 1] == b'\r' {
        nl - 1
    } else {
        nl
    }
}

/// At most `max` characters of `text`, with `…` when it was cut: a piece of
/// a file's command shown in a message.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out: String = text.chars().take(max).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// A Linux capability's name as Docker spells it: `cap_sys_admin`,
/// `CAP_SYS_ADMIN` and `SYS_ADMIN` are all `SYS_ADMIN`.
pub fn capability_name(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Maps byte offsets to line/column positions. A line ends after `\n`, so a
/// CRLF file maps the same way as an LF file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { line_starts }
    }

    /// Position of `offset` in `text` (the text this index was built from).
    /// Offsets past the end clamp to the end; offsets inside a character
    /// count as that character.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = text[start..]
            .char_indices()
            .take_while(|(i, _)| start + i < offset)
            .count();
        LineCol {
            line: line + 1,
            col: col + 1,
        }
    }

    /// Byte offset of the start of the 1-based `line`, if it exists.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// Byte offset of a 1-based line and character column; `None` when out of range.
    pub fn offset(&self, text: &str, pos: LineCol) -> Option<usize> {
        let start = self.line_start(pos.line)?;
        let line_end = self
            .line_starts
            .get(pos.line)
            .copied()
            .unwrap_or(text.len());
        let mut chars = text[start..line_end].char_indices();
        let col0 = pos.col.checked_sub(1)?;
        match chars.nth(col0) {
            Some((i, _)) => Some(start + i),
            None if col0 == text[start..line_end].chars().count() => Some(line_end),
            None => None,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// The byte-level facts of a file that a rewrite must preserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceText {
    pub has_bom: bool,
    pub line_ending: LineEnding,
    pub final_newline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnding {
    Lf,
    Crlf,
    /// Both `\n` and `\r\n` occur.
    Mixed,
    /// The file has no line break at all.
    None,
}

impl LineEnding {
    /// The line break to write into new lines.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Crlf => "\r\n",
            _ => "\n",
        }
    }
}

impl SourceText {
    pub fn of(text: &str) -> Self {
        let crlf = text.matches("\r\n").count();
        let lf = text.matches('\n').count();
        let line_ending = match (crlf, lf) {
            (_, 0) => LineEnding::None,
            (c, l) if c == l => LineEnding::Crlf,
            (0, _) => LineEnding::Lf,
            _ => LineEnding::Mixed,
        };
        SourceText {
            has_bom: text.starts_with('\u{feff}'),
            line_ending,
            final_newline: text.ends_with('\n'),
        }
    }
}

/// A parse failure located in the file, rendered as `line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: LineCol,
    pub message: String,
}

/// The longest excerpt of a file a parse error may quote: a file that does
/// not parse may be one that should never have been read, so its content
/// reaches a message only as a short, escaped excerpt.
pub const MAX_EXCERPT_CHARS: usize = 24;

/// A parser's message with every quoted part (`'…'`, `"…"`, `` `…` ``)
/// shortened to [`MAX_EXCERPT_CHARS`] and the whole at most four times that.
pub fn bounded_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(256));
    let mut quote: Option<char> = None;
    let mut quoted = 0usize;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {
                quoted += 1;
                if quoted <= MAX_EXCERPT_CHARS {
                    out.push(c);
                } else if quoted == MAX_EXCERPT_CHARS + 1 {
                    out.push('…');
                }
            }
            None => {
                if matches!(c, '\'' | '"' | '`') {
                    quote = Some(c);
                    quoted = 0;
                }
                out.push(c);
            }
        }
        if out.chars().count() >= 4 * MAX_EXCERPT_CHARS {
            out.push('…');
            break;
        }
    }
    out
}

impl ParseError {
    pub fn new(line: usize, col: usize, message: impl Into<String>) -> Self {
        ParseError {
            pos: LineCol { line, col },
            message: bounded_message(&message.into()),
        }
    }

    /// Locate a byte offset of `text` for the error.
    pub fn at_offset(text: &str, offset: usize, message: impl Into<String>) -> Self {
        ParseError {
            pos: LineIndex::new(text).line_col(text, offset),
            message: bounded_message(&message.into()),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_quote_only_short_excerpts() {
        let e = ParseError::new(
            1,
            1,
            "unknown instruction 'https://bob:ghp_0123456789abcdef@github.com'",
        );
        assert_eq!(e.message, "unknown instruction 'https://bob:ghp_01234567…'");
        let long = "x".repeat(500);
        assert!(ParseError::new(1, 1, long).message.chars().count() <= 4 * MAX_EXCERPT_CHARS + 1);
        assert_eq!(
            ParseError::new(1, 1, "unknown instruction 'FOO'").message,
            "unknown instruction 'FOO'"
        );
    }

    #[test]
    fn line_col_counts_characters_and_handles_crlf() {
        let text = "ab\r\néx\nlast";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, col: 1 });
        assert_eq!(idx.line_col(text, 4), LineCol { line: 2, col: 1 });
        // 'x' follows the two-byte 'é'
        assert_eq!(idx.line_col(text, 6), LineCol { line: 2, col: 2 });
        assert_eq!(idx.line_col(text, text.len()), LineCol { line: 3, col: 5 });
        assert_eq!(idx.offset(text, LineCol { line: 2, col: 2 }), Some(6));
        assert_eq!(idx.offset(text, LineCol { line: 9, col: 1 }), None);
    }

    #[test]
    fn source_text_detects_eol_bom_and_final_newline() {
        let s = SourceText::of("\u{feff}a\r\nb\r\n");
        assert!(s.has_bom);
        assert_eq!(s.line_ending, LineEnding::Crlf);
        assert!(s.final_newline);
        assert_eq!(SourceText::of("a\nb\r\n").line_ending, LineEnding::Mixed);
        assert_eq!(SourceText::of("a").line_ending, LineEnding::None);
        assert!(!SourceText::of("a\nb").final_newline);
    }
}
