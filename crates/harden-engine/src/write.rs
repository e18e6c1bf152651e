//! Writing fixed files so that nothing is lost or redirected: every
//! precondition checked before the first byte is written (new files absent
//! or identical, no symlink on any path component below the root, targets
//! unchanged since they were read), then the files a fix creates before
//! the file that references them, each by an atomic rename, with what was
//! written removed again when a later step fails. A rewritten file keeps
//! its owner, group and permission bits (never setuid/setgid); a new file
//! is 0644 less the umask, as the diff says.

use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use crate::confine::{link_below, resolve_within, Refusal};
use crate::FileError;

/// Where a fixed file may be written: the real path under `root`, reached
/// without a symlink on any component below the root.
pub fn resolve_target(path: &Path, root: &Path, display: &str) -> Result<PathBuf, FileError> {
    let err = |m: String| FileError::new(display, None, m);
    let real = resolve_within(path, root).map_err(|r| match r {
        Refusal::Outside => err("resolves outside the scanned root; not written".into()),
        other => err(format!("{}; not written", other.message())),
    })?;
    if let Some(link) = link_below(path, root) {
        return Err(err(format!(
            "goes through the symbolic link {}; not written",
            link.display()
        )));
    }
    Ok(real)
}

/// What is on disk where a fix would create a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewFileState {
    Absent,
    /// A regular file with exactly the content the fix would write.
    Identical,
}

/// Whether the file `relative` (to `dir`, itself under `root`) can be
/// created with `content`: inside `dir`, no symlink on the way, and either
/// absent or already identical. Otherwise the reason, for the user.
pub fn new_file_state(
    dir: &Path,
    root: &Path,
    relative: &str,
    content: &str,
) -> Result<NewFileState, String> {
    let rel = Path::new(relative);
    if relative.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("`{relative}` is not a path inside the folder"));
    }
    let base = resolve_within(dir, root).map_err(|r| r.message().to_string())?;
    if let Some(link) = link_below(dir, root) {
        return Err(format!(
            "the folder goes through the symbolic link {}",
            link.display()
        ));
    }
    let mut walked = base;
    let parts: Vec<Component> = rel.components().collect();
    for (i, c) in parts.iter().enumerate() {
        walked.push(c);
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&walked) {
            Ok(m) => m,
            Err(_) => return Ok(NewFileState::Absent),
        };
        if meta.file_type().is_symlink() {
            return Err(format!(
                "{relative} exists as a symbolic link; not replaced"
            ));
        }
        if !last && !meta.is_dir() {
            return Err(format!(
                "{relative}: a part of the path exists and is not a folder"
            ));
        }
        if last {
            if !meta.is_file() {
                return Err(format!(
                    "{relative} exists and is not a regular file; not replaced"
                ));
            }
            let mut existing = Vec::new();
            std::fs::File::open(&walked)
                .and_then(|f| f.take(content.len() as u64 + 1).read_to_end(&mut existing))
                .map_err(|e| format!("{relative}: cannot read: {e}"))?;
            return if existing == content.as_bytes() {
                Ok(NewFileState::Identical)
            } else {
                Err(format!(
                    "{relative} exists with other content; not replaced"
                ))
            };
        }
    }
    Ok(NewFileState::Absent)
}

/// One file's writes: the fixed text of the file itself, and the files its
/// applied fixes create next to it.
pub struct WritePlan<'a> {
    pub root: &'a Path,
    pub display: &'a str,
    /// The file as found, its text when read and its fixed text; `None`
    /// when only new files are written.
    pub fixed: Option<(&'a Path, &'a str, &'a str)>,
    /// The folder new files are relative to.
    pub dir: &'a Path,
    /// (relative path, content, path shown to the user)
    pub new_files: Vec<(&'a str, &'a str, String)>,
}

/// What a plan wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub fixed: bool,
    pub created: Vec<String>,
}

/// Check every precondition, then write new files first and the fixed file
/// last; on a failure, remove what this plan created and leave the fixed
/// file as it was.
pub fn execute(plan: &WritePlan) -> Result<Written, FileError> {
    let err = |shown: &str, m: String| FileError::new(shown, None, m);
    let mut to_create = Vec::new();
    for (rel, content, shown) in &plan.new_files {
        match new_file_state(plan.dir, plan.root, rel, content) {
            Ok(NewFileState::Absent) => to_create.push((*rel, *content, shown.as_str())),
            Ok(NewFileState::Identical) => {}
            Err(reason) => return Err(err(plan.display, format!("not written: {reason}"))),
        }
    }
    let target = match plan.fixed {
        Some((path, original, _)) => {
            let target = resolve_target(path, plan.root, plan.display)?;
            writable_and_unchanged(&target, original, plan.display)?;
            Some(target)
        }
        None => None,
    };
    let base =
        resolve_within(plan.dir, plan.root).map_err(|r| err(plan.display, r.message().into()))?;
    let mut undo = Undo::default();
    let mut written = Written::default();
    for (rel, content, shown) in to_create {
        if let Err(e) = create_new(&base, rel, content, &mut undo) {
            undo.run();
            return Err(err(shown, e));
        }
        written.created.push(shown.to_string());
    }
    if let (Some(target), Some((_, original, fixed))) = (target, plan.fixed) {
        if let Err(e) = replace(&target, original, fixed) {
            undo.run();
            return Err(err(plan.display, e));
        }
        written.fixed = true;
    }
    Ok(written)
}

