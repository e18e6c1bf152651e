//! A small, forgiving POSIX shell parser: enough structure (words, simple
//! commands, pipelines, list operators, substitutions, redirections) to
//! recognise commands, with every piece's byte range in the input.
//!
//! It never fails: unterminated quotes or substitutions run to the end of
//! the input. Compound commands are flattened: reserved words that open a
//! compound (`if`, `then`, `do`, `{`, `!`, ...) are dropped from the front of
//! the command they prefix, so the commands inside are seen like any other.

use std::ops::Range;

/// Nesting depth of substitutions beyond which the rest is left opaque.
const MAX_DEPTH: usize = 32;

/// A parsed script: every pipeline, in order, flattened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub pipelines: Vec<Pipeline>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub range: Range<usize>,
    pub commands: Vec<Command>,
    /// The `|` (or `|&`) operators; `pipes[i]` sits between `commands[i]` and `commands[i + 1]`.
    pub pipes: Vec<Range<usize>>,
    /// `!` before the pipeline.
    pub negated: bool,
    /// The list operator before the pipeline (`None` at the start of a list).
    pub before: Option<ListOp>,
    /// The list operator after it (`None` at the end of the input or of a substitution).
    pub after: Option<ListOp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOp {
    And,
    Or,
    Semi,
    Amp,
    Newline,
    /// `(`, `)`, `;;` or a reserved word such as `then`: a boundary of a
    /// compound command.
    Group,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// From the first word, assignment or redirection to the last.
    pub range: Range<usize>,
    /// `NAME=value` words before the command name.
    pub assignments: Vec<Word>,
    /// The command name and its arguments.
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub range: Range<usize>,
    /// The operator without an fd number, e.g. `>`, `>>`, `<`, `<<`, `>&`.
    pub op: String,
    pub target: Option<Word>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub range: Range<usize>,
    /// The word with quotes removed and escapes resolved; parameter,
    /// command and arithmetic expansions are kept as written.
    pub text: String,
    /// No expansion of any kind: `text` is what the command receives.
    pub literal: bool,
    /// Command and process substitutions inside the word.
    pub substs: Vec<Subst>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subst {
    pub kind: SubstKind,
    /// The whole `$(...)`, `` `...` `` or `<(...)`.
    pub range: Range<usize>,
    /// The script inside.
    pub script: Script,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubstKind {
    /// `$(...)` or `` `...` ``.
    Command,
    /// `<(...)`.
    ProcessIn,
    /// `>(...)`.
    ProcessOut,
}

impl Script {
    /// Every simple command, those inside substitutions included, in order.
    pub fn all_commands(&self) -> Vec<&Command> {
        let mut out = Vec::new();
        collect_commands(self, &mut out);
        out
    }
}

fn collect_commands<'s>(script: &'s Script, out: &mut Vec<&'s Command>) {
    for p in &script.pipelines {
        for c in &p.commands {
            out.push(c);
            let words = c
                .assignments
                .iter()
                .chain(&c.words)
                .chain(c.redirects.iter().filter_map(|r| r.target.as_ref()));
            for w in words {
                for s in &w.substs {
                    collect_commands(&s.script, out);
                }
            }
        }
    }
}

impl Word {
    /// Whether the whole word is one substitution (possibly double-quoted).
    pub fn sole_subst(&self, src: &str) -> Option<&Subst> {
        let [s] = self.substs.as_slice() else {
            return None;
        };
        let outer = src[self.range.clone()]
            .trim_start_matches('"')
            .trim_end_matches('"');
        (outer == &src[s.range.clone()]).then_some(s)
    }
}

/// Parse `src` as a shell script.
pub fn parse(src: &str) -> Script {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        depth: 0,
        heredocs: Vec::new(),
    };
    p.list(None)
}

const RESERVED_PREFIX: &[&str] = &[
    "if", "then", "elif", "else", "do", "while", "until", "!", "{", "time", "fi", "done", "}",
    "esac",
];

struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    depth: usize,
    /// Heredoc delimiters waiting for the next line break: (delimiter, strip tabs).
    heredocs: Vec<(String, bool)>,
}

#[derive(Debug)]
enum Tok {
    Word(Word),
    Op(&'static str, Range<usize>),
    Redirect(Redirect),
    Eof,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn at(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s)
    }

