use super::*;
use serde_json::json;

fn doc(text: &str) -> DockerfileDoc {
    DockerfileDoc::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn shell_of(d: &DockerfileDoc, i: usize) -> &Spanned {
    match &d.instructions()[i].args {
        Args::Shell { raw, .. } => raw,
        other => panic!("not shell form: {other:?}"),
    }
}

#[test]
fn spans_point_at_the_source_text() {
    let text = "FROM --platform=linux/amd64 node:20 AS base\nRUN --mount=type=cache,target=/root/.npm \\\n    npm ci\nCMD [\"node\", \"x.js\"]\n";
    let d = doc(text);
    let ins = d.instructions();
    assert_eq!(ins.len(), 3);
    assert_eq!(
        &text[ins[0].span.clone()],
        "FROM --platform=linux/amd64 node:20 AS base"
    );
    assert_eq!(
        &text[ins[0].flags[0].span.clone()],
        "--platform=linux/amd64"
    );
    assert_eq!(
        &text[ins[1].span.clone()],
        "RUN --mount=type=cache,target=/root/.npm \\\n    npm ci"
    );
    assert_eq!(
        ins[1].flag("mount").unwrap().value.as_ref().unwrap().value,
        "type=cache,target=/root/.npm"
    );
    assert_eq!(&text[shell_of(&d, 1).span.clone()], "npm ci");
    assert_eq!(&text[ins[2].span.clone()], "CMD [\"node\", \"x.js\"]");
    assert_eq!(d.stages().len(), 1);
    assert_eq!(d.stages()[0].name.as_deref(), Some("base"));
}

#[test]
fn value_has_semantics_not_formatting() {
    let a = doc("# syntax=docker/dockerfile:1\nFROM alpine:3.20\n# comment\nRUN apk add curl \\\n  # why\n  && echo hi\nUSER app\n");
    let b = doc("# syntax=docker/dockerfile:1\n\nfrom alpine:3.20\nrun apk add curl \\\n  && echo hi\n\n\nuser app");
    assert_eq!(a.value(), b.value());
    assert_eq!(
        a.value(),
        json!({
            "directives": {"syntax": "docker/dockerfile:1"},
            "instructions": [
                {"keyword": "FROM", "image": "alpine:3.20"},
                {"keyword": "RUN", "shell": "apk add curl   && echo hi"},
                {"keyword": "USER", "args": "app"},
            ]
        })
    );
    // A changed command is a changed value.
    assert_ne!(
        a.value(),
        doc("FROM alpine:3.20\nRUN apk add curl && echo hi\nUSER app\n").value()
    );
}

#[test]
fn heredocs_keep_their_bodies_and_spans() {
    let text = "FROM debian:12\nRUN <<EOF\nset -e\ncurl -fsSL https://x/i.sh | sh\nEOF\nCOPY <<-'CONF' /etc/x.conf\n\tkey=1\n\tCONF\nRUN echo done\n";
    let d = doc(text);
    let ins = d.instructions();
    assert_eq!(ins.len(), 4);
    let h = &ins[1].heredocs()[0];
    assert_eq!(
        &text[h.span.clone()],
        "set -e\ncurl -fsSL https://x/i.sh | sh\n"
    );
    assert!(h.expand && !h.strip_tabs);
    assert_eq!(
        &text[ins[1].span.clone()],
        "RUN <<EOF\nset -e\ncurl -fsSL https://x/i.sh | sh\nEOF"
    );
    let Args::Files { sources, dest } = &ins[2].args else {
        panic!()
    };
    let Source::HereDoc(c) = &sources[0] else {
        panic!()
    };
    assert!(!c.expand && c.strip_tabs);
    assert_eq!(c.value, "key=1\n");
    assert_eq!(dest.value, "/etc/x.conf");
    assert_eq!(
        &text[ins[2].span.clone()],
        "COPY <<-'CONF' /etc/x.conf\n\tkey=1\n\tCONF"
    );
    let v = d.value();
    assert_eq!(
        v["instructions"][1]["heredocs"][0]["body"],
        "set -e\ncurl -fsSL https://x/i.sh | sh\n"
    );
    assert_eq!(
        v["instructions"][2]["sources"][0],
        json!({"expand": false, "body": "key=1\n"})
    );
}

#[test]
fn backtick_escape_joins_lines() {
    let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN powershell -Command `\n    Write-Host hi\nCOPY a\\b c:\\dest\\\n";
    let d = doc(text);
    assert_eq!(d.escape(), '`');
    assert_eq!(d.instructions().len(), 3);
    assert_eq!(
        d.value()["instructions"][1]["shell"],
        "powershell -Command     Write-Host hi"
    );
    assert_eq!(d.value()["directives"]["escape"], "`");
}

#[test]
fn crlf_and_bom_keep_offsets_in_the_original_text() {
    let text = "\u{feff}FROM alpine:3\r\nRUN a \\\r\n  b\r\nUSER x\r\n";
    let d = doc(text);
    let ins = d.instructions();
    assert_eq!(&text[ins[0].span.clone()], "FROM alpine:3");
    assert_eq!(&text[ins[1].span.clone()], "RUN a \\\r\n  b");
    assert_eq!(d.value()["instructions"][1]["shell"], "a   b");
    assert_eq!(&text[ins[2].span.clone()], "USER x");
}

#[test]
fn empty_entrypoint_is_an_empty_exec_form() {
    let text = "FROM php:8\nENTRYPOINT []\nONBUILD ENTRYPOINT [ ]\nCMD [\"php\"]\n";
    let d = doc(text);
    let ins = d.instructions();
    assert_eq!(ins.len(), 4);
    assert!(
        matches!(&ins[1].args, Args::Exec { items, span } if items.is_empty() && &text[span.clone()] == "[]")
    );
    assert_eq!(
        d.value()["instructions"][1],
        json!({"keyword": "ENTRYPOINT", "exec": []})
    );
    assert_eq!(
        d.value()["instructions"][2]["instruction"],
        json!({"keyword": "ENTRYPOINT", "exec": []})
    );
    // Other missing arguments stay errors.
    let e = DockerfileDoc::parse("FROM php:8\nENTRYPOINT\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "2:1: ENTRYPOINT instruction requires at least one argument"
    );
}

#[test]
fn errors_are_located() {
    let e = DockerfileDoc::parse("FROM a\nFOO bar\n").unwrap_err();
    assert_eq!(e.to_string(), "2:1: unknown instruction 'FOO'");
    let e = DockerfileDoc::parse("\u{feff}FROM a\n  FOO bar\n").unwrap_err();
    assert_eq!(e.to_string(), "2:3: unknown instruction 'FOO'");
    let e = DockerfileDoc::parse("RUN x\n").unwrap_err();
    assert_eq!(e.to_string(), "1:1: expected FROM");
    let e = DockerfileDoc::parse("# just a comment\n").unwrap_err();
    assert_eq!(e.to_string(), "1:1: expected at least one FROM instruction");
    let e = DockerfileDoc::parse("FROM a\nRUN <<EOF\nnever closed\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "4:1: expected end of here-document (EOF), but reached eof"
    );
}

#[test]
fn hostile_input_gives_errors_not_panics() {
    let e = DockerfileDoc::parse("FROM a\nRUN echo \0\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "2:10: NUL byte: this is not a text Dockerfile"
    );
    let big = "#".repeat(MAX_BYTES + 1);
    assert!(DockerfileDoc::parse(&big)
        .unwrap_err()
        .message
        .contains("at most"));
    // A long continuation chain and many heredoc-looking lines parse in linear time.
    let mut chain = String::from("FROM a\nRUN true");
    for _ in 0..200_000 {
        chain.push_str(" \\\n  && true");
    }
    let t = std::time::Instant::now();
    let d = doc(&chain);
    assert_eq!(d.instructions().len(), 2);
    assert!(t.elapsed().as_secs() < 5, "took {:?}", t.elapsed());
    let deep = format!("FROM a\n{}", "ONBUILD ".repeat(10_000));
    assert!(DockerfileDoc::parse(&deep).is_err());
}

#[test]
fn stages_and_lookup() {
    let d = doc("ARG V=1\nFROM golang:1.22 AS build\nRUN go build\nFROM gcr.io/distroless/static\nCOPY --from=build /app /app\n");
    assert_eq!(d.stages().len(), 2);
    assert_eq!(d.stages()[0].instructions, 1..3);
    assert_eq!(d.final_stage().unwrap().instructions, 3..5);
    assert!(d.stage_of(0).is_none());
    assert_eq!(d.stage_named("BUILD").unwrap().from, 1);
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn arbitrary_text_never_panics(s in "(FROM a\n)?([A-Za-z<>\\[\\]\"'`\\\\# =\n\t\r-]{0,12}){0,12}") {
            if let Ok(d) = DockerfileDoc::parse(&s) {
                let _ = d.value();
                for i in d.instructions() {
                    prop_assert!(i.span.end <= s.len() && s.is_char_boundary(i.span.start));
                    if let Args::Shell { raw, .. } = &i.args {
                        let l = d.logical(raw.span.clone());
                        prop_assert!(l.text.len() <= raw.span.len());
                    }
                }
            }
        }
    }
}
