use harden_core::{Applicability, FileKind, Finding, RuleMeta, Severity, Tier};
use harden_jsonc::{Node, NodeKind};
use serde_json::Value;

use super::{set_fix, ClaudeCx};
use crate::{Check, RuleDef};

pub static MCP_META: RuleMeta = RuleMeta {
    code: "CC008",
    name: "claude-project-mcp-servers-auto-approved",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: safe (enableAllProjectMcpServers); reported (enabledMcpjsonServers)",
    summary: "Every MCP server a repository's .mcp.json names starts without approval (`enableAllProjectMcpServers`)",
    breakage: "One approval prompt per project MCP server",
    doc: include_str!("../../../../docs/rules/CC008.md"),
};

pub static MCP_RULE: RuleDef = RuleDef {
    meta: &MCP_META,
    check: Check::Claude(check_mcp),
};

pub static CODE_KEYS_META: RuleMeta = RuleMeta {
    code: "CC009",
    name: "claude-settings-run-code",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Info,
    fix: "report only",
    summary: "The settings run commands or open sandbox holes: hooks, helper commands, plugins, excluded commands, all Unix sockets",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/CC009.md"),
};

pub static CODE_KEYS_RULE: RuleDef = RuleDef {
    meta: &CODE_KEYS_META,
    check: Check::Claude(check_code_keys),
};

fn check_mcp(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    if doc
        .node_at(&["enableAllProjectMcpServers"])
        .and_then(Node::as_bool)
        == Some(true)
    {
        let f = Finding::new(
            &MCP_META,
            doc.range_at(&["enableAllProjectMcpServers"]),
            "enableAllProjectMcpServers",
            format!(
                "`enableAllProjectMcpServers` approves every project MCP server{}",
                cx.at()
            ),
        );
        out.push(
            match set_fix(
                doc,
                &["enableAllProjectMcpServers"],
                Value::Bool(false),
                "Set `enableAllProjectMcpServers` to false",
                Applicability::Safe,
            ) {
                Some(fix) => f.with_fix(fix),
                None => f,
            },
        );
    }
    let approved = doc.strings_at(&["enabledMcpjsonServers"]);
    if !approved.is_empty() {
        out.push(
            Finding::new(
                &MCP_META,
                doc.range_at(&["enabledMcpjsonServers"]),
                "enabledMcpjsonServers",
                format!(
                    "project MCP servers approved in advance{}: {}",
                    cx.at(),
                    approved.join(", ")
                ),
            )
            .with_note("review each server's command in .mcp.json; approving them per user is safer than in a shared file"),
        );
    }
    out
}

/// Top-level keys whose value is a command Claude runs.
const COMMAND_KEYS: &[&str] = &[
    "apiKeyHelper",
    "awsCredentialExport",
    "awsAuthRefresh",
    "gcpAuthRefresh",
    "otelHeadersHelper",
    "statusLine",
    "subagentStatusLine",
    "fileSuggestion",
];

/// Every `command` and `url` string under a node.
fn commands(node: &Node, out: &mut Vec<String>) {
    match &node.kind {
        NodeKind::Object(members) => {
            for m in members {
                match (&m.key[..], &m.value.kind) {
                    ("command" | "url", NodeKind::String(s)) => out.push(s.clone()),
                    _ => commands(&m.value, out),
                }
            }
        }
        NodeKind::Array(items) => items.iter().for_each(|n| commands(n, out)),
        _ => {}
    }
}

fn check_code_keys(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let mut out = Vec::new();
    let trust = if cx.layer.is_repository() {
        " (runs once the workspace is trusted)"
    } else {
        ""
    };
    if let Some(hooks) = doc.node_at(&["hooks"]) {
        for event in hooks.members().unwrap_or_default() {
            let mut cmds = Vec::new();
            commands(&event.value, &mut cmds);
            if !cmds.is_empty() {
                out.push(Finding::new(
                    &CODE_KEYS_META,
                    event.range(),
                    format!("hooks.{}", event.key),
                    format!(
                        "`{}` hooks run{trust}{}: {}",
                        event.key,
                        cx.at(),
                        cmds.iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
    }
    for key in COMMAND_KEYS {
        if let Some(node) = doc.node_at(&[key]) {
            let mut cmds = Vec::new();
            match node.as_str() {
                Some(s) => cmds.push(s.to_string()),
                None => commands(node, &mut cmds),
            }
            out.push(Finding::new(
                &CODE_KEYS_META,
                doc.range_at(&[key]),
                *key,
                format!(
                    "`{key}` runs a command{trust}{}{}",
                    cx.at(),
                    if cmds.is_empty() {
                        String::new()
                    } else {
                        format!(": `{}`", cmds.join("`, `"))
                    }
                ),
            ));
        }
    }
    for key in ["enabledPlugins", "extraKnownMarketplaces"] {
        if doc
            .node_at(&[key])
            .is_some_and(|n| n.members().is_some_and(|m| !m.is_empty()))
        {
            out.push(Finding::new(
                &CODE_KEYS_META,
                doc.range_at(&[key]),
                key,
                format!(
                    "`{key}` brings in plugins, whose hooks and servers run code{}",
                    cx.at()
                ),
            ));
        }
    }
    let excluded = doc.strings_at(&["sandbox", "excludedCommands"]);
    if !excluded.is_empty() {
        out.push(Finding::new(
            &CODE_KEYS_META,
            doc.range_at(&["sandbox", "excludedCommands"]),
            "sandbox.excludedCommands",
            format!(
                "these commands always run outside the sandbox{}: {}",
                cx.at(),
                excluded.join(", ")
            ),
        ));
    }
    let sockets = doc.strings_at(&["sandbox", "network", "allowUnixSockets"]);
    let risky: Vec<&String> = sockets
        .iter()
        .filter(|s| s.contains("docker.sock") || s.contains("ssh") || s.contains("agent"))
        .collect();
    if !risky.is_empty() {
        out.push(Finding::new(
            &CODE_KEYS_META,
            doc.range_at(&["sandbox", "network", "allowUnixSockets"]),
            "sandbox.network.allowUnixSockets",
            format!(
                "the sandbox may connect to {} (on macOS; Linux ignores this list){}",
                risky
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                cx.at()
            ),
        ));
    }
    for (keys, what) in [
        (&["sandbox", "network", "allowAllUnixSockets"][..], "every Unix socket (the Docker socket and ssh-agent included) is reachable from the sandbox; on Linux this turns the seccomp socket filter off"),
        (&["sandbox", "enableWeakerNestedSandbox"][..], "the nested sandbox mode is weaker (no /proc isolation)"),
        (&["sandbox", "network", "allowLocalBinding"][..], "sandboxed commands may listen on local ports"),
    ] {
        if doc.node_at(keys).and_then(Node::as_bool) == Some(true) {
            out.push(Finding::new(
                &CODE_KEYS_META,
                doc.range_at(keys),
                keys.join("."),
                format!("`{}` is true: {what}{}", keys.join("."), cx.at()),
            ));
        }
    }
    out
}
