//! One named test per fixture: for each file under `tests/fixtures/<format>/`
//! a line `fixture!(name, "file");` in `$OUT_DIR/<format>_fixtures.rs`, which
//! the format's fixture test includes, so `cargo test CP014` runs that
//! rule's cases and every mismatch is reported on its own.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed={}", root.display());
    for format in ["compose", "devcontainer", "dockerfile"] {
        let dir = root.join(format);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let mut code = String::new();
        for name in names {
            let ident: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            code.push_str(&format!("fixture!({ident}, {name:?});\n"));
        }
        std::fs::write(Path::new(&out).join(format!("{format}_fixtures.rs")), code)
            .expect("OUT_DIR is writable");
    }
}
