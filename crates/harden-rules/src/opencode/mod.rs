//! OpenCode config rules (`opencode.json`, `opencode.jsonc`, `.opencode/`,
//! `~/.config/opencode/opencode.json`, `/etc/opencode/`).
//!
//! Two dialects: V1 `permission` (a string, or an object of tools whose
//! values are an action or an object of glob rules) and V2 `permissions`
//! (an ordered array of `{action, resource, effect}`). In both the last
//! matching rule wins and agent rules come after the config's, so a
//! narrowing rule is added after the broad one and existing keys are never
//! reordered; a catch-all goes first. A file is fixed in its own dialect.

use harden_core::{Applicability, Change, Document, Edit, FileKind, Finding, Fix, LineEnding};
use harden_core::{RuleMeta, Severity, Tier, ValuePath};
use harden_jsonc::{JsoncDoc, Node, NodeKind};
use harden_profile::Profile;
use serde_json::Value;

use crate::{Check, RuleDef};

pub static RULES: &[&RuleDef] = &[&PERMISSION_RULE, &PROJECT_RULE];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpencodeLayer {
    /// A repository's `opencode.json(c)` or `.opencode/`: no trust prompt.
    Project,
    /// `~/.config/opencode/`.
    User,
    /// `/etc/opencode/`: system settings, ranked highest.
    System,
}

impl OpencodeLayer {
    pub fn name(self) -> &'static str {
        match self {
            OpencodeLayer::Project => "project",
            OpencodeLayer::User => "user",
            OpencodeLayer::System => "system",
        }
    }

    pub fn of(path: &std::path::Path, home: Option<&std::path::Path>) -> OpencodeLayer {
        let dir = path.parent().unwrap_or(std::path::Path::new(""));
        let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or(p.to_path_buf());
        if dir.ends_with("etc/opencode") {
            return OpencodeLayer::System;
        }
        match home {
            Some(h) if canonical(dir) == canonical(&h.join(".config/opencode")) => {
                OpencodeLayer::User
            }
            _ => OpencodeLayer::Project,
        }
    }
}

/// What an OpenCode config check sees.
pub struct OpencodeCx<'a> {
    pub doc: &'a JsoncDoc,
    pub profile: &'a Profile,
    pub layer: OpencodeLayer,
}

impl OpencodeCx<'_> {
    fn at(&self) -> String {
        match self.layer {
            OpencodeLayer::Project => {
                " (project config: it overrides the user's without a trust prompt)".into()
            }
            l => format!(" ({} config)", l.name()),
        }
    }
}

pub static PERMISSION_META: RuleMeta = RuleMeta {
    code: "OC001",
    name: "opencode-permission-allow",
    kind: FileKind::OpencodeConfig,
    tier: Tier::T3,
    severity: Severity::Warning,
    fix: "fix: unsafe",
    summary: "OpenCode runs tools without asking: a blanket `allow`, `bash: allow`, `webfetch`/`external_directory` allowed, `.env` files readable",
    breakage: "Shell commands, fetches and access outside the project ask first; the agent cannot read `.env` files (`.env.example` stays readable)",
    doc: include_str!("../../../../docs/rules/OC001.md"),
};

pub static PERMISSION_RULE: RuleDef = RuleDef {
    meta: &PERMISSION_META,
    check: Check::Opencode(check_permission),
};

pub static PROJECT_META: RuleMeta = RuleMeta {
    code: "OC002",
    name: "opencode-config-runs-code",
    kind: FileKind::OpencodeConfig,
    tier: Tier::T2,
    severity: Severity::Info,
    fix: "report only",
    summary: "The config starts programs or loads remote text: local MCP server commands, plugins, remote instructions",
    breakage: "Nothing",
    doc: include_str!("../../../../docs/rules/OC002.md"),
};

pub static PROJECT_RULE: RuleDef = RuleDef {
    meta: &PROJECT_META,
    check: Check::Opencode(check_project),
};

