//! Hostile paths and contents (from a pull request) through every machine
//! format: nothing may break out of a table cell or code block, inject HTML
//! or mentions, or start a workflow command; and the text must survive.

mod common;

use common::*;
use harden_core::{Applicability, Edit, FileKind, Finding, Fix, RuleMeta, Severity, Tier};
use harden_engine::{FileError, FileOutcome};
use harden_render::{Format, Mode};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

const PATH: &str =
    "evil`</details>@someone\n::set-output name=x::y,a:b%25|<img src=x>/.devcontainer.json";

/// A fence of backticks alone on a line (in a block comment) lands in the
/// diff's context as ` ``````: it would close a shorter fence.
const CONTENT: &str = "{\n  \"privileged\": true,\n  /*\n``````\n</details> <script>alert(1)</script> @someone\n::set-output name=leak::secret%0A\n  */\n  \"image\": \"x\"\n}\n";

const MESSAGE: &str =
    "``` `x` </details><img src=x>@someone | cell\n::set-output name=a::b\r\n%0A :, `unbalanced";

static HOSTILE: RuleMeta = RuleMeta {
    code: "XX001",
    name: "hostile-rule",
    kind: FileKind::Devcontainer,
    tier: Tier::T1,
    severity: Severity::Error,
    fix: "fix: unsafe",
    summary: "a rule whose message carries file content",
    breakage: "nothing",
    doc: "# XX001\n",
};

/// A diff run over the hostile file, plus one finding whose message, fix
/// title and note carry hostile text.
fn hostile_report() -> (Vec<(String, FileOutcome)>, Vec<FileError>) {
    let mut o = outcome(PATH, CONTENT, Mode::Diff);
    assert!(o.changed(), "the hostile file gets fixed");
    o.findings.push(
        Finding::new(&HOSTILE, 0..1, "t", MESSAGE)
            .with_fix(Fix::new(
                MESSAGE,
                Applicability::Safe,
                vec![Edit::insert(0, "x")],
                vec![],
            ))
            .with_note(MESSAGE),
    );
    let errors = vec![FileError::new(PATH, None, MESSAGE)];
    (vec![(PATH.to_string(), o)], errors)
}

#[test]
fn markdown_keeps_hostile_text_inside_cells_and_the_code_block() {
    let (files, errors) = hostile_report();
    let md = render_to_string(Format::Markdown, Mode::Diff, &files, &errors, &[]);
    let findings = files[0].1.findings.len();

    let mut html = String::new();
    let mut code_blocks = Vec::new();
    let mut in_code = None::<String>;
    let mut rows = 0;
    let mut cells_per_row = Vec::new();
    let mut texts = String::new();
    for event in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match event {
            Event::Html(h) | Event::InlineHtml(h) => html.push_str(&h),
            Event::Start(Tag::CodeBlock(_)) => in_code = Some(String::new()),
            Event::End(TagEnd::CodeBlock) => code_blocks.push(in_code.take().unwrap()),
            Event::Text(t) if in_code.is_some() => in_code.as_mut().unwrap().push_str(&t),
            Event::Start(Tag::TableRow) => {
                rows += 1;
                cells_per_row.push(0);
            }
            Event::Start(Tag::TableCell) => *cells_per_row.last_mut().unwrap_or(&mut 0) += 1,
            Event::Text(t) | Event::Code(t) => texts.push_str(&t),
            _ => {}
        }
    }
    // the only HTML is the collapsible block harden writes itself
    assert_eq!(
        html.split_whitespace().collect::<Vec<_>>(),
        ["<details>", "<summary>Diff</summary>", "</details>"],
        "{md}"
    );
    // one code block, holding exactly the patch
    assert_eq!(code_blocks, [harden_render::patch(&files)], "{md}");
    // one row per finding, five cells each (the header row is not a TableRow)
    assert_eq!(rows, findings, "{md}");
    assert!(
        cells_per_row.iter().all(|&c| c == 5),
        "{cells_per_row:?}\n{md}"
    );
    // nobody is mentioned, and the text is still there to read
    assert!(!texts.contains("@someone"), "{texts}");
    assert!(
        texts.contains(
            " </details><img src=x>@\u{200b}someone | cell␊::set-output name=a::b␍␊%0A :, "
        ),
        "{texts}"
    );
    assert!(
        texts.contains("evil`</details>@\u{200b}someone␊::set-output name=x::y,a:b%25|<img src=x>/.devcontainer.json:2:3"),
        "{texts}"
    );
}

/// Decode a workflow command line into (command, properties, message).
fn parse_command(line: &str) -> (String, Vec<(String, String)>, String) {
    let unescape = |s: &str| {
        s.replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%3A", ":")
            .replace("%2C", ",")
            .replace("%25", "%")
    };
    let rest = line.strip_prefix("::").expect("a command");
    let (head, message) = rest.split_once("::").expect("a message");
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), unescape(v))
        })
        .collect();
    (command.to_string(), props, unescape(message))
}

#[test]
fn github_annotations_cannot_start_commands_and_round_trip() {
    let (files, errors) = hostile_report();
    let out = render_to_string(Format::Github, Mode::Diff, &files, &errors, &[]);
    assert!(!out.contains('\r'));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        files[0].1.findings.len() + errors.len(),
        "{out}"
    );
    for line in &lines {
        let (command, props, message) = parse_command(line);
        assert!(
            ["error", "warning", "notice"].contains(&command.as_str()),
            "{line}"
        );
        let file = props
            .iter()
            .find(|(k, _)| k == "file")
            .map(|(_, v)| v.as_str());
        assert_eq!(file, Some(PATH), "{line}");
        // no property value can hold an unescaped separator
        assert!(!line
            .split_once("::")
            .unwrap()
            .1
            .split_once("::")
            .unwrap()
            .0
            .contains('\n'));
        let _ = message;
    }
    let hostile = lines
        .iter()
        .map(|l| parse_command(l).2)
        .filter(|m| m.starts_with(MESSAGE))
        .count();
    assert_eq!(hostile, 2, "the finding and the error keep their message");
}

#[test]
fn json_and_sarif_keep_hostile_paths_and_sarif_stays_valid() {
    let (files, errors) = hostile_report();
    let json: Value = serde_json::from_str(&render_to_string(
        Format::Json,
        Mode::Diff,
        &files,
        &errors,
        &[],
    ))
    .unwrap();
    assert_eq!(json["files"][0]["path"], PATH);
    assert_eq!(json["errors"][0]["message"], MESSAGE);
    assert!(json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["message"] == MESSAGE));

    let sarif: Value = serde_json::from_str(&render_to_string(
        Format::Sarif,
        Mode::Diff,
        &files,
        &errors,
        &[],
    ))
    .unwrap();
    let uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
        "{uri}"
    );
    assert_eq!(percent_decode(uri), PATH);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(validator.is_valid(&sarif));
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
