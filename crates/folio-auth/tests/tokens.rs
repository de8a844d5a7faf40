//! The token source against a token server written from the services' documents (Dropbox, Figma,
//! Canva, HubSpot): it records what it is sent, rotates refresh tokens if asked (Canva: each is
//! taken once), requires the client secret as HTTP Basic (Figma) or in the form (HubSpot), and
//! can take refreshes at their own URL (Figma's `/v1/oauth/refresh`).

use base64::Engine;
use folio_auth::{AuthError, Keychain, Provider, SecretIn, TokenSource};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const CLIENT_ID: &str = "app-id-7";
const SECRET: &str = "s3cret-of-the-app";
const KEY: &str = "account-figma-1";

/// One request the server received.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorization: Option<String>,
    form: BTreeMap<String, String>,
}

impl Seen {
    fn grant(&self) -> &str {
        &self.form["grant_type"]
    }
}

/// What another process does to the server's grants while a refresh is on its way.
type Meanwhile = Box<dyn FnOnce(&mut Rules) + Send>;

/// How the server behaves, and what it has issued.
struct Rules {
    /// The refresh tokens it accepts now.
    valid: BTreeSet<String>,
    /// A refresh answers a new refresh token and the used one stops working (Canva).
    rotate: bool,
    secret: Option<SecretIn>,
    refresh_path: &'static str,
    expires_in: u64,
    /// How long each answer takes, so concurrent callers overlap.
    delay: Duration,
    /// Run on the next refresh before it is answered: another process acting meanwhile.
    meanwhile: Option<Meanwhile>,
    issued: u32,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            valid: ["refresh-0".to_string()].into(),
            rotate: false,
            secret: None,
            refresh_path: "/token",
            expires_in: 3600,
            delay: Duration::ZERO,
            meanwhile: None,
            issued: 0,
        }
    }
}

struct TokenServer {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TokenServer {
    async fn start(rules: Rules) -> TokenServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let rules = Arc::new(Mutex::new(rules));
        let s = seen.clone();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(serve(stream, s.clone(), rules.clone()));
            }
        });
        TokenServer { base, seen }
    }

    fn provider(&self) -> Provider {
        Provider::new(CLIENT_ID, "https://www.figma.example/oauth", format!("{}/token", self.base))
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn refreshes(&self) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.grant() == "refresh_token").collect()
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    seen: Arc<Mutex<Vec<Seen>>>,
    rules: Arc<Mutex<Rules>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    let path = line.split(' ').nth(1).unwrap_or_default().to_string();
    let (mut length, mut authorization) = (0, None);
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await.unwrap();
        if header == "\r\n" || header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            "authorization" => authorization = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.unwrap();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let request = Seen { path, authorization, form };
    seen.lock().unwrap().push(request.clone());
    let delay = rules.lock().unwrap().delay;
    tokio::time::sleep(delay).await;
    let (status, answer) = answer(&request, &mut rules.lock().unwrap());
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    reader.into_inner().write_all(reply.as_bytes()).await.unwrap();
}

