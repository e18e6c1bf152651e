use harden_core::{Applicability, Document, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_dockerfile::{Args, DockerfileDoc, NewInstruction};
use harden_shell::{normalize, program, Command, Script};

use super::{final_chain_instructions, is_root_user};
use crate::{Check, DockerfileCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DF006",
    name: "dangerous-tools-in-final-stage",
    kind: FileKind::Dockerfile,
    tier: Tier::T4,
    severity: Severity::Info,
    fix: "fix: unsafe (high breakage)",
    summary: "The image keeps download and network tools (curl, wget, nc, socat) an attacker inside the container can use",
    breakage: "Much: anything that downloads at run time (editor extension installs, `curl` in lifecycle scripts, language version managers), docker-outside-of-docker (socat), and with setuid bits cleared `sudo`, `su`, `passwd` and `ping`. Trim the lists in a custom profile",
    doc: include_str!("../../../../docs/rules/DF006.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

const INSTALL: &[(&str, &[&str])] = &[
    ("apt-get", &["install"]),
    ("apt", &["install"]),
    ("apk", &["add"]),
    ("dnf", &["install"]),
    ("yum", &["install"]),
    ("microdnf", &["install"]),
    ("zypper", &["install", "in"]),
];
const REMOVE: &[(&str, &[&str])] = &[
    ("apt-get", &["purge", "remove"]),
    ("apt", &["purge", "remove"]),
    ("apk", &["del"]),
    ("dnf", &["remove", "erase"]),
    ("yum", &["remove", "erase"]),
    ("microdnf", &["remove"]),
    ("zypper", &["remove", "rm"]),
];

/// Whether package `pkg` installs the program `tool`.
fn provides(pkg: &str, tool: &str) -> bool {
    let pkg = pkg.split(['=', ':']).next().unwrap_or(pkg);
    pkg == tool
        || is_netcat(tool)
            && (pkg.starts_with("netcat") || matches!(pkg, "ncat" | "nmap-ncat" | "openbsd-netcat"))
}

/// The packages a package-manager command names after `verbs`.
fn packages<'c>(c: &'c Command, at: usize, table: &[(&str, &[&str])], name: &str) -> Vec<&'c str> {
    let Some((_, verbs)) = table.iter().find(|(m, _)| *m == name) else {
        return Vec::new();
    };
    let words = &c.words[at + 1..];
    let Some(v) = words.iter().position(|w| verbs.contains(&w.text.as_str())) else {
        return Vec::new();
    };
    words[v + 1..]
        .iter()
        .filter(|w| !w.text.starts_with('-'))
        .map(|w| w.text.as_str())
        .collect()
}

fn commands(script: &Script) -> impl Iterator<Item = &Command> {
    script.all_commands().into_iter()
}

/// For each tool: present at the end of the build, with the instruction that put it there.
fn tools_present(cx: &DockerfileCx<'_>, tools: &[String]) -> Vec<(String, usize)> {
    let doc = cx.doc;
    let chain = final_chain_instructions(doc);
    let mut state: Vec<Option<usize>> = vec![None; tools.len()];
    for (i, site) in cx.shell_sites().iter().enumerate() {
        if !chain.contains(&site.index) || !doc.instructions()[site.index].is("RUN") {
            continue;
        }
        let script = cx.script(i);
        let has_rm = commands(script).any(|c| program(c).is_some_and(|(_, n)| n == "rm"));
        for c in commands(script) {
            let Some((at, name)) = program(c) else {
                continue;
            };
            let installs = packages(c, at, INSTALL, &name);
            let removes = packages(c, at, REMOVE, &name);
            for (t, tool) in tools.iter().enumerate() {
                if name == *tool || installs.iter().any(|p| provides(p, tool)) {
                    state[t] = Some(site.index);
                }
                let removed = removes.iter().any(|p| provides(p, tool))
                    || name == "rm"
                        && c.words[at + 1..]
                            .iter()
                            .any(|w| normalize(&w.text) == *tool)
                    || name == "for" && has_rm && c.words.iter().any(|w| w.text == *tool);
                if removed {
                    state[t] = None;
                }
            }
        }
    }
    let mut out: Vec<(String, usize)> = Vec::new();
    for (tool, at) in tools.iter().zip(state) {
        let Some(at) = at else { continue };
        // One netcat package provides `nc`, `netcat` and `ncat`: name it once.
        let same_netcat = out
            .iter()
            .any(|(t, i)| *i == at && is_netcat(t) && is_netcat(tool));
        if !same_netcat {
            out.push((tool.clone(), at));
        }
    }
    out
}

fn is_netcat(tool: &str) -> bool {
    matches!(tool, "nc" | "netcat" | "ncat")
}

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let params = &cx.profile.dockerfile;
    let present = tools_present(cx, &params.purge_binaries);
    let Some(stage) = doc.final_stage() else {
        return Vec::new();
    };
    if present.is_empty() {
        return Vec::new();
    }
    let index = doc.line_index();
    let list: Vec<String> = present
        .iter()
        .map(|(t, i)| {
            let line = index
                .line_col(doc.text(), doc.instructions()[*i].span.start)
                .line;
            format!("{t} (line {line})")
        })
        .collect();
    let finding = Finding::new(
        &META,
        doc.instructions()[stage.from].span.clone(),
        "final-stage:tools",
        format!("the final image keeps {}", list.join(", ")),
    );
    let last_evidence = present.iter().map(|(_, i)| *i).max().unwrap_or(0);
    match purge_fix(
        doc,
        &params.purge_binaries,
        params.strip_setuid,
        last_evidence,
    ) {
        Some(fix) => vec![finding.with_fix(fix)],
        None => vec![finding.with_note(super::OPEN_CONTINUATION)],
    }
}

