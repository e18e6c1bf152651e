//! From `parse-dockerfile`'s borrowed tree to the owned model, with the
//! guards and the pre-pass that make it fit for untrusted files.

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use harden_core::{LineIndex, ParseError};
use parse_dockerfile as pd;

use crate::model::*;
use crate::DockerfileDoc;

/// The largest file harden parses. Real Dockerfiles are far smaller; the
/// limit keeps a hostile file from costing more than a moment.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// How many `ENTRYPOINT []` lines the pre-pass patches before giving up.
const MAX_PATCHES: usize = 256;

const BOM: &str = "\u{feff}";

pub(crate) fn parse(text: &str) -> Result<DockerfileDoc, ParseError> {
    if text.len() > MAX_BYTES {
        return Err(ParseError::new(
            1,
            1,
            format!(
                "the file has {} bytes; harden reads Dockerfiles of at most {} bytes",
                text.len(),
                MAX_BYTES
            ),
        ));
    }
    if let Some(i) = text.find('\0') {
        return Err(ParseError::at_offset(
            text,
            i,
            "NUL byte: this is not a text Dockerfile",
        ));
    }
    let shift = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &text[shift..];
    // Docker accepts `ENTRYPOINT []` (it clears the entrypoint) but the
    // parser does not: such lines are parsed from a copy where `[` becomes
    // `_` (same length, so every span holds) and turned back into an empty
    // exec form afterwards.
    let mut patched: Option<String> = None;
    let mut empty_exec: Vec<usize> = Vec::new();
    loop {
        let src = patched.as_deref().unwrap_or(body);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pd::parse(src).map(|d| build(text, shift, src, d, &empty_exec))
        }));
        let err = match outcome {
            Ok(Ok(doc)) => return Ok(doc),
            Ok(Err(e)) => e,
            Err(_) => {
                return Err(ParseError::new(
                    1,
                    1,
                    "the Dockerfile parser failed on this input",
                ))
            }
        };
        let located = locate(body, &err);
        if empty_exec.len() < MAX_PATCHES {
            if let Some(bracket) = located.and_then(|at| empty_entrypoint_bracket(src, at, &err)) {
                let mut copy = src.to_string();
                copy.replace_range(bracket..bracket + 1, "_");
                patched = Some(copy);
                empty_exec.push(bracket);
                continue;
            }
        }
        let message = format!("{err:#}");
        return Err(match located {
            Some(at) => ParseError::at_offset(text, at + shift, message),
            None => ParseError::new(1, 1, message),
        });
    }
}

/// The byte offset (in `body`) of the error's line and column.
fn locate(body: &str, err: &pd::Error) -> Option<usize> {
    if err.line() == 0 {
        return None;
    }
    let start = LineIndex::new(body).line_start(err.line())?;
    let at = start + err.column().saturating_sub(1);
    (at <= body.len() && body.is_char_boundary(at)).then_some(at)
}

/// For "ENTRYPOINT instruction requires at least one argument" at `at`: the
/// offset of `[` when the arguments are exactly `[ ]`.
fn empty_entrypoint_bracket(src: &str, at: usize, err: &pd::Error) -> Option<usize> {
    if !format!("{err:#}").starts_with("ENTRYPOINT instruction requires") {
        return None;
    }
    let rest = &src[at..];
    let head = rest.get(..10)?;
    if !head.eq_ignore_ascii_case("ENTRYPOINT") {
        return None;
    }
    let after = &rest[10..];
    let ws = after.len() - after.trim_start_matches([' ', '\t']).len();
    let bracket = at + 10 + ws;
    let tail = src[bracket..].strip_prefix('[')?;
    let tail = tail.trim_start_matches([' ', '\t']).strip_prefix(']')?;
    let tail = tail.trim_start_matches([' ', '\t', '\r']);
    (ws > 0 && (tail.is_empty() || tail.starts_with('\n'))).then_some(bracket)
}

fn build(
    text: &str,
    shift: usize,
    src: &str,
    d: pd::Dockerfile<'_>,
    empty_exec: &[usize],
) -> DockerfileDoc {
    let cx = Cx {
        text,
        shift,
        src,
        empty_exec,
    };
    let pdirs = &d.parser_directives;
    let directives = Directives {
        syntax: pdirs.syntax.as_ref().map(|s| Spanned {
            span: cx.sp(&s.value.span),
            value: s.value.value.to_string(),
        }),
        escape: pdirs.escape.as_ref().map(|s| Spanned {
            span: cx.sp(&s.value.span),
            value: s.value.value.to_string(),
        }),
        check: pdirs.check.as_ref().map(|s| Spanned {
            span: cx.sp(&s.value.span),
            value: s.value.value.to_string(),
        }),
    };
    let escape = pdirs.escape.as_ref().map_or('\\', |e| e.value.value);
    let instructions: Vec<Instruction> = d.instructions.iter().map(|i| cx.instr(i)).collect();
    let mut stages: Vec<Stage> = Vec::new();
    for (idx, ins) in instructions.iter().enumerate() {
        if let Args::From { alias, .. } = &ins.args {
            if let Some(prev) = stages.last_mut() {
                prev.instructions.end = idx;
            }
            stages.push(Stage {
                from: idx,
                instructions: idx..instructions.len(),
                name: alias.as_ref().map(|a| a.value.clone()),
            });
        }
    }
    DockerfileDoc {
        text: text.to_string(),
        escape,
        directives,
        instructions,
        stages,
        line_index: LineIndex::new(text),
    }
}

