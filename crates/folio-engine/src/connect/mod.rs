//! Connecting a WordPress site through WordPress's own approval page
//! (`authorize-application.php`): the user logs in to their site, presses Approve, and WordPress
//! sends a new Application Password back to Folio, on a listener on 127.0.0.1, through the app's
//! `folio://` address, or on the page for the user to paste. The answer counts only with the
//! state Folio put in it, only once, and only in time; the password is checked with the site
//! before anything is saved, and goes to the keychain only. The browser is told the outcome
//! only once it is decided. A password approved for a connect Folio already gave up is removed
//! from the site again.

mod address;
pub use address::percent_decode;
mod answer;
mod app;
mod connectors;
mod fields;
mod oauth;
mod relay;
mod session;
mod site_oauth;

pub(crate) use address::same_site;
pub use answer::LATE_GRACE;
pub use app::{app_callback_params, AppAnswers, Handed, LateAnswer};
pub use oauth::SIGN_IN_TIMEOUT;
pub(crate) use session::SignIns;

use crate::sites::SiteSummary;
use crate::{Engine, EngineError, ErrorCode};
use address::SiteAddress;
use folio_auth::{AuthError, Loopback, Page};
use folio_sites::discover::{self, Discovered, Problem};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// How long the user has to approve in the browser.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(600);
/// The app's own address for WordPress's answer (tauri-plugin-deep-link registers `folio:`).
pub const APP_CALLBACK: &str = "folio://connect";
const LOOPBACK_PATH: &str = "/wordpress";

/// Where WordPress sends the approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Callback {
    /// A one-shot listener on 127.0.0.1 (local sites, WordPress 7.0 and later, the CLI).
    Loopback,
    /// `folio://connect`, handed to the running app (see [`AppAnswers`]).
    App,
    /// None: WordPress shows the new password for the user to paste into Folio.
    Paste,
    /// The loopback where the site takes an http callback, else the app's address.
    Best,
}

/// A connect under way: open `url` in the browser, then wait for its answer.
pub struct WordPressConnect {
    pub url: String,
    /// The same page without a callback: WordPress then shows the password to paste.
    pub paste_url: String,
    pub site: Discovered,
    pub callback: Callback,
    /// The name the site is saved under (its title, unless one was given).
    pub name: String,
    /// The Application Password's name on the site ("Folio on …").
    pub app_name: String,
    state: String,
    listener: Option<Loopback>,
    inbox: Option<app::Inbox>,
}

impl WordPressConnect {
    pub fn state(&self) -> &str {
        &self.state
    }

    /// Still listening for its answer: it has not come (on 127.0.0.1 or through the app).
    pub fn is_waiting(&self) -> bool {
        self.listener.is_some() || self.inbox.is_some()
    }
}

fn random_hex(bytes: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect()
}

fn auth_error(e: AuthError) -> EngineError {
    EngineError::config(e.to_string())
}

fn timed_out(timeout: Duration) -> EngineError {
    EngineError::config(format!(
        "timed out waiting for approval on the site ({} s); nothing was saved",
        timeout.as_secs()
    ))
}

fn discover_error(e: discover::DiscoverError) -> EngineError {
    let code = match e.problem {
        Problem::PlainHttp => ErrorCode::Insecure,
        Problem::Unreachable => ErrorCode::Site,
        _ => ErrorCode::Config,
    };
    EngineError::new(code, e.message)
}

impl Engine {
    /// A per-install id WordPress lists the password under (`app_id`, a UUID).
    async fn app_uuid(&self) -> Result<String, EngineError> {
        let id = self
            .state
            .store
            .setting_or_insert("wordpress_app_id", || {
                let h = random_hex(16);
                format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
            })
            .await?;
        Ok(id)
    }

