//! The browser sign-in of an OAuth 2 connector (authorization code with PKCE, the browser
//! coming back to a listener on 127.0.0.1): started with the account's fields, finished when
//! the browser returns, the refresh token kept in the keychain only.

use crate::dropbox_sign_in::DropboxSignIn;
use crate::{Engine, EngineError, ErrorCode};
use folio_model::ConnectorInfo;
use std::collections::BTreeMap;

pub(crate) type OauthSignIn = DropboxSignIn;

impl Engine {
    /// Starts the sign-in of a new account (named `name`, else after the connector) or of an
    /// existing one again; the listener accepts connections when this returns.
    pub(crate) async fn oauth_start(
        &self,
        info: &ConnectorInfo,
        name: Option<&str>,
        given: &BTreeMap<String, String>,
        reconnect: bool,
    ) -> Result<OauthSignIn, EngineError> {
        if info.id != folio_sources::dropbox::connector::ID {
            return Err(EngineError::new(
                ErrorCode::Unsupported,
                format!("this Folio cannot sign in to {} in the browser yet", info.label),
            ));
        }
        let name = name.unwrap_or(&info.id).to_string();
        if !reconnect && self.state.store.account_by_name(&name).await?.is_some() {
            return Err(EngineError::config(format!(
                "an account named '{name}' exists: give another name, or reconnect it"
            )));
        }
        let fields = if reconnect { BTreeMap::new() } else { given.clone() };
        self.dropbox_sign_in_as(&name, &fields).await
    }

    /// Waits for the browser, then keeps the account; its name.
    pub(crate) async fn oauth_finish(
        &self,
        s: OauthSignIn,
        _name: Option<&str>,
        _reconnect: bool,
    ) -> Result<String, EngineError> {
        let name = s.account_name().to_string();
        self.dropbox_finish(s, crate::dropbox::SIGN_IN_TIMEOUT).await?;
        Ok(name)
    }
}
