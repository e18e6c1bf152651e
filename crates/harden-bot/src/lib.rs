//! The fix-PR bot. Given the outcomes of a fix run in a git repository it
//! commits the fixed files on a deterministic branch (`harden/tier-N`) as
//! its own commit, pushes it, and opens or updates the pull request through
//! a [`Forge`].
//!
//! It never overwrites work that is not its own: a branch with any commit
//! not made by the bot stops the run. The same result on the same base makes
//! no new commit, and a PR whose body already carries the patch's
//! fingerprint is not edited. With `dry_run` every git and forge step that
//! would change something is printed instead of run.

mod body;
mod forge;
mod git;

use std::fmt;
use std::io::Write;
use std::path::{Component, Path};

use harden_core::{Applicability, Finding, Tier};
use harden_engine::{discover, process_file, read_within, Decision, FileError, FileOutcome};

pub use body::{commit_message, fingerprint, fingerprint_in, pr_body, pr_title, FINGERPRINT_TAG};
pub use forge::{Forge, GhCli, PrState, PullRequest};
pub use git::Git;

/// The bot's git identity; its commits carry it as author and committer.
pub const BOT_NAME: &str = "harden-bot";
pub const BOT_EMAIL: &str = "harden-bot@users.noreply.github.com";
/// The trailer every bot commit ends with: the patch's fingerprint.
pub const TRAILER: &str = "Harden-Fingerprint";

/// The branch the bot uses for a tier.
pub fn branch_name(tier: Tier) -> String {
    format!("harden/tier-{tier}")
}

/// What a run is asked to do.
pub struct Options {
    pub tier: Tier,
    pub unsafe_fixes: bool,
    pub remote: String,
    /// The PR's base branch; by default the checked-out branch.
    pub base: Option<String>,
    pub dry_run: bool,
    pub tool_version: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    NothingToFix,
    /// Branch and PR already hold this patch: nothing was written.
    UpToDate {
        branch: String,
    },
    /// The branch got a new commit (or would, in a dry run).
    Committed {
        branch: String,
        pr: PrAction,
    },
    /// The branch was already right; only the PR was created or edited.
    PrOnly {
        branch: String,
        pr: PrAction,
    },
    /// A pull request with exactly this patch was closed without merging:
    /// the bot does not offer it again.
    Declined {
        branch: String,
        number: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrAction {
    Created,
    Edited(u64),
    Unchanged(u64),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pr = |p: &PrAction| match p {
            PrAction::Created => "pull request opened".to_string(),
            PrAction::Edited(n) => format!("pull request #{n} updated"),
            PrAction::Unchanged(n) => format!("pull request #{n} already up to date"),
        };
        match self {
            Outcome::NothingToFix => write!(f, "nothing to fix"),
            Outcome::UpToDate { branch } => {
                write!(f, "{branch} and its pull request are up to date")
            }
            Outcome::Committed { branch, pr: p } => {
                write!(f, "new commit on {branch}; {}", pr(p))
            }
            Outcome::PrOnly { branch, pr: p } => {
                write!(f, "{branch} already up to date; {}", pr(p))
            }
            Outcome::Declined { branch, number } => write!(
                f,
                "pull request #{number} with these fixes was closed without merging; not offering them again on {branch} (a change of the fixes makes a new one)"
            ),
        }
    }
}

#[derive(Debug)]
pub enum BotError {
    /// A git or forge command failed.
    Command {
        command: String,
        message: String,
    },
    /// The branch holds a commit the bot did not make.
    HumanCommit {
        branch: String,
        commit: String,
        author: String,
    },
    /// Something about the repository or the input stops the run.
    Refused(String),
    Io(std::io::Error),
}

impl fmt::Display for BotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BotError::Command { command, message } => write!(f, "`{command}` failed: {message}"),
            BotError::HumanCommit {
                branch,
                commit,
                author,
            } => write!(
                f,
                "{branch} has commit {commit} by {author}, not made by {BOT_NAME}; \
                 not overwriting it (merge or close that work, or delete the branch)"
            ),
            BotError::Refused(m) => f.write_str(m),
            BotError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for BotError {}

impl From<std::io::Error> for BotError {
    fn from(e: std::io::Error) -> Self {
        BotError::Io(e)
    }
}

/// Discover and fix the files under `paths` (relative to the current
/// directory), applying fixes at or above `min`. Any error is returned
/// instead of a partial result: the bot does not open a PR from a run that
/// could not read everything.
pub fn collect(
    paths: &[std::path::PathBuf],
    settings: &harden_engine::Settings,
    min: Applicability,
) -> Result<Vec<(String, FileOutcome)>, Vec<FileError>> {
    let (files, mut errors) = discover(paths);
    let mut outcomes = Vec::new();
    for file in &files {
        let result = read_within(&file.path, &file.root, &file.display).and_then(|text| {
            let mut decide = |f: &Finding, _: &str, _: &str| match &f.fix {
                Some(fix) if fix.applicability >= min => Decision::Apply,
                _ => Decision::Skip,
            };
            process_file(file, &text, settings, &mut decide)
        });
        match result {
            Ok(o) => {
                for r in &o.rejected {
                    errors.push(FileError::new(
                        &file.display,
                        Some(r.finding.start_pos),
                        format!(
                            "internal error: the {} fix was dropped: {}",
                            r.finding.rule.code, r.reason
                        ),
                    ));
                }
                outcomes.push((file.display.to_string(), o));
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(outcomes)
    } else {
        Err(errors)
    }
}

/// A repository path (`/`-separated, relative to the top level) for a path
/// shown relative to the current directory, which is `prefix` inside the
/// repository (as `git rev-parse --show-prefix` prints it).
pub fn repo_path(prefix: &str, shown: &str) -> Result<String, BotError> {
    let p = Path::new(shown);
    let mut parts: Vec<String> = prefix
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir if !parts.is_empty() => {
                parts.pop();
            }
            _ => {
                return Err(BotError::Refused(format!(
                    "{shown}: the bot only fixes files inside the repository; give paths relative to it"
                )))
            }
        }
    }
    Ok(parts.join("/"))
}

/// The new contents a patch gives, by repository path: fixed files and
/// files the fixes create.
pub fn changed_files(files: &[(String, FileOutcome)]) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (path, o) in files {
        if o.changed() {
            out.push((path.clone(), o.fixed.clone(), false));
        }
        for f in &o.applied {
            for n in f.fix.iter().flat_map(|x| &x.new_files) {
                out.push((
                    harden_render::text::new_file_path(path, &n.relative_path),
                    n.content.to_string(),
                    true,
                ));
            }
        }
    }
    out
}