/// Insert `item` (rendered) as the first child of a non-empty object or
/// array, laid out like the current first child.
fn prepend(doc: &JsoncDoc, container: &Node, item: &str) -> Option<Edit> {
    let text = doc.text();
    let first = match &container.kind {
        NodeKind::Object(m) => m.first()?.key_range.start,
        NodeKind::Array(e) => e.first()?.range.start,
        _ => return None,
    };
    let line_start = text[..first].rfind('\n').map_or(0, |i| i + 1);
    let indent = &text[line_start..first];
    if line_start > container.range.start && indent.chars().all(|c| c == ' ' || c == '\t') {
        let eol = if doc.source().line_ending == LineEnding::Crlf {
            "\r\n"
        } else {
            "\n"
        };
        Some(Edit::insert(first, format!("{item},{eol}{indent}")))
    } else {
        Some(Edit::insert(first, format!("{item}, ")))
    }
}

/// The profile's default V1 `permission` object.
fn default_permission(profile: &Profile) -> Option<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(&profile.opencode.permission) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

const ACTIONS_ASKED: &[&str] = &["bash", "external_directory", "webfetch", "doom_loop"];

fn check_permission(cx: &OpencodeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let root = doc.root();
    if root.members().is_none() {
        return Vec::new();
    }
    let Some(defaults) = default_permission(cx.profile) else {
        return Vec::new();
    };
    if let Some(v2) = root.get("permissions") {
        return check_v2(cx, &v2.value, &defaults);
    }
    let mut out = Vec::new();
    match root.get("permission") {
        None => {
            let f = Finding::new(
                &PERMISSION_META,
                root.range.start..root.range.start + 1,
                "permission",
                format!(
                    "no `permission`: every tool runs without asking, `.env` reads ask at most{}",
                    cx.at()
                ),
            );
            let title = "Add a `permission` object that asks by default and denies `.env` reads";
            out.push(
                match doc.set_at(
                    &["permission"],
                    Value::Object(defaults.clone()),
                    harden_jsonc::Layout::Block,
                ) {
                    Some(patch) => f.with_fix(patch.into_fix(title, Applicability::Unsafe)),
                    None => f,
                },
            );
        }
        Some(m) => out.extend(check_v1(cx, &m.value, &["permission"], true, &defaults)),
    }
    // Agent rules are merged last and win.
    if let Some(agents) = root.get("agent").and_then(|m| m.value.members()) {
        for a in agents {
            if let Some(p) = a.value.get("permission") {
                out.extend(check_v1(
                    cx,
                    &p.value,
                    &["agent", &a.key, "permission"],
                    false,
                    &defaults,
                ));
            }
        }
    }
    out
}

fn set(doc: &JsoncDoc, node: &Node, keys: &[&str], value: Value) -> (Vec<Edit>, Vec<Change>) {
    (
        vec![doc.edits().replace(node, &value)],
        vec![Change::Set {
            path: ValuePath::keys(keys),
            value,
        }],
    )
}

