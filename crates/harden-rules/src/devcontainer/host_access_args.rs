use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{mode, remove_from_top_level_array, run_arg_range, run_args, Mode};
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
    if mode(doc) != Mode::Container {
        return Vec::new();
    }
    let Some(array) = run_args::node(doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for arg in run_args::parse(array) {
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
        let fix = remove_from_top_level_array(
            doc,
            array,
            "runArgs",
            arg.elements.clone(),
            format!("Remove `{} {value}` from runArgs", arg.name),
            Applicability::Unsafe,
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
