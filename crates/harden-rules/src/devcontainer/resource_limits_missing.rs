use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use serde_json::Value;

use super::run_args::{self, parse_size};
use super::{append_fix, handoff, mode, run_args_range, Handoff, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC001",
    name: "resource-limits-missing",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: safe",
    summary: "The container runs without memory, swap, CPU or process limits",
    breakage: "Builds or test suites that need more than the limits are killed (out of memory) or run slower. Raise the values in a custom profile",
    doc: include_str!("../../../../docs/rules/DC001.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let mode = mode(cx.doc);
    if mode == Mode::Unknown {
        return Vec::new();
    }
    let array = run_args::node(cx.doc);
    let args = array.map(run_args::parse).unwrap_or_default();
    let value_of = |name: &str| {
        args.iter()
            .find(|a| a.is(name) && a.value.is_some())
            .and_then(|a| a.value.clone())
    };
    let limits = &cx.profile.resources;
    let memory = value_of("--memory");
    let swap = value_of("--memory-swap");
    let mut missing = Vec::new();
    let mut names = Vec::new();
    if memory.is_none() {
        // Docker refuses a swap limit below the memory limit.
        let new_memory = match swap.as_deref().and_then(parse_size) {
            Some(s) if s >= 0 && parse_size(&limits.memory).is_some_and(|m| m > s) => {
                swap.clone().unwrap_or_default()
            }
            _ => limits.memory.clone(),
        };
        missing.push(format!("--memory={new_memory}"));
        names.push("memory");
    }
    if swap.is_none() {
        let new_swap = memory.clone().unwrap_or_else(|| limits.memory_swap.clone());
        missing.push(format!("--memory-swap={new_swap}"));
        names.push("swap");
    }
    if value_of("--cpus").is_none() {
        missing.push(format!("--cpus={}", limits.cpus));
        names.push("CPUs");
    }
    if value_of("--pids-limit").is_none() {
        missing.push(format!("--pids-limit={}", limits.pids_limit));
        names.push("processes");
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let range = run_args_range(cx.doc);
    let finding = Finding::new(
        &META,
        range,
        "runArgs:resource-limits",
        format!("no limit on {}", names.join(", ")),
    );
    match handoff(cx, &mode, &crate::compose::resource_limits_missing::META) {
        Handoff::Covered => return Vec::new(),
        Handoff::Note(note) => return vec![finding.with_note(note)],
        Handoff::RunArgs => {}
    }
    let values = missing.into_iter().map(Value::String).collect();
    match append_fix(
        cx.doc,
        &["runArgs"],
        values,
        "Add resource limits to runArgs",
        Applicability::Safe,
    ) {
        Some(fix) => vec![finding.with_fix(fix)],
        None => vec![finding.with_note("runArgs is not an array")],
    }
}
