//! `harden apply`: walk the fixes, ask about each (or apply by policy with
//! `--yes`), and write the files safely.

use std::io::{BufRead, IsTerminal, Write};

use harden_core::{printable, unified_diff, Applicability, Finding, Severity};
use harden_engine::{
    execute, process_file, read_within, Decision, Discovered, FileError, Settings, WritePlan,
};

use crate::{blocked_line, output, settings_from, RunArgs, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS};

#[derive(clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,
    /// Apply without asking: safe fixes only, unless --unsafe-fixes.
    #[arg(long)]
    pub yes: bool,
    /// With --yes or --dry-run, also apply unsafe fixes.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the diff of what would be applied; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Answers to the per-fix prompt, read a line at a time from the terminal.
struct Prompter {
    all_safe: bool,
    quit: bool,
    applied: usize,
    skipped: usize,
}

impl Prompter {
    fn decide(&mut self, path: &str, f: &Finding, before: &str, after: &str) -> Decision {
        let fix = f.fix.as_ref().expect("asked only about fixes");
        if self.quit {
            return Decision::Stop;
        }
        if self.all_safe && fix.applicability == Applicability::Safe {
            self.applied += 1;
            return Decision::Apply;
        }
        let mut out = std::io::stdout().lock();
        let hunk = unified_diff(path, Some(before), after, 3);
        let _ = writeln!(
            out,
            "\n{}:{}: {} {} [tier {}, {} fix]\n  {}\n  may break: {}",
            printable(path),
            f.start_pos,
            f.rule.code,
            f.rule.name,
            f.tier,
            fix.applicability,
            printable(&fix.title),
            f.rule.breakage
        );
        for line in hunk.lines().skip(3) {
            let _ = writeln!(out, "  {}", printable(line));
        }
        loop {
            let _ = write!(
                out,
                "Apply this fix? [y]es, [n]o, [a]ll safe, [q]uit, [e]xplain: "
            );
            let _ = out.flush();
            let mut answer = String::new();
            match std::io::stdin().lock().read_line(&mut answer) {
                Ok(0) | Err(_) => {
                    self.quit = true;
                    return Decision::Stop;
                }
                Ok(_) => {}
            }
            match answer.trim().to_ascii_lowercase().as_str() {
                "y" | "yes" => {
                    self.applied += 1;
                    return Decision::Apply;
                }
                "n" | "no" => {
                    self.skipped += 1;
                    return Decision::Skip;
                }
                "a" | "all" => {
                    self.all_safe = true;
                    self.applied += 1;
                    return Decision::Apply;
                }
                "q" | "quit" => {
                    self.quit = true;
                    return Decision::Stop;
                }
                "e" | "explain" => {
                    let _ = writeln!(out, "\n{}\n", f.rule.doc.trim_end());
                }
                _ => {
                    let _ = writeln!(out, "Answer y, n, a, q or e.");
                }
            }
        }
    }
}

/// Ask for the values that fixes need and harden cannot compute (the sha256
/// of a download), so that those fixes can be offered; an empty answer skips.
fn ask_for_inputs(file: &Discovered, text: &str, settings: &mut Settings) {
    let path = &file.display;
    let mut skip = |_: &Finding, _: &str, _: &str| Decision::Skip;
    let Ok(outcome) = process_file(file, text, settings, &mut skip) else {
        return;
    };
    let mut asked = std::collections::BTreeSet::new();
    for f in &outcome.findings {
        let Some(request) = &f.input else { continue };
        if settings
            .inputs
            .get(&request.kind, &request.subject)
            .is_some()
            || !asked.insert(request.clone())
        {
            continue;
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "\n{}:{}: {} {}",
            printable(path),
            f.start_pos,
            f.rule.code,
            printable(&f.message)
        );
        let _ = write!(
            out,
            "  {} of {} (empty to skip): ",
            request.kind,
            printable(&request.subject)
        );
        let _ = out.flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).unwrap_or(0) == 0 {
            return;
        }
        let answer = answer.trim();
        if !answer.is_empty() {
            settings
                .inputs
                .insert(request.kind.clone(), request.subject.clone(), answer);
        }
    }
}

