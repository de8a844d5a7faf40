//! Tokens the source tests sign in with.
#![allow(dead_code)]

use folio_sources::account::AccessToken;
use folio_sources::{SourceError, SourceErrorKind};

/// A token the fake accepts for the whole run: refreshing gives it again.
pub struct Fixed(pub &'static str);

#[async_trait::async_trait]
impl AccessToken for Fixed {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.0.into())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        Ok(self.0.into())
    }
}

/// A pasted token (Figma's personal access token): never renewed, so a refusal means
/// reconnecting.
pub struct Pasted(pub &'static str);

#[async_trait::async_trait]
impl AccessToken for Pasted {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.0.into())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        Err(SourceError::new(SourceErrorKind::Reconnect, "a pasted token is not renewed"))
    }
}
