//! Where pull requests live. [`GhCli`] drives the GitHub CLI; tests put a
//! fake `gh` first on PATH.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::git::shown;
use crate::BotError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub body: String,
    pub state: PrState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrState {
    Open,
    /// Closed without merging: a human declined it.
    Closed,
    Merged,
}

pub trait Forge {
    /// Every pull request from `head`, open, closed or merged. Changes nothing.
    fn find_prs(&self, log: &mut dyn Write, head: &str) -> Result<Vec<PullRequest>, BotError>;
    fn create_pr(
        &self,
        log: &mut dyn Write,
        base: &str,
        head: &str,
        title: &str,
        body: &str,
        dry_run: bool,
    ) -> Result<(), BotError>;
    fn edit_pr(
        &self,
        log: &mut dyn Write,
        number: u64,
        title: &str,
        body: &str,
        dry_run: bool,
    ) -> Result<(), BotError>;
}

/// The `gh` command line, run in the current directory's repository. The
/// body goes through stdin (`--body-file -`).
#[derive(Default)]
pub struct GhCli;

impl GhCli {
    pub fn new() -> Self {
        GhCli
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<String, BotError> {
        let err = |message: String| BotError::Command {
            command: shown("gh", args),
            message,
        };
        let mut child = Command::new("gh")
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(e.to_string()))?;
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("piped")
                .write_all(input.as_bytes())?;
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(err(String::from_utf8_lossy(&out.stderr).trim().to_string()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn write(
        &self,
        log: &mut dyn Write,
        args: &[&str],
        body: &str,
        dry_run: bool,
    ) -> Result<(), BotError> {
        if dry_run {
            writeln!(
                log,
                "would run: {} (body on stdin, {} bytes)",
                shown("gh", args),
                body.len()
            )?;
            return Ok(());
        }
        writeln!(log, "{}", shown("gh", args))?;
        self.run(args, Some(body)).map(|_| ())
    }
}

impl Forge for GhCli {
    fn find_prs(&self, log: &mut dyn Write, head: &str) -> Result<Vec<PullRequest>, BotError> {
        let args = [
            "pr",
            "list",
            "--head",
            head,
            "--state",
            "all",
            "--json",
            "number,body,state",
        ];
        writeln!(log, "{}", shown("gh", &args))?;
        let out = self.run(&args, None)?;
        let list: serde_json::Value =
            serde_json::from_str(&out).map_err(|e| BotError::Command {
                command: shown("gh", &args),
                message: format!("unexpected output: {e}"),
            })?;
        Ok(list
            .as_array()
            .map(|prs| {
                prs.iter()
                    .filter_map(|pr| {
                        let state = match pr["state"].as_str()? {
                            "OPEN" => PrState::Open,
                            "MERGED" => PrState::Merged,
                            _ => PrState::Closed,
                        };
                        Some(PullRequest {
                            number: pr["number"].as_u64()?,
                            body: pr["body"].as_str().unwrap_or("").to_string(),
                            state,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    fn create_pr(
        &self,
        log: &mut dyn Write,
        base: &str,
        head: &str,
        title: &str,
        body: &str,
        dry_run: bool,
    ) -> Result<(), BotError> {
        let args = [
            "pr",
            "create",
            "--base",
            base,
            "--head",
            head,
            "--title",
            title,
            "--body-file",
            "-",
        ];
        self.write(log, &args, body, dry_run)
    }

    fn edit_pr(
        &self,
        log: &mut dyn Write,
        number: u64,
        title: &str,
        body: &str,
        dry_run: bool,
    ) -> Result<(), BotError> {
        let n = number.to_string();
        let args = ["pr", "edit", &n, "--title", title, "--body-file", "-"];
        self.write(log, &args, body, dry_run)
    }
}
