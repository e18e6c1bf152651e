//! `harden bot`: glue between the CLI, the engine and harden-bot.

use std::path::{Path, PathBuf};

use harden_core::Applicability;

use crate::{settings_from, RunArgs, EXIT_CLEAN, EXIT_ERROR};

#[derive(clap::Args)]
pub struct BotArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Include unsafe fixes (by default only safe fixes are committed).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print every git and gh step that would change something; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The remote to push the bot branch to.
    #[arg(long, default_value = "origin")]
    pub remote: String,
    /// The pull request's base branch (default: the checked-out branch).
    #[arg(long)]
    pub base: Option<String>,
}

pub fn bot(args: &BotArgs) -> u8 {
    let settings = match settings_from(&args.run) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("harden: {e}");
            return EXIT_ERROR;
        }
    };
    let paths = if args.run.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.run.paths.clone()
    };
    let min = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let files = match harden_bot::collect(&paths, &settings, min) {
        Ok(f) => f,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            eprintln!("harden: not committing fixes from a run with errors");
            return EXIT_ERROR;
        }
    };
    let opts = harden_bot::Options {
        tier: settings.tier,
        unsafe_fixes: args.unsafe_fixes,
        remote: args.remote.clone(),
        base: args.base.clone(),
        dry_run: args.dry_run,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let mut log = std::io::stderr();
    match harden_bot::run(
        Path::new("."),
        files,
        &opts,
        &harden_bot::GhCli::new(),
        &mut log,
    ) {
        Ok(outcome) if args.dry_run => {
            println!("harden bot (dry run, nothing was changed): {outcome}");
            EXIT_CLEAN
        }
        Ok(outcome) => {
            println!("harden bot: {outcome}");
            EXIT_CLEAN
        }
        Err(e) => {
            eprintln!("harden: {e}");
            EXIT_ERROR
        }
    }
}
