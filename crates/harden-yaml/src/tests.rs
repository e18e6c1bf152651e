use super::*;
use harden_core::{apply_edits, Edit};
use serde_json::json;

fn doc(text: &str) -> YamlDoc {
    YamlDoc::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn apply(d: &YamlDoc, edits: &[Edit]) -> String {
    let out = apply_edits(d.text(), edits).unwrap();
    // Every edited text must parse again.
    YamlDoc::parse(&out).unwrap_or_else(|e| panic!("{e}\n{out}"));
    out
}

fn service(d: &YamlDoc, name: &str) -> NodeId {
    d.path(&["services", name]).unwrap()
}

fn parse_err(text: &str) -> String {
    YamlDoc::parse(text).unwrap_err().to_string()
}

// ---- parsing and value ----------------------------------------------

#[test]
fn value_resolves_merge_keys_aliases_and_reset() {
    let d = doc("x-base: &base\n  cap_drop: [ALL]\n  image: a\nservices:\n  app:\n    <<: *base\n    image: b\n  db:\n    <<: *base\n    cap_drop: !reset []\n  w:\n    env: *base\n");
    assert_eq!(
        d.value()["services"],
        json!({
            "app": {"cap_drop": ["ALL"], "image": "b"},
            "db": {"image": "a"},
            "w": {"env": {"cap_drop": ["ALL"], "image": "a"}}
        })
    );
    let app = service(&d, "app");
    assert!(d.get(app, "cap_drop").is_none());
    let found = d.lookup(app, "cap_drop").unwrap();
    assert!(found.via.is_some());
    assert!(d.lookup(service(&d, "db"), "cap_drop").is_none());
    assert_eq!(d.lookup(app, "image").unwrap().via, None);
}

#[test]
fn earlier_merge_sources_win() {
    let d = doc("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n");
    assert_eq!(d.value()["c"], json!({"k": 1, "j": 3}));
}

#[test]
fn new_key_paths_follow_every_user_of_an_anchor() {
    let d = doc("x: &c\n  image: a\nservices:\n  a:\n    <<: *c\n  b:\n    <<: *c\n    cap_drop: [NET_RAW]\n");
    let anchor = d.path(&["x"]).unwrap();
    let paths: Vec<String> = d
        .paths_for_new_key(anchor, "cap_drop")
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(paths, ["/x/cap_drop", "/services/a/cap_drop"]);
    assert_eq!(d.merged_into(anchor).len(), 2);
}

#[test]
fn bom_crlf_and_spans() {
    let text = "\u{feff}services:\r\n  app:\r\n    image: \"node:20\"   # pinned\r\n";
    let d = doc(text);
    let img = d.get(service(&d, "app"), "image").unwrap();
    assert_eq!(&text[d.range(img.value)], "\"node:20\"");
    assert_eq!(d.eol(), "\r\n");
}

#[test]
fn rejects_duplicate_keys_with_position() {
    assert_eq!(
        parse_err("services:\n  a: {}\n  a: {}\n"),
        "3:3: duplicate key `a` (first defined at line 2)"
    );
}

#[test]
fn rejects_invalid_yaml_with_position() {
    let e = parse_err("services:\n  a: [1, 2\n");
    assert!(e.starts_with("3:1: "), "{e}");
    let e = parse_err("a: b: c\n");
    assert!(e.starts_with("1:5: "), "{e}");
}

#[test]
fn rejects_unknown_aliases_and_multiple_documents() {
    assert!(parse_err("a: *nope\n").contains("no anchor"));
    assert!(parse_err("a: 1\n---\nb: 2\n").contains("several YAML documents"));
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let t = std::time::Instant::now();
    let e = parse_err(&text);
    assert!(e.contains("alias bomb"), "{e}");
    assert!(t.elapsed().as_secs() < 5);
}

#[test]
fn a_panic_inside_the_parser_is_a_located_error() {
    // libyaml-safer panics on this block scalar at end of input.
    let e = YamlDoc::parse("s:\n|\n l").unwrap_err();
    assert_eq!(e.pos.line, 3, "{e}");
    assert!(e.message.contains("YAML parser cannot read"), "{e}");
}

#[test]
fn merge_key_bomb_is_refused() {
    // Each anchor merges the previous one twice: the second merge is all
    // shadowed keys, which materialise nothing but still cost work.
    let mut text = String::from("x-a0: &a0 {q0: 1}\n");
    for i in 1..40 {
        let p = i - 1;
        text.push_str(&format!("x-a{i}: &a{i} {{<<: [*a{p}, *a{p}], q{i}: 1}}\n"));
    }
    text.push_str("services:\n  s: {image: x}\n");
    assert!(text.len() < 1600);
    let e = parse_err(&text);
    assert!(e.contains("alias bomb"), "{e}");
    // Without a service using it, too.
    let unused = text.replace("services:\n  s: {image: x}\n", "");
    assert!(parse_err(&unused).contains("alias bomb"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        "- ".repeat(10_000) + "x\n",
        "[".repeat(10_000),
        "{a: ".repeat(10_000),
    ] {
        let e = parse_err(&text);
        assert!(
            e.contains("deeper than") || e.contains("error") || !e.is_empty(),
            "{e}"
        );
    }
    let e = parse_err(&("- ".repeat(10_000) + "x\n"));
    assert!(e.contains("nests deeper than 200 levels"), "{e}");
}

#[test]
fn huge_files_are_refused() {
    let text = "a: b\n".repeat(MAX_FILE_BYTES / 5 + 1);
    assert!(parse_err(&text).contains("refused"));
}

#[test]
fn empty_and_comment_only_files_have_a_null_value() {
    assert_eq!(doc("").value(), Value::Null);
    assert_eq!(doc("# nothing\n").value(), Value::Null);
}

// ---- insert_entry ----------------------------------------------------

#[test]
fn insert_into_block_mapping_keeps_comment_on_last_line() {
    let d = doc("services:\n  app:\n    image: x   # keep me\n  db:\n    image: y\n");
    let edits = d
        .edits()
        .insert_entry(service(&d, "app"), "cap_drop", &json!(["ALL"]))
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "services:\n  app:\n    image: x   # keep me\n    cap_drop:\n      - ALL\n  db:\n    image: y\n"
    );
}

#[test]
fn insert_follows_four_space_indent_and_compact_sequences() {
    let d = doc("services:\n    app:\n        image: x\n        ports:\n        - 80\n");
    let edits = d
        .edits()
        .insert_entry(service(&d, "app"), "cap_drop", &json!(["ALL"]))
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "services:\n    app:\n        image: x\n        ports:\n        - 80\n        cap_drop:\n        - ALL\n"
    );
}

