//! The browser sign-in of a source connector (OAuth 2 authorization code with PKCE, the browser
//! coming back to a listener on 127.0.0.1), for any connector that declares an
//! [`OauthSource`]: started with the account's fields, finished when the browser returns and
//! the service says who signed in, the refresh token kept in the keychain only. Also what an
//! account does afterwards: browse, check a location, sign out (revoking where it can).

use crate::api::accounts::{BrowseEntry, EntryPreview};
use crate::tokens::{http, Fixed};
use crate::{Engine, EngineError, ErrorCode};
use folio_auth::{AuthError, KeySignIn, Loopback, Page, Provider, SignIn};
use folio_model::{Config, ConnectorInfo, SiteState};
use folio_sources::account::OauthSource;
use folio_store::{Account, NewAccount};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A key sign-in, taken apart to finish it.
struct KeyedSignIn {
    listener: Loopback,
    key: KeySignIn,
    info: ConnectorInfo,
    account: String,
    given: String,
    config: Config,
}

/// What the code the browser brings back is traded for.
enum Exchange {
    /// OAuth tokens, at the app's token endpoint.
    Tokens { sign_in: SignIn, provider: Provider },
    /// A lasting key, by the connector (OpenRouter's).
    Key(KeySignIn),
}

/// How long the browser has to come back.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// A sign-in under way: its page is `url`; [`Engine::oauth_finish`] waits for the browser.
pub(crate) struct OauthSignIn {
    pub(crate) url: String,
    listener: Loopback,
    exchange: Exchange,
    info: ConnectorInfo,
    /// The account it signs in: an existing one again, or a new one by this name.
    account: String,
    /// The fields the person set for a new account, as stored.
    given: String,
    config: Config,
}

pub(crate) fn auth_error(e: AuthError) -> EngineError {
    let code = match e {
        AuthError::TimedOut(_) => ErrorCode::TimedOut,
        AuthError::Denied(_) => ErrorCode::Cancelled,
        AuthError::SignedOut => ErrorCode::NeedsSignIn,
        _ => ErrorCode::Config,
    };
    EngineError::new(code, e.to_string())
}

/// A keychain entry of the account's own.
fn secret_ref(connector: &str, name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique = folio_convert::content_hash(format!("{name}{nanos}").as_bytes());
    format!("account-{connector}-{}-{}", crate::slugify(name), &unique[..8])
}

impl Engine {
    fn oauth_of(&self, connector: &str) -> Result<Arc<dyn OauthSource>, EngineError> {
        self.state.sources.oauth(connector).ok_or_else(|| {
            EngineError::new(
                ErrorCode::Unsupported,
                format!("{connector} accounts do not sign in through the browser"),
            )
        })
    }

    /// Starts the sign-in of a new account (named `name`, else after the connector) or of an
    /// existing one again; the listener accepts connections when this returns.
    pub(crate) async fn oauth_start(
        &self,
        info: &ConnectorInfo,
        name: Option<&str>,
        given: &BTreeMap<String, String>,
        reconnect: bool,
    ) -> Result<OauthSignIn, EngineError> {
        let oauth = self.oauth_of(&info.id)?;
        let name = name.unwrap_or(&info.id).to_string();
        let existing = self.state.store.account_by_name(&name).await?;
        let stored = match &existing {
            Some(a) if a.connector != info.id => {
                return Err(EngineError::config(format!(
                    "'{name}' is a {} account; choose another name",
                    a.connector
                )))
            }
            Some(_) if !reconnect => {
                return Err(EngineError::config(format!(
                    "an account named '{name}' exists: give another name, or reconnect it"
                )))
            }
            Some(a) => a.config.clone(),
            None => serde_json::to_string(given).expect("fields serialise"),
        };
        let fields = serde_json::from_str(&stored).unwrap_or_default();
        let config = info.config(&fields).map_err(EngineError::config)?;
        let (listener, exchange, url) = match oauth.key_page(&config) {
            Some(page) => {
                // Any free port: the page takes whatever callback it is given.
                let listener = Loopback::bind(&[0], "/callback").await.map_err(auth_error)?;
                let callback = listener.redirect_uri();
                let key = KeySignIn::start(&page, &callback, &[("key_label", "Folio")])
                    .map_err(auth_error)?;
                let url = key.url.clone();
                (listener, Exchange::Key(key), url)
            }
            None => {
                let begun = super::relay::begin(&info.id, &config, || oauth.app(&config)).await?;
                let super::relay::Begun { listener, sign_in, provider } = begun;
                let url = sign_in.url.clone();
                (listener, Exchange::Tokens { sign_in, provider }, url)
            }
        };
        Ok(OauthSignIn {
            url,
            listener,
            exchange,
            info: info.clone(),
            account: name,
            given: stored,
            config,
        })
    }

