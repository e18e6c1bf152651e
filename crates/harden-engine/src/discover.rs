//! Finding the files harden reads under the paths it is given.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use harden_core::FileKind;

pub(crate) use crate::confine::lexical_clean;
use crate::confine::{resolve_within, root_for, Refusal};
use crate::FileError;

/// Directories never entered: dependencies, caches, generated output, VCS
/// data. A `build/` folder is entered: Dockerfiles live there
/// (`build/docker/Dockerfile`).
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    ".cache",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".terraform",
    ".gradle",
    ".yarn",
    ".npm",
    ".pnpm-store",
    ".idea",
    ".direnv",
];

const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub path: Box<Path>,
    /// The path as shown to users and in diff headers.
    pub display: Box<str>,
    pub kind: FileKind,
    /// The canonical scanned root the file was found under (see
    /// [`crate::confine::root_for`]); nothing outside it is read or written.
    /// One allocation shared by every file under it: a tree of 100,000
    /// files is held in memory as this list.
    pub root: Arc<Path>,
}

/// The kind of file at `path`, judged by its name and place.
pub fn kind_of(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    let grandparent = path
        .parent()
        .and_then(Path::parent)
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    match name {
        ".devcontainer.json" => Some(FileKind::Devcontainer),
        "devcontainer.json"
            if parent == Some(".devcontainer") || grandparent == Some(".devcontainer") =>
        {
            Some(FileKind::Devcontainer)
        }
        "settings.json" | "settings.local.json" if parent == Some(".claude") => {
            Some(FileKind::ClaudeSettings)
        }
        "managed-settings.json" => Some(FileKind::ClaudeSettings),
        "config.toml" if parent == Some("codex") && grandparent == Some("etc") => {
            Some(FileKind::CodexConfig)
        }
        _ if parent == Some(".codex") && name.ends_with("config.toml") => {
            Some(FileKind::CodexConfig)
        }
        "opencode.json" | "opencode.jsonc" => Some(FileKind::OpencodeConfig),
        "config.yaml" | "config.yml" if parent == Some(".hermes") => Some(FileKind::HermesConfig),
        "config.yaml" | "config.yml"
            if grandparent == Some("profiles")
                && path.ancestors().nth(3).and_then(|p| p.file_name())
                    == Some(".hermes".as_ref()) =>
        {
            Some(FileKind::HermesConfig)
        }
        "settings.json"
            if parent == Some("User")
                && matches!(
                    grandparent,
                    Some("Code" | "Code - Insiders" | "Code - OSS" | "VSCodium")
                ) =>
        {
            Some(FileKind::VscodeSettings)
        }
        _ if is_compose_name(name) => Some(FileKind::Compose),
        _ if is_dockerfile_name(name) => Some(FileKind::Dockerfile),
        _ => None,
    }
}

/// `Dockerfile`, `Containerfile`, `Dockerfile.<x>`, `Dockerfile-<x>`,
/// `Dockerfile_<x>`, `<x>.Dockerfile`, any
/// case, except ignore files and templates (`Dockerfile.dockerignore`,
/// `Dockerfile.template`).
fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const NOT: &[&str] = &[
        ".dockerignore",
        ".template",
        ".tmpl",
        ".j2",
        ".jinja",
        ".erb",
        ".md",
        ".tmlanguage",
        ".tmlanguage.json",
        ".sublime-syntax",
        ".json",
        ".txt",
        ".sh",
        ".orig",
        ".bak",
    ];
    if NOT.iter().any(|s| lower.ends_with(s)) {
        return false;
    }
    matches!(lower.as_str(), "dockerfile" | "containerfile")
        || ["dockerfile", "containerfile"].iter().any(|base| {
            [".", "-", "_"]
                .iter()
                .any(|sep| lower.starts_with(&format!("{base}{sep}")))
        })
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// `compose.yaml`, `compose.yml`, `compose.*.yml` (`compose.override.yml`,
/// which Compose loads by default), `docker-compose*.yml` / `.yaml`
/// (`docker-compose.override.yml`, `docker-compose.dev.yaml` ...).
fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    yaml && (lower.starts_with("compose.") || lower.starts_with("docker-compose"))
}

