//! What the engine needs from a parsed file of any format.

use std::borrow::Cow;

use serde_json::Value;

use crate::text::{ParseError, SourceText};

/// A parsed file that keeps its exact text. Parsing is strict enough to
/// serve as the validator of an edited text: whatever `parse` accepts, the
/// tool that reads the file accepts too, and vice versa as far as possible.
pub trait Document: Sized {
    fn parse(text: &str) -> Result<Self, ParseError>;

    /// The exact text the document was parsed from.
    fn text(&self) -> &str;

    /// The semantic value, compared before and after a fix: the value of the
    /// fixed text must equal this value with the fix's changes applied.
    /// Formatting, comments and quoting must not show in it.
    fn value(&self) -> Value;

    /// BOM, line endings and final newline of [`text`](Self::text).
    fn source_text(&self) -> SourceText {
        SourceText::of(self.text())
    }

    /// [`value`](Self::value), borrowed where the document keeps it.
    fn value_cow(&self) -> Cow<'_, Value> {
        Cow::Owned(self.value())
    }
}