/// V1 checks on one `permission` value at `keys`. `top` adds the catch-all
/// and the `.env` read rules, which belong to the config's own permission.
fn check_v1(
    cx: &OpencodeCx<'_>,
    node: &Node,
    keys: &[&str],
    top: bool,
    defaults: &serde_json::Map<String, Value>,
) -> Vec<Finding> {
    let doc = cx.doc;
    let dotted = keys.join(".");
    let mut out = Vec::new();
    let finding = |target: String,
                   message: String,
                   title: String,
                   (edits, changes): (Vec<Edit>, Vec<Change>)| {
        Finding::new(
            &PERMISSION_META,
            node.range.clone(),
            target,
            format!("{message}{}", cx.at()),
        )
        .with_fix(Fix::new(title, Applicability::Unsafe, edits, changes))
    };
    if let Some(s) = node.as_str() {
        if s == "allow" {
            out.push(finding(
                dotted.clone(),
                format!("`{dotted}` is \"allow\": every tool runs without asking"),
                format!("Set `{dotted}` to \"ask\""),
                set(doc, node, keys, Value::String("ask".into())),
            ));
        }
        return out;
    }
    let Some(members) = node.members() else {
        return out;
    };
    match node.get("*") {
        Some(m) if m.value.as_str() == Some("allow") => {
            let mut k = keys.to_vec();
            k.push("*");
            out.push(finding(
                format!("{dotted}.*"),
                format!("`{dotted}` allows every tool (`\"*\": \"allow\"`)"),
                "Set `\"*\"` to \"ask\"".into(),
                set(doc, &m.value, &k, Value::String("ask".into())),
            ));
        }
        None if top && !members.is_empty() => {
            // The catch-all goes first, so that every rule after it narrows it.
            let mut value = doc.value();
            let mut obj = serde_json::Map::new();
            obj.insert("*".into(), Value::String("ask".into()));
            for (k, v) in value
                .pointer(&ValuePath::keys(keys).to_string())
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                obj.insert(k.clone(), v.clone());
            }
            value = Value::Object(obj);
            if let Some(edit) = prepend(doc, node, "\"*\": \"ask\"") {
                out.push(finding(
                    format!("{dotted}.*"),
                    format!(
                        "`{dotted}` has no catch-all: tools it does not name run without asking"
                    ),
                    "Add `\"*\": \"ask\"` as the first rule".into(),
                    (
                        vec![edit],
                        vec![Change::Set {
                            path: ValuePath::keys(keys),
                            value,
                        }],
                    ),
                ));
            }
        }
        _ => {}
    }
    for tool in ACTIONS_ASKED {
        let Some(m) = node.get(tool) else { continue };
        let mut k = keys.to_vec();
        k.push(tool);
        if m.value.as_str() == Some("allow") {
            out.push(finding(
                format!("{dotted}.{tool}"),
                format!("`{dotted}.{tool}` is \"allow\""),
                format!("Set `{tool}` to \"ask\""),
                set(doc, &m.value, &k, Value::String("ask".into())),
            ));
        } else if let Some(star) = m.value.get("*") {
            if star.value.as_str() == Some("allow") {
                k.push("*");
                out.push(finding(
                    format!("{dotted}.{tool}.*"),
                    format!("`{dotted}.{tool}` allows everything (`\"*\": \"allow\"`)"),
                    format!("Set `{tool}.\"*\"` to \"ask\""),
                    set(doc, &star.value, &k, Value::String("ask".into())),
                ));
            }
        } else if m.value.members().is_some_and(|ms| !ms.is_empty()) && *tool == "bash" {
            // Commands the object does not name fall through to the
            // top-level rules; a catch-all first makes them ask.
            let mut value = serde_json::Map::new();
            value.insert("*".into(), Value::String("ask".into()));
            if let Some(Value::Object(o)) = doc.value().pointer(&ValuePath::keys(&k).to_string()) {
                value.extend(o.clone());
            }
            if let Some(edit) = prepend(doc, &m.value, "\"*\": \"ask\"") {
                out.push(finding(
                    format!("{dotted}.{tool}.*"),
                    format!("`{dotted}.{tool}` has no catch-all"),
                    "Add `\"*\": \"ask\"` as the first bash rule".into(),
                    (
                        vec![edit],
                        vec![Change::Set {
                            path: ValuePath::keys(&k),
                            value: Value::Object(value),
                        }],
                    ),
                ));
            }
        }
    }
    if top {
        out.extend(check_env_reads(cx, node, keys, defaults));
    }
    out
}

