//! OpenRouter: one key reaches many image and vision models. Folio signs in through
//! OpenRouter's PKCE page, which answers with a lasting key (no client id, no secret, so no
//! relay), or takes a pasted key. The addresses are advanced fields so a test can point them
//! at the fake.

use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "openrouter";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "OpenRouter".into(),
        roles: vec![Role::Source],
        sign_in: vec![SignInKind::OauthPkce, SignInKind::Paste],
        fields: vec![
            Field::secret("api_key", "API key").help(
                "Leave empty to sign in through OpenRouter in the browser; or paste a key made \
                 at openrouter.ai under Settings → Keys. Folio spends from it only after you \
                 have seen the estimated cost and said yes",
            ),
            Field::url("api_url", "API address")
                .advanced("FOLIO_OPENROUTER_API_URL")
                .default("https://openrouter.ai/api/v1"),
            Field::url("auth_url", "Sign-in page")
                .advanced("FOLIO_OPENROUTER_AUTH_URL")
                .default("https://openrouter.ai/auth"),
        ],
    }
}

/// The API's base address, without a trailing slash.
pub fn api_url(config: &Config) -> String {
    config.value("api_url").trim_end_matches('/').to_string()
}

/// The browser sign-in page.
pub fn auth_url(config: &Config) -> String {
    config.value("auth_url").trim().to_string()
}
