//! Figma through its REST API, signed in with a personal access token the person pastes (a
//! desktop app cannot keep an OAuth app's secret, and a token needs no relay). The API's
//! address is an advanced field so a test can point it at the fake.

use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "figma";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Figma".into(),
        roles: vec![Role::Source],
        sign_in: vec![SignInKind::Paste],
        fields: vec![
            Field::secret("token", "Personal access token").required().help(
                "Made in Figma under Settings → Security → Personal access tokens, with the \
                 File content scope (read-only). Figma's tokens expire within 90 days; make a \
                 new one and reconnect then",
            ),
            Field::url("api_url", "API address")
                .advanced("FOLIO_FIGMA_API_URL")
                .default("https://api.figma.com"),
        ],
    }
}

/// The API's base address, without a trailing slash.
pub fn api_url(config: &Config) -> String {
    config.value("api_url").trim_end_matches('/').to_string()
}
