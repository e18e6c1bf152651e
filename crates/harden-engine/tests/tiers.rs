//! A rule's tier comes from its metadata alone: the built-in profile moves
//! none, a custom one may, and a run at tier N turns on exactly tiers 1..=N.

use harden_core::Tier;
use harden_engine::Settings;
use harden_profile::Profile;

#[test]
fn the_builtin_profile_moves_no_rule() {
    let profile = Profile::builtin();
    assert!(
        profile.tiers.values().all(Vec::is_empty),
        "a rule's tier is its META.tier: {:?}",
        profile.tiers
    );
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
    // DC003 moves up from tier 1, DC010 down from tier 3, DC001 stays.
    let profile = Profile::load(
        "p.toml",
        "[tiers]\n1 = [\"DC001\", \"DC010\"]\n3 = [\"DC003\"]\n",
    )
    .unwrap();
    let codes = |t: u8| -> Vec<&str> {
        let s = Settings::new(profile.clone(), Tier::new(t).unwrap());
        let mut v: Vec<&str> = s.active_rules().iter().map(|(r, _)| r.meta.code).collect();
        v.sort_unstable();
        v
    };
    let builtin_t1 = Settings::new(Profile::builtin(), Tier::T1)
        .active_rules()
        .len();
    assert_eq!(codes(1).len(), builtin_t1, "{:?}", codes(1));
    assert!(codes(1).contains(&"DC001") && codes(1).contains(&"DC010"));
    assert!(!codes(2).contains(&"DC003"));
    assert!(codes(3).contains(&"DC003"));
    let tier_of = |code: &str| {
        Settings::new(profile.clone(), Tier::MAX)
            .active_rules()
            .into_iter()
            .find(|(r, _)| r.meta.code == code)
            .map(|(_, t)| t)
    };
    assert_eq!(tier_of("DC003"), Some(Tier::T3));
    assert_eq!(tier_of("DC010"), Some(Tier::T1));
    let twice = Profile::load("p.toml", "[tiers]\n1 = [\"DC003\"]\n2 = [\"DC003\"]\n");
    assert!(twice
        .unwrap_err()
        .to_string()
        .contains("`DC003` is moved to more than one tier"));
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
