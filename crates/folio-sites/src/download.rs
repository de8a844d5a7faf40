//! Public files a site serves (thumbnails for the app's side-by-side view). Their addresses come
//! from the site, so they are not trusted: only the site's own host or the host its media is
//! served from, no private network address unless the site itself is on one, and a size cap
//! applied while the body streams. A name is looked up once, and the connection goes to the
//! addresses checked: a DNS answer that changes in between (a "rebinding" name, public for the
//! check and 127.0.0.1 for the connection) cannot send Folio into the photographer's network.

use crate::{body, SiteError, SiteErrorCode};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Fetches `url`, a file of the site at `site_url` (or of `media_url`'s host, where the site
/// serves its uploads from), refusing anything over `max_bytes`.
pub async fn download(
    url: &str,
    max_bytes: usize,
    site_url: &str,
    media_url: Option<&str>,
) -> Result<Vec<u8>, SiteError> {
    download_resolving(url, max_bytes, site_url, media_url, Arc::new(SystemResolver)).await
}

/// [`download`], with host names looked up by `resolver` (tests stand in for DNS with it).
pub async fn download_resolving(
    url: &str,
    max_bytes: usize,
    site_url: &str,
    media_url: Option<&str>,
    resolver: Arc<dyn Resolve>,
) -> Result<Vec<u8>, SiteError> {
    let refused = |why: &str| SiteError::new(SiteErrorCode::Rejected, format!("{url}: {why}"));
    let target = Url::parse(url).map_err(|_| refused("not a web address"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(refused("not a web address"));
    }
    let host_of =
        |u: &str| Url::parse(u).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let host = target.host_str().map(str::to_ascii_lowercase).ok_or_else(|| refused("no host"))?;
    let site_host = host_of(site_url);
    let allowed = [site_host.clone(), media_url.and_then(host_of)];
    if !allowed.iter().flatten().any(|h| *h == host) {
        return Err(refused("not served by the site"));
    }
    let port = target.port_or_known_default().unwrap_or(80);
    let addresses = lookup(&*resolver, &host, port).await.map_err(|e| {
        SiteError::new(SiteErrorCode::Network, format!("{url}: {host} could not be found ({e})"))
    })?;
    let private = |found: &[SocketAddr]| found.iter().any(|a| is_private(a.ip()));
    // A site on the internet cannot send Folio to the photographer's own network; a site that
    // is on it may fetch its own thumbnails.
    let site_private = match &site_host {
        Some(h) if *h == host => private(&addresses),
        Some(h) => lookup(&*resolver, h, 80).await.is_ok_and(|found| private(&found)),
        None => false,
    };
    if !site_private && private(&addresses) {
        return Err(refused("a private network address"));
    }
    let mut client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
        // A redirect could lead anywhere; thumbnails are fetched where the site said.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would look the name up again, and connect wherever it says.
        .no_proxy()
        // The name goes to the addresses just checked (the URL keeps it, so TLS and the Host
        // header still name the host); any other lookup is refused.
        .dns_resolver(Arc::new(NoLookups) as Arc<dyn Resolve>);
    if ip_literal(&host).is_none() {
        client = client.resolve_to_addrs(&host, &addresses);
    }
    let client = client.build().map_err(SiteError::from)?;
    let response = client.get(target).send().await?;
    if !response.status().is_success() {
        let code = if response.status() == reqwest::StatusCode::NOT_FOUND {
            SiteErrorCode::NotFound
        } else {
            SiteErrorCode::Unavailable
        };
        return Err(SiteError::new(code, format!("{url} answered {}", response.status())));
    }
    body::capped_bytes(response, max_bytes).await
}

fn ip_literal(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Every address `host` has (one lookup), on `port`.
async fn lookup(resolver: &dyn Resolve, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    if let Some(ip) = ip_literal(host) {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = Name::from_str(host).map_err(|_| "not a host name".to_string())?;
    let found: Vec<SocketAddr> = resolver
        .resolve(name)
        .await
        .map_err(|e| e.to_string())?
        .map(|a| SocketAddr::new(a.ip(), port))
        .collect();
    if found.is_empty() {
        return Err("no address".into());
    }
    Ok(found)
}

/// The system's resolver (getaddrinfo, on a blocking thread, as reqwest's own does).
struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::task::spawn_blocking(move || (host.as_str(), 0).to_socket_addrs())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)??;
            Ok(Box::new(found.collect::<Vec<_>>().into_iter()) as Addrs)
        })
    }
}

/// The client's resolver: the one name it may reach is given its addresses beforehand.
struct NoLookups;

impl Resolve for NoLookups {
    fn resolve(&self, name: Name) -> Resolving {
        let message = format!("{} was not checked before connecting", name.as_str());
        Box::pin(std::future::ready(Err(message.into())))
    }
}

/// Loopback, private, link-local, shared (CGNAT) and unspecified addresses.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses_are_told_from_public_ones() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.20",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.0.1",
            "0.0.0.0",
        ] {
            assert!(is_private(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"] {
            assert!(!is_private(public.parse().unwrap()), "{public}");
        }
    }
}
