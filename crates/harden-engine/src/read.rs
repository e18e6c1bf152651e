//! Reading a file as text, with the limits and errors users see.

use std::fmt;
use std::io::Read;
use std::path::Path;

use harden_core::{LineCol, LineIndex};

use crate::confine::{open_within, Refusal};

/// Files larger than this are refused before they are parsed.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A problem with one file, shown as `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub pos: Option<LineCol>,
    pub message: String,
}

impl FileError {
    pub fn new(path: &str, pos: Option<LineCol>, message: impl Into<String>) -> Self {
        FileError {
            path: path.to_string(),
            pos,
            message: message.into(),
        }
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = harden_core::printable(&self.path);
        let message = harden_core::printable(&self.message);
        match self.pos {
            Some(pos) => write!(f, "{path}:{pos}: {message}"),
            None => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for FileError {}

/// Read a file the user named (a profile, a config, a daemon.json) as
/// UTF-8 text within [`MAX_FILE_BYTES`]: a regular file, checked before it
/// is opened so that a FIFO or device cannot block or never end.
pub fn read_source(path: &Path, display_path: &str) -> Result<String, FileError> {
    use std::os::unix::fs::OpenOptionsExt;
    let err = |msg: String| FileError::new(display_path, None, msg);
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err(Refusal::NotRegular.message().into()));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| err(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err(Refusal::NotRegular.message().into()));
    }
    read_text(file, meta.len(), display_path)
}

/// Read a file of the scanned tree: confined to `root` (see
/// [`crate::confine`]), then as [`read_source`].
pub fn read_within(path: &Path, root: &Path, display_path: &str) -> Result<String, FileError> {
    let (file, len) =
        open_within(path, root).map_err(|r| FileError::new(display_path, None, r.message()))?;
    read_text(file, len, display_path)
}

/// Read an open regular file of `len` bytes (a hint: the file may change).
fn read_text(file: std::fs::File, len: u64, display_path: &str) -> Result<String, FileError> {
    let err = |pos, msg: String| FileError::new(display_path, pos, msg);
    // Room for all of it and the end of file: two reads, not a dozen.
    let mut bytes = Vec::with_capacity(len.min(MAX_FILE_BYTES) as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(None, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(err(
            None,
            format!(
                "file is larger than the {} MiB limit",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = std::str::from_utf8(&e.as_bytes()[..valid]).unwrap_or("");
        let pos = LineIndex::new(prefix).line_col(prefix, valid);
        err(Some(pos), "invalid UTF-8".into())
    })?;
    if let Some(i) = text.find('\0') {
        let pos = LineIndex::new(&text).line_col(&text, i);
        return Err(err(Some(pos), "NUL byte in a text file".into()));
    }
    Ok(text)
}
