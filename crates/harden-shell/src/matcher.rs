//! Finding a download run straight into an interpreter, and the rewrite
//! that downloads to a file, checks its sha256 and runs the file.

use std::ops::Range;

use crate::commands::{download, program, runner, Download, OutputSlot, Program, Tool};
use crate::parse::{Command, ListOp, Pipeline, Script, SubstKind, Word};

/// Interpreters matched when the caller has no list of its own.
pub const DEFAULT_INTERPRETERS: &[&str] = &[
    "sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "python", "perl", "ruby", "node",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// `curl URL | sh`
    Pipe,
    /// `sh -c "$(curl URL)"`, `eval "$(curl URL)"`
    CommandSubstitution,
    /// `bash <(curl URL)`, `source <(curl URL)`
    ProcessSubstitution,
}

/// One download that is executed without being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub kind: MatchKind,
    /// From the download to the end of the command that runs it.
    pub range: Range<usize>,
    pub tool: Tool,
    /// The normalised interpreter name (`bash`, `python`, `eval`, ...).
    pub interpreter: String,
    /// The URL as written (quotes removed, variables kept).
    pub url: Option<String>,
    /// Why no rewrite is offered, when none is.
    pub no_fix: Option<&'static str>,
    /// The temporary file the rewrite downloads to.
    pub file: String,
    recipe: Vec<TextEdit>,
}

/// Replace `range` of the parsed text with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: Range<usize>,
    pub text: String,
}

const SHA_SLOT: &str = "\u{1}sha256\u{1}";

impl Match {
    /// The rewrite as edits of the parsed text, with `sha256` (64 hex
    /// digits) or, without it, a placeholder that names the URL. `None`
    /// when no safe rewrite exists (see `no_fix`).
    pub fn rewrite(&self, sha256: Option<&str>) -> Option<Vec<TextEdit>> {
        if self.no_fix.is_some() {
            return None;
        }
        let fill = match sha256 {
            Some(h) => h.to_string(),
            None => self.placeholder(),
        };
        Some(
            self.recipe
                .iter()
                .map(|e| TextEdit {
                    range: e.range.clone(),
                    text: e.text.replace(SHA_SLOT, &fill),
                })
                .collect(),
        )
    }