fn refused(error: &str, why: &str) -> (u16, String) {
    (400, format!(r#"{{"error":"{error}","error_description":"{why}"}}"#))
}

/// What a token endpoint following RFC 6749 answers `request`.
fn answer(request: &Seen, rules: &mut Rules) -> (u16, String) {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{SECRET}"))
    );
    let client_ok = match rules.secret {
        None => request.form.get("client_id").is_some_and(|id| id == CLIENT_ID),
        Some(SecretIn::Basic) => {
            request.authorization.as_deref() == Some(basic.as_str())
                && !request.form.contains_key("client_secret")
        }
        Some(SecretIn::Body) => {
            request.form.get("client_secret").is_some_and(|s| s == SECRET)
                && request.form.get("client_id").is_some_and(|id| id == CLIENT_ID)
                && request.authorization.is_none()
        }
    };
    if !client_ok {
        return (
            401,
            r#"{"error":"invalid_client","error_description":"client authentication failed"}"#
                .into(),
        );
    }
    let refresh = match (request.grant(), request.path.as_str()) {
        ("authorization_code", "/token") if request.form["code"] == "the-code" => None,
        ("authorization_code", "/token") => return refused("invalid_grant", "code expired"),
        ("refresh_token", path) if path == rules.refresh_path => {
            if let Some(other_process) = rules.meanwhile.take() {
                other_process(rules);
            }
            let used = &request.form["refresh_token"];
            if !rules.valid.contains(used) {
                return refused("invalid_grant", "Invalid refresh token");
            }
            Some(used.clone())
        }
        _ => return refused("unsupported_grant_type", "not here"),
    };
    rules.issued += 1;
    let n = rules.issued;
    let rotated = match refresh {
        None => Some(format!("refresh-{n}")),
        Some(used) if rules.rotate => {
            rules.valid.remove(&used);
            Some(format!("refresh-{n}"))
        }
        Some(_) => None,
    };
    if let Some(r) = &rotated {
        rules.valid.insert(r.clone());
    }
    let rotated = rotated.map(|r| format!(r#","refresh_token":"{r}""#)).unwrap_or_default();
    let expires = rules.expires_in;
    (
        200,
        format!(
            r#"{{"access_token":"access-{n}","token_type":"bearer","expires_in":{expires}{rotated}}}"#
        ),
    )
}

/// The OS keychain as one map, shared by the sources that play the app and `folio watch`.
#[derive(Default)]
struct MemoryKeychain {
    entries: Mutex<HashMap<String, String>>,
    writes: Mutex<u32>,
    broken: bool,
}

impl MemoryKeychain {
    fn holding(refresh: &str) -> Arc<MemoryKeychain> {
        let k = MemoryKeychain::default();
        k.entries.lock().unwrap().insert(KEY.into(), refresh.into());
        Arc::new(k)
    }

    fn stored(&self) -> Option<String> {
        self.entries.lock().unwrap().get(KEY).cloned()
    }
}

impl Keychain for MemoryKeychain {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.entries.lock().unwrap().get(key).cloned())
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        if self.broken {
            return Err("the keyring is locked".into());
        }
        *self.writes.lock().unwrap() += 1;
        self.entries.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
}

fn source(provider: Provider, keychain: &Arc<MemoryKeychain>) -> TokenSource {
    TokenSource::new(provider, keychain.clone(), KEY, reqwest::Client::new())
}

#[tokio::test]
async fn a_token_is_renewed_a_minute_before_it_expires() {
    let server = TokenServer::start(Rules::default()).await;
    let tokens = source(server.provider(), &MemoryKeychain::holding("refresh-0"));

    tokens.seed("from-sign-in".into(), Some(Duration::from_secs(65))).await;
    assert_eq!(tokens.current().await.unwrap(), "from-sign-in");
    assert!(server.seen().is_empty(), "65 s left: kept");

    tokens.seed("nearly-expired".into(), Some(Duration::from_secs(55))).await;
    assert_eq!(tokens.current().await.unwrap(), "access-1", "55 s left: renewed");
    assert_eq!(tokens.current().await.unwrap(), "access-1", "the new one is kept");
    assert_eq!(server.refreshes().len(), 1);
}

#[tokio::test]
async fn calls_refused_together_make_one_refresh() {
    let server =
        TokenServer::start(Rules { delay: Duration::from_millis(200), ..Default::default() }).await;
    let tokens = Arc::new(source(server.provider(), &MemoryKeychain::holding("refresh-0")));
    tokens.seed("revoked-early".into(), Some(Duration::from_secs(3600))).await;

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let tokens = tokens.clone();
        calls.spawn(async move { tokens.rejected("revoked-early").await.unwrap() });
    }
    while let Some(got) = calls.join_next().await {
        assert_eq!(got.unwrap(), "access-1");
    }
    assert_eq!(server.refreshes().len(), 1, "eight 401s, one refresh");

    // The renewed token refused in its turn is renewed again, not handed back.
    assert_eq!(tokens.rejected("access-1").await.unwrap(), "access-2");
}

#[tokio::test]
async fn callers_wait_for_the_refresh_under_way() {
    let server =
        TokenServer::start(Rules { delay: Duration::from_millis(200), ..Default::default() }).await;
    let tokens = Arc::new(source(server.provider(), &MemoryKeychain::holding("refresh-0")));

    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let tokens = tokens.clone();
        calls.spawn(async move { tokens.current().await.unwrap() });
    }
    while let Some(got) = calls.join_next().await {
        assert_eq!(got.unwrap(), "access-1");
    }
    assert_eq!(server.refreshes().len(), 1);
}

