//! A self-hosted WordPress site: approved in the browser (WordPress's "Authorize application"
//! page hands Folio an Application Password), or with one pasted.

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

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

/// A pasted Application Password: it belongs to a user, who must be named.
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let user = config.value("user").trim();
    let password = secrets.get("password").map(|p| p.trim()).unwrap_or_default();
    if password.is_empty() {
        return Err("WordPress needs its Application Password (FOLIO_WORDPRESS_PASSWORD)".into());
    }
    if user.is_empty() {
        return Err("a pasted Application Password needs its user: --set user=NAME".into());
    }
    let url = config.value("url").to_string();
    Ok(SiteLogin { url, account: user.to_string(), secret: password.to_string() })
}
