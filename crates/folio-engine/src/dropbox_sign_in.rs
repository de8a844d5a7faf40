//! Dropbox accounts: signing one in through the browser (the account named `dropbox` unless
//! another name is given), its status, signing out (revoked where Dropbox can be reached), and
//! its folders for the picker. Tokens are per account (`dropbox::DropboxAccounts`).

use crate::accounts::BrowseEntry;
use crate::dropbox::{self, api, http, provider, Fixed, DEFAULT_ACCOUNT};
use crate::dropbox::{REDIRECT_PATH, REDIRECT_PORTS};
use crate::{Engine, EngineError, ErrorCode};
use folio_auth::{AuthError, Loopback, SignIn};
use folio_model::{Config, SiteState};
use folio_sources::dropbox::connector;
use folio_sources::dropbox::wire::Entry;
use folio_sources::{DropboxSource, SourceErrorKind as Kind};
use folio_store::{Account, NewAccount};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A Dropbox account's sign-in, as `folio dropbox status --json` prints it.
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
    /// The account it signs in: an existing one again, or a new one by this name.
    account: String,
    /// The fields the user set for a new account, as stored.
    given: String,
    config: Config,
}

impl DropboxSignIn {
    pub(crate) fn account_name(&self) -> &str {
        &self.account
    }
}

fn auth_error(e: AuthError) -> EngineError {
    EngineError::new(ErrorCode::Config, e.to_string())
}

/// A keychain entry of the account's own.
fn secret_ref(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique = folio_convert::content_hash(format!("{name}{nanos}").as_bytes());
    format!("account-dropbox-{}-{}", crate::slugify(name), &unique[..8])
}

impl Engine {
    /// The account `dropbox:/…` and `folio dropbox …` mean: the one named `dropbox`, else the
    /// first Dropbox account.
    pub(crate) async fn default_dropbox(&self) -> Result<Option<Account>, EngineError> {
        self.state.default_account(connector::ID, DEFAULT_ACCOUNT).await
    }

    /// Signs in the default Dropbox account (again). The listener accepts connections when
    /// this returns, so the URL can be opened at once.
    pub async fn dropbox_sign_in(&self) -> Result<DropboxSignIn, EngineError> {
        let name = match self.default_dropbox().await? {
            Some(a) => a.name,
            None => DEFAULT_ACCOUNT.to_string(),
        };
        self.dropbox_sign_in_as(&name, &BTreeMap::new()).await
    }

    /// Signs in the Dropbox account `name`: again if it exists, else a new one with the
    /// connector's fields `given` (an app key of the user's own, other hosts).
    pub async fn dropbox_sign_in_as(
        &self,
        name: &str,
        given: &BTreeMap<String, String>,
    ) -> Result<DropboxSignIn, EngineError> {
        let existing = self.state.store.account_by_name(name).await?;
        let stored = match &existing {
            Some(a) if a.connector != connector::ID => {
                return Err(EngineError::config(format!(
                    "'{name}' is a {} account; choose another name",
                    a.connector
                )))
            }
            Some(a) if given.is_empty() => a.config.clone(),
            _ => serde_json::to_string(given).expect("fields serialise"),
        };
        connector::connector()
            .config(&serde_json::from_str(&stored).unwrap_or_default())
            .map_err(EngineError::config)?;
        let config = dropbox::settings(&stored);
        let provider = provider(&config).map_err(EngineError::config)?;
        let listener = Loopback::bind(&REDIRECT_PORTS, REDIRECT_PATH).await.map_err(auth_error)?;
        let sign_in = provider
            .start(&listener.redirect_uri(), &[("token_access_type", "offline")])
            .map_err(auth_error)?;
        Ok(DropboxSignIn {
            url: sign_in.url.clone(),
            listener,
            sign_in,
            account: name.to_string(),
            given: stored,
            config,
        })
    }

    /// Waits for the browser, trades the code for tokens, checks them by asking who signed in,
    /// and only then keeps the refresh token (in the keychain) and the account.
    pub async fn dropbox_finish(
        &self,
        s: DropboxSignIn,
        timeout: Duration,
    ) -> Result<DropboxAccount, EngineError> {
        let redirect = s.listener.wait(&s.sign_in.state, timeout).await.map_err(auth_error)?;
        let code = redirect.code().map_err(auth_error)?.to_string();
        let provider = provider(&s.config).map_err(EngineError::config)?;
        let tokens = provider.exchange(s.sign_in, &code, &http()).await.map_err(auth_error)?;
        let refresh = tokens.refresh_token.clone().ok_or_else(|| {
            EngineError::config("Dropbox gave no refresh token, so Folio could not sync unattended")
        })?;
        let access = Arc::new(Fixed(tokens.access_token.clone()));
        let (who, email) = api(&s.config, access).current_account().await?;
        let store = &self.state.store;
        let account = match store.account_by_name(&s.account).await? {
            Some(a) => {
                let reference = a.secret_ref.clone().unwrap_or_else(|| secret_ref(&s.account));
                self.state.secrets.set(&reference, &refresh)?;
                store.account_signed_in(a.id, &reference, &who, Some(&email)).await?;
                a.id
            }
            None => {
                let reference = secret_ref(&s.account);
                self.state.secrets.set(&reference, &refresh)?;
                let new = NewAccount {
                    name: &s.account,
                    connector: connector::ID,
                    config: &s.given,
                    secret_ref: Some(&reference),
                    who: &who,
                    email: Some(&email),
                };
                match store.add_account(&new).await {
                    Ok(a) => a.id,
                    Err(e) => {
                        let _ = self.state.secrets.delete(&reference);
                        return Err(e.into());
                    }
                }
            }
        };
        let lasts = tokens.expires_in.or(Some(Duration::from_secs(3600)));
        let account = store.account(account).await?.expect("just signed in");
        let source = self.state.source_account(&account);
        self.state.dropbox.seed(&self.state.secrets, &source, tokens.access_token, lasts).await;
        let message = format!("Signed in to Dropbox as {who} (account {})", s.account);
        store.log(None, "info", &message).await?;
        self.state.wake.notify_waiters();
        Ok(DropboxAccount { connected: true, name: Some(who), email: Some(email) })
    }