    /// Skip blanks, line continuations and comments (not line breaks).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\\') if self.b.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                Some(b'\\')
                    if self.b.get(self.pos + 1) == Some(&b'\r')
                        && self.b.get(self.pos + 2) == Some(&b'\n') =>
                {
                    self.pos += 3
                }
                Some(b'#') => {
                    while !matches!(self.peek(), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// After a line break: skip the bodies of pending heredocs.
    fn skip_heredoc_bodies(&mut self) {
        for (delim, strip) in std::mem::take(&mut self.heredocs) {
            while self.pos < self.b.len() {
                let end = self.src[self.pos..]
                    .find('\n')
                    .map_or(self.b.len(), |i| self.pos + i);
                let mut line = &self.src[self.pos..end];
                line = line.strip_suffix('\r').unwrap_or(line);
                if strip {
                    line = line.trim_start_matches('\t');
                }
                self.pos = (end + 1).min(self.b.len());
                if line == delim {
                    break;
                }
            }
        }
    }

    fn next_tok(&mut self, closer: Option<u8>) -> Tok {
        self.skip_blanks();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Tok::Eof;
        };
        if Some(c) == closer {
            return Tok::Eof;
        }
        let op = |p: &mut Self, s: &'static str| {
            p.pos += s.len();
            Tok::Op(s, start..p.pos)
        };
        match c {
            b'\n' => {
                self.pos += 1;
                self.skip_heredoc_bodies();
                return Tok::Op("\n", start..start + 1);
            }
            b'&' if self.at("&&") => return op(self, "&&"),
            b'|' if self.at("||") => return op(self, "||"),
            b'|' if self.at("|&") => return op(self, "|&"),
            b'|' => return op(self, "|"),
            b';' if self.at(";;") => return op(self, ";;"),
            b';' => return op(self, ";"),
            b'&' if !self.at("&>") => return op(self, "&"),
            b'(' => return op(self, "("),
            b')' => return op(self, ")"),
            b'<' | b'>' if self.b.get(self.pos + 1) == Some(&b'(') => {
                return Tok::Word(self.word());
            }
            b'<' | b'>' | b'&' => return Tok::Redirect(self.redirect(start)),
            _ => {}
        }
        let w = self.word();
        // An all-digit word right before `<` or `>` is a file descriptor.
        if w.literal
            && !w.text.is_empty()
            && w.text.bytes().all(|b| b.is_ascii_digit())
            && w.range.end == self.pos
            && matches!(self.peek(), Some(b'<' | b'>'))
            && self.b.get(self.pos + 1) != Some(&b'(')
        {
            return Tok::Redirect(self.redirect(start));
        }
        Tok::Word(w)
    }

    fn redirect(&mut self, start: usize) -> Redirect {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        const OPS: &[&str] = &[
            "<<<", "<<-", "<<", "&>>", "&>", ">>", ">&", "<&", "<>", ">|", ">", "<",
        ];
        let op = OPS.iter().find(|o| self.at(o)).copied().unwrap_or(">");
        self.pos += op.len();
        self.skip_blanks();
        let target = match self.peek() {
            None | Some(b'\n' | b';' | b'|' | b'&' | b'(' | b')') => None,
            Some(_) => Some(self.word()),
        };
        if let (Some(t), "<<" | "<<-") = (&target, op) {
            self.heredocs.push((t.text.clone(), op == "<<-"));
        }
        let end = target.as_ref().map_or(self.pos, |t| t.range.end);
        Redirect {
            range: start..end,
            op: op.to_string(),
            target,
        }
    }

