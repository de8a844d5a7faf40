//! Sites whose sign-in gives an access token that expires (HubSpot through the sign-in relay,
//! 30 minutes): the site's keychain entry holds the refresh token, and the access token is
//! renewed through the relay named in the site's fields, like a source account's. Other sites
//! keep the one secret they were given.

use crate::state::EngineState;
use crate::tokens::{http, refresher};
use crate::EngineError;
use folio_auth::{Keychain, TokenSource};
use folio_sites::{Destination, SiteConfig, SiteError};
use folio_store::Site;
use std::sync::{Arc, Mutex};

/// The destination of a kept site, signed in with its keychain entry.
pub(crate) fn kept(state: &EngineState, site: &Site) -> Result<Arc<dyn Destination>, EngineError> {
    let config = state.site_config(site);
    let keychain = Arc::new(state.secrets.clone());
    if let Some(token) = renewing(state, &config, keychain, &site.secret_ref) {
        return Ok(state.backends.connect_renewing(&config, token)?);
    }
    let secret = state.secrets.get(&site.secret_ref)?;
    Ok(state.backends.connect(&config, &secret)?)
}

/// A destination for a site not kept yet (just signed in, or signed in again) with `secret`,
/// to check before anything is kept; then [`Unsaved::secret`] is what to keep, a refresh
/// token the check renewed and the service rotated included.
pub(crate) fn checking(
    state: &EngineState,
    config: &SiteConfig,
    secret: &str,
) -> Result<(Arc<dyn Destination>, Arc<Unsaved>), SiteError> {
    let unsaved = Arc::new(Unsaved(Mutex::new(secret.to_string())));
    let destination = match renewing(state, config, unsaved.clone(), UNSAVED) {
        Some(token) => state.backends.connect_renewing(config, token)?,
        None => state.backends.connect(config, secret)?,
    };
    Ok((destination, unsaved))
}

/// The renewing access token of a site of a kind that keeps one, signed in through a relay.
fn renewing(
    state: &EngineState,
    config: &SiteConfig,
    keychain: Arc<dyn Keychain>,
    key: &str,
) -> Option<folio_sites::Renewing> {
    if !state.backends.renews(&config.kind) {
        return None;
    }
    let provider = refresher(&config.kind, &config.config)?;
    Some(Arc::new(TokenSource::new(provider, keychain, key, http())))
}

const UNSAVED: &str = "unsaved";

/// The one secret of a site being checked, in memory until the check passes.
pub(crate) struct Unsaved(Mutex<String>);

impl Unsaved {
    pub(crate) fn secret(&self) -> String {
        self.0.lock().expect("unsaved secret").clone()
    }
}

impl Keychain for Unsaved {
    fn get(&self, _key: &str) -> Result<Option<String>, String> {
        Ok(Some(self.secret()))
    }

    fn set(&self, _key: &str, value: &str) -> Result<(), String> {
        *self.0.lock().expect("unsaved secret") = value.to_string();
        Ok(())
    }
}
