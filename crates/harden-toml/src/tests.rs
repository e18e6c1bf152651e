use super::*;

fn apply(doc: &TomlDoc, edits: &[Edit]) -> String {
    harden_core::apply_edits(doc.text(), edits).unwrap()
}

#[test]
fn strict_parse_refuses_duplicates_mixed_endings_and_bom() {
    assert!(TomlDoc::parse("a = 1\na = 2\n").is_err());
    let e = TomlDoc::parse("a = 1\r\nb = 2\nc = 3\r\n").unwrap_err();
    assert_eq!(e.pos.line, 2, "{e}");
    assert!(TomlDoc::parse("\u{feff}a = 1\n").is_err());
    let e = TomlDoc::parse("x = \n").unwrap_err();
    assert_eq!(e.pos.line, 1);
}

#[test]
fn value_is_json_without_formatting() {
    let doc = TomlDoc::parse(
        "# c\na = 1 # t\n[t]\nb = [\"x\", 'y']\nc = { d = true }\n[[arr]]\nn = 1.5\n",
    )
    .unwrap();
    assert_eq!(
        doc.value(),
        serde_json::json!({"a": 1, "t": {"b": ["x", "y"], "c": {"d": true}}, "arr": [{"n": 1.5}]})
    );
}

#[test]
fn a_replaced_value_keeps_its_trailing_comment() {
    let doc = TomlDoc::parse("sandbox_mode   = \"danger-full-access\"   # yolo\nmodel = \"o3\"\n")
        .unwrap();
    let edits = doc
        .edit(|d| set(d, &["sandbox_mode"], "workspace-write".into()))
        .unwrap();
    assert_eq!(
        apply(&doc, &edits),
        "sandbox_mode   = \"workspace-write\"   # yolo\nmodel = \"o3\"\n"
    );
    assert_eq!(edits.len(), 1);
    assert!(
        edits[0].start >= 16,
        "only the value is replaced: {edits:?}"
    );
}

#[test]
fn crlf_stays_crlf_and_new_tables_go_last() {
    let doc =
        TomlDoc::parse("model = \"o3\"\r\n\r\n[mcp_servers.x]\r\ncommand = \"npx\"\r\n").unwrap();
    let edits = doc
        .edit(|d| {
            set(
                d,
                &["sandbox_workspace_write", "network_access"],
                false.into(),
            )
        })
        .unwrap();
    let out = apply(&doc, &edits);
    assert_eq!(
        out,
        "model = \"o3\"\r\n\r\n[mcp_servers.x]\r\ncommand = \"npx\"\r\n\r\n[sandbox_workspace_write]\r\nnetwork_access = false\r\n"
    );
    assert!(!out.replace("\r\n", "").contains('\n'));
}

#[test]
fn a_new_root_key_goes_after_the_root_keys() {
    let doc = TomlDoc::parse("model = \"o3\"\n\n[tui]\nx = 1\n").unwrap();
    let edits = doc
        .edit(|d| set(d, &["approval_policy"], "on-request".into()))
        .unwrap();
    assert_eq!(
        apply(&doc, &edits),
        "model = \"o3\"\napproval_policy = \"on-request\"\n\n[tui]\nx = 1\n"
    );
}

#[test]
fn appending_to_a_multi_line_array_keeps_its_layout() {
    let doc = TomlDoc::parse("[p]\nexclude = [\n  \"A\",\n  \"B\", # b\n]\n").unwrap();
    let edits = doc
        .edit(|d| append_strings(d, &["p", "exclude"], &["C".to_string()]))
        .unwrap();
    assert_eq!(
        apply(&doc, &edits),
        "[p]\nexclude = [\n  \"A\",\n  \"B\", # b\n  \"C\",\n]\n"
    );
}

#[test]
fn ranges_point_at_the_key_and_value() {
    let text = "[sandbox_workspace_write]\nnetwork_access = true\n";
    let doc = TomlDoc::parse(text).unwrap();
    let r = doc.range_of(&["sandbox_workspace_write", "network_access"]);
    assert_eq!(&text[r], "network_access = true");
}

#[test]
fn no_final_newline_stays_so() {
    let doc = TomlDoc::parse("[mcp_servers.x]\ncommand = \"npx\"").unwrap();
    let edits = doc
        .edit(|d| set(d, &["sandbox_mode"], "workspace-write".into()))
        .unwrap();
    let out = apply(&doc, &edits);
    assert!(!out.ends_with('\n'), "{out:?}");
    assert!(
        out.starts_with("sandbox_mode = \"workspace-write\"\n"),
        "{out:?}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for open in ["[", "{a="] {
        let text = format!("a = {}", open.repeat(100_000));
        let e = TomlDoc::parse(&text).unwrap_err();
        assert_eq!(e.pos.line, 1, "{e}");
    }
    let dotted = format!("{} = 1\n", vec!["k"; 100_000].join("."));
    assert!(TomlDoc::parse(&dotted).is_err());
}

#[test]
fn removing_items_keeps_the_array_layout() {
    let doc = TomlDoc::parse("roots = [\"/\", \"/tmp\", \"~\"] # writable\n").unwrap();
    let edits = doc.edit(|d| remove_items(d, &["roots"], &[0, 2])).unwrap();
    assert_eq!(apply(&doc, &edits), "roots = [\"/tmp\"] # writable\n");
    let doc = TomlDoc::parse("[s]\nroots = [\n  \"/\",\n  \"/tmp\",\n]\n").unwrap();
    let edits = doc
        .edit(|d| remove_items(d, &["s", "roots"], &[0]))
        .unwrap();
    assert_eq!(apply(&doc, &edits), "[s]\nroots = [\n  \"/tmp\",\n]\n");
    let doc = TomlDoc::parse("roots = [\"/\"]\n").unwrap();
    let edits = doc.edit(|d| remove_items(d, &["roots"], &[0])).unwrap();
    assert_eq!(apply(&doc, &edits), "roots = []\n");
}
