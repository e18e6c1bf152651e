//! Reading a file as text, with the limits and errors users see.

use std::fmt;
use std::io::Read;
use std::path::Path;

use harden_core::{LineCol, LineIndex};

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
        match self.pos {
            Some(pos) => write!(f, "{}:{}: {}", self.path, pos, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for FileError {}

/// Read a regular file as UTF-8 text within [`MAX_FILE_BYTES`].
pub fn read_source(path: &Path, display_path: &str) -> Result<String, FileError> {
    let err = |pos, msg: String| FileError::new(display_path, pos, msg);
    let file = std::fs::File::open(path).map_err(|e| err(None, format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| err(None, format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(err(None, "not a regular file".into()));
    }
    let mut bytes = Vec::new();
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