struct Cx<'t> {
    /// The whole file, BOM included.
    text: &'t str,
    /// Bytes of BOM before the parsed text.
    shift: usize,
    /// What was parsed (the text after the BOM, possibly patched).
    src: &'t str,
    empty_exec: &'t [usize],
}

impl Cx<'_> {
    fn sp(&self, r: &Range<usize>) -> Range<usize> {
        r.start + self.shift..r.end + self.shift
    }

    fn us(&self, u: &pd::UnescapedString<'_>) -> Spanned {
        Spanned {
            span: self.sp(&u.span),
            value: u.value.to_string(),
        }
    }

    fn flags(&self, flags: &[pd::Flag<'_>]) -> Vec<Flag> {
        flags
            .iter()
            .map(|f| Flag {
                span: self.sp(&f.span()),
                name: self.us(&f.name),
                value: f.value.as_ref().map(|v| self.us(v)),
            })
            .collect()
    }

    fn command(&self, c: &pd::Command<'_>) -> Args {
        match c {
            pd::Command::Exec(e) => Args::Exec {
                span: self.sp(&e.span),
                items: e.value.iter().map(|u| self.us(u)).collect(),
            },
            pd::Command::Shell(s) => {
                if self.empty_exec.contains(&s.span.start) {
                    let close = s.span.start + self.src[s.span.start..].find(']').unwrap_or(0) + 1;
                    return Args::Exec {
                        span: self.sp(&(s.span.start..close)),
                        items: Vec::new(),
                    };
                }
                Args::Shell {
                    raw: Spanned {
                        span: self.sp(&s.span),
                        value: s.value.to_string(),
                    },
                    heredocs: Vec::new(),
                }
            }
            _ => unreachable!("parse-dockerfile returned a command form this crate does not know"),
        }
    }

    fn heredoc(&self, h: &pd::HereDoc<'_>, strip_tabs: bool) -> HereDoc {
        HereDoc {
            span: self.sp(&h.span),
            expand: h.expand,
            strip_tabs,
            value: h.value.to_string(),
        }
    }

    /// Whether the `n`-th `<<` between `from` and `to` (file offsets) is `<<-`.
    fn nth_heredoc_strips_tabs(&self, from: usize, to: usize, n: usize) -> bool {
        let region = &self.text[from..to.max(from)];
        region
            .match_indices("<<")
            .nth(n)
            .is_some_and(|(i, _)| region[i + 2..].starts_with('-'))
    }

    /// End of the line holding `offset`, before its line break.
    fn line_end(&self, offset: usize) -> usize {
        harden_core::text::line_end(self.text, offset)
    }

    /// The `[ ... ]` around JSON items when the parser gives no array span.
    fn bracket_span(&self, after: usize, items: &[Spanned]) -> Range<usize> {
        let open = self.text[after..].find('[').map_or(after, |i| after + i);
        let last = items.last().map_or(open, |i| i.span.end);
        let close = self.text[last..].find(']').map_or(last, |i| last + i + 1);
        open..close
    }

    fn instr(&self, i: &pd::Instruction<'_>) -> Instruction {
        use pd::Instruction as I;
        let text_args = |kw: &pd::Keyword, name: &'static str, u: &pd::UnescapedString<'_>| {
            (kw.span.clone(), name, Vec::new(), Args::Text(self.us(u)))
        };
        let (kw, name, flags, args) = match i {
            I::Add(a) => (
                a.add.span.clone(),
                "ADD",
                self.flags(&a.options),
                self.files(&a.add, &a.src, &a.dest),
            ),
            I::Copy(c) => (
                c.copy.span.clone(),
                "COPY",
                self.flags(&c.options),
                self.files(&c.copy, &c.src, &c.dest),
            ),
            I::Arg(a) => text_args(&a.arg, "ARG", &a.arguments),
            I::Env(a) => text_args(&a.env, "ENV", &a.arguments),
            I::Label(a) => text_args(&a.label, "LABEL", &a.arguments),
            I::User(a) => text_args(&a.user, "USER", &a.arguments),
            I::Workdir(a) => text_args(&a.workdir, "WORKDIR", &a.arguments),
            I::Stopsignal(a) => text_args(&a.stopsignal, "STOPSIGNAL", &a.arguments),
            I::Maintainer(a) => text_args(&a.maintainer, "MAINTAINER", &a.name),
            I::Cmd(c) => (
                c.cmd.span.clone(),
                "CMD",
                Vec::new(),
                self.command(&c.arguments),
            ),
            I::Entrypoint(c) => (
                c.entrypoint.span.clone(),
                "ENTRYPOINT",
                Vec::new(),
                self.command(&c.arguments),
            ),
            I::Expose(e) => (
                e.expose.span.clone(),
                "EXPOSE",
                Vec::new(),
                Args::Words(e.arguments.iter().map(|u| self.us(u)).collect()),
            ),
            I::From(f) => (
                f.from.span.clone(),
                "FROM",
                self.flags(&f.options),
                Args::From {
                    image: self.us(&f.image),
                    alias: f.as_.as_ref().map(|(_, n)| self.us(n)),
                },
            ),
            I::Healthcheck(h) => (
                h.healthcheck.span.clone(),
                "HEALTHCHECK",
                self.flags(&h.options),
                match &h.arguments {
                    pd::HealthcheckArguments::Cmd { arguments, .. } => self.command(arguments),
                    _ => Args::HealthcheckNone,
                },
            ),
            I::Onbuild(o) => (
                o.onbuild.span.clone(),
                "ONBUILD",
                Vec::new(),
                Args::Onbuild(Box::new(self.instr(&o.instruction))),
            ),
            I::Run(r) => {
                let mut args = self.command(&r.arguments);
                if let Args::Shell { heredocs, .. } = &mut args {
                    let kw_end = self.sp(&r.run.span).end;
                    *heredocs = r
                        .here_docs
                        .iter()
                        .enumerate()
                        .map(|(n, h)| {
                            let strip =
                                self.nth_heredoc_strips_tabs(kw_end, self.sp(&h.span).start, n);
                            self.heredoc(h, strip)
                        })
                        .collect();
                }
                (r.run.span.clone(), "RUN", self.flags(&r.options), args)
            }
            I::Shell(s) => {
                let items: Vec<Spanned> = s.arguments.iter().map(|u| self.us(u)).collect();
                let span = self.bracket_span(self.sp(&s.shell.span).end, &items);
                (
                    s.shell.span.clone(),
                    "SHELL",
                    Vec::new(),
                    Args::Exec { span, items },
                )
            }
            I::Volume(v) => (
                v.volume.span.clone(),
                "VOLUME",
                Vec::new(),
                match &v.arguments {
                    pd::JsonOrStringArray::Json(j) => Args::Exec {
                        span: self.sp(&j.span),
                        items: j.value.iter().map(|u| self.us(u)).collect(),
                    },
                    pd::JsonOrStringArray::String(w) => {
                        Args::Words(w.iter().map(|u| self.us(u)).collect())
                    }
                },
            ),
            // The enum is non-exhaustive; a new variant is an unknown
            // instruction to this version.
            _ => unreachable!("parse-dockerfile returned an instruction this crate does not know"),
        };
        let keyword_span = self.sp(&kw);
        let end = self.end_of(&keyword_span, &flags, &args);
        Instruction {
            keyword: name.to_string(),
            span: keyword_span.start..end,
            keyword_span,
            flags,
            args,
        }
    }

    fn files(
        &self,
        kw: &pd::Keyword,
        src: &[pd::Source<'_>],
        dest: &pd::UnescapedString<'_>,
    ) -> Args {
        let kw_end = self.sp(&kw.span).end;
        let mut n = 0;
        let sources = src
            .iter()
            .map(|s| match s {
                pd::Source::Path(p) => Source::Path(self.us(p)),
                pd::Source::HereDoc(h) => {
                    let strip = self.nth_heredoc_strips_tabs(kw_end, self.sp(&h.span).start, n);
                    n += 1;
                    Source::HereDoc(self.heredoc(h, strip))
                }
                _ => unreachable!("parse-dockerfile returned a source this crate does not know"),
            })
            .collect();
        Args::Files {
            sources,
            dest: self.us(dest),
        }
    }

    fn end_of(&self, kw: &Range<usize>, flags: &[Flag], args: &Args) -> usize {
        let mut end = kw.end;
        for f in flags {
            end = end.max(f.span.end);
        }
        let heredoc_end = |h: &HereDoc| self.line_end(h.span.end);
        match args {
            Args::Shell { raw, heredocs } => {
                end = end.max(raw.span.end);
                for h in heredocs {
                    end = end.max(heredoc_end(h));
                }
            }
            Args::Exec { span, .. } => end = end.max(span.end),
            Args::Text(t) => end = end.max(t.span.end),
            Args::Words(w) => {
                for x in w {
                    end = end.max(x.span.end);
                }
            }
            Args::From { image, alias } => {
                end = end.max(image.span.end);
                if let Some(a) = alias {
                    end = end.max(a.span.end);
                }
            }
            Args::Files { sources, dest } => {
                end = end.max(dest.span.end);
                for s in sources {
                    end = end.max(match s {
                        Source::Path(p) => p.span.end,
                        Source::HereDoc(h) => heredoc_end(h),
                    });
                }
            }
            Args::HealthcheckNone => {
                // `NONE` is the last word of the line.
                end = end.max(self.line_end(kw.end));
            }
            Args::Onbuild(inner) => end = end.max(inner.span.end),
        }
        end
    }
}
