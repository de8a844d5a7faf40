//! A HubSpot account's file manager, signed in with a private app's access token or a service
//! key pasted by the person, or through the browser and a sign-in relay (HubSpot's token
//! exchange needs the OAuth app's secret). Then the keychain keeps the refresh token and the
//! 30-minute access tokens are renewed through the relay.

use crate::backends::SiteLogin;
use folio_model::{Config, ConnectorInfo, Field, Role, SignInKind};
use std::collections::BTreeMap;

pub const ID: &str = "hubspot";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "HubSpot".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste, SignInKind::OauthPkce],
        fields: vec![
            Field::text("folder", "Folder")
                .default(super::DEFAULT_FOLDER)
                .help("The file manager folder Folio writes to; each album goes in its own folder under it"),
            Field::secret("token", "Access token").help(
                "A private app's access token or a service key, made in HubSpot under Settings → \
                 Integrations → Private apps (or Service keys), with the files scope",
            ),
            Field::url("relay_url", "Sign-in relay").help(
                "Instead of a token: sign in through the browser with your Folio sign-in relay \
                 (its address; see the README's Sign-in relay section). HubSpot no longer lets \
                 new accounts make private apps",
            ),
            Field::url("api_url", "API address")
                .advanced("FOLIO_HUBSPOT_API_URL")
                .default(super::API_URL),
        ],
    }
}

/// The account's folder, signed in with the pasted token. The site's address is HubSpot's file
/// manager, for people to open (the account's portal id is not known before a request).
/// Signed in through the relay, the secret kept is the refresh token the sign-in gave
/// (`refresh_token`), which a site with a `relay_url` always holds.
pub fn login(config: &Config, secrets: &BTreeMap<String, String>) -> Result<SiteLogin, String> {
    let folder = super::folder_path(config.get("folder").unwrap_or(super::DEFAULT_FOLDER))?;
    let given = |name: &str| secrets.get(name).map(|s| s.trim()).filter(|s| !s.is_empty());
    let relayed = config.get("relay_url").is_some_and(|u| !u.trim().is_empty());
    let secret = match (relayed, given("token"), given("refresh_token")) {
        (true, Some(_), _) => {
            return Err("give either an access token or a sign-in relay, not both".into())
        }
        (true, None, Some(refresh)) => refresh,
        (true, None, None) => return Err("HubSpot gave no refresh token; sign in again".into()),
        (false, Some(token), _) => token,
        (false, None, _) => {
            return Err("give the access token (FOLIO_HUBSPOT_TOKEN), or a sign-in relay \
                        (--set relay_url=…)"
                .into())
        }
    };
    Ok(SiteLogin {
        url: "https://app.hubspot.com/files".into(),
        account: folder,
        secret: secret.to_string(),
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

    #[test]
    fn a_sign_in_through_the_relay_keeps_the_refresh_token_and_never_a_pasted_one() {
        let relayed = connector().config(&given(&[("relay_url", "https://relay.example")]));
        let relayed = relayed.unwrap();
        let made = login(&relayed, &given(&[("refresh_token", "rt-1")])).unwrap();
        assert_eq!(made.secret, "rt-1");
        let both = login(&relayed, &given(&[("token", "pat"), ("refresh_token", "rt-1")]));
        assert!(both.unwrap_err().contains("not both"));
        let none = login(&relayed, &given(&[])).unwrap_err();
        assert!(none.contains("sign in again"), "{none}");
        let plain = connector().config(&given(&[])).unwrap();
        let ignored = login(&plain, &given(&[("refresh_token", "rt-1")])).unwrap_err();
        assert!(ignored.contains("relay_url"), "{ignored}");
    }
}