    /// One word starting at `self.pos` (which is not blank or an operator).
    fn word(&mut self) -> Word {
        let start = self.pos;
        let mut text = String::new();
        let mut literal = true;
        let mut substs = Vec::new();
        // A process substitution is a word of its own.
        if matches!(self.peek(), Some(b'<' | b'>')) && self.b.get(self.pos + 1) == Some(&b'(') {
            let kind = if self.peek() == Some(b'<') {
                SubstKind::ProcessIn
            } else {
                SubstKind::ProcessOut
            };
            self.pos += 2;
            let script = self.nested(b')');
            let end = self.pos;
            substs.push(Subst {
                kind,
                range: start..end,
                script,
            });
            return Word {
                range: start..end,
                text: self.src[start..end].to_string(),
                literal: false,
                substs,
            };
        }
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => {
                    break
                }
                b'\\' => match self.b.get(self.pos + 1) {
                    Some(b'\n') => self.pos += 2,
                    Some(_) => {
                        let ch = self.char_at(self.pos + 1);
                        text.push(ch);
                        self.pos += 1 + ch.len_utf8();
                    }
                    None => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                b'\'' => {
                    let close = self.src[self.pos + 1..]
                        .find('\'')
                        .map(|i| self.pos + 1 + i);
                    let end = close.unwrap_or(self.b.len());
                    text.push_str(&self.src[self.pos + 1..end]);
                    self.pos = close.map_or(end, |c| c + 1);
                }
                b'"' => {
                    self.pos += 1;
                    self.double_quoted(&mut text, &mut literal, &mut substs);
                }
                b'$' if self.b.get(self.pos + 1) == Some(&b'\'') => {
                    // $'...': ANSI-C quoting; escapes are kept as written.
                    literal = false;
                    self.pos += 2;
                    let s = self.pos;
                    while let Some(c) = self.peek() {
                        match c {
                            b'\\' => self.pos = (self.pos + 2).min(self.b.len()),
                            b'\'' => break,
                            _ => self.pos += 1,
                        }
                    }
                    text.push_str(&self.src[s..self.pos]);
                    if self.peek() == Some(b'\'') {
                        self.pos += 1;
                    }
                }
                b'$' | b'`' => {
                    literal = false;
                    self.dollar_or_backtick(&mut text, &mut substs);
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        Word {
            range: start..self.pos,
            text,
            literal,
            substs,
        }
    }

    fn char_at(&self, i: usize) -> char {
        self.src[i..].chars().next().unwrap_or('\0')
    }

    /// Inside `"..."` (the opening quote consumed); stops after the closing one.
    fn double_quoted(&mut self, text: &mut String, literal: &mut bool, substs: &mut Vec<Subst>) {
        while let Some(c) = self.peek() {
            match c {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => match self.b.get(self.pos + 1) {
                    Some(b'\n') => self.pos += 2,
                    Some(b'$' | b'`' | b'"' | b'\\') => {
                        text.push(self.b[self.pos + 1] as char);
                        self.pos += 2;
                    }
                    _ => {
                        text.push('\\');
                        self.pos += 1;
                    }
                },
                b'$' | b'`' => {
                    *literal = false;
                    self.dollar_or_backtick(text, substs);
                }
                _ => {
                    let ch = self.char_at(self.pos);
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    /// `$name`, `${...}`, `$(...)`, `$((...))` or `` `...` ``; appended to `text` as written.
    fn dollar_or_backtick(&mut self, text: &mut String, substs: &mut Vec<Subst>) {
        let start = self.pos;
        if self.peek() == Some(b'`') {
            self.pos += 1;
            let close = self.find_backtick_end();
            let script = if self.depth < MAX_DEPTH {
                parse_at(&self.src[start + 1..close], start + 1, self.depth + 1)
            } else {
                Script::default()
            };
            self.pos = (close + 1).min(self.b.len());
            substs.push(Subst {
                kind: SubstKind::Command,
                range: start..self.pos,
                script,
            });
        } else if self.at("$((") {
            self.pos += 3;
            self.skip_to_close(2);
        } else if self.at("$(") {
            self.pos += 2;
            let script = self.nested(b')');
            substs.push(Subst {
                kind: SubstKind::Command,
                range: start..self.pos,
                script,
            });
        } else if self.at("${") {
            self.pos += 2;
            let mut depth = 1usize;
            while let Some(c) = self.peek() {
                match c {
                    b'\\' => self.pos += 1,
                    b'\'' => {
                        let close = self.src[self.pos + 1..]
                            .find('\'')
                            .map(|i| self.pos + 1 + i);
                        self.pos = close.unwrap_or(self.b.len() - 1);
                    }
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            self.pos += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                self.pos = (self.pos + 1).min(self.b.len());
            }
        } else {
            self.pos += 1;
            match self.peek() {
                Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                    while self
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
                    {
                        self.pos += 1;
                    }
                }
                Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => self.pos += 1,
                _ => {}
            }
        }
        text.push_str(&self.src[start..self.pos]);
    }

    fn find_backtick_end(&self) -> usize {
        let mut i = self.pos;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => i += 2,
                b'`' => return i,
                _ => i += 1,
            }
        }
        self.b.len()
    }

    /// Skip past the `)` that closes `depth` open parentheses.
    fn skip_to_close(&mut self, mut depth: usize) {
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }

    /// A nested script up to the matching `closer`, which is consumed.
    fn nested(&mut self, closer: u8) -> Script {
        if self.depth >= MAX_DEPTH {
            // Too deep: skip to the matching closer by counting parentheses.
            self.skip_to_close(1);
            return Script::default();
        }
        let saved = std::mem::take(&mut self.heredocs);
        self.depth += 1;
        let script = self.list(Some(closer));
        self.depth -= 1;
        self.heredocs = saved;
        if self.peek() == Some(closer) {
            self.pos += 1;
        }
        script
    }

    /// A list of pipelines up to `closer` (not consumed) or the end.
    fn list(&mut self, closer: Option<u8>) -> Script {
        let mut script = Script::default();
        let mut before: Option<ListOp> = None;
        let mut cur: Option<Pipeline> = None;
        let mut cmd: Option<Command> = None;
        let mut negated = false;
        // Depth of `(` groups opened inside this list, so that `)` closes
        // them before it closes the substitution.
        let mut groups = 0usize;
        loop {
            let tok = self.next_tok(if groups == 0 { closer } else { None });
            let (end_cmd, op): (bool, Option<(&str, Range<usize>)>) = match tok {
                Tok::Word(w) => {
                    let c = cmd.get_or_insert_with(|| Command {
                        range: w.range.clone(),
                        assignments: Vec::new(),
                        words: Vec::new(),
                        redirects: Vec::new(),
                    });
                    if c.words.is_empty() && w.literal && RESERVED_PREFIX.contains(&w.text.as_str())
                    {
                        if w.text == "!" {
                            negated = true;
                        }
                        if c.assignments.is_empty() && c.redirects.is_empty() {
                            cmd = None;
                            // A reserved word starts a new list context.
                            if cur.is_none() {
                                before = Some(ListOp::Group);
                            }
                        }
                        continue;
                    }
                    c.range.end = w.range.end;
                    if c.words.is_empty() && is_assignment(&w) {
                        c.assignments.push(w);
                    } else {
                        c.words.push(w);
                    }
                    continue;
                }
                Tok::Redirect(r) => {
                    let c = cmd.get_or_insert_with(|| Command {
                        range: r.range.clone(),
                        assignments: Vec::new(),
                        words: Vec::new(),
                        redirects: Vec::new(),
                    });
                    c.range.end = r.range.end;
                    c.redirects.push(r);
                    continue;
                }
                Tok::Op(o, r) => (true, Some((o, r))),
                Tok::Eof => (true, None),
            };
            debug_assert!(end_cmd);
            let is_pipe = matches!(op, Some(("|" | "|&", _)));
            if let Some(c) = cmd.take() {
                let p = cur.get_or_insert_with(|| Pipeline {
                    range: c.range.clone(),
                    commands: Vec::new(),
                    pipes: Vec::new(),
                    negated,
                    before,
                    after: None,
                });
                p.range.end = c.range.end;
                p.commands.push(c);
                if is_pipe {
                    p.pipes.push(op.as_ref().unwrap().1.clone());
                    continue;
                }
            } else if is_pipe {
                continue;
            }
            let list_op = match op.as_ref().map(|o| o.0) {
                Some("&&") => Some(ListOp::And),
                Some("||") => Some(ListOp::Or),
                Some(";") => Some(ListOp::Semi),
                Some("&") => Some(ListOp::Amp),
                Some("\n") => Some(ListOp::Newline),
                Some(_) => Some(ListOp::Group),
                None => None,
            };
            if let Some(mut p) = cur.take() {
                // A trailing `|` with nothing after it leaves a dangling pipe.
                p.pipes.truncate(p.commands.len().saturating_sub(1));
                p.after = list_op;
                script.pipelines.push(p);
            }
            negated = false;
            match op {
                None => break,
                Some(("(", _)) => groups += 1,
                Some((")", _)) => groups = groups.saturating_sub(1),
                _ => {}
            }
            before = list_op;
        }
        script
    }
}

/// Parse `src`, a slice of a larger text starting at `base`, with ranges in
/// the larger text.
fn parse_at(src: &str, base: usize, depth: usize) -> Script {
    let mut p = Parser {
        src,
        b: src.as_bytes(),
        pos: 0,
        depth,
        heredocs: Vec::new(),
    };
    let mut s = p.list(None);
    shift_script(&mut s, base);
    s
}

fn shift_script(s: &mut Script, by: usize) {
    let sh = |r: &mut Range<usize>| *r = r.start + by..r.end + by;
    for p in &mut s.pipelines {
        sh(&mut p.range);
        for r in &mut p.pipes {
            sh(r);
        }
        for c in &mut p.commands {
            sh(&mut c.range);
            for w in c.assignments.iter_mut().chain(c.words.iter_mut()) {
                shift_word(w, by);
            }
            for r in &mut c.redirects {
                sh(&mut r.range);
                if let Some(t) = &mut r.target {
                    shift_word(t, by);
                }
            }
        }
    }
}

fn shift_word(w: &mut Word, by: usize) {
    w.range = w.range.start + by..w.range.end + by;
    for s in &mut w.substs {
        s.range = s.range.start + by..s.range.end + by;
        shift_script(&mut s.script, by);
    }
}

fn is_assignment(w: &Word) -> bool {
    match w.text.find('=') {
        Some(i) if i > 0 => {
            let name = &w.text[..i];
            name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !name.as_bytes()[0].is_ascii_digit()
        }
        _ => false,
    }
}