/// Files and folders a plan created, removed again when it fails.
#[derive(Default)]
struct Undo {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Undo {
    fn run(&mut self) {
        for f in self.files.drain(..).rev() {
            let _ = std::fs::remove_file(f);
        }
        for d in self.dirs.drain(..).rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn umask() -> u32 {
    // SAFETY: umask only swaps the process's mask; it is put back at once.
    unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old as u32
    }
}

fn create_new(base: &Path, rel: &str, content: &str, undo: &mut Undo) -> Result<(), String> {
    let target = base.join(rel);
    let dir = target.parent().ok_or("no parent folder")?;
    let mut missing = Vec::new();
    let mut d = dir;
    while std::fs::symlink_metadata(d).is_err() {
        missing.push(d.to_path_buf());
        d = d.parent().ok_or("no existing parent folder")?;
    }
    for m in missing.into_iter().rev() {
        std::fs::create_dir(&m).map_err(|e| format!("cannot create {}: {e}", m.display()))?;
        undo.dirs.push(m);
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".harden-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    tmp.write_all(content.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write: {e}"))?;
    std::fs::set_permissions(
        tmp.path(),
        std::fs::Permissions::from_mode(0o644 & !umask()),
    )
    .map_err(|e| format!("cannot set the file mode: {e}"))?;
    tmp.persist_noclobber(&target)
        .map_err(|e| format!("cannot create: {}", e.error))?;
    undo.files.push(target);
    Ok(())
}

/// Replace `target` with `fixed` by swapping a finished temporary file into
/// its place, then check that what was swapped out is still `original`; if
/// a writer got in first, swap back and refuse.
fn replace(target: &Path, original: &str, fixed: &str) -> Result<(), String> {
    let meta = std::fs::metadata(target).map_err(|e| format!("cannot read: {e}"))?;
    let dir = target.parent().ok_or("no parent folder")?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".harden-")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    tmp.write_all(fixed.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write: {e}"))?;
    let file = tmp.as_file();
    if file
        .metadata()
        .is_ok_and(|m| m.uid() != meta.uid() || m.gid() != meta.gid())
    {
        // Only root can give a file away; as anyone else the owner is already ours.
        std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()))
            .map_err(|e| format!("cannot keep the owner: {e}"))?;
    }
    file.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o777))
        .map_err(|e| format!("cannot keep the file mode: {e}"))?;
    let (tmp_file, tmp_path) = tmp
        .keep()
        .map_err(|e| format!("cannot keep the temporary file: {}", e.error))?;
    drop(tmp_file);
    let cleanup = |m: String| {
        let _ = std::fs::remove_file(&tmp_path);
        m
    };
    if !exchange(&tmp_path, target) {
        // No atomic exchange on this file system: compare, then rename.
        if std::fs::read(target).ok().as_deref() != Some(original.as_bytes()) {
            return Err(cleanup(
                "changed on disk since it was read; not written".into(),
            ));
        }
        std::fs::rename(&tmp_path, target)
            .map_err(|e| cleanup(format!("cannot replace the file: {e}")))?;
    } else {
        let swapped_out = std::fs::read(&tmp_path).unwrap_or_default();
        if swapped_out != original.as_bytes() {
            let _ = exchange(&tmp_path, target);
            return Err(cleanup(
                "changed on disk while it was written; not written".into(),
            ));
        }
        let _ = std::fs::remove_file(&tmp_path);
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Atomically swap two paths (`renameat2` with `RENAME_EXCHANGE`).
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them
    // as given (absolute here).
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    rc == 0
}

/// Replace the file at `target` (a real path) with `fixed`, provided it still
/// holds exactly `original`.
pub fn write_fixed(
    target: &Path,
    original: &str,
    fixed: &str,
    display: &str,
) -> Result<(), FileError> {
    writable_and_unchanged(target, original, display)?;
    replace(target, original, fixed).map_err(|m| FileError::new(display, None, m))
}

