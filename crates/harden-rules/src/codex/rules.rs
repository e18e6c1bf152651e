use harden_core::{
    Applicability, Change, Document, FileKind, Finding, Fix, RuleMeta, Severity, Tier,
};
use serde_json::Value;

use super::{legacy_profiles, CodexCx, CodexLayer};
use crate::{Check, RuleDef};

pub static SANDBOX_META: RuleMeta = RuleMeta {
    code: "CX001",
    name: "codex-sandbox-full-access",
    kind: FileKind::CodexConfig,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Codex runs commands without its sandbox (`sandbox_mode = \"danger-full-access\"`)",
    breakage: "On Linux the sandbox is bubblewrap and needs unprivileged user namespaces; in an unprivileged container it cannot start. The documented alternative there is a hardened container plus `danger-full-access`: keep the finding suppressed with a reason in that case",
    doc: include_str!("../../../../docs/rules/CX001.md"),
};
pub static SANDBOX_RULE: RuleDef = RuleDef {
    meta: &SANDBOX_META,
    check: Check::Codex(check_sandbox),
};

pub static APPROVAL_META: RuleMeta = RuleMeta {
    code: "CX002",
    name: "codex-approval-never",
    kind: FileKind::CodexConfig,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Codex never asks before leaving the sandbox (`approval_policy = \"never\"`, or the deprecated `on-failure`)",
    breakage: "Unattended runs stop when a command needs approval",
    doc: include_str!("../../../../docs/rules/CX002.md"),
};
pub static APPROVAL_RULE: RuleDef = RuleDef {
    meta: &APPROVAL_META,
    check: Check::Codex(check_approval),
};

pub static NETWORK_META: RuleMeta = RuleMeta {
    code: "CX003",
    name: "codex-sandbox-network-on",
    kind: FileKind::CodexConfig,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The workspace-write sandbox lets commands reach the network (`[sandbox_workspace_write] network_access = true`)",
    breakage: "Installs and fetches inside the sandbox fail; Codex asks to run them outside, or use a container egress allowlist (CP013, DC011) instead",
    doc: include_str!("../../../../docs/rules/CX003.md"),
};
pub static NETWORK_RULE: RuleDef = RuleDef {
    meta: &NETWORK_META,
    check: Check::Codex(check_network),
};

pub static ENV_META: RuleMeta = RuleMeta {
    code: "CX004",
    name: "codex-shell-env-unfiltered",
    kind: FileKind::CodexConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Commands Codex runs inherit every environment variable, tokens and keys included: the default filter is off unless `ignore_default_excludes = false`",
    breakage: "Commands no longer see matching variables; give a tool what it needs with `set`",
    doc: include_str!("../../../../docs/rules/CX004.md"),
};
pub static ENV_RULE: RuleDef = RuleDef {
    meta: &ENV_META,
    check: Check::Codex(check_env),
};

pub static CODE_META: RuleMeta = RuleMeta {
    code: "CX005",
    name: "codex-config-runs-code",
    kind: FileKind::CodexConfig,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "report only",
    summary:
        "The config starts programs: MCP server commands, hooks, `notify`, provider auth commands",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/CX005.md"),
};
pub static CODE_RULE: RuleDef = RuleDef {
    meta: &CODE_META,
    check: Check::Codex(check_code),
};

pub static NOT_READ_META: RuleMeta = RuleMeta {
    code: "CX006",
    name: "codex-keys-not-read",
    kind: FileKind::CodexConfig,
    tier: Tier::T1,
    severity: Severity::Info,
    fix: "report only",
    summary: "Settings Codex does not read where they are: `[profiles.*]` and `profile` (since 0.134), provider and notify keys in a project file",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/CX006.md"),
};
pub static NOT_READ_RULE: RuleDef = RuleDef {
    meta: &NOT_READ_META,
    check: Check::Codex(check_not_read),
};

pub static TRUST_META: RuleMeta = RuleMeta {
    code: "CX007",
    name: "codex-broad-project-trust",
    kind: FileKind::CodexConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "report only",
    summary: "A home directory or `/` is a trusted project: repositories below it may have their `.codex/config.toml` honoured without a prompt",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/CX007.md"),
};
pub static TRUST_RULE: RuleDef = RuleDef {
    meta: &TRUST_META,
    check: Check::Codex(check_trust),
};

