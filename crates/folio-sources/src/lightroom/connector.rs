//! Lightroom (cloud) through Adobe's Lightroom Services API: signed in through the user's own
//! sign-in relay (Adobe IMS wants the credential's secret at the token exchange and each
//! refresh, and an HTTPS redirect), albums read as their assets' renditions, and the API's
//! address and key as advanced fields so a test can point them at the fake.

use super::Rendition;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "lightroom";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Lightroom".into(),
        roles: vec![Role::Source],
        sign_in: vec![SignInKind::OauthPkce],
        fields: vec![
            Field::url("relay_url", "Sign-in relay").help(
                "Adobe lets only a server finish a sign-in; the address of your Folio sign-in \
                 relay (see the README's Sign-in relay section)",
            ),
            Field::choice("rendition", "Rendition", &["2048", "2560", "fullsize"])
                .help(
                    "Which picture Lightroom gives for each photo: 2048 pixels on the long \
                     edge (any credential), or 2560 or full size where Adobe's credential is \
                     entitled to them (else Folio falls back to 2048 and says so)",
                )
                .default("2048"),
            Field::text("client_id", "API key")
                .help(
                    "The Adobe credential's API key, as registered on the relay; empty: Folio \
                     asks the relay for it",
                )
                .advanced("FOLIO_LIGHTROOM_CLIENT_ID"),
            Field::url("api_url", "API address")
                .advanced("FOLIO_LIGHTROOM_API_URL")
                .default("https://lr.adobe.io"),
        ],
    }
}

/// The API's base address, without a trailing slash.
pub fn api_url(config: &Config) -> String {
    config.value("api_url").trim_end_matches('/').to_string()
}

/// The rendition the account asks for first.
pub fn rendition(config: &Config) -> Rendition {
    match config.value("rendition") {
        "2560" => Rendition::Large,
        "fullsize" => Rendition::Full,
        _ => Rendition::Standard,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendition_and_addresses_come_from_the_fields_with_their_defaults() {
        let info = connector();
        let mut given = std::collections::BTreeMap::new();
        let config = info.config(&given).unwrap();
        assert_eq!(rendition(&config), Rendition::Standard);
        assert_eq!(api_url(&config), "https://lr.adobe.io");
        assert_eq!(config.get("relay_url"), None, "no relay until the user names one");
        given.insert("rendition".to_string(), "fullsize".to_string());
        assert_eq!(rendition(&info.config(&given).unwrap()), Rendition::Full);
        given.insert("rendition".to_string(), "4096".to_string());
        assert!(info.config(&given).is_err(), "only the renditions Lightroom has");
    }
}
