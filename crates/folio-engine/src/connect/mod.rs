//! Connecting a WordPress site through WordPress's own approval page
//! (`authorize-application.php`): the user logs in to their site, presses Approve, and WordPress
//! sends a new Application Password back to Folio, on a listener on 127.0.0.1, through the app's
//! `folio://` address, or on the page for the user to paste. The answer counts only with the
//! state Folio put in it, only once, and only in time; the password is checked with the site
//! before anything is saved, and goes to the keychain only.

use crate::sites::{summary, NewSite, SiteSummary};
use crate::{Engine, EngineError, ErrorCode};
use folio_auth::{AuthError, Loopback};
use folio_sites::discover::{self, Discovered, Problem};
use folio_sites::wordpress::WordPress;
use folio_sites::Destination;
use std::collections::BTreeMap;
use std::time::Duration;

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
    /// `folio://connect`, handed to the running app.
    App,
    /// None: WordPress shows the new password for the user to paste into Folio.
    Paste,
    /// The loopback where the site takes an http callback, else the app's address.
    Best,
}

/// A connect under way: open `url` in the browser, then wait for or hand in the answer.
pub struct WordPressConnect {
    pub url: String,
    /// The same page without a callback: WordPress then shows the password to paste.
    pub paste_url: String,
    pub site: Discovered,
    pub callback: Callback,
    /// The name the site is saved under (its title, unless one was given).
    pub name: String,
    state: String,
    listener: Option<Loopback>,
}

impl WordPressConnect {
    pub fn state(&self) -> &str {
        &self.state
    }
}

fn random_hex(bytes: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..bytes).map(|_| format!("{:02x}", rng.random::<u8>())).collect()
}

fn auth_error(e: AuthError) -> EngineError {
    match e {
        AuthError::TimedOut(d) => EngineError::config(format!(
            "timed out waiting for approval on the site ({} s); nothing was saved",
            d.as_secs()
        )),
        other => EngineError::config(other.to_string()),
    }
}

fn discover_error(e: discover::DiscoverError) -> EngineError {
    let code = match e.problem {
        Problem::PlainHttp => ErrorCode::Insecure,
        Problem::Unreachable => ErrorCode::Site,
        _ => ErrorCode::Config,
    };
    EngineError::new(code, e.message)
}

/// The host (and port) of an address, for telling whether two addresses are one site.
fn host_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(format!("{}:{}", u.host_str()?.to_ascii_lowercase(), u.port_or_known_default()?))
}

/// "2026-12-06 10:31:07 UTC": makes each connect's password name new.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02} UTC")
}