/// Whether a path is `/`, `~` or a home directory (`/home/NAME`,
/// `/Users/NAME`, `/root`, `C:\Users\NAME`).
fn is_broad(path: &str) -> bool {
    let p = path.trim_end_matches(['/', '\\']);
    let parts: Vec<&str> = p.split(['/', '\\']).filter(|s| !s.is_empty()).collect();
    p.is_empty()
        || p == "~"
        || p == "/root"
        || (parts.len() == 2 && matches!(parts[0], "home" | "Users"))
        || (parts.len() == 3 && parts[0].ends_with(':') && parts[1] == "Users")
        || (parts.len() == 1 && parts[0].ends_with(':'))
}

fn check_trust(cx: &CodexCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let value = doc.value();
    let Some(projects) = value.get("projects").and_then(Value::as_object) else {
        return Vec::new();
    };
    projects
        .iter()
        .filter(|(p, v)| is_broad(p) && v.get("trust_level").and_then(Value::as_str) == Some("trusted"))
        .map(|(p, _)| {
            Finding::new(
                &TRUST_META,
                doc.range_of(&["projects", p]),
                format!("projects.{p}"),
                format!("`{p}` is a trusted project{}", cx.at()),
            )
            .with_note("whether trust on a parent folder covers the repositories below it is not documented; trust each repository on its own (`trust_level = \"trusted\"` per repository path)")
        })
        .collect()
}

pub static ROOTS_META: RuleMeta = RuleMeta {
    code: "CX008",
    name: "codex-writable-roots-broad",
    kind: FileKind::CodexConfig,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "The workspace-write sandbox may write to `/`, a home directory, system folders or credential stores (`writable_roots`)",
    breakage: "Commands that wrote to those folders from the sandbox ask to run outside it",
    doc: include_str!("../../../../docs/rules/CX008.md"),
};
pub static ROOTS_RULE: RuleDef = RuleDef {
    meta: &ROOTS_META,
    check: Check::Codex(check_roots),
};

fn check_roots(cx: &CodexCx<'_>) -> Vec<Finding> {
    use crate::compose::volumes::{normalize_host_path, path_matches};
    let doc = cx.doc;
    let keys = ["sandbox_workspace_write", "writable_roots"];
    let value = doc.value();
    let Some(Value::Array(items)) = value.get(keys[0]).and_then(|t| t.get(keys[1])) else {
        return Vec::new();
    };
    let m = &cx.profile.mounts;
    let bad: Vec<(usize, String)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s.to_string())))
        .filter(|(_, s)| {
            let host = normalize_host_path(s);
            is_broad(&host)
                || m.credential_paths.iter().any(|p| path_matches(&host, p))
                || m.sensitive_paths.iter().any(|p| {
                    let p = normalize_host_path(p);
                    host == p || (p != "/" && p != "~" && host.starts_with(&format!("{p}/")))
                })
        })
        .collect();
    if bad.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = bad.iter().map(|(_, s)| format!("`{s}`")).collect();
    let indices: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
    let f = Finding::new(
        &ROOTS_META,
        doc.range_of(&keys),
        "sandbox_workspace_write.writable_roots",
        format!("the sandbox may write to {}{}", names.join(", "), cx.at()),
    );
    let path = harden_core::ValuePath::root().child(keys[0]).child(keys[1]);
    let changes = indices
        .iter()
        .rev()
        .map(|i| Change::Remove {
            path: path.child(*i),
        })
        .collect();
    let edit = doc.edit(|d| harden_toml::remove_items(d, &keys, &indices));
    vec![match edit {
        Some(edits) => f.with_fix(Fix::new(
            format!("Remove {} from `writable_roots`", names.join(", ")),
            Applicability::Unsafe,
            edits,
            changes,
        )),
        None => f.with_note("harden cannot edit this file without changing other bytes"),
    }]
}

/// An edit of the document `harden-toml` renders back into a splice.
type TomlEdit = Box<dyn FnOnce(&mut toml_edit::DocumentMut) -> Option<()>>;

/// The key paths a mode key can sit at: the root and each legacy profile.
fn scopes(cx: &CodexCx<'_>) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    out.extend(
        legacy_profiles(cx.doc)
            .into_iter()
            .map(|p| vec!["profiles".to_string(), p]),
    );
    out
}

