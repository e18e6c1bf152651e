use harden_core::{
    Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath,
};
use serde_json::Value;

use super::users::Who;
use super::{append_fix, mode, run_args, top_level_strings, Mode};
use crate::{Check, DevcontainerCx, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "DC007",
    name: "no-new-privileges-missing",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Processes in the container can gain privileges through setuid binaries such as sudo",
    breakage: "`sudo` and every setuid program, including lifecycle commands and firewall scripts (`sudo init-firewall.sh`) that call sudo",
    doc: include_str!("../../../../docs/rules/DC007.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Devcontainer(check),
};

const WANTED: &str = "no-new-privileges:true";

/// `Some(true)` for an option that turns no-new-privileges on, `Some(false)` for one that turns it off.
fn setting(opt: &str) -> Option<bool> {
    let opt = opt.trim().to_ascii_lowercase();
    let rest = opt.strip_prefix("no-new-privileges")?;
    match rest {
        "" | ":true" | "=true" => Some(true),
        ":false" | "=false" => Some(false),
        _ => None,
    }
}

/// The no-new-privileges settings of securityOpt and (image or Dockerfile
/// mode) runArgs, in order.
fn settings_of(doc: &harden_jsonc::JsoncDoc, mode: &Mode) -> Vec<bool> {
    let run_opts: Vec<String> = match (mode, run_args::node(doc)) {
        (Mode::Container, Some(array)) => run_args::parse(array)
            .into_iter()
            .filter(|a| a.is("--security-opt"))
            .filter_map(|a| a.value)
            .collect(),
        _ => Vec::new(),
    };
    top_level_strings(doc, "securityOpt")
        .iter()
        .map(|(_, _, s)| *s)
        .chain(run_opts.iter().map(String::as_str))
        .filter_map(setting)
        .collect()
}

/// Whether the config turns no-new-privileges on and never off.
pub fn in_force(doc: &harden_jsonc::JsoncDoc) -> bool {
    let settings = settings_of(doc, &mode(doc));
    settings.contains(&true) && !settings.contains(&false)
}

fn check(cx: &DevcontainerCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mode = mode(doc);
    if mode == Mode::Unknown {
        return Vec::new();
    }
    let opts = top_level_strings(doc, "securityOpt");
    let settings = settings_of(doc, &mode);
    if settings.contains(&true) && !settings.contains(&false) {
        return Vec::new();
    }
    // An explicit opt-out in securityOpt is turned around in place.
    if let Some((i, node, opt)) = opts.iter().find(|(_, _, s)| setting(s) == Some(false)) {
        let fix = Fix::new(
            format!("Replace `{opt}` with `{WANTED}`"),
            Applicability::Unsafe,
            vec![Edit::replace(
                node.range.clone(),
                Value::String(WANTED.into()).to_string(),
            )],
            vec![Change::Set {
                path: ValuePath::root().child("securityOpt").child(*i),
                value: Value::String(WANTED.into()),
            }],
        );
        return vec![Finding::new(
            &META,
            node.range.clone(),
            "securityOpt:no-new-privileges",
            format!("securityOpt turns no-new-privileges off (`{opt}`)"),
        )
        .with_fix(fix)];
    }
    if settings.contains(&false) {
        // The opt-out sits in runArgs; DC-level removal would be a guess.
        let root = doc.root();
        return vec![Finding::new(
            &META,
            root.range.start..root.range.start + 1,
            "securityOpt:no-new-privileges",
            "runArgs turns no-new-privileges off",
        )
        .with_note("remove `--security-opt no-new-privileges:false` from runArgs")];
    }
    let root = doc.root();
    let range = root
        .get("securityOpt")
        .map_or(root.range.start..root.range.start + 1, |m| m.range());
    let finding = Finding::new(
        &META,
        range,
        "securityOpt:no-new-privileges",
        "no-new-privileges is not set",
    );
    // A lifecycle command that calls sudo stops working under
    // no-new-privileges: the fix is shown, never written by policy.
    let sudo = super::lifecycle_commands(doc)
        .into_iter()
        .find(|(_, text)| {
            text.split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
                .any(|w| w == "sudo")
        });
    // So does a feature's entrypoint that starts its service with sudo,
    // unless the container runs as root.
    let facts = &cx.profile.features;
    let entrypoint = super::feature_on(doc, &facts.sudo_entrypoint)
        .map(|name| (name, super::users::users(cx).container))
        .filter(|(_, user)| *user != Who::Root);
    let applicability = if sudo.is_some() || entrypoint.is_some() {
        Applicability::DisplayOnly
    } else {
        Applicability::Unsafe
    };
    match append_fix(
        doc,
        &["securityOpt"],
        vec![Value::String(WANTED.into())],
        format!("Add `{WANTED}` to securityOpt"),
        applicability,
    ) {
        Some(fix) => {
            let finding = finding.with_fix(fix);
            match (sudo, entrypoint) {
                (Some((key, text)), _) => vec![finding.with_note(format!(
                    "shown only: `{key}` runs `{text}`, and sudo cannot raise privileges under no-new-privileges, so that command would fail at every start; run it as root before the user's commands (an entrypoint, or the tier-4 egress feature for a firewall), then add the option"
                ))],
                (None, Some((name, user))) => {
                    let who = match user {
                        Who::User(u) => format!("`{u}`"),
                        _ => "a user that is not known to be root".to_string(),
                    };
                    vec![finding.with_note(format!(
                        "shown only: the feature `{name}` starts its service from its entrypoint with sudo when the container user is not root, and the container runs as {who}: under no-new-privileges the entrypoint fails and the container stops; set `containerUser` to root (keeping a non-root `remoteUser`), then add the option"
                    ))]
                }
                (None, None) => match super::feature_on(doc, &facts.passwordless_sudo) {
                    Some(name) => vec![finding.with_note(format!(
                        "the feature `{name}` gives the remote user passwordless sudo: with this option sudo fails, which is what keeps the agent from becoming root"
                    ))],
                    None => vec![finding],
                },
            }
        }
        None => vec![finding.with_note("securityOpt is not an array")],
    }
}
