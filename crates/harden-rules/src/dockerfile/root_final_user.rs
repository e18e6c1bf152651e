use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use harden_dockerfile::{Args, DockerfileDoc, NewInstruction};

use super::{final_chain, final_chain_instructions, final_user, is_root_user};
use crate::{Check, DockerfileCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DF003",
    name: "root-final-user",
    kind: FileKind::Dockerfile,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The image runs as root: the final stage sets no USER, or its last USER is root",
    breakage: "Entrypoints and lifecycle commands that need root: package installs, writes to `/etc`, root-owned bind mounts (UID mismatch)",
    doc: include_str!("../../../../docs/rules/DF003.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let Some(stage) = doc.final_stage() else {
        return Vec::new();
    };
    // An image built `FROM scratch` has no user database to switch to.
    let base = &doc.instructions()[doc.stages()[final_chain(doc)[0]].from];
    if matches!(&base.args, Args::From { image, .. } if image.value.eq_ignore_ascii_case("scratch"))
    {
        return Vec::new();
    }
    let last_user = final_user(doc);
    let (range, message) = match &last_user {
        Some((_, u)) if !is_root_user(u) => return Vec::new(),
        Some((i, u)) => (
            doc.instructions()[*i].span.clone(),
            format!("the image runs as root: the last USER of the final stage is `{u}`"),
        ),
        None => (
            doc.instructions()[stage.from].span.clone(),
            "the image runs as root: the final stage sets no USER".to_string(),
        ),
    };
    let finding = Finding::new(&META, range, "final-stage:USER", message);
    let Some(user) = created_user(cx) else {
        return vec![finding.with_note(
            "the file creates no non-root user: create one (`useradd -m app`) and end the final stage with `USER app`, or set `remoteUser` in devcontainer.json if the base image has one",
        )];
    };
    let end = doc.instructions().len();
    let Some(patch) = doc.insert_instructions(end, &[NewInstruction::User(user.clone())]) else {
        return vec![finding.with_note(super::OPEN_CONTINUATION)];
    };
    let named_root = last_user.as_ref().map(|(_, u)| u.as_str());
    let starts_as_root = root_on_purpose(doc, named_root);
    let applicability = match starts_as_root {
        Some(_) => Applicability::DisplayOnly,
        None => Applicability::Unsafe,
    };
    let fix = patch.into_fix(
        format!("Run the image as `{user}`, the user the file creates"),
        applicability,
    );
    let finding = finding.with_fix(fix);
    vec![match starts_as_root {
        Some(why) => finding.with_note(format!(
            "shown only: {why}; run as `{user}` it may fail at start: check what it does as root, then switch"
        )),
        None => finding,
    }]
}

/// Programs an entrypoint runs as root to start the rest as another user.
const PRIVILEGE_DROPPERS: &[&str] = &[
    "gosu",
    "su-exec",
    "setpriv",
    "runuser",
    "chpst",
    "s6-setuidgid",
];

