//! `harden diff --tier N` on examples/multi-agent through the real binary,
//! N = 1..4: a snapshot of each diff, only rules of tiers <= N in it, tiers
//! cumulative, and a patch that `git apply` accepts.

mod common;

use common::{copy_tree, harden};

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use harden_profile::Profile;
use serde_json::Value;

#[test]
fn diff_per_tier_of_the_multi_agent_example() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/multi-agent");
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&example, tmp.path());
    let profile = Profile::builtin();
    let mut previous: BTreeSet<String> = BTreeSet::new();
    for n in 1..=4u8 {
        let tier = n.to_string();
        let text = harden(tmp.path(), &["diff", "--tier", &tier, "."]);
        assert_eq!(
            text.status.code(),
            Some(1),
            "tier {n}: {}",
            String::from_utf8_lossy(&text.stderr)
        );
        let diff = String::from_utf8(text.stdout).unwrap();

        let json = harden(
            tmp.path(),
            &["diff", "--tier", &tier, "--format", "json", "."],
        );
        let report: Value = serde_json::from_slice(&json.stdout).expect("json report");
        assert_eq!(report["errors"], Value::Array(vec![]), "tier {n}");
        // The JSON report describes the same patch.
        let json_diff: String = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["diff"].as_str())
            .collect();
        assert_eq!(json_diff, diff, "tier {n}: text and json diffs differ");
        let findings = report["findings"].as_array().unwrap();
        let mut applied: BTreeSet<String> = BTreeSet::new();
        for f in findings {
            let code = f["code"].as_str().unwrap();
            let reported = f["tier"].as_u64().unwrap();
            let tier_of = profile
                .tier_of(code)
                .unwrap_or(harden_rules::rule_by_code(code).expect("a rule").meta.tier)
                .get();
            assert_eq!(reported, u64::from(tier_of), "{code}");
            assert!(
                tier_of <= n,
                "tier {n}: {code} (tier {tier_of}) reported: {}",
                f["message"]
            );
        }
        // Every applied fix, also those for findings that arose after earlier fixes.
        for file in report["files"].as_array().unwrap() {
            for fix in file["applied"].as_array().unwrap() {
                let code = fix["code"].as_str().unwrap();
                let tier_of = profile
                    .tier_of(code)
                    .unwrap_or(harden_rules::rule_by_code(code).expect("a rule").meta.tier)
                    .get();
                assert!(tier_of <= n, "tier {n}: {code} (tier {tier_of}) applied");
                applied.insert(format!("{code} (tier {tier_of})"));
            }
        }
        assert!(
            applied.is_superset(&previous) && applied.len() > previous.len(),
            "tier {n} does not add fixes to tier {}: {applied:?}",
            n - 1
        );
        previous = applied.clone();

        // The patch applies to the example as it is.
        std::fs::write(tmp.path().join("tier.diff"), &diff).unwrap();
        let check = Command::new("git")
            .args(["apply", "--check", "tier.diff"])
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "tier {n}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
        std::fs::remove_file(tmp.path().join("tier.diff")).unwrap();

        let fixes: Vec<String> = applied.into_iter().collect();
        let rendered = format!("applied: {}\n\n{diff}", fixes.join(", "));
        insta::with_settings!({snapshot_suffix => format!("tier{n}"), omit_expression => true}, {
            insta::assert_snapshot!("multi_agent_diff", rendered);
        });
    }
}
