//! Dropbox as an album source: sign-in through the user's browser (OAuth 2 with PKCE, no client
//! secret, a one-shot listener on 127.0.0.1), the refresh token in the OS keychain only, access
//! tokens in memory and refreshed before they expire, log out that revokes, and `dropbox:`
//! albums.

use crate::secrets::Secrets;
use crate::{Engine, EngineError, ErrorCode};
use folio_auth::{AuthError, Loopback, Provider, SignIn};
use folio_model::Config;
use folio_sources::dropbox::wire::Entry;
use folio_sources::dropbox::{connector, AccessToken, DropboxApi};
use folio_sources::{DropboxSource, SourceError, SourceErrorKind as Kind, Sources};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Dropbox matches redirect URIs exactly, so the sign-in listens on one of these, each
/// registered as `http://127.0.0.1:<port>/dropbox`.
pub const REDIRECT_PORTS: [u16; 3] = [53_682, 53_683, 53_684];
pub const REDIRECT_PATH: &str = "/dropbox";
/// How long the browser has to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

const REFRESH_TOKEN: &str = "dropbox-refresh-token";
const ACCOUNT_SETTING: &str = "dropbox_account";

/// The Dropbox connector's settings: its fields' values from the environment, else their
/// defaults (the app key built in, Dropbox's own hosts).
fn settings() -> Config {
    connector::connector()
        .config(&Default::default())
        .expect("the Dropbox connector's fields are optional")
}

/// Whose app signs in, and where. A build without an app key says so instead of sending the
/// user to a sign-in page that can only fail.
fn provider(config: &Config) -> Result<Provider, String> {
    let client_id = config.get("client_id").filter(|id| !id.is_empty()).ok_or(
        "this Folio has no Dropbox app key: register a Dropbox app (see the README's Dropbox \
         section) and give its key as the Dropbox connector's client_id (FOLIO_DROPBOX_APP_KEY)",
    )?;
    Ok(Provider {
        client_id: client_id.to_string(),
        authorize_url: config.value("auth_url").to_string(),
        token_url: connector::token_url(config),
    })
}

fn api(token: Arc<dyn AccessToken>) -> DropboxApi {
    DropboxApi::new(connector::endpoints(&settings()), token)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a TLS backend is compiled in")
}

/// The access token for every Dropbox album, refreshed from the keychain's refresh token.
pub struct DropboxTokens {
    secrets: Secrets,
    cached: tokio::sync::Mutex<Option<(String, Instant)>>,
}

impl DropboxTokens {
    pub fn new(secrets: Secrets) -> Self {
        DropboxTokens { secrets, cached: Default::default() }
    }

    async fn refresh(&self, cached: &mut Option<(String, Instant)>) -> Result<String, SourceError> {
        let signed_out = || {
            SourceError::new(
                Kind::Reconnect,
                "Folio is not signed in to Dropbox; run 'folio dropbox login' or Connect Dropbox in the app",
            )
        };
        let refresh = self.secrets.get(REFRESH_TOKEN).map_err(|_| signed_out())?;
        let provider = provider(&settings()).map_err(|m| SourceError::new(Kind::Reconnect, m))?;
        let tokens = provider.refresh(&refresh, &http()).await.map_err(|e| match e {
            AuthError::Rejected(_) => SourceError::new(
                Kind::Reconnect,
                "Dropbox no longer accepts Folio's sign-in (revoked or expired); log in to Dropbox again",
            ),
            other => SourceError::new(Kind::Unavailable, other.to_string()),
        })?;
        // Renewed a minute early, so a token never expires mid-call.
        let lasts = tokens.expires_in.unwrap_or(Duration::from_secs(4 * 3600));
        let until = Instant::now() + lasts.saturating_sub(Duration::from_secs(60));
        *cached = Some((tokens.access_token.clone(), until));
        Ok(tokens.access_token)
    }
}

#[async_trait::async_trait]
impl AccessToken for DropboxTokens {
    async fn current(&self) -> Result<String, SourceError> {
        let mut cached = self.cached.lock().await;
        match cached.as_ref() {
            Some((token, until)) if *until > Instant::now() => Ok(token.clone()),
            _ => self.refresh(&mut cached).await,
        }
    }

    async fn refreshed(&self) -> Result<String, SourceError> {
        self.refresh(&mut *self.cached.lock().await).await
    }
}

/// Registers the `dropbox` album kind: its downloads go to `spool`.
pub fn register(sources: &mut Sources, tokens: Arc<DropboxTokens>, spool: PathBuf) {
    sources.register(connector::connector(), move |config| {
        let root = DropboxSource::parse_location(&config.location).ok_or_else(|| {
            SourceError::new(Kind::Gone, format!("'{}' is not a Dropbox location", config.location))
        })?;
        let api = api(tokens.clone());
        Ok(Arc::new(DropboxSource::new(api, root, spool.clone())))
    });
}

/// The signed-in Dropbox account, as `folio dropbox status --json` prints it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct DropboxAccount {
    pub connected: bool,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A folder in the user's Dropbox, for browsing.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DropboxFolder {
    pub name: String,
    /// As Dropbox displays it, e.g. `/Clients/Smith`.
    pub path: String,
}

/// A sign-in under way: open `url` in the browser, then [`Engine::dropbox_finish`].
pub struct DropboxSignIn {
    pub url: String,
    listener: Loopback,
    sign_in: SignIn,
}

