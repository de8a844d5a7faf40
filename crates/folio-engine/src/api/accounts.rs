//! Accounts as every front end sees them: sources (a Dropbox) and destinations (each site is
//! one), with who is signed in and whether they work; the account an album reads with.

use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{Config, ConnectorInfo, Role, SiteState};
use folio_sources::{Source, SourceAccount, SourceConfig, SourceError, SourceErrorKind};
use folio_store::{Account, Album};
use serde::Serialize;
use std::sync::Arc;

/// One account, as `folio account list --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: i64,
    pub name: String,
    pub connector: String,
    pub roles: Vec<Role>,
    /// Who is signed in, as the service says.
    pub who: String,
    pub email: Option<String>,
    /// ok, reconnect or unreachable.
    pub state: SiteState,
    pub error: Option<String>,
}

/// One entry of an account's tree, for pickers (`folio browse`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BrowseEntry {
    /// Where it is, as the service shows it; an album location is `ACCOUNT:PATH`.
    pub path: String,
    pub name: String,
    /// `folder` or `item`.
    pub kind: &'static str,
    /// The photos or pages in it, where the listing says.
    pub count: Option<u32>,
    /// Whether [`crate::Engine::browse_preview`] has a picture of it.
    pub preview: bool,
}

/// A picture of one entry of an account's tree and how many photos it holds, for pickers.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct EntryPreview {
    /// A `data:` address of the picture (a few kilobytes), for the window's `<img>`.
    pub image: Option<String>,
    pub count: Option<u32>,
}

impl EngineState {
    pub(crate) fn connector(&self, id: &str) -> Option<ConnectorInfo> {
        let mut all = self.sources.connectors().chain(self.backends.connectors());
        all.find(|c| c.id == id).cloned()
    }

    /// An account's fields: what it stores, else its connector's fallbacks.
    pub(crate) fn account_config(&self, a: &Account) -> Config {
        self.connector_config(&a.connector, &a.config)
    }

    /// Stored fields (JSON) of an account of `connector`, with the connector's fallbacks.
    pub(crate) fn connector_config(&self, connector: &str, stored: &str) -> Config {
        let given: std::collections::BTreeMap<String, String> =
            serde_json::from_str(stored).unwrap_or_default();
        match self.connector(connector) {
            Some(info) => info.stored_config(given),
            None => Config(given),
        }
    }

    pub(crate) fn source_account(&self, a: &Account) -> SourceAccount {
        SourceAccount {
            id: a.id,
            config: self.account_config(a),
            secret_ref: a.secret_ref.clone(),
            signed_in_at: a.signed_in_at.clone(),
        }
    }

    /// The account `CONNECTOR:` means: the one named `preferred`, else the connector's first.
    pub(crate) async fn default_account(
        &self,
        connector: &str,
        preferred: &str,
    ) -> Result<Option<Account>, EngineError> {
        let mine: Vec<Account> =
            self.store.accounts().await?.into_iter().filter(|a| a.connector == connector).collect();
        let named = mine.iter().find(|a| a.name == preferred).cloned();
        Ok(named.or_else(|| mine.into_iter().min_by_key(|a| a.id)))
    }

    /// The source an album reads, with the account it reads with.
    pub(crate) async fn open_source(&self, album: &Album) -> Result<Arc<dyn Source>, SourceError> {
        let unavailable =
            |e: EngineError| SourceError::new(SourceErrorKind::Unavailable, e.message);
        let account = match album.account_id {
            Some(id) => self.store.account(id).await.map_err(|e| unavailable(e.into()))?,
            // Made before accounts existed: the connector's default account.
            None if album.source_kind != "folder" => self
                .default_account(&album.source_kind, &album.source_kind)
                .await
                .map_err(unavailable)?,
            None => None,
        };
        let config = SourceConfig {
            kind: album.source_kind.clone(),
            location: album.root.clone(),
            account: account.map(|a| self.source_account(&a)),
        };
        self.sources.open(&config)
    }
}

impl Engine {
    /// Every account, sources and destinations, by name.
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>, EngineError> {
        let accounts = self.state.store.accounts().await?;
        Ok(accounts
            .into_iter()
            .map(|a| {
                let roles = match self.state.connector(&a.connector) {
                    Some(info) => info.roles,
                    None if a.site.is_some() => vec![Role::Destination],
                    None => vec![Role::Source],
                };
                AccountSummary {
                    id: a.id,
                    name: a.name,
                    connector: a.connector,
                    roles,
                    who: a.who,
                    email: a.email,
                    state: a.state,
                    error: a.state_error,
                }
            })
            .collect())
    }

    /// What is in `path` of a source account (its top when empty): folders and items.
    pub async fn browse(&self, account: &str, path: &str) -> Result<Vec<BrowseEntry>, EngineError> {
        let a = self.account_named(account).await?;
        if a.site.is_some() {
            return Err(EngineError::new(
                ErrorCode::Unsupported,
                format!("{account} is where photos go; only sources can be browsed"),
            ));
        }
        self.browse_account(&a, path).await
    }

    /// A picture of the entry at `path` of a source account and its count, for entries
    /// [`Engine::browse`] listed with `preview`.
    pub async fn browse_preview(
        &self,
        account: &str,
        path: &str,
    ) -> Result<EntryPreview, EngineError> {
        let a = self.account_named(account).await?;
        if a.site.is_some() {
            return Ok(EntryPreview::default());
        }
        self.preview_account(&a, path).await
    }

    /// The account `CONNECTOR:` and a connector's own commands mean: the one named after the
    /// connector, else its first.
    pub async fn default_account(
        &self,
        connector: &str,
    ) -> Result<Option<AccountSummary>, EngineError> {
        let Some(a) = self.state.default_account(connector, connector).await? else {
            return Ok(None);
        };
        Ok(self.accounts().await?.into_iter().find(|s| s.id == a.id))
    }

    /// Signs an account out (revoking Folio's access where the service can) but keeps it, so
    /// its albums keep their place until it signs in again. Whether access was revoked.
    pub async fn sign_out_account(&self, name: &str) -> Result<bool, EngineError> {
        let a = self.account_named(name).await?;
        self.sign_out(&a).await
    }

    pub(crate) async fn account_named(&self, name: &str) -> Result<Account, EngineError> {
        self.state
            .store
            .account_by_name(name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no account named '{name}'")))
    }

    /// Forgets an account: a site's as `site remove` does (its password revoked where the site
    /// can), a source's after signing it out (revoked where the service can). A source account
    /// albums still read with stays until they are removed.
    pub async fn remove_account(&self, name: &str) -> Result<String, EngineError> {
        let a = self.account_named(name).await?;
        if a.site.is_some() {
            return self.remove_site(name).await;
        }
        let albums = self.state.store.albums_of_account(a.id).await?;
        if !albums.is_empty() {
            return Err(EngineError::config(format!(
                "{} album(s) read from {name}; remove them first ('folio album remove')",
                albums.len()
            )));
        }
        let revoked = match self.state.sources.oauth(&a.connector) {
            Some(_) => self.sign_out(&a).await?,
            None => {
                if let Some(reference) = &a.secret_ref {
                    self.state.secrets.delete(reference)?;
                }
                false
            }
        };
        self.state.store.remove_account(a.id).await?;
        let said = if revoked {
            "its access was revoked"
        } else {
            "its sign-in was forgotten here (revoke it in the service if you no longer use it)"
        };
        let message = format!("Removed the account {name}; {said}");
        self.state.store.log(None, "info", &message).await?;
        Ok(message)
    }
}