#[test]
fn insert_into_flow_mapping() {
    let d = doc("services:\n  db: {image: postgres, environment: {A: \"x\"}}   # flow\n  e: {}\n");
    let edits = d
        .edits()
        .insert_entry(service(&d, "db"), "cap_drop", &json!(["ALL"]))
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "services:\n  db: {image: postgres, environment: {A: \"x\"}, cap_drop: [ALL]}   # flow\n  e: {}\n"
    );
    let e = service(&d, "e");
    let edits = d
        .edits()
        .insert_entry(e, "read_only", &json!(true))
        .unwrap();
    assert!(apply(&d, &edits).ends_with("  e: {read_only: true}\n"));
}

#[test]
fn insert_keeps_crlf_and_missing_final_newline() {
    let d = doc("services:\r\n  app:\r\n    image: x");
    let edits = d
        .edits()
        .insert_entry(
            service(&d, "app"),
            "deploy",
            &json!({"resources": {"limits": {"memory": "8g"}}}),
        )
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "services:\r\n  app:\r\n    image: x\r\n    deploy:\r\n      resources:\r\n        limits:\r\n          memory: 8g"
    );
}

#[test]
fn insert_after_block_scalar_and_into_anchor() {
    let d = doc("x-common: &common\n  command: |\n    run\n\n  image: a\nservices:\n  app:\n    <<: *common\n");
    let anchor = d.path(&["x-common"]).unwrap();
    let edits = d
        .edits()
        .insert_entry(anchor, "privileged", &json!(false))
        .unwrap();
    let out = apply(&d, &edits);
    assert_eq!(
        out,
        "x-common: &common\n  command: |\n    run\n\n  image: a\n  privileged: false\nservices:\n  app:\n    <<: *common\n"
    );
    assert_eq!(
        doc(&out).value()["services"]["app"]["privileged"],
        json!(false)
    );

    let d = doc("a:\n  s: |\n    text\n");
    let edits = d
        .edits()
        .insert_entry(d.path(&["a"]).unwrap(), "k", &json!("v"))
        .unwrap();
    assert_eq!(apply(&d, &edits), "a:\n  s: |\n    text\n  k: v\n");
}