fn auth_error(e: AuthError) -> EngineError {
    EngineError::new(ErrorCode::Config, e.to_string())
}

impl Engine {
    /// Starts listening for Dropbox's redirect and makes the sign-in URL. The listener is
    /// accepting connections when this returns, so the URL can be opened at once.
    pub async fn dropbox_sign_in(&self) -> Result<DropboxSignIn, EngineError> {
        let listener = Loopback::bind(&REDIRECT_PORTS, REDIRECT_PATH).await.map_err(auth_error)?;
        let sign_in = provider(&settings())
            .map_err(EngineError::config)?
            .start(&listener.redirect_uri(), &[("token_access_type", "offline")])
            .map_err(auth_error)?;
        Ok(DropboxSignIn { url: sign_in.url.clone(), listener, sign_in })
    }

    /// Waits for the browser, trades the code for tokens, checks them by asking who signed in,
    /// and only then keeps the refresh token (in the keychain) and the account's name.
    pub async fn dropbox_finish(
        &self,
        s: DropboxSignIn,
        timeout: Duration,
    ) -> Result<DropboxAccount, EngineError> {
        let redirect = s.listener.wait(&s.sign_in.state, timeout).await.map_err(auth_error)?;
        let code = redirect.code().map_err(auth_error)?.to_string();
        let provider = provider(&settings()).map_err(EngineError::config)?;
        let tokens = provider.exchange(s.sign_in, &code, &http()).await.map_err(auth_error)?;
        let refresh = tokens.refresh_token.clone().ok_or_else(|| {
            EngineError::config("Dropbox gave no refresh token, so Folio could not sync unattended")
        })?;
        let access = Arc::new(Fixed(tokens.access_token.clone()));
        let (name, email) = api(access).current_account().await?;
        self.state.secrets.set(REFRESH_TOKEN, &refresh)?;
        let account = DropboxAccount { connected: true, name: Some(name), email: Some(email) };
        let json = serde_json::to_string(&account).expect("serialises");
        self.state.store.set_setting(ACCOUNT_SETTING, &json).await?;
        let lasts = tokens.expires_in.unwrap_or(Duration::from_secs(3600));
        *self.state.dropbox.cached.lock().await = Some((
            tokens.access_token,
            Instant::now() + lasts.saturating_sub(Duration::from_secs(60)),
        ));
        let who = account.name.as_deref().unwrap_or("?");
        self.state.store.log(None, "info", &format!("Signed in to Dropbox as {who}")).await?;
        Ok(account)
    }

    pub async fn dropbox_status(&self) -> Result<DropboxAccount, EngineError> {
        let stored = self.state.store.setting(ACCOUNT_SETTING).await?;
        let account = stored.and_then(|s| serde_json::from_str::<DropboxAccount>(&s).ok());
        let has_token = self.state.secrets.get(REFRESH_TOKEN).is_ok();
        Ok(match account {
            Some(a) if has_token => a,
            _ => DropboxAccount { connected: false, name: None, email: None },
        })
    }

    /// Revokes Folio's Dropbox tokens (when Dropbox can be reached) and forgets them.
    pub async fn dropbox_logout(&self) -> Result<bool, EngineError> {
        let api = api(self.state.dropbox.clone());
        let revoked = api.revoke().await.is_ok();
        let _ = self.state.secrets.delete(REFRESH_TOKEN);
        *self.state.dropbox.cached.lock().await = None;
        // An empty setting reads as signed out.
        self.state.store.set_setting(ACCOUNT_SETTING, "").await?;
        Ok(revoked)
    }

    /// The folders directly in `path` of the user's Dropbox ("" for the top), by name.
    pub async fn dropbox_folders(&self, path: &str) -> Result<Vec<DropboxFolder>, EngineError> {
        let api = api(self.state.dropbox.clone());
        let path = path.trim_end_matches('/');
        let mut folders: Vec<DropboxFolder> = api
            .children(path)
            .await?
            .into_iter()
            .filter_map(|e| match e {
                Entry::Folder(f) => Some(DropboxFolder { name: f.name, path: f.path_display }),
                _ => None,
            })
            .collect();
        folders.sort_by_key(|f| f.name.to_lowercase());
        Ok(folders)
    }

    /// Checks that a `dropbox:/Some/Folder` album can be read before it is added.
    pub(crate) async fn check_dropbox_folder(&self, location: &str) -> Result<String, EngineError> {
        let root = DropboxSource::parse_location(location).ok_or_else(|| {
            EngineError::config(format!(
                "'{location}' is not a Dropbox folder; write dropbox:/Folder/In/Your/Dropbox"
            ))
        })?;
        if !self.dropbox_status().await?.connected {
            return Err(EngineError::config(
                "Folio is not signed in to Dropbox; run 'folio dropbox login' first",
            ));
        }
        let api = api(self.state.dropbox.clone());
        api.latest_cursor(root).await.map_err(|e| match e.kind {
            Kind::Gone => EngineError::config(format!("there is no folder {root} in your Dropbox")),
            _ => e.into(),
        })?;
        Ok(root.trim_end_matches('/').to_string())
    }
}

/// One access token, for the check right after sign-in.
struct Fixed(String);

#[async_trait::async_trait]
impl AccessToken for Fixed {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.0.clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        Err(SourceError::new(Kind::Reconnect, "Dropbox refused the token it has just issued"))
    }
}