fn replace_string(
    cx: &CodexCx<'_>,
    meta: &'static RuleMeta,
    key: &str,
    bad: &[&str],
    good: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for scope in scopes(cx) {
        let mut path: Vec<&str> = scope.iter().map(String::as_str).collect();
        path.push(key);
        let Some(current) = cx.str_at(&path) else {
            continue;
        };
        if !bad.contains(&current) {
            continue;
        }
        let dotted = path.join(".");
        let mut f = Finding::new(
            meta,
            cx.doc.range_of(&path),
            dotted.clone(),
            format!("`{dotted} = \"{current}\"`{}", cx.at()),
        );
        if !scope.is_empty() {
            f = f.with_note("`[profiles.*]` tables are not read since Codex 0.134 (CX006); fixed for older versions");
        }
        let fix = cx
            .doc
            .set_at(&path, Value::String(good.to_string()))
            .map(|p| {
                p.into_fix(
                    format!("Set `{dotted}` to \"{good}\""),
                    Applicability::Unsafe,
                )
            });
        out.push(match fix {
            Some(fix) => f.with_fix(fix),
            None => f.with_note("harden cannot edit this file without changing other bytes"),
        });
    }
    out
}

fn check_sandbox(cx: &CodexCx<'_>) -> Vec<Finding> {
    let good = cx.profile.codex.sandbox_mode.clone();
    replace_string(
        cx,
        &SANDBOX_META,
        "sandbox_mode",
        &["danger-full-access"],
        &good,
    )
}

fn check_approval(cx: &CodexCx<'_>) -> Vec<Finding> {
    let good = cx.profile.codex.approval_policy.clone();
    replace_string(
        cx,
        &APPROVAL_META,
        "approval_policy",
        &["never", "on-failure"],
        &good,
    )
}

fn check_network(cx: &CodexCx<'_>) -> Vec<Finding> {
    let path = ["sandbox_workspace_write", "network_access"];
    if cx.doc.get(&path).and_then(|i| i.as_bool()) != Some(true) {
        return Vec::new();
    }
    let f = Finding::new(
        &NETWORK_META,
        cx.doc.range_of(&path),
        "sandbox_workspace_write.network_access",
        format!("sandboxed commands may reach the network{}", cx.at()),
    );
    vec![match cx
        .doc
        .set_at(&path, Value::Bool(false))
        .map(|p| p.into_fix("Set `network_access = false`", Applicability::Unsafe))
    {
        Some(fix) => f.with_fix(fix),
        None => f.with_note("harden cannot edit this file without changing other bytes"),
    }]
}

fn check_env(cx: &CodexCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let table = "shell_environment_policy";
    let before = doc.value();
    let policy = before
        .get(table)
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    let Some(policy_map) = policy.as_object() else {
        return Vec::new();
    };
    if doc
        .get(&[table])
        .is_some_and(|i| i.as_table_like().is_none())
    {
        return Vec::new();
    }
    let wanted = &cx.profile.codex.env_exclude;
    let filters = policy_map.get("filters");
    let mut intended = policy_map.clone();
    let (problem, edit): (String, TomlEdit) = if let Some(filters) = filters {
        // The `filters` form cannot be mixed with the legacy lists.
        let Some(fm) = filters.as_object() else {
            return Vec::new();
        };
        let missing: Vec<String> = wanted
            .iter()
            .filter(|p| !fm.contains_key(*p))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        let mut fm = fm.clone();
        for p in &missing {
            fm.insert(p.clone(), Value::String("exclude".into()));
        }
        intended.insert("filters".into(), Value::Object(fm));
        let problem = format!("`filters` lets through {}", missing.join(", "));
        (
            problem,
            Box::new(move |d: &mut toml_edit::DocumentMut| {
                for p in &missing {
                    harden_toml::set(d, &[table, "filters", p], "exclude".into())?;
                }
                Some(())
            }),
        )
    } else {
        let filtering = policy_map.get("ignore_default_excludes") == Some(&Value::Bool(false));
        let present: Vec<String> = policy_map
            .get("exclude")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if policy_map.get("exclude").is_some_and(|v| !v.is_array()) {
            return Vec::new();
        }
        let missing: Vec<String> = wanted
            .iter()
            .filter(|p| !present.contains(p))
            .cloned()
            .collect();
        if filtering && missing.is_empty() {
            return Vec::new();
        }
        let mut problems = Vec::new();
        if !filtering {
            problems.push("the default `*KEY*`/`*SECRET*`/`*TOKEN*` filter is off (`ignore_default_excludes` is not false)".to_string());
        }
        if !missing.is_empty() {
            problems.push(format!("`exclude` lacks {}", missing.join(", ")));
        }
        if !filtering {
            intended.insert("ignore_default_excludes".into(), Value::Bool(false));
        }
        let mut all: Vec<Value> = present.iter().cloned().map(Value::String).collect();
        all.extend(missing.iter().cloned().map(Value::String));
        if !missing.is_empty() {
            intended.insert("exclude".into(), Value::Array(all));
        }
        (
            problems.join("; "),
            Box::new(move |d: &mut toml_edit::DocumentMut| {
                if !filtering {
                    harden_toml::set(d, &[table, "ignore_default_excludes"], false.into())?;
                }
                if !missing.is_empty() {
                    harden_toml::append_strings(d, &[table, "exclude"], &missing)?;
                }
                Some(())
            }),
        )
    };
    let f = Finding::new(
        &ENV_META,
        doc.range_of(&[table]),
        table,
        format!(
            "commands inherit secrets from the environment{}: {problem}",
            cx.at()
        ),
    );
    let change = Change::Set {
        path: harden_core::ValuePath::root().child(table),
        value: Value::Object(intended),
    };
    vec![match doc.edit(edit) {
        Some(edits) => f.with_fix(Fix::new(
            "Filter secret variables out of the shell environment",
            Applicability::Unsafe,
            edits,
            vec![change],
        )),
        None => f.with_note("harden cannot edit this file without changing other bytes"),
    }]
}

