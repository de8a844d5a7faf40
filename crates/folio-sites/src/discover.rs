//! From the address a photographer typed to WordPress's Application Passwords approval page:
//! the site's REST API (from the home page's `Link: <…>; rel="https://api.w.org/"` header, or
//! `?rest_route=/` where pretty permalinks are off), and in its index
//! `authentication."application-passwords".endpoints.authorization`. Nothing is sent but plain
//! GETs, so redirects (http → https, a moved site) are followed before any credential exists.
//! When the page is not there, the error says why in a photographer's words. The page's
//! address is the site's to name, and Folio hands it to the OS to open, so an address that is
//! not a plain web page (`file:`, `javascript:`, another app's scheme) is refused here.

use crate::{body, SiteError, SiteErrorCode as Code};
use std::time::Duration;
use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The site's address as WordPress gives it (its REST index's `url`).
    pub site_url: String,
    /// The site's title.
    pub name: String,
    /// `…/wp-admin/authorize-application.php`.
    pub authorize_url: String,
    /// From the home page's generator tag, when it shows one: (major, minor).
    pub version: Option<(u32, u32)>,
    /// On this computer or a local development name: WordPress accepts http callbacks there.
    pub local: bool,
}

impl Discovered {
    /// WordPress takes an `http://127.0.0.1` success URL on local sites and from 7.0 on.
    pub fn accepts_loopback_callback(&self) -> bool {
        self.local || self.version.is_some_and(|v| v >= (7, 0))
    }
}

/// What kind of problem stopped discovery, for front ends to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A plain-http address on the internet: the password would travel in clear.
    PlainHttp,
    Unreachable,
    NotWordPress,
    RestBlocked,
    AppPasswordsOff,
    /// The site names an approval page (or an address of its own) that is not an http(s)
    /// web address: it is not opened.
    NotWebAddress,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DiscoverError {
    pub problem: Problem,
    pub message: String,
}

fn problem(problem: Problem, message: impl Into<String>) -> DiscoverError {
    DiscoverError { problem, message: message.into() }
}

impl From<DiscoverError> for SiteError {
    fn from(e: DiscoverError) -> Self {
        let code = if e.problem == Problem::Unreachable { Code::Network } else { Code::Protocol };
        SiteError::new(code, e.message)
    }
}

/// Loopback addresses and names only a development machine uses.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    host == "localhost" || [".localhost", ".local", ".test"].iter().any(|s| host.ends_with(s))
}

