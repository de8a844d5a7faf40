//! Connected sites: add (credentials checked first, secret to the keychain), check again,
//! reconnect with new credentials, remove, list with their state. Any kind the backends know.

use crate::pipeline::site_queue::site_state_for;
use crate::queue::workers;
use crate::site_tokens;
use crate::state::EngineState;
use crate::{Engine, EngineError};
use folio_model::{Capabilities, SiteId, SiteState};
use folio_store::Site;
use serde::Serialize;
use std::collections::BTreeMap;

/// A site to connect.
pub struct NewSite<'a> {
    pub name: &'a str,
    /// The backend: "wordpress", …
    pub kind: &'a str,
    pub url: &'a str,
    pub account: &'a str,
    /// The credential (an Application Password, a token). Goes to the keychain only.
    pub secret: &'a str,
    /// The connector's fields the person set (never a secret); `None`: just the address.
    pub fields: Option<&'a BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiteSummary {
    pub id: SiteId,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub account: String,
    pub capabilities: Capabilities,
    /// ok, reconnect or unreachable.
    pub state: SiteState,
    /// Why it is not ok.
    pub error: Option<String>,
}

pub(crate) fn summary(site: &Site) -> SiteSummary {
    SiteSummary {
        id: site.id,
        name: site.name.clone(),
        kind: site.kind.clone(),
        url: site.url.clone(),
        account: site.account.clone(),
        capabilities: EngineState::capabilities(site),
        state: site.state,
        error: site.state_error.clone(),
    }
}

/// A keychain entry name of the site's own: two sites whose names differ only in case or
/// punctuation never share (and overwrite) one credential.
fn secret_ref(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let unique = folio_convert::content_hash(format!("{name}{nanos}").as_bytes());
    format!("site-{}-{}", crate::slugify(name), &unique[..8])
}

impl Engine {
    /// Checks the credentials against the site before saving anything.
    pub async fn add_site(&self, new: NewSite<'_>) -> Result<SiteSummary, EngineError> {
        let store = &self.state.store;
        if store.site_by_name(new.name).await?.is_some() {
            return Err(EngineError::config(format!("a site named '{}' already exists", new.name)));
        }
        let url_only = BTreeMap::from([("url".to_string(), new.url.to_string())]);
        let given = serde_json::to_string(new.fields.unwrap_or(&url_only)).expect("serialises");
        let config = folio_sites::SiteConfig {
            kind: new.kind.to_string(),
            url: new.url.to_string(),
            account: new.account.to_string(),
            config: self.state.connector_config(new.kind, &given),
        };
        let (destination, secret) = site_tokens::checking(&self.state, &config, new.secret)?;
        let capabilities = destination.probe().await?;
        let secret_ref = secret_ref(new.name);
        self.state.secrets.set(&secret_ref, &secret.secret())?;
        let (name, kind, url, account) = (new.name, new.kind, new.url, new.account);
        let site = store.add_site(name, kind, url, account, &secret_ref, &given).await?;
        let caps_json = serde_json::to_string(&capabilities).expect("capabilities serialise");
        store.set_site_capabilities(site.id, &caps_json).await?;
        Ok(summary(&Site { capabilities: caps_json, ..site }))
    }

    async fn site_named(&self, name: &str) -> Result<Site, EngineError> {
        self.state
            .store
            .site_by_name(name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{name}'")))
    }

    /// Checks a site again (the Sites screen's "Test connection"): credentials, and what it can
    /// do now, e.g. after the companion plugin was installed. A paused site that answers runs
    /// again at once.
    pub async fn recheck_site(&self, name: &str) -> Result<SiteSummary, EngineError> {
        let site = self.site_named(name).await?;
        let q = workers::queue_for(&self.state, &site)?;
        match q.destination.probe().await {
            Ok(capabilities) => {
                let json = serde_json::to_string(&capabilities).expect("capabilities serialise");
                self.state.store.set_site_capabilities(site.id, &json).await?;
                workers::check(&self.state, &q).await?;
            }
            Err(e) => {
                if let Some(state) = site_state_for(&e) {
                    self.state.set_site_state(site.id, state, Some(&e.message)).await?;
                    q.state.send_replace(state);
                }
                return Err(e.into());
            }
        }
        Ok(summary(&self.site_named(name).await?))
    }

    /// New credentials for a site (its password was revoked): checked first, then kept in
    /// place of the old ones, and the site's waiting photos go up.
    pub async fn reconnect_site(
        &self,
        name: &str,
        secret: &str,
    ) -> Result<SiteSummary, EngineError> {
        let site = self.site_named(name).await?;
        let config = self.state.site_config(&site);
        let (destination, secret) = site_tokens::checking(&self.state, &config, secret)?;
        let capabilities = destination.probe().await?;
        self.state.secrets.set(&site.secret_ref, &secret.secret())?;
        let json = serde_json::to_string(&capabilities).expect("capabilities serialise");
        self.state.store.set_site_capabilities(site.id, &json).await?;
        // The next use makes a new queue with the new credentials.
        self.state.drop_queue(site.id);
        self.state.set_site_state(site.id, SiteState::Ok, None).await?;
        Ok(summary(&self.site_named(name).await?))
    }

    /// Forgets a site: its password, and what Folio uploaded there (the items stay on the site).
    /// A WordPress Application Password Folio knows the id of is revoked on the site first, when
    /// the site can still be reached; the answer says what happened to it, in words.
    pub async fn remove_site(&self, name: &str) -> Result<String, EngineError> {
        let site = self.site_named(name).await?;
        let secret = self.state.secrets.get(&site.secret_ref).ok();
        let said = match (&site.credential_id, secret, site.kind.as_str()) {
            (Some(uuid), Some(password), "wordpress") => {
                let revoked = match folio_sites::wordpress::WordPress::new(
                    &site.url,
                    &site.account,
                    &password,
                ) {
                    Ok(wp) => wp.revoke_app_password(uuid).await,
                    Err(e) => Err(e),
                };
                match revoked {
                    Ok(()) => "its Application Password was revoked on the site".to_string(),
                    Err(e) => format!(
                        "its Application Password could not be revoked ({}); revoke it in wp-admin → Users → Profile",
                        e.message
                    ),
                }
            }
            _ => {
                "its credentials were forgotten (revoke them on the site if you no longer use them)"
                    .into()
            }
        };
        self.state.store.remove_site(site.id).await?;
        self.state.drop_queue(site.id);
        self.state.secrets.delete(&site.secret_ref)?;
        let message = format!("Removed {name}; {said}; its photos stay on the site");
        self.state.store.log(None, "info", &message).await?;
        Ok(message)
    }

    pub async fn sites(&self) -> Result<Vec<SiteSummary>, EngineError> {
        Ok(self.state.store.sites().await?.iter().map(summary).collect())
    }
}
