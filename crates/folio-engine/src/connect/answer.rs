//! What WordPress's answer is worth: checked (state, approval, credentials, the site it names),
//! then the password tried on the site, then saved. Each way it can fail says what went wrong,
//! with an HTTP status for the browser that brought it. And for a connect Folio gave up, the
//! approval's password is removed from the site instead.

use super::{same_site, LateAnswer, WordPressConnect};
use crate::sites::{summary, NewSite, SiteSummary};
use crate::{Engine, EngineError, ErrorCode};
use folio_auth::Page;
use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, SiteErrorCode};
use std::collections::BTreeMap;
use std::time::Duration;

/// After a connect is stopped or times out, how long its listener on 127.0.0.1 stays to remove
/// the password of an approval that comes late (the user pressed Approve just after).
pub const LATE_GRACE: Duration = Duration::from_secs(60);

/// An answer that connected nothing: why, and the status its browser gets.
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) error: EngineError,
}

impl Refusal {
    fn new(status: u16, message: impl Into<String>) -> Refusal {
        Refusal { status, error: EngineError::config(message) }
    }

    pub(crate) fn page(&self) -> Page {
        Page::failed(self.status, format!("Folio is not connected: {}.", self.error.message))
    }
}

/// A site error while the answer was being checked: its password refused (4xx), or the site or
/// Folio failing (5xx).
fn refusal(e: EngineError, refused: bool) -> Refusal {
    let status = match e.code {
        _ if refused => 403,
        ErrorCode::Site => 502,
        ErrorCode::Config => 409,
        _ => 500,
    };
    Refusal { status, error: e }
}

impl Engine {
    /// Finishes a connect with WordPress's answer (the redirect's query): the right state, an
    /// approval, and credentials that work on this site.
    pub async fn wordpress_connect_answer(
        &self,
        c: &WordPressConnect,
        params: &BTreeMap<String, String>,
    ) -> Result<SiteSummary, EngineError> {
        self.settle(c, params).await.map_err(|r| r.error)
    }

    pub(crate) async fn settle(
        &self,
        c: &WordPressConnect,
        params: &BTreeMap<String, String>,
    ) -> Result<SiteSummary, Refusal> {
        let state_ok = params.get("state").is_some_and(|s| folio_auth::loopback::same(s, &c.state));
        if !state_ok {
            return Err(Refusal::new(
                400,
                "this answer is not for the connect Folio started (wrong or missing state); nothing was saved",
            ));
        }
        if params.get("success").is_some_and(|s| s == "false") {
            return Err(Refusal::new(
                403,
                "the connection was rejected on the site; nothing was saved",
            ));
        }
        if params.get("error").is_some_and(|e| e == "disabled") {
            return Err(Refusal::new(
                403,
                "Application Passwords are turned off on the site; nothing was saved",
            ));
        }
        let credentials =
            (params.get("site_url"), params.get("user_login"), params.get("password"));
        let (Some(site_url), Some(user), Some(password)) = credentials else {
            return Err(Refusal::new(
                400,
                "the site's answer carried no credentials; nothing was saved",
            ));
        };
        if user.trim().is_empty() || password.trim().is_empty() {
            return Err(Refusal::new(
                400,
                "the site's answer carried no password; nothing was saved",
            ));
        }
        // The answer names the site it came from; it must be the one being connected.
        if !same_site(site_url, &c.site.site_url) {
            return Err(Refusal::new(
                400,
                format!(
                    "the answer came from {site_url}, not {}; nothing was saved",
                    c.site.site_url
                ),
            ));
        }
        self.save_approved(&c.site.site_url, &c.name, user, password).await
    }

    /// A password the user pasted from WordPress's approval page (`paste_url`, no callback),
    /// for the site at `site_url` that a connect discovered.
    pub async fn wordpress_connect_paste(
        &self,
        site_url: &str,
        name: &str,
        user: &str,
        password: &str,
    ) -> Result<SiteSummary, EngineError> {
        self.save_approved(site_url, name, user.trim(), password.trim()).await.map_err(|r| r.error)
    }

    /// Checks the credentials with the site, then saves them: as a new site, or in place of an
    /// older password of the same site and user (which is revoked).
    async fn save_approved(
        &self,
        site_url: &str,
        name: &str,
        user: &str,
        password: &str,
    ) -> Result<SiteSummary, Refusal> {
        let wp = WordPress::new(site_url, user, password).map_err(|e| refusal(e.into(), false))?;
        let capabilities = wp.probe().await.map_err(|e| {
            let refused = matches!(
                e.code,
                SiteErrorCode::NeedsReconnect
                    | SiteErrorCode::AuthHeaderStripped
                    | SiteErrorCode::Forbidden
            );
            let message = if refused {
                format!("{site_url} did not accept the password it sent ({}); nothing was saved", e.message)
            } else {
                format!("{site_url} could not be asked whether the password works ({}); nothing was saved", e.message)
            };
            refusal(EngineError::new(ErrorCode::Site, message), refused)
        })?;
        self.keep_approved(&wp, site_url, name, user, password, &capabilities)
            .await
            .map_err(|e| refusal(e, false))
    }

