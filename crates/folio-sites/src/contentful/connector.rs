//! A Contentful space's environment, signed in with a Content Management API personal access
//! token pasted by the person.

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

pub const ID: &str = "contentful";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Contentful".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste],
        fields: vec![
            Field::text("space", "Space id")
                .required()
                .help("Settings → General settings → Space ID in the Contentful web app"),
            Field::text("environment", "Environment").default("master"),
            Field::text("locale", "Locale").help(
                "The locale the title, description and file go under; empty: the space's \
                 default locale",
            ),
            Field::secret("token", "Personal access token").help(
                "CFPAT-…, made in the web app under Settings (the cog) → CMA tokens → Create \
                 personal access token; it has your rights in every space you can edit",
            ),
            Field::url("api_url", "Management API address")
                .advanced("FOLIO_CONTENTFUL_API_URL")
                .default(super::API_URL),
            Field::url("upload_url", "Upload API address")
                .advanced("FOLIO_CONTENTFUL_UPLOAD_URL")
                .default(super::UPLOAD_URL),
        ],
    }
}

/// A space's environment from `space` and `environment`, signed in with the pasted token. The
/// site's address is the environment's page in the web app, for people to open.
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let space = config.value("space").trim();
    let environment = config.get("environment").map(str::trim).filter(|e| !e.is_empty());
    let environment = environment.unwrap_or("master");
    for (what, id) in [("space id", space), ("environment", environment)] {
        if !super::valid_id(id) {
            return Err(format!(
                "'{id}' is not a Contentful {what} (letters, digits, '-', '_' and '.', at most 64)"
            ));
        }
    }
    let token = secrets.get("token").map(|s| s.trim()).filter(|s| !s.is_empty());
    let token = token.ok_or("give the personal access token (FOLIO_CONTENTFUL_TOKEN)")?;
    Ok(SiteLogin {
        url: format!("https://app.contentful.com/spaces/{space}/environments/{environment}"),
        account: space.to_string(),
        secret: token.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_space_and_a_token_make_the_login_with_master_by_default() {
        let config = |pairs| connector().config(&given(pairs)).unwrap();
        let made = login(&config(&[("space", "abc123")]), &given(&[("token", " CFPAT-x ")]));
        let made = made.unwrap();
        assert_eq!(made.url, "https://app.contentful.com/spaces/abc123/environments/master");
        assert_eq!((made.account.as_str(), made.secret.as_str()), ("abc123", "CFPAT-x"));
        let staging = config(&[("space", "abc123"), ("environment", "staging")]);
        assert!(login(&staging, &given(&[("token", "t")])).unwrap().url.ends_with("/staging"));
        let none = login(&config(&[("space", "abc123")]), &given(&[])).unwrap_err();
        assert!(none.contains("FOLIO_CONTENTFUL_TOKEN"), "{none}");
        let bad = login(&config(&[("space", "not a space")]), &given(&[("token", "t")]));
        assert!(bad.unwrap_err().contains("space id"));
        assert!(connector().config(&given(&[])).is_err(), "the space is needed");
    }
}
