//! The `harden` command line: glue between the engine and the terminal.

mod apply;
mod bot;
mod output;

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use harden_core::{Applicability, Severity, Tier};
use harden_engine::{
    discover, process_file, read_source, read_within, Config, Decision, Discovered, FileError,
    FileOutcome, Settings,
};
use harden_profile::Profile;

#[derive(Parser)]
#[command(
    name = "harden",
    version,
    about = "Harden the places where AI coding agents run",
    long_about = None,
    after_help = "Exit codes:\n  0  nothing to report (also when the reader of the output goes away)\n  1  findings, or fixes to show or left to apply\n  2  a usage, parse or I/O error; the other files are still processed\n\nErrors read `path:line:col: message` on stderr.\n\nFiles are processed on all cores (--threads N or HARDEN_THREADS=N to set how many); output comes in the order the files were found."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List findings.
    Check(CheckArgs),
    /// Print the fixes as a unified diff that `git apply` accepts; writes nothing.
    Diff(DiffArgs),
    /// Apply fixes: asks about each one on a terminal; `--yes` applies safe fixes.
    Apply(apply::ApplyArgs),
    /// Commit the fixes on the branch harden/tier-N and open or update its pull request.
    Bot(bot::BotArgs),
    /// Print a rule's documentation.
    Rule {
        /// Rule code (DC003) or name (privileged-container).
        code: String,
    },
    /// List the tiers and the rules each turns on, with what they may break.
    Profiles {
        /// Load this profile instead of the built-in one.
        #[arg(long)]
        profile: Option<PathBuf>,
    },
    /// Check the posture a container runs with (inside it, or `--container NAME`).
    Verify(harden_verify::cli::VerifyArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Files or directories (default: the current directory).
    paths: Vec<PathBuf>,
    /// Run the rules of tiers 1 to N (1 quick wins, 2 mounts and credentials,
    /// 3 seccomp and segmentation, 4 userns, egress and binaries).
    /// [default: harden.toml's `tier`, else 1]
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    tier: Option<u8>,
    /// A custom profile (TOML) that overrides the built-in one.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// The project config (default: the nearest harden.toml at or above the first path).
    #[arg(long, conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Read no harden.toml: on a pull request, the tree's config is the
    /// author's; take it from the base branch with --config, or none.
    #[arg(long)]
    no_config: bool,
    /// Disregard what can hide a finding: `harden-ignore` comments, the
    /// config's ignores, its rule switches that turn rules off, and its profile.
    #[arg(long)]
    no_ignore: bool,
    /// The Docker daemon's daemon.json, for the tier-4 user-namespace
    /// remapping fix (DM001); without it harden only recommends it.
    #[arg(long, value_name = "PATH")]
    docker_daemon_config: Option<PathBuf>,
    /// The sha256 of a download, `URL=HEX` (the URL as the file writes it):
    /// turns the shown-only checked-download fixes for it (DF001, DF004,
    /// DC008) into fixes that can be written. Repeatable.
    #[arg(long = "sha256", value_name = "URL=HEX", value_parser = parse_sha256)]
    sha256: Vec<(String, String)>,
    /// The Claude Code version the settings are for (`claude --version`):
    /// only keys it knows are written. [default: the profile's
    /// `[claude] baseline_version`]
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    claude_version: Option<String>,
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    format: FormatArg,
    #[command(flatten)]
    threads: ThreadsArg,
}

#[derive(clap::Args)]
struct ThreadsArg {
    /// How many files are processed at once; the output is the same for
    /// any number. [default: HARDEN_THREADS, else the number of cores]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

impl ThreadsArg {
    fn count(&self) -> usize {
        self.threads
            .map_or_else(harden_engine::ordered::threads, usize::from)
    }
}

#[derive(clap::Args)]
struct FormatArg {
    /// Output format: text for people; json (docs/output-formats.md), sarif,
    /// markdown (a PR comment) or github (workflow annotations) for machines.
    #[arg(long = "format", default_value = "text", value_parser = clap::builder::TypedValueParser::map(
        clap::builder::PossibleValuesParser::new(harden_render::Format::ALL.map(|f| f.name())),
        |s| s.parse::<harden_render::Format>().expect("listed"),
    ))]
    format: harden_render::Format,
}

