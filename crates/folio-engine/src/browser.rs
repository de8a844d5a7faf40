//! Opening a page in the user's browser, for every front end (the CLI, the app's links, the
//! WordPress and Dropbox sign-ins): folio-auth's one check first, so only http(s) addresses
//! reach the OS.

use crate::EngineError;
use folio_auth::AuthError;

/// Opens `url` in the default browser; a `config` error for an address that is not a web page,
/// `io` when no browser could be started (a server). May take a moment: not on a UI thread.
pub fn open_in_browser(url: &str) -> Result<(), EngineError> {
    folio_auth::open_in_browser(url).map_err(|e| match e {
        AuthError::NoBrowser(_) => EngineError::io(e.to_string()),
        other => EngineError::config(other.to_string()),
    })
}
