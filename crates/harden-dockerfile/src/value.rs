//! The semantic value: what Docker builds from the file, without comments,
//! line continuations or other formatting.
//!
//! ```json
//! {"directives": {"syntax": "docker/dockerfile:1"},
//!  "instructions": [
//!    {"keyword": "FROM", "image": "node:20", "as": "base"},
//!    {"keyword": "RUN", "flags": [{"name": "mount", "value": "type=cache,target=/x"}],
//!     "shell": "apt-get update &&     apt-get install -y curl"},
//!    {"keyword": "RUN", "shell": "", "heredocs": [{"expand": true, "body": "set -e\n"}]},
//!    {"keyword": "CMD", "exec": ["node", "main.js"]}]}
//! ```
//! `shell` is the command string the shell receives ([`crate::LogicalText`]).

use serde_json::{json, Map, Value};

use crate::model::*;
use crate::DockerfileDoc;

pub(crate) fn value(doc: &DockerfileDoc) -> Value {
    let mut directives = Map::new();
    let d = doc.directives();
    for (key, v) in [
        ("syntax", &d.syntax),
        ("escape", &d.escape),
        ("check", &d.check),
    ] {
        if let Some(v) = v {
            directives.insert(key.to_string(), Value::String(v.value.clone()));
        }
    }
    let instructions = doc
        .instructions()
        .iter()
        .map(|i| instruction_value(doc, i))
        .collect();
    json!({"directives": directives, "instructions": Value::Array(instructions)})
}

/// The value of one instruction, as it appears at `/instructions/<index>`.
pub fn instruction_value(doc: &DockerfileDoc, i: &Instruction) -> Value {
    let mut m = Map::new();
    m.insert("keyword".into(), Value::String(i.keyword.clone()));
    if !i.flags.is_empty() {
        let flags = i
            .flags
            .iter()
            .map(|f| {
                json!({
                    "name": f.name.value,
                    "value": f.value.as_ref().map(|v| v.value.clone()),
                })
            })
            .collect();
        m.insert("flags".into(), Value::Array(flags));
    }
    match &i.args {
        Args::Shell { raw, heredocs } => {
            let shell = doc.logical(raw.span.clone()).text;
            m.insert("shell".into(), Value::String(shell_value(&shell)));
            if !heredocs.is_empty() {
                let docs = heredocs.iter().map(heredoc_value).collect();
                m.insert("heredocs".into(), Value::Array(docs));
            }
        }
        Args::Exec { items, .. } => {
            m.insert("exec".into(), strings(items));
        }
        Args::Text(t) => {
            m.insert("args".into(), Value::String(t.value.clone()));
        }
        Args::Words(w) => {
            m.insert("args".into(), strings(w));
        }
        Args::From { image, alias } => {
            m.insert("image".into(), Value::String(image.value.clone()));
            if let Some(a) = alias {
                m.insert("as".into(), Value::String(a.value.clone()));
            }
        }
        Args::Files { sources, dest } => {
            let sources = sources
                .iter()
                .map(|s| match s {
                    Source::Path(p) => Value::String(p.value.clone()),
                    Source::HereDoc(h) => heredoc_value(h),
                })
                .collect();
            m.insert("sources".into(), Value::Array(sources));
            m.insert("dest".into(), Value::String(dest.value.clone()));
        }
        Args::HealthcheckNone => {
            m.insert("none".into(), Value::Bool(true));
        }
        Args::Onbuild(inner) => {
            m.insert("instruction".into(), instruction_value(doc, inner));
        }
    }
    Value::Object(m)
}

fn heredoc_value(h: &HereDoc) -> Value {
    json!({"expand": h.expand, "body": h.value})
}

fn strings(items: &[Spanned]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|s| Value::String(s.value.clone()))
            .collect(),
    )
}

/// The `shell` value of a logical shell text.
pub fn shell_value(logical: &str) -> String {
    logical.trim().to_string()
}

/// The `body` value of a heredoc whose raw file text is `raw`.
pub fn heredoc_body_value(raw: &str, strip_tabs: bool) -> String {
    if !strip_tabs {
        return raw.to_string();
    }
    raw.split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
}