#[derive(clap::Args)]
struct DiffArgs {
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    format: FormatArg,
    #[command(flatten)]
    threads: ThreadsArg,
    /// Which fixes the diff includes: only safe ones, or unsafe ones too.
    #[arg(long, value_enum, default_value_t = FixLevel::Unsafe)]
    fixes: FixLevel,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum FixLevel {
    Safe,
    Unsafe,
}

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// The exit code after stdout could not be written: a reader that went
/// away (`harden diff | head -1`) ends the run quietly and successfully.
pub(crate) fn write_failed(e: &std::io::Error) -> u8 {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        EXIT_CLEAN
    } else {
        eprintln!("harden: cannot write the output: {e}");
        EXIT_ERROR
    }
}

fn main() -> ExitCode {
    harden_core::panic::install_quiet_hook();
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => run(&args.run, None, args.format.format, args.threads.count()),
        Command::Diff(args) => run(
            &args.run,
            Some(args.fixes),
            args.format.format,
            args.threads.count(),
        ),
        Command::Apply(args) => apply::apply(&args),
        Command::Bot(args) => bot::bot(&args),
        Command::Rule { code } => rule_doc(&code),
        Command::Profiles { profile } => profiles(profile.as_ref()),
        Command::Verify(args) => harden_verify::cli::run(&args),
    };
    ExitCode::from(code)
}

fn load_profile(path: Option<&PathBuf>) -> Result<Profile, String> {
    let Some(path) = path else {
        return Ok(Profile::builtin());
    };
    let shown = path.display().to_string();
    let text = read_source(path, &shown).map_err(|e| e.to_string())?;
    let profile = Profile::load(&shown, &text).map_err(|e| e.to_string())?;
    let unknown = harden_rules::unknown_codes(&profile);
    if !unknown.is_empty() {
        return Err(format!(
            "{shown}: unknown rule codes in [tiers]: {}",
            unknown.join(", ")
        ));
    }
    Ok(profile)
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// The files to process: those under the paths, plus a named daemon.json.
fn discover_files(args: &RunArgs, settings: &Settings) -> (Vec<Discovered>, Vec<FileError>) {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let (mut files, mut errors) = discover(&paths);
    match &args.docker_daemon_config {
        // The user named it: its own folder is its root.
        Some(path) => match std::fs::canonicalize(path) {
            Ok(real) => files.push(Discovered {
                display: path.display().to_string().into(),
                kind: harden_core::FileKind::DockerDaemon,
                root: real.parent().unwrap_or(Path::new("/")).into(),
                path: real.into(),
            }),
            Err(e) => errors.push(FileError::new(
                &path.display().to_string(),
                None,
                format!("cannot read: {e}"),
            )),
        },
        None if settings
            .active_rules()
            .iter()
            .any(|(r, _)| r.meta.code == "DM001") =>
        {
            eprintln!(
                "note: tier 4 recommends user-namespace remapping, a Docker daemon setting: pass \
             --docker-daemon-config /etc/docker/daemon.json to patch it, or use rootless Docker"
            )
        }
        None => {}
    }
    (files, errors)
}

/// Settings from the flags, the project's harden.toml and the profile.
fn settings_from(args: &RunArgs) -> Result<Settings, String> {
    let start = args
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = if args.no_config {
        Config::default()
    } else {
        Config::find(args.config.as_deref(), &start)
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
    };
    let config_profile = config
        .profile
        .as_ref()
        .filter(|_| !args.no_ignore)
        .map(|p| config.dir.join(p));
    // A config's profile is data of the repository: it must lie in the
    // config's own folder tree.
    if let Some(path) = &config_profile {
        let root = std::fs::canonicalize(&config.dir).unwrap_or_default();
        if let Err(refusal) = harden_engine::confine::resolve_within(path, &root) {
            return Err(format!(
                "{}: `profile` {}",
                config.dir.join(harden_engine::CONFIG_NAME).display(),
                refusal.message()
            ));
        }
    }
    let profile_path = args.profile.clone().or(config_profile);
    let profile = load_profile(profile_path.as_ref())?;
    let tier = args.tier.or(config.tier).unwrap_or(1);
    let mut settings = Settings::new(profile, Tier::new(tier).expect("tier checked"));
    settings.rule_switches = config.rules;
    if args.no_ignore {
        settings.rule_switches.retain(|_, on| *on);
    }
    settings.ignores = config.ignore;
    settings.no_ignore = args.no_ignore;
    for (url, hex) in &args.sha256 {
        settings.inputs.insert("sha256", url, hex);
    }
    settings.claude_version = args.claude_version.clone();
    Ok(settings)
}

/// A dotted version such as `2.1.83` (the first word of `claude --version`).
fn parse_version(s: &str) -> Result<String, String> {
    harden_rules::claude::Version::parse(s)
        .map(|v| v.to_string())
        .ok_or_else(|| format!("expected a version such as 2.1.83, got `{s}`"))
}

/// `URL=HEX` with a 64-digit hex sha256.
fn parse_sha256(s: &str) -> Result<(String, String), String> {
    let (url, hex) = s
        .rsplit_once('=')
        .ok_or_else(|| "expected URL=HEX".to_string())?;
    if url.is_empty() || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "expected URL=HEX with a 64-digit hex sha256, got `{s}`"
        ));
    }
    Ok((url.to_string(), hex.to_ascii_lowercase()))
}

