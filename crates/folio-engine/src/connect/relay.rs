//! Which OAuth app a browser sign-in goes through: the connector's own (its fields name it), or,
//! when the account names a sign-in relay (its `relay_url` field), the relay's. A relay adds the
//! app's client secret to the token exchange and each refresh, and owns the HTTPS redirect the
//! service insists on; the tokens still come back here and stay in the keychain.

use super::oauth::auth_error;
use crate::tokens::{http, relay_of};
use crate::EngineError;
use folio_auth::{Loopback, Provider, SignIn};
use folio_model::Config;
use folio_sources::account::OauthApp;

/// A browser sign-in under way: where the browser comes back, what it carries, and where the
/// code is exchanged.
pub(crate) struct Begun {
    pub(crate) listener: Loopback,
    pub(crate) sign_in: SignIn,
    pub(crate) provider: Provider,
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
