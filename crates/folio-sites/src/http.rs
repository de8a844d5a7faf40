//! The HTTP client every destination signs in with: Folio's user agent, a short connect
//! timeout, the destination's own request timeout and redirect rule (a redirect must never
//! carry a credential to another host).

use crate::error::{SiteError, SiteErrorCode as Code};
use std::time::Duration;

pub(crate) fn client(
    timeout: Duration,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, SiteError> {
    reqwest::Client::builder()
        .user_agent(concat!("Folio/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(timeout)
        .redirect(redirects)
        .build()
        .map_err(|e| SiteError::new(Code::Protocol, format!("HTTP client: {e}")))
}