/// The version in `<meta name="generator" content="WordPress 6.1.9" />`.
pub fn generator_version(html: &str) -> Option<(u32, u32)> {
    let at = html.find("content=\"WordPress ")?;
    let rest = &html[at + "content=\"WordPress ".len()..];
    let mut parts = rest.split(['.', '"', '-', ' ']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// The REST root in a `Link` header, if it names one.
pub fn rest_root_from_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .contains("rel=\"https://api.w.org/\"")
            .then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

fn not_web_reason(e: folio_auth::AuthError) -> String {
    match e {
        folio_auth::AuthError::NotWebAddress(why) => why,
        other => other.to_string(),
    }
}

fn client() -> Result<reqwest::Client, DiscoverError> {
    reqwest::Client::builder()
        .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        // No credential is sent while discovering, so any redirect may be followed.
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .map_err(|e| problem(Problem::Unreachable, format!("HTTP client: {e}")))
}

/// The addresses to try for what was typed: as typed, or https first (http too for a site on
/// this computer) when no scheme was given.
fn candidates(typed: &str) -> Result<Vec<Url>, DiscoverError> {
    let typed = typed.trim();
    let bad = || problem(Problem::NotWordPress, format!("'{typed}' is not a web address"));
    // A name and password in the address would be sent to whoever answers.
    let usable = |u: &Url| folio_auth::web_address(u.as_str()).is_ok();
    if typed.contains("://") {
        let url = Url::parse(typed).map_err(|_| bad())?;
        return if usable(&url) { Ok(vec![url]) } else { Err(bad()) };
    }
    let https = Url::parse(&format!("https://{typed}")).map_err(|_| bad())?;
    if !usable(&https) {
        return Err(bad());
    }
    let host = https.host_str().ok_or_else(bad)?.to_string();
    let mut all = vec![https];
    if is_local_host(&host) {
        all.push(Url::parse(&format!("http://{typed}")).map_err(|_| bad())?);
    }
    Ok(all)
}

/// Finds the approval page of the WordPress site at `typed`. A plain-http site that is not on
/// this computer is refused unless `allow_http` (the user confirmed it).
pub async fn discover(typed: &str, allow_http: bool) -> Result<Discovered, DiscoverError> {
    let http = client()?;
    let mut home = None;
    let mut last_error = String::new();
    for url in candidates(typed)? {
        match http.get(url.clone()).send().await {
            Ok(r) => {
                home = Some(r);
                break;
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    let home = home.ok_or_else(|| {
        problem(Problem::Unreachable, format!("could not reach {}: {last_error}", typed.trim()))
    })?;
    let landed = home.url().clone();
    let link = home
        .headers()
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(rest_root_from_link);
    let html = body::capped_bytes(home, 2 * 1024 * 1024).await.unwrap_or_default();
    let version = generator_version(&String::from_utf8_lossy(&html));
    let mut roots: Vec<Url> = link.and_then(|l| landed.join(&l).ok()).into_iter().collect();
    let mut query_root = landed.clone();
    query_root.set_fragment(None);
    query_root.set_query(Some("rest_route=/"));
    roots.push(query_root);
    let mut index = None;
    for root in roots {
        let Ok(r) = http.get(root).send().await else { continue };
        let ok = r.status().is_success();
        let json: Option<serde_json::Value> = body::capped_bytes(r, body::MAX_JSON_BYTES)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        if let Some(v) = json.filter(|v| ok && v.get("namespaces").is_some()) {
            index = Some(v);
            break;
        }
    }
    let Some(index) = index else {
        let what = if version.is_some() {
            "This WordPress site's REST API is blocked (often by a security plugin or the host), \
             so Folio cannot connect to it. Allow the REST API for logged-in users, or ask the host"
        } else {
            "No WordPress site answers at this address. Check the address (the one you log in to \
             wp-admin at, without /wp-admin)"
        };
        let kind = if version.is_some() { Problem::RestBlocked } else { Problem::NotWordPress };
        return Err(problem(kind, what));
    };
    let site_url = index["url"].as_str().map_or_else(|| landed.to_string(), str::to_string);
    // Saved with the site and shown: never anything but a web address.
    let site = folio_auth::web_address(&site_url).map_err(|e| {
        let why = not_web_reason(e);
        problem(
            Problem::NotWebAddress,
            format!("The site's REST API gives an address for it that is not a web page ({why})"),
        )
    })?;
    let local = site.host_str().is_some_and(is_local_host);
    if site.scheme() == "http" && !local && !allow_http {
        return Err(problem(
            Problem::PlainHttp,
            format!(
                "{site_url} is not encrypted (http, not https): the Application Password would \
                 travel in clear. Use the site's https:// address, or confirm that you want plain http"
            ),
        ));
    }
    let authorize = index["authentication"]["application-passwords"]["endpoints"]["authorization"]
        .as_str()
        .map(str::to_string);
    let Some(authorize_url) = authorize else {
        let why = if site.scheme() == "http" && !local {
            "WordPress offers Application Passwords only over https (or on a local development \
             site), and this site is plain http. Use its https:// address, or enter an \
             Application Password instead"
        } else {
            "Application Passwords are turned off on this site (by a security plugin or the \
             host), so WordPress cannot approve Folio. Turn them back on, or enter an \
             Application Password instead"
        };
        return Err(problem(Problem::AppPasswordsOff, why));
    };
    if let Err(e) = folio_auth::web_address(&authorize_url) {
        let why = not_web_reason(e);
        return Err(problem(
            Problem::NotWebAddress,
            format!(
                "The site names an approval page that is not a web page ({why}), and Folio \
                 opens only https:// and http:// pages in the browser. Enter an Application \
                 Password instead"
            ),
        ));
    }
    Ok(Discovered {
        site_url,
        name: index["name"].as_str().unwrap_or_default().to_string(),
        authorize_url,
        version,
        local,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_root_is_read_from_the_link_header() {
        let link = r#"<https://example.com/wp-json/>; rel="https://api.w.org/", <https://example.com/?p=2>; rel="shortlink""#;
        assert_eq!(rest_root_from_link(link).as_deref(), Some("https://example.com/wp-json/"));
        assert_eq!(rest_root_from_link(r#"<https://example.com/?p=2>; rel="shortlink""#), None);
    }

    #[test]
    fn the_version_is_read_from_the_generator_tag() {
        let html = r#"<meta name="generator" content="WordPress 6.1.9" />"#;
        assert_eq!(generator_version(html), Some((6, 1)));
        assert_eq!(generator_version(r#"content="WordPress 7.0-beta1""#), Some((7, 0)));
        assert_eq!(generator_version("<html>"), None);
    }

    #[test]
    fn local_sites_are_told_from_sites_on_the_internet() {
        for local in ["127.0.0.1", "localhost", "[::1]", "shop.local", "blog.test", "a.localhost"] {
            assert!(is_local_host(local), "{local}");
        }
        for remote in ["example.com", "192.168.1.20", "local.example.com", "test.org"] {
            assert!(!is_local_host(remote), "{remote}");
        }
    }

    #[test]
    fn an_address_without_a_scheme_is_tried_as_https_first() {
        let c = candidates("example.com/blog").unwrap();
        assert_eq!(c.iter().map(Url::as_str).collect::<Vec<_>>(), ["https://example.com/blog"]);
        let c = candidates("127.0.0.1:8080").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].as_str(), "http://127.0.0.1:8080/");
        assert!(candidates("mailto:me@example.com").is_err());
        assert!(candidates("ftp://example.com").is_err());
    }
}
