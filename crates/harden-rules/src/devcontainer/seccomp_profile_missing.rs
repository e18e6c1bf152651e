use harden_core::{Applicability, FileKind, Finding, NewFile, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::{
    append_fix, handoff, mode, run_args, run_args_range, top_level_strings, Handoff, Mode,
};
use crate::{seccomp, Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC010",
    name: "seccomp-profile-missing",
    kind: FileKind::Devcontainer,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe · creates a file",
    summary: "The container runs with Docker's default seccomp profile, which still allows ptrace and process_vm_readv (and io_uring before Docker 25.0)",
    breakage: "gdb, strace, py-spy, `node --cpu-prof` attach and rr; sandboxes nested inside the container (bubblewrap, used by Claude Code's and Codex's own sandboxes)",
    doc: include_str!("../../../../docs/rules/DC010.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// A `--security-opt` value that names a seccomp profile file.
fn names_profile(opt: &str) -> bool {
    let opt = opt.trim();
    let Some(value) = opt
        .strip_prefix("seccomp")
        .and_then(|r| r.strip_prefix(['=', ':']))
    else {
        return false;
    };
    !value.eq_ignore_ascii_case("unconfined")
}

/// Where the profile goes: its name next to the config, and the path the
/// Docker CLI reads (on the client, so it must be absolute).
fn placement(config_path: &str, file_name: &str) -> (String, String) {
    let normalized = config_path.replace('\\', "/");
    match normalized.rfind(".devcontainer/") {
        Some(i) => {
            let dir = normalized[i..].rsplit_once('/').map_or("", |(d, _)| d);
            (
                file_name.to_string(),
                format!("${{localWorkspaceFolder}}/{dir}/{file_name}"),
            )
        }
        None => {
            let name = format!(".devcontainer-{file_name}");
            let reference = format!("${{localWorkspaceFolder}}/{name}");
            (name, reference)
        }
    }
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mode = mode(doc);
    if mode == Mode::Unknown {
        return Vec::new();
    }
    let in_security_opt = top_level_strings(doc, "securityOpt")
        .iter()
        .any(|(_, _, s)| names_profile(s));
    let in_run_args = run_args::node(doc).is_some_and(|a| {
        run_args::parse(a)
            .iter()
            .any(|arg| arg.is("--security-opt") && arg.value.as_deref().is_some_and(names_profile))
    });
    if in_security_opt || in_run_args {
        return Vec::new();
    }
    let range = run_args_range(doc);
    let finding = Finding::new(&META, range, "runArgs:seccomp", "no custom seccomp profile");
    match handoff(cx, &mode, &crate::compose::seccomp_profile_missing::META) {
        Handoff::Covered => return Vec::new(),
        Handoff::Note(note) => return vec![finding.with_note(note)],
        Handoff::RunArgs => {}
    }
    let (file, reference) = placement(cx.path, &cx.profile.seccomp.file_name);
    let option = format!("--security-opt=seccomp={reference}");
    let fix = append_fix(
        doc,
        &["runArgs"],
        vec![Value::String(option)],
        format!("Write {file} and load it with --security-opt"),
        Applicability::Unsafe,
    );
    match fix {
        Some(fix) => vec![finding.with_fix(fix.with_new_file(NewFile {
            relative_path: file,
            content: seccomp::profile_json(cx.profile),
        }))],
        None => vec![finding.with_note("runArgs is not an array")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_sits_next_to_the_config() {
        assert_eq!(
            placement(".devcontainer/devcontainer.json", "seccomp.json"),
            (
                "seccomp.json".into(),
                "${localWorkspaceFolder}/.devcontainer/seccomp.json".into()
            )
        );
        assert_eq!(
            placement(
                "repo/.devcontainer/python/devcontainer.json",
                "seccomp.json"
            )
            .1,
            "${localWorkspaceFolder}/.devcontainer/python/seccomp.json"
        );
        assert_eq!(
            placement(".devcontainer.json", "seccomp.json").0,
            ".devcontainer-seccomp.json"
        );
        assert!(names_profile("seccomp=/x.json") && names_profile("seccomp:./s.json"));
        assert!(!names_profile("seccomp=unconfined") && !names_profile("apparmor=x"));
    }
}
