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

#[test]
fn discovery_finds_what_compose_the_cli_and_docker_build_load() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let found_names = [
        "compose.yaml",
        "compose.override.yml",
        "compose.prod.yaml",
        "docker-compose.override.yml",
        "docker-compose.ci.yaml",
        "Dockerfile",
        "Dockerfile-dev",
        "Dockerfile_test",
        "api.dockerfile",
        "Containerfile.arm64",
        "build/docker/Dockerfile",
        ".docker/Dockerfile",
        ".ci/compose.yaml",
        ".devcontainer/devcontainer.json",
        ".devcontainer/py/devcontainer.json",
        ".devcontainer.json",
    ];
    let not_found = [
        "Dockerfile.dockerignore",
        "Dockerfile.dev.dockerignore",
        "Dockerfile.tmLanguage",
        "Dockerfile.md",
        "compose.json",
        "node_modules/x/Dockerfile",
        ".git/Dockerfile",
        ".venv/lib/Dockerfile",
        "docs/devcontainer.json",
    ];
    for name in found_names.iter().chain(&not_found) {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = if name.ends_with(".json") {
            "{}"
        } else if name.contains("ompose") {
            "services: {}\n"
        } else {
            "FROM alpine:3.20\n"
        };
        std::fs::write(&path, text).unwrap();
    }
    let (found, errors) = harden_engine::discover(&[root.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let mut got: Vec<String> = found
        .iter()
        .map(|d| {
            d.path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    got.sort();
    let mut want: Vec<String> = found_names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(got, want);
}