    /// Finds the site's approval page and makes the address to open. With a loopback
    /// callback, the listener accepts connections when this returns. For the app's address,
    /// [`AppAnswers::expect`] routes the answer to it.
    pub async fn wordpress_connect_start(
        &self,
        address: &str,
        allow_http: bool,
        callback: Callback,
        name: Option<&str>,
    ) -> Result<WordPressConnect, EngineError> {
        let site = discover::discover(address, allow_http).await.map_err(discover_error)?;
        let state = random_hex(16);
        let callback = match callback {
            Callback::Best if site.accepts_loopback_callback() => Callback::Loopback,
            Callback::Best => Callback::App,
            other => other,
        };
        let (listener, success_url) = match callback {
            Callback::Loopback => {
                let l = Loopback::bind(&[0], LOOPBACK_PATH).await.map_err(auth_error)?;
                let url = format!("{}?state={state}", l.redirect_uri());
                (Some(l), Some(url))
            }
            Callback::App => (None, Some(format!("{APP_CALLBACK}?state={state}"))),
            Callback::Paste | Callback::Best => (None, None),
        };
        // WordPress refuses a second password of the same name for a user: the time (and a
        // little of the state, for two connects in one second) makes it new.
        let computer = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "this computer".into());
        // "2026-12-06 10:31:07 UTC": makes each connect's password name new.
        let when = crate::clock::utc_now();
        let app_name = format!("Folio on {computer} ({when}, {})", &state[..4]);
        // Discovery only gives web addresses; parsed again to add the query.
        let mut paste = folio_auth::web_address(&site.authorize_url).map_err(auth_error)?;
        let app_id = self.app_uuid().await?;
        paste.query_pairs_mut().append_pair("app_name", &app_name).append_pair("app_id", &app_id);
        let mut url = paste.clone();
        if let Some(s) = &success_url {
            url.query_pairs_mut().append_pair("success_url", s);
        }
        let name = name.map(str::to_string).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
            if site.name.is_empty() {
                SiteAddress::of(&site.site_url).map(|a| a.label()).unwrap_or_default()
            } else {
                site.name.clone()
            }
        });
        Ok(WordPressConnect {
            url: url.to_string(),
            paste_url: paste.to_string(),
            site,
            callback,
            name,
            app_name,
            state,
            listener,
            inbox: None,
        })
    }

    /// Waits for WordPress's answer (on 127.0.0.1, or through the app's address), finishes the
    /// connect with it, and tells the browser the outcome once it is decided. Ends with an
    /// error at `timeout` or when `cancel` resolves; the connect is then handed to
    /// [`Self::wordpress_connect_abandon`], so that a late approval leaves no password behind.
    pub async fn wordpress_connect_wait(
        &self,
        c: &mut WordPressConnect,
        timeout: Duration,
        cancel: impl Future<Output = ()>,
    ) -> Result<SiteSummary, EngineError> {
        let deadline = Instant::now() + timeout;
        let stopped = || EngineError::config("the connect was stopped; nothing was saved");
        tokio::pin!(cancel);
        if let Some(listener) = &c.listener {
            let arrival = tokio::select! {
                a = listener.arrival(&c.state, deadline) => a,
                () = &mut cancel => return Err(stopped()),
            };
            let arrival = arrival.map_err(|e| match e {
                AuthError::TimedOut(_) => timed_out(timeout),
                other => auth_error(other),
            })?;
            // One answer per connect: the listener closes.
            c.listener = None;
            let decided = self.settle(c, &arrival.redirect.params).await;
            let page = match &decided {
                Ok(_) => Page::connected(),
                Err(refusal) => refusal.page(),
            };
            arrival.reply(&page).await;
            return decided.map_err(|r| r.error);
        }
        if let Some(inbox) = &mut c.inbox {
            let params = tokio::select! {
                p = tokio::time::timeout_at(deadline, &mut inbox.answer) => p,
                () = &mut cancel => return Err(stopped()),
            };
            let params = match params {
                Ok(Ok(params)) => params,
                _ => return Err(timed_out(timeout)),
            };
            c.inbox = None;
            return self.settle(c, &params).await.map_err(|r| r.error);
        }
        Err(EngineError::config(
            "this connect has no answer to wait for (its answer is pasted, or it ended)",
        ))
    }

    /// A connect that ended without its answer (stopped, timed out, replaced by another). An
    /// approval that still comes for it is not saved, and the password WordPress made for it
    /// is removed from the site: on 127.0.0.1 for `grace` more (or until `stop`), telling the
    /// browser; through the app's address, `AppAnswers` remembers the state and this returns at
    /// once. What happened to a late approval, if one came.
    pub async fn wordpress_connect_abandon(
        &self,
        mut c: WordPressConnect,
        grace: Duration,
        stop: impl Future<Output = ()>,
    ) -> Option<String> {
        // Dropping the inbox remembers the state as abandoned.
        c.inbox = None;
        let listener = c.listener.take()?;
        let arrival = tokio::select! {
            a = listener.arrival(&c.state, Instant::now() + grace) => a.ok()?,
            () = stop => return None,
        };
        drop(listener);
        let late = LateAnswer {
            site_url: c.site.site_url.clone(),
            app_name: c.app_name.clone(),
            params: arrival.redirect.params.clone(),
        };
        let (page, said) = self.revoke_late(&late).await;
        arrival.reply(&page).await;
        Some(said)
    }

    /// An approval handed in through the app's address for a connect Folio gave up
    /// ([`Handed::Late`]): its password is removed from the site. Says what happened.
    pub async fn wordpress_connect_late(&self, late: LateAnswer) -> String {
        self.revoke_late(&late).await.1
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A connect to `https://ex.com` as `wordpress_connect_start` makes one, without a site.
    pub(crate) fn connect_for_test(state: &str, callback: Callback) -> WordPressConnect {
        WordPressConnect {
            url: String::new(),
            paste_url: String::new(),
            site: Discovered {
                site_url: "https://ex.com".into(),
                name: "Ex".into(),
                authorize_url: "https://ex.com/wp-admin/authorize-application.php".into(),
                version: None,
                local: false,
            },
            callback,
            name: "Ex".into(),
            app_name: "Folio on test".into(),
            state: state.into(),
            listener: None,
            inbox: None,
        }
    }

    #[test]
    fn the_time_is_written_as_a_calendar_date() {
        let now = crate::clock::utc_now();
        assert_eq!(now.len(), 23, "{now}");
        assert!(now.starts_with("20") && now.ends_with(" UTC"), "{now}");
    }
}
