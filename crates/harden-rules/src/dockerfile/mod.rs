//! Dockerfile rules, and what they share: the pieces of shell an image runs
//! ([`shell_sites`]) and fixes built from edits of that shell. Stages, the
//! effective user and `ARG` defaults come from `harden_dockerfile::stages`.

mod add_remote_without_checksum;
mod curl_pipe_shell;
mod dangerous_tools_in_final_stage;
mod passwordless_sudo;
mod root_final_user;
mod unpinned_base_image;

use std::ops::Range;

use harden_core::{Applicability, Change, Document, Edit, Fix, ValuePath};
use harden_dockerfile::{
    heredoc_body_value, shell_value, Args, DockerfileDoc, Instruction, LogicalText, Source,
};
use harden_shell::TextEdit;
use serde_json::Value;

use harden_core::FixInputs;
use harden_profile::Profile;

use crate::RuleDef;

pub(crate) use curl_pipe_shell::finding_for;
pub use curl_pipe_shell::SHA256;
pub use harden_dockerfile::instruction_path;
pub use harden_dockerfile::stages::{
    arg_decls, final_chain, final_chain_instructions, final_user, global_args, is_root_user,
    parent_stage, substitute,
};

/// What a Dockerfile check sees.
pub struct DockerfileCx<'a> {
    pub doc: &'a DockerfileDoc,
    pub profile: &'a Profile,
    /// Values the user supplied for the findings' input requests.
    pub inputs: &'a FixInputs,
    /// [`shell_sites`], found once for all rules.
    sites: std::cell::OnceCell<Vec<ShellSite>>,
    /// Their parsed scripts, each parsed when a rule first asks for it.
    scripts: std::cell::OnceCell<Vec<std::cell::OnceCell<harden_shell::Script>>>,
}

impl<'a> DockerfileCx<'a> {
    pub fn new(doc: &'a DockerfileDoc, profile: &'a Profile, inputs: &'a FixInputs) -> Self {
        DockerfileCx {
            doc,
            profile,
            inputs,
            sites: std::cell::OnceCell::new(),
            scripts: std::cell::OnceCell::new(),
        }
    }

    /// [`shell_sites`] of the document.
    pub fn shell_sites(&self) -> &[ShellSite] {
        self.sites.get_or_init(|| shell_sites(self.doc))
    }

    /// The parsed script of the `i`th of [`Self::shell_sites`].
    pub fn script(&self, i: usize) -> &harden_shell::Script {
        let sites = self.shell_sites();
        let scripts = self
            .scripts
            .get_or_init(|| sites.iter().map(|_| std::cell::OnceCell::new()).collect());
        scripts[i].get_or_init(|| harden_shell::parse(&sites[i].text.text))
    }
}

pub static RULES: &[&RuleDef] = &[
    &curl_pipe_shell::RULE,
    &passwordless_sudo::RULE,
    &root_final_user::RULE,
    &add_remote_without_checksum::RULE,
    &unpinned_base_image::RULE,
    &dangerous_tools_in_final_stage::RULE,
];

/// How a piece of shell sits in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// Shell form of `RUN`, `CMD`, `ENTRYPOINT`: continuations joined.
    Shell,
    /// A `RUN` heredoc body, run as a script.
    HereDoc { strip_tabs: bool },
    /// The script string of an exec form `["sh", "-c", "..."]` (written
    /// without JSON escapes, so it maps byte for byte).
    ExecString,
}

/// A piece of shell the build or the container runs, mapped to the file.
#[derive(Debug, Clone)]
pub struct ShellSite {
    /// Index of the instruction in `/instructions`.
    pub index: usize,
    /// Where its text lives in the document's value.
    pub path: ValuePath,
    pub text: LogicalText,
    pub kind: SiteKind,
}

impl ShellSite {
    /// File range of a range of the site's text.
    pub fn source_range(&self, r: Range<usize>) -> Range<usize> {
        self.text.to_source(r)
    }

    /// The fix made of `edits` to the site's text: byte splices in the file
    /// and a `Set` of the site's value to the edited text.
    pub fn fix(
        &self,
        edits: &[TextEdit],
        title: impl Into<String>,
        applicability: Applicability,
    ) -> Fix {
        let new_text = harden_shell::apply(&self.text.text, edits);
        let value = match self.kind {
            SiteKind::Shell => shell_value(&new_text),
            SiteKind::HereDoc { strip_tabs } => heredoc_body_value(&new_text, strip_tabs),
            SiteKind::ExecString => new_text,
        };
        let file_edits = edits
            .iter()
            .map(|e| {
                let content = match self.kind {
                    SiteKind::ExecString => json_escape(&e.text),
                    _ => e.text.clone(),
                };
                Edit::replace(self.text.to_source(e.range.clone()), content)
            })
            .collect();
        Fix::new(
            title,
            applicability,
            file_edits,
            vec![Change::Set {
                path: self.path.clone(),
                value: Value::String(value),
            }],
        )
    }
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len() - 1].to_string()
}

/// Finding targets that survive fixes of other findings: `key`, or
/// `key#n` when `n` later items share the key. Counting from the end keeps
/// the targets of the items after a fixed one (the engine fixes the first
/// one first) and never depends on instruction indices, which inserted
/// instructions shift.
pub fn stable_targets(keys: Vec<String>) -> Vec<String> {
    keys.iter()
        .enumerate()
        .map(
            |(i, k)| match keys[i + 1..].iter().filter(|x| *x == k).count() {
                0 => k.clone(),
                n => format!("{k}#{n}"),
            },
        )
        .collect()
}

