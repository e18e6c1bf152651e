//! Every Dockerfile of the shared corpus parses, and its spans hold.

use std::path::PathBuf;

use harden_core::Document;
use harden_dockerfile::{Args, DockerfileDoc};

fn corpus() -> Option<PathBuf> {
    harden_core::requirement::shared("corpus")
}

#[test]
fn corpus_dockerfiles_parse() {
    let Some(dir) = corpus() else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let (mut ok, mut failed) = (0, Vec::new());
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.get(4) != Some(&"dockerfile") {
            continue;
        }
        let text = std::fs::read_to_string(dir.join(cols[0])).unwrap();
        match DockerfileDoc::parse(&text) {
            Ok(d) => {
                ok += 1;
                let _ = d.value();
                let mut prev_end = 0;
                for i in d.instructions() {
                    assert!(i.span.start >= prev_end, "{}: overlapping spans", cols[0]);
                    prev_end = i.span.end;
                    assert!(text[i.keyword_span.clone()].eq_ignore_ascii_case(&i.keyword));
                    if let Args::Shell { raw, .. } = &i.args {
                        assert_eq!(text[raw.span.clone()], raw.value, "{}", cols[0]);
                    }
                }
            }
            Err(e) => failed.push(format!("{}: {e}", cols[0])),
        }
    }
    println!(
        "corpus: {ok} Dockerfiles parsed, {} failed: {failed:?}",
        failed.len()
    );
    // The one failure is a .dockerignore filed as a Dockerfile.
    assert!(failed.len() <= 1, "{failed:#?}");
    assert!(
        failed.iter().all(|f| f.contains("dockerignore")),
        "{failed:#?}"
    );
}
