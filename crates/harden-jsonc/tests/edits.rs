use harden_core::{apply_edits, Document};
use harden_jsonc::JsoncDoc;
use serde_json::{json, Value};

fn append_el(text: &str, key: &str, values: &[Value]) -> String {
    let doc = JsoncDoc::parse(text).unwrap();
    let arr = &doc.root().get(key).unwrap().value;
    let out = apply_edits(text, &doc.edits().append_elements(arr, values)).unwrap();
    JsoncDoc::parse(&out).expect("output parses");
    out
}

fn append_member(text: &str, key: &str, value: Value) -> String {
    let doc = JsoncDoc::parse(text).unwrap();
    let out = apply_edits(text, &doc.edits().append_member(doc.root(), key, &value)).unwrap();
    JsoncDoc::parse(&out).expect("output parses");
    out
}

fn remove(text: &str, key: &str, run: std::ops::Range<usize>) -> String {
    let doc = JsoncDoc::parse(text).unwrap();
    let arr = &doc.root().get(key).unwrap().value;
    let out = apply_edits(text, &doc.edits().remove_children(arr, run)).unwrap();
    JsoncDoc::parse(&out).expect("output parses");
    out
}

fn remove_member(text: &str, key: &str) -> String {
    let doc = JsoncDoc::parse(text).unwrap();
    let i = doc.root().member_index(key).unwrap();
    let out = apply_edits(text, &doc.edits().remove_children(doc.root(), i..i + 1)).unwrap();
    JsoncDoc::parse(&out).expect("output parses");
    out
}

