use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};

use super::{container_run_args, remove_run_arg, run_arg_range};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC016",
    name: "host-access-args",
    kind: FileKind::Devcontainer,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "runArgs open a way to the host: `--add-host …:host-gateway` (the host's own services) or `--group-add` of root or docker",
    breakage: "Code in the container no longer reaches services on the host by that name (a database or a model server on the host's loopback: publish them to the container another way); files and sockets shared through the removed group are no longer accessible",
    doc: include_str!("../../../../docs/rules/DC016.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// Groups that open the host: root, and docker (the daemon's socket).
const HOST_GROUPS: &[&str] = &["0", "root", "docker"];

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let Some((array, args)) = container_run_args(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for arg in args {
        let Some(value) = arg.value.as_deref() else {
            continue;
        };
        let message = if arg.is("--add-host") && value.trim().ends_with(":host-gateway") {
            format!("`--add-host={value}` lets the container reach the host's own services")
        } else if arg.is("--group-add") && HOST_GROUPS.contains(&value.trim()) {
            format!("`--group-add={value}` gives the container's user the host's `{value}` group")
        } else {
            continue;
        };
        let fix = remove_run_arg(
            doc,
            array,
            &arg,
            format!("Remove `{} {value}` from runArgs", arg.name),
        );
        out.push(
            Finding::new(
                &META,
                run_arg_range(array, &arg),
                format!("runArgs:{}", arg.name),
                message,
            )
            .with_fix(fix),
        );
    }
    out
}
