//! Compose files are found by name and through a devcontainer's `dockerComposeFile`.

use harden_core::FileKind;
use harden_engine::discover;

#[test]
fn finds_compose_files_by_name_and_by_dockercomposefile() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("compose.yaml", "services: {}\n");
    write("docker-compose.override.yml", "services: {}\n");
    write("notes.yml", "a: 1\n");
    write("infra/dev-stack.yml", "services: {}\n");
    write(
        ".devcontainer/devcontainer.json",
        "{ // compose mode\n  \"dockerComposeFile\": [\"../compose.yaml\", \"../infra/dev-stack.yml\"],\n  \"service\": \"app\"\n}\n",
    );
    let (found, errors) = discover(&[root.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut compose: Vec<String> = found
        .iter()
        .filter(|d| d.kind == FileKind::Compose)
        .map(|d| d.path.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    compose.sort();
    assert_eq!(
        compose,
        [
            "compose.yaml",
            "dev-stack.yml",
            "docker-compose.override.yml"
        ]
    );
    assert_eq!(
        found
            .iter()
            .filter(|d| d.kind == FileKind::Devcontainer)
            .count(),
        1
    );
}
