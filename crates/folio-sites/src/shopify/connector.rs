//! A Shopify store: a custom app's Admin API token pasted, or a Dev Dashboard app's client id
//! and secret traded for 24-hour tokens (client credentials).

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

pub const ID: &str = "shopify";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Shopify".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste, SignInKind::ClientCredentials],
        fields: vec![
            Field::text("store", "Store").required().help("STORE.myshopify.com"),
            Field::secret("token", "Admin API access token").help(
                "shpat_…, from a custom app (Settings → Apps → Develop apps) with the \
                 write_files and read_files scopes",
            ),
            Field::text("client_id", "Client id")
                .help("Of a Dev Dashboard app of yours installed on the store, instead of a token"),
            Field::secret("client_secret", "Client secret").help("Of that Dev Dashboard app"),
            Field::url("admin_url", "Admin API address")
                .advanced("FOLIO_SHOPIFY_ADMIN_URL")
                .help("Replaces https://STORE/"),
        ],
    }
}

/// A store's address from `store`, signed in with an Admin API token (the account says so), or
/// with a Dev Dashboard app's client id and secret.
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let url = super::store_domain(config.value("store")).map_err(|e| e.message)?;
    let secret = |name: &str| secrets.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let client_id = config.get("client_id").filter(|id| !id.is_empty());
    let (account, secret) = match (secret("token"), client_id, secret("client_secret")) {
        (Some(token), _, _) => (super::TOKEN_ACCOUNT, token),
        (None, Some(id), Some(secret)) => (id, secret),
        _ => {
            return Err("give the Admin API access token (FOLIO_SHOPIFY_TOKEN), or client_id with \
                        its secret (FOLIO_SHOPIFY_CLIENT_SECRET)"
                .into())
        }
    };
    Ok(SiteLogin { url, account: account.to_string(), secret: secret.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_token_or_an_apps_client_credentials_make_the_login() {
        let config = |pairs| connector().config(&given(pairs)).unwrap();
        let token = login(&config(&[("store", "My-Prints")]), &given(&[("token", " shpat_1 ")]));
        let token = token.unwrap();
        assert_eq!(
            (token.url.as_str(), token.account.as_str()),
            ("my-prints.myshopify.com", super::super::TOKEN_ACCOUNT)
        );
        assert_eq!(token.secret, "shpat_1");
        let app = config(&[("store", "my-prints.myshopify.com"), ("client_id", "abc")]);
        let app = login(&app, &given(&[("client_secret", "s3")])).unwrap();
        assert_eq!((app.account.as_str(), app.secret.as_str()), ("abc", "s3"));
        let none = login(&config(&[("store", "my-prints")]), &given(&[])).unwrap_err();
        assert!(none.contains("FOLIO_SHOPIFY_TOKEN"), "{none}");
        let bad = login(&config(&[("store", "not a store")]), &given(&[("token", "t")]));
        assert!(bad.unwrap_err().contains("myshopify.com"));
    }
}
