//! Dropbox as an album source: sign-in through the user's browser (OAuth 2 with PKCE, no client
//! secret, a one-shot listener on 127.0.0.1), the refresh token in the OS keychain only, access
//! tokens in memory and refreshed before they expire, log out that revokes, and `dropbox:`
//! albums.

use crate::secrets::Secrets;
use folio_auth::{AuthError, Provider, TokenSource};
use folio_model::Config;
use folio_sources::dropbox::{connector, AccessToken, DropboxApi};
use folio_sources::{DropboxSource, SourceAccount, SourceError, SourceErrorKind as Kind, Sources};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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
    Ok(Provider::new(client_id, config.value("auth_url"), connector::token_url(config)))
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

/// One Dropbox account's access token: the shared token source over its keychain entry.
pub struct DropboxTokens {
    source: TokenSource,
    secret_ref: String,
    config: Config,
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
            // A build without an app key still reads: the refresh then says what is missing.
            let provider = provider(&account.config)
                .unwrap_or_else(|_| Provider::new("", "", connector::token_url(&account.config)));
            let keychain: Arc<dyn folio_auth::Keychain> = Arc::new(secrets.clone());
            Arc::new(DropboxTokens {
                source: TokenSource::new(provider, keychain, secret_ref.clone(), http()),
                secret_ref: secret_ref.clone(),
                config: account.config.clone(),
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
        lasts: Option<Duration>,
    ) {
        self.forget(account.id);
        self.tokens(secrets, account).source.seed(access, lasts).await;
    }
}

fn token_error(e: AuthError) -> SourceError {
    match e {
        AuthError::SignedOut => SourceError::new(
            Kind::Reconnect,
            "Folio is not signed in to Dropbox; run 'folio dropbox login' or Connect Dropbox in the app",
        ),
        AuthError::Rejected(_) => SourceError::new(
            Kind::Reconnect,
            "Dropbox no longer accepts Folio's sign-in (revoked or expired); log in to Dropbox again",
        ),
        other => SourceError::new(Kind::Unavailable, other.to_string()),
    }
}

#[async_trait::async_trait]
impl AccessToken for DropboxTokens {
    async fn current(&self) -> Result<String, SourceError> {
        if let Err(why) = provider(&self.config) {
            return Err(SourceError::new(Kind::Reconnect, why));
        }
        self.source.current().await.map_err(token_error)
    }

    async fn refreshed(&self) -> Result<String, SourceError> {
        let refused = self.current().await?;
        self.source.rejected(&refused).await.map_err(token_error)
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
