//! The bot's words: PR title and body, commit message, and the fingerprint
//! that tells whether a PR already shows a patch.

use harden_core::Tier;
use harden_engine::FileOutcome;
use harden_render::Report;
use sha2::{Digest, Sha256};

use crate::{Options, TRAILER};

/// The hidden marker in a PR body: `<!-- harden-fingerprint: HEX -->`.
pub const FINGERPRINT_TAG: &str = "harden-fingerprint";

/// SHA-256 of the patch, in hex.
pub fn fingerprint(patch: &str) -> String {
    Sha256::digest(patch.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fingerprint a PR body carries, if any: read from the marker harden
/// writes as the body's last line, never from a copy elsewhere (a fixed
/// file's content shown in the diff can hold one).
pub fn fingerprint_in(body: &str) -> Option<String> {
    let last = body.trim_end().lines().last()?.trim();
    let fp = last
        .strip_prefix(&format!("<!-- {FINGERPRINT_TAG}: "))?
        .strip_suffix(" -->")?;
    (fp.len() == 64 && fp.bytes().all(|b| b.is_ascii_hexdigit())).then(|| fp.to_string())
}

fn fix_count(files: &[(String, FileOutcome)]) -> usize {
    files.iter().map(|(_, o)| o.applied.len()).sum()
}

pub fn pr_title(tier: Tier, files: &[(String, FileOutcome)]) -> String {
    let n = fix_count(files);
    let fixes = if n == 1 { "fix" } else { "fixes" };
    format!("harden: {n} security {fixes} for dev-container configs (tier {tier})")
}

/// The PR body: what the PR is, the findings table and diff (escaped by the
/// markdown renderer), and the hidden fingerprint.
pub fn pr_body(report: &Report, opts: &Options, fingerprint: &str) -> String {
    let which = if opts.unsafe_fixes {
        "safe and unsafe fixes"
    } else {
        "safe fixes only"
    };
    format!(
        "This pull request was opened by `harden bot` (harden {version}): rules of tiers 1 to {tier}, {which}.\n\
         Every fix was verified before it was committed: the file still parses, its value changed exactly as \
         intended, and the finding is gone. `harden rule CODE` explains a rule and what its fix may break.\n\n\
         {table}\n\
         The bot updates this branch while only it has committed to it; push a commit of your own and it \
         leaves the branch alone.\n\n\
         <!-- {FINGERPRINT_TAG}: {fingerprint} -->\n",
        version = opts.tool_version,
        tier = opts.tier,
        table = harden_render::markdown::to_string(report),
    )
}

/// One line per applied fix, then the fingerprint trailer. Paths are shown
/// with line breaks made visible, so no path can forge a trailer.
pub fn commit_message(title: &str, files: &[(String, FileOutcome)], fingerprint: &str) -> String {
    let visible = |s: &str| s.replace('\n', "␊").replace('\r', "␍");
    let mut m = format!("{title}\n\n");
    for (path, o) in files {
        for f in &o.applied {
            if let Some(fix) = &f.fix {
                m.push_str(&format!(
                    "- {} {} in {}: {} ({})\n",
                    f.rule.code,
                    f.rule.name,
                    visible(path),
                    visible(&fix.title),
                    fix.applicability
                ));
            }
        }
    }
    m.push_str(&format!("\n{TRAILER}: {fingerprint}\n"));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_round_trips_through_a_body() {
        let fp = fingerprint("diff");
        assert_eq!(fp.len(), 64);
        let body = format!("text\n<!-- {FINGERPRINT_TAG}: {fp} -->\n");
        assert_eq!(fingerprint_in(&body), Some(fp));
        assert_eq!(fingerprint_in("no marker"), None);
        assert_eq!(fingerprint_in("<!-- harden-fingerprint: <b> -->"), None);
    }

    #[test]
    fn a_marker_copied_into_the_diff_is_not_the_fingerprint() {
        let real = fingerprint("patch");
        let planted = fingerprint("other");
        let body = format!(
            "text\n```diff\n+<!-- {FINGERPRINT_TAG}: {planted} -->\n```\n\n<!-- {FINGERPRINT_TAG}: {real} -->\n"
        );
        assert_eq!(fingerprint_in(&body), Some(real));
        let only_planted = format!("```\n<!-- {FINGERPRINT_TAG}: {planted} -->\n```\n");
        assert_eq!(fingerprint_in(&only_planted), None);
    }
}
