//! OAuth 2 authorization code with PKCE (S256), through the `oauth2` crate: the sign-in URL, the
//! one-time code exchange, and refreshing an access token. Apps without a secret (Dropbox) and
//! services that insist on one (Figma, Canva, HubSpot) are both expressed by a [`Provider`].

use crate::AuthError;
use oauth2::basic::{
    BasicClient, BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use std::collections::BTreeMap;
use std::time::Duration;

/// An OAuth app as one service knows it: its client id (and secret, where the service needs one),
/// its endpoints, and the scopes it asks for. Built with [`Provider::new`] and the `with_*`
/// methods; `Debug` never prints the secret.
#[derive(Debug, Clone)]
pub struct Provider {
    pub client_id: String,
    pub authorize_url: String,
    pub token_url: String,
    client_secret: Option<ClientSecret>,
    refresh_url: Option<String>,
    scopes: Vec<String>,
}

/// How the token endpoint wants the client secret: Figma only takes HTTP Basic, HubSpot and
/// WordPress.com document it in the form body, Canva takes either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretIn {
    /// `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 2.3.1).
    Basic,
    /// `client_id` and `client_secret` as form fields.
    Body,
}

#[derive(Clone)]
struct ClientSecret {
    secret: String,
    sent_in: SecretIn,
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientSecret(…, {:?})", self.sent_in)
    }
}

/// A token answer's fields besides the standard ones (WordPress.com's `blog_id`, `blog_url`).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct AnswerFields {
    #[serde(flatten)]
    fields: BTreeMap<String, serde_json::Value>,
}

impl oauth2::ExtraTokenFields for AnswerFields {}

type TokenAnswer = StandardTokenResponse<AnswerFields, BasicTokenType>;

/// An `oauth2` client that knows its token endpoint and keeps the answer's other fields.
type TokenClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A sign-in under way: the URL to open, and what the answer is checked and exchanged with.
pub struct SignIn {
    pub url: String,
    pub state: String,
    redirect_uri: String,
    verifier: PkceCodeVerifier,
}

/// What the token endpoint gave. `Debug` never prints the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<Duration>,
    /// The answer's other plain values, as text (WordPress.com names the one site a token is
    /// for in `blog_url`); nothing whose name ends in `token`.
    pub extra: BTreeMap<String, String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"…")
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "…"))
            .field("expires_in", &self.expires_in)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Provider {
    /// An app without a secret (Dropbox), asking for no particular scope, refreshing at its
    /// token URL.
    pub fn new(
        client_id: impl Into<String>,
        authorize_url: impl Into<String>,
        token_url: impl Into<String>,
    ) -> Provider {
        Provider {
            client_id: client_id.into(),
            authorize_url: authorize_url.into(),
            token_url: token_url.into(),
            client_secret: None,
            refresh_url: None,
            scopes: Vec::new(),
        }
    }

    /// The app's secret, sent with every token request (the code exchange and each refresh).
    pub fn with_secret(mut self, secret: impl Into<String>, sent_in: SecretIn) -> Provider {
        self.client_secret = Some(ClientSecret { secret: secret.into(), sent_in });
        self
    }

    /// Where refreshes go when the service keeps them apart from the code exchange (Figma's
    /// `/v1/oauth/refresh`).
    pub fn with_refresh_url(mut self, refresh_url: impl Into<String>) -> Provider {
        self.refresh_url = Some(refresh_url.into());
        self
    }

    /// The scopes the sign-in URL asks for (space-joined in `scope`).
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Provider {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Where a refresh is sent: the refresh URL if the service has one, else the token URL.
    pub fn refresh_url(&self) -> &str {
        self.refresh_url.as_deref().unwrap_or(&self.token_url)
    }

    /// A fresh `state` and PKCE pair, and the URL that carries them; `extra` adds provider
    /// parameters (Dropbox: `token_access_type=offline`).
    pub fn start(&self, redirect_uri: &str, extra: &[(&str, &str)]) -> Result<SignIn, AuthError> {
        self.start_with_state(redirect_uri, CsrfToken::new_random().secret().clone(), extra)
    }

    /// As [`Self::start`], with a `state` of the caller's making (a relay's `<port>.<random>`);
    /// it must hold enough randomness to be unguessable.
    pub fn start_with_state(
        &self,
        redirect_uri: &str,
        state: String,
        extra: &[(&str, &str)],
    ) -> Result<SignIn, AuthError> {
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(AuthUrl::new(self.authorize_url.clone()).map_err(bad_url)?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(bad_url)?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(|| CsrfToken::new(state))
            .set_pkce_challenge(challenge)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new));
        for (k, v) in extra {
            request = request.add_extra_param(*k, *v);
        }
        let (url, state) = request.url();
        Ok(SignIn {
            url: url.to_string(),
            state: state.secret().clone(),
            redirect_uri: redirect_uri.to_string(),
            verifier,
        })
    }

    /// Trades the code from the redirect for tokens at the token URL; the code and the verifier
    /// are used up.
    pub async fn exchange(
        &self,
        sign_in: SignIn,
        code: &str,
        http: &reqwest::Client,
    ) -> Result<Tokens, AuthError> {
        let client = self
            .client(&self.token_url)?
            .set_redirect_uri(RedirectUrl::new(sign_in.redirect_uri).map_err(bad_url)?);
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(sign_in.verifier)
            .request_async(&|request| send(http.clone(), request))
            .await;
        tokens(answer)
    }

    /// A new access token from the refresh token, at the refresh URL. The answer's
    /// `refresh_token` is a rotated one (Canva) or absent (Dropbox, Figma: the old one stays
    /// valid).
    pub async fn refresh(
        &self,
        refresh_token: &str,
        http: &reqwest::Client,
    ) -> Result<Tokens, AuthError> {
        let client = self.client(self.refresh_url())?;
        let refresh = RefreshToken::new(refresh_token.to_string());
        let answer =
            client.exchange_refresh_token(&refresh).request_async(&|r| send(http.clone(), r)).await;
        tokens(answer)
    }

    /// A client for one token endpoint, identifying the app as the service wants it.
    fn client(&self, token_url: &str) -> Result<TokenClient, AuthError> {
        let client = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_token_uri(TokenUrl::new(token_url.to_string()).map_err(bad_url)?);
        Ok(match &self.client_secret {
            None => client.set_auth_type(AuthType::RequestBody),
            Some(s) => client
                .set_client_secret(oauth2::ClientSecret::new(s.secret.clone()))
                .set_auth_type(match s.sent_in {
                    SecretIn::Basic => AuthType::BasicAuth,
                    SecretIn::Body => AuthType::RequestBody,
                }),
        })
    }
}