    /// What stands where the checksum goes until the user supplies it.
    pub fn placeholder(&self) -> String {
        let what: String = self
            .url
            .as_deref()
            .unwrap_or(&self.file)
            // Kept inside double quotes: nothing in it may run or end the string.
            .replace("$(", "_(")
            .chars()
            .map(|c| {
                if matches!(c, '"' | '\\' | '`') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("<sha256 of {what}>")
    }
}

/// Whether `s` is a sha256 in hex.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Apply non-overlapping edits to `src`.
pub fn apply(src: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(src.len() + 128);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&src[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&src[pos..]);
    out
}

/// Every download executed without a check in `script` (parsed from `src`),
/// nested substitutions included, in source order.
pub fn find(script: &Script, src: &str, interpreters: &[&str]) -> Vec<Match> {
    let mut out = Vec::new();
    walk(script, src, interpreters, &mut out);
    out.sort_by_key(|m| (m.range.start, m.range.end));
    out.dedup_by(|a, b| a.range == b.range);
    out
}

fn walk(script: &Script, src: &str, interpreters: &[&str], out: &mut Vec<Match>) {
    for p in &script.pipelines {
        pipe_matches(p, src, interpreters, out);
        for c in &p.commands {
            subst_matches(p, c, src, interpreters, out);
            let words = c
                .assignments
                .iter()
                .chain(&c.words)
                .chain(c.redirects.iter().filter_map(|r| r.target.as_ref()));
            for w in words {
                for s in &w.substs {
                    walk(&s.script, src, interpreters, out);
                }
            }
        }
    }
}

fn pipe_matches(p: &Pipeline, src: &str, interpreters: &[&str], out: &mut Vec<Match>) {
    for j in 1..p.commands.len() {
        let run_cmd = &p.commands[j];
        let Some(r) = runner(run_cmd, interpreters) else {
            continue;
        };
        let Program::Stdin { consumed_end } = r.program else {
            continue;
        };
        let Some((i, d)) = (0..j)
            .rev()
            .find_map(|i| download(&p.commands[i], src).map(|d| (i, d)))
        else {
            continue;
        };
        let file = temp_file(d.url.as_deref(), &r.name);
        let mut m = Match {
            kind: MatchKind::Pipe,
            range: p.commands[i].range.start..run_cmd.range.end,
            tool: d.tool,
            interpreter: r.name.clone(),
            url: d.url.clone(),
            no_fix: None,
            file: file.clone(),
            recipe: Vec::new(),
        };
        if i != 0 || j != 1 || p.commands.len() != 2 {
            m.no_fix = Some("the pipeline has more commands than the download and the interpreter");
        } else if p.negated || p.after == Some(ListOp::Amp) {
            m.no_fix = Some("the pipeline is negated or runs in the background");
        } else if let Some(reason) = redirect_inside(run_cmd, r.name_index, consumed_end) {
            m.no_fix = Some(reason);
        } else {
            match output_edit(&d, &file) {
                None => m.no_fix = Some("the download's output option cannot be rewritten"),
                Some(out_edit) => {
                    let wrap = p.before == Some(ListOp::Or);
                    let head = head_text(src, run_cmd, &r.kept_options, r.name_index, &file);
                    let mut recipe = vec![
                        out_edit,
                        TextEdit {
                            range: p.pipes[0].clone(),
                            text: format!("&& {} &&", verify(&file)),
                        },
                        TextEdit {
                            range: run_cmd.range.start..consumed_end,
                            text: head,
                        },
                    ];
                    let mut tail = cleanup(&file);
                    if wrap {
                        recipe.push(TextEdit {
                            range: p.range.start..p.range.start,
                            text: "{ ".into(),
                        });
                        tail.push_str("; }");
                    }
                    push_insert(&mut recipe, run_cmd.range.end, tail);
                    m.recipe = recipe;
                }
            }
        }
        out.push(m);
    }
}

/// `sh -c "$(curl ...)"`, `eval "$(curl ...)"`, `bash <(curl ...)`, `. <(curl ...)`.
fn subst_matches(
    p: &Pipeline,
    c: &Command,
    src: &str,
    interpreters: &[&str],
    out: &mut Vec<Match>,
) {
    let Some((at, name)) = program(c) else {
        return;
    };
    // The word holding the substitution, the last word the rewrite
    // replaces, the kind, the options kept, and a program name that
    // replaces the original one (`eval` runs the file with `.`).
    type Site = (
        usize,
        usize,
        MatchKind,
        Vec<(usize, Option<String>)>,
        Option<&'static str>,
    );
    let (word, consumed_to, kind, kept, head_name): Site = match name.as_str() {
        "eval" => {
            if c.words.len() != at + 2 {
                return;
            }
            (
                at + 1,
                at + 1,
                MatchKind::CommandSubstitution,
                Vec::new(),
                Some("."),
            )
        }
        "source" | "." => {
            if c.words.get(at + 1).is_none() {
                return;
            }
            (
                at + 1,
                at + 1,
                MatchKind::ProcessSubstitution,
                Vec::new(),
                None,
            )
        }
        _ => {
            let Some(r) = runner(c, interpreters) else {
                return;
            };
            match r.program {
                Program::Inline { word, arg0 } => (
                    word,
                    arg0.unwrap_or(word),
                    MatchKind::CommandSubstitution,
                    r.kept_options,
                    None,
                ),
                Program::Operand { word } => (
                    word,
                    word,
                    MatchKind::ProcessSubstitution,
                    r.kept_options,
                    None,
                ),
                Program::Stdin { .. } => {
                    // `bash < <(curl ...)`
                    for rd in &c.redirects {
                        let Some(t) = &rd.target else { continue };
                        if rd.op != "<" {
                            continue;
                        }
                        if let Some((d, _)) = subst_download(t, SubstKind::ProcessIn, src) {
                            out.push(Match {
                                kind: MatchKind::ProcessSubstitution,
                                range: c.range.clone(),
                                tool: d.tool,
                                interpreter: r.name.clone(),
                                file: temp_file(d.url.as_deref(), &r.name),
                                url: d.url,
                                no_fix: Some(
                                    "a redirection from a process substitution is not rewritten",
                                ),
                                recipe: Vec::new(),
                            });
                        }
                    }
                    return;
                }
                Program::Other => return,
            }
        }
    };
    let w = &c.words[word];
    let want = match kind {
        MatchKind::ProcessSubstitution => SubstKind::ProcessIn,
        _ => SubstKind::Command,
    };
    let found = if kind == MatchKind::CommandSubstitution {
        // Any substitution in the string runs what it downloads.
        w.substs.iter().find_map(|s| {
            (s.kind == want)
                .then(|| script_download(&s.script, src))
                .flatten()
        })
    } else {
        subst_download(w, want, src)
    };
    let Some((d, dl_cmd)) = found else {
        return;
    };
    let interp = if head_name == Some(".") {
        "eval".to_string()
    } else {
        name.clone()
    };
    let file = temp_file(d.url.as_deref(), &interp);
    let mut m = Match {
        kind,
        range: c.range.clone(),
        tool: d.tool,
        interpreter: interp,
        url: d.url.clone(),
        no_fix: None,
        file: file.clone(),
        recipe: Vec::new(),
    };
    let sole = w
        .sole_subst(src)
        .is_some_and(|s| s.script.pipelines.len() == 1);
    let simple = sole && w.substs[0].script.pipelines[0].commands.len() == 1;
    let consumed_end = c.words[consumed_to].range.end;
    if !simple {
        m.no_fix = Some("the substitution does more than download");
    } else if let Some(reason) = redirect_inside(c, at, consumed_end) {
        m.no_fix = Some(reason);
    } else {
        match output_edit(&d, &file) {
            None => m.no_fix = Some("the download's output option cannot be rewritten"),
            Some(e) => {
                let dl_text = apply_within(src, &dl_cmd.range, &e);
                let head = match head_name {
                    Some(h) => format!("{h} {file}"),
                    None => head_text(src, c, &kept, at, &file),
                };
                let wrap = p.commands.len() > 1
                    || p.negated
                    || p.before == Some(ListOp::Or)
                    || p.after == Some(ListOp::Amp);
                let mut text = String::new();
                if wrap {
                    text.push_str("{ ");
                }
                text.push_str(&format!("{dl_text} && {} && {head}", verify(&file)));
                let mut recipe = vec![TextEdit {
                    range: c.range.start..consumed_end,
                    text,
                }];
                let mut tail = cleanup(&file);
                if wrap {
                    tail.push_str("; }");
                }
                push_insert(&mut recipe, c.range.end, tail);
                m.recipe = recipe;
            }
        }
    }
    out.push(m);
}

/// The download inside a word that is one substitution of `kind`.
fn subst_download(w: &Word, kind: SubstKind, src: &str) -> Option<(Download, Command)> {
    let s = w.sole_subst(src)?;
    if s.kind != kind {
        return None;
    }
    script_download(&s.script, src)
}

/// The download whose output is the script's output: the last command of
/// the last pipeline.
fn script_download(script: &Script, src: &str) -> Option<(Download, Command)> {
    let last = script.pipelines.last()?.commands.last()?;
    download(last, src).map(|d| (d, last.clone()))
}

fn output_edit(d: &Download, file: &str) -> Option<TextEdit> {
    match &d.output {
        OutputSlot::Append(at) => Some(TextEdit {
            range: *at..*at,
            text: format!(" -o {file}"),
        }),
        OutputSlot::Replace(r) => Some(TextEdit {
            range: r.clone(),
            text: file.to_string(),
        }),
        OutputSlot::Opaque => None,
    }
}

/// The text of `range` of `src` with one edit inside it applied.
fn apply_within(src: &str, range: &Range<usize>, e: &TextEdit) -> String {
    format!(
        "{}{}{}",
        &src[range.start..e.range.start],
        e.text,
        &src[e.range.end..range.end]
    )
}

/// The command up to its program name as written, the kept options, and the file.
fn head_text(
    src: &str,
    c: &Command,
    kept: &[(usize, Option<String>)],
    name_index: usize,
    file: &str,
) -> String {
    let mut head = src[c.range.start..c.words[name_index].range.end].to_string();
    for (i, replacement) in kept {
        head.push(' ');
        match replacement {
            Some(t) => head.push_str(t),
            None => head.push_str(&src[c.words[*i].range.clone()]),
        }
    }
    head.push(' ');
    head.push_str(file);
    head
}

/// A redirection between the program name and `end` would be lost by the rewrite.
fn redirect_inside(c: &Command, name_index: usize, end: usize) -> Option<&'static str> {
    let from = c.words[name_index].range.end;
    c.redirects
        .iter()
        .any(|r| r.range.start >= from && r.range.start < end)
        .then_some("a redirection sits among the interpreter's options")
}

fn push_insert(recipe: &mut Vec<TextEdit>, at: usize, text: String) {
    // Two insertions at one offset would conflict: join them.
    if let Some(e) = recipe.iter_mut().find(|e| e.range.end == at) {
        e.text.push_str(&text);
    } else {
        recipe.push(TextEdit {
            range: at..at,
            text,
        });
    }
}

fn verify(file: &str) -> String {
    format!("echo \"{SHA_SLOT}  {file}\" > {file}.sha256 && sha256sum -c {file}.sha256")
}

fn cleanup(file: &str) -> String {
    format!(" && rm -f {file} {file}.sha256")
}

/// `/tmp/<last path segment of the URL>` when that is a plain file name,
/// else `/tmp/install.sh` (`.py`, `.pl`, ... for other interpreters).
fn temp_file(url: Option<&str>, interpreter: &str) -> String {
    let segment = url.and_then(|u| {
        let after_scheme = u.split_once("://").map_or(u, |(_, r)| r);
        let path = after_scheme.split(['?', '#']).next().unwrap_or("");
        let (_, path) = path.split_once('/')?;
        let last = path.rsplit('/').next()?;
        let ok = !last.is_empty()
            && last.len() <= 64
            && !last.starts_with('.')
            && last
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        ok.then(|| last.to_string())
    });
    let name = segment.unwrap_or_else(|| {
        let ext = match interpreter {
            "python" => "py",
            "perl" => "pl",
            "ruby" => "rb",
            "node" => "js",
            _ => "sh",
        };
        format!("install.{ext}")
    });
    format!("/tmp/{name}")
}