/// The query of a `folio://connect?…` address the OS handed to the app.
pub fn app_callback_params(url: &str) -> Option<BTreeMap<String, String>> {
    let u = url::Url::parse(url).ok()?;
    (u.scheme() == "folio" && u.host_str() == Some("connect"))
        .then(|| u.query_pairs().into_owned().collect())
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
    /// callback, the listener accepts connections when this returns.
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
        let when = utc_now();
        let app_name = format!("Folio on {computer} ({when}, {})", &state[..4]);
        let mut paste = url::Url::parse(&site.authorize_url).map_err(|e| {
            EngineError::config(format!("the site's approval page address is not valid: {e}"))
        })?;
        let app_id = self.app_uuid().await?;
        paste.query_pairs_mut().append_pair("app_name", &app_name).append_pair("app_id", &app_id);
        let mut url = paste.clone();
        if let Some(s) = &success_url {
            url.query_pairs_mut().append_pair("success_url", s);
        }
        let name = name.map(str::to_string).filter(|n| !n.trim().is_empty()).unwrap_or_else(|| {
            if site.name.is_empty() {
                host_of(&site.site_url).unwrap_or_default()
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
            state,
            listener,
        })
    }

    /// Waits (loopback) for WordPress's answer, then finishes the connect.
    pub async fn wordpress_connect_wait(
        &self,
        mut c: WordPressConnect,
        timeout: Duration,
    ) -> Result<SiteSummary, EngineError> {
        let listener = c.listener.take().ok_or_else(|| {
            EngineError::config("this connect does not wait on 127.0.0.1; hand its answer in")
        })?;
        let redirect = listener.wait(&c.state, timeout).await.map_err(auth_error)?;
        self.wordpress_connect_answer(&c, &redirect.params).await
    }

    /// Finishes a connect with WordPress's answer (the redirect's query): the right state, an
    /// approval, and credentials that work on this site.
    pub async fn wordpress_connect_answer(
        &self,
        c: &WordPressConnect,
        params: &BTreeMap<String, String>,
    ) -> Result<SiteSummary, EngineError> {
        let state_ok = params.get("state").is_some_and(|s| *s == c.state);
        if !state_ok {
            return Err(EngineError::config(
                "this answer is not for the connect Folio started (wrong or missing state); nothing was saved",
            ));
        }
        if params.get("success").is_some_and(|s| s == "false") {
            return Err(EngineError::config(
                "the connection was rejected on the site; nothing was saved",
            ));
        }
        if params.get("error").is_some_and(|e| e == "disabled") {
            return Err(EngineError::config(
                "Application Passwords are turned off on the site; nothing was saved",
            ));
        }
        let (Some(site_url), Some(user), Some(password)) =
            (params.get("site_url"), params.get("user_login"), params.get("password"))
        else {
            return Err(EngineError::config(
                "the site's answer carried no credentials; nothing was saved",
            ));
        };
        // The answer names the site it came from; it must be the one being connected.
        if host_of(site_url) != host_of(&c.site.site_url) {
            return Err(EngineError::config(format!(
                "the answer came from {site_url}, not {}; nothing was saved",
                c.site.site_url
            )));
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
        self.save_approved(site_url, name, user.trim(), password.trim()).await
    }

    /// Checks the credentials with the site, then saves them: as a new site, or in place of an
    /// older password of the same site and user (which is revoked).
    async fn save_approved(
        &self,
        site_url: &str,
        name: &str,
        user: &str,
        password: &str,
    ) -> Result<SiteSummary, EngineError> {
        let wp = WordPress::new(site_url, user, password)?;
        let capabilities = wp.probe().await?;
        let uuid = wp.own_app_password().await.ok().map(|p| p.uuid);
        let store = &self.state.store;
        let same = store.sites().await?.into_iter().find(|s| {
            s.kind == "wordpress" && s.account == user && host_of(&s.url) == host_of(site_url)
        });
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
                };
                let s = self.add_site(new).await?;
                store.site(s.id).await?.expect("just added")
            }
        };
        store.set_site_credential_id(saved.id, uuid.as_deref()).await?;
        let json = serde_json::to_string(&capabilities).expect("capabilities serialise");
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folio_connect_addresses_are_taken_from_the_os() {
        let p = app_callback_params(
            "folio://connect?state=abc&site_url=https%3A%2F%2Fex.com&user_login=ann&password=x%20y",
        )
        .unwrap();
        assert_eq!(p["state"], "abc");
        assert_eq!(p["site_url"], "https://ex.com");
        assert_eq!(p["password"], "x y");
        assert!(app_callback_params("folio://other?state=abc").is_none());
        assert!(app_callback_params("https://connect?state=abc").is_none());
        assert!(app_callback_params("not a url").is_none());
    }

    #[test]
    fn the_time_is_written_as_a_calendar_date() {
        let now = utc_now();
        assert_eq!(now.len(), 23, "{now}");
        assert!(now.starts_with("20") && now.ends_with(" UTC"), "{now}");
    }

    #[test]
    fn one_site_is_one_host_and_port() {
        assert_eq!(host_of("https://Example.com/blog"), host_of("https://example.com"));
        assert_ne!(host_of("https://example.com"), host_of("https://evil.example"));
        assert_ne!(host_of("http://127.0.0.1:8080"), host_of("http://127.0.0.1:8081"));
    }
}
