//! Dropbox as an album source: sign-in through the user's browser (OAuth 2 with PKCE, no client
//! secret, a one-shot listener on 127.0.0.1), the refresh token in the OS keychain only, access
//! tokens in memory and refreshed before they expire, log out that revokes, and `dropbox:`
//! albums.

use crate::secrets::Secrets;
use folio_auth::{AuthError, Provider};
use folio_model::Config;
use folio_sources::dropbox::{connector, AccessToken, DropboxApi};
use folio_sources::{DropboxSource, SourceAccount, SourceError, SourceErrorKind as Kind, Sources};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Dropbox matches redirect URIs exactly, so the sign-in listens on one of these, each
/// registered as `http://127.0.0.1:<port>/dropbox`.
pub const REDIRECT_PORTS: [u16; 3] = [53_682, 53_683, 53_684];
pub const REDIRECT_PATH: &str = "/dropbox";
/// How long the browser has to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// What `dropbox:/…` and `folio dropbox login|status|logout` mean: this account, else the first.
pub const DEFAULT_ACCOUNT: &str = connector::ID;

/// A Dropbox account's settings: its stored fields, else their fallbacks (the app key built in
/// or from FOLIO_DROPBOX_APP_KEY, Dropbox's own hosts or the FOLIO_DROPBOX_* variables).
pub(crate) fn settings(stored: &str) -> Config {
    let given = serde_json::from_str(stored).unwrap_or_default();
    connector::connector().config(&given).unwrap_or_else(|_| {
        connector::connector().config(&Default::default()).expect("every field is optional")
    })
}

/// Whose app signs in, and where. A build without an app key says so instead of sending the
/// user to a sign-in page that can only fail.
pub(crate) fn provider(config: &Config) -> Result<Provider, String> {
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

pub(crate) fn api(config: &Config, token: Arc<dyn AccessToken>) -> DropboxApi {
    DropboxApi::new(connector::endpoints(config), token)
}

pub(crate) fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a TLS backend is compiled in")
}

/// One Dropbox account's access token, refreshed from its refresh token in the keychain.
pub struct DropboxTokens {
    secrets: Secrets,
    secret_ref: String,
    config: Config,
    cached: tokio::sync::Mutex<Option<(String, Instant)>>,
}

/// The token of each Dropbox account in use, by account id: albums of one account share it.
#[derive(Default)]
pub struct DropboxAccounts {
    tokens: std::sync::Mutex<std::collections::HashMap<i64, Arc<DropboxTokens>>>,
}

impl DropboxAccounts {
    pub(crate) fn tokens(&self, secrets: &Secrets, account: &SourceAccount) -> Arc<DropboxTokens> {
        let mut all = self.tokens.lock().expect("dropbox tokens");
        let secret_ref = account.secret_ref.clone().unwrap_or_default();
        let fresh = || {
            Arc::new(DropboxTokens {
                secrets: secrets.clone(),
                secret_ref: secret_ref.clone(),
                config: account.config.clone(),
                cached: Default::default(),
            })
        };
        let entry = all.entry(account.id).or_insert_with(fresh);
        // Signed in again under another keychain entry, or pointed elsewhere: start afresh.
        if entry.secret_ref != secret_ref || entry.config != account.config {
            *entry = fresh();
        }
        entry.clone()
    }

    /// Forgets an account's cached token (it signed out).
    pub(crate) fn forget(&self, account: i64) {
        self.tokens.lock().expect("dropbox tokens").remove(&account);
    }

    /// Starts an account that has just signed in with the access token it was given.
    pub(crate) async fn seed(
        &self,
        secrets: &Secrets,
        account: &SourceAccount,
        access: String,
        until: Instant,
    ) {
        self.forget(account.id);
        let tokens = self.tokens(secrets, account);
        *tokens.cached.lock().await = Some((access, until));
    }
}

impl DropboxTokens {
    async fn refresh(&self, cached: &mut Option<(String, Instant)>) -> Result<String, SourceError> {
        let signed_out = || {
            SourceError::new(
                Kind::Reconnect,
                "Folio is not signed in to Dropbox; run 'folio dropbox login' or Connect Dropbox in the app",
            )
        };
        let refresh = self.secrets.get(&self.secret_ref).map_err(|_| signed_out())?;
        let provider = provider(&self.config).map_err(|m| SourceError::new(Kind::Reconnect, m))?;
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

/// Registers the `dropbox` album kind: each album reads with its account; its downloads go to
/// `spool`.
pub fn register(
    sources: &mut Sources,
    accounts: Arc<DropboxAccounts>,
    secrets: Secrets,
    spool: PathBuf,
) {
    sources.register(connector::connector(), move |config| {
        let root = DropboxSource::parse_location(&config.location).ok_or_else(|| {
            SourceError::new(Kind::Gone, format!("'{}' is not a Dropbox location", config.location))
        })?;
        let account = config.account.as_ref().ok_or_else(|| {
            SourceError::new(
                Kind::Reconnect,
                "no Dropbox account is signed in for this album; run 'folio dropbox login'",
            )
        })?;
        let tokens = accounts.tokens(&secrets, account);
        let api = api(&account.config, tokens);
        Ok(Arc::new(DropboxSource::new(api, root, spool.clone())))
    });
}

/// One access token, for the check right after sign-in.
pub(crate) struct Fixed(pub(crate) String);

#[async_trait::async_trait]
impl AccessToken for Fixed {
    async fn current(&self) -> Result<String, SourceError> {
        Ok(self.0.clone())
    }
    async fn refreshed(&self) -> Result<String, SourceError> {
        Err(SourceError::new(Kind::Reconnect, "Dropbox refused the token it has just issued"))
    }
}
