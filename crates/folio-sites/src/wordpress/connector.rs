//! A self-hosted WordPress site: approved in the browser (WordPress's "Authorize application"
//! page hands Folio an Application Password), or with one pasted.

use folio_model::{ConnectorInfo, Field, Role, SignInKind};

pub const ID: &str = "wordpress";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "WordPress".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::WordpressApproval, SignInKind::Paste],
        fields: vec![
            Field::url("url", "Site address")
                .required()
                .help("Your site's address, e.g. https://example.com or https://example.com/blog"),
            Field::text("user", "User name").help(
                "The WordPress user Folio publishes as; not needed when you approve Folio in the browser",
            ),
            Field::secret("password", "Application Password").help(
                "wp-admin → Users → Profile → Application Passwords; not needed when you approve \
                 Folio in the browser",
            ),
        ],
    }
}