fn run(
    args: &RunArgs,
    diff: Option<FixLevel>,
    format: harden_render::Format,
    threads: usize,
) -> u8 {
    let settings = match settings_from(args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("harden: {e}");
            return EXIT_ERROR;
        }
    };
    let (files, errors) = discover_files(args, &settings);
    // Errors also go into the machine formats' output.
    let mut problems: Vec<FileError> = errors.clone();
    let mut errored = !errors.is_empty();
    for e in &errors {
        eprintln!("{e}");
    }
    let color = use_color(args.color);
    let min = match diff {
        Some(FixLevel::Safe) => Applicability::Safe,
        _ => Applicability::Unsafe,
    };
    // Buffered, and flushed after each file only for a person watching.
    let interactive = std::io::stdout().is_terminal();
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let text = format == harden_render::Format::Text;
    // Text, JSON, SARIF and GitHub annotations stream (text keeps only the
    // check summary's host-root lines of a file once it is printed, JSON the
    // findings' text); markdown needs every file for its one comment.
    let mut outcomes: Vec<(String, FileOutcome)> = Vec::new();
    let mode = match diff {
        Some(_) => harden_render::Mode::Diff,
        None => harden_render::Mode::Check,
    };
    let rules: Vec<&'static harden_core::RuleMeta> = {
        let mut rules: Vec<_> = settings
            .active_rules()
            .iter()
            .map(|(r, _)| r.meta)
            .collect();
        rules.sort_by_key(|r| r.code);
        rules
    };
    let mut stream = match harden_render::Stream::start(
        &mut stdout,
        format,
        mode,
        &rules,
        env!("CARGO_PKG_VERSION"),
    ) {
        Ok(stream) => stream,
        Err(e) => return write_failed(&e),
    };
    let mut tally = output::CheckTally::default();
    let mut summary: Vec<u8> = Vec::new();
    let mut reportable = false;
    let mut write_error: Option<std::io::Error> = None;
    let work = |file: &Discovered| {
        read_within(&file.path, &file.root, &file.display).and_then(|text| {
            let mut decide = |f: &harden_core::Finding, _: &str, _: &str| match (&diff, &f.fix) {
                (Some(_), Some(fix)) if fix.applicability >= min => Decision::Apply,
                _ => Decision::Skip,
            };
            process_file(file, &text, &settings, &mut decide)
        })
    };
    let consume = |i: usize, result: Result<FileOutcome, FileError>| {
        let path: &str = &files[i].display;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                errored = true;
                eprintln!("{e}");
                problems.push(e);
                return true;
            }
        };
        for (at, problem) in &outcome.suppression_problems {
            reportable = true;
            eprintln!(
                "{}",
                FileError::new(path, Some(*at), format!("warning: {problem}"))
            );
        }
        for b in &outcome.blocked {
            reportable = true;
            eprintln!("{}", blocked_line(path, b));
        }
        for r in &outcome.rejected {
            errored = true;
            let e = FileError::new(
                path,
                Some(r.finding.start_pos),
                format!(
                    "internal error: the {} fix was dropped: {}",
                    r.finding.rule.code, r.reason
                ),
            );
            eprintln!("{e}");
            problems.push(e);
        }
        let findings = if diff.is_some() {
            &outcome.remaining
        } else {
            &outcome.findings
        };
        reportable |= outcome.changed()
            || findings
                .iter()
                .any(|f| f.rule.severity >= Severity::Warning);
        let streamed = stream.as_mut().map(|s| s.add(&mut stdout, path, &outcome));
        if let Some(written) = streamed {
            return match written {
                Ok(()) => true,
                Err(e) => {
                    write_error = Some(e);
                    false
                }
            };
        }
        if !text {
            outcomes.push((path.to_string(), outcome));
            return true;
        }
        let written = match diff {
            None => {
                tally.add(&outcome.findings);
                output::write_host_root(&mut summary, std::iter::once((path, &outcome.findings)));
                output::write_findings(&mut stdout, path, &outcome.findings)
            }
            Some(_) => output::write_diff(&mut stdout, path, &outcome, color),
        };
        // A diff's summary lines follow it on stderr (every applied fix of a
        // large tree is too much to hold until the end), so its diff is
        // flushed first.
        let written = written.and_then(|()| match interactive || diff.is_some() {
            true => stdout.flush(),
            false => Ok(()),
        });
        if diff.is_some() && written.is_ok() {
            // One write: stderr is not buffered.
            let mut lines = Vec::new();
            output::write_file_diff_summary(&mut lines, path, &outcome);
            let _ = std::io::stderr().lock().write_all(&lines);
        }
        match written {
            Ok(()) => true,
            Err(e) => {
                write_error = Some(e);
                false
            }
        }
    };
    harden_engine::ordered::for_each_ordered(&files, threads, 16, work, consume);
    if let Some(e) = write_error {
        return write_failed(&e);
    }
    let finished = match stream {
        Some(stream) => stream.finish(&mut stdout, &problems),
        None => Ok(()),
    };
    if let Err(e) = finished {
        return write_failed(&e);
    }
    if format == harden_render::Format::Markdown {
        let report = harden_render::Report {
            mode,
            files: &outcomes,
            errors: &problems,
            rules: &rules,
            tool_version: env!("CARGO_PKG_VERSION"),
            color: false,
        };
        if let Err(e) = harden_render::render(&mut stdout, format, &report) {
            return write_failed(&e);
        }
    }
    if let Err(e) = stdout.flush() {
        return write_failed(&e);
    }
    if text {
        let mut stderr = std::io::stderr().lock();
        if diff.is_none() {
            tally.write(&mut stderr, files.len());
        }
        let _ = stderr.write_all(&summary);
    }
    if errored {
        EXIT_ERROR
    } else if reportable {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// A fix the tree is in the way of, with why it was not applied.
pub(crate) fn blocked_line(path: &str, b: &harden_engine::Rejected) -> FileError {
    FileError::new(
        path,
        Some(b.finding.start_pos),
        format!(
            "warning: the {} fix is not applied: {}",
            b.finding.rule.code, b.reason
        ),
    )
}

fn rule_doc(code: &str) -> u8 {
    match harden_rules::rule_by_code(code) {
        Some(rule) => {
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{}", rule.meta.doc.trim_end()) {
                Ok(()) => EXIT_CLEAN,
                Err(e) => write_failed(&e),
            }
        }
        None => {
            eprintln!(
                "harden: no rule `{}`; `harden profiles` lists them",
                harden_core::printable(code)
            );
            EXIT_ERROR
        }
    }
}

fn profiles(path: Option<&PathBuf>) -> u8 {
    let profile = match load_profile(path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("harden: {e}");
            return EXIT_ERROR;
        }
    };
    let mut out = std::io::stdout().lock();
    match output::write_profile(&mut out, &profile) {
        Ok(()) => EXIT_CLEAN,
        Err(e) => write_failed(&e),
    }
}