/// The precondition of every rewrite: the file is not read-only and still
/// holds exactly the text harden read.
fn writable_and_unchanged(target: &Path, original: &str, display: &str) -> Result<(), FileError> {
    let err = |m: String| FileError::new(display, None, m);
    let meta = std::fs::metadata(target).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.permissions().readonly() {
        return Err(err("the file is read-only; not written".into()));
    }
    if std::fs::read(target).ok().as_deref() != Some(original.as_bytes()) {
        return Err(err("changed on disk since it was read; not written".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn canonical_tempdir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        (dir, root)
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".harden-"))
            .collect()
    }

    #[test]
    fn keeps_mode_drops_setgid_and_refuses_changed_files() {
        let (_d, root) = canonical_tempdir();
        let p = root.join("f.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o2640)).unwrap();
        write_fixed(&p, "old", "new", "f.json").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        let e = write_fixed(&p, "old", "newer", "f.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.json: changed on disk since it was read; not written"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        // What is swapped out is compared too: a writer that got in after
        // the first compare is not overwritten.
        let e = replace(&p, "stale", "newest").unwrap_err();
        assert!(e.contains("changed on disk"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert!(leftovers(&root).is_empty());
    }

    #[test]
    fn keeps_the_owner_when_root_rewrites() {
        if unsafe { libc::geteuid() } != 0 {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI runs as root: this test must run"
            );
            eprintln!("skipped: owner preservation needs root to give a file away");
            return;
        }
        let (_d, root) = canonical_tempdir();
        let p = root.join("f.json");
        std::fs::write(&p, "old").unwrap();
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
        write_fixed(&p, "old", "new", "f.json").unwrap();
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!((m.uid(), m.gid()), (65534, 65534));
    }

    #[test]
    fn refuses_symlinks_out_of_the_root_and_links_inside_it() {
        let (_o, outside) = canonical_tempdir();
        let (_r, root) = canonical_tempdir();
        let target = outside.join("secret.json");
        std::fs::write(&target, "{}").unwrap();
        let link = root.join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = resolve_target(&link, &root, "link.json").unwrap_err();
        assert!(e.message.contains("outside the scanned root"), "{e}");
        let inside = root.join("real.json");
        std::fs::write(&inside, "{}").unwrap();
        let link2 = root.join("link2.json");
        std::os::unix::fs::symlink(&inside, &link2).unwrap();
        let e = resolve_target(&link2, &root, "x").unwrap_err();
        assert!(e.message.contains("symbolic link"), "{e}");
        assert_eq!(resolve_target(&inside, &root, "x").unwrap(), inside);
    }

    #[test]
    fn new_file_states() {
        let (_d, root) = canonical_tempdir();
        std::fs::write(root.join("same.json"), "{}").unwrap();
        std::fs::write(root.join("other.json"), "[]").unwrap();
        std::os::unix::fs::symlink(root.join("same.json"), root.join("link.json")).unwrap();
        std::os::unix::fs::symlink("/tmp", root.join("dirlink")).unwrap();
        let state = |rel: &str| new_file_state(&root, &root, rel, "{}");
        assert_eq!(state("none.json"), Ok(NewFileState::Absent));
        assert_eq!(state("sub/none.json"), Ok(NewFileState::Absent));
        assert_eq!(state("same.json"), Ok(NewFileState::Identical));
        assert!(state("other.json").unwrap_err().contains("other content"));
        assert!(state("link.json").unwrap_err().contains("symbolic link"));
        assert!(state("dirlink/x.json")
            .unwrap_err()
            .contains("symbolic link"));
        for bad in ["../x.json", "/etc/x", "", "a/../../x"] {
            assert!(state(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_plan_writes_new_files_first_and_nothing_when_one_is_in_the_way() {
        let (_d, root) = canonical_tempdir();
        let config = root.join("devcontainer.json");
        std::fs::write(&config, "{}").unwrap();
        std::fs::write(
            root.join("seccomp.json"),
            "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
        )
        .unwrap();
        let plan = |new: Vec<(&'static str, &'static str, String)>| WritePlan {
            root: &root,
            display: "devcontainer.json",
            fixed: Some((config.as_path(), "{}", "{\"x\": 1}")),
            dir: &root,
            new_files: new,
        };
        let e = execute(&plan(vec![
            ("feature/install.sh", "echo", "feature/install.sh".into()),
            ("seccomp.json", "{}", "seccomp.json".into()),
        ]))
        .unwrap_err();
        assert!(e.message.contains("exists with other content"), "{e}");
        assert_eq!(std::fs::read_to_string(&config).unwrap(), "{}");
        assert!(!root.join("feature").exists(), "nothing created");

        let written = execute(&plan(vec![(
            "feature/install.sh",
            "echo",
            "feature/install.sh".into(),
        )]))
        .unwrap();
        assert!(written.fixed);
        assert_eq!(written.created, ["feature/install.sh"]);
        let mode = std::fs::metadata(root.join("feature/install.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644 & !umask());
        assert!(leftovers(&root).is_empty());
    }

    #[test]
    fn a_failed_last_step_removes_what_the_plan_created() {
        let (_d, root) = canonical_tempdir();
        let config = root.join("devcontainer.json");
        std::fs::write(&config, "{}").unwrap();
        // The fixed file changes after the preconditions: simulated by a
        // plan whose original no longer matches at replace time.
        let plan = WritePlan {
            root: &root,
            display: "devcontainer.json",
            fixed: Some((config.as_path(), "{}", "{\"x\": 1}")),
            dir: &root,
            new_files: vec![("new/seccomp.json", "{}", "new/seccomp.json".into())],
        };
        let mut undo = Undo::default();
        create_new(&root, "new/seccomp.json", "{}", &mut undo).unwrap();
        assert!(root.join("new/seccomp.json").exists());
        undo.run();
        assert!(!root.join("new").exists(), "created folders go too");
        assert!(execute(&plan).is_ok());
    }
}
