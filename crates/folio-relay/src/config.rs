//! The relay's configuration file (TOML): its own public address, where it listens, TLS, limits,
//! and one table per service under `[services.<name>]`. Everything is checked when the file is
//! read, so a running relay never finds out at a user's sign-in that a URL is malformed or a
//! secret missing.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the relay configuration {0} could not be read: {1}")]
    Read(String, String),
    #[error("the relay configuration is not valid TOML for the relay: {0}")]
    Syntax(String),
    #[error("the relay configuration is not usable: {0}")]
    Invalid(String),
}

/// How the token endpoint wants the client secret (RFC 6749 2.3.1): HTTP Basic, or `client_id`
/// and `client_secret` form fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SecretIn {
    /// Every OAuth server must accept it, so it is the default.
    #[default]
    Basic,
    Body,
}

/// Request limits. A sign-in costs three requests (services, callback, token) and a refresh
/// one every few hours, so the defaults leave a user ample room and a flood none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted; anything larger is 413.
    pub max_body_bytes: usize,
    /// Sustained requests per client address and minute.
    pub requests_per_minute: u32,
    /// Requests a client address may make at once before the per-minute rate applies.
    pub burst: u32,
    /// How long a service's token endpoint may take to answer.
    pub upstream_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 16 * 1024,
            requests_per_minute: 60,
            burst: 20,
            upstream_timeout_secs: 20,
        }
    }
}

/// The whole configuration, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The relay's HTTPS address as browsers and apps reach it, without a trailing slash.
    pub public_url: String,
    pub listen: SocketAddr,
    pub tls: Option<TlsFiles>,
    /// A reverse proxy in front terminates TLS and appends the client to `X-Forwarded-For`.
    pub behind_proxy: bool,
    pub limits: Limits,
    pub services: BTreeMap<String, Service>,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// One OAuth app the relay signs in with. `Debug` never prints the secret.
#[derive(Clone)]
pub struct Service {
    pub client_id: String,
    pub(crate) client_secret: String,
    pub secret_in: SecretIn,
    pub authorize_url: String,
    pub token_url: String,
    pub refresh_url: String,
    pub revoke_url: Option<String>,
    pub scopes: Vec<String>,
    pub redirect_uri: String,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("client_id", &self.client_id)
            .field("client_secret", &"…")
            .field("secret_in", &self.secret_in)
            .field("token_url", &self.token_url)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    public_url: String,
    listen: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    #[serde(default)]
    behind_proxy: bool,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    services: BTreeMap<String, ServiceFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceFile {
    client_id: String,
    client_secret: Option<String>,
    client_secret_env: Option<String>,
    /// A file holding the secret; relative to `$CREDENTIALS_DIRECTORY` when systemd's
    /// `LoadCredential=` set it.
    client_secret_file: Option<PathBuf>,
    #[serde(default)]
    secret_in: SecretIn,
    authorize_url: String,
    token_url: String,
    refresh_url: Option<String>,
    revoke_url: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    redirect_uri: Option<String>,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read(path.display().to_string(), e.to_string()))?;
        Config::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        // toml's message quotes the offending line, which may be a `client_secret`: keep only
        // what it says, not where.
        let file: File =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(e.message().into()))?;
        let public_url = web_url("public_url", &file.public_url)?.trim_end_matches('/').to_string();
        let listen = file.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
        let listen: SocketAddr = listen
            .parse()
            .map_err(|_| invalid(format!("listen = {listen:?} is not an address:port")))?;
        let tls = match (file.tls_cert, file.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => return Err(invalid("tls_cert and tls_key go together".into())),
        };
        let mut services = BTreeMap::new();
        for (name, s) in file.services {
            let service = service(&name, s, &public_url)?;
            services.insert(name, service);
        }
        if services.is_empty() {
            return Err(invalid("no [services.<name>] table".into()));
        }
        let config = Config {
            public_url,
            listen,
            tls,
            behind_proxy: file.behind_proxy,
            limits: file.limits,
            services,
        };
        config.check_plain_http()?;
        Ok(config)
    }

    /// Another address than the file's (`--listen`), checked the same way.
    pub fn listen_on(mut self, listen: SocketAddr) -> Result<Config, ConfigError> {
        self.listen = listen;
        self.check_plain_http()?;
        Ok(self)
    }

    /// Codes travel through the relay: without TLS of its own it may only be reached from this
    /// machine (tests), or through a reverse proxy that provides it.
    fn check_plain_http(&self) -> Result<(), ConfigError> {
        if self.tls.is_none() && !self.behind_proxy && !self.listen.ip().is_loopback() {
            return Err(invalid(format!(
                "without tls_cert and tls_key the relay listens on 127.0.0.1 only (or set \
                 behind_proxy = true when a reverse proxy provides HTTPS), not {}",
                self.listen
            )));
        }
        if self.limits.requests_per_minute == 0 || self.limits.burst == 0 {
            return Err(invalid(
                "limits.requests_per_minute and limits.burst must be above 0".into(),
            ));
        }
        Ok(())
    }
}

