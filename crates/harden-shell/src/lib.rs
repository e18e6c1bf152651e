//! Shell text as far as harden needs it: a forgiving parser that keeps the
//! byte range of every word, command and operator ([`parse()`]), and a
//! matcher for downloads executed without a check ([`find`]):
//!
//! - `curl -fsSL URL | sh`, `| bash -s -- args`, `| sudo -E bash -`,
//!   `wget -qO- URL | sh`, `| python3 -`, `| bash /dev/stdin args`
//! - `sh -c "$(curl -fsSL URL)" -- args`, `eval "$(wget -O- URL)"`
//! - `bash <(curl -s URL)`, `source <(curl URL)`, `bash < <(curl URL)`
//!
//! Each [`Match`] can rewrite itself to download into a file, check the
//! file's sha256 and run the file ([`Match::rewrite`]); the rest of the
//! script is left as it is. Ranges are byte offsets of the parsed text, so
//! a caller that parsed a derived text (a Dockerfile `RUN` with its line
//! continuations removed) maps them back itself.

mod commands;
mod matcher;
mod parse;

pub use commands::{
    download, normalize, program, runner, Download, OutputSlot, Program, Runner, Tool,
};
pub use matcher::{apply, find, is_sha256, Match, MatchKind, TextEdit, DEFAULT_INTERPRETERS};
pub use parse::{parse, Command, ListOp, Pipeline, Redirect, Script, Subst, SubstKind, Word};

#[cfg(test)]
mod tests;
