//! Which OAuth app a browser sign-in goes through: the connector's own (its fields name it), or,
//! when the account names a sign-in relay (its `relay_url` field), the relay's. A relay adds the
//! app's client secret to the token exchange and each refresh, and owns the HTTPS redirect the
//! service insists on; the tokens still come back here and stay in the keychain.

use super::oauth::auth_error;
use crate::tokens::http;
use crate::EngineError;
use folio_auth::{Loopback, Provider, Relay, SignIn};
use folio_model::Config;
use folio_sources::account::OauthApp;

/// The field by which an account names its relay.
pub(crate) const RELAY_FIELD: &str = "relay_url";

/// A browser sign-in under way: where the browser comes back, what it carries, and where the
/// code is exchanged.
pub(crate) struct Begun {
    pub(crate) listener: Loopback,
    pub(crate) sign_in: SignIn,
    pub(crate) provider: Provider,
}

/// The relay an account's fields name, if any.
pub(crate) fn relay_of(config: &Config) -> Option<Relay> {
    let url = config.get(RELAY_FIELD).map(str::trim).filter(|u| !u.is_empty())?;
    Some(Relay::new(url))
}

/// Starts the sign-in of connector `id`: through the account's relay when it names one (the
/// relay's metadata gives the app; any free port, carried in the state), else with the app
/// `direct` gives (an error sentence when there is none, e.g. why a relay is needed).
pub(crate) async fn begin(
    id: &str,
    config: &Config,
    direct: impl FnOnce() -> Result<OauthApp, String>,
) -> Result<Begun, EngineError> {
    if let Some(relay) = relay_of(config) {
        let service = relay.service(&http(), id).await.map_err(auth_error)?;
        let listener = service.listen().await.map_err(auth_error)?;
        let sign_in = service.start(&listener, &[]).map_err(auth_error)?;
        return Ok(Begun { listener, sign_in, provider: service.provider });
    }
    let app = direct().map_err(EngineError::config)?;
    let listener = Loopback::bind(&app.ports, &app.path).await.map_err(auth_error)?;
    let params: Vec<(&str, &str)> =
        app.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sign_in = app.provider.start(&listener.redirect_uri(), &params).map_err(auth_error)?;
    Ok(Begun { listener, sign_in, provider: app.provider })
}

/// Where an account that signed in through a relay refreshes: the relay's refresh endpoint,
/// which puts the app's own client id and secret in (what is sent here for them is dropped).
pub(crate) fn refresher(id: &str, config: &Config) -> Option<Provider> {
    let relay = relay_of(config)?;
    let base = relay.url();
    Some(
        Provider::new("folio", "", format!("{base}/token/{id}"))
            .with_refresh_url(format!("{base}/refresh/{id}")),
    )
}
