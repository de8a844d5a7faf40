//! Canva through its Connect API: signed in through the user's own sign-in relay (Canva's token
//! endpoint always wants the integration's secret, which a desktop app cannot keep), designs
//! exported as PNG or JPG, and the API's address as an advanced field so a test can point it
//! at the fake.

use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "canva";

/// Canva's default JPG quality when the account sets none.
pub const DEFAULT_JPG_QUALITY: u8 = 90;

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Canva".into(),
        roles: vec![Role::Source],
        sign_in: vec![SignInKind::OauthPkce],
        fields: vec![
            Field::url("relay_url", "Sign-in relay").help(
                "Canva lets only a server finish a sign-in; the address of your Folio sign-in \
                 relay (see the README's Sign-in relay section)",
            ),
            Field::choice("format", "Export as", &["png", "jpg"])
                .help("How Canva exports each page: PNG (lossless) or JPG")
                .default("png"),
            Field::text("jpg_quality", "JPG quality")
                .help("1 to 100, for JPG exports")
                .default(&DEFAULT_JPG_QUALITY.to_string()),
            Field::url("api_url", "API address")
                .advanced("FOLIO_CANVA_API_URL")
                .default("https://api.canva.com/rest"),
        ],
    }
}

/// The API's base address, without a trailing slash.
pub fn api_url(config: &Config) -> String {
    config.value("api_url").trim_end_matches('/').to_string()
}

/// How an account's pages are exported; a quality out of 1–100 is brought into it.
pub fn export_kind(config: &Config) -> super::Export {
    match config.value("format") {
        "jpg" => {
            let quality = config.value("jpg_quality").trim().parse::<u32>().ok();
            super::Export::Jpg(quality.map_or(DEFAULT_JPG_QUALITY, |q| q.clamp(1, 100) as u8))
        }
        _ => super::Export::Png,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canva::Export;

    #[test]
    fn format_and_quality_come_from_the_fields_with_their_defaults() {
        let info = connector();
        let mut given = std::collections::BTreeMap::new();
        let config = info.config(&given).unwrap();
        assert_eq!(export_kind(&config), Export::Png);
        assert_eq!(api_url(&config), "https://api.canva.com/rest");
        assert_eq!(config.get("relay_url"), None, "no relay until the user names one");
        given.insert("format".to_string(), "jpg".to_string());
        assert_eq!(export_kind(&info.config(&given).unwrap()), Export::Jpg(90));
        given.insert("jpg_quality".to_string(), "400".to_string());
        assert_eq!(export_kind(&info.config(&given).unwrap()), Export::Jpg(100));
        given.insert("format".to_string(), "gif".to_string());
        assert!(info.config(&given).is_err(), "only png and jpg");
    }
}
