//! The fix loop: propose, verify, decide, merge, repeat to a fix point.

use std::collections::HashSet;

use harden_core::{
    apply_changes_to, apply_edits, combine, same_value, Applicability, Change, Document, Finding,
    Fix, LineCol, LineEnding, NewFile, ParseError,
};

use crate::locate;

/// A bound on passes; each pass applies at least one fix or stops.
pub const MAX_PASSES: usize = 64;

/// The caller's answer for one verified fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Apply,
    Skip,
    /// Skip this fix and every later one.
    Stop,
}

/// A fix that failed verification, with the reason. Nothing of it was written.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub finding: Finding,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub original: String,
    pub fixed: String,
    /// Findings on the original text.
    pub findings: Vec<Finding>,
    /// Findings whose fix was applied, located in the text they applied to.
    /// A new file that several of them create is listed with the first only.
    pub applied: Vec<Finding>,
    /// Fixes dropped by verification: internal errors to report.
    pub rejected: Vec<Rejected>,
    /// Findings on the fixed text.
    pub remaining: Vec<Finding>,
    /// False when the pass bound was hit with fixes still pending.
    pub converged: bool,
    /// Inline suppressions that silence nothing or lack a reason.
    pub suppression_problems: Vec<(LineCol, String)>,
    /// Fixes not applied because the tree is in their way (a file they
    /// create exists with other content, or as a symlink), with the reason.
    pub blocked: Vec<Rejected>,
}

impl FileOutcome {
    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }
}

type Key = (&'static str, String);

/// The rule filter that runs every rule.
pub(crate) const ALL: &[&str] = &[];

fn key(f: &Finding) -> Key {
    (f.rule.code, f.target.clone())
}

/// With `eager`, each fix is verified before `decide` sees it (a person
/// answering prompts); otherwise a pass's fixes are verified together,
/// and one by one only when together they fail.
pub(crate) fn run<D: Document>(
    eager: bool,
    mut doc: D,
    check: &dyn Fn(&D, &[&str]) -> Vec<Finding>,
    decide: &mut dyn FnMut(&Finding, &str, &str) -> Decision,
) -> Result<FileOutcome, ParseError> {
    let text = &doc.text().to_string();
    let mut findings = check(&doc, ALL);
    locate(&mut findings, text);
    let mut fixable = findings.iter().filter(|f| f.fix.is_some());
    if let Some(over) = fixable.nth(harden_core::limits::MAX_FIXES) {
        return Err(ParseError::at_offset(
            text,
            over.start,
            harden_core::limits::exceeded("findings with a fix", harden_core::limits::MAX_FIXES),
        ));
    }
    let initial = findings.clone();
    let mut current = text.to_string();
    let mut settled: HashSet<Key> = HashSet::new();
    let mut approved: HashSet<Key> = HashSet::new();
    let mut applied = Vec::new();
    let mut rejected = Vec::new();
    // Files created by applied fixes. Fixes that create the same file
    // (several services loading one seccomp profile) create it once.
    let mut created: Vec<NewFile> = Vec::new();
    let mut converged = false;
    let mut stopped = false;

    for _ in 0..MAX_PASSES {
        let mut candidates: Vec<&Finding> = findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|fix| fix.applicability > Applicability::DisplayOnly)
            })
            .filter(|f| !settled.contains(&key(f)))
            .collect();
        candidates.sort_by_key(|f| f.fix.as_ref().and_then(|x| x.span()).map(|s| s.start));
        if candidates.is_empty() || stopped {
            converged = true;
            break;
        }
        let mut accepted: Vec<(&Finding, String, Option<D>)> = Vec::new();
        for f in candidates {
            let fix = f.fix.as_ref().expect("filtered");
            let clash = fix.new_files.iter().find(|n| {
                created
                    .iter()
                    .any(|c| c.relative_path == n.relative_path && c.content != n.content)
            });
            if let Some(clash) = clash {
                let reason = format!(
                    "it creates {}, which an applied fix creates with other content",
                    clash.relative_path
                );
                reject(&mut settled, &mut rejected, f, reason);
                continue;
            }
            if accepted
                .iter()
                .any(|(a, _, _)| a.fix.as_ref().expect("has fix").conflicts_with(fix))
            {
                continue;
            }
            let alone = match apply_edits(&current, &fix.edits) {
                Ok(t) => t,
                Err(e) => {
                    let reason = format!("the edits do not apply: {e}");
                    reject(&mut settled, &mut rejected, f, reason);
                    continue;
                }
            };
            // Asked one by one, a person sees only fixes that passed; by
            // policy, the pass is verified as a whole below.
            let alone_doc = if eager {
                match verify(&doc, &findings, &alone, &[f], check, Only::Fixed) {
                    Ok((d, _)) => Some(d),
                    Err(reason) => {
                        reject(&mut settled, &mut rejected, f, reason);
                        continue;
                    }
                }
            } else {
                None
            };
            let decision = if approved.contains(&key(f)) {
                Decision::Apply
            } else {
                decide(f, &current, &alone)
            };
            match decision {
                Decision::Apply => {
                    approved.insert(key(f));
                    accepted.push((f, alone, alone_doc));
                }
                Decision::Skip => {
                    settled.insert(key(f));
                }
                Decision::Stop => {
                    stopped = true;
                    break;
                }
            }
        }
        if accepted.is_empty() {
            continue;
        }
        let group: Vec<&Finding> = accepted.iter().map(|(f, _, _)| *f).collect();
        let fixes: Vec<&Fix> = group.iter().filter_map(|f| f.fix.as_ref()).collect();
        let all_edits = combine(&fixes);
        let merged = apply_edits(&current, &all_edits)
            .map_err(|e| e.to_string())
            .and_then(|t| verify(&doc, &findings, &t, &group, check, Only::All).map(|d| (t, d)));
        let mut applied_now = Vec::new();
        // The findings on the new text, when verification found them all.
        let mut found = None;
        match merged {
            Ok((t, (d, all))) => {
                current = t;
                doc = d;
                found = Some(all);
                applied_now.extend(group.iter().map(|f| (*f).clone()));
            }
            Err(_) => {
                // Together they fail. The first that passes alone is
                // applied; one that fails alone is dropped; the rest come
                // back next pass, rebased on the new text.
                for (f, t, d) in accepted {
                    let d = match d {
                        Some(d) => Ok(d),
                        None => {
                            verify(&doc, &findings, &t, &[f], check, Only::Fixed).map(|(d, _)| d)
                        }
                    };
                    match d {
                        Ok(d) => {
                            applied_now.push(f.clone());
                            current = t;
                            doc = d;
                            break;
                        }
                        Err(reason) => {
                            reject(&mut settled, &mut rejected, f, reason);
                        }
                    }
                }
            }
        }
        // An applied fix's key is not settled: an identical finding (the
        // same item written twice) comes back next pass, already approved,
        // and verification's count makes every pass remove one.
        for f in &mut applied_now {
            if let Some(fix) = f.fix.as_mut() {
                fix.new_files
                    .retain(|n| !created.iter().any(|c| c.relative_path == n.relative_path));
                created.extend(fix.new_files.iter().cloned());
            }
        }
        applied.extend(applied_now);
        findings = found.unwrap_or_else(|| check(&doc, ALL));
        locate(&mut findings, &current);
    }
    // Every pass ends with `findings` checked on `doc` as it now is.
    let mut remaining = findings;
    let mut initial = initial;
    harden_rules::moot::annotate(&mut initial);
    harden_rules::moot::annotate(&mut remaining);
    Ok(FileOutcome {
        original: text.to_string(),
        fixed: current,
        findings: initial,
        applied,
        rejected,
        remaining,
        converged,
        suppression_problems: Vec::new(),
        blocked: Vec::new(),
    })
}

