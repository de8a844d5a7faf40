//! One account's access token, shared by every call the account makes: kept while it has more
//! than a minute left, refreshed when it has not or when the service refuses it (401), one
//! refresh at a time.
//!
//! The refresh token lives only in the keychain, never in memory between refreshes: the app and
//! `folio watch` may both run on one account, and a service that rotates refresh tokens (Canva)
//! takes each one only once. So every refresh reads the keychain first, and a rotated refresh
//! token is written back before anyone uses the new access token.

use crate::pkce::Provider;
use crate::AuthError;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An access token is renewed this long before it expires, so it never expires mid-call.
pub const RENEW_EARLY: Duration = Duration::from_secs(60);

/// Where refresh tokens are kept (the engine's OS keychain; tests' memory). Calls are short and
/// blocking. Errors are the keychain's own words and never hold a secret.
pub trait Keychain: Send + Sync {
    /// The secret under `key`, `None` when there is none (the account signed out).
    fn get(&self, key: &str) -> Result<Option<String>, String>;
    fn set(&self, key: &str, value: &str) -> Result<(), String>;
}

/// The access token of one account. `Debug` shows the provider and keychain key, never a token.
pub struct TokenSource {
    provider: Provider,
    keychain: Arc<dyn Keychain>,
    key: String,
    http: reqwest::Client,
    /// Held across a refresh: concurrent callers wait for it and take its result.
    cached: tokio::sync::Mutex<Option<Access>>,
}

struct Access {
    token: String,
    /// `None`: the service gave no lifetime, so the token is used until refused.
    renew_at: Option<Instant>,
}

impl Access {
    fn new(token: String, expires_in: Option<Duration>) -> Access {
        let renew_at = expires_in.map(|d| Instant::now() + d.saturating_sub(RENEW_EARLY));
        Access { token, renew_at }
    }

    fn usable(&self) -> bool {
        self.renew_at.is_none_or(|at| Instant::now() < at)
    }
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("provider", &self.provider)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    /// The account whose refresh token is in `keychain` under `key`.
    pub fn new(
        provider: Provider,
        keychain: Arc<dyn Keychain>,
        key: impl Into<String>,
        http: reqwest::Client,
    ) -> TokenSource {
        TokenSource { provider, keychain, key: key.into(), http, cached: Default::default() }
    }

    /// The access token a sign-in has just been given, so the first call needs no refresh.
    pub async fn seed(&self, access: String, expires_in: Option<Duration>) {
        *self.cached.lock().await = Some(Access::new(access, expires_in));
    }

    /// The access token to send: the cached one while it has more than a minute left, else a
    /// new one.
    pub async fn current(&self) -> Result<String, AuthError> {
        let mut cached = self.cached.lock().await;
        match cached.as_ref().filter(|a| a.usable()) {
            Some(a) => Ok(a.token.clone()),
            None => self.refresh(&mut cached).await,
        }
    }

    /// The service refused `token` (401): a new one. When the cache already holds another
    /// usable token, someone else's refresh has replaced the refused one, and that is returned:
    /// many calls refused together make one refresh.
    pub async fn rejected(&self, token: &str) -> Result<String, AuthError> {
        let mut cached = self.cached.lock().await;
        match cached.as_ref().filter(|a| a.token != token && a.usable()) {
            Some(a) => Ok(a.token.clone()),
            None => self.refresh(&mut cached).await,
        }
    }

    async fn refresh(&self, cached: &mut Option<Access>) -> Result<String, AuthError> {
        // Stale or refused either way: never handed out again.
        *cached = None;
        let used = self.stored()?;
        let tokens = match self.provider.refresh(&used, &self.http).await {
            // Another process may have rotated the refresh token between our read and the
            // service's answer; its successor is in the keychain by now.
            Err(AuthError::Rejected(why)) => match self.stored()? {
                newer if newer != used => self.provider.refresh(&newer, &self.http).await?,
                _ => return Err(AuthError::Rejected(why)),
            },
            answer => answer?,
        };
        let written = match &tokens.refresh_token {
            Some(rotated) if *rotated != used => {
                self.keychain.set(&self.key, rotated).map_err(|e| {
                    AuthError::Keychain(format!("the renewed sign-in was not saved: {e}"))
                })
            }
            _ => Ok(()),
        };
        // Even when the rotated token could not be saved, this access token is good until it
        // expires; the error tells the user why the next sign-in will be asked for.
        *cached = Some(Access::new(tokens.access_token.clone(), tokens.expires_in));
        written.map(|()| tokens.access_token)
    }

    /// The refresh token as the keychain holds it now.
    fn stored(&self) -> Result<String, AuthError> {
        match self.keychain.get(&self.key) {
            Ok(Some(token)) => Ok(token),
            Ok(None) => Err(AuthError::SignedOut),
            Err(e) => Err(AuthError::Keychain(e)),
        }
    }
}
