//! The `harden verify` subcommand: flags, and which readers run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use harden_core::Tier;
use harden_engine::{Config, Settings};
use harden_profile::Profile;

use crate::inside::Inside;
use crate::probe::{self, Target};
use crate::{expect, html, inspect, Report};

#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// Read the posture of this container from `docker inspect` on the host,
    /// instead of the one this process runs in.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// Compare with what `harden check` promises for this config (a file or
    /// directory) at `--tier`.
    #[arg(long, value_name = "PATH")]
    pub expect: Option<PathBuf>,
    /// The tier `--expect` checks (default: harden.toml's `tier`, else 1).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    pub tier: Option<u8>,
    /// A custom profile (TOML): the capability allowlist and the paths checked.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// A HOST:PORT that must be reachable (TCP). Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub probe_allowed: Vec<Target>,
    /// A HOST:PORT that must be refused (TCP). Repeatable.
    #[arg(long, value_name = "HOST:PORT")]
    pub probe_blocked: Vec<Target>,
    /// A resolver that is not on the allowlist (an IP address): one DNS query
    /// is sent to it and must get no answer.
    #[arg(long, value_name = "IP")]
    pub dns_resolver: Option<String>,
    /// The name the DNS probe asks for.
    #[arg(long, value_name = "NAME", default_value = "example.com")]
    pub dns_name: String,
    /// Seconds each probe waits.
    #[arg(long, value_name = "SECONDS", default_value_t = 3)]
    pub timeout: u64,
    /// The workspace folder whose host-run files are checked (default: the
    /// current directory).
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Render a saved `--format json` report instead of checking.
    #[arg(long, value_name = "FILE")]
    pub from_json: Option<PathBuf>,
    /// Output: text, json ({"checks": [...]}) or html (a self-contained page).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
    Html,
}

const EXIT_ERROR: u8 = 2;

/// Runs the subcommand; the exit code is 0 all green, 1 any red, 2 an error.
pub fn run(args: &VerifyArgs) -> u8 {
    match report(args) {
        Ok(report) => {
            let text = match args.format {
                OutputFormat::Text => report.to_text(),
                OutputFormat::Json => report.to_json(),
                OutputFormat::Html => html::render(&report),
            };
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return EXIT_ERROR;
            }
            report.exit_code()
        }
        Err(e) => {
            eprintln!("harden verify: {e}");
            EXIT_ERROR
        }
    }
}

fn load_profile(args: &VerifyArgs, config: Option<&Config>) -> Result<Profile, String> {
    let path = args
        .profile
        .clone()
        .or_else(|| config.and_then(|c| c.profile.as_ref().map(|p| c.dir.join(p))));
    let Some(path) = path else {
        return Ok(Profile::builtin());
    };
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    Profile::load(&shown, &text).map_err(|e| e.to_string())
}

fn report(args: &VerifyArgs) -> Result<Report, String> {
    if let Some(path) = &args.from_json {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        return Report::from_json(&path.display().to_string(), &text)
            .map_err(|e| format!("{}:{e}", path.display()));
    }
    let config = match &args.expect {
        Some(p) => Config::find(None, p).map_err(|e| e.to_string())?,
        None => None,
    };
    let profile = load_profile(args, config.as_ref())?;
    let timeout = Duration::from_secs(args.timeout.clamp(1, 30));
    let mut report = match &args.container {
        Some(name) => {
            if !args.probe_allowed.is_empty()
                || !args.probe_blocked.is_empty()
                || args.dns_resolver.is_some()
            {
                return Err("the probes run inside the container; drop --container".into());
            }
            Report {
                subject: format!("container {name}"),
                checks: inspect::checks(&docker_inspect(name)?, &profile)?,
            }
        }
        None => {
            let env: BTreeMap<String, String> = std::env::vars().collect();
            let inside = Inside {
                root: PathBuf::from("/"),
                env,
                workspace: Some(
                    args.workspace
                        .clone()
                        .or_else(|| std::env::current_dir().ok())
                        .unwrap_or_else(|| PathBuf::from("/")),
                ),
                profile: &profile,
                sudo: sudo_works(),
            };
            let mut checks = inside.checks();
            for t in &args.probe_allowed {
                checks.push(probe::allowed_check(t, &probe::connect(t, timeout)));
            }
            for t in &args.probe_blocked {
                checks.push(probe::blocked_check(t, &probe::connect(t, timeout)));
            }
            if let Some(r) = &args.dns_resolver {
                checks.push(probe::dns_check(r, &args.dns_name, timeout));
            }
            Report {
                subject: "this container".into(),
                checks,
            }
        }
    };
    if let Some(path) = &args.expect {
        let config = config.unwrap_or_default();
        let tier = args.tier.or(config.tier).unwrap_or(1);
        let mut settings = Settings::new(profile, Tier::new(tier).expect("tier checked"));
        settings.rule_switches = config.rules;
        settings.ignores = config.ignore;
        let promises = expect::promises(std::slice::from_ref(path), &settings)?;
        let gaps = expect::compare(&promises, &report.checks);
        report.checks.extend(gaps);
    }
    Ok(report)
}

/// `sudo -n true`: `None` without sudo, else whether it succeeded.
fn sudo_works() -> Option<bool> {
    let status = Command::new("sudo")
        .args(["-n", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) => Some(s.success()),
        Err(_) => None,
    }
}

fn docker_inspect(name: &str) -> Result<String, String> {
    if name.starts_with('-') || name.is_empty() {
        return Err(format!("`{name}` is not a container name"));
    }
    let out = Command::new("docker")
        .args(["inspect", "--type", "container", "--", name])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "docker inspect {name}: {}",
            crate::escape_text(String::from_utf8_lossy(&out.stderr).trim())
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "docker inspect output is not UTF-8".into())
}
