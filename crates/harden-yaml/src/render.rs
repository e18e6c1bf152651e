//! Rendering new YAML text: scalars quoted only when they must be, flow
//! collections, and block entries that follow a file's indentation.

use serde_json::Value;

use crate::tree::ScalarStyle;
use crate::value::plain_value;

/// How a file indents nested blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Spaces per nesting level of mappings.
    pub step: usize,
    /// Spaces between a key's column and the `-` of its block sequence (0 or more).
    pub seq_indent: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            step: 2,
            seq_indent: 2,
        }
    }
}

/// Whether a string must be quoted to read back as the same string.
/// Conservative: anything unusual gets quotes.
pub fn needs_quotes(s: &str, flow: bool) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    if !matches!(plain_value(s), Value::String(_)) {
        return true;
    }
    // YAML 1.1 booleans: other loaders read them as booleans.
    if matches!(
        s.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off"
    ) {
        return true;
    }
    // YAML 1.1 base-60 numbers (`8000:8000`): older loaders read them as integers.
    if s.contains(':')
        && s.split(':')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if !(first.is_alphanumeric() || matches!(first, '/' | '.' | '_' | '$' | '~' | '(')) {
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return true;
    }
    if s.chars().any(|c| c.is_control()) {
        return true;
    }
    if flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return true;
    }
    false
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Render a scalar value. Strings use `style` when it can hold them
/// (a plain string that needs quotes gets double quotes).
pub fn render_scalar(v: &Value, style: ScalarStyle, flow: bool) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => match style {
            ScalarStyle::SingleQuoted if !s.chars().any(|c| c.is_control()) => {
                format!("'{}'", s.replace('\'', "''"))
            }
            ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => double_quoted(s),
            _ if needs_quotes(s, flow) => double_quoted(s),
            _ => s.clone(),
        },
        other => render_flow(other),
    }
}

/// Render a value in flow style: `[a, b]`, `{k: v}`.
pub fn render_flow(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(render_flow).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", render_key(k, true), render_flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        scalar => render_scalar(scalar, ScalarStyle::Plain, true),
    }
}

pub(crate) fn render_key(k: &str, flow: bool) -> String {
    render_scalar(&Value::String(k.to_string()), ScalarStyle::Plain, flow)
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// `key: value` for a block mapping whose keys sit at column `indent`.
/// Nested lines are joined with `eol` and indented; the text starts at the key.
pub(crate) fn block_entry(
    key: &str,
    v: &Value,
    indent: usize,
    lay: Layout,
    eol: &str,
    style: ScalarStyle,
) -> String {
    let k = render_key(key, false);
    match v {
        Value::Array(a) if !a.is_empty() => {
            let dash = indent + lay.seq_indent;
            let mut s = format!("{k}:");
            for item in a {
                s.push_str(eol);
                s.push_str(&spaces(dash));
                s.push_str(&block_item(item, dash, lay, eol, style));
            }
            s
        }
        Value::Object(m) if !m.is_empty() => {
            let child = indent + lay.step;
            let mut s = format!("{k}:");
            for (ck, cv) in m {
                s.push_str(eol);
                s.push_str(&spaces(child));
                s.push_str(&block_entry(ck, cv, child, lay, eol, style));
            }
            s
        }
        Value::Array(_) | Value::Object(_) => format!("{k}: {}", render_flow(v)),
        scalar => format!("{k}: {}", render_scalar(scalar, style, false)),
    }
}

/// `- item` for a block sequence whose dashes sit at column `dash`.
pub(crate) fn block_item(
    v: &Value,
    dash: usize,
    lay: Layout,
    eol: &str,
    style: ScalarStyle,
) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => {
            let inner = dash + 2;
            let mut s = String::from("- ");
            for (i, (k, cv)) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(eol);
                    s.push_str(&spaces(inner));
                }
                s.push_str(&block_entry(k, cv, inner, lay, eol, style));
            }
            s
        }
        Value::Array(_) | Value::Object(_) => format!("- {}", render_flow(v)),
        scalar => format!("- {}", render_scalar(scalar, style, false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_only_what_needs_it() {
        assert!(!needs_quotes("ALL", false));
        assert!(!needs_quotes("8g", false));
        assert!(!needs_quotes("no-new-privileges:true", false));
        assert!(needs_quotes("no-new-privileges:true", true));
        assert!(needs_quotes("4", false));
        assert!(needs_quotes("yes", false));
        assert!(needs_quotes("a: b", false));
        assert!(needs_quotes("*x", false));
        assert!(needs_quotes("8000:8000", false));
        assert!(!needs_quotes("127.0.0.1:8000:8000", false));
        assert!(needs_quotes("", false));
        assert_eq!(
            render_scalar(&json!("4"), ScalarStyle::Plain, false),
            "\"4\""
        );
        assert_eq!(
            render_scalar(&json!("it's"), ScalarStyle::SingleQuoted, false),
            "'it''s'"
        );
        assert_eq!(render_flow(&json!(["ALL", "a,b"])), "[ALL, \"a,b\"]");
    }

    #[test]
    fn block_entries_follow_the_layout() {
        let lay = Layout {
            step: 4,
            seq_indent: 0,
        };
        let v = json!({"resources": {"limits": {"cpus": "4", "memory": "8g"}}});
        assert_eq!(
            block_entry("deploy", &v, 2, lay, "\n", ScalarStyle::Plain),
            "deploy:\n      resources:\n          limits:\n              cpus: \"4\"\n              memory: 8g"
        );
        let v = json!([{"type": "bind", "source": "/a"}]);
        assert_eq!(
            block_entry(
                "volumes",
                &v,
                0,
                Layout::default(),
                "\r\n",
                ScalarStyle::Plain
            ),
            "volumes:\r\n  - type: bind\r\n    source: /a"
        );
    }
}