/// `.env` reads: the `read` rules of the profile's default permission that
/// the config lacks are added after its own, so they win.
fn check_env_reads(
    cx: &OpencodeCx<'_>,
    node: &Node,
    keys: &[&str],
    defaults: &serde_json::Map<String, Value>,
) -> Vec<Finding> {
    let doc = cx.doc;
    let Some(Value::Object(wanted)) = defaults.get("read") else {
        return Vec::new();
    };
    let mut read_keys = keys.to_vec();
    read_keys.push("read");
    let target = format!("{}.read", keys.join("."));
    let message = format!("`.env` files are readable without a deny rule{}", cx.at());
    match node.get("read") {
        None => {
            let value = Value::Object(wanted.clone());
            vec![
                Finding::new(&PERMISSION_META, node.range.clone(), target, message).with_fix(
                    Fix::new(
                        "Add `read` rules that deny `.env` files",
                        Applicability::Unsafe,
                        doc.edits().append_member_block(node, "read", &value),
                        vec![Change::Set {
                            path: ValuePath::keys(&read_keys),
                            value,
                        }],
                    ),
                ),
            ]
        }
        Some(m) if m.value.as_str() == Some("allow") => {
            let value = Value::Object(wanted.clone());
            vec![
                Finding::new(&PERMISSION_META, m.range(), target, message).with_fix(Fix::new(
                    "Replace `read: \"allow\"` with rules that deny `.env` files",
                    Applicability::Unsafe,
                    vec![doc.edits().replace(&m.value, &value)],
                    vec![Change::Set {
                        path: ValuePath::keys(&read_keys),
                        value,
                    }],
                )),
            ]
        }
        Some(m) if m.value.members().is_some() => {
            let missing: Vec<(String, Value)> = wanted
                .iter()
                .filter(|(k, _)| k.as_str() != "*" && m.value.get(k).is_none())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if missing.is_empty() {
                return Vec::new();
            }
            let changes = missing
                .iter()
                .map(|(k, v)| {
                    let mut p = read_keys.clone();
                    p.push(k);
                    Change::Set {
                        path: ValuePath::keys(&p),
                        value: v.clone(),
                    }
                })
                .collect();
            vec![
                Finding::new(&PERMISSION_META, m.range(), target, message).with_fix(Fix::new(
                    "Add `.env` deny rules after the `read` rules",
                    Applicability::Unsafe,
                    doc.edits().append_members(&m.value, &missing),
                    changes,
                )),
            ]
        }
        Some(_) => Vec::new(),
    }
}

fn rule_value(action: &str, resource: &str, effect: &str) -> Value {
    serde_json::json!({"action": action, "resource": resource, "effect": effect})
}

