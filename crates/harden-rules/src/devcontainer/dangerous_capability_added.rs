use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{capability_name, mode, run_arg_range, run_args, top_level_strings, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC004",
    name: "dangerous-capability-added",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "A capability that allows escaping the container or undoing its firewall is added",
    breakage: "Debuggers that attach with ptrace (gdb, strace, py-spy), raw-socket tools (ping, traceroute, tcpdump: NET_RAW) and in-container firewall scripts that need NET_ADMIN. Keep the firewall in a sidecar instead (tier 4 egress allowlist)",
    doc: include_str!("../../../../docs/rules/DC004.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    // An own firewall needs its capabilities: removing them would switch
    // the project's egress control off.
    let firewall = super::own_firewall(doc, cx.profile).is_some();
    let caps = &cx.profile.capabilities;
    let dangerous = |cap: &str| {
        let cap = capability_name(cap);
        if firewall && caps.firewall.iter().any(|f| capability_name(f) == cap) {
            return false;
        }
        caps.dangerous.iter().any(|d| capability_name(d) == cap)
    };
    let mut out = Vec::new();
    if let Some(array) = doc.root().get("capAdd").map(|m| &m.value) {
        for (i, node, cap) in top_level_strings(doc, "capAdd") {
            if dangerous(cap) {
                let name = capability_name(cap);
                let fix = doc
                    .remove_elements(array, &["capAdd"], i..i + 1)
                    .into_fix(format!("Remove `{cap}` from capAdd"), Applicability::Unsafe);
                out.push(
                    Finding::new(
                        &META,
                        node.range.clone(),
                        format!("capAdd:{name}"),
                        format!("capAdd adds `{name}`"),
                    )
                    .with_fix(fix),
                );
            }
        }
    }
    if mode(doc) == Mode::Container {
        if let Some(array) = run_args::node(doc) {
            for arg in run_args::parse(array)
                .into_iter()
                .filter(|a| a.is("--cap-add"))
            {
                let Some(value) = arg.value.as_deref() else {
                    continue;
                };
                if value.split(',').any(dangerous) {
                    let name = capability_name(value);
                    let fix = doc
                        .remove_elements(array, &["runArgs"], arg.elements.clone())
                        .into_fix(
                            format!("Remove `--cap-add {value}` from runArgs"),
                            Applicability::Unsafe,
                        );
                    out.push(
                        Finding::new(
                            &META,
                            run_arg_range(array, &arg),
                            format!("runArgs:--cap-add={name}"),
                            format!("runArgs adds capability `{name}`"),
                        )
                        .with_fix(fix),
                    );
                }
            }
        }
    }
    out
}