/// Files a found devcontainer.json names that discovery did not find by
/// name: the compose files of `dockerComposeFile` and the Dockerfile of
/// `build.dockerfile` (or the older `dockerFile`), relative to its folder.
/// Each config is read once, within the size limit. A name that points
/// outside the scanned root is a located error and is never read.
fn add_referenced_files(found: &mut Vec<Discovered>, errors: &mut Vec<FileError>) {
    use harden_core::Document;
    let configs: Vec<usize> = (0..found.len())
        .filter(|&i| found[i].kind == FileKind::Devcontainer)
        .collect();
    if configs.is_empty() {
        return;
    }
    // The found files by the hash of their real path (a tree of 100,000
    // files holds 100,000 hashes, not paths); a hit is confirmed on the path.
    let keys = std::collections::hash_map::RandomState::new();
    let hash = |p: &Path| std::hash::BuildHasher::hash_one(&keys, p);
    let mut by_hash: std::collections::HashMap<u64, Vec<usize>> = std::collections::HashMap::new();
    for (i, f) in found.iter().enumerate() {
        if let Ok(real) = resolve_within(&f.path, &f.root) {
            by_hash.entry(hash(&real)).or_default().push(i);
        }
    }
    let mut extra: Vec<Discovered> = Vec::new();
    let mut extra_real: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    for d in configs.iter().map(|&i| &found[i]) {
        let Ok(text) = crate::read_within(&d.path, &d.root, &d.display) else {
            continue;
        };
        let Ok(doc) = harden_jsonc::JsoncDoc::parse(&text) else {
            continue;
        };
        let root = doc.root();
        let mut named: Vec<(&harden_jsonc::Node, FileKind)> = Vec::new();
        if let Some(m) = root.get("dockerComposeFile") {
            match m.value.elements() {
                Some(items) => named.extend(items.iter().map(|n| (n, FileKind::Compose))),
                None => named.push((&m.value, FileKind::Compose)),
            }
        }
        let dockerfile = root
            .get("build")
            .and_then(|b| b.value.get("dockerfile"))
            .or_else(|| root.get("dockerFile"));
        named.extend(dockerfile.map(|m| (&m.value, FileKind::Dockerfile)));
        let dir = d.path.parent().unwrap_or(Path::new("."));
        let index = harden_core::LineIndex::new(&text);
        for (node, kind) in named {
            let Some(name) = node.as_str() else { continue };
            let path = lexical_clean(&dir.join(name));
            match resolve_within(&path, &d.root) {
                Ok(real) => {
                    let is_file = std::fs::symlink_metadata(&real).is_ok_and(|m| m.is_file());
                    let found_already = by_hash.get(&hash(&real)).is_some_and(|same| {
                        same.iter().any(|&i| {
                            resolve_within(&found[i].path, &found[i].root).ok().as_ref()
                                == Some(&real)
                        })
                    });
                    if is_file && !found_already && extra_real.insert(real) {
                        extra.push(Discovered {
                            display: shown(&path),
                            path: path.into_boxed_path(),
                            kind,
                            root: d.root.clone(),
                        });
                    }
                }
                Err(Refusal::Missing) => {}
                Err(refusal) => errors.push(FileError::new(
                    &d.display,
                    Some(index.line_col(&text, node.range.start)),
                    format!("`{name}` {}", refusal.message()),
                )),
            }
        }
    }
    found.extend(extra);
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

fn shown(path: &Path) -> Box<str> {
    display(path).into_boxed_str()
}

/// Expand the given paths into files. A named file is taken as it is (its
/// kind judged by name, `devcontainer.json` anywhere counts); a directory is
/// walked without following symlinks.
pub fn discover(paths: &[PathBuf]) -> (Vec<Discovered>, Vec<FileError>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let shown = display(path);
        let root: Arc<Path> = match root_for(path, &shown) {
            Ok(r) => r.into(),
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match std::fs::symlink_metadata(path) {
            Err(e) => errors.push(FileError::new(&shown, None, format!("cannot read: {e}"))),
            Ok(meta) if meta.is_dir() => walk(&root, path, 0, &mut found, &mut errors),
            Ok(meta) if !meta.is_file() => {
                errors.push(FileError::new(&shown, None, Refusal::NotRegular.message()))
            }
            Ok(_) => {
                let by_name = kind_of(path).or_else(|| {
                    (path.file_name()? == "devcontainer.json").then_some(FileKind::Devcontainer)
                });
                match by_name {
                    Some(kind) => found.push(Discovered {
                        path: path.as_path().into(),
                        display: shown.into_boxed_str(),
                        kind,
                        root,
                    }),
                    None => errors.push(FileError::new(
                        &shown,
                        None,
                        "not a file harden reads (devcontainer.json, compose.yaml, docker-compose*.yml, Dockerfile, .claude/settings.json, managed-settings.json, .codex/config.toml, opencode.json, .hermes/config.yaml, VS Code's User/settings.json)",
                    )),
                }
            }
        }
    }
    add_referenced_files(&mut found, &mut errors);
    found.sort_by(|a, b| a.display.cmp(&b.display));
    found.dedup_by(|a, b| a.path == b.path);
    found.shrink_to_fit();
    (found, errors)
}

fn walk(
    root: &Arc<Path>,
    dir: &Path,
    depth: usize,
    found: &mut Vec<Discovered>,
    errors: &mut Vec<FileError>,
) {
    if depth > MAX_DEPTH {
        errors.push(FileError::new(
            &display(dir),
            None,
            format!("directory nesting deeper than {MAX_DEPTH}: not searched further"),
        ));
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(FileError::new(
                &display(dir),
                None,
                format!("cannot read: {e}"),
            ));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if file_type.is_symlink() {
            continue;
        }
        if file_type.is_dir() {
            // Hidden folders are entered too (`.docker/`, `.ci/`, the agents'
            // `.claude/`): what the tools load can sit there.
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(root, &path, depth + 1, found, errors);
            }
        } else if !file_type.is_file() {
            continue;
        } else if let Some(kind) = kind_of(&path) {
            found.push(Discovered {
                display: shown(&path),
                path: path.into_boxed_path(),
                kind,
                root: root.clone(),
            });
        }
    }
}