/// Every piece of POSIX shell in the file: `RUN` (shell form, heredocs,
/// `["sh", "-c", ...]`) in every stage, and the shell forms of `CMD` and
/// `ENTRYPOINT`. Stages whose `SHELL` is not a POSIX shell are skipped.
pub fn shell_sites(doc: &DockerfileDoc) -> Vec<ShellSite> {
    let posix = posix_shell_flags(doc);
    let mut out = Vec::new();
    for (index, ins) in doc.instructions().iter().enumerate() {
        if !posix[index] || !(ins.is("RUN") || ins.is("CMD") || ins.is("ENTRYPOINT")) {
            continue;
        }
        let path = instruction_path(index);
        match &ins.args {
            Args::Shell { raw, heredocs } => {
                out.push(ShellSite {
                    index,
                    path: path.child("shell"),
                    text: doc.logical(raw.span.clone()),
                    kind: SiteKind::Shell,
                });
                let command = shell_value(&doc.logical(raw.span.clone()).text);
                if !heredoc_runs_shell(&command) {
                    continue;
                }
                for (h, doc_) in heredocs.iter().enumerate() {
                    if !shebang_is_shell(&doc_.value) {
                        continue;
                    }
                    out.push(ShellSite {
                        index,
                        path: path.child("heredocs").child(h).child("body"),
                        text: doc.heredoc_logical(doc_),
                        kind: SiteKind::HereDoc {
                            strip_tabs: doc_.strip_tabs,
                        },
                    });
                }
            }
            Args::Exec { items, .. } if items.len() >= 3 => {
                let shell = harden_shell::normalize(&items[0].value);
                let script = &items[2];
                let plain = doc.text()[script.span.clone()] == script.value;
                if is_posix_shell(&shell) && items[1].value == "-c" && plain {
                    out.push(ShellSite {
                        index,
                        path: path.child("exec").child(2),
                        text: LogicalText::identity(doc.text(), script.span.clone()),
                        kind: SiteKind::ExecString,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn is_posix_shell(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh"
    )
}

/// A `RUN <<EOF [command]` runs the body as a script when the command is
/// empty or a POSIX shell.
fn heredoc_runs_shell(command: &str) -> bool {
    match command.split_whitespace().next() {
        None => true,
        Some(c) => is_posix_shell(&harden_shell::normalize(c)),
    }
}

fn shebang_is_shell(body: &str) -> bool {
    let Some(rest) = body.strip_prefix("#!") else {
        return true;
    };
    let line = rest.lines().next().unwrap_or("");
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return true;
    };
    let prog = match harden_shell::normalize(first).as_str() {
        "env" => words
            .find(|w| !w.starts_with('-'))
            .map(harden_shell::normalize),
        p => Some(p.to_string()),
    };
    prog.is_some_and(|p| is_posix_shell(&p))
}

/// For each instruction: whether its stage's `SHELL` is a POSIX shell.
fn posix_shell_flags(doc: &DockerfileDoc) -> Vec<bool> {
    let mut flags = vec![true; doc.instructions().len()];
    // The shell in force at the end of each stage, for stages built on them.
    let mut stage_end_shell: Vec<bool> = Vec::new();
    for stage in doc.stages() {
        let mut posix = parent_stage(doc, stage.from)
            .and_then(|p| stage_end_shell.get(p).copied())
            .unwrap_or(true);
        for i in stage.instructions.clone() {
            let ins = &doc.instructions()[i];
            if ins.is("SHELL") {
                if let Args::Exec { items, .. } = &ins.args {
                    posix = items.first().is_some_and(|s| {
                        is_posix_shell(&harden_shell::normalize(&s.value.to_ascii_lowercase()))
                    });
                }
            }
            flags[i] = posix;
        }
        stage_end_shell.push(posix);
    }
    flags
}

/// What a devcontainer.json's rules need of the Dockerfile it builds.
pub fn built_image(doc: &DockerfileDoc) -> crate::BuiltImage {
    let base = final_chain(doc).first().and_then(|s| {
        match &doc.instructions()[doc.stages()[*s].from].args {
            Args::From { image, .. } => Some(image.value.clone()),
            _ => None,
        }
    });
    crate::BuiltImage {
        user: final_user(doc).map(|(_, user)| user),
        base,
    }
}

/// Why a fix that appends an instruction is not offered.
pub(crate) const OPEN_CONTINUATION: &str =
    "the file ends inside a line continuation (its last line ends with the escape character): end that instruction first, and harden can append the fix";

/// The line break to use in new lines of this file.
pub fn eol(doc: &DockerfileDoc) -> &'static str {
    doc.source().line_ending.as_str()
}

/// The `RUN`s of the given instructions with their parsed shell, for rules
/// that look at what the image installs or uses.
pub fn run_scripts<'d>(
    doc: &'d DockerfileDoc,
    indices: &[usize],
) -> Vec<(usize, &'d Instruction, String)> {
    let sites = shell_sites(doc);
    let mut out = Vec::new();
    for &i in indices {
        let ins = &doc.instructions()[i];
        if !ins.is("RUN") {
            continue;
        }
        for s in sites.iter().filter(|s| s.index == i) {
            out.push((i, ins, s.text.text.clone()));
        }
    }
    out
}

/// Sources of an `ADD`/`COPY`.
pub fn sources(ins: &Instruction) -> &[Source] {
    match &ins.args {
        Args::Files { sources, .. } => sources,
        _ => &[],
    }
}