fn service(name: &str, s: ServiceFile, public_url: &str) -> Result<Service, ConfigError> {
    let name_ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !name_ok {
        return Err(invalid(format!(
            "service name {name:?}: use 1-32 lowercase letters, digits, '-' or '_' (it is a URL path)"
        )));
    }
    let field = |f: &str| format!("services.{name}.{f}");
    let client_secret = match (s.client_secret, s.client_secret_env, s.client_secret_file) {
        (Some(secret), None, None) => secret,
        (None, Some(var), None) => std::env::var(&var).map_err(|_| {
            invalid(format!("{}: the environment variable {var} is not set", field("client_secret_env")))
        })?,
        (None, None, Some(path)) => read_secret_file(&path)
            .map_err(|e| invalid(format!("{}: {} could not be read ({e})", field("client_secret_file"), path.display())))?,
        _ => {
            return Err(invalid(format!(
                "services.{name}: give exactly one of client_secret, client_secret_env, client_secret_file"
            )))
        }
    };
    let client_secret = client_secret.trim().to_string();
    if client_secret.is_empty() {
        return Err(invalid(format!("services.{name}: the client secret is empty")));
    }
    if s.client_id.trim().is_empty() {
        return Err(invalid(format!("{} is empty", field("client_id"))));
    }
    let token_url = web_url(&field("token_url"), &s.token_url)?;
    let refresh_url = match s.refresh_url {
        Some(u) => web_url(&field("refresh_url"), &u)?,
        None => token_url.clone(),
    };
    let revoke_url = s.revoke_url.map(|u| web_url(&field("revoke_url"), &u)).transpose()?;
    let redirect_uri = match s.redirect_uri {
        Some(u) => web_url(&field("redirect_uri"), &u)?,
        None => format!("{public_url}/callback/{name}"),
    };
    Ok(Service {
        client_id: s.client_id,
        client_secret,
        secret_in: s.secret_in,
        authorize_url: web_url(&field("authorize_url"), &s.authorize_url)?,
        token_url,
        refresh_url,
        revoke_url,
        scopes: s.scopes,
        redirect_uri,
    })
}

fn read_secret_file(path: &Path) -> std::io::Result<String> {
    let path = match std::env::var_os("CREDENTIALS_DIRECTORY") {
        Some(dir) if path.is_relative() => Path::new(&dir).join(path),
        _ => path.to_path_buf(),
    };
    std::fs::read_to_string(path)
}

/// An `https://` address, or `http://` on this machine (fakes and tests).
fn web_url(field: &str, value: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(value).map_err(|e| invalid(format!("{field} = {value:?}: {e}")))?;
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(value.to_string()),
        "http" if local => Ok(value.to_string()),
        _ => Err(invalid(format!(
            "{field} = {value:?}: must be https:// (http:// only on 127.0.0.1)"
        ))),
    }
}

fn invalid(why: String) -> ConfigError {
    ConfigError::Invalid(why)
}