#[test]
fn append_to_single_line_array_stays_single_line() {
    assert_eq!(
        append_el(r#"{"a": ["x"]}"#, "a", &[json!("y"), json!("z")]),
        r#"{"a": ["x", "y", "z"]}"#
    );
    assert_eq!(
        append_el(r#"{"a": ["x",]}"#, "a", &[json!("y")]),
        r#"{"a": ["x", "y",]}"#
    );
    assert_eq!(
        append_el(r#"{"a": []}"#, "a", &[json!("y")]),
        r#"{"a": ["y"]}"#
    );
    assert_eq!(
        append_el(r#"{"a": [ /* c */ ]}"#, "a", &[json!(1)]),
        r#"{"a": [1,  /* c */ ]}"#
    );
}

#[test]
fn append_to_multiline_array_follows_indent_comments_and_commas() {
    let text = "{\n\t\"a\": [\n\t\t\"x\" // keep\n\t]\n}";
    assert_eq!(
        append_el(text, "a", &[json!("y")]),
        "{\n\t\"a\": [\n\t\t\"x\", // keep\n\t\t\"y\"\n\t]\n}"
    );
    let trailing = "{\r\n  \"a\": [\r\n    \"x\",\r\n  ],\r\n}\r\n";
    assert_eq!(
        append_el(trailing, "a", &[json!("y"), json!("z")]),
        "{\r\n  \"a\": [\r\n    \"x\",\r\n    \"y\",\r\n    \"z\",\r\n  ],\r\n}\r\n"
    );
}

#[test]
fn append_member_to_objects_of_every_shape() {
    assert_eq!(
        append_member("{\n  \"image\": \"x\" /* c */\n}", "init", json!(true)),
        "{\n  \"image\": \"x\", /* c */\n  \"init\": true\n}"
    );
    assert_eq!(
        append_member(r#"{ "image": "x" }"#, "runArgs", json!(["--a"])),
        r#"{ "image": "x", "runArgs": ["--a"] }"#
    );
    assert_eq!(
        append_member("{}", "init", json!(true)),
        "{\n  \"init\": true\n}"
    );
    assert_eq!(
        append_member("\u{feff}{\n    \"a\": 1,\n}", "b", json!(2)),
        "\u{feff}{\n    \"a\": 1,\n    \"b\": 2,\n}"
    );
    // no final newline, comment on its own line before the brace
    assert_eq!(
        append_member("{\n  \"a\": 1\n  // end\n}", "b", json!(2)),
        "{\n  \"a\": 1,\n  \"b\": 2\n  // end\n}"
    );
}

#[test]
fn remove_elements_inline_and_by_line() {
    assert_eq!(
        remove(r#"{"a": ["x", "y", "z"]}"#, "a", 1..2),
        r#"{"a": ["x", "z"]}"#
    );
    assert_eq!(
        remove(r#"{"a": ["x", "y", "z"]}"#, "a", 1..3),
        r#"{"a": ["x"]}"#
    );
    assert_eq!(remove(r#"{"a": ["x"]}"#, "a", 0..1), r#"{"a": []}"#);
    assert_eq!(remove(r#"{"a": [ "x", ]}"#, "a", 0..1), r#"{"a": []}"#);
    let text = "{\n  \"a\": [\n    \"x\", // first\n    // about y\n    \"y\" // second\n  ]\n}";
    assert_eq!(
        remove(text, "a", 1..2),
        "{\n  \"a\": [\n    \"x\" // first\n    // about y\n  ]\n}"
    );
    assert_eq!(
        remove(text, "a", 0..1),
        "{\n  \"a\": [\n    // about y\n    \"y\" // second\n  ]\n}"
    );
    assert_eq!(
        remove("{\n  \"a\": [\n    \"x\"\n  ]\n}", "a", 0..1),
        "{\n  \"a\": []\n}"
    );
}

#[test]
fn remove_members_keeps_neighbours_and_crlf() {
    let text = "{\r\n  \"a\": 1,\r\n  \"privileged\": true,\r\n  \"b\": 2\r\n}";
    assert_eq!(
        remove_member(text, "privileged"),
        "{\r\n  \"a\": 1,\r\n  \"b\": 2\r\n}"
    );
    assert_eq!(
        remove_member(text, "b"),
        "{\r\n  \"a\": 1,\r\n  \"privileged\": true\r\n}"
    );
    assert_eq!(remove_member(r#"{ "a": 1, "b": 2 }"#, "a"), r#"{ "b": 2 }"#);
}

#[test]
fn remove_a_run_that_shares_its_line_with_an_earlier_element() {
    let text = "{\n  \"a\": [\n    \"x\",\n\n    \"y\", \"z\", \"w\"\n  ]\n}";
    assert_eq!(
        remove(text, "a", 2..4),
        "{\n  \"a\": [\n    \"x\",\n\n    \"y\"\n  ]\n}"
    );
    assert_eq!(
        remove(text, "a", 1..2),
        "{\n  \"a\": [\n    \"x\",\n\n    \"z\", \"w\"\n  ]\n}"
    );
}

fn append_block(text: &str, key: &str, value: Value) -> String {
    let doc = JsoncDoc::parse(text).unwrap();
    let edits = doc.edits().append_member_block(doc.root(), key, &value);
    let out = apply_edits(text, &edits).unwrap();
    let parsed = JsoncDoc::parse(&out).expect("output parses");
    let mut expected = doc.value();
    expected
        .as_object_mut()
        .unwrap()
        .insert(key.to_string(), value);
    assert_eq!(parsed.value(), expected);
    out
}

#[test]
fn a_long_value_appended_as_a_block_takes_one_line_per_child() {
    let long =
        json!({"deny": ["Read(~/.ssh/**)", "Read(~/.aws/**)", "Read(~/.gnupg/**)"], "mode": "x"});
    assert_eq!(
        append_block("{\r\n\t\"a\": 1\r\n}\r\n", "p", long.clone()),
        "{\r\n\t\"a\": 1,\r\n\t\"p\": {\r\n\t\t\"deny\": [\"Read(~/.ssh/**)\", \"Read(~/.aws/**)\", \"Read(~/.gnupg/**)\"],\r\n\t\t\"mode\": \"x\"\r\n\t}\r\n}\r\n"
    );
    // Values of 60 characters or less, and single-line objects, stay inline.
    assert_eq!(
        append_block("{\n  \"a\": 1\n}\n", "b", json!({"c": true})),
        "{\n  \"a\": 1,\n  \"b\": {\"c\": true}\n}\n"
    );
    assert_eq!(
        append_block("{\"a\": 1}", "p", long.clone()),
        format!("{{\"a\": 1, \"p\": {}}}", harden_jsonc::render_value(&long))
    );
    assert_eq!(
        append_block("{}", "p", json!({"deny": ["a-long-rule-number-one", "a-long-rule-number-two", "a-long-rule-number-three"]})),
        "{\n  \"p\": {\n    \"deny\": [\n      \"a-long-rule-number-one\",\n      \"a-long-rule-number-two\",\n      \"a-long-rule-number-three\"\n    ]\n  }\n}"
    );
}
