//! Signing in through the user's own browser, for sources and sites that use it (Dropbox's
//! OAuth 2 with PKCE; WordPress's authorize-application page): a one-shot listener on
//! 127.0.0.1 that receives the redirect, the OAuth exchange, one account's access token kept
//! fresh from the refresh token in the keychain, signing in through a sign-in relay (for services
//! that need a client secret or an HTTPS redirect), and the one check every address passes before
//! it is opened in the browser. No secret passes through here into a log, an error message or a
//! `Debug` output; the keychain itself is the caller's (a [`Keychain`]).

pub mod browser;
pub mod loopback;
pub mod pkce;
pub mod relay;
pub mod tokens;

pub use browser::{open_in_browser, web_address};
pub use loopback::{Arrival, Loopback, Page, Redirect};
pub use pkce::{KeySignIn, Provider, SecretIn, SignIn, Tokens};
pub use relay::{Relay, RelayService};
pub use tokens::{Keychain, TokenSource};

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("none of the sign-in ports {0:?} on 127.0.0.1 is free; close the program using them and try again")]
    NoFreePort(Vec<u16>),
    #[error("the sign-in was not finished in the browser within {} seconds", .0.as_secs())]
    TimedOut(Duration),
    #[error("access was not granted in the browser ({0})")]
    Denied(String),
    #[error("the sign-in was refused: {0}")]
    Rejected(String),
    #[error("not signed in: the keychain holds no sign-in for this account; connect it again")]
    SignedOut,
    #[error("the keychain could not be used: {0}")]
    Keychain(String),
    #[error("the relay at {0} could not be reached: {1}")]
    RelayUnreachable(String, String),
    #[error("the relay at {relay} has no service {service}")]
    RelayHasNo { relay: String, service: String },
    #[error("could not reach the sign-in server: {0}")]
    Network(String),
    #[error("unexpected answer during sign-in: {0}")]
    Protocol(String),
    #[error("Folio opens only web pages (https:// or http://) in the browser, and this address is not one: {0}")]
    NotWebAddress(String),
    #[error("no browser could be opened ({0})")]
    NoBrowser(String),
}
