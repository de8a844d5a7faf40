//! OAuth 2 with PKCE against a token endpoint that checks what RFC 6749 and RFC 7636 ask: the
//! sign-in URL's parameters, the S256 challenge of the verifier sent later, the code exchange and
//! the refresh, and errors that name the problem without the answer's body.

use base64::Engine;
use folio_auth::{AuthError, Provider};
use sha2::Digest;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// The form bodies a fake endpoint received, in order.
type Seen = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

/// A token endpoint on 127.0.0.1 answering each request with the next of `answers` (status,
/// JSON body); the form bodies it received are kept.
fn token_endpoint(answers: Vec<(u16, String)>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/oauth2/token", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for (status, body) in answers {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut form = vec![0; length];
            reader.read_exact(&mut form).unwrap();
            record.lock().unwrap().push(url::form_urlencoded::parse(&form).into_owned().collect());
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
        }
    });
    (url, seen)
}

fn provider(token_url: &str) -> Provider {
    Provider::new("app-key-123", "https://www.dropbox.example/oauth2/authorize", token_url)
}

#[tokio::test]
async fn the_code_is_exchanged_with_the_verifier_of_the_urls_challenge() {
    let tokens = r#"{"access_token":"sl.AAA-access","token_type":"bearer","expires_in":14400,"refresh_token":"RRR-refresh","scope":"files.content.read","uid":"1","account_id":"dbid:x","blog_id":200001,"id_token":"eyJ.secret","team":{"id":1}}"#;
    let refreshed = r#"{"access_token":"sl.BBB-access","token_type":"bearer","expires_in":14400}"#;
    let (token_url, seen) = token_endpoint(vec![(200, tokens.into()), (200, refreshed.into())]);
    let p = provider(&token_url);
    let redirect = "http://127.0.0.1:53682/";
    let sign_in = p.start(redirect, &[("token_access_type", "offline")]).unwrap();
    let url = url::Url::parse(&sign_in.url).unwrap();
    assert!(sign_in.url.starts_with("https://www.dropbox.example/oauth2/authorize?"));
    let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["client_id"], "app-key-123");
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["redirect_uri"], redirect);
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["token_access_type"], "offline");
    assert_eq!(q["state"], sign_in.state);
    assert!(sign_in.state.len() >= 16, "a state that cannot be guessed");
    let challenge = q["code_challenge"].clone();

    let http = reqwest::Client::new();
    let got = p.exchange(sign_in, "the-code", &http).await.unwrap();
    assert_eq!(got.access_token, "sl.AAA-access");
    assert_eq!(got.refresh_token.as_deref(), Some("RRR-refresh"));
    assert_eq!(got.expires_in, Some(std::time::Duration::from_secs(14400)));
    assert!(!format!("{got:?}").contains("AAA") && !format!("{got:?}").contains("RRR"));
    // The answer's other plain values travel along (WordPress.com's blog_url), but nothing
    // named like a token, and nothing nested.
    let extra: Vec<(&str, &str)> =
        got.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(extra, [("account_id", "dbid:x"), ("blog_id", "200001"), ("uid", "1")]);

    let again = p.refresh("RRR-refresh", &http).await.unwrap();
    assert_eq!((again.access_token.as_str(), again.refresh_token), ("sl.BBB-access", None));

    let seen = seen.lock().unwrap();
    let exchange = &seen[0];
    assert_eq!(exchange["grant_type"], "authorization_code");
    assert_eq!(exchange["code"], "the-code");
    assert_eq!(exchange["client_id"], "app-key-123");
    assert_eq!(exchange["redirect_uri"], redirect);
    assert!(!exchange.contains_key("client_secret"));
    let verifier = &exchange["code_verifier"];
    let s256 =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    assert_eq!(s256, challenge, "RFC 7636: challenge = BASE64URL(SHA256(verifier))");
    let refresh = &seen[1];
    assert_eq!(refresh["grant_type"], "refresh_token");
    assert_eq!(refresh["refresh_token"], "RRR-refresh");
    assert_eq!(refresh["client_id"], "app-key-123");
}

#[tokio::test]
async fn a_refused_code_is_named_and_a_garbled_answer_does_not_leak() {
    let refused =
        r#"{"error":"invalid_grant","error_description":"code doesn't exist or has expired"}"#;
    let garbled = r#"{"access_token":"sl.LEAKED-if-printed","token_type":42}"#;
    let (token_url, _) = token_endpoint(vec![(400, refused.into()), (200, garbled.into())]);
    let p = provider(&token_url);
    let http = reqwest::Client::new();
    let sign_in = p.start("http://127.0.0.1:53682/", &[]).unwrap();
    let err = p.exchange(sign_in, "used-code", &http).await.unwrap_err();
    assert_eq!(err, AuthError::Rejected("invalid_grant: code doesn't exist or has expired".into()));
    let sign_in = p.start("http://127.0.0.1:53682/", &[]).unwrap();
    let err = p.exchange(sign_in, "code", &http).await.unwrap_err();
    assert!(matches!(err, AuthError::Protocol(_)), "{err:?}");
    assert!(!err.to_string().contains("LEAKED"), "{err}");
}

#[tokio::test]
async fn a_refusal_in_the_services_own_shape_is_a_refusal() {
    // HubSpot's token endpoint: its own error bodies, not RFC 6749's.
    let bad_refresh = r#"{"status":"BAD_REFRESH_TOKEN","message":"missing or invalid refresh token","correlationId":"1b2f6e0a"}"#;
    let validation = r#"{"message":"Invalid refresh token","correlationId":"aeb5f871","category":"VALIDATION_ERROR"}"#;
    let not_json = "<html>Bad Request</html>";
    let (token_url, _) = token_endpoint(vec![
        (400, bad_refresh.into()),
        (400, validation.into()),
        (400, not_json.into()),
    ]);
    let p = provider(&token_url);
    let http = reqwest::Client::new();
    let err = p.refresh("old", &http).await.unwrap_err();
    let said = "BAD_REFRESH_TOKEN: missing or invalid refresh token";
    assert_eq!(err, AuthError::Rejected(said.into()));
    let err = p.refresh("old", &http).await.unwrap_err();
    assert_eq!(err, AuthError::Rejected("VALIDATION_ERROR: Invalid refresh token".into()));
    let err = p.refresh("old", &http).await.unwrap_err();
    assert!(matches!(err, AuthError::Protocol(_)), "a page is not a refusal: {err:?}");
}
