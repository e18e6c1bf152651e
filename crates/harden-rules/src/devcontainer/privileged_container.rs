use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::{mode, run_arg_range, run_args, Mode};
use harden_profile::FeatureFacts;

use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC003",
    name: "privileged-container",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "The container runs privileged: every device and capability of the host, no seccomp or AppArmor",
    breakage: "Docker-in-Docker, and anything that mounts filesystems, loads kernel modules or talks to devices directly",
    doc: include_str!("../../../../docs/rules/DC003.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let root = doc.root();
    let mut out = Vec::new();
    if let Some(m) = root.get("privileged") {
        if m.value.as_bool() == Some(true) {
            let finding = Finding::new(&META, m.range(), "privileged", "`privileged` is true");
            let fix = doc
                .remove_at(&["privileged"])
                .map(|p| p.into_fix("Remove `\"privileged\": true`", Applicability::Unsafe));
            out.push(match fix {
                Some(fix) => finding.with_fix(fix),
                None => finding,
            });
        }
    }
    if mode(doc) == Mode::Container {
        if let Some(array) = run_args::node(doc) {
            for arg in run_args::parse(array) {
                let on = arg
                    .value
                    .as_deref()
                    .is_none_or(|v| v.eq_ignore_ascii_case("true"));
                if arg.name == "--privileged" && on {
                    let finding = Finding::new(
                        &META,
                        run_arg_range(array, &arg),
                        "runArgs:--privileged",
                        "runArgs has `--privileged`",
                    );
                    let fix = doc
                        .remove_elements(array, &["runArgs"], arg.elements.clone())
                        .into_fix("Remove `--privileged` from runArgs", Applicability::Unsafe);
                    out.push(finding.with_fix(fix));
                }
            }
        }
    }
    if let Some(features) = root.get("features").and_then(|m| m.value.members()) {
        for feature in features {
            if let Some(name) = FeatureFacts::find(&cx.profile.features.privileged, &feature.key) {
                out.push(
                    Finding::new(&META, feature.key_range.clone(), format!("features:{name}"), format!("the `{name}` feature runs the container privileged"))
                        .with_note("remove the feature, or build images with rootless Docker, Sysbox or a remote builder instead"),
                );
            }
        }
    }
    out
}
