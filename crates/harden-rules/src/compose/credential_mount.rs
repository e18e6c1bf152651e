use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};

use super::docker_socket_mounted::is_docker_socket;
use super::volumes::{mounts, normalize_host_path, path_matches, read_only_fix};
use super::{list_label, remove_items_fix, selected, ComposeCx};
use crate::{Check, RuleDef};

pub static META: RuleMeta = RuleMeta {
    code: "CP009",
    name: "credential-mount",
    kind: FileKind::Compose,
    tier: Tier::T2,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "A service bind-mounts host credentials (`~/.ssh`, `~/.aws`, `~/.gitconfig` ...) or a sensitive host directory",
    breakage: "Tools in the container lose the credentials (with `credential_fix = \"read-only\"`: write access to them): `git push`, cloud CLIs, `gh` and registries stop authenticating. Give the agent its own scoped, short-lived tokens instead (an environment variable or a secret), not the user's",
    doc: include_str!("../../../../docs/rules/CP009.md"),
};

pub static RULE: RuleDef = RuleDef {
    meta: &META,
    check: Check::Compose(check),
};

/// `/` and `~` count only themselves; other sensitive paths cover what is inside.
pub fn sensitive(host: &str, pattern: &str) -> bool {
    let p = normalize_host_path(pattern);
    if p == "/" || p == "~" {
        host == p
    } else {
        host == p || host.starts_with(&format!("{p}/"))
    }
}

fn check(cx: &ComposeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let cfg = &cx.profile.mounts;
    let remove = cfg.credential_fix == "remove";
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for svc in selected(cx) {
        for m in mounts(doc, &svc) {
            let Some(host) = m.host_path() else { continue };
            if seen.contains(&m.node) || is_docker_socket(&host, &cfg.docker_sockets) {
                continue;
            }
            let credential = cfg.credential_paths.iter().any(|p| path_matches(&host, p));
            let broad = cfg.sensitive_paths.iter().any(|p| sensitive(&host, p));
            let accepted = !broad && m.read_only && !remove;
            if !(credential || broad) || accepted {
                continue;
            }
            seen.push(m.node);
            let source = m.source.clone().unwrap_or_default();
            let (what, fix) = if broad || remove {
                let what = if broad {
                    "a sensitive host directory"
                } else {
                    "host credentials"
                };
                (
                    what,
                    remove_items_fix(
                        doc,
                        m.list,
                        &[m.index],
                        &format!("Remove the mount of `{source}`"),
                        Applicability::Unsafe,
                    ),
                )
            } else {
                (
                    "host credentials",
                    read_only_fix(
                        doc,
                        &[&m],
                        &format!("Mount `{source}` read-only"),
                        Applicability::Unsafe,
                    ),
                )
            };
            let f = Finding::new(
                &META,
                doc.node(m.node).start..doc.node(m.node).end,
                format!("{}:{source}", list_label(doc, m.list, &svc)),
                format!("service `{}` mounts {what}: `{source}`", svc.name),
            );
            out.push(match fix {
                Ok(fix) => f.with_fix(fix),
                Err(e) => f.with_note(format!("no automatic fix: {e}")),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use harden_core::Document;
    use harden_profile::Profile;
    use harden_yaml::YamlDoc;

    fn titles(text: &str, credential_fix: &str) -> Vec<String> {
        let doc = YamlDoc::parse(text).unwrap();
        let mut profile = Profile::builtin();
        profile.mounts.credential_fix = credential_fix.to_string();
        let usage = super::super::ComposeUsage::default();
        let cx = ComposeCx::new(&doc, &profile, &usage);
        check(&cx)
            .into_iter()
            .map(|f| f.fix.map_or_else(|| "no fix".into(), |x| x.title))
            .collect()
    }

    const FILE: &str = "services:\n  a:\n    image: x\n    volumes:\n      - ~/.aws:/root/.aws:ro\n      - ~/.ssh:/root/.ssh\n";

    #[test]
    fn read_only_credentials_are_removed_by_default() {
        assert_eq!(
            titles(FILE, "remove"),
            [
                "Remove the mount of `~/.aws`",
                "Remove the mount of `~/.ssh`"
            ]
        );
    }

    #[test]
    fn the_read_only_profile_accepts_read_only_credentials() {
        assert_eq!(titles(FILE, "read-only"), ["Mount `~/.ssh` read-only"]);
    }
}
