//! The Application Password Folio signs in with: which one it is (WordPress's `introspect`
//! route, WordPress 5.7+), and revoking it when the site is removed from Folio, so no unused
//! password is left on the site.

use crate::wordpress::{check, WordPress};
use crate::{body, SiteError, SiteErrorCode as Code};
use reqwest::Method;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct AppPassword {
    pub uuid: String,
    pub name: String,
}

impl WordPress {
    /// The Application Password this client signs in with.
    pub async fn own_app_password(&self) -> Result<AppPassword, SiteError> {
        let route = "/wp/v2/users/me/application-passwords/introspect";
        let r = self.request(Method::GET, route).await?.send().await?;
        body::json(check(r).await?).await
    }

    /// Revokes the signed-in user's Application Password `uuid` (it may be the one in use).
    pub async fn revoke_app_password(&self, uuid: &str) -> Result<(), SiteError> {
        let safe = uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        if !safe || uuid.is_empty() {
            return Err(SiteError::new(Code::NotFound, format!("'{uuid}' is not a password id")));
        }
        let route = format!("/wp/v2/users/me/application-passwords/{uuid}");
        let r = self.request(Method::DELETE, &route).await?.send().await?;
        check(r).await.map(drop)
    }
}
