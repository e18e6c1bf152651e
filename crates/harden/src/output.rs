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
    let rules = harden_rules::all_rules();
    for tier in Tier::ALL {
        writeln!(out, "\ntier {tier} ({})", tier.label())?;
        let in_tier: Vec<_> = rules
            .iter()
            .filter(|r| profile.tier_of(r.meta.code).unwrap_or(r.meta.tier) == tier)
            .collect();
        if in_tier.is_empty() {
            writeln!(out, "  (no rules)")?;
        }
        for rule in in_tier {
            let moved = match profile.tier_of(rule.meta.code) {
                Some(t) if t != rule.meta.tier => format!(" (moved from tier {})", rule.meta.tier),
                _ => String::new(),
            };
            writeln!(
                out,
                "  {} {:<32} {}{moved}",
                rule.meta.code, rule.meta.name, rule.meta.summary
            )?;
            writeln!(out, "        may break: {}", rule.meta.breakage)?;
        }
    }
    Ok(())
}
