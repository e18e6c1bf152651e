//! One confinement rule for every path harden opens: it must resolve,
//! symlinks included, under the scanned root, and it must be a regular
//! file. The root is found from canonical paths, never from the spelling of
//! an argument, so a committed symlink cannot move it.

use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use crate::memo::Memo;
use crate::FileError;

/// Why a path may not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It names, or resolves to, a place outside the root. Whether the
    /// place exists is not told.
    Outside,
    /// Inside the root, but there is nothing there.
    Missing,
    /// Inside the root, but not a regular file (a FIFO, device, socket or directory).
    NotRegular,
}

impl Refusal {
    pub fn message(&self) -> &'static str {
        match self {
            Refusal::Outside => "points outside the repository; not read",
            Refusal::Missing => "does not exist",
            Refusal::NotRegular => "not a regular file; not read",
        }
    }
}

/// `a/b/../c` as `a/c`, without touching the file system. A `..` that would
/// climb above the start of a relative path is kept.
pub fn lexical_clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            Component::ParentDir if out.has_root() => {}
            other => out.push(other),
        }
    }
    out
}

/// The working directory, asked once: harden never changes it.
fn cwd() -> &'static Path {
    static CWD: OnceLock<PathBuf> = OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().unwrap_or_default())
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        lexical_clean(path)
    } else {
        lexical_clean(&cwd().join(path))
    }
}

/// Directories found canonical (no symlink on the way) in this run: a path
/// in one of them resolves with one `lstat` of its last component instead
/// of a `readlink` per component.
static CANONICAL_DIRS: Memo<PathBuf, ()> = Memo::new(4096);

fn known_canonical(dir: &Path) -> bool {
    CANONICAL_DIRS.get(dir).is_some()
}

fn remember_canonical(dir: &Path) {
    CANONICAL_DIRS.insert(dir.to_path_buf(), ());
}

/// Whether no directory of `abs` below `root` is a symlink, looked at with
/// one `lstat` for each directory not seen before; `abs` itself is the
/// caller's to look at.
fn spelled_canonical(abs: &Path, root: &Path) -> bool {
    if !abs.starts_with(root) {
        return false;
    }
    let mut unseen: Vec<&Path> = Vec::new();
    for dir in abs.ancestors().skip(1) {
        if dir == root || known_canonical(dir) {
            break;
        }
        unseen.push(dir);
    }
    for dir in unseen.into_iter().rev() {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => remember_canonical(dir),
            _ => return false,
        }
    }
    true
}

/// Whether `path` is a regular file, not a symlink, under `root`: what
/// discovery processes, and never a FIFO or device that would block.
pub fn is_plain_file(path: &Path, root: &Path) -> bool {
    let abs = absolute(path);
    let Ok(meta) = std::fs::symlink_metadata(&abs) else {
        return false;
    };
    meta.is_file() && (spelled_canonical(&abs, root) || resolve_within(&abs, root).is_ok())
}

/// The canonical path of `path` if it lies under the canonical `root`,
/// checked first by spelling (so nothing outside is even looked at) and
/// then with symlinks resolved.
pub fn resolve_within(path: &Path, root: &Path) -> Result<PathBuf, Refusal> {
    let abs = absolute(path);
    if !abs.starts_with(root) {
        // The spelling may still reach the root through a symlink above
        // it (a relative path from a linked working directory); judge the
        // resolved parent then, never the target itself.
        let parent_ok = abs
            .parent()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .is_some_and(|p| p.starts_with(root));
        if !parent_ok {
            return Err(Refusal::Outside);
        }
    }
    // Nothing there (the usual answer for a compose file name looked
    // for): one stat instead of a readlink per path component.
    let Ok(meta) = std::fs::symlink_metadata(&abs) else {
        return Err(Refusal::Missing);
    };
    if !meta.file_type().is_symlink() && spelled_canonical(&abs, root) {
        return Ok(abs);
    }
    match std::fs::canonicalize(&abs) {
        Ok(real) if real.starts_with(root) => {
            if let Some(dir) = real.parent() {
                remember_canonical(dir);
            }
            Ok(real)
        }
        Ok(_) => Err(Refusal::Outside),
        Err(_) => {
            // A dangling link inside the root is as good as outside: where
            // it points is not told.
            if std::fs::symlink_metadata(&abs).is_ok() {
                Err(Refusal::Outside)
            } else {
                Err(Refusal::Missing)
            }
        }
    }
}

