use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{mode, remove_from_top_level_array, run_arg_range, run_args, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC005",
    name: "host-namespace-shared",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "The container shares a namespace with the host (network, PID, IPC, UTS, user or cgroup)",
    breakage: "Services reached on the host's `localhost` need a published port or `host.docker.internal`; tools that inspect host processes stop seeing them",
    doc: include_str!("../../../../docs/rules/DC005.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

const NAMESPACE_OPTIONS: &[&str] = &[
    "--network",
    "--pid",
    "--ipc",
    "--uts",
    "--userns",
    "--cgroupns",
];

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    if mode(doc) != Mode::Container {
        return Vec::new();
    }
    let Some(array) = run_args::node(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for arg in run_args::parse(array) {
        let Some(option) = NAMESPACE_OPTIONS.iter().find(|o| arg.is(o)) else {
            continue;
        };
        if arg
            .value
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("host"))
        {
            let shown = format!("{}=host", arg.name);
            let fix = remove_from_top_level_array(
                doc,
                array,
                "runArgs",
                arg.elements.clone(),
                format!("Remove `{shown}` from runArgs"),
                Applicability::Unsafe,
            );
            out.push(
                Finding::new(
                    &META,
                    run_arg_range(array, &arg),
                    format!("runArgs:{option}=host"),
                    format!(
                        "runArgs has `{shown}`: the container shares the host's {} namespace",
                        &option[2..]
                    ),
                )
                .with_fix(fix),
            );
        }
    }
    out
}
