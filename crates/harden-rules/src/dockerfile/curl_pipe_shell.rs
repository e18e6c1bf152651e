use harden_core::{Applicability, FileKind, Finding, FixInputs, RuleMeta, Severity, Tier};
use harden_shell::{is_sha256, Match, MatchKind};

use super::{stable_targets, ShellSite};
use crate::{Check, DockerfileCx, RuleDef};

/// The [`harden_core::InputRequest`] kind this rule asks for, by URL.
pub const SHA256: &str = "sha256";

pub static META: RuleMeta = RuleMeta {
    code: "DF001",
    name: "curl-pipe-shell",
    kind: FileKind::Dockerfile,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe with a checksum, otherwise shown only",
    summary: "A downloaded script runs without any check of what was downloaded (`curl … | sh`)",
    breakage: "The build fails whenever the upstream script changes, until the checksum is updated: that is the point, but it means a manual update when the vendor ships a new installer",
    doc: include_str!("../../../../docs/rules/DF001.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Dockerfile(check),
};

fn check(cx: &DockerfileCx<'_>) -> Vec<Finding> {
    let interpreters: Vec<&str> = cx
        .profile
        .dockerfile
        .interpreters
        .iter()
        .map(String::as_str)
        .collect();
    // (site, the matches of one URL in it, in order)
    let mut groups: Vec<(ShellSite, Vec<Match>)> = Vec::new();
    for (i, site) in cx.shell_sites().iter().enumerate() {
        let src = &site.text.text;
        if !src.contains("curl") && !src.contains("wget") {
            continue;
        }
        let script = cx.script(i);
        let mut by_url: Vec<Vec<Match>> = Vec::new();
        for m in harden_shell::find(script, src, &interpreters) {
            match by_url.iter_mut().find(|g| g[0].url == m.url) {
                Some(g) => g.push(m),
                None => by_url.push(vec![m]),
            }
        }
        groups.extend(by_url.into_iter().map(|g| (site.clone(), g)));
    }
    let keys = groups
        .iter()
        .map(|(_, g)| g[0].url.clone().unwrap_or_else(|| "?".into()))
        .collect();
    groups
        .iter()
        .zip(stable_targets(keys))
        .map(|((site, group), target)| {
            let range = site.source_range(group[0].range.clone());
            finding(group, range, target, cx.inputs, |edits, title, app| {
                site.fix(edits, title, app)
            })
        })
        .collect()
}

/// The finding for the matches of one URL in one piece of shell, shared with the devcontainer lifecycle rule:
/// a fix with the user's sha256 (unsafe), or shown with a placeholder.
pub fn finding(
    group: &[Match],
    range: std::ops::Range<usize>,
    target: String,
    inputs: &FixInputs,
    make_fix: impl Fn(&[harden_shell::TextEdit], String, Applicability) -> harden_core::Fix,
) -> Finding {
    let meta: &'static RuleMeta = &META;
    finding_for(meta, group, range, target, inputs, make_fix)
}

/// The note of a checked-download fix that waits for its sha256.
pub(crate) const SHA256_UNKNOWN: &str =
    "its sha256 cannot be known offline: pass `--sha256 URL=HEX` to make this fix writable";

pub(crate) fn finding_for(
    meta: &'static RuleMeta,
    group: &[Match],
    range: std::ops::Range<usize>,
    target: String,
    inputs: &FixInputs,
    make_fix: impl Fn(&[harden_shell::TextEdit], String, Applicability) -> harden_core::Fix,
) -> Finding {
    let m = &group[0];
    let url = m.url.as_deref().unwrap_or("a URL");
    let shape = match m.kind {
        MatchKind::Pipe => format!("{} … | {}", m.tool.name(), m.interpreter),
        MatchKind::CommandSubstitution if m.interpreter == "eval" => {
            format!("eval \"$({} …)\"", m.tool.name())
        }
        MatchKind::CommandSubstitution => {
            format!("{} -c \"$({} …)\"", m.interpreter, m.tool.name())
        }
        MatchKind::ProcessSubstitution => format!("{} <({} …)", m.interpreter, m.tool.name()),
    };
    let times = match group.len() {
        1 => String::new(),
        n => format!(" ({n} times)"),
    };
    let message = format!("`{shape}` runs {url} as downloaded, without checking it{times}");
    let mut f = Finding::new(meta, range, target, message);
    if let Some(reason) = group.iter().find_map(|m| m.no_fix) {
        return f.with_note(format!(
            "no automatic fix: {reason}; download to a file, check its sha256 with `sha256sum -c`, then run it"
        ));
    }
    if let Some(u) = &m.url {
        f = f.with_input(SHA256, u.clone());
    }
    let sha = m
        .url
        .as_deref()
        .and_then(|u| inputs.get(SHA256, u))
        .filter(|h| is_sha256(h));
    let Some(edits) = group
        .iter()
        .map(|m| m.rewrite(sha))
        .collect::<Option<Vec<_>>>()
        .map(|e| e.concat())
    else {
        return f;
    };
    match sha {
        Some(_) => {
            let title = format!("Download it to {}, check its sha256, then run it", m.file);
            f.with_fix(make_fix(&edits, title, Applicability::Unsafe))
        }
        None => {
            let title = format!(
                "Download it to {}, check its sha256 (fill in the placeholder), then run it",
                m.file
            );
            f.with_fix(make_fix(&edits, title, Applicability::DisplayOnly))
                .with_note(SHA256_UNKNOWN)
        }
    }
}
