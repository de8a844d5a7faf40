//! Signing in through the user's own browser, for sources and sites that use it (Dropbox's
//! OAuth 2 with PKCE; WordPress's authorize-application page): a one-shot listener on
//! 127.0.0.1 that receives the redirect, and the OAuth exchange. No secret passes through here
//! into a log or an error message; storing tokens is the caller's (the OS keychain).

pub mod loopback;
pub mod pkce;

pub use loopback::{Loopback, Redirect};
pub use pkce::{Provider, SignIn, Tokens};

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
    #[error("could not reach the sign-in server: {0}")]
    Network(String),
    #[error("unexpected answer during sign-in: {0}")]
    Protocol(String),
}
