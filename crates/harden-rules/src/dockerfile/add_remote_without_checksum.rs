use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use harden_dockerfile::Source;
use harden_shell::is_sha256;

use super::{sources, stable_targets, SHA256};
use crate::{Check, DockerfileCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DF004",
    name: "add-remote-without-checksum",
    kind: FileKind::Dockerfile,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe with a checksum, otherwise shown only",
    summary: "`ADD` fetches a URL without `--checksum`: whatever the server sends goes into the image",
    breakage: "The build fails when the remote file changes. `--checksum` needs BuildKit with Dockerfile syntax 1.6 or later (Docker 24+, or `# syntax=docker/dockerfile:1.6`)",
    doc: include_str!("../../../../docs/rules/DF004.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

fn is_remote(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    for (index, ins) in doc.instructions().iter().enumerate() {
        if !ins.is("ADD") || ins.flag("checksum").is_some() {
            continue;
        }
        let srcs = sources(ins);
        let remote: Vec<_> = srcs
            .iter()
            .filter_map(|s| match s {
                Source::Path(p) if is_remote(&p.value) => Some(p),
                _ => None,
            })
            .collect();
        for p in &remote {
            let url = p.value.clone();
            let mut f = Finding::new(
                &META,
                p.span.clone(),
                format!("ADD {url}"),
                format!("`ADD {url}` puts whatever the server sends into the image, unchecked"),
            );
            if srcs.len() != 1 {
                out.push(f.with_note("`--checksum` takes one source: split this ADD, one URL each, and add `--checksum=sha256:<hex>`"));
                continue;
            }
            f = f.with_input(SHA256, url.clone());
            let sha = cx.inputs.get(SHA256, &url).filter(|h| is_sha256(h));
            let hex = sha.map_or_else(|| format!("<sha256-of-{url}>"), str::to_string);
            let flag = format!("--checksum=sha256:{hex}");
            let (title, applicability) = match sha {
                Some(_) => (format!("Add `{flag}`"), Applicability::Unsafe),
                None => (
                    format!("Add `{flag}` (fill in the checksum)"),
                    Applicability::DisplayOnly,
                ),
            };
            let fix = doc
                .prepend_flag(index, "checksum", &format!("sha256:{hex}"))
                .into_fix(title, applicability);
            f = f.with_fix(fix);
            if sha.is_none() {
                f = f.with_note(super::curl_pipe_shell::SHA256_UNKNOWN);
            }
            out.push(f);
        }
    }
    let targets = stable_targets(out.iter().map(|f| f.target.clone()).collect());
    for (f, t) in out.iter_mut().zip(targets) {
        f.target = t;
    }
    out
}
