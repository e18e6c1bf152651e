//! What a compose-mode devcontainer.json and the compose files it names say
//! about each other, read from the files next to the one being processed:
//! for a compose file, the services dev containers run in and where Compose
//! resolves its relative paths; for a devcontainer.json, the compose file
//! that defines its service. A path that names no file has no links.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use harden_core::Document;
use harden_jsonc::JsoncDoc;
use harden_rules::{BuiltImage, ComposeTarget, ComposeUsage, ProjectFile};
use harden_yaml::YamlDoc;

use crate::confine::{is_plain_file, lexical_clean, resolve_within};
use crate::memo::Memo;
use crate::read_within;

/// How many directories above a compose file's own devcontainer configs are
/// looked for (`../docker-compose.yml` from `.devcontainer/x/` is two up).
const MAX_UP: usize = 4;

/// A compose-mode config's files (in order, relative to the config's
/// directory resolved) and service.
struct ComposeMode {
    files: Vec<PathBuf>,
    service: Option<String>,
}

fn compose_mode(config: &Path, value: &serde_json::Value) -> Option<ComposeMode> {
    let names: Vec<&str> = match value.get("dockerComposeFile")? {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
        _ => return None,
    };
    let dir = config.parent().unwrap_or(Path::new(""));
    Some(ComposeMode {
        files: names.iter().map(|n| lexical_clean(&dir.join(n))).collect(),
        service: value
            .get("service")
            .and_then(|s| s.as_str())
            .map(str::to_string),
    })
}

fn defines_service(compose: &Path, service: &str, root: &Path) -> bool {
    if !is_plain_file(compose, root) {
        return false;
    }
    let Ok(text) = read_within(compose, root, "") else {
        return false;
    };
    YamlDoc::parse(&text).is_ok_and(|doc| doc.path(&["services", service]).is_some())
}

/// A devcontainer.json's value, `None` when it does not parse (the fix loop
/// reports that).
pub(crate) fn config_value(text: &str) -> Option<serde_json::Value> {
    JsoncDoc::parse(text).ok().map(|doc| doc.value())
}

/// For the devcontainer.json at `path` with `value`: in compose mode, the
/// first file of `dockerComposeFile` that defines its service (the one the
/// compose rules add the service's keys to), with the
/// compose rules that run on it (`compose_rules`).
pub(crate) fn compose_target(
    path: &Path,
    root: &Path,
    value: &serde_json::Value,
    compose_rules: Vec<&'static str>,
) -> Option<ComposeTarget> {
    if !is_plain_file(path, root) {
        return None;
    }
    let mode = compose_mode(path, value)?;
    let service = mode.service?;
    let file = mode
        .files
        .iter()
        .find(|f| defines_service(f, &service, root))?;
    let shown = file.to_string_lossy();
    Some(ComposeTarget {
        file: shown.strip_prefix("./").unwrap_or(&shown).to_string(),
        service,
        compose_rules,
    })
}

/// What the Dockerfile the devcontainer.json at `path` builds says about
/// its image, when that Dockerfile is a plain file below `root` that parses.
pub(crate) fn built_image(
    path: &Path,
    root: &Path,
    value: &serde_json::Value,
) -> Option<BuiltImage> {
    let name = value
        .get("build")
        .and_then(|b| b.get("dockerfile"))
        .or_else(|| value.get("dockerFile"))?
        .as_str()?;
    let dir = path.parent().unwrap_or(Path::new(""));
    let dockerfile = lexical_clean(&dir.join(name));
    if !is_plain_file(path, root) || !is_plain_file(&dockerfile, root) {
        return None;
    }
    let text = read_within(&dockerfile, root, "").ok()?;
    let doc = harden_dockerfile::DockerfileDoc::parse(&text).ok()?;
    Some(harden_rules::dockerfile::built_image(&doc))
}

/// The devcontainer configs in the standard places under `dir`.
fn configs_in(dir: &Path, root: &Path, out: &mut Vec<PathBuf>) {
    let folder = dir.join(".devcontainer");
    let mut candidates = vec![
        dir.join(".devcontainer.json"),
        folder.join("devcontainer.json"),
    ];
    if let Ok(entries) = std::fs::read_dir(&folder) {
        let mut subdirs: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path().join("devcontainer.json"))
            .collect();
        subdirs.sort();
        candidates.extend(subdirs);
    }
    for c in candidates {
        if is_plain_file(&c, root) && !out.contains(&c) {
            out.push(c);
        }
    }
}

/// `/`-separated path from directory `from` to directory `to` (both absolute).
fn relative(from: &Path, to: &Path) -> String {
    let a: Vec<Component> = from.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}

