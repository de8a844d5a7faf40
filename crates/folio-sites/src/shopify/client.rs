//! The Admin GraphQL endpoint of one store: the access token (a fixed `shpat_…` token, or one
//! got with the client-credentials grant and renewed before its 24 hours are up), the cost
//! bucket, and the mapping of Shopify's answers onto [`SiteError`]s. Only this file sends the
//! token, and only to the store's admin address.

use super::cost::{Bucket, Cost};
use crate::body;
use crate::error::{retry_after, SiteError, SiteErrorCode as Code};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

/// How Folio signs in to a store.
#[derive(Clone)]
pub enum Credentials {
    /// An Admin API access token (`shpat_…`) of a custom app.
    Token(String),
    /// A Dev Dashboard app of the merchant's: its client id and secret, traded for a token.
    ClientCredentials { client_id: String, secret: String },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(…)"),
            Credentials::ClientCredentials { client_id, .. } => {
                write!(f, "ClientCredentials({client_id}, …)")
            }
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    /// `https://STORE.myshopify.com/` (or `FOLIO_SHOPIFY_ADMIN_URL` in tests).
    admin: Url,
    endpoint: Url,
    credentials: Credentials,
    /// A granted token and when to renew it.
    granted: Mutex<Option<(String, Instant)>>,
    bucket: std::sync::Mutex<Bucket>,
    /// `THROTTLED` answers so far (for the benchmark and tests).
    pub throttled: AtomicU64,
}

#[derive(Deserialize)]
struct Answer {
    data: Option<Value>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    extensions: Option<Extensions>,
}

#[derive(Deserialize)]
struct Extensions {
    cost: Option<Cost>,
}

/// Why a request gave no data: an error already classified, or GraphQL `errors` to classify
/// once the bucket has taken the answer's numbers.
enum Failure {
    Site(SiteError),
    GraphQl(Value),
}

#[derive(Deserialize)]
struct Granted {
    access_token: String,
    expires_in: Option<u64>,
}

impl Client {
    pub fn new(
        admin: Url,
        version: &str,
        credentials: Credentials,
        timeout: Duration,
    ) -> Result<Client, SiteError> {
        let endpoint = admin
            .join(&format!("admin/api/{version}/graphql.json"))
            .map_err(|e| SiteError::new(Code::Protocol, format!("store address: {e}")))?;
        // The admin API never redirects a valid request; a redirect would carry the token
        // somewhere else.
        let http = crate::http::client(timeout, reqwest::redirect::Policy::none())?;
        Ok(Client {
            http,
            admin,
            endpoint,
            credentials,
            granted: Mutex::new(None),
            bucket: Default::default(),
            throttled: AtomicU64::new(0),
        })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    async fn token(&self, renew: bool) -> Result<String, SiteError> {
        let (client_id, secret) = match &self.credentials {
            Credentials::Token(t) => return Ok(t.clone()),
            Credentials::ClientCredentials { client_id, secret } => (client_id, secret),
        };
        let mut granted = self.granted.lock().await;
        if let Some((token, renew_at)) = granted.as_ref() {
            if !renew && *renew_at > Instant::now() {
                return Ok(token.clone());
            }
        }
        let url = self
            .admin
            .join("admin/oauth/access_token")
            .map_err(|e| SiteError::new(Code::Protocol, e.to_string()))?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ];
        let r = self.http.post(url).form(&form).send().await?;
        let status = r.status();
        if status.is_server_error() || status.as_u16() == 429 {
            return Err(SiteError {
                retry_after: retry_after(r.headers()),
                ..SiteError::new(Code::Unavailable, format!("Shopify answered {status}"))
            });
        }
        if !status.is_success() {
            return Err(SiteError::new(
                Code::NeedsReconnect,
                format!(
                    "Shopify refused the app's client id and secret ({status}); check them in \
                     the Dev Dashboard and that the app is installed on this store"
                ),
            ));
        }
        let g: Granted = body::json(r).await?;
        // Renewed five minutes early, so a token never expires mid-request.
        let lasts = Duration::from_secs(g.expires_in.unwrap_or(86_399));
        let renew_at = Instant::now() + lasts.saturating_sub(Duration::from_secs(300));
        *granted = Some((g.access_token.clone(), renew_at));
        Ok(g.access_token)
    }

