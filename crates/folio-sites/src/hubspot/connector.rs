//! A HubSpot account's file manager, signed in with a private app's access token or a service
//! key pasted by the person.

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

pub const ID: &str = "hubspot";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "HubSpot".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste],
        fields: vec![
            Field::text("folder", "Folder")
                .default(super::DEFAULT_FOLDER)
                .help("The file manager folder Folio writes to; each album goes in its own folder under it"),
            Field::secret("token", "Access token").help(
                "A private app's access token or a service key, made in HubSpot under Settings → \
                 Integrations → Private apps (or Service keys), with the files scope",
            ),
            Field::url("api_url", "API address")
                .advanced("FOLIO_HUBSPOT_API_URL")
                .default(super::API_URL),
        ],
    }
}

/// The account's folder, signed in with the pasted token. The site's address is HubSpot's file
/// manager, for people to open (the account's portal id is not known before a request).
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let folder = super::folder_path(config.get("folder").unwrap_or(super::DEFAULT_FOLDER))?;
    let token = secrets.get("token").map(|s| s.trim()).filter(|s| !s.is_empty());
    let token = token.ok_or("give the access token (FOLIO_HUBSPOT_TOKEN)")?;
    Ok(SiteLogin {
        url: "https://app.hubspot.com/files".into(),
        account: folder,
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
    fn a_token_makes_the_login_with_the_folio_folder_by_default() {
        let config = |pairs| connector().config(&given(pairs)).unwrap();
        let made = login(&config(&[]), &given(&[("token", " pat-na1-x ")])).unwrap();
        assert_eq!((made.account.as_str(), made.secret.as_str()), ("/Folio", "pat-na1-x"));
        let other = login(&config(&[("folder", "Marketing/Photos/")]), &given(&[("token", "t")]));
        assert_eq!(other.unwrap().account, "/Marketing/Photos");
        let none = login(&config(&[]), &given(&[])).unwrap_err();
        assert!(none.contains("FOLIO_HUBSPOT_TOKEN"), "{none}");
        let root = login(&config(&[("folder", "/")]), &given(&[("token", "t")])).unwrap_err();
        assert!(root.contains("folder"), "{root}");
    }
}