fn bad_url(e: url::ParseError) -> AuthError {
    AuthError::Protocol(format!("not a valid endpoint address: {e}"))
}

type Answer = Result<TokenAnswer, RequestTokenError<reqwest::Error, BasicErrorResponse>>;

/// The tokens, or an error that names what went wrong but never carries the answer's body
/// (which may hold a token).
fn tokens(answer: Answer) -> Result<Tokens, AuthError> {
    match answer {
        Ok(t) => Ok(Tokens {
            access_token: t.access_token().secret().clone(),
            refresh_token: t.refresh_token().map(|r| r.secret().clone()),
            expires_in: t.expires_in(),
            extra: plain_values(&t.extra_fields().fields),
        }),
        Err(RequestTokenError::ServerResponse(e)) => {
            let what = e.error().to_string();
            let why = e.error_description().map(|d| format!(": {d}")).unwrap_or_default();
            Err(AuthError::Rejected(format!("{what}{why}")))
        }
        Err(RequestTokenError::Request(e)) => Err(AuthError::Network(e.without_url().to_string())),
        Err(RequestTokenError::Parse(e, _body)) => Err(AuthError::Protocol(format!(
            "the token endpoint's answer could not be read ({})",
            e.path()
        ))),
        Err(RequestTokenError::Other(e)) => Err(AuthError::Protocol(e)),
    }
}

/// Text and numbers, but nothing named like a token (an `id_token`, say).
fn plain_values(fields: &BTreeMap<String, serde_json::Value>) -> BTreeMap<String, String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let plain = fields.iter().filter(|(k, _)| !k.to_ascii_lowercase().ends_with("token"));
    plain.filter_map(|(k, v)| Some((k.clone(), text(v)?))).collect()
}

/// A refusal (4xx) in the token endpoint's own shape, put in RFC 6749's (`error`,
/// `error_description`) so it reads as a refused code or refresh token and not as a garbled
/// answer: HubSpot answers `{"category": "VALIDATION_ERROR", "message": …}` or `{"status":
/// "BAD_REFRESH_TOKEN", "message": …}`. Only the error's name and message are kept, short.
fn refusal_in_rfc_shape(body: Vec<u8>) -> Vec<u8> {
    let Ok(serde_json::Value::Object(said)) = serde_json::from_slice(&body) else { return body };
    if said.contains_key("error") {
        return body;
    }
    let text = |key: &str| said.get(key).and_then(|v| v.as_str()).map(str::to_string);
    let Some(error) = text("status").or_else(|| text("category")) else { return body };
    let short = |s: String| s.chars().take(200).collect::<String>();
    let mut rfc = serde_json::json!({ "error": short(error) });
    if let Some(message) = text("message") {
        rfc["error_description"] = short(message).into();
    }
    rfc.to_string().into_bytes()
}

/// `oauth2`'s request, sent with Folio's own HTTP client (no second HTTP stack, and the same
/// proxy and TLS settings as every other call). Redirects are the client's to refuse. The
/// client is taken by value (a cheap handle) so the future owns what it uses and is `Send`.
async fn send(
    http: reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, reqwest::Error> {
    let (parts, body) = request.into_parts();
    let answer = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut bytes = answer.bytes().await?.to_vec();
    if status.is_client_error() {
        bytes = refusal_in_rfc_shape(bytes);
    }
    let mut response = oauth2::HttpResponse::new(bytes);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

/// A PKCE sign-in that ends in a lasting key rather than OAuth tokens (OpenRouter's): the page
/// takes the callback as `callback_url` and no client id, and the connector trades the code
/// for the key itself. `Debug` never prints the verifier.
pub struct KeySignIn {
    pub url: String,
    pub state: String,
    pub verifier: String,
}

impl std::fmt::Debug for KeySignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySignIn").field("url", &self.url).finish_non_exhaustive()
    }
}

impl KeySignIn {
    /// The page at `page` with `callback_url`, an S256 challenge, a fresh `state` (passed
    /// back by services that keep it) and `extra` parameters.
    pub fn start(page: &str, callback: &str, extra: &[(&str, &str)]) -> Result<Self, AuthError> {
        let mut url = url::Url::parse(page).map_err(bad_url)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = CsrfToken::new_random().secret().clone();
        url.query_pairs_mut()
            .append_pair("callback_url", callback)
            .append_pair("code_challenge", challenge.as_str())
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", &state)
            .extend_pairs(extra.iter().copied());
        Ok(KeySignIn { url: url.to_string(), state, verifier: verifier.secret().clone() })
    }
}
