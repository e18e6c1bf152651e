//! The host paths a devcontainer.json bind-mounts: `mounts` (strings
//! `source=…,target=…,type=bind` or objects) and, in image or Dockerfile
//! mode, runArgs `-v`/`--volume`/`--mount`.

use harden_core::{Applicability, Fix};
use harden_jsonc::JsoncDoc;

use super::{mode, run_arg_range, run_args, Mode};
use crate::compose::volumes::normalize_host_path;

pub struct HostMount {
    /// The host path as written, and normalised (`~` for the home directory).
    pub written: String,
    pub host: String,
    pub range: std::ops::Range<usize>,
    pub read_only: bool,
    /// `mounts[i]` or `runArgs[…]`, for the finding's target.
    pub target: String,
    /// Removes the mount.
    pub remove: Fix,
}

/// `source=` of a `--mount`-style string, when it is a bind mount.
fn mount_string_source(s: &str) -> Option<String> {
    let mut source = None;
    let mut bind = true;
    for part in s.split(',') {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match k.trim() {
            "source" | "src" => source = Some(v.trim().to_string()),
            "type" => bind = v.trim() == "bind",
            _ => {}
        }
    }
    source.filter(|_| bind)
}

/// Whether a `--mount`-style string or a `-v` value's options say read-only.
fn says_read_only(s: &str) -> bool {
    s.split([',', ':'])
        .any(|p| matches!(p.trim(), "readonly" | "ro" | "readonly=true" | "ro=true"))
}

/// The host part of a `-v` value (`HOST:CONTAINER[:opts]`), when it is a
/// path; a `:` inside `${…}` (`${localEnv:HOME}`) does not split.
fn volume_source(v: &str) -> Option<String> {
    let mut depth = 0usize;
    let mut prev = ' ';
    for (i, c) in v.char_indices() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => {
                let host = &v[..i];
                return host
                    .starts_with(['/', '~', '$', '.'])
                    .then(|| host.to_string());
            }
            _ => {}
        }
        prev = c;
    }
    None
}

pub fn host_mounts(doc: &JsoncDoc) -> Vec<HostMount> {
    let mut out = Vec::new();
    if let Some(array) = doc.root().get("mounts").map(|m| &m.value) {
        for (i, item) in array.elements().unwrap_or(&[]).iter().enumerate() {
            let read_only = match item.as_str() {
                Some(s) => says_read_only(s),
                None => item.get("readonly").and_then(|m| m.value.as_bool()) == Some(true),
            };
            let written = match item.as_str() {
                Some(s) => mount_string_source(s),
                None => match (
                    item.get("source").and_then(|m| m.value.as_str()),
                    item.get("type").and_then(|m| m.value.as_str()),
                ) {
                    (Some(src), Some("bind") | None) => Some(src.to_string()),
                    _ => None,
                },
            };
            let Some(written) = written else { continue };
            out.push(HostMount {
                host: normalize_host_path(&written),
                range: item.range.clone(),
                read_only,
                target: format!("mounts:{written}"),
                remove: doc.remove_elements(array, &["mounts"], i..i + 1).into_fix(
                    format!("Remove the mount of `{written}`"),
                    Applicability::Unsafe,
                ),
                written,
            });
        }
    }
    if mode(doc) != Mode::Container {
        return out;
    }
    let Some(array) = run_args::node(doc) else {
        return out;
    };
    for arg in run_args::parse(array) {
        let Some(value) = arg.value.as_deref() else {
            continue;
        };
        let written = if arg.is("--volume") {
            volume_source(value)
        } else if arg.is("--mount") {
            mount_string_source(value)
        } else {
            None
        };
        let Some(written) = written else { continue };
        out.push(HostMount {
            host: normalize_host_path(&written),
            range: run_arg_range(array, &arg),
            read_only: says_read_only(value),
            target: format!("runArgs:{}:{written}", arg.name),
            remove: doc
                .remove_elements(array, &["runArgs"], arg.elements.clone())
                .into_fix(
                    format!("Remove the mount of `{written}` from runArgs"),
                    Applicability::Unsafe,
                ),
            written,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::volume_source;

    #[test]
    fn volume_sources() {
        assert_eq!(
            volume_source("${localEnv:HOME}/.aws:/a:ro").as_deref(),
            Some("${localEnv:HOME}/.aws")
        );
        assert_eq!(
            volume_source("/var/run/docker.sock:/var/run/docker.sock").as_deref(),
            Some("/var/run/docker.sock")
        );
        assert_eq!(volume_source("named:/data"), None);
        assert_eq!(volume_source("/only"), None);
    }
}
