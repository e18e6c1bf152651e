//! The `git` command line, logged step by step. Reading steps always run;
//! writing steps are printed instead of run in a dry run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{BotError, BOT_EMAIL, BOT_NAME};

/// Variables that carry a forge token: never in git's environment.
const TOKEN_VARS: &[&str] = &[
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
];

/// The environment every git command gets.
fn safe_env() -> [(&'static str, &'static str); 4] {
    [
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_LITERAL_PATHSPECS", "1"),
        ("GIT_TERMINAL_PROMPT", "0"),
        ("GIT_ATTR_NOSYSTEM", "1"),
    ]
}

pub struct Git {
    repo: PathBuf,
    dry_run: bool,
}

/// A command line as shown in the log, arguments quoted when needed.
pub(crate) fn shown(program: &str, args: &[&str]) -> String {
    let mut s = program.to_string();
    for a in args {
        s.push(' ');
        if !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,@^{}+".contains(&b))
        {
            s.push_str(a);
        } else {
            s.push_str(&format!("{a:?}"));
        }
    }
    s
}

impl Git {
    pub fn new(repo: &Path, dry_run: bool) -> Self {
        Git {
            repo: repo.to_path_buf(),
            dry_run,
        }
    }

    /// A git command that runs nothing of the repository's: no hooks, no
    /// fsmonitor, no system config, identity filters for every configured
    /// filter driver, pathspecs taken literally, and no token in its
    /// environment (only `gh` gets one).
    fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut c = Command::new("git");
        c.arg("-C").arg(&self.repo);
        for setting in self.neutral_config() {
            c.arg("-c").arg(setting);
        }
        c.args(args);
        for (k, v) in safe_env() {
            c.env(k, v);
        }
        for k in TOKEN_VARS {
            c.env_remove(k);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        c
    }

    /// `-c` settings that switch off what a repository's config can make
    /// git run.
    fn neutral_config(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            "core.hooksPath=/dev/null",
            "core.fsmonitor=false",
            "core.untrackedCache=false",
            "diff.external=",
            "core.pager=cat",
            "protocol.ext.allow=never",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for driver in self.filter_drivers() {
            for (key, value) in [
                ("clean", "cat"),
                ("smudge", "cat"),
                ("process", ""),
                ("required", "false"),
            ] {
                out.push(format!("filter.{driver}.{key}={value}"));
            }
        }
        out
    }

    /// The filter drivers any config git reads names.
    fn filter_drivers(&self) -> Vec<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.repo)
            .args(["config", "--name-only", "--get-regexp", r"^filter\."])
            .envs(safe_env())
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        let mut drivers: Vec<String> = out
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix("filter.")?;
                let (driver, _) = rest.rsplit_once('.')?;
                Some(driver.to_string())
            })
            .collect();
        drivers.sort();
        drivers.dedup();
        drivers
    }

    fn exec(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Result<String, BotError> {
        let mut c = self.command(args, env);
        c.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = c.spawn().map_err(|e| BotError::Command {
            command: shown("git", args),
            message: e.to_string(),
        })?;
        if let Some(input) = stdin {
            child.stdin.take().expect("piped").write_all(input)?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(BotError::Command {
                command: shown("git", args),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
    }

    /// Run a step that changes nothing; its output, trimmed.
    pub fn read(&self, log: &mut dyn Write, args: &[&str]) -> Result<String, BotError> {
        writeln!(log, "{}", shown("git", args))?;
        self.exec(args, &[], None)
    }

    /// Run a step that changes the repository or the remote, or print it in a dry run.
    pub fn write(&self, log: &mut dyn Write, args: &[&str]) -> Result<String, BotError> {
        self.write_with(log, args, &[], None)
    }

    fn write_with(
        &self,
        log: &mut dyn Write,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Result<String, BotError> {
        let env_shown: String = env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
        if self.dry_run {
            writeln!(log, "would run: {env_shown}{}", shown("git", args))?;
            return Ok(String::new());
        }
        writeln!(log, "{env_shown}{}", shown("git", args))?;
        self.exec(args, env, stdin)
    }

    /// Build the bot's commit on `parent` with `files` (path, content, is
    /// new) in a temporary index, leaving the working tree and the user's
    /// index alone. Returns the commit id (a placeholder in a dry run).
    pub fn commit_tree(
        &self,
        log: &mut dyn Write,
        parent: &str,
        files: &[(String, String, bool)],
        message: &str,
    ) -> Result<String, BotError> {
        let tmp = std::env::temp_dir().join(format!(
            "harden-bot-index-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let index = tmp.to_string_lossy().into_owned();
        let env = [("GIT_INDEX_FILE", index.as_str())];
        let result = (|| {
            self.write_with(log, &["read-tree", parent], &env, None)?;
            for (path, content, new) in files {
                let mode = if *new {
                    "100644".to_string()
                } else {
                    // keep the mode the file has in the parent (an executable stays one)
                    let entry = self.read(log, &["ls-tree", parent, "--", path])?;
                    entry
                        .split_whitespace()
                        .next()
                        .unwrap_or("100644")
                        .to_string()
                };
                let blob = self.write_with(
                    log,
                    &["hash-object", "-w", "--stdin"],
                    &[],
                    Some(content.as_bytes()),
                )?;
                let blob = if self.dry_run {
                    "<blob>".to_string()
                } else {
                    blob
                };
                let info = format!("{mode},{blob},{path}");
                self.write_with(
                    log,
                    &["update-index", "--add", "--cacheinfo", &info],
                    &env,
                    None,
                )?;
            }
            let tree = self.write_with(log, &["write-tree"], &env, None)?;
            let tree = if self.dry_run {
                "<tree>".to_string()
            } else {
                tree
            };
            let who = [
                ("GIT_AUTHOR_NAME", BOT_NAME),
                ("GIT_AUTHOR_EMAIL", BOT_EMAIL),
                ("GIT_COMMITTER_NAME", BOT_NAME),
                ("GIT_COMMITTER_EMAIL", BOT_EMAIL),
            ];
            let commit = self.write_with(
                log,
                &["commit-tree", &tree, "-p", parent, "-F", "-"],
                &who,
                Some(message.as_bytes()),
            )?;
            Ok(if self.dry_run {
                "<commit>".to_string()
            } else {
                commit
            })
        })();
        let _ = std::fs::remove_file(&tmp);
        result
    }
}
