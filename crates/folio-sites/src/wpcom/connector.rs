//! A WordPress.com site, signed in with OAuth 2 through the sign-in relay (WordPress.com's
//! token exchange needs the app's client secret, which a desktop app cannot keep). The access
//! token does not expire; the site is the one named, else the one the token was made for.

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

pub const ID: &str = "wpcom";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "WordPress.com".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::OauthPkce],
        fields: vec![
            Field::url("relay_url", "Sign-in relay").required().help(
                "WordPress.com lets only a server finish a sign-in; the address of your Folio \
                 sign-in relay (see the README's Sign-in relay section)",
            ),
            Field::text("site", "Site").help(
                "The site's address or id, e.g. example.wordpress.com; empty: picked from the \
                 account's sites. A Business-plan site with plugins can instead be connected as \
                 a self-hosted WordPress with an Application Password, to get the companion \
                 plugin (re-edits that keep their URL)",
            ),
            Field::url("api_url", "API address")
                .advanced("FOLIO_WPCOM_API_URL")
                .default(super::API_URL),
        ],
    }
}

/// The site from `site`, else the blog the token was issued for (`blog_url` of the token
/// answer, which the sign-in passes along), with the access token the sign-in left in
/// `secrets["token"]`. A site given by id is shown as its WordPress.com media page.
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let given = config.value("site").trim();
    let given = if given.is_empty() {
        secrets.get("blog_url").map(|s| s.trim()).unwrap_or_default()
    } else {
        given
    };
    if given.is_empty() {
        return Err(
            "pick the WordPress.com site to publish to: --set site=example.wordpress.com".into()
        );
    }
    let site = super::site_id(given)
        .ok_or_else(|| format!("'{given}' is not a WordPress.com site address or id"))?;
    let token = secrets.get("token").map(|s| s.trim()).filter(|s| !s.is_empty());
    let token = token.ok_or("WordPress.com gave no access token; sign in again")?;
    let url = if site.chars().all(|c| c.is_ascii_digit()) {
        format!("https://wordpress.com/media/{site}")
    } else {
        format!("https://{}", site.replace("::", "/"))
    };
    Ok(SiteLogin { url, account: site, secret: token.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_site_and_the_token_make_the_login() {
        let relay = ("relay_url", "https://relay.example.com");
        let config = |pairs: &[(&str, &str)]| {
            let mut all = vec![relay];
            all.extend_from_slice(pairs);
            connector().config(&given(&all)).unwrap()
        };
        let made = login(
            &config(&[("site", "https://Photos.wordpress.com/")]),
            &given(&[("token", " tok ")]),
        )
        .unwrap();
        assert_eq!(made.url, "https://photos.wordpress.com");
        assert_eq!((made.account.as_str(), made.secret.as_str()), ("photos.wordpress.com", "tok"));
        assert!(!format!("{made:?}").contains("tok\""), "the token is not in Debug");
        let by_token =
            login(&config(&[]), &given(&[("token", "t"), ("blog_url", "http://blog.example.com")]));
        assert_eq!(by_token.unwrap().account, "blog.example.com");
        let by_id = login(&config(&[("site", "12345")]), &given(&[("token", "t")])).unwrap();
        assert_eq!(by_id.url, "https://wordpress.com/media/12345");
        let none = login(&config(&[]), &given(&[("token", "t")])).unwrap_err();
        assert!(none.contains("--set site="), "{none}");
        let no_token = login(&config(&[("site", "a.wordpress.com")]), &given(&[])).unwrap_err();
        assert!(no_token.contains("sign in again"));
        assert!(connector().config(&given(&[])).is_err(), "the relay is needed");
        assert_eq!(
            connector().config(&given(&[relay])).unwrap().get("api_url"),
            Some("https://public-api.wordpress.com")
        );
        let info = connector();
        assert!(info.fields.iter().all(|f| f.kind != folio_model::FieldKind::Secret));
    }
}