    /// Runs one GraphQL operation named `op` (the root field, for cost bookkeeping) and returns
    /// its `data`.
    pub async fn run<T: DeserializeOwned>(
        &self,
        op: &'static str,
        query: &str,
        variables: Value,
    ) -> Result<T, SiteError> {
        let (wait, reserved) = self.bucket.lock().unwrap().reserve(op, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        let (answer, cost) = self.send(query, &variables).await;
        self.bucket.lock().unwrap().settle(op, reserved, cost.as_ref(), Instant::now());
        let data = match answer {
            Ok(data) => data,
            Err(Failure::Site(e)) => return Err(e),
            // Worked out after the bucket took the store's numbers from this answer.
            Err(Failure::GraphQl(errors)) => {
                let requested = cost.and_then(|c| c.requested_query_cost).unwrap_or(10.0);
                return Err(self.graphql_error(&errors, requested));
            }
        };
        serde_json::from_value(data).map_err(|e| {
            SiteError::new(Code::Protocol, format!("unexpected answer from Shopify ({op}): {e}"))
        })
    }

    /// One request: its `data`, and the cost the store reported (even with an error).
    async fn send(&self, query: &str, variables: &Value) -> (Result<Value, Failure>, Option<Cost>) {
        let payload = serde_json::json!({ "query": query, "variables": variables });
        let mut renewed = false;
        let response = loop {
            let token = match self.token(false).await {
                Ok(t) => t,
                Err(e) => return (Err(Failure::Site(e)), None),
            };
            let sent = self
                .http
                .post(self.endpoint.clone())
                .header("X-Shopify-Access-Token", token)
                .json(&payload)
                .send()
                .await;
            let r = match sent {
                Ok(r) => r,
                Err(e) => return (Err(Failure::Site(e.into())), None),
            };
            // A granted token can be revoked early: get a new one, once.
            let grant = matches!(self.credentials, Credentials::ClientCredentials { .. });
            if r.status().as_u16() == 401 && grant && !renewed {
                renewed = true;
                if let Err(e) = self.token(true).await {
                    return (Err(Failure::Site(e)), None);
                }
                continue;
            }
            break r;
        };
        let status = response.status();
        if !status.is_success() {
            let e = http_error(status.as_u16(), retry_after(response.headers()));
            return (Err(Failure::Site(e)), None);
        }
        let answer: Answer = match body::json(response).await {
            Ok(a) => a,
            Err(e) => return (Err(Failure::Site(e)), None),
        };
        let cost = answer.extensions.and_then(|e| e.cost);
        if let Some(errors) = answer.errors.filter(|e| !e.is_null()) {
            return (Err(Failure::GraphQl(errors)), cost);
        }
        (Ok(answer.data.unwrap_or(Value::Null)), cost)
    }

    fn graphql_error(&self, errors: &Value, requested: f64) -> SiteError {
        let list = errors.as_array().cloned().unwrap_or_else(|| vec![errors.clone()]);
        let code_of = |e: &Value| e["extensions"]["code"].as_str().unwrap_or_default().to_string();
        let message = list
            .iter()
            .map(|e| e["message"].as_str().map_or_else(|| e.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("; ");
        if list.iter().any(|e| code_of(e) == "THROTTLED") {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            let wait = self.bucket.lock().unwrap().wait_for(requested, Instant::now());
            return SiteError {
                retry_after: Some(wait),
                ..SiteError::new(Code::RateLimited, "Shopify asked Folio to slow down")
            };
        }
        if list.iter().any(|e| code_of(e) == "ACCESS_DENIED") {
            return SiteError::new(
                Code::Forbidden,
                format!(
                    "the app lacks an access scope Folio needs (read_files and write_files): \
                     {message}"
                ),
            );
        }
        if list.iter().any(|e| code_of(e) == "INTERNAL_SERVER_ERROR") {
            return SiteError::new(Code::Unavailable, format!("Shopify failed: {message}"));
        }
        SiteError::new(Code::Protocol, format!("Shopify refused the request: {message}"))
    }
}

/// Shopify's HTTP statuses, in words for the photographer.
pub fn http_error(status: u16, retry: Option<Duration>) -> SiteError {
    let (code, message) = match status {
        401 => (
            Code::NeedsReconnect,
            "Shopify refused the access token (wrong, or the app was uninstalled)".to_string(),
        ),
        402 => (Code::Forbidden, "the store is frozen until its bill is paid".into()),
        403 => (Code::Forbidden, "Shopify refused access to the store (403)".into()),
        404 => (Code::NotFound, "no such Shopify store, or not at this address (404)".into()),
        409 => (Code::Conflict, "Shopify refused the change as conflicting (409)".into()),
        413 => (Code::TooLarge, "the file is larger than Shopify accepts".into()),
        423 => (Code::Forbidden, "the store is locked by Shopify".into()),
        429 => (Code::RateLimited, "Shopify asked Folio to slow down".into()),
        s if s >= 500 => (Code::Unavailable, format!("Shopify answered {s}; retrying")),
        s => (Code::Protocol, format!("unexpected answer from Shopify ({s})")),
    };
    SiteError { retry_after: retry, ..SiteError::new(code, message) }
}