#[tokio::test]
async fn each_refresh_reads_the_refresh_token_from_the_keychain() {
    let server = TokenServer::start(Rules { rotate: true, ..Default::default() }).await;
    let keychain = MemoryKeychain::holding("refresh-0");
    let app = source(server.provider(), &keychain);
    let watch = source(server.provider(), &keychain);

    assert_eq!(app.current().await.unwrap(), "access-1");
    assert_eq!(watch.current().await.unwrap(), "access-2", "with the app's rotated token");
    assert_eq!(app.rejected("access-1").await.unwrap(), "access-3", "with watch's rotated token");

    let used: Vec<_> = server.refreshes().iter().map(|s| s.form["refresh_token"].clone()).collect();
    assert_eq!(used, ["refresh-0", "refresh-1", "refresh-2"]);
    assert_eq!(keychain.stored().as_deref(), Some("refresh-3"));
}

#[tokio::test]
async fn a_rotated_refresh_token_is_written_back_and_a_kept_one_is_not_rewritten() {
    let rotating = TokenServer::start(Rules { rotate: true, ..Default::default() }).await;
    let keychain = MemoryKeychain::holding("refresh-0");
    assert_eq!(source(rotating.provider(), &keychain).current().await.unwrap(), "access-1");
    assert_eq!(keychain.stored().as_deref(), Some("refresh-1"));
    assert_eq!(*keychain.writes.lock().unwrap(), 1);

    // Dropbox and Figma keep the refresh token: the keychain is left alone.
    let keeping = TokenServer::start(Rules::default()).await;
    let keychain = MemoryKeychain::holding("refresh-0");
    assert_eq!(source(keeping.provider(), &keychain).current().await.unwrap(), "access-1");
    assert_eq!(keychain.stored().as_deref(), Some("refresh-0"));
    assert_eq!(*keychain.writes.lock().unwrap(), 0);

    // A keychain that cannot take the rotated token says so, without the token.
    let rotating = TokenServer::start(Rules { rotate: true, ..Default::default() }).await;
    let locked = MemoryKeychain { broken: true, ..Default::default() };
    locked.entries.lock().unwrap().insert(KEY.into(), "refresh-0".into());
    let err = source(rotating.provider(), &Arc::new(locked)).current().await.unwrap_err();
    assert!(matches!(&err, AuthError::Keychain(m) if m.contains("locked")), "{err:?}");
    assert!(!err.to_string().contains("refresh-1") && !err.to_string().contains("access-1"));
}

#[tokio::test]
async fn a_refresh_token_rotated_by_another_process_meanwhile_is_taken_from_the_keychain() {
    let keychain = MemoryKeychain::holding("refresh-0");
    let other = keychain.clone();
    // `folio watch` refreshes between this source's keychain read and its request arriving.
    let meanwhile = Box::new(move |rules: &mut Rules| {
        rules.valid = ["refresh-watch".to_string()].into();
        other.entries.lock().unwrap().insert(KEY.into(), "refresh-watch".into());
    });
    let rules = Rules { rotate: true, meanwhile: Some(meanwhile), ..Default::default() };
    let server = TokenServer::start(rules).await;

    assert_eq!(source(server.provider(), &keychain).current().await.unwrap(), "access-1");
    let used: Vec<_> = server.refreshes().iter().map(|s| s.form["refresh_token"].clone()).collect();
    assert_eq!(used, ["refresh-0", "refresh-watch"]);
    assert_eq!(keychain.stored().as_deref(), Some("refresh-1"));
}

/// A sign-in and a refresh with the secret as `sent_in`; returns what the server saw.
async fn sign_in_and_refresh(sent_in: SecretIn) -> Vec<Seen> {
    let server = TokenServer::start(Rules { secret: Some(sent_in), ..Default::default() }).await;
    let provider = server.provider().with_secret(SECRET, sent_in);
    let http = reqwest::Client::new();
    let sign_in = provider.start("http://127.0.0.1:53682/figma", &[]).unwrap();
    assert!(!sign_in.url.contains(SECRET), "never in the browser's address");
    let got = provider.exchange(sign_in, "the-code", &http).await.unwrap();
    let keychain = MemoryKeychain::holding(got.refresh_token.as_deref().unwrap());
    let tokens = source(provider, &keychain);
    assert_eq!(tokens.current().await.unwrap(), "access-2");
    server.seen()
}