#[test]
fn insert_into_mapping_inside_a_sequence_item() {
    let d = doc("volumes:\n  - type: bind\n    source: /a\n    target: /b\n");
    let item = d.items(d.path(&["volumes"]).unwrap())[0];
    let edits = d
        .edits()
        .insert_entry(item, "read_only", &json!(true))
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "volumes:\n  - type: bind\n    source: /a\n    target: /b\n    read_only: true\n"
    );
}

#[test]
fn insert_refuses_an_existing_key_and_aliases() {
    let d = doc("a: &x {k: 1}\nb: *x\n");
    assert!(d
        .edits()
        .insert_entry(d.path(&["a"]).unwrap(), "k", &json!(2))
        .is_err());
    let b = d.get(d.root().unwrap(), "b").unwrap().value;
    assert!(d.edits().insert_entry(b, "j", &json!(2)).is_err());
}

// ---- append_items ------------------------------------------------------

#[test]
fn append_to_block_sequence_keeps_item_comments_and_quotes() {
    let d = doc("cap_add:\n  - 'CHOWN'   # needed\n  # a comment\ntail: 1\n");
    let seq = d.path(&["cap_add"]).unwrap();
    let edits = d.edits().append_items(seq, &[json!("SETUID")]).unwrap();
    assert_eq!(
        apply(&d, &edits),
        "cap_add:\n  - 'CHOWN'   # needed\n  - 'SETUID'\n  # a comment\ntail: 1\n"
    );
}

#[test]
fn append_to_flow_sequences() {
    let d = doc("a: [x, \"y\"]  # c\nb: []\nc: [\n  x,\n]\n");
    let a = d.path(&["a"]).unwrap();
    let b = d.path(&["b"]).unwrap();
    let c = d.path(&["c"]).unwrap();
    let mut edits = d
        .edits()
        .append_items(a, &[json!("no-new-privileges:true")])
        .unwrap();
    edits.extend(
        d.edits()
            .append_items(b, &[json!("ALL"), json!(1)])
            .unwrap(),
    );
    edits.extend(d.edits().append_items(c, &[json!("z")]).unwrap());
    assert_eq!(
        apply(&d, &edits),
        "a: [x, \"y\", \"no-new-privileges:true\"]  # c\nb: [ALL, 1]\nc: [\n  x, z,\n]\n"
    );
}

#[test]
fn append_long_syntax_item() {
    let d = doc("volumes:\r\n- ./a:/a\r\n");
    let seq = d.path(&["volumes"]).unwrap();
    let edits = d
        .edits()
        .append_items(
            seq,
            &[json!({"type": "bind", "source": "./b", "target": "/b", "read_only": true})],
        )
        .unwrap();
    assert_eq!(
        apply(&d, &edits),
        "volumes:\r\n- ./a:/a\r\n- type: bind\r\n  source: ./b\r\n  target: /b\r\n  read_only: true\r\n"
    );
}

// ---- remove_items ------------------------------------------------------

#[test]
fn remove_block_items_keeps_neighbour_comments() {
    let d = doc("cap_add:\n  # why\n  - SYS_ADMIN   # bad\n  - CHOWN\n  - NET_ADMIN\nx: 1\n");
    let seq = d.path(&["cap_add"]).unwrap();
    let edits = d.edits().remove_items(seq, &[0, 2]).unwrap();
    let out = apply(&d, &edits);
    assert_eq!(out, "cap_add:\n  # why\n  - CHOWN\nx: 1\n");
    assert_eq!(doc(&out).value()["cap_add"], json!(["CHOWN"]));
}

