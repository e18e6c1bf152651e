//! The engine: discovery, the fix loop and verification.
//!
//! Every fix is verified before it counts: the fixed text re-parses, its
//! value equals the input's value with exactly the fix's changes applied,
//! BOM, line endings and final newline are unchanged, and the finding the
//! fix was for is gone. A fix that fails is dropped and reported; it is
//! never part of the output.

mod discover;
mod fixloop;
mod read;
mod write;

pub use discover::{discover, kind_of, Discovered};
pub use fixloop::{Decision, FileOutcome, Rejected, MAX_PASSES};
pub use read::{read_source, FileError, MAX_FILE_BYTES};
pub use write::{resolve_target, write_fixed, write_new};

use harden_core::{FileKind, Finding, LineIndex, Tier};
use harden_jsonc::JsoncDoc;
use harden_profile::Profile;
use harden_rules::{Check, DevcontainerCx, RuleDef};

/// What a run checks: the profile and the highest tier to run.
pub struct Settings {
    pub profile: Profile,
    pub tier: Tier,
}

impl Settings {
    pub fn new(profile: Profile, tier: Tier) -> Self {
        Settings { profile, tier }
    }

    /// The rules the profile turns on up to the tier, with their tiers.
    pub fn active_rules(&self) -> Vec<(&'static RuleDef, Tier)> {
        let rules = harden_rules::all_rules();
        self.profile
            .rules_up_to(self.tier)
            .into_iter()
            .filter_map(|(code, tier)| {
                rules
                    .iter()
                    .find(|r| r.meta.code == code)
                    .map(|r| (*r, tier))
            })
            .collect()
    }
}

/// Check and fix one file's text. `decide` is asked about every fix that
/// passed verification (see [`Decision`]).
pub fn process_text(
    display_path: &str,
    kind: FileKind,
    text: &str,
    settings: &Settings,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, FileError> {
    let rules = settings.active_rules();
    let outcome = match kind {
        FileKind::Devcontainer => {
            let check = |doc: &JsoncDoc| {
                let cx = DevcontainerCx {
                    doc,
                    profile: &settings.profile,
                };
                let mut out = Vec::new();
                for (rule, tier) in &rules {
                    if let Check::Devcontainer(f) = rule.check {
                        out.extend(f(&cx).into_iter().map(|mut finding| {
                            finding.tier = *tier;
                            finding
                        }));
                    }
                }
                out
            };
            fixloop::run::<JsoncDoc>(text, &check, decide)
        }
        other => {
            return Err(FileError::new(
                display_path,
                None,
                format!("{} files are not supported yet", other.name()),
            ))
        }
    };
    outcome.map_err(|e| FileError::new(display_path, Some(e.pos), e.message))
}

/// Fill in line/column positions of findings from the text they were found in.
pub(crate) fn locate(findings: &mut [Finding], text: &str) {
    let index = LineIndex::new(text);
    for f in findings {
        f.start_pos = index.line_col(text, f.start);
        f.end_pos = index.line_col(text, f.end);
    }
}