    /// Waits for the browser, trades the code for tokens, asks the service who signed in, and
    /// only then keeps the refresh token (in the keychain) and the account; its name.
    pub(crate) async fn oauth_finish(&self, s: OauthSignIn) -> Result<String, EngineError> {
        let OauthSignIn { listener, exchange, info, account, given, config, .. } = s;
        let (sign_in, provider) = match exchange {
            Exchange::Tokens { sign_in, provider } => (sign_in, provider),
            Exchange::Key(key) => {
                let signing_in = KeyedSignIn { listener, key, info, account, given, config };
                return self.key_finish(signing_in).await;
            }
        };
        let redirect = listener.wait(&sign_in.state, SIGN_IN_TIMEOUT).await.map_err(auth_error)?;
        let code = redirect.code().map_err(auth_error)?.to_string();
        let tokens = provider.exchange(sign_in, &code, &http()).await.map_err(auth_error)?;
        let refresh = tokens.refresh_token.clone().ok_or_else(|| {
            EngineError::config(format!(
                "{} gave no refresh token, so Folio could not sync unattended",
                info.label
            ))
        })?;
        let oauth = self.oauth_of(&info.id)?;
        let who = oauth.who(&config, Arc::new(Fixed(tokens.access_token.clone()))).await?;
        let new = NewAccount {
            name: &account,
            connector: &info.id,
            config: &given,
            secret_ref: None,
            who: &who.name,
            email: who.email.as_deref(),
        };
        let id = self.keep_signed_in(new, &refresh).await?;
        let kept = self.state.store.account(id).await?.expect("just signed in");
        let (_, token, _) = self.state.account_token(&kept)?;
        let lasts = tokens.expires_in.or(Some(Duration::from_secs(3600)));
        token.seed(tokens.access_token, lasts).await;
        let message = format!("Signed in to {} as {} (account {account})", info.label, who.name);
        self.state.store.log(None, "info", &message).await?;
        self.state.wake.notify_waiters();
        Ok(account)
    }

    /// Waits for the browser with the code, trades it for the key, asks who it is, and only
    /// then keeps the key (in the keychain) and the account, and tells the browser; its name.
    async fn key_finish(&self, s: KeyedSignIn) -> Result<String, EngineError> {
        let KeyedSignIn { listener, key, info, account, given, config } = s;
        let deadline = tokio::time::Instant::now() + SIGN_IN_TIMEOUT;
        let arrival = listener.code_arrival(&key.state, deadline).await.map_err(|e| match e {
            AuthError::TimedOut(_) => auth_error(AuthError::TimedOut(SIGN_IN_TIMEOUT)),
            other => auth_error(other),
        })?;
        let code = match arrival.redirect.code() {
            Ok(code) => code.to_string(),
            Err(e) => {
                arrival.reply(&Page::refused()).await;
                return Err(auth_error(e));
            }
        };
        let oauth = self.oauth_of(&info.id)?;
        let kept = async {
            let secret = oauth.exchange_key(&config, &code, &key.verifier).await?;
            let who = oauth.who(&config, Arc::new(Fixed(secret.clone()))).await?;
            let new = NewAccount {
                name: &account,
                connector: &info.id,
                config: &given,
                secret_ref: None,
                who: &who.name,
                email: who.email.as_deref(),
            };
            let id = self.keep_signed_in(new, &secret).await?;
            self.state.store.set_account_state(id, SiteState::Ok, None).await?;
            Ok::<_, EngineError>(who.name)
        };
        let who = match kept.await {
            Ok(who) => who,
            Err(e) => {
                arrival.reply(&Page::failed(502, e.message.clone())).await;
                return Err(e);
            }
        };
        arrival.reply(&Page::connected()).await;
        let message = format!("Signed in to {} as {who} (account {account})", info.label);
        self.state.store.log(None, "info", &message).await?;
        self.state.wake.notify_waiters();
        Ok(account)
    }

    /// A source account signed in with a pasted token (Figma's): the service says whose it is,
    /// then the token goes to the keychain and the account is kept (or, signing in again, its
    /// token replaced); its name.
    pub(crate) async fn source_pasted(
        &self,
        info: &ConnectorInfo,
        name: Option<&str>,
        given: &BTreeMap<String, String>,
        secrets: &BTreeMap<String, String>,
        reconnect: bool,
    ) -> Result<String, EngineError> {
        let token = secrets.values().map(|s| s.trim()).find(|s| !s.is_empty());
        let token = token.ok_or_else(|| {
            EngineError::config(format!("give the {} token to connect with", info.label))
        })?;
        let name = name.unwrap_or(&info.id).to_string();
        match self.state.store.account_by_name(&name).await? {
            Some(a) if a.connector != info.id => {
                return Err(EngineError::config(format!(
                    "'{name}' is a {} account; choose another name",
                    a.connector
                )))
            }
            Some(_) if !reconnect => {
                return Err(EngineError::config(format!(
                    "an account named '{name}' exists: give another name, or reconnect it"
                )))
            }
            _ => {}
        }
        let config = info.config(given).map_err(EngineError::config)?;
        let oauth = self.oauth_of(&info.id)?;
        let who = oauth.who(&config, Arc::new(Fixed(token.to_string()))).await?;
        let stored = serde_json::to_string(given).expect("fields serialise");
        let new = NewAccount {
            name: &name,
            connector: &info.id,
            config: &stored,
            secret_ref: None,
            who: &who.name,
            email: who.email.as_deref(),
        };
        let id = self.keep_signed_in(new, token).await?;
        self.state.store.set_account_state(id, SiteState::Ok, None).await?;
        let message = format!("Signed in to {} as {} (account {name})", info.label, who.name);
        self.state.store.log(None, "info", &message).await?;
        self.state.wake.notify_waiters();
        Ok(name)
    }