/// The purge step, placed after the last instruction that puts a tool in
/// the image and where it runs as root: before the final stage's closing
/// non-root `USER` when that comes later, otherwise at the end, switching to
/// root around it when needed.
fn purge_fix(
    doc: &DockerfileDoc,
    tools: &[String],
    strip_setuid: bool,
    last_evidence: usize,
) -> Option<Fix> {
    let ins = doc.instructions();
    let stage = doc.final_stage().expect("checked");
    let closing_user = stage
        .instructions
        .clone()
        .rev()
        .find(|&i| ins[i].is("USER"))
        .filter(|&i| {
            i > last_evidence && matches!(&ins[i].args, Args::Text(t) if !is_root_user(&t.value))
        });
    let chain = final_chain_instructions(doc);
    let at_index = closing_user.unwrap_or(ins.len());
    let user_then = chain
        .iter()
        .rev()
        .filter(|&&i| i < at_index)
        .find_map(|&i| match (&ins[i].args, ins[i].is("USER")) {
            (Args::Text(t), true) => Some(t.value.trim().to_string()),
            _ => None,
        })
        .filter(|u| !is_root_user(u));
    let mut command = format!(
        "for b in {}; do p=\"$(command -v \"$b\")\" || continue; rm -f \"$p\"; done",
        tools
            .iter()
            .map(|t| harden_shell::quote(t))
            .collect::<Vec<_>>()
            .join(" ")
    );
    if strip_setuid {
        command.push_str("; find / -xdev \\( -perm -4000 -o -perm -2000 \\) -type f -exec chmod a-s {} + 2>/dev/null || true");
    }
    let mut lines = Vec::new();
    if user_then.is_some() {
        lines.push(NewInstruction::User("root".into()));
    }
    lines.push(NewInstruction::Run(command));
    if let Some(u) = user_then {
        lines.push(NewInstruction::User(u));
    }
    let patch = doc.insert_instructions(at_index, &lines)?;
    let what = if strip_setuid {
        format!(
            "Remove {} and clear setuid bits in the final stage",
            tools.join(", ")
        )
    } else {
        format!("Remove {} in the final stage", tools.join(", "))
    };
    Some(patch.into_fix(what, Applicability::Unsafe))
}