#[test]
fn removing_every_item_leaves_an_empty_sequence() {
    let d = doc("a:\n  cap_add: &caps   # c\n    - SYS_ADMIN\n  b: 1\n");
    let seq = d.path(&["a", "cap_add"]).unwrap();
    let out = apply(&d, &d.edits().remove_items(seq, &[0]).unwrap());
    assert_eq!(out, "a:\n  cap_add: &caps []   # c\n  b: 1\n");
    let d = doc("a: [x, y]\n");
    let out = apply(
        &d,
        &d.edits()
            .remove_items(d.path(&["a"]).unwrap(), &[0, 1])
            .unwrap(),
    );
    assert_eq!(out, "a: []\n");
}

#[test]
fn remove_flow_items() {
    let d = doc("a: [x, y, z]\n");
    let seq = d.path(&["a"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[1]).unwrap()),
        "a: [x, z]\n"
    );
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[2]).unwrap()),
        "a: [x, y]\n"
    );
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[0, 1]).unwrap()),
        "a: [z]\n"
    );
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[1, 2]).unwrap()),
        "a: [x]\n"
    );
}

#[test]
fn remove_last_item_without_final_newline() {
    let d = doc("a:\r\n  - x\r\n  - y");
    let seq = d.path(&["a"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[1]).unwrap()),
        "a:\r\n  - x"
    );
}

#[test]
fn remove_multiline_item() {
    let d =
        doc("v:\n  - type: bind\n    source: /var/run/docker.sock\n    target: /s\n  - ./a:/a\n");
    let seq = d.path(&["v"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_items(seq, &[0]).unwrap()),
        "v:\n  - ./a:/a\n"
    );
}

// ---- remove_entry ------------------------------------------------------

#[test]
fn remove_block_entry_and_its_nested_value() {
    let d = doc("s:\n  privileged: true  # why\n  deploy:\n    x: 1\n  image: a\n");
    let s = d.path(&["s"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_entry(s, "privileged").unwrap()),
        "s:\n  deploy:\n    x: 1\n  image: a\n"
    );
    assert_eq!(
        apply(&d, &d.edits().remove_entry(s, "deploy").unwrap()),
        "s:\n  privileged: true  # why\n  image: a\n"
    );
}

#[test]
fn remove_first_key_of_a_sequence_item_mapping() {
    let d = doc("l:\n  - privileged: true\n    image: a\n");
    let item = d.items(d.path(&["l"]).unwrap())[0];
    assert_eq!(
        apply(&d, &d.edits().remove_entry(item, "privileged").unwrap()),
        "l:\n  - image: a\n"
    );
}

#[test]
fn remove_flow_entry_and_only_entry() {
    let d = doc("s: {privileged: true, image: a}\nt:\n  network_mode: host\n");
    let s = d.path(&["s"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_entry(s, "privileged").unwrap()),
        "s: {image: a}\nt:\n  network_mode: host\n"
    );
    let t = d.path(&["t"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_entry(t, "network_mode").unwrap()),
        "s: {privileged: true, image: a}\nt: {}\n"
    );
}

#[test]
fn remove_last_entry_without_final_newline() {
    let d = doc("s:\n  image: a\n  pid: host");
    let s = d.path(&["s"]).unwrap();
    assert_eq!(
        apply(&d, &d.edits().remove_entry(s, "pid").unwrap()),
        "s:\n  image: a"
    );
}

// ---- replace_scalar ------------------------------------------------------

#[test]
fn replace_scalar_keeps_quoting_and_tabs_elsewhere() {
    let d = doc("v:\n  - '/a:/b'   # c\n  - \"/c:/d\"\n  - /e:/f\n  - x\tinside\nk: 'it''s'\n");
    let items = d.items(d.path(&["v"]).unwrap()).to_vec();
    let e = d.edits();
    let edits = vec![
        e.replace_scalar(items[0], &json!("/a:/b:ro")).unwrap(),
        e.replace_scalar(items[1], &json!("/c:/d:ro")).unwrap(),
        e.replace_scalar(items[2], &json!("/e:/f:ro")).unwrap(),
    ];
    assert_eq!(
        apply(&d, &edits),
        "v:\n  - '/a:/b:ro'   # c\n  - \"/c:/d:ro\"\n  - /e:/f:ro\n  - x\tinside\nk: 'it''s'\n"
    );
}

