//! A source behind a browser sign-in (OAuth 2 with PKCE): besides reading albums, its
//! connector says whose app signs in and where the browser comes back, who signed in, what an
//! account holds (for pickers), whether a location can be an album, and how access is revoked.
//! The engine runs the sign-in, keeps the tokens (keychain) and hands each call a token source;
//! nothing outside the connector's folder names the service.

use crate::{Source, SourceError};
use folio_model::Config;
use std::path::PathBuf;
use std::sync::Arc;

/// Where an account's access token comes from; `refreshed` is called once after the service
/// says it expired.
#[async_trait::async_trait]
pub trait AccessToken: Send + Sync {
    async fn current(&self) -> Result<String, SourceError>;
    async fn refreshed(&self) -> Result<String, SourceError>;
}

/// Who is signed in, as the service says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub email: Option<String>,
}

/// One entry of an account's tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// As the service shows it; an album's location is `ACCOUNT:PATH`.
    pub path: String,
    pub name: String,
    pub folder: bool,
    /// The photos or pages in it, where the listing says (a Canva design's pages).
    pub count: Option<u32>,
    /// Whether [`OauthSource::preview`] has a picture of it (a Canva design's thumbnail, a
    /// Lightroom album's cover).
    pub preview: bool,
}

/// What a picker shows of one entry besides its name: a small picture (JPEG or PNG) and how
/// many photos it holds, where the service says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub image: Option<Vec<u8>>,
    pub count: Option<u32>,
}

/// The largest picture a preview reads; a service's thumbnail is far smaller.
pub const MAX_PREVIEW_BYTES: u64 = 4 << 20;

/// The browser sign-in of a connector: its OAuth app, from the account's fields.
#[derive(Debug, Clone)]
pub struct OauthApp {
    pub provider: folio_auth::Provider,
    /// Ports on 127.0.0.1 the browser may come back to, each registered with the service as
    /// `http://127.0.0.1:PORT{path}` (services that match redirect URIs exactly need them).
    pub ports: Vec<u16>,
    pub path: String,
    /// More parameters for the sign-in page.
    pub params: Vec<(String, String)>,
}

/// An account of a source that signs in through the browser.
#[async_trait::async_trait]
pub trait OauthSource: Send + Sync {
    /// Whose app signs in, and where; a sentence naming what to register when the account's
    /// fields name no app.
    fn app(&self, config: &Config) -> Result<OauthApp, String>;

    /// How long a pasted token lasts at most (Figma's: 90 days), so the account asks for a
    /// new one before it stops working; `None`: until revoked.
    fn token_lasts(&self) -> Option<std::time::Duration> {
        None
    }

    /// Whether the account signs in with a pasted token kept as it is (Figma's personal access
    /// tokens): no app, no refresh; a refused token asks for a new one.
    fn pasted(&self) -> bool {
        false
    }

    /// The page of a browser sign-in that ends in a lasting key rather than OAuth tokens
    /// (OpenRouter's PKCE: no client id, the code traded by [`Self::exchange_key`]); `None`
    /// for the usual OAuth app of [`Self::app`].
    fn key_page(&self, config: &Config) -> Option<String> {
        let _ = config;
        None
    }

    /// Trades the code the key page sent back (with the PKCE verifier) for the key.
    async fn exchange_key(
        &self,
        config: &Config,
        code: &str,
        verifier: &str,
    ) -> Result<String, SourceError> {
        let _ = (config, code, verifier);
        Err(SourceError::new(crate::SourceErrorKind::Reconnect, "this service gives no keys"))
    }

    /// Whether the albums' items are made by Folio itself and kept in its data folder
    /// (generated images) rather than read from the service: the engine opens such an album
    /// as a folder there, and [`Self::open`] is not called.
    fn makes_items(&self) -> bool {
        false
    }

    /// How long a sign-in lasts when the service ends it on a clock, in the person's words
    /// (Adobe's: 14 days), said when a refresh is refused; `None` when it lasts until revoked.
    fn sign_in_lasts(&self) -> Option<String> {
        None
    }

    async fn who(&self, config: &Config, token: Arc<dyn AccessToken>) -> Result<Who, SourceError>;

    /// Revokes Folio's access where the service can.
    async fn revoke(&self, config: &Config, token: Arc<dyn AccessToken>)
        -> Result<(), SourceError>;

    /// What is directly in `path` ("" for the top): folders first, then photos, by name.
    async fn browse(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
    ) -> Result<Vec<Entry>, SourceError>;

    /// Whether `location` (`ACCOUNT:PATH`) can be an album; the path it reads.
    async fn check(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Result<String, SourceError>;

    /// The album's name as the service shows it, where its path ends in an id (a Lightroom
    /// album, a Canva design) rather than a name; `None`: the path's last part.
    async fn title(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
    ) -> Option<String> {
        let _ = (config, token, location);
        None
    }

    /// A picture of the entry at `path` and its count, for entries listed with `preview`;
    /// nothing for the others. `spool` holds the download while it is read.
    async fn preview(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        path: &str,
        spool: &std::path::Path,
    ) -> Result<Preview, SourceError> {
        let _ = (config, token, path, spool);
        Ok(Preview::default())
    }

    /// The source of an album at `location`, downloading into `spool`.
    fn open(
        &self,
        config: &Config,
        token: Arc<dyn AccessToken>,
        location: &str,
        spool: PathBuf,
    ) -> Result<Arc<dyn Source>, SourceError>;
}

/// A preview's picture, downloaded by `download` (which says whether there was one) into a
/// file of `spool` that is gone once read.
pub async fn read_preview<F, Fut>(
    spool: &std::path::Path,
    download: F,
) -> Result<Option<Vec<u8>>, SourceError>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: std::future::Future<Output = Result<bool, SourceError>>,
{
    let local = |e: std::io::Error| {
        SourceError::new(crate::SourceErrorKind::Unavailable, format!("{}: {e}", spool.display()))
    };
    tokio::fs::create_dir_all(spool).await.map_err(local)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dest = spool.join(format!("preview-{}-{nanos}", std::process::id()));
    // A copy that is deleted when dropped, whatever happens below.
    let copy = crate::LocalCopy::Downloaded(dest.clone());
    if !download(dest).await? {
        return Ok(None);
    }
    tokio::fs::read(copy.path()).await.map(Some).map_err(local)
}
