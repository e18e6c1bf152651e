use harden_core::{FileKind, Finding, RuleMeta, Severity, Tier};
use harden_dockerfile::Args;

use super::{global_args, stable_targets, substitute};
use crate::{Check, DockerfileCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DF005",
    name: "unpinned-base-image",
    kind: FileKind::Dockerfile,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "reported only",
    summary: "A `FROM` image has no tag or the tag `latest`: each build may get a different image",
    breakage: "Nothing from the report",
    doc: include_str!("../../../../docs/rules/DF005.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let args = global_args(doc);
    let mut out = Vec::new();
    for (n, stage) in doc.stages().iter().enumerate() {
        let Args::From { image, .. } = &doc.instructions()[stage.from].args else {
            continue;
        };
        let is_stage = |name: &str| {
            doc.stages()[..n].iter().any(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(name))
            })
        };
        if image.value.eq_ignore_ascii_case("scratch") || is_stage(&image.value) {
            continue;
        }
        // An image named by an ARG without a default cannot be judged.
        let Some(resolved) = substitute(&image.value, &args) else {
            continue;
        };
        if resolved.eq_ignore_ascii_case("scratch") || is_stage(&resolved) || resolved.contains('@')
        {
            continue;
        }
        let last_segment = resolved.rsplit('/').next().unwrap_or(&resolved);
        let problem = match last_segment.split_once(':') {
            None => "has no tag",
            Some((_, "latest")) => "uses the tag `latest`",
            Some(_) => continue,
        };
        let via = if resolved == image.value {
            String::new()
        } else {
            format!(" (`{}` by its ARG default)", resolved)
        };
        out.push(
            Finding::new(
                &META,
                image.span.clone(),
                format!("FROM {}", image.value),
                format!(
                    "`FROM {}`{via} {problem}: each build may get a different image",
                    image.value
                ),
            )
            .with_note("pin a version tag, or better a digest: `image:tag@sha256:<digest>`"),
        );
    }
    let targets = stable_targets(out.iter().map(|f| f.target.clone()).collect());
    for (f, t) in out.iter_mut().zip(targets) {
        f.target = t;
    }
    out
}
