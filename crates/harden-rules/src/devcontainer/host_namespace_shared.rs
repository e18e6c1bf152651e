use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::{container_run_args, remove_run_arg, run_arg_range};
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
    let Some((array, args)) = container_run_args(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for arg in args {
        let Some(option) = NAMESPACE_OPTIONS.iter().find(|o| arg.is(o)) else {
            continue;
        };
        if arg
            .value
            .as_deref()
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("host"))
        {
            let shown = format!("{}=host", arg.name);
            let fix = remove_run_arg(doc, array, &arg, format!("Remove `{shown}` from runArgs"));
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
