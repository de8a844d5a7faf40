//! Destinations that sign in through the browser (WordPress.com and HubSpot, through a sign-in
//! relay): a lasting access token (WordPress.com's) is the site's one secret, kept in the
//! keychain like a pasted one; where the token expires (HubSpot's, in 30 minutes) the refresh
//! token is kept instead and the access token renewed (`site_tokens`). When the account
//! reaches several sites and none was named, the person picks one.

use super::oauth::{auth_error, SIGN_IN_TIMEOUT};
use super::relay::{begin, Begun};
use crate::tokens::http;
use crate::{Engine, EngineError};
use folio_model::{ConnectorInfo, Field};
use std::collections::BTreeMap;

/// What a destination's sign-in gave: the access token, the refresh token where it expires,
/// and the token answer's other plain values.
pub(crate) struct SiteToken {
    pub(crate) token: String,
    pub(crate) refresh: Option<String>,
    pub(crate) answer: BTreeMap<String, String>,
}

impl SiteToken {
    /// The secret the site keeps, by the name its login takes it under.
    pub(crate) fn secrets(&self) -> BTreeMap<String, String> {
        match &self.refresh {
            Some(refresh) => BTreeMap::from([("refresh_token".to_string(), refresh.clone())]),
            None => BTreeMap::from([("token".to_string(), self.token.clone())]),
        }
    }

    /// The one secret, for a site signing in again.
    pub(crate) fn secret(&self) -> &str {
        self.refresh.as_deref().unwrap_or(&self.token)
    }
}

/// A destination's sign-in under way: its page is `url`.
pub(crate) struct SiteSignIn {
    pub(crate) url: String,
    begun: Begun,
}

impl Engine {
    /// Starts the browser sign-in of a destination: through the account's relay, which
    /// destinations that sign in this way need (their token exchange takes the app's secret).
    pub(crate) async fn site_oauth_start(
        &self,
        info: &ConnectorInfo,
        given: &BTreeMap<String, String>,
    ) -> Result<SiteSignIn, EngineError> {
        let config = info.config(given).map_err(EngineError::config)?;
        let label = &info.label;
        let no_relay = || {
            Err(format!(
                "{label} lets only a server finish a sign-in (its token exchange needs the app's \
                 secret): give the address of your Folio sign-in relay as relay_url (see the \
                 README's \"Sign-in relay\")"
            ))
        };
        let begun = begin(&info.id, &config, no_relay).await?;
        Ok(SiteSignIn { url: begun.sign_in.url.clone(), begun })
    }

    /// Waits for the browser and trades the code for the access token, with the token answer's
    /// other values (the site a WordPress.com token was made for).
    pub(crate) async fn site_oauth_finish(
        &self,
        info: &ConnectorInfo,
        s: SiteSignIn,
    ) -> Result<SiteToken, EngineError> {
        let Begun { listener, sign_in, provider } = s.begun;
        let redirect = listener.wait(&sign_in.state, SIGN_IN_TIMEOUT).await.map_err(auth_error)?;
        let code = redirect.code().map_err(auth_error)?.to_string();
        let tokens = provider.exchange(sign_in, &code, &http()).await.map_err(auth_error)?;
        let expires = tokens.expires_in.is_some() || tokens.refresh_token.is_some();
        if !expires {
            return Ok(SiteToken {
                token: tokens.access_token,
                refresh: None,
                answer: tokens.extra,
            });
        }
        // A token that expires, on a kind of site that cannot renew it, would leave the site in
        // "reconnect" within the hour: refused now rather than kept.
        match tokens.refresh_token {
            Some(refresh) if self.state.backends.renews(&info.id) => Ok(SiteToken {
                token: tokens.access_token,
                refresh: Some(refresh),
                answer: tokens.extra,
            }),
            _ => Err(EngineError::config(format!(
                "{} gave a token that expires; Folio keeps only lasting tokens for these sites, \
                 so connect it with a pasted token instead",
                info.label
            ))),
        }
    }

    /// The site an access token is for: the one named in `given`, else the only one it
    /// reaches (then written into `given`); a choice for the person when it reaches several.
    pub(crate) async fn site_to_pick(
        &self,
        info: &ConnectorInfo,
        given: &mut BTreeMap<String, String>,
        signed_in: &SiteToken,
    ) -> Result<Option<Field>, EngineError> {
        let config = info.config(given).map_err(EngineError::config)?;
        let backends = &self.state.backends;
        let listed = backends.sites(&info.id, &config, &signed_in.token, &signed_in.answer);
        let Some((field, listed)) = listed else {
            return Ok(None);
        };
        if given.get(&field).is_some_and(|v| !v.trim().is_empty()) {
            return Ok(None);
        }
        let sites = listed.await?;
        match sites.as_slice() {
            [] => Err(EngineError::config(format!(
                "this {} account has no site Folio could publish to",
                info.label
            ))),
            [(address, _)] => {
                given.insert(field, address.clone());
                Ok(None)
            }
            many => {
                let label = info.field(&field).map_or("Site".to_string(), |f| f.label.clone());
                let options: Vec<&str> = many.iter().map(|(address, _)| address.as_str()).collect();
                let names: Vec<String> =
                    many.iter().map(|(address, name)| format!("{name} ({address})")).collect();
                let help = format!("The sites this account reaches: {}", names.join(", "));
                Ok(Some(Field::choice(&field, &label, &options).required().help(&help)))
            }
        }
    }
}