/// Run the bot in the repository at `repo` on `files` (display paths
/// relative to the current directory, as `collect` returns them).
pub fn run(
    repo: &Path,
    files: Vec<(String, FileOutcome)>,
    opts: &Options,
    forge: &dyn Forge,
    log: &mut dyn Write,
) -> Result<Outcome, BotError> {
    let git = Git::new(repo, opts.dry_run);
    let prefix = git.read(log, &["rev-parse", "--show-prefix"])?;
    let files: Vec<(String, FileOutcome)> = files
        .into_iter()
        .map(|(p, o)| repo_path(&prefix, &p).map(|p| (p, o)))
        .collect::<Result<_, _>>()?;
    let files: Vec<(String, FileOutcome)> =
        files.into_iter().filter(|(_, o)| o.changed()).collect();
    if files.is_empty() {
        return Ok(Outcome::NothingToFix);
    }
    let branch = branch_name(opts.tier);
    let base = match &opts.base {
        Some(b) => b.clone(),
        None => git
            .read(log, &["symbolic-ref", "--quiet", "--short", "HEAD"])
            .map_err(|_| BotError::Refused("HEAD is detached; pass --base BRANCH".into()))?,
    };
    if base == branch {
        return Err(BotError::Refused(format!(
            "the checked-out branch is the bot's own branch {branch}; check out the base branch"
        )));
    }
    let head = git.read(log, &["rev-parse", "--verify", "HEAD^{commit}"])?;

    // The fixes were computed from the working tree: it must hold what HEAD holds.
    let changes = changed_files(&files);
    for (path, _, _) in changes.iter().filter(|(_, _, new)| !new) {
        git.read(log, &["ls-files", "--error-unmatch", "--", path])
            .map_err(|_| BotError::Refused(format!("{path} is not committed; commit it first")))?;
    }
    let touched: Vec<&str> = changes.iter().map(|(p, _, _)| p.as_str()).collect();
    let mut args = vec!["status", "--porcelain", "--"];
    args.extend(&touched);
    if !git.read(log, &args)?.is_empty() {
        return Err(BotError::Refused(format!(
            "uncommitted changes in {}; commit or stash them first",
            touched.join(", ")
        )));
    }

    let patch = harden_render::patch(&files);
    let fp = fingerprint(&patch);

    // Where the branch stands, remotely and locally; only the bot may have committed.
    let remote_ref = format!("refs/heads/{branch}");
    let listed = git.read(log, &["ls-remote", "--heads", &opts.remote, &remote_ref])?;
    let remote_tip = listed.split_whitespace().next().map(str::to_string);
    if let Some(tip) = &remote_tip {
        git.read(
            log,
            &["fetch", "--no-tags", "--refmap=", &opts.remote, &remote_ref],
        )?;
        check_bot_only(&git, log, &branch, tip, &head)?;
    }
    let local_tip = git
        .read(log, &["rev-parse", "--verify", "--quiet", &remote_ref])
        .ok()
        .filter(|s| !s.is_empty());
    if let Some(tip) = &local_tip {
        check_bot_only(&git, log, &branch, tip, &head)?;
    }

    let prs = forge.find_prs(log, &branch)?;
    let open = prs.iter().find(|p| p.state == PrState::Open);
    let declined = prs.iter().find(|p| {
        p.state == PrState::Closed && fingerprint_in(&p.body).as_deref() == Some(fp.as_str())
    });
    if let (None, Some(closed)) = (open, declined) {
        return Ok(Outcome::Declined {
            branch,
            number: closed.number,
        });
    }

    let up_to_date = match &remote_tip {
        Some(tip) => {
            let parent = git
                .read(
                    log,
                    &["rev-parse", "--verify", "--quiet", &format!("{tip}^")],
                )
                .ok();
            let message = git.read(log, &["log", "-1", "--format=%B", tip])?;
            parent.as_deref() == Some(head.as_str())
                && trailer_fingerprint(&message) == Some(fp.clone())
        }
        None => false,
    };

    let report = harden_render::Report {
        mode: harden_render::Mode::Diff,
        files: &files,
        errors: &[],
        rules: &[],
        tool_version: &opts.tool_version,
        color: false,
    };
    let title = pr_title(opts.tier, &files);
    let body = pr_body(&report, opts, &fp);

    if !up_to_date {
        let message = commit_message(&title, &files, &fp);
        let commit = git.commit_tree(log, &head, &changes, &message)?;
        let lease = format!(
            "--force-with-lease={remote_ref}:{}",
            remote_tip.clone().unwrap_or_default()
        );
        git.write(
            log,
            &[
                "update-ref",
                &remote_ref,
                &commit,
                local_tip.as_deref().unwrap_or(""),
            ],
        )?;
        git.write(
            log,
            &[
                "push",
                "--porcelain",
                &lease,
                &opts.remote,
                &format!("{commit}:{remote_ref}"),
            ],
        )?;
    }

    let pr = match open {
        Some(pr) if fingerprint_in(&pr.body).as_deref() == Some(fp.as_str()) => {
            PrAction::Unchanged(pr.number)
        }
        Some(pr) => {
            forge.edit_pr(log, pr.number, &title, &body, opts.dry_run)?;
            PrAction::Edited(pr.number)
        }
        None => {
            forge.create_pr(log, &base, &branch, &title, &body, opts.dry_run)?;
            PrAction::Created
        }
    };
    Ok(match (up_to_date, pr) {
        (true, PrAction::Unchanged(_)) => Outcome::UpToDate { branch },
        (true, pr) => Outcome::PrOnly { branch, pr },
        (false, pr) => Outcome::Committed { branch, pr },
    })
}

