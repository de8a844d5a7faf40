//! When two addresses are one WordPress site. Several sites can share a host: a multisite's
//! subdirectory sites (`https://h/blog2`), installs in subfolders. So a site is its host, its
//! port and its path, written one way whatever way it was typed or answered; the scheme is not
//! part of it, so a site that moved from http to https is still the same site.

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SiteAddress {
    /// Lowercase; IDNs as punycode, as the url crate writes them.
    host: String,
    /// None for the scheme's usual port (80 or 443): `http://h` and `https://h` are one site.
    port: Option<u16>,
    /// Percent-decoded, without trailing slashes: `/` is empty.
    path: String,
}

impl SiteAddress {
    /// The identity of a site's address; `None` when it is not an http(s) address with a host.
    pub(crate) fn of(address: &str) -> Option<SiteAddress> {
        let url = Url::parse(address.trim()).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let host = url.host_str().filter(|h| !h.is_empty())?;
        // A fully qualified name's final dot names the same host.
        let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
        let port = url.port_or_known_default().filter(|p| !matches!(p, 80 | 443));
        let path = percent_decode(url.path());
        Some(SiteAddress { host, port, path: path.trim_end_matches('/').to_string() })
    }

    /// `example.com/blog2`, `127.0.0.1:8080`: the site for people, when it has no title.
    pub(crate) fn label(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{port}{}", self.host, self.path),
            None => format!("{}{}", self.host, self.path),
        }
    }
}

/// Whether `a` and `b` are the address of one site; never for an address that is not one.
pub(crate) fn same_site(a: &str, b: &str) -> bool {
    match (SiteAddress::of(a), SiteAddress::of(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `%xx` to its byte; `/blog%32` and `/blog2` are one path (a site's address, a path the app's
/// image protocol is asked for). Invalid UTF-8 is kept as escapes
/// would show it, so two different paths never decode alike.
pub fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| {
        e.into_bytes()
            .iter()
            .map(|&b| if b.is_ascii() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_its_host_port_and_path() {
        let same = [
            ("https://Example.com/blog", "https://example.com/blog/"),
            ("https://example.com", "https://example.com/"),
            ("http://example.com/blog", "https://example.com/blog"),
            ("https://example.com:443/blog", "http://example.com/blog"),
            ("https://example.com./blog", "https://EXAMPLE.com/blog//"),
            ("https://example.com/caf%C3%A9", "https://example.com/café"),
            ("https://example.com/blog%32", "https://example.com/blog2"),
            ("https://example.com/blog?page=2#top", "https://example.com/blog"),
            ("http://127.0.0.1:8080/wp", "https://127.0.0.1:8080/wp/"),
        ];
        for (a, b) in same {
            assert!(same_site(a, b), "{a} and {b} are one site");
        }
        let different = [
            ("https://example.com", "https://example.com/blog2"),
            ("https://example.com/blog", "https://example.com/blog2"),
            ("https://example.com/Blog", "https://example.com/blog"),
            ("https://example.com", "https://evil.example"),
            ("https://example.com", "https://www.example.com"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8081"),
            ("https://example.com:8443", "https://example.com"),
            ("https://example.com", "ftp://example.com"),
            ("not an address", "not an address"),
        ];
        for (a, b) in different {
            assert!(!same_site(a, b), "{a} and {b} are two sites");
        }
    }

    #[test]
    fn a_site_without_a_title_is_named_by_its_address() {
        let label = |a: &str| SiteAddress::of(a).unwrap().label();
        assert_eq!(label("https://Example.com/blog2/"), "example.com/blog2");
        assert_eq!(label("http://127.0.0.1:8080/"), "127.0.0.1:8080");
    }
}