    /// The refresh token to the keychain, then the account (new, or signed in again).
    async fn keep_signed_in(&self, new: NewAccount<'_>, refresh: &str) -> Result<i64, EngineError> {
        let store = &self.state.store;
        if let Some(a) = store.account_by_name(new.name).await? {
            let reference =
                a.secret_ref.clone().unwrap_or_else(|| secret_ref(new.connector, &a.name));
            self.state.secrets.set(&reference, refresh)?;
            store.account_signed_in(a.id, &reference, new.who, new.email).await?;
            self.state.oauth.forget(a.id);
            return Ok(a.id);
        }
        let reference = secret_ref(new.connector, new.name);
        self.state.secrets.set(&reference, refresh)?;
        match store.add_account(&NewAccount { secret_ref: Some(&reference), ..new }).await {
            Ok(a) => Ok(a.id),
            Err(e) => {
                let _ = self.state.secrets.delete(&reference);
                Err(e.into())
            }
        }
    }

    /// Revokes an account's tokens (where the service can be reached) and forgets them; the
    /// account stays, to sign in again, so its albums keep their place. Whether it was revoked.
    pub(crate) async fn sign_out(&self, a: &Account) -> Result<bool, EngineError> {
        let (oauth, token, config) = self.state.account_token(a)?;
        let revoked = oauth.revoke(&config, token).await.is_ok();
        if let Some(reference) = &a.secret_ref {
            let _ = self.state.secrets.delete(reference);
        }
        self.state.oauth.forget(a.id);
        let why = "signed out; reconnect the account to sync its albums again";
        self.state.store.set_account_state(a.id, SiteState::Reconnect, Some(why)).await?;
        Ok(revoked)
    }

    /// What is directly in `path` of an account: folders, then photos, by name.
    pub(crate) async fn browse_account(
        &self,
        a: &Account,
        path: &str,
    ) -> Result<Vec<BrowseEntry>, EngineError> {
        let (oauth, token, config) = self.state.account_token(a)?;
        let entries = oauth.browse(&config, token, path).await?;
        Ok(entries
            .into_iter()
            .map(|e| BrowseEntry {
                path: e.path,
                name: e.name,
                kind: if e.folder { "folder" } else { "item" },
                count: e.count,
                preview: e.preview,
            })
            .collect())
    }

    /// A picture of the entry at `path` of `a`, as a `data:` address, and its count; read
    /// through this engine's spool.
    pub(crate) async fn preview_account(
        &self,
        a: &Account,
        path: &str,
    ) -> Result<EntryPreview, EngineError> {
        let (oauth, token, config) = self.state.account_token(a)?;
        let spool = self.state.renditions.dir().join("previews");
        let shown = oauth.preview(&config, token, path, &spool).await?;
        let image = shown.image.map(|bytes| {
            use base64::Engine as _;
            let mime = if bytes.starts_with(b"\x89PNG") { "image/png" } else { "image/jpeg" };
            let data = base64::engine::general_purpose::STANDARD.encode(bytes);
            format!("data:{mime};base64,{data}")
        });
        Ok(EntryPreview { image, count: shown.count })
    }

    /// Checks that `location` (`ACCOUNT:PATH`) can be read with `a` before an album is made
    /// of it; the path it reads, and its name where the service names it apart from the path.
    pub(crate) async fn check_location(
        &self,
        a: &Account,
        location: &str,
    ) -> Result<(String, Option<String>), EngineError> {
        let signed_in = a.secret_ref.as_deref().is_some_and(|r| self.state.secrets.get(r).is_ok());
        if !signed_in || a.state == SiteState::Reconnect {
            return Err(EngineError::new(
                ErrorCode::NeedsSignIn,
                format!(
                    "Folio is not signed in to {} ({}); run 'folio account reconnect {}' first",
                    a.connector, a.name, a.name
                ),
            ));
        }
        let (oauth, token, config) = self.state.account_token(a)?;
        let path =
            oauth.check(&config, token.clone(), location).await.map_err(|e| match e.kind {
                folio_sources::SourceErrorKind::Gone => {
                    EngineError::new(ErrorCode::NotFound, e.message)
                }
                _ => e.into(),
            })?;
        let title = oauth.title(&config, token, location).await;
        Ok((path, title))
    }
}
