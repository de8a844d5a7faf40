//! A Shopify store: a custom app's Admin API token pasted, or a Dev Dashboard app's client id
//! and secret traded for 24-hour tokens (client credentials).

use folio_model::{ConnectorInfo, Field, Role, SignInKind};

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
