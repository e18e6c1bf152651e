//! Text output: the profile listing here; findings, diffs and summaries
//! live in harden-render's `text` format.

use std::io::{self, Write};

use harden_core::Tier;
use harden_profile::Profile;

pub use harden_render::text::{
    new_file_path, plural, write_diff, write_file_diff_summary, write_findings, write_host_root,
    CheckTally,
};

pub fn write_profile(out: &mut impl Write, profile: &Profile) -> io::Result<()> {
    writeln!(out, "profile {}: {}", profile.name, profile.description)?;
    for tier in Tier::ALL {
        writeln!(out, "\ntier {tier} ({})", tier.label())?;
        let codes = profile
            .tiers
            .get(&tier.to_string())
            .cloned()
            .unwrap_or_default();
        if codes.is_empty() {
            writeln!(out, "  (no rules)")?;
        }
        for code in codes {
            match harden_rules::rule_by_code(&code) {
                Some(rule) => {
                    writeln!(
                        out,
                        "  {} {:<32} {}",
                        rule.meta.code, rule.meta.name, rule.meta.summary
                    )?;
                    writeln!(out, "        may break: {}", rule.meta.breakage)?;
                }
                None => writeln!(out, "  {code} (unknown rule)")?,
            }
        }
    }
    Ok(())
}
