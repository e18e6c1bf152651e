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

/// `s` as one POSIX shell word: as it is when it holds only characters no
/// shell treats specially, else single-quoted (`'` written as `'\''`).
pub fn quote(s: &str) -> std::borrow::Cow<'_, str> {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '.' | '_' | '-' | '+' | '/' | ':' | '=' | ',' | '@')
        });
    if plain {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(format!("'{}'", s.replace('\'', "'\\''")))
    }
}

#[cfg(test)]
mod quote_tests {
    #[test]
    fn words_are_quoted_only_when_needed() {
        assert_eq!(super::quote("curl"), "curl");
        assert_eq!(super::quote(""), "''");
        assert_eq!(super::quote("$(id)"), "'$(id)'");
        assert_eq!(super::quote("a'b c"), "'a'\\''b c'");
        // No substitution survives quoting: one command, two words.
        let parsed = crate::parse(&format!("echo {}", super::quote("x'$(id)`y`")));
        let commands = parsed.all_commands();
        assert_eq!(commands.len(), 1);
        assert_eq!(commands[0].words.len(), 2);
    }
}