/// Open `path` for reading, confined to `root`: a regular file, checked
/// before it is opened (no FIFO can block the run) and again on the open
/// handle.
/// Returns the file with the size it had when opened.
pub fn open_within(path: &Path, root: &Path) -> Result<(std::fs::File, u64), Refusal> {
    use std::os::unix::fs::OpenOptionsExt;
    let abs = absolute(path);
    let meta = std::fs::symlink_metadata(&abs).map_err(|_| Refusal::Missing)?;
    let (real, meta) = if !meta.file_type().is_symlink() && spelled_canonical(&abs, root) {
        (abs, meta)
    } else {
        let real = resolve_within(&abs, root)?;
        let meta = std::fs::symlink_metadata(&real).map_err(|_| Refusal::Missing)?;
        (real, meta)
    };
    if !meta.is_file() {
        return Err(Refusal::NotRegular);
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc_flags())
        .open(&real)
        .map_err(|_| Refusal::NotRegular)?;
    match file.metadata() {
        Ok(m) if m.is_file() => Ok((file, m.len())),
        _ => Err(Refusal::NotRegular),
    }
}

/// O_NOFOLLOW | O_NONBLOCK | O_NOCTTY: a file swapped for a link or a FIFO
/// between the check and the open neither follows nor blocks.
fn libc_flags() -> i32 {
    libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY
}

