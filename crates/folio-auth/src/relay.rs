//! Signing in through a sign-in relay (`folio-relay`): for services that take a client secret
//! at the token exchange and refresh (Canva, Adobe IMS, WordPress.com), or only an HTTPS
//! redirect. The relay holds the secret and the registered redirect; Folio keeps the tokens.
//!
//! The relay's `/services` gives each service's client id, authorize URL, scopes and redirect
//! URI. The browser is sent to the service with the relay's callback as `redirect_uri` and a
//! state `<port>.<random>`; the relay bounces the answer to `http://127.0.0.1:<port>/<service>`,
//! where a [`Loopback`] waits. The code is then exchanged at `RELAY/token/<service>` and
//! refreshed at `RELAY/refresh/<service>`, which add the secret on the way.

use crate::{AuthError, Loopback, Provider, SignIn};
use oauth2::CsrfToken;

/// A relay, by its public address (`https://relay.example.org`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    url: String,
}

/// One service as the relay offers it: what a sign-in through it needs.
#[derive(Debug, Clone)]
pub struct RelayService {
    /// The service's name at the relay (`canva`), also the loopback path.
    pub name: String,
    /// The relay's metadata as an OAuth app without a secret: the service's authorize URL and
    /// client id, and the relay's token and refresh endpoints for it.
    pub provider: Provider,
    /// The relay's callback, registered with the service.
    pub redirect_uri: String,
    /// Whether the relay can revoke a token at the service.
    pub revocable: bool,
}

impl Relay {
    pub fn new(url: impl Into<String>) -> Relay {
        Relay { url: url.into().trim_end_matches('/').to_string() }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Asks the relay what it knows of `name`.
    pub async fn service(
        &self,
        http: &reqwest::Client,
        name: &str,
    ) -> Result<RelayService, AuthError> {
        let answer = http
            .get(format!("{}/services", self.url))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        if !answer.status().is_success() {
            return Err(self.unreachable(format!("it answered {}", answer.status())));
        }
        let bytes = answer.bytes().await.map_err(|e| self.unreachable(e))?;
        let unreadable = || {
            AuthError::Protocol(format!(
                "the relay at {} did not answer with its list of services",
                self.url
            ))
        };
        let list: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| unreadable())?;
        let services = list.get("services").and_then(|s| s.as_object()).ok_or_else(unreadable)?;
        let Some(meta) = services.get(name) else {
            return Err(AuthError::RelayHasNo {
                relay: self.url.clone(),
                service: name.to_string(),
            });
        };
        let text = |field: &str| {
            meta.get(field).and_then(|v| v.as_str()).map(str::to_string).ok_or_else(unreadable)
        };
        let scopes: Vec<String> = meta
            .get("scopes")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let provider =
            Provider::new(text("client_id")?, text("authorize_url")?, self.endpoint("token", name))
                .with_refresh_url(self.endpoint("refresh", name))
                .with_scopes(scopes);
        Ok(RelayService {
            name: name.to_string(),
            provider,
            redirect_uri: text("redirect_uri")?,
            revocable: meta.get("revocable").and_then(|v| v.as_bool()).unwrap_or(false),
        })
    }

    /// Asks the service, through the relay, to forget `token` (an access or refresh token).
    pub async fn revoke(
        &self,
        http: &reqwest::Client,
        name: &str,
        token: &str,
    ) -> Result<(), AuthError> {
        let answer = http
            .post(self.endpoint("revoke", name))
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|e| self.unreachable(e))?;
        let status = answer.status();
        if status.is_success() {
            return Ok(());
        }
        // Only the OAuth error fields are read: the body is the service's and is not repeated.
        let body = json_or_null(answer).await;
        let field = |f: &str| body.get(f).and_then(|v| v.as_str()).map(str::to_string);
        if status == reqwest::StatusCode::NOT_FOUND && field("error").is_none() {
            return Err(AuthError::RelayHasNo {
                relay: self.url.clone(),
                service: name.to_string(),
            });
        }
        let why = match (field("error"), field("error_description")) {
            (Some(e), Some(d)) => format!("{e}: {d}"),
            (Some(e), None) => e,
            _ => format!("the service answered {status}"),
        };
        Err(AuthError::Rejected(why))
    }

    fn endpoint(&self, what: &str, name: &str) -> String {
        format!("{}/{what}/{name}", self.url)
    }

    fn unreachable(&self, why: impl std::fmt::Display) -> AuthError {
        AuthError::RelayUnreachable(self.url.clone(), why.to_string())
    }
}

impl RelayService {
    /// Where the relay sends the browser back to: `/<service>` on the loopback listener.
    pub fn loopback_path(&self) -> String {
        format!("/{}", self.name)
    }

    /// A listener for the bounced redirect. Any free port does: only the relay's callback is
    /// registered with the service, and the port travels in the state.
    pub async fn listen(&self) -> Result<Loopback, AuthError> {
        Loopback::bind(&[0], &self.loopback_path()).await
    }

    /// The sign-in URL for the browser, with the relay's callback as `redirect_uri` and the
    /// state `<port>.<random>` naming `loopback`'s port.
    pub fn start(&self, loopback: &Loopback, extra: &[(&str, &str)]) -> Result<SignIn, AuthError> {
        let state = format!("{}.{}", loopback.port(), CsrfToken::new_random().secret());
        self.provider.start_with_state(&self.redirect_uri, state, extra)
    }
}

/// `reqwest`'s JSON without its `json` feature: the body, or `null` when it is none.
async fn json_or_null(answer: reqwest::Response) -> serde_json::Value {
    match answer.bytes().await {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        Err(_) => serde_json::Value::Null,
    }
}