/// The value of the fingerprint trailer in a commit message.
fn trailer_fingerprint(message: &str) -> Option<String> {
    message
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(&format!("{TRAILER}: ")))
        .map(|v| v.trim().to_string())
}

/// Stop unless every commit on `tip` that is not on `base` is the bot's:
/// bot author and committer, and the fingerprint trailer.
fn check_bot_only(
    git: &Git,
    log: &mut dyn Write,
    branch: &str,
    tip: &str,
    base: &str,
) -> Result<(), BotError> {
    let listing = git.read(
        log,
        &[
            "log",
            "--format=%H%x1f%an <%ae>%x1f%ce%x1f%B%x1e",
            tip,
            "--not",
            base,
        ],
    )?;
    for record in listing
        .split('\u{1e}')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        let mut fields = record.splitn(4, '\u{1f}');
        let commit = fields.next().unwrap_or("").to_string();
        let author = fields.next().unwrap_or("").to_string();
        let committer = fields.next().unwrap_or("");
        let message = fields.next().unwrap_or("");
        let bot = author == format!("{BOT_NAME} <{BOT_EMAIL}>")
            && committer == BOT_EMAIL
            && trailer_fingerprint(message).is_some();
        if !bot {
            return Err(BotError::HumanCommit {
                branch: branch.to_string(),
                commit: commit.chars().take(12).collect(),
                author,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_paths_join_the_prefix_and_stay_inside() {
        assert_eq!(
            repo_path("", ".devcontainer/devcontainer.json").unwrap(),
            ".devcontainer/devcontainer.json"
        );
        assert_eq!(
            repo_path("sub/", "./x/.devcontainer.json").unwrap(),
            "sub/x/.devcontainer.json"
        );
        assert_eq!(repo_path("sub/", "../y.json").unwrap(), "y.json");
        assert!(repo_path("", "../outside.json").is_err());
        assert!(repo_path("", "/abs/devcontainer.json").is_err());
    }

    #[test]
    fn trailer_is_read_from_the_end() {
        let m = "title\n\nbody\n\nHarden-Fingerprint: abc\n";
        assert_eq!(trailer_fingerprint(m).as_deref(), Some("abc"));
        assert_eq!(trailer_fingerprint("no trailer"), None);
    }
}
