//! The engine's one error type: a code the front ends branch on, and words for people.

pub use folio_model::ErrorCode;
use serde::Serialize;

#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct EngineError {
    pub code: ErrorCode,
    pub message: String,
}

impl EngineError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        EngineError { code, message: message.into() }
    }
    pub fn config(message: impl Into<String>) -> Self {
        EngineError::new(ErrorCode::Config, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        EngineError::new(ErrorCode::Io, message)
    }
}

impl From<folio_store::StoreError> for EngineError {
    fn from(e: folio_store::StoreError) -> Self {
        match e {
            folio_store::StoreError::Conflict(m) => EngineError::config(m),
            other => EngineError::new(ErrorCode::Store, other.to_string()),
        }
    }
}

impl From<folio_sites::SiteError> for EngineError {
    fn from(e: folio_sites::SiteError) -> Self {
        EngineError::new(ErrorCode::Site, e.message)
    }
}

impl From<folio_sources::SourceError> for EngineError {
    fn from(e: folio_sources::SourceError) -> Self {
        let code = match e.kind {
            folio_sources::SourceErrorKind::Gone => ErrorCode::Config,
            _ => ErrorCode::Io,
        };
        EngineError::new(code, e.message)
    }
}
