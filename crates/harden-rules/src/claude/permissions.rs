use harden_core::{
    Applicability, Change, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier, ValuePath,
};

use super::{append_fix, ClaudeCx};
use crate::{Check, RuleDef};

pub static CREDENTIALS_META: RuleMeta = RuleMeta {
    code: "CC005",
    name: "claude-credential-reads-allowed",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T2,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "No deny rules for credential stores and .env files: Claude may read ~/.ssh, ~/.aws, gh tokens and secrets",
    breakage: "Claude cannot read those files nor run commands that name them",
    doc: include_str!("../../../../docs/rules/CC005.md"),
};

pub static CREDENTIALS_RULE: RuleDef = RuleDef {
    meta: &CREDENTIALS_META,
    check: Check::Claude(check_credentials),
};

pub static CODE_PATHS_META: RuleMeta = RuleMeta {
    code: "CC006",
    name: "claude-code-paths-writable",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "Claude may edit files that run code later (git hooks, .claude, .devcontainer, .vscode, shell start-up files); bypass mode no longer protects them",
    breakage: "Claude cannot change its own settings, the dev container, editor config or git hooks; you edit them",
    doc: include_str!("../../../../docs/rules/CC006.md"),
};

pub static CODE_PATHS_RULE: RuleDef = RuleDef {
    meta: &CODE_PATHS_META,
    check: Check::Claude(check_code_paths),
};

pub static BROAD_ALLOW_META: RuleMeta = RuleMeta {
    code: "CC007",
    name: "claude-broad-allow-rule",
    kind: FileKind::ClaudeSettings,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "An allow rule approves a whole tool (`Bash`, `Bash(*)`, `WebFetch`): any command or URL runs without a prompt",
    breakage: "More prompts until narrower rules (`Bash(npm run test *)`) are added",
    doc: include_str!("../../../../docs/rules/CC007.md"),
};

pub static BROAD_ALLOW_RULE: RuleDef = RuleDef {
    meta: &BROAD_ALLOW_META,
    check: Check::Claude(check_broad_allow),
};

fn missing_denies(cx: &ClaudeCx<'_>, tool: &str, paths: &[String]) -> Vec<String> {
    let present = cx.doc.strings_at(&["permissions", "deny"]);
    let mut out: Vec<String> = Vec::new();
    for p in paths {
        let rule = format!("{tool}({p})");
        if !present.contains(&rule) && !out.contains(&rule) {
            out.push(rule);
        }
    }
    out
}

fn deny_finding(
    cx: &ClaudeCx<'_>,
    meta: &'static RuleMeta,
    target: &str,
    missing: Vec<String>,
    what: &str,
) -> Vec<Finding> {
    if missing.is_empty() {
        return Vec::new();
    }
    let doc = cx.doc;
    if doc
        .node_at(&["permissions", "deny"])
        .is_some_and(|n| n.elements().is_none())
    {
        return Vec::new();
    }
    let f = Finding::new(
        meta,
        doc.range_at(&["permissions", "deny"]),
        target,
        format!("{what} are not denied{}: {}", cx.at(), missing.join(", ")),
    );
    let title = format!("Add {} deny rules to `permissions.deny`", missing.len());
    let mut f = match append_fix(
        doc,
        &["permissions", "deny"],
        missing.into_iter().map(serde_json::Value::String).collect(),
        title,
        Applicability::Unsafe,
    ) {
        Some(fix) => f.with_fix(fix),
        None => f.with_note("`permissions` is not an object"),
    };
    let sandboxed = doc
        .node_at(&["sandbox", "enabled"])
        .and_then(|n| n.as_bool())
        == Some(true);
    if !sandboxed && f.fix.is_some() {
        f = f.with_note(
            "deny rules bind Claude's tools and the Bash commands that name the paths (static analysis); only the sandbox (CC002) enforces them for every process",
        );
    }
    vec![f]
}

fn check_credentials(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let missing = missing_denies(cx, "Read", &cx.profile.claude.deny_read);
    deny_finding(
        cx,
        &CREDENTIALS_META,
        "permissions.deny:Read",
        missing,
        "reads of credential stores and .env files",
    )
}

fn check_code_paths(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let missing = missing_denies(cx, "Edit", &cx.profile.claude.deny_edit);
    deny_finding(
        cx,
        &CODE_PATHS_META,
        "permissions.deny:Edit",
        missing,
        "edits of files that run code later",
    )
}

fn check_broad_allow(cx: &ClaudeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let Some(array) = doc.node_at(&["permissions", "allow"]) else {
        return Vec::new();
    };
    let Some(items) = array.elements() else {
        return Vec::new();
    };
    let broad: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.as_str()
                .is_some_and(|s| cx.profile.claude.broad_allow.iter().any(|b| b == s))
        })
        .map(|(i, _)| i)
        .collect();
    if broad.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = broad
        .iter()
        .map(|i| format!("`{}`", items[*i].as_str().unwrap_or_default()))
        .collect();
    let mut edits: Vec<Edit> = Vec::new();
    let mut i = 0;
    while i < broad.len() {
        let mut j = i + 1;
        while j < broad.len() && broad[j] == broad[j - 1] + 1 {
            j += 1;
        }
        edits.extend(
            doc.edits()
                .remove_children(array, broad[i]..broad[j - 1] + 1),
        );
        i = j;
    }
    let path = ValuePath::keys(&["permissions", "allow"]);
    let changes = broad
        .iter()
        .rev()
        .map(|i| Change::Remove {
            path: path.child(*i),
        })
        .collect();
    let fix = Fix::new(
        format!("Remove {} from `permissions.allow`", names.join(", ")),
        Applicability::Unsafe,
        edits,
        changes,
    );
    vec![Finding::new(
        &BROAD_ALLOW_META,
        items[broad[0]].range.clone(),
        "permissions.allow",
        format!(
            "{} in `permissions.allow` approve every use of the tool{}",
            names.join(", "),
            cx.at()
        ),
    )
    .with_fix(fix)
    .with_note(
        "narrow allow rules such as `Bash(npm run test *)` keep the common commands prompt-free",
    )]
}
