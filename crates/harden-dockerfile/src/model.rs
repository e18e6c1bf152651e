//! The owned instruction model. Every span is a byte range of the file text
//! (a leading BOM included in the offsets).

use std::ops::Range;

/// A value with the byte range it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned {
    pub span: Range<usize>,
    pub value: String,
}

/// Parser directives at the top of the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    pub syntax: Option<Spanned>,
    pub escape: Option<Spanned>,
    pub check: Option<Spanned>,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Upper case, e.g. `RUN`.
    pub keyword: String,
    pub keyword_span: Range<usize>,
    /// From the keyword to the end of the last argument or heredoc
    /// terminator, without the final line break.
    pub span: Range<usize>,
    pub flags: Vec<Flag>,
    pub args: Args,
}

/// `--name` or `--name=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub span: Range<usize>,
    pub name: Spanned,
    pub value: Option<Spanned>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Shell form of `RUN`, `CMD`, `ENTRYPOINT`, `HEALTHCHECK CMD`: the raw
    /// text (escapes and comment lines kept) and, for `RUN <<EOF`, the heredocs.
    Shell {
        raw: Spanned,
        heredocs: Vec<HereDoc>,
    },
    /// A JSON array: exec form, `SHELL`, `VOLUME [...]`.
    Exec {
        span: Range<usize>,
        items: Vec<Spanned>,
    },
    /// One unescaped string: `ARG`, `ENV`, `LABEL`, `USER`, `WORKDIR`,
    /// `STOPSIGNAL`, `MAINTAINER`.
    Text(Spanned),
    /// Space-separated words: `EXPOSE`, `VOLUME` without brackets.
    Words(Vec<Spanned>),
    From {
        image: Spanned,
        alias: Option<Spanned>,
    },
    /// `ADD` and `COPY`.
    Files {
        sources: Vec<Source>,
        dest: Spanned,
    },
    /// `HEALTHCHECK NONE`.
    HealthcheckNone,
    Onbuild(Box<Instruction>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(Spanned),
    HereDoc(HereDoc),
}

/// A heredoc body (`span` covers the body, not the delimiter lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HereDoc {
    pub span: Range<usize>,
    /// False when the delimiter is quoted (no expansion).
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from each body line.
    pub strip_tabs: bool,
    /// The body after tab stripping.
    pub value: String,
}

/// A build stage: its `FROM` and the instructions up to the next `FROM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// Index of the `FROM` instruction.
    pub from: usize,
    /// Indices of the stage's instructions, `FROM` included.
    pub instructions: Range<usize>,
    /// The `AS` name.
    pub name: Option<String>,
}

impl Instruction {
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }

    /// The value of the last `--name` flag.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name.value == name)
    }

    /// The heredocs of a `RUN`.
    pub fn heredocs(&self) -> &[HereDoc] {
        match &self.args {
            Args::Shell { heredocs, .. } => heredocs,
            _ => &[],
        }
    }
}
