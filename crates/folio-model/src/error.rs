//! Error codes: small stable sets that the UI and the CLI branch on. Nobody matches on the
//! English text that comes with them.

use serde::{Deserialize, Serialize};

/// How the engine reacts to a site's failure (rclone's retry / no-retry / fatal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorClass {
    /// Temporary: back off and try the same request again.
    Retry,
    /// This photo cannot go up as it is (too large, type refused); other photos can.
    NoRetry,
    /// Nothing will work until the user acts (reconnect, fix the server); stop this site.
    Fatal,
}

/// What a site answered, in Folio's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum SiteErrorCode {
    /// Credentials were refused or revoked.
    NeedsReconnect,
    /// The web server removed the Authorization header before WordPress saw it (reported by
    /// a probe that can see the request server-side).
    AuthHeaderStripped,
    /// The account may not do this to this item (403).
    Forbidden,
    /// The file is larger than the site accepts.
    TooLarge,
    /// The site refused this file (type not allowed, invalid data).
    Rejected,
    /// The file cannot replace the existing one in place (a different type); uploading it as
    /// a new item works.
    Conflict,
    /// The site has no trash, and Folio only deletes for good when the album says so.
    NoTrash,
    NotFound,
    RateLimited,
    /// The site answered with a server error (5xx).
    Unavailable,
    /// Timeout, refused or reset connection.
    Network,
    /// An answer Folio does not understand (not the service it should be, a proxy page, …).
    Protocol,
}

impl SiteErrorCode {
    pub fn class(self) -> ErrorClass {
        use SiteErrorCode::*;
        match self {
            RateLimited | Unavailable | Network => ErrorClass::Retry,
            NeedsReconnect | AuthHeaderStripped | Protocol => ErrorClass::Fatal,
            Forbidden | TooLarge | Rejected | Conflict | NoTrash | NotFound => ErrorClass::NoRetry,
        }
    }
}

/// What kind of engine failure, for front ends (the CLI maps `Config` to exit status 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum ErrorCode {
    /// A usage or configuration mistake: unknown site, missing folder, bad setting.
    Config,
    /// The site refused or could not be reached.
    Site,
    Secrets,
    Store,
    Io,
    /// An address that would send a password in clear (plain http on the internet): the user
    /// must confirm it.
    Insecure,
    /// The account must be signed in (again) before this works.
    NeedsSignIn,
    /// The person stopped it.
    Cancelled,
    /// Nothing came back in time (a browser sign-in, an approval).
    TimedOut,
    /// No such account, album, site, connector or sign-in.
    NotFound,
    /// This Folio, or this service, cannot do that.
    Unsupported,
}

/// Why one photo did not reach a site, for front ends to branch on (offer Retry, point at the
/// file, say the site refused it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum PhotoErrorCode {
    /// The source file could not be read (permissions, a file over the size limit, gone).
    Unreadable,
    /// Not a photo Folio can decode: damaged, a format it does not read, too many pixels.
    Undecodable,
    /// A site refused this file (too large, type not allowed, forbidden); other photos go up.
    Refused,
    /// A site or Folio failed with it after retries; Retry may work.
    Failed,
}

impl PhotoErrorCode {
    /// A site's answer, as the photo's failure.
    pub fn of_site(code: SiteErrorCode) -> PhotoErrorCode {
        match code.class() {
            ErrorClass::NoRetry => PhotoErrorCode::Refused,
            _ => PhotoErrorCode::Failed,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PhotoErrorCode::Unreadable => "unreadable",
            PhotoErrorCode::Undecodable => "undecodable",
            PhotoErrorCode::Refused => "refused",
            PhotoErrorCode::Failed => "failed",
        }
    }

    /// As stored; an unknown or missing code (a failure recorded before codes) is `Failed`.
    pub fn parse(stored: Option<&str>) -> PhotoErrorCode {
        match stored {
            Some("unreadable") => PhotoErrorCode::Unreadable,
            Some("undecodable") => PhotoErrorCode::Undecodable,
            Some("refused") => PhotoErrorCode::Refused,
            _ => PhotoErrorCode::Failed,
        }
    }
}