    /// Whether the default Dropbox account is signed in, and as whom.
    pub async fn dropbox_status(&self) -> Result<DropboxAccount, EngineError> {
        let signed_out = DropboxAccount { connected: false, name: None, email: None };
        let Some(a) = self.default_dropbox().await? else { return Ok(signed_out) };
        let has_token = a.secret_ref.as_deref().is_some_and(|r| self.state.secrets.get(r).is_ok());
        if !has_token || a.state == SiteState::Reconnect {
            return Ok(signed_out);
        }
        Ok(DropboxAccount { connected: true, name: Some(a.who), email: a.email })
    }

    /// Revokes the default Dropbox account's tokens (when Dropbox can be reached) and forgets
    /// them; the account stays, to sign in again, so its albums keep their place.
    pub async fn dropbox_logout(&self) -> Result<bool, EngineError> {
        let Some(a) = self.default_dropbox().await? else { return Ok(false) };
        Ok(self.sign_out_dropbox(&a).await)
    }

    pub(crate) async fn sign_out_dropbox(&self, a: &Account) -> bool {
        let source = self.state.source_account(a);
        let tokens = self.state.dropbox.tokens(&self.state.secrets, &source);
        let revoked = api(&source.config, tokens).revoke().await.is_ok();
        if let Some(reference) = &a.secret_ref {
            let _ = self.state.secrets.delete(reference);
        }
        self.state.dropbox.forget(a.id);
        let why = "signed out; log in to Dropbox again";
        let _ = self.state.store.set_account_state(a.id, SiteState::Reconnect, Some(why)).await;
        revoked
    }

    /// The folders directly in `path` of the default Dropbox account ("" for the top), by name.
    pub async fn dropbox_folders(&self, path: &str) -> Result<Vec<DropboxFolder>, EngineError> {
        let a = self
            .default_dropbox()
            .await?
            .ok_or_else(|| EngineError::config("Folio is not signed in to Dropbox"))?;
        self.dropbox_folders_of(&a, path).await
    }

    pub(crate) async fn dropbox_folders_of(
        &self,
        a: &Account,
        path: &str,
    ) -> Result<Vec<DropboxFolder>, EngineError> {
        let entries = self.dropbox_entries(a, path).await?;
        Ok(entries
            .into_iter()
            .filter(|e| e.kind == "folder")
            .map(|e| DropboxFolder { name: e.name, path: e.path })
            .collect())
    }

    /// What is directly in `path` of an account's Dropbox: folders, then photos, by name.
    pub(crate) async fn dropbox_entries(
        &self,
        a: &Account,
        path: &str,
    ) -> Result<Vec<BrowseEntry>, EngineError> {
        let source = self.state.source_account(a);
        let tokens = self.state.dropbox.tokens(&self.state.secrets, &source);
        let path = path.trim_end_matches('/');
        let mut entries: Vec<BrowseEntry> = api(&source.config, tokens)
            .children(path)
            .await?
            .into_iter()
            .filter_map(|e| match e {
                Entry::Folder(f) => {
                    Some(BrowseEntry { name: f.name, path: f.path_display, kind: "folder" })
                }
                Entry::File(f) if folio_model::is_photo_name(&f.name) => {
                    Some(BrowseEntry { name: f.name, path: f.path_display, kind: "item" })
                }
                _ => None,
            })
            .collect();
        entries.sort_by_key(|e| (e.kind != "folder", e.name.to_lowercase()));
        Ok(entries)
    }

    /// Checks that a Dropbox folder (`ACCOUNT:/Some/Folder`) can be read with `a` before an
    /// album is made of it; returns the folder's path.
    pub(crate) async fn check_dropbox_folder(
        &self,
        a: &Account,
        location: &str,
    ) -> Result<String, EngineError> {
        let root = DropboxSource::parse_location(location).ok_or_else(|| {
            EngineError::config(format!(
                "'{location}' is not a Dropbox folder; write dropbox:/Folder/In/Your/Dropbox"
            ))
        })?;
        let signed_in = a.secret_ref.as_deref().is_some_and(|r| self.state.secrets.get(r).is_ok());
        if !signed_in || a.state == SiteState::Reconnect {
            return Err(EngineError::config(format!(
                "Folio is not signed in to Dropbox ({}); run 'folio dropbox login' first",
                a.name
            )));
        }
        let source = self.state.source_account(a);
        let tokens = self.state.dropbox.tokens(&self.state.secrets, &source);
        api(&source.config, tokens).latest_cursor(root).await.map_err(|e| match e.kind {
            Kind::Gone => EngineError::config(format!("there is no folder {root} in that Dropbox")),
            _ => e.into(),
        })?;
        Ok(root.trim_end_matches('/').to_string())
    }
}