/// The files Compose reads with no `-f`: the first base name that exists,
/// then the first override name that exists (compose-go's defaults).
const BASE_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
const OVERRIDE_NAMES: [&str; 4] = [
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The standard base + override pair in `dir`, when both exist.
fn default_project(dir: &Path, root: &Path) -> Option<[PathBuf; 2]> {
    let first = |names: &[&str]| {
        names
            .iter()
            .map(|n| dir.join(n))
            .find(|p| is_plain_file(p, root))
    };
    // Most folders have no override: looked for first, it settles them.
    let over = first(&OVERRIDE_NAMES)?;
    Some([first(&BASE_NAMES)?, over])
}

/// The services `path` defines and the keys each sets.
fn project_file(path: &Path, root: &Path) -> Option<ProjectFile> {
    if !is_plain_file(path, root) {
        return None;
    }
    let text = read_within(path, root, "").ok()?;
    let doc = YamlDoc::parse(&text).ok()?;
    let services = match doc.value().get("services") {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(name, v)| {
                let keys = v
                    .as_object()
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                (name.clone(), keys)
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(ProjectFile {
        name: shown_in(path, root),
        services,
    })
}

/// `path` as a project file's name: relative to `root`.
fn shown_in(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .to_string()
}

/// Adds the files of `project` around `me` to `usage`, once each.
fn add_project(usage: &mut ComposeUsage, project: &[PathBuf], me: &Path, root: &Path) {
    let Some(at) = project.iter().position(|p| p == me) else {
        return;
    };
    for (i, path) in project.iter().enumerate().filter(|(i, _)| *i != at) {
        let list = if i < at {
            &mut usage.earlier
        } else {
            &mut usage.later
        };
        // Several configs can name the same file: it is read once.
        let name = shown_in(path, root);
        if list.iter().any(|f| f.name == name) {
            continue;
        }
        list.extend(project_file(path, root));
    }
}

/// A compose-mode devcontainer config: its compose files resolved (`None`
/// for one that is missing or outside the root) and its service.
struct ComposeConfig {
    path: PathBuf,
    files: Vec<Option<PathBuf>>,
    service: Option<String>,
}

/// The compose-mode configs in the standard places under `dir`, read once
/// for all the compose files below it.
fn compose_configs_in(dir: &Path, root: &Path) -> Arc<Vec<ComposeConfig>> {
    type Key = (PathBuf, PathBuf);
    static CONFIGS: Memo<Key, Arc<Vec<ComposeConfig>>> = Memo::new(1024);
    let key = (root.to_path_buf(), dir.to_path_buf());
    if let Some(found) = CONFIGS.get(&key) {
        return found;
    }
    let mut paths = Vec::new();
    configs_in(dir, root, &mut paths);
    let configs: Vec<ComposeConfig> = paths
        .into_iter()
        .filter_map(|path| {
            let text = read_within(&path, root, "").ok()?;
            let mode = config_value(&text).and_then(|v| compose_mode(&path, &v))?;
            let files = mode
                .files
                .iter()
                .map(|f| resolve_within(f, root).ok())
                .collect();
            Some(ComposeConfig {
                path,
                files,
                service: mode.service,
            })
        })
        .collect();
    let configs = Arc::new(configs);
    CONFIGS.insert(key, configs.clone());
    configs
}

/// What the devcontainer configs near the compose file at `path` say about it.
pub(crate) fn compose_usage(path: &Path, root: &Path) -> ComposeUsage {
    let mut usage = ComposeUsage::default();
    let Ok(me) = resolve_within(path, root) else {
        return usage;
    };
    if !is_plain_file(&me, root) {
        return usage;
    }
    if let Some(pair) = me.parent().and_then(|d| default_project(d, root)) {
        let pair: Vec<PathBuf> = pair
            .iter()
            .filter_map(|p| resolve_within(p, root).ok())
            .collect();
        add_project(&mut usage, &pair, &me, root);
    }
    let mut seen: Vec<&Path> = Vec::new();
    let near: Vec<Arc<Vec<ComposeConfig>>> = me
        .ancestors()
        .skip(1)
        .take(MAX_UP + 1)
        .take_while(|d| d.starts_with(root))
        .map(|dir| compose_configs_in(dir, root))
        .collect();
    for config in near.iter().flat_map(|c| c.iter()) {
        if seen.contains(&config.path.as_path()) {
            continue;
        }
        seen.push(&config.path);
        let canonical = &config.files;
        if !canonical.iter().any(|c| c.as_deref() == Some(me.as_path())) {
            continue;
        }
        let files: Vec<PathBuf> = canonical.iter().flatten().cloned().collect();
        add_project(&mut usage, &files, &me, root);
        if let Some(service) = &config.service {
            if !usage.dev_services.contains(service) {
                usage.dev_services.push(service.clone());
            }
        }
        let first_dir = canonical
            .first()
            .and_then(|c| c.as_deref())
            .and_then(Path::parent);
        if let (Some(from), Some(to)) = (first_dir, me.parent()) {
            let rel = relative(from, to);
            if !usage.dirs_from_project.contains(&rel) {
                usage.dirs_from_project.push(rel);
            }
        }
    }
    usage
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn relative_paths_between_directories() {
        assert_eq!(relative(Path::new("/r"), Path::new("/r")), "");
        assert_eq!(
            relative(Path::new("/r"), Path::new("/r/.devcontainer")),
            ".devcontainer"
        );
        assert_eq!(relative(Path::new("/r/a"), Path::new("/r/b/c")), "../b/c");
    }

    #[test]
    fn a_compose_file_knows_its_dev_services_and_project_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = &std::fs::canonicalize(dir.path()).unwrap();
        write(
            root,
            "docker-compose.yml",
            "services:\n  app: {}\n  db: {}\n",
        );
        write(
            root,
            ".devcontainer/docker-compose.extend.yml",
            "services:\n  app: {}\n",
        );
        write(
            root,
            ".devcontainer/devcontainer.json",
            "{ // compose mode\n  \"dockerComposeFile\": [\"../docker-compose.yml\", \"docker-compose.extend.yml\"],\n  \"service\": \"app\"\n}\n",
        );
        write(
            root,
            ".devcontainer/tools/devcontainer.json",
            "{\"dockerComposeFile\": \"../../docker-compose.yml\", \"service\": \"db\"}",
        );
        let base = compose_usage(&root.join("docker-compose.yml"), root);
        assert_eq!(base.dev_services, ["app", "db"]);
        assert_eq!(base.dirs_from_project, [""]);
        let extend = compose_usage(&root.join(".devcontainer/docker-compose.extend.yml"), root);
        assert_eq!(extend.dev_services, ["app"]);
        assert_eq!(extend.dirs_from_project, [".devcontainer"]);
        assert_eq!(
            compose_usage(Path::new("no/such/compose.yaml"), root),
            ComposeUsage::default()
        );

        let config = root.join(".devcontainer/devcontainer.json");
        let text = std::fs::read_to_string(&config).unwrap();
        let target =
            compose_target(&config, root, &config_value(&text).unwrap(), vec!["CP001"]).unwrap();
        // Both files define `app`: the first one owns its added keys.
        assert!(target.file.ends_with("/docker-compose.yml"), "{target:?}");
        assert!(!target.file.contains(".devcontainer"), "{target:?}");
        assert_eq!(target.service, "app");
        let tools = root.join(".devcontainer/tools/devcontainer.json");
        let text = std::fs::read_to_string(&tools).unwrap();
        let target = compose_target(&tools, root, &config_value(&text).unwrap(), vec![]).unwrap();
        assert_eq!(
            target.file,
            root.join("docker-compose.yml").to_string_lossy()
        );
        // A service no file defines has no target.
        let text = text.replace("\"db\"", "\"web\"");
        assert_eq!(
            compose_target(&tools, root, &config_value(&text).unwrap(), vec![]),
            None
        );
    }

    #[test]
    fn fifos_and_symlinks_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = &std::fs::canonicalize(dir.path()).unwrap();
        write(root, "real.yml", "services:\n  app: {}\n");
        std::os::unix::fs::symlink(root.join("real.yml"), root.join("link.yml")).unwrap();
        let fifo = root.join("fifo.yml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let config = root.join(".devcontainer.json");
        for name in ["fifo.yml", "link.yml"] {
            let text = format!("{{\"dockerComposeFile\": \"{name}\", \"service\": \"app\"}}");
            write(root, ".devcontainer.json", &text);
            assert_eq!(
                compose_target(&config, root, &config_value(&text).unwrap(), vec![]),
                None,
                "{name}"
            );
        }
        let text = "{\"dockerComposeFile\": \"real.yml\", \"service\": \"app\"}";
        assert!(compose_target(&config, root, &config_value(text).unwrap(), vec![]).is_some());
    }

    #[test]
    fn compose_files_outside_the_root_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let base = &std::fs::canonicalize(dir.path()).unwrap();
        write(base, "outside/docker-compose.yml", "services:\n  app: {}\n");
        let repo = base.join("repo");
        let text =
            "{\"dockerComposeFile\": \"../outside/docker-compose.yml\", \"service\": \"app\"}";
        write(&repo, ".devcontainer.json", text);
        let config = repo.join(".devcontainer.json");
        assert_eq!(
            compose_target(&config, &repo, &config_value(text).unwrap(), vec![]),
            None
        );
        assert!(compose_target(&config, base, &config_value(text).unwrap(), vec![]).is_some());
        // Configs above the root are not looked for either.
        write(
            base,
            ".devcontainer.json",
            "{\"dockerComposeFile\": \"repo/compose.yaml\", \"service\": \"x\"}",
        );
        write(&repo, "compose.yaml", "services:\n  x: {}\n");
        let usage = compose_usage(&repo.join("compose.yaml"), &repo);
        assert!(usage.dev_services.is_empty(), "{usage:?}");
        assert_eq!(
            compose_usage(&repo.join("compose.yaml"), base).dev_services,
            ["x"]
        );
    }
}