#[tokio::test]
async fn the_secret_goes_as_http_basic_when_the_service_wants_it() {
    let seen = sign_in_and_refresh(SecretIn::Basic).await;
    let grants: Vec<_> = seen.iter().map(Seen::grant).collect();
    assert_eq!(grants, ["authorization_code", "refresh_token"]);
    for request in &seen {
        let basic = request.authorization.as_deref().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(basic).unwrap();
        assert_eq!(String::from_utf8(decoded).unwrap(), format!("{CLIENT_ID}:{SECRET}"));
        assert!(!request.form.contains_key("client_secret"), "{:?}", request.form.keys());
    }
}

#[tokio::test]
async fn the_secret_goes_in_the_form_when_the_service_wants_it() {
    let seen = sign_in_and_refresh(SecretIn::Body).await;
    assert_eq!(seen.len(), 2);
    for request in &seen {
        assert_eq!(request.form["client_secret"], SECRET);
        assert_eq!(request.form["client_id"], CLIENT_ID);
        assert_eq!(request.authorization, None);
    }
}

#[tokio::test]
async fn the_secret_and_tokens_stay_out_of_errors_and_debug_output() {
    let server =
        TokenServer::start(Rules { secret: Some(SecretIn::Basic), ..Default::default() }).await;
    let keychain = MemoryKeychain::holding("refresh-0");
    let leaks = |text: String| {
        assert!(!text.contains(SECRET) && !text.contains("refresh-0"), "{text}");
    };

    // Sent in the form to a service that wants Basic: refused, by name only.
    let wrong = server.provider().with_secret(SECRET, SecretIn::Body);
    let tokens = source(wrong, &keychain);
    let err = tokens.current().await.unwrap_err();
    assert!(matches!(&err, AuthError::Rejected(m) if m.contains("invalid_client")), "{err:?}");
    leaks(err.to_string());
    leaks(format!("{err:?}"));
    leaks(format!("{tokens:?}"));

    // Nobody listening.
    let gone = Provider::new(CLIENT_ID, "https://x.example/oauth", "http://127.0.0.1:9/token")
        .with_secret(SECRET, SecretIn::Basic);
    leaks(format!("{gone:?}"));
    let err = source(gone, &keychain).current().await.unwrap_err();
    assert!(matches!(err, AuthError::Network(_)), "{err:?}");
    leaks(err.to_string());
}

#[tokio::test]
async fn refreshes_go_to_the_refresh_url_and_the_code_to_the_token_url() {
    let server = TokenServer::start(Rules { refresh_path: "/refresh", ..Default::default() }).await;
    let provider = server.provider().with_refresh_url(format!("{}/refresh", server.base));
    let http = reqwest::Client::new();
    let sign_in = provider.start("http://127.0.0.1:53682/figma", &[]).unwrap();
    let got = provider.exchange(sign_in, "the-code", &http).await.unwrap();
    let tokens = source(provider, &MemoryKeychain::holding(got.refresh_token.as_deref().unwrap()));
    tokens.seed(got.access_token, got.expires_in).await;
    assert_eq!(tokens.rejected("access-1").await.unwrap(), "access-2");

    let paths: Vec<_> =
        server.seen().iter().map(|s| (s.grant().to_string(), s.path.clone())).collect();
    assert_eq!(
        paths,
        [
            ("authorization_code".into(), "/token".into()),
            ("refresh_token".into(), "/refresh".into())
        ]
    );
}

#[tokio::test]
async fn scopes_are_asked_for_space_joined_on_the_sign_in_url() {
    let provider =
        Provider::new(CLIENT_ID, "https://www.figma.example/oauth", "https://x.example/t")
            .with_scopes(["file_content:read", "current_user:read"]);
    let sign_in = provider.start("http://127.0.0.1:53682/figma", &[]).unwrap();
    let url = url::Url::parse(&sign_in.url).unwrap();
    let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "file_content:read current_user:read");
}

#[tokio::test]
async fn a_refused_refresh_token_is_rejected_and_a_missing_one_is_signed_out() {
    let server = TokenServer::start(Rules::default()).await;
    let revoked = source(server.provider(), &MemoryKeychain::holding("refresh-revoked"));
    let err = revoked.current().await.unwrap_err();
    assert_eq!(err, AuthError::Rejected("invalid_grant: Invalid refresh token".into()));
    assert!(!err.to_string().contains("refresh-revoked"));

    let signed_out = source(server.provider(), &Arc::new(MemoryKeychain::default()));
    assert_eq!(signed_out.current().await.unwrap_err(), AuthError::SignedOut);
    assert_eq!(server.refreshes().len(), 1, "nothing is sent without a refresh token");
}
