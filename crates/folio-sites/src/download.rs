//! Public files a site serves (thumbnails for the app's side-by-side view). Their addresses come
//! from the site, so they are not trusted: only the site's own host or the host its media is
//! served from, no private network address unless the site itself is on one, and a size cap
//! applied while the body streams.

use crate::{body, SiteError, SiteErrorCode};
use std::net::IpAddr;
use url::Url;

/// Fetches `url`, a file of the site at `site_url` (or of `media_url`'s host, where the site
/// serves its uploads from), refusing anything over `max_bytes`.
pub async fn download(
    url: &str,
    max_bytes: usize,
    site_url: &str,
    media_url: Option<&str>,
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
    // A site on the internet cannot send Folio to the photographer's own network.
    let site_private = match &site_host {
        Some(h) => resolves_private(h, 80).await,
        None => false,
    };
    let port = target.port_or_known_default().unwrap_or(80);
    if !site_private && resolves_private(&host, port).await {
        return Err(refused("a private network address"));
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
        // A redirect could lead anywhere; thumbnails are fetched where the site said.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(SiteError::from)?;
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

async fn resolves_private(host: &str, port: u16) -> bool {
    let trimmed = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = trimmed.parse::<IpAddr>() {
        return is_private(ip);
    }
    match tokio::net::lookup_host((trimmed, port)).await {
        Ok(addrs) => addrs.into_iter().any(|a| is_private(a.ip())),
        // Unresolvable: the request fails by itself.
        Err(_) => false,
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
