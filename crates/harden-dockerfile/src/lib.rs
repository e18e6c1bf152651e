//! Dockerfiles as [`Document`]s: every instruction, flag, argument and
//! heredoc with its byte span in the original text, and a semantic value
//! (directives plus instructions, without comments or formatting).
//!
//! Parsing rests on `parse-dockerfile`; this crate owns the spans, adds what
//! Docker accepts but that parser does not (`ENTRYPOINT []`), guards against
//! hostile input, and maps the shell text of a `RUN` to the command string
//! Docker hands to the shell ([`LogicalText`]). Edits are byte splices on
//! these spans; nothing is re-printed from a tree.

mod logical;
mod model;
mod parse;
mod patch;
pub mod stages;
mod value;

pub use logical::LogicalText;
pub use model::{Args, Directives, Flag, HereDoc, Instruction, Source, Spanned, Stage};
pub use parse::MAX_BYTES;
pub use patch::{instruction_path, NewInstruction};
pub use value::{heredoc_body_value, instruction_value, shell_value};

use harden_core::{Document, LineIndex, ParseError, SourceText};
use serde_json::Value;

/// A parsed Dockerfile that keeps its exact text.
#[derive(Debug, Clone)]
pub struct DockerfileDoc {
    text: String,
    escape: char,
    directives: Directives,
    instructions: Vec<Instruction>,
    stages: Vec<Stage>,
    line_index: LineIndex,
}

impl Document for DockerfileDoc {
    fn parse(text: &str) -> Result<Self, ParseError> {
        parse::parse(text)
    }

    fn text(&self) -> &str {
        &self.text
    }

    fn value(&self) -> Value {
        value::value(self)
    }
}

impl DockerfileDoc {
    /// The escape character: `\` unless a `# escape=` directive says `` ` ``.
    pub fn escape(&self) -> char {
        self.escape
    }

    pub fn directives(&self) -> &Directives {
        &self.directives
    }

    /// Top-level instructions in file order; index `i` is `/instructions/i`
    /// in [`Document::value`].
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// Build stages in file order (the last one is the image that is run).
    pub fn stages(&self) -> &[Stage] {
        &self.stages
    }

    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The stage an instruction index belongs to (none for global `ARG`s).
    pub fn stage_of(&self, index: usize) -> Option<&Stage> {
        self.stages.iter().find(|s| s.instructions.contains(&index))
    }

    /// The stage whose `AS` name is `name` (case-insensitive, as Docker compares).
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    pub fn source(&self) -> SourceText {
        SourceText::of(&self.text)
    }

    /// The shell command Docker runs for a shell-form span (`RUN`, `CMD`,
    /// `ENTRYPOINT`, `HEALTHCHECK CMD`): escaped line breaks removed and
    /// comment lines inside the continuation dropped, each byte mapped back
    /// to the file.
    pub fn logical(&self, span: std::ops::Range<usize>) -> LogicalText {
        LogicalText::of_shell(&self.text, span, self.escape)
    }

    /// The body of a heredoc as the shell reads it, mapped to the file.
    pub fn heredoc_logical(&self, heredoc: &HereDoc) -> LogicalText {
        LogicalText::identity(&self.text, heredoc.span.clone())
    }

    /// Byte offset of the start of the line that holds `offset`.
    pub fn line_start_of(&self, offset: usize) -> usize {
        harden_core::text::line_start(&self.text, offset)
    }

    /// Where a new instruction can be appended after the last one: the end
    /// of its line. `None` when the file ends inside a line continuation
    /// (a last line ending in the escape character), where an appended line
    /// would join that instruction.
    pub fn append_offset(&self) -> Option<usize> {
        let last = self.instructions.last()?;
        let at = self.line_end_of(last.span.end);
        let open = self.text[..at]
            .trim_end_matches([' ', '\t'])
            .ends_with(self.escape());
        (!open).then_some(at)
    }

    /// Byte offset of the end of the line that holds `offset` (before `\r\n` or `\n`).
    pub fn line_end_of(&self, offset: usize) -> usize {
        harden_core::text::line_end(&self.text, offset)
    }
}

#[cfg(test)]
mod tests;
