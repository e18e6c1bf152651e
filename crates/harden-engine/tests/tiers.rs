//! Tiers are data: the built-in profile puts every rule in exactly the tier
//! its metadata names, and a run at tier N turns on exactly tiers 1..=N.

use harden_core::Tier;
use harden_engine::Settings;
use harden_profile::Profile;

#[test]
fn every_rule_is_in_exactly_its_own_tier() {
    let profile = Profile::builtin();
    for rule in harden_rules::all_rules() {
        let tiers: Vec<&String> = profile
            .tiers
            .iter()
            .filter(|(_, codes)| codes.iter().any(|c| c == rule.meta.code))
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            tiers,
            [&rule.meta.tier.to_string()],
            "{} is in tiers {tiers:?}",
            rule.meta.code
        );
    }
    assert!(harden_rules::unknown_codes(&profile).is_empty());
}

#[test]
fn each_tier_turns_on_exactly_its_rules_cumulatively() {
    let all = harden_rules::all_rules();
    let mut previous: Vec<&str> = Vec::new();
    for tier in Tier::ALL {
        let settings = Settings::new(Profile::builtin(), tier);
        let mut active: Vec<&str> = settings
            .active_rules()
            .iter()
            .map(|(r, _)| r.meta.code)
            .collect();
        active.sort_unstable();
        let mut expected: Vec<&str> = all
            .iter()
            .filter(|r| r.meta.tier <= tier)
            .map(|r| r.meta.code)
            .collect();
        expected.sort_unstable();
        assert_eq!(active, expected, "tier {tier}");
        assert!(
            previous.iter().all(|c| active.contains(c)),
            "tier {tier} dropped a rule of a lower tier"
        );
        previous = active;
    }
}

#[test]
fn a_custom_profile_moves_and_switches_rules() {
    let profile = Profile::load(
        "p.toml",
        "[tiers]\n1 = [\"DC001\"]\n3 = [\"DC003\", \"DC010\"]\n",
    )
    .unwrap();
    let codes = |t: u8| -> Vec<&str> {
        let s = Settings::new(profile.clone(), Tier::new(t).unwrap());
        let mut v: Vec<&str> = s.active_rules().iter().map(|(r, _)| r.meta.code).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(codes(1), ["DC001"]);
    assert!(!codes(2).contains(&"DC003"));
    assert!(codes(3).contains(&"DC003") && codes(3).contains(&"DC010"));
    let mut off = Settings::new(profile.clone(), Tier::T3);
    off.rule_switches.insert("DC003".into(), false);
    off.rule_switches.insert("DC007".into(), true);
    let v: Vec<&str> = off
        .active_rules()
        .iter()
        .map(|(r, _)| r.meta.code)
        .collect();
    assert!(!v.contains(&"DC003") && v.contains(&"DC007"), "{v:?}");
}