fn check_v2(
    cx: &OpencodeCx<'_>,
    node: &Node,
    defaults: &serde_json::Map<String, Value>,
) -> Vec<Finding> {
    let doc = cx.doc;
    let Some(items) = node.elements() else {
        return Vec::new();
    };
    let get = |n: &Node, k: &str| n.get(k).and_then(|m| m.value.as_str().map(str::to_string));
    let mut out = Vec::new();
    let path = ValuePath::root().child("permissions");
    let leading = items.first().is_some_and(|n| {
        get(n, "action").as_deref() == Some("*") && get(n, "resource").as_deref() == Some("*")
    });
    if !leading && !items.is_empty() {
        let value = rule_value("*", "*", "ask");
        if let Some(edit) = prepend(doc, node, &harden_jsonc::render_value(&value)) {
            out.push(
                Finding::new(
                    &PERMISSION_META,
                    node.range.clone(),
                    "permissions[0]",
                    format!(
                        "`permissions` does not start with a catch-all rule{}",
                        cx.at()
                    ),
                )
                .with_fix(Fix::new(
                    "Insert a first rule that asks for everything",
                    Applicability::Unsafe,
                    vec![edit],
                    vec![Change::Insert {
                        path: path.child(0),
                        value,
                    }],
                )),
            );
        }
    }
    for (i, n) in items.iter().enumerate() {
        let action = get(n, "action").unwrap_or_default();
        let broad = matches!(
            action.as_str(),
            "*" | "shell" | "bash" | "webfetch" | "external_directory"
        );
        if broad
            && get(n, "resource").as_deref() == Some("*")
            && get(n, "effect").as_deref() == Some("allow")
        {
            let effect = &n.get("effect").expect("has effect").value;
            out.push(
                Finding::new(
                    &PERMISSION_META,
                    n.range.clone(),
                    format!("permissions.{action}"),
                    format!("`{action}` is allowed for every resource{}", cx.at()),
                )
                .with_fix(Fix::new(
                    format!("Make the `{action}` rule ask"),
                    Applicability::Unsafe,
                    vec![doc.edits().replace(effect, &Value::String("ask".into()))],
                    vec![Change::Set {
                        path: path.child(i).child("effect"),
                        value: Value::String("ask".into()),
                    }],
                )),
            );
        }
    }
    let Some(Value::Object(read)) = defaults.get("read") else {
        return out;
    };
    let missing: Vec<Value> = read
        .iter()
        .filter(|(k, v)| k.as_str() != "*" && v.as_str() == Some("deny"))
        .filter(|(k, _)| {
            !items.iter().any(|n| {
                get(n, "action").as_deref() == Some("read")
                    && get(n, "resource").as_deref() == Some(k.as_str())
            })
        })
        .map(|(k, _)| rule_value("read", k, "deny"))
        .collect();
    if !missing.is_empty() {
        let changes = missing
            .iter()
            .enumerate()
            .map(|(j, v)| Change::Insert {
                path: path.child(items.len() + j),
                value: v.clone(),
            })
            .collect();
        out.push(
            Finding::new(
                &PERMISSION_META,
                node.range.clone(),
                "permissions.read",
                format!("`.env` files are readable without a deny rule{}", cx.at()),
            )
            .with_fix(Fix::new(
                "Append rules that deny reading `.env` files",
                Applicability::Unsafe,
                doc.edits().append_elements(node, &missing),
                changes,
            )),
        );
    }
    out
}

fn check_project(cx: &OpencodeCx<'_>) -> Vec<Finding> {
    let doc = cx.doc;
    let value = doc.value();
    let mut out = Vec::new();
    if let Some(servers) = value.get("mcp").and_then(Value::as_object) {
        for (name, s) in servers {
            if s.get("enabled") == Some(&Value::Bool(false)) {
                continue;
            }
            let cmd: Vec<String> = match s.get("command") {
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                Some(Value::String(c)) => vec![c.clone()],
                _ => continue,
            };
            out.push(Finding::new(
                &PROJECT_META,
                doc.node_at(&["mcp", name])
                    .map_or(0..1, |n| n.range.clone()),
                format!("mcp.{name}"),
                format!("MCP server `{name}` starts `{}`{}", cmd.join(" "), cx.at()),
            ));
        }
    }
    if let Some(plugins) = value.get("plugin").and_then(Value::as_array) {
        let names: Vec<&str> = plugins.iter().filter_map(Value::as_str).collect();
        if !names.is_empty() {
            out.push(Finding::new(
                &PROJECT_META,
                doc.node_at(&["plugin"]).map_or(0..1, |n| n.range.clone()),
                "plugin",
                format!(
                    "plugins run code in OpenCode: {}{}",
                    names.join(", "),
                    cx.at()
                ),
            ));
        }
    }
    if let Some(instructions) = value.get("instructions").and_then(Value::as_array) {
        let remote: Vec<&str> = instructions
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
            .collect();
        if !remote.is_empty() {
            out.push(Finding::new(
                &PROJECT_META,
                doc.node_at(&["instructions"])
                    .map_or(0..1, |n| n.range.clone()),
                "instructions",
                format!(
                    "instructions are fetched from {}{}",
                    remote.join(", "),
                    cx.at()
                ),
            ));
        }
    }
    out
}