pub fn apply(args: &ApplyArgs) -> u8 {
    let interactive = !args.yes && !args.dry_run;
    if interactive && !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        eprintln!(
            "harden: apply asks about each fix and needs a terminal; use --yes to apply safe fixes \
             (add --unsafe-fixes for unsafe ones), or --dry-run to see the diff. Nothing was written."
        );
        return EXIT_ERROR;
    }
    let mut settings = match settings_from(&args.run) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("harden: {e}");
            return EXIT_ERROR;
        }
    };
    settings.verify_each = interactive;
    let (files, errors) = crate::discover_files(&args.run, &settings);
    let mut errored = !errors.is_empty();
    for e in &errors {
        eprintln!("{e}");
    }
    let mut prompter = Prompter {
        all_safe: false,
        quit: false,
        applied: 0,
        skipped: 0,
    };
    let mut written_files = 0;
    let mut created_files = 0;
    let mut follow_up: Vec<String> = Vec::new();
    let mut remaining_warnings = false;
    let mut stdout = std::io::stdout().lock();
    for file in &files {
        let text = match read_within(&file.path, &file.root, &file.display) {
            Ok(t) => t,
            Err(e) => {
                errored = true;
                eprintln!("{e}");
                continue;
            }
        };
        if interactive && !prompter.quit {
            ask_for_inputs(file, &text, &mut settings);
        }
        let mut decide = |f: &Finding, before: &str, after: &str| {
            let fix = f.fix.as_ref().expect("asked only about fixes");
            if interactive {
                return prompter.decide(&file.display, f, before, after);
            }
            let wanted = fix.applicability == Applicability::Safe
                || (fix.applicability == Applicability::Unsafe && args.unsafe_fixes);
            if wanted {
                prompter.applied += 1;
                Decision::Apply
            } else {
                prompter.skipped += 1;
                Decision::Skip
            }
        };
        let outcome = match process_file(file, &text, &settings, &mut decide) {
            Ok(o) => o,
            Err(e) => {
                errored = true;
                eprintln!("{e}");
                continue;
            }
        };
        for (at, problem) in &outcome.suppression_problems {
            eprintln!(
                "{}",
                FileError::new(&file.display, Some(*at), format!("warning: {problem}"))
            );
        }
        for b in &outcome.blocked {
            eprintln!("{}", blocked_line(&file.display, b));
        }
        for r in &outcome.rejected {
            errored = true;
            eprintln!(
                "{}",
                FileError::new(
                    &file.display,
                    Some(r.finding.start_pos),
                    format!(
                        "internal error: the {} fix was dropped: {}",
                        r.finding.rule.code, r.reason
                    )
                )
            );
        }
        for f in &outcome.remaining {
            remaining_warnings |= f.rule.severity >= Severity::Warning;
            let what = match (&f.fix, &f.note) {
                (Some(fix), _) => format!("{} ({} fix not applied)", fix.title, fix.applicability),
                (None, Some(note)) => note.clone(),
                (None, None) => f.rule.summary.to_string(),
            };
            follow_up.push(format!(
                "{}:{}: {} {}: {}",
                printable(&file.display),
                f.start_pos,
                f.rule.code,
                printable(&f.message),
                printable(&what)
            ));
        }
        if args.dry_run {
            if let Err(e) = output::write_diff(&mut stdout, &file.display, &outcome, false) {
                return crate::write_failed(&e);
            }
            continue;
        }
        let new_files: Vec<(&str, &str, String)> = outcome
            .applied
            .iter()
            .flat_map(|f| f.fix.iter().flat_map(|x| &x.new_files))
            .map(|n| {
                let shown = output::new_file_path(&file.display, &n.relative_path);
                (n.relative_path.as_str(), &*n.content, shown)
            })
            .collect();
        if !outcome.changed() && new_files.is_empty() {
            continue;
        }
        let plan = WritePlan {
            root: &file.root,
            display: &file.display,
            fixed: outcome.changed().then_some((
                &*file.path,
                outcome.original.as_str(),
                outcome.fixed.as_str(),
            )),
            dir: file.path.parent().unwrap_or(std::path::Path::new(".")),
            new_files,
        };
        match execute(&plan) {
            Ok(written) => {
                written_files += usize::from(written.fixed);
                created_files += written.created.len();
            }
            Err(e) => {
                errored = true;
                eprintln!("{e}");
            }
        }
    }
    let mut err = std::io::stderr().lock();
    let verb = if args.dry_run {
        "would apply"
    } else {
        "applied"
    };
    let _ = writeln!(
        err,
        "{verb} {} ({} written, {} created), skipped {}, left for manual follow-up {}",
        output::plural(prompter.applied, "fix"),
        output::plural(written_files, "file"),
        created_files,
        prompter.skipped,
        follow_up.len()
    );
    for line in &follow_up {
        let _ = writeln!(err, "  {line}");
    }
    if errored {
        EXIT_ERROR
    } else if remaining_warnings {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}
