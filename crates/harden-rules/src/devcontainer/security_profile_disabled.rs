use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{mode, run_arg_range, run_args, top_level_strings, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC006",
    name: "security-profile-disabled",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "seccomp, AppArmor, SELinux labelling or /proc masking is turned off",
    breakage: "ptrace-based debuggers on kernels older than 4.8, and features that rely on `label=disable` on SELinux hosts (docker-outside-of-docker)",
    doc: include_str!("../../../../docs/rules/DC006.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

/// The `--security-opt` value, normalised to `kind=value`, if it disables a profile.
fn disabling(opt: &str) -> Option<String> {
    let opt = opt.trim().to_ascii_lowercase();
    let (kind, value) = opt.split_once(['=', ':'])?;
    let off = matches!(
        (kind, value),
        ("seccomp", "unconfined")
            | ("apparmor", "unconfined")
            | ("label", "disable")
            | ("systempaths", "unconfined")
    );
    off.then(|| format!("{kind}={value}"))
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    if let Some(array) = doc.root().get("securityOpt").map(|m| &m.value) {
        for (i, node, opt) in top_level_strings(doc, "securityOpt") {
            if let Some(norm) = disabling(opt) {
                let fix = doc
                    .remove_elements(array, &["securityOpt"], i..i + 1)
                    .into_fix(
                        format!("Remove `{opt}` from securityOpt"),
                        Applicability::Unsafe,
                    );
                out.push(
                    Finding::new(
                        &META,
                        node.range.clone(),
                        format!("securityOpt:{norm}"),
                        format!("securityOpt has `{opt}`"),
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
                .filter(|a| a.is("--security-opt"))
            {
                let Some(norm) = arg.value.as_deref().and_then(disabling) else {
                    continue;
                };
                let fix = doc
                    .remove_elements(array, &["runArgs"], arg.elements.clone())
                    .into_fix(
                        format!("Remove `--security-opt {norm}` from runArgs"),
                        Applicability::Unsafe,
                    );
                out.push(
                    Finding::new(
                        &META,
                        run_arg_range(array, &arg),
                        format!("runArgs:{norm}"),
                        format!("runArgs has `--security-opt {norm}`"),
                    )
                    .with_fix(fix),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_separators_are_recognised() {
        assert_eq!(
            super::disabling("seccomp:unconfined").as_deref(),
            Some("seccomp=unconfined")
        );
        assert_eq!(
            super::disabling("apparmor=unconfined").as_deref(),
            Some("apparmor=unconfined")
        );
        assert_eq!(super::disabling("seccomp=/x.json"), None);
        assert_eq!(super::disabling("no-new-privileges"), None);
    }
}
