//! The text a shell sees, mapped byte by byte to the file it came from.

use std::ops::Range;

/// Text derived from a file span, with each byte's offset in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalText {
    pub text: String,
    offsets: Vec<usize>,
    source: Range<usize>,
}

/// Whitespace as Docker's parser counts it around line continuations.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

impl LogicalText {
    /// The file bytes `span` unchanged.
    pub fn identity(file: &str, span: Range<usize>) -> Self {
        LogicalText {
            text: file[span.clone()].to_string(),
            offsets: span.clone().collect(),
            source: span,
        }
    }

    /// The command string Docker builds from a shell-form span: each
    /// `<escape>` at the end of a line (trailing blanks allowed) joins the
    /// next line, and blank or comment lines inside the continuation are
    /// dropped. Line breaks themselves never reach the shell.
    pub fn of_shell(file: &str, span: Range<usize>, escape: char) -> Self {
        let bytes = file.as_bytes();
        let mut text = String::with_capacity(span.len());
        let mut offsets = Vec::with_capacity(span.len());
        let mut line_start = span.start;
        let mut first = true;
        while line_start <= span.end {
            let nl = file[line_start..span.end]
                .find('\n')
                .map(|i| line_start + i);
            let line_end = nl.unwrap_or(span.end);
            let mut content_end = line_end;
            if content_end > line_start && bytes[content_end - 1] == b'\r' {
                content_end -= 1;
            }
            let line = &file[line_start..content_end];
            let skip = !first && {
                let t = line.trim_start_matches(|c: char| c.is_ascii() && is_ws(c as u8));
                t.is_empty() || t.starts_with('#')
            };
            first = false;
            if !skip {
                let trimmed = line.trim_end_matches([' ', '\t']);
                let continues = nl.is_some() && trimmed.ends_with(escape);
                let keep_end = if continues {
                    line_start + trimmed.len() - escape.len_utf8()
                } else {
                    content_end
                };
                text.push_str(&file[line_start..keep_end]);
                offsets.extend(line_start..keep_end);
                if !continues {
                    break;
                }
            }
            match nl {
                Some(i) => line_start = i + 1,
                None => break,
            }
        }
        LogicalText {
            text,
            offsets,
            source: span,
        }
    }

    /// The file span this text was read from.
    pub fn source(&self) -> Range<usize> {
        self.source.clone()
    }

    /// File offset of logical byte `i` (`i == len` maps to just after the last byte).
    pub fn offset(&self, i: usize) -> usize {
        match self.offsets.get(i) {
            Some(&o) => o,
            None => self.offsets.last().map_or(self.source.start, |&o| o + 1),
        }
    }

    /// The file range covering logical `range`. An empty range maps to the
    /// point just after the logical byte before it, so an insertion stays
    /// on the line of the text it follows.
    pub fn to_source(&self, range: Range<usize>) -> Range<usize> {
        if range.start < range.end {
            self.offsets[range.start]..self.offsets[range.end - 1] + 1
        } else {
            let at = if range.start == 0 {
                self.source.start
            } else {
                self.offsets[range.start - 1] + 1
            };
            at..at
        }
    }

    /// Whether logical `range` is one unbroken run of file bytes.
    pub fn is_contiguous(&self, range: Range<usize>) -> bool {
        range.start >= range.end
            || self.offsets[range.end - 1] - self.offsets[range.start]
                == range.end - 1 - range.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_drops_comment_and_blank_lines() {
        let file = "RUN a \\\n  # note \\\n\n    && b \\  \r\n c";
        let span = 4..file.len();
        let l = LogicalText::of_shell(file, span.clone(), '\\');
        assert_eq!(l.text, "a     && b  c");
        let b = l.text.find('b').unwrap();
        assert_eq!(&file[l.to_source(b..b + 1)], "b");
        assert_eq!(&file[l.to_source(0..l.text.len())], &file[span]);
        assert!(!l.is_contiguous(0..l.text.len()));
        // An insertion after `a` lands before the escape on the first line.
        assert_eq!(l.to_source(1..1), 5..5);
    }

    #[test]
    fn backtick_escape() {
        let file = "RUN a `\n b \\\n c";
        let l = LogicalText::of_shell(file, 4..file.len(), '`');
        assert_eq!(l.text, "a  b \\");
    }
}
