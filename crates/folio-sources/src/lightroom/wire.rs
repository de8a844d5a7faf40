//! The Lightroom Services API shapes Folio reads, as the published OpenAPI document
//! (`static/swagger.json` of AdobeDocs/lightroom-public-apis) defines them for `GET /v2/account`,
//! `GET /v2/catalog`, the album listing, an album's assets (with `embed=asset`) and the error
//! body; only the fields Folio reads. Shared by the client and the fake. Every JSON answer is
//! prefixed with `while (1) {}` ([`strip_prefix`]); times are RFC 3339 strings.

use serde::{Deserialize, Serialize};

/// Lightroom's guard against JSON hijacking, before every JSON body: `while (1) {}`, with any
/// white space between its tokens and after it (the guide's `/^while\s*\(\s*1\s*\)\s*{\s*}\s*/`).
pub fn strip_prefix(body: &str) -> &str {
    fn token<'a>(s: &'a str, t: &str) -> Option<&'a str> {
        s.trim_start().strip_prefix(t)
    }
    let stripped = token(body, "while")
        .and_then(|s| token(s, "("))
        .and_then(|s| token(s, "1"))
        .and_then(|s| token(s, ")"))
        .and_then(|s| token(s, "{"))
        .and_then(|s| token(s, "}"));
    match stripped {
        Some(rest) if body.trim_start().starts_with("while") => rest.trim_start(),
        _ => body,
    }
}

/// The prefix as Lightroom writes it (the fake puts it before every JSON answer).
pub const PREFIX: &str = "while (1) {}\n";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub id: String,
}

/// `links.next` and the like: `href` is relative to the answer's `base` (RFC 3986 §5.2).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Links {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Link>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    pub href: String,
}

/// Where `links.next.href` points: resolved against the answer's `base` (else the address
/// the page was asked at) as RFC 3986 §5.2 says, and only on the API's own origin, the only
/// one Folio sends the token and the key to.
pub fn next_page(
    api: &url::Url,
    base: Option<&str>,
    asked: &url::Url,
    href: &str,
) -> Result<url::Url, String> {
    let base = match base {
        Some(b) => url::Url::parse(b).map_err(|e| format!("base: {e}"))?,
        None => asked.clone(),
    };
    let next = base.join(href).map_err(|e| format!("next: {e}"))?;
    if next.origin() != api.origin() {
        let host = next.origin().ascii_serialization();
        return Err(format!("the next page is on another host ({host})"));
    }
    Ok(next)
}

/// One page of a listing: its resources, and where the next page is.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Page<T> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    #[serde(default = "Vec::new")]
    pub resources: Vec<T>,
    #[serde(default)]
    pub links: Links,
}

/// An album (`subtype` `project`) or a folder of albums (`project_set`); `payload.parent`
/// names the set it is in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Album {
    pub id: String,
    #[serde(default)]
    pub subtype: String,
    #[serde(default)]
    pub updated: String,
    #[serde(default)]
    pub payload: AlbumPayload,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlbumPayload {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Parent>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parent {
    pub id: String,
}

/// One entry of `GET …/albums/{id}/assets?embed=asset`: the album's link to an asset, with
/// the asset itself embedded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlbumAsset {
    pub id: String,
    pub asset: Asset,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Asset {
    pub id: String,
    /// `image` or `video`.
    #[serde(default)]
    pub subtype: String,
    /// Moved by the server on any change of the asset (an edit, a rating, a keyword).
    #[serde(default)]
    pub updated: String,
    #[serde(default)]
    pub payload: AssetPayload,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_source: Option<ImportSource>,
    /// The develop settings (crop, orientation, `xmpCameraRaw`, …): read whole, never
    /// interpreted, only hashed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub develop: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSource {
    #[serde(default)]
    pub file_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Lightroom's error body: `{"code": 4300, "description": "Access is forbidden"}`; Adobe's
/// gateway says `message` instead (a missing API key). A 429 has no body at all.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// `Access is forbidden`: the credential is not entitled to what was asked (the larger
/// renditions, without Adobe's rendition scope).
pub const FORBIDDEN: i64 = 4300;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_pages_resolve_against_base_and_stay_on_the_api_host() {
        let api = url::Url::parse("https://lr.adobe.io/").unwrap();
        let asked = url::Url::parse("https://lr.adobe.io/v2/catalogs/c1/albums?limit=5").unwrap();
        let base = Some("https://lr.adobe.io/v2/catalogs/c1/");
        let next = |base, href| next_page(&api, base, &asked, href).map(|u| u.to_string());
        let p2 = "https://lr.adobe.io/v2/catalogs/c1/albums/a1/assets?start=2";
        assert_eq!(next(base, "albums/a1/assets?start=2").unwrap(), p2);
        assert_eq!(next(base, "../c1/albums/a1/assets?start=2").unwrap(), p2);
        assert_eq!(next(base, "/v2/catalogs/c1/albums/a1/assets?start=2").unwrap(), p2);
        let without_base = "https://lr.adobe.io/v2/catalogs/c1/albums?name_after=x";
        assert_eq!(next(None, "albums?name_after=x").unwrap(), without_base);
        let elsewhere = next(base, "https://elsewhere.example/v2/albums").unwrap_err();
        assert!(elsewhere.contains("another host"), "{elsewhere}");
        assert!(next(base, "//elsewhere.example/x").is_err(), "a network-path reference");
    }

    #[test]
    fn the_json_guard_is_stripped_in_any_spacing_and_only_it() {
        assert_eq!(strip_prefix("while (1) {}\n{\"a\":1}"), "{\"a\":1}");
        assert_eq!(strip_prefix("while(1){}{}"), "{}");
        assert_eq!(strip_prefix("  while ( 1 )\t{ }\r\n[1]"), "[1]");
        assert_eq!(strip_prefix("{\"while\": 1}"), "{\"while\": 1}");
        assert_eq!(strip_prefix("while (2) {}{}"), "while (2) {}{}", "not the guard");
        assert_eq!(strip_prefix(""), "");
    }
}
