//! An OpenRouter account as the engine sees it: a lasting key, from OpenRouter's PKCE page or
//! pasted, kept in the keychain as it is (no refresh); who it is (the key's label); and its
//! albums, which are not at OpenRouter at all: a generated album is made in Folio, named by
//! the person, and its images are kept in Folio's data folder.

use super::api::{exchange_key, AiError, AiErrorKind, OpenRouterApi};
use super::connector;
use crate::account::{AccessToken, Entry, OauthApp, OauthSource, Who};
use crate::{Source, SourceError, SourceErrorKind as Kind};
use folio_model::Config;
use std::path::PathBuf;
use std::sync::Arc;

pub struct OpenRouterAccounts;

pub fn api(config: &Config, key: Arc<dyn AccessToken>) -> OpenRouterApi {
    OpenRouterApi::new(&connector::api_url(config), key)
}

/// An AI call's failure as a source's: a refused key asks to reconnect.
pub fn source_error(e: AiError) -> SourceError {
    let kind = match e.kind {
        AiErrorKind::SignIn => Kind::Reconnect,
        _ => Kind::Unavailable,
    };
    SourceError::new(kind, e.message)
}

/// A generated album's name as its location keeps it, or why it cannot be one.
pub fn album_name(location: &str) -> Result<String, SourceError> {
    let name = location.trim().trim_matches('/').trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(SourceError::new(
            Kind::Gone,
            format!(
                "'{location}' cannot name a generated album: give a name without slashes \
                 (folio album add ACCOUNT:NAME)"
            ),
        ));
    }
    Ok(name.to_string())
}

#[async_trait::async_trait]
impl OauthSource for OpenRouterAccounts {
    fn app(&self, _config: &Config) -> Result<OauthApp, String> {
        Err("OpenRouter's sign-in gives a key, not OAuth tokens".into())
    }

    fn key_page(&self, config: &Config) -> Option<String> {
        Some(connector::auth_url(config))
    }

    async fn exchange_key(
        &self,
        config: &Config,
        code: &str,
        verifier: &str,
    ) -> Result<String, SourceError> {
        exchange_key(&connector::api_url(config), code, verifier).await.map_err(|e| {
            let message = format!("OpenRouter did not give a key: {}", e.message);
            SourceError::new(Kind::Reconnect, message)
        })
    }

    /// A key lasts until it is deleted: it is kept as it is, like a pasted one.
    fn pasted(&self) -> bool {
        true
    }

    fn makes_items(&self) -> bool {
        true
    }

    async fn who(&self, config: &Config, key: Arc<dyn AccessToken>) -> Result<Who, SourceError> {
        let info = api(config, key).key_info().await.map_err(source_error)?;
        let name = Some(info.label).filter(|l| !l.trim().is_empty());
        Ok(Who { name: name.unwrap_or_else(|| "OpenRouter key".into()), email: None })
    }

    /// OpenRouter deletes keys only with a management key, which Folio never holds.
    async fn revoke(
        &self,
        _config: &Config,
        _key: Arc<dyn AccessToken>,
    ) -> Result<(), SourceError> {
        Err(SourceError::new(
            Kind::Unavailable,
            "OpenRouter keys are deleted at openrouter.ai under Settings → Keys",
        ))
    }

    async fn browse(
        &self,
        _config: &Config,
        _key: Arc<dyn AccessToken>,
        _path: &str,
    ) -> Result<Vec<Entry>, SourceError> {
        Err(SourceError::new(
            Kind::Gone,
            "generated albums are made in Folio: type a name for a new album",
        ))
    }

    /// Any name without slashes (`location` is `ACCOUNT:NAME`); nothing is asked of
    /// OpenRouter.
    async fn check(
        &self,
        _config: &Config,
        _key: Arc<dyn AccessToken>,
        location: &str,
    ) -> Result<String, SourceError> {
        album_name(location.split_once(':').map_or(location, |(_, name)| name))
    }

    fn open(
        &self,
        _config: &Config,
        _key: Arc<dyn AccessToken>,
        _location: &str,
        _spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError> {
        Err(SourceError::new(Kind::Gone, "generated albums are read from Folio's data folder"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_album_name_is_kept_without_slashes_or_surrounding_space() {
        assert_eq!(album_name(" Banners ").unwrap(), "Banners");
        assert!(album_name("a/b").is_err());
        assert!(album_name("  ").is_err());
    }
}