/// Why the image must start as root, when it looks deliberate: its
/// ENTRYPOINT or CMD drops privileges itself, or the final stage names
/// `USER root` explicitly (`named_root`: the last USER in force, which is
/// root) and has an ENTRYPOINT.
fn root_on_purpose(doc: &DockerfileDoc, named_root: Option<&str>) -> Option<String> {
    let chain = final_chain_instructions(doc);
    let ins = |i: usize| &doc.instructions()[i];
    let text = |i: usize| match &ins(i).args {
        Args::Shell { raw, .. } => raw.value.clone(),
        Args::Exec { items, .. } => items
            .iter()
            .map(|s| s.value.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        _ => String::new(),
    };
    let starts: Vec<usize> = chain
        .iter()
        .copied()
        .filter(|i| ins(*i).is("ENTRYPOINT") || ins(*i).is("CMD"))
        .collect();
    for i in &starts {
        let command = text(*i);
        let dropper = command
            .split(|c: char| c.is_whitespace() || c == '/' || c == ';' || c == '&')
            .find(|w| PRIVILEGE_DROPPERS.contains(w));
        if let Some(tool) = dropper {
            return Some(format!(
                "its {} `{}` runs `{tool}`, which needs root to start the program as another user",
                ins(*i).keyword.to_ascii_uppercase(),
                shown(&command)
            ));
        }
    }
    let last = named_root?;
    let entrypoint = starts.iter().find(|i| ins(**i).is("ENTRYPOINT"))?;
    Some(format!(
        "the final stage sets `USER {last}` on purpose for its ENTRYPOINT `{}`, which starts as root",
        shown(&text(*entrypoint))
    ))
}

/// At most 60 characters of a command, for messages.
fn shown(command: &str) -> String {
    harden_core::text::excerpt(command.trim(), 60)
}

/// Options of `useradd`/`adduser` (both flavours) that take a value.
const VALUE_OPTIONS: &[&str] = &[
    "-b",
    "-c",
    "-d",
    "-e",
    "-f",
    "-g",
    "-G",
    "-h",
    "-k",
    "-K",
    "-p",
    "-P",
    "-R",
    "-s",
    "-u",
    "-Z",
    "--base-dir",
    "--comment",
    "--home-dir",
    "--home",
    "--expiredate",
    "--inactive",
    "--gid",
    "--groups",
    "--skel",
    "--key",
    "--password",
    "--root",
    "--prefix",
    "--shell",
    "--uid",
    "--selinux-user",
    "--ingroup",
    "--gecos",
    "--firstuid",
    "--lastuid",
    "--conf",
    "--add-extra-groups",
];

/// The last non-root user a `RUN` of the final stage (or the stages it
/// builds on) creates, as `USER` can name it: literally, or as `${NAME}`
/// when the name is a variable the stage declares.
fn created_user(cx: &DockerfileCx<'_>) -> Option<String> {
    let doc = cx.doc;
    let chain = final_chain_instructions(doc);
    let mut found = None;
    for (i, site) in cx.shell_sites().iter().enumerate() {
        if !chain.contains(&site.index) || !doc.instructions()[site.index].is("RUN") {
            continue;
        }
        let src = &site.text.text;
        if !src.contains("useradd") && !src.contains("adduser") {
            continue;
        }
        let script = cx.script(i);
        for p in &script.pipelines {
            for c in &p.commands {
                let Some((at, name)) = harden_shell::program(c) else {
                    continue;
                };
                if name != "useradd" && name != "adduser" {
                    continue;
                }
                let mut operands = Vec::new();
                let mut i = at + 1;
                while let Some(w) = c.words.get(i) {
                    let t = w.text.as_str();
                    i += if t.starts_with('-') && !t.contains('=') && VALUE_OPTIONS.contains(&t) {
                        2
                    } else {
                        if !t.starts_with('-') {
                            operands.push(w);
                        }
                        1
                    };
                }
                // `adduser user group` adds an existing user to a group.
                let [w] = operands.as_slice() else { continue };
                let user = if w.literal {
                    Some(w.text.clone())
                } else {
                    variable_name(&w.text)
                        .filter(|v| declared_in_chain(doc, &chain, v))
                        .map(|v| format!("${{{v}}}"))
                };
                if let Some(u) = user.filter(|u| !is_root_user(u) && !u.is_empty()) {
                    found = Some((site.index, u));
                }
            }
        }
    }
    found.map(|(_, u)| u)
}

/// `NAME` of a word that is exactly `$NAME` or `${NAME}`.
fn variable_name(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('$')?;
    let name = inner
        .strip_prefix('{')
        .and_then(|s| s.strip_suffix('}'))
        .unwrap_or(inner);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// Whether an `ARG` or `ENV` of the chain declares `name`.
fn declared_in_chain(doc: &DockerfileDoc, chain: &[usize], name: &str) -> bool {
    chain.iter().any(|&i| {
        let ins = &doc.instructions()[i];
        let Args::Text(t) = &ins.args else {
            return false;
        };
        if ins.is("ARG") {
            super::arg_decls(&t.value).iter().any(|(n, _)| n == name)
        } else if ins.is("ENV") {
            t.value
                .split_whitespace()
                .any(|kv| kv.split('=').next() == Some(name))
                || t.value.split_whitespace().next() == Some(name)
        } else {
            false
        }
    })
}
