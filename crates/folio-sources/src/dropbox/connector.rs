//! Dropbox through its API: the browser sign-in (OAuth 2 with PKCE on 127.0.0.1, no client
//! secret), with the app and the hosts as advanced fields so a person, an agency or a test can
//! point it at their own app or at the fake.

use super::Endpoints;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "dropbox";

/// The app key baked in at build time by the maintainers (`FOLIO_DROPBOX_APP_KEY` when
/// building); a build without one asks for the `client_id` field (see the README).
pub const BUILT_IN_APP_KEY: Option<&str> = option_env!("FOLIO_DROPBOX_APP_KEY");

pub fn connector() -> ConnectorInfo {
    let mut client_id = Field::text("client_id", "App key").advanced("FOLIO_DROPBOX_APP_KEY").help(
        "The app key of a Dropbox app (dropbox.com/developers/apps, scoped access, \
         files.metadata.read, files.content.read, account_info.read), with the redirect URIs \
         http://127.0.0.1:53682/dropbox, …:53683/dropbox and …:53684/dropbox",
    );
    client_id.default = BUILT_IN_APP_KEY.map(str::to_string);
    ConnectorInfo {
        id: ID.into(),
        label: "Dropbox".into(),
        roles: vec![Role::Source],
        sign_in: vec![SignInKind::OauthPkce],
        fields: vec![
            client_id,
            Field::url("auth_url", "Sign-in page")
                .advanced("FOLIO_DROPBOX_AUTHORIZE_URL")
                .default("https://www.dropbox.com/oauth2/authorize"),
            Field::url("token_url", "Token address")
                .advanced("FOLIO_DROPBOX_TOKEN_URL")
                .help("Empty: the API address's /oauth2/token"),
            Field::url("api_url", "API address")
                .advanced("FOLIO_DROPBOX_API_URL")
                .default("https://api.dropboxapi.com"),
            Field::url("content_url", "Content address")
                .advanced("FOLIO_DROPBOX_CONTENT_URL")
                .default("https://content.dropboxapi.com"),
            Field::url("notify_url", "Change-notification address")
                .advanced("FOLIO_DROPBOX_NOTIFY_URL")
                .default("https://notify.dropboxapi.com"),
        ],
    }
}

/// The hosts an account's config names.
pub fn endpoints(config: &Config) -> Endpoints {
    Endpoints {
        api: config.value("api_url").trim_end_matches('/').to_string(),
        content: config.value("content_url").trim_end_matches('/').to_string(),
        notify: config.value("notify_url").trim_end_matches('/').to_string(),
    }
}

/// Where codes and refresh tokens are traded.
pub fn token_url(config: &Config) -> String {
    match config.get("token_url").filter(|u| !u.is_empty()) {
        Some(url) => url.to_string(),
        None => format!("{}/oauth2/token", config.value("api_url").trim_end_matches('/')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosts_and_the_token_address_come_from_the_config() {
        let info = connector();
        let mut given = std::collections::BTreeMap::new();
        given.insert("api_url".to_string(), "http://127.0.0.1:9/".to_string());
        given.insert("client_id".to_string(), "my-own-app".to_string());
        let config = info.config(&given).unwrap();
        assert_eq!(token_url(&config), "http://127.0.0.1:9/oauth2/token");
        assert_eq!(endpoints(&config).api, "http://127.0.0.1:9");
        assert_eq!(config.get("client_id"), Some("my-own-app"));
        given.insert("token_url".to_string(), "https://relay.example/token/dropbox".to_string());
        assert_eq!(token_url(&info.config(&given).unwrap()), "https://relay.example/token/dropbox");
    }
}