    async fn keep_approved(
        &self,
        wp: &WordPress,
        site_url: &str,
        name: &str,
        user: &str,
        password: &str,
        capabilities: &folio_model::Capabilities,
    ) -> Result<SiteSummary, EngineError> {
        let uuid = wp.own_app_password().await.ok().map(|p| p.uuid);
        let store = &self.state.store;
        // The account being signed in again, if it is one of the sites this password fits;
        // else the first that fits (two accounts of one user on one site are rare).
        let fitting: Vec<_> = store
            .sites()
            .await?
            .into_iter()
            .filter(|s| s.kind == "wordpress" && s.account == user && same_site(&s.url, site_url))
            .collect();
        let same = match fitting.iter().position(|s| s.name == name) {
            Some(at) => fitting.into_iter().nth(at),
            None => fitting.into_iter().next(),
        };
        let saved = match same {
            Some(old) => {
                let older = old.credential_id.clone().filter(|o| Some(o) != uuid.as_ref());
                self.reconnect_site(&old.name, password).await?;
                if let Some(older) = older {
                    // The old password is no longer Folio's: leave none unused on the site.
                    let _ = wp.revoke_app_password(&older).await;
                }
                old
            }
            None => {
                let mut unique = name.to_string();
                let mut n = 2;
                while store.site_by_name(&unique).await?.is_some() {
                    unique = format!("{name} {n}");
                    n += 1;
                }
                let new = NewSite {
                    name: &unique,
                    kind: "wordpress",
                    url: site_url,
                    account: user,
                    secret: password,
                    fields: None,
                };
                let s = self.add_site(new).await?;
                store.site(s.id).await?.expect("just added")
            }
        };
        store.set_site_credential_id(saved.id, uuid.as_deref()).await?;
        let json = serde_json::to_string(capabilities).expect("capabilities serialise");
        store.set_site_capabilities(saved.id, &json).await?;
        let who = format!("{user} at {site_url}");
        store
            .log(
                None,
                "info",
                &format!("Connected {} ({who}) through its approval page", saved.name),
            )
            .await?;
        Ok(summary(&store.site(saved.id).await?.expect("saved")))
    }

    /// Removes the password of an approval whose connect Folio gave up: the page for the
    /// browser that brought it, and what happened, in words (also in the activity log).
    pub(crate) async fn revoke_late(&self, late: &LateAnswer) -> (Page, String) {
        let p = &late.params;
        let gone = |message: String| (Page::failed(410, message.clone()), message);
        let credentials = (p.get("site_url"), p.get("user_login"), p.get("password"));
        let (Some(site_url), Some(user), Some(password)) = credentials else {
            return gone("Folio had stopped waiting for this approval; nothing was saved.".into());
        };
        if !same_site(site_url, &late.site_url) || password.trim().is_empty() {
            return gone("Folio had stopped waiting for this approval; nothing was saved.".into());
        }
        let said = match self.revoke_own(&late.site_url, user, password).await {
            Ok(Some(name)) => format!(
                "Folio had stopped waiting for this approval, so the Application Password \
                 \"{name}\" that {site_url} made for it was removed again. Nothing was saved."
            ),
            Ok(None) => {
                "Folio had stopped waiting for this approval; nothing was saved.".to_string()
            }
            Err(e) if e.code == SiteErrorCode::NeedsReconnect => format!(
                "Folio had stopped waiting for this approval; {site_url} did not accept the \
                 password it sent, so there is none to remove. Nothing was saved."
            ),
            Err(e) => format!(
                "Folio had stopped waiting for this approval, and the Application Password \
                 \"{}\" that {site_url} made for it could not be removed ({}): remove it in \
                 wp-admin → Users → Profile. Nothing was saved.",
                late.app_name, e.message
            ),
        };
        let _ = self.state.store.log(None, "info", &said).await;
        gone(said)
    }

    /// Removes the Application Password `user`/`password` signs in with, unless a saved site
    /// uses it; its name when it was removed.
    async fn revoke_own(
        &self,
        site_url: &str,
        user: &str,
        password: &str,
    ) -> Result<Option<String>, folio_sites::SiteError> {
        let wp = WordPress::new(site_url, user, password)?;
        let own = wp.own_app_password().await?;
        // A new password cannot be a saved site's; but one is removed only when that is sure.
        let sites = self.state.store.sites().await.unwrap_or_default();
        if sites.iter().any(|s| s.credential_id.as_deref() == Some(own.uuid.as_str())) {
            return Ok(None);
        }
        wp.revoke_app_password(&own.uuid).await?;
        Ok(Some(own.name))
    }
}