#[test]
fn replace_plain_scalar_that_needs_quotes_and_in_flow() {
    let d = doc("a: [x:y, b]\nc: plain\n");
    let first = d.items(d.path(&["a"]).unwrap())[0];
    let c = d.get(d.root().unwrap(), "c").unwrap().value;
    let e = d.edits();
    let out = apply(
        &d,
        &[
            e.replace_scalar(first, &json!("x:y:ro")).unwrap(),
            e.replace_scalar(c, &json!("yes")).unwrap(),
        ],
    );
    assert_eq!(out, "a: [\"x:y:ro\", b]\nc: \"yes\"\n");
    assert_eq!(doc(&out).value()["c"], json!("yes"));
}

#[test]
fn replace_scalar_with_anchor_keeps_the_anchor() {
    let d = doc("a: &m 1g\nb: *m\n");
    let a = d.get(d.root().unwrap(), "a").unwrap().value;
    let out = apply(&d, &[d.edits().replace_scalar(a, &json!("8g")).unwrap()]);
    assert_eq!(out, "a: &m 8g\nb: *m\n");
    assert_eq!(d.paths_of(a).len(), 2);
}

// ---- layout ------------------------------------------------------------

#[test]
fn layout_detection() {
    assert_eq!(
        doc("a:\n    b:\n        c: 1\n    d:\n    - x\n").layout(),
        Layout {
            step: 4,
            seq_indent: 0
        }
    );
    assert_eq!(
        doc("a:\n  b:\n    - x\n").layout(),
        Layout {
            step: 2,
            seq_indent: 2
        }
    );
}

// ---- insert_entries / fill_null -------------------------------------------

#[test]
fn insert_several_entries_as_one_edit() {
    let d = doc("s:\n  image: a\nt: {image: b}\n");
    let e = d.edits();
    let new = [
        ("mem_limit".to_string(), json!("8g")),
        ("pids_limit".to_string(), json!(1024)),
    ];
    let mut edits = e.insert_entries(d.path(&["s"]).unwrap(), &new).unwrap();
    edits.extend(e.insert_entries(d.path(&["t"]).unwrap(), &new).unwrap());
    assert_eq!(edits.len(), 2);
    assert_eq!(
        apply(&d, &edits),
        "s:\n  image: a\n  mem_limit: 8g\n  pids_limit: 1024\nt: {image: b, mem_limit: 8g, pids_limit: 1024}\n"
    );
}

#[test]
fn fill_null_value_keeps_the_comment() {
    let d = doc("s:\n  deploy:   # todo\n  image: a\nt:\n  deploy: ~\n");
    let dep = d.get(d.path(&["s"]).unwrap(), "deploy").unwrap().value;
    let v = json!({"resources": {"limits": {"memory": "8g"}}});
    let out = apply(&d, &d.edits().fill_null(dep, &v).unwrap());
    assert_eq!(
        out,
        "s:\n  deploy: # todo\n    resources:\n      limits:\n        memory: 8g\n  image: a\nt:\n  deploy: ~\n"
    );
    let dep = d.get(d.path(&["t"]).unwrap(), "deploy").unwrap().value;
    let out = apply(&d, &d.edits().fill_null(dep, &v).unwrap());
    assert!(
        out.ends_with("t:\n  deploy:\n    resources:\n      limits:\n        memory: 8g\n"),
        "{out}"
    );
}

#[test]
fn emptying_a_block_collection_keeps_comment_lines() {
    let d = doc("s:\n  volumes:\n    # why the socket\n    - /var/run/docker.sock:/s   # gone with its line\n  x:\n    k: 1");
    let seq = d.path(&["s", "volumes"]).unwrap();
    let out = apply(&d, &d.edits().remove_items(seq, &[0]).unwrap());
    assert_eq!(
        out,
        "s:\n  volumes: []\n    # why the socket\n  x:\n    k: 1"
    );
    let x = d.path(&["s", "x"]).unwrap();
    let out = apply(&d, &d.edits().remove_entry(x, "k").unwrap());
    assert!(out.ends_with("  x: {}"), "{out}");
}

#[test]
fn a_tagged_merge_key_merges() {
    let doc = YamlDoc::parse("x: &a\n  cap_add: [NET_ADMIN]\ns:\n  !!merge <<: *a\n  image: i\n")
        .unwrap();
    assert_eq!(doc.value()["s"]["cap_add"][0], "NET_ADMIN");
    assert!(doc.value()["s"].get("<<").is_none());
}