fn check_code(cx: &CodexCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let value = doc.value();
    let mut out = Vec::new();
    if let Some(servers) = value.get("mcp_servers").and_then(Value::as_object) {
        for (name, server) in servers {
            let Some(cmd) = server.get("command").and_then(Value::as_str) else {
                continue;
            };
            if server.get("enabled") == Some(&Value::Bool(false)) {
                continue;
            }
            let args: Vec<&str> = server
                .get("args")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            out.push(Finding::new(
                &CODE_META,
                doc.range_of(&["mcp_servers", name, "command"]),
                format!("mcp_servers.{name}"),
                format!(
                    "MCP server `{name}` starts `{}`{}",
                    std::iter::once(cmd)
                        .chain(args)
                        .collect::<Vec<_>>()
                        .join(" "),
                    cx.at()
                ),
            ));
        }
    }
    if value.get("hooks").is_some() {
        out.push(
            Finding::new(
                &CODE_META,
                doc.range_of(&["hooks"]),
                "hooks",
                format!("hooks run commands{}", cx.at()),
            )
            .with_note(
                "Codex asks to trust each hook once (`--dangerously-bypass-hook-trust` skips that)",
            ),
        );
    }
    if value.get("notify").is_some() {
        out.push(Finding::new(
            &CODE_META,
            doc.range_of(&["notify"]),
            "notify",
            format!("`notify` runs a program after each turn{}", cx.at()),
        ));
    }
    if let Some(providers) = value.get("model_providers").and_then(Value::as_object) {
        for (name, p) in providers {
            if p.get("auth").and_then(|a| a.get("command")).is_some() {
                out.push(Finding::new(
                    &CODE_META,
                    doc.range_of(&["model_providers", name, "auth", "command"]),
                    format!("model_providers.{name}.auth"),
                    format!("provider `{name}` runs an auth command{}", cx.at()),
                ));
            }
        }
    }
    out
}

/// Keys Codex drops from a project config.
const NOT_IN_PROJECT: &[&str] = &[
    "openai_base_url",
    "chatgpt_base_url",
    "model_provider",
    "model_providers",
    "experimental_realtime_ws_base_url",
    "notify",
    "otel",
];

fn check_not_read(cx: &CodexCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    for key in ["profiles", "profile"] {
        if doc.get(&[key]).is_some() {
            out.push(
                Finding::new(
                    &NOT_READ_META,
                    doc.range_of(&[key]),
                    key,
                    format!("`{key}` is not read since Codex 0.134{}", cx.at()),
                )
                .with_note("a profile is now its own file, `~/.codex/NAME.config.toml`, chosen with `--profile NAME`; harden checks those files like this one"),
            );
        }
    }
    if cx.layer == CodexLayer::Project {
        for key in NOT_IN_PROJECT {
            if doc.get(&[key]).is_some() {
                out.push(Finding::new(
                    &NOT_READ_META,
                    doc.range_of(&[key]),
                    format!("project:{key}"),
                    format!("`{key}` is ignored in a project config{}", cx.at()),
                ));
            }
        }
    }
    out
}
