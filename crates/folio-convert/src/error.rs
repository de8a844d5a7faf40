//! One error type for every way a photo can fail to convert. Each names the file, so a batch of
//! hundreds can report "which photo, and why" without the caller adding context.

use std::path::{Path, PathBuf};

/// What went wrong, as a small stable set that front ends branch on (never on the message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A format Folio does not read (HEIC, RAW, a text file named `.jpg`, …).
    Unsupported,
    /// The file claims to be an image but its data is damaged or truncated.
    Corrupt,
    /// The image is larger than the pixel limit; refused before any pixels were allocated.
    TooLarge,
    /// Reading the source or writing the output failed.
    Io,
    /// An encoder failed on valid pixels; a bug in Folio or a codec, not in the photo.
    Encode,
    /// The decoder process stopped on this file (a crash in a codec); Folio itself went on.
    Crashed,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Io => "io",
            ErrorKind::Encode => "encode",
            ErrorKind::Crashed => "crashed",
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ConvertError {
    pub path: PathBuf,
    pub kind: ErrorKind,
    pub message: String,
}

impl ConvertError {
    pub fn new(path: &Path, kind: ErrorKind, message: impl Into<String>) -> Self {
        ConvertError { path: path.to_path_buf(), kind, message: message.into() }
    }
}

/// An error before the file name is attached; pipeline stages return this and
/// [`Failure::at`] names the file once, at the public boundary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into() }
    }
    pub fn corrupt(message: impl Into<String>) -> Self {
        Failure::new(ErrorKind::Corrupt, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Failure::new(ErrorKind::Unsupported, message)
    }
    pub fn encode(message: impl Into<String>) -> Self {
        Failure::new(ErrorKind::Encode, message)
    }
    pub fn at(self, path: &Path) -> ConvertError {
        ConvertError::new(path, self.kind, self.message)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::new(ErrorKind::Io, e.to_string())
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;