/// A fix verification dropped: reported, and not proposed again.
fn reject(settled: &mut HashSet<Key>, rejected: &mut Vec<Rejected>, f: &Finding, reason: String) {
    settled.insert(key(f));
    rejected.push(Rejected {
        finding: f.clone(),
        reason,
    });
}

/// Which rules verification runs on the fixed text.
#[derive(Clone, Copy)]
enum Only {
    /// The fixes' own: enough to see their findings gone.
    Fixed,
    /// All of them: the findings of the next pass come with it.
    All,
}

/// Check that `after` is `before` with exactly the fixes' changes and that
/// their findings are gone. Findings are counted, so that of two identical
/// findings (an item written twice) a fix for one must remove one. Returns
/// the fixed document and the findings of the rules `only` names on it.
fn verify<D: Document>(
    before: &D,
    before_findings: &[Finding],
    after: &str,
    fixes: &[&Finding],
    check: &dyn Fn(&D, &[&str]) -> Vec<Finding>,
    only: Only,
) -> Result<(D, Vec<Finding>), String> {
    let after_doc = D::parse(after).map_err(|e| format!("the fixed text does not parse: {e}"))?;
    let changes: Vec<Change> = fixes
        .iter()
        .flat_map(|f| {
            f.fix
                .as_ref()
                .map(|x| x.changes.clone())
                .unwrap_or_default()
        })
        .collect();
    let expected =
        apply_changes_to(before.value_cow().into_owned(), &changes).map_err(|e| e.to_string())?;
    if !same_value(&expected, &after_doc.value_cow()) {
        return Err("the fixed file's value differs from the intended change".into());
    }
    let (s0, s1) = (before.source_text(), after_doc.source_text());
    if s0.has_bom != s1.has_bom || s0.final_newline != s1.final_newline {
        return Err("the fix changed the BOM or the final newline".into());
    }
    let eol_ok = s0.line_ending == s1.line_ending
        || (s0.line_ending == LineEnding::None && s1.line_ending == LineEnding::Lf);
    if !eol_ok {
        return Err("the fix changed the line endings".into());
    }
    // Only the fixes' own rules need to run to see their findings gone;
    // what the fixes do to other rules shows in the next pass.
    let mut codes: Vec<&str> = fixes.iter().map(|f| f.rule.code).collect();
    codes.sort_unstable();
    codes.dedup();
    let remaining = match only {
        Only::Fixed => check(&after_doc, &codes),
        Only::All => check(&after_doc, ALL),
    };
    let count = |list: &[Finding], k: &Key| list.iter().filter(|r| key(r) == *k).count();
    for f in fixes {
        let k = key(f);
        let fixed_here = fixes.iter().filter(|g| key(g) == k).count();
        let before = count(before_findings, &k);
        if count(&remaining, &k) + fixed_here > before {
            return Err(format!("{} is still reported after its fix", f.rule.code));
        }
    }
    Ok((after_doc, remaining))
}
