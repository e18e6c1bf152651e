//! `harden.toml`: the project's settings, with errors located in the file.
//!
//! ```toml
//! profile = "hardening/profile.toml"   # relative to this file
//! tier = 2
//! [rules]
//! DC002 = false                         # off; `true` turns a rule on at any tier
//! [[ignore]]
//! rule = "DC003"
//! path = ".devcontainer/dind/**"        # optional glob
//! reason = "integration tests need Docker-in-Docker"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use harden_core::LineIndex;
use serde::Deserialize;

use crate::FileError;

pub const CONFIG_NAME: &str = "harden.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub profile: Option<PathBuf>,
    pub tier: Option<u8>,
    #[serde(default)]
    pub rules: BTreeMap<String, bool>,
    #[serde(default)]
    pub ignore: Vec<Ignore>,
    /// The directory of the config file; relative paths resolve against it.
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub rule: String,
    pub path: Option<String>,
    pub reason: String,
}

impl Ignore {
    pub fn matches(&self, code: &str, path: &str) -> bool {
        self.rule.eq_ignore_ascii_case(code)
            && self
                .path
                .as_deref()
                .is_none_or(|glob| glob_match(glob, path))
    }
}

impl Config {
    pub fn parse(display: &str, text: &str, dir: &Path) -> Result<Config, FileError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let pos = LineIndex::new(text).line_col(text, offset);
            let message = e.message().lines().next().unwrap_or("invalid").to_string();
            FileError::new(display, Some(pos), message)
        })?;
        if let Some(t) = config.tier {
            if !(1..=4).contains(&t) {
                let offset = text.find("tier").unwrap_or(0);
                let pos = LineIndex::new(text).line_col(text, offset);
                return Err(FileError::new(
                    display,
                    Some(pos),
                    format!("tier {t} does not exist: tiers are 1 to 4"),
                ));
            }
        }
        for ignore in &config.ignore {
            if ignore.reason.trim().is_empty() {
                let offset = text.find(&format!("\"{}\"", ignore.rule)).unwrap_or(0);
                let pos = LineIndex::new(text).line_col(text, offset);
                return Err(FileError::new(
                    display,
                    Some(pos),
                    format!("the ignore of {} needs a reason", ignore.rule),
                ));
            }
        }
        config.dir = dir.to_path_buf();
        Ok(config)
    }

    /// Load `path`, or the nearest `harden.toml` in `start` or a directory
    /// above it within the scanned root (see [`crate::confine::root_for`]).
    pub fn find(explicit: Option<&Path>, start: &Path) -> Result<Option<Config>, FileError> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
                let start = if start.is_file() {
                    start.parent().map(Path::to_path_buf).unwrap_or(start)
                } else {
                    start
                };
                // Not above the scanned root: a config there is not the tree's.
                let root = crate::confine::root_for(&start, "").unwrap_or_else(|_| start.clone());
                start
                    .ancestors()
                    .take_while(|d| d.starts_with(&root))
                    .map(|d| d.join(CONFIG_NAME))
                    .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file()))
            }
        };
        let Some(path) = path else { return Ok(None) };
        let display = path.display().to_string();
        let text = crate::read_source(&path, &display)?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&display, &text, &dir).map(Some)
    }
}

/// `*` matches within a path segment, `**` across segments, `?` one character.
pub fn glob_match(glob: &str, path: &str) -> bool {
    fn go(g: &[u8], p: &[u8]) -> bool {
        match g {
            [] => p.is_empty(),
            [b'*', b'*', b'/', rest @ ..] => {
                (0..=p.len()).any(|i| (i == 0 || p[i - 1] == b'/') && go(rest, &p[i..]))
            }
            [b'*', b'*', rest @ ..] => (0..=p.len()).any(|i| go(rest, &p[i..])),
            [b'*', rest @ ..] => (0..=p.len())
                .take_while(|&i| i == 0 || p[i - 1] != b'/')
                .any(|i| go(rest, &p[i..])),
            [b'?', rest @ ..] => !p.is_empty() && p[0] != b'/' && go(rest, &p[1..]),
            [c, rest @ ..] => p.first() == Some(c) && go(rest, &p[1..]),
        }
    }
    go(
        glob.trim_start_matches("./").as_bytes(),
        path.trim_start_matches("./").as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(
            "**/devcontainer.json",
            ".devcontainer/devcontainer.json"
        ));
        assert!(glob_match("**/devcontainer.json", "devcontainer.json"));
        assert!(glob_match(".devcontainer/*.json", ".devcontainer/a.json"));
        assert!(!glob_match(
            ".devcontainer/*.json",
            ".devcontainer/x/a.json"
        ));
        assert!(glob_match("a/**", "a/b/c"));
        assert!(glob_match("a?c", "abc"));
    }

    #[test]
    fn unknown_keys_and_missing_reasons_are_located() {
        let e = Config::parse(
            "harden.toml",
            "tier = 2\n\n[rules]\nDC002 = false\n\n[[ignore]]\nrule = \"DC003\"\nresaon = \"x\"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(e.pos.unwrap().line, 8, "{e}");
        assert!(e.message.contains("unknown field `resaon`"), "{e}");
        let e = Config::parse(
            "harden.toml",
            "[[ignore]]\nrule = \"DC003\"\nreason = \" \"\n",
            Path::new("."),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "harden.toml:2:8: the ignore of DC003 needs a reason"
        );
        let e = Config::parse("harden.toml", "tier = 9\n", Path::new(".")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "harden.toml:1:1: tier 9 does not exist: tiers are 1 to 4"
        );
    }

    #[test]
    fn ignores_match_rule_and_path() {
        let c = Config::parse(
            "h",
            "[[ignore]]\nrule = \"DC003\"\npath = \"a/**\"\nreason = \"dind\"\n",
            Path::new("."),
        )
        .unwrap();
        assert!(c.ignore[0].matches("DC003", "a/.devcontainer/devcontainer.json"));
        assert!(!c.ignore[0].matches("DC003", "b/.devcontainer.json"));
        assert!(!c.ignore[0].matches("DC004", "a/x"));
    }
}