/// The first component of `path` below `root` that is a symlink.
pub(crate) fn link_below(path: &Path, root: &Path) -> Option<PathBuf> {
    let abs = absolute(path);
    let plain = std::fs::symlink_metadata(&abs).is_ok_and(|m| !m.file_type().is_symlink());
    if plain && spelled_canonical(&abs, root) {
        return None;
    }
    let rel = abs.strip_prefix(root).ok()?;
    let mut walked = root.to_path_buf();
    for c in rel.components() {
        walked.push(c);
        match std::fs::symlink_metadata(&walked) {
            Ok(m) if m.file_type().is_symlink() => {
                return Some(walked.strip_prefix(root).unwrap_or(&walked).to_path_buf())
            }
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// The scanned root for a path argument: the repository it is in (the
/// nearest directory at or above it holding `.git`), else the current
/// directory when the argument lies under it, else the argument's own
/// directory. No component between the root and the argument may be a
/// symlink: a committed link would otherwise carry the scan, and the
/// writes, to wherever it points.
pub fn root_for(arg: &Path, display: &str) -> Result<PathBuf, FileError> {
    let err = |m: String| FileError::new(display, None, m);
    let abs = absolute(arg);
    let cwd = lexical_clean(cwd());
    let meta = std::fs::symlink_metadata(&abs).map_err(|e| err(format!("cannot read: {e}")))?;
    let arg_dir = if meta.is_dir() {
        abs.clone()
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let lexical_root = match git_top(&arg_dir) {
        Some(top) => top,
        None if abs.starts_with(&cwd) => cwd,
        None => arg_dir,
    };
    // Components below the root, the argument's last one included.
    if let Some(link) = link_below(&abs, &lexical_root) {
        return Err(err(format!(
            "goes through the symbolic link {}; not read (name the real path)",
            link.display()
        )));
    }
    canonical_root(&lexical_root).map_err(|e| err(format!("cannot resolve the root: {e}")))
}

/// The nearest directory at or above `dir` that holds `.git`, each
/// directory looked at once in a run (a file list names many in one tree).
fn git_top(dir: &Path) -> Option<PathBuf> {
    static TOPS: Memo<PathBuf, Option<PathBuf>> = Memo::new(4096);
    if let Some(known) = TOPS.get(dir) {
        return known;
    }
    let top = if std::fs::symlink_metadata(dir.join(".git")).is_ok() {
        Some(dir.to_path_buf())
    } else {
        dir.parent().and_then(git_top)
    };
    TOPS.insert(dir.to_path_buf(), top.clone());
    top
}

fn canonical_root(lexical: &Path) -> std::io::Result<PathBuf> {
    static ROOTS: Memo<PathBuf, PathBuf> = Memo::new(4096);
    if let Some(known) = ROOTS.get(lexical) {
        return Ok(known);
    }
    let real = std::fs::canonicalize(lexical)?;
    ROOTS.insert(lexical.to_path_buf(), real.clone());
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_clean_keeps_leading_parents() {
        assert_eq!(lexical_clean(Path::new("a/b/../c")), PathBuf::from("a/c"));
        assert_eq!(lexical_clean(Path::new("../x")), PathBuf::from("../x"));
        assert_eq!(lexical_clean(Path::new("/../etc")), PathBuf::from("/etc"));
    }

    #[test]
    fn outside_paths_are_refused_alike_whether_they_exist_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("repo")).unwrap();
        let repo = root.join("repo");
        std::fs::write(root.join("secret"), "s").unwrap();
        std::fs::write(repo.join("in.txt"), "i").unwrap();
        std::os::unix::fs::symlink(root.join("secret"), repo.join("link")).unwrap();
        std::os::unix::fs::symlink(root.join("nothing"), repo.join("dangling")).unwrap();
        for p in [
            root.join("secret"),
            root.join("nothing"),
            repo.join("../secret"),
            repo.join("../nothing"),
            repo.join("link"),
            repo.join("dangling"),
            PathBuf::from("/etc/passwd"),
        ] {
            assert_eq!(resolve_within(&p, &repo), Err(Refusal::Outside), "{p:?}");
        }
        assert_eq!(
            resolve_within(&repo.join("none"), &repo),
            Err(Refusal::Missing)
        );
        assert_eq!(
            resolve_within(&repo.join("in.txt"), &repo),
            Ok(repo.join("in.txt"))
        );
    }

    #[test]
    fn directories_seen_canonical_do_not_let_a_link_below_them_through() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let repo = base.join("repo");
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        std::fs::create_dir_all(base.join("outside")).unwrap();
        std::fs::write(base.join("outside/secret"), "x").unwrap();
        std::fs::write(repo.join("a/b/in.txt"), "x").unwrap();
        std::os::unix::fs::symlink("../../../outside", repo.join("a/b/link")).unwrap();
        // `a` and `a/b` are remembered as canonical here.
        assert_eq!(
            resolve_within(&repo.join("a/b/in.txt"), &repo),
            Ok(repo.join("a/b/in.txt"))
        );
        let through = repo.join("a/b/link/secret");
        assert_eq!(resolve_within(&through, &repo), Err(Refusal::Outside));
        assert_eq!(open_within(&through, &repo).unwrap_err(), Refusal::Outside);
        assert!(!is_plain_file(&through, &repo));
        assert_eq!(link_below(&through, &repo), Some(PathBuf::from("a/b/link")));
        assert_eq!(link_below(&repo.join("a/b/in.txt"), &repo), None);
    }

    #[test]
    fn fifos_are_refused_before_they_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let fifo = root.join("Dockerfile");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        assert_eq!(open_within(&fifo, &root).unwrap_err(), Refusal::NotRegular);
        assert_eq!(open_within(&root, &root).unwrap_err(), Refusal::NotRegular);
    }

    #[test]
    fn a_symlinked_argument_does_not_move_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let victim = base.join("victim/.devcontainer");
        std::fs::create_dir_all(&victim).unwrap();
        std::fs::write(victim.join("devcontainer.json"), "{}").unwrap();
        let t1 = base.join("t1");
        std::fs::create_dir_all(t1.join(".git")).unwrap();
        std::fs::create_dir_all(t1.join("sub")).unwrap();
        std::os::unix::fs::symlink("../victim/.devcontainer", t1.join(".devcontainer")).unwrap();
        std::os::unix::fs::symlink("../../victim/.devcontainer", t1.join("sub/.devcontainer"))
            .unwrap();
        for arg in [
            t1.join(".devcontainer/"),
            t1.join(".devcontainer"),
            t1.join("sub/.devcontainer/devcontainer.json"),
            t1.join("sub/.devcontainer/"),
        ] {
            let e = root_for(&arg, "x").unwrap_err();
            assert!(e.message.contains("symbolic link"), "{arg:?}: {e}");
        }
        assert_eq!(root_for(&t1.join("sub/"), "x").unwrap(), t1);
        assert_eq!(root_for(&t1, "x").unwrap(), t1);
    }
}
