//! Writing fixed files so that nothing is lost: a temp file in the same
//! directory renamed over the target, the file mode kept, nothing written
//! outside the scanned root, and nothing written over a file that changed
//! since it was read.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::FileError;

/// Where a fixed file may be written: the real path, checked to lie under `root`.
pub fn resolve_target(path: &Path, root: &Path, display: &str) -> Result<PathBuf, FileError> {
    let err = |m: String| FileError::new(display, None, m);
    let real = std::fs::canonicalize(path).map_err(|e| err(format!("cannot resolve: {e}")))?;
    let root =
        std::fs::canonicalize(root).map_err(|e| err(format!("cannot resolve the root: {e}")))?;
    if !real.starts_with(&root) {
        return Err(err(format!(
            "resolves to {} outside the scanned root {}; not written",
            real.display(),
            root.display()
        )));
    }
    Ok(real)
}

/// Replace the file at `target` (a real path) with `fixed`, provided it still
/// holds exactly `original`.
pub fn write_fixed(
    target: &Path,
    original: &str,
    fixed: &str,
    display: &str,
) -> Result<(), FileError> {
    let err = |m: String| FileError::new(display, None, m);
    let meta = std::fs::metadata(target).map_err(|e| err(format!("cannot read: {e}")))?;
    if meta.permissions().readonly() {
        return Err(err("the file is read-only; not written".into()));
    }
    let dir = target
        .parent()
        .ok_or_else(|| err("no parent directory".into()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".harden-")
        .tempfile_in(dir)
        .map_err(|e| err(format!("cannot create a temporary file: {e}")))?;
    tmp.write_all(fixed.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| err(format!("cannot write: {e}")))?;
    std::fs::set_permissions(tmp.path(), meta.permissions())
        .map_err(|e| err(format!("cannot keep the file mode: {e}")))?;
    let now = std::fs::read(target).map_err(|e| err(format!("cannot read: {e}")))?;
    if now != original.as_bytes() {
        return Err(err("changed on disk since it was read; not written".into()));
    }
    tmp.persist(target)
        .map_err(|e| err(format!("cannot replace the file: {}", e.error)))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The real path of `dir`, creating the directories missing below its
/// nearest existing ancestor, which must lie under `root`.
fn existing_dir_within(dir: &Path, root: &Path, display: &str) -> Result<PathBuf, FileError> {
    let mut missing: Vec<&std::ffi::OsStr> = Vec::new();
    let mut base = dir;
    while !base.exists() {
        let name = base.file_name().ok_or_else(|| {
            FileError::new(display, None, "no existing parent directory".to_string())
        })?;
        missing.push(name);
        base = base.parent().unwrap_or(Path::new(""));
    }
    let mut real = resolve_target(base, root, display)?;
    for name in missing.into_iter().rev() {
        real.push(name);
        std::fs::create_dir(&real).map_err(|e| {
            FileError::new(
                display,
                None,
                format!("cannot create {}: {e}", real.display()),
            )
        })?;
    }
    Ok(real)
}

/// Create a file a fix adds. An existing file with other content is never replaced.
pub fn write_new(
    target: &Path,
    root: &Path,
    content: &str,
    display: &str,
) -> Result<bool, FileError> {
    let err = |m: String| FileError::new(display, None, m);
    if let Ok(existing) = std::fs::read_to_string(target) {
        return if existing == content {
            Ok(false)
        } else {
            Err(err("exists with other content; not replaced".into()))
        };
    }
    let dir = target
        .parent()
        .ok_or_else(|| err("no parent directory".into()))?;
    let real_dir = existing_dir_within(dir, root, display)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".harden-")
        .tempfile_in(&real_dir)
        .map_err(|e| err(format!("cannot create a temporary file: {e}")))?;
    tmp.write_all(content.as_bytes())
        .map_err(|e| err(format!("cannot write: {e}")))?;
    let final_path = real_dir.join(
        target
            .file_name()
            .ok_or_else(|| err("no file name".into()))?,
    );
    tmp.persist_noclobber(&final_path)
        .map_err(|e| err(format!("cannot create: {}", e.error)))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keeps_mode_and_refuses_changed_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_fixed(&p, "old", "new", "f.json").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let e = write_fixed(&p, "old", "newer", "f.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.json: changed on disk since it was read; not written"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".harden-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn refuses_symlinks_out_of_the_root() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let target = outside.path().join("secret.json");
        std::fs::write(&target, "{}").unwrap();
        let link = root.path().join("link.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = resolve_target(&link, root.path(), "link.json").unwrap_err();
        assert!(e.message.contains("outside the scanned root"), "{e}");
        let inside = root.path().join("real.json");
        std::fs::write(&inside, "{}").unwrap();
        let link2 = root.path().join("link2.json");
        std::os::unix::fs::symlink(&inside, &link2).unwrap();
        assert_eq!(
            resolve_target(&link2, root.path(), "x").unwrap(),
            std::fs::canonicalize(&inside).unwrap()
        );
    }

    #[test]
    fn new_files_never_replace_other_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("seccomp.json");
        assert!(write_new(&p, dir.path(), "{}", "seccomp.json").unwrap());
        assert!(!write_new(&p, dir.path(), "{}", "seccomp.json").unwrap());
        assert!(write_new(&p, dir.path(), "[]", "seccomp.json").is_err());
    }

    #[test]
    fn new_files_create_their_directories_only_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("feature/sub/install.sh");
        assert!(write_new(&p, dir.path(), "x", "install.sh").unwrap());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "x");
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
        let e = write_new(&dir.path().join("out/new/f"), dir.path(), "x", "f").unwrap_err();
        assert!(e.to_string().contains("outside the scanned root"), "{e}");
        assert!(!outside.path().join("new").exists());
    }
}
