//! The loopback listener as a browser and as strangers meet it: bound to 127.0.0.1 only, the
//! first free registered port, the right state ends the wait once, anything else gets 400, a
//! silent connection does not block the real redirect, a refusal and a timeout are told apart.

use folio_auth::{AuthError, Loopback};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A GET as a browser sends it; the status line of the answer, or None when nothing answers.
fn get(port: u16, target: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: test\r\n\r\n")
        .ok()?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).ok()?;
    answer.lines().next().map(str::to_string)
}

/// Ports no other test binary uses at the same time.
const PORTS: [u16; 3] = [53_781, 53_782, 53_783];

#[tokio::test(flavor = "multi_thread")]
async fn the_right_state_ends_the_wait_once_and_nothing_else_does() {
    let listener = Loopback::bind(&PORTS[..1], "/callback").await.unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback(), "bound to {addr}, not 127.0.0.1");
    let port = addr.port();
    assert_eq!(listener.redirect_uri(), format!("http://127.0.0.1:{port}/callback"));
    let wait = tokio::spawn(listener.wait("s3cr3t-state", Duration::from_secs(20)));
    let browser = tokio::task::spawn_blocking(move || {
        // A silent connection first: it must not hold up the others for long.
        let _silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let wrong_state = get(port, "/callback?code=stolen&state=guess");
        let no_state = get(port, "/callback?code=stolen");
        let wrong_path = get(port, "/other?code=stolen&state=s3cr3t-state");
        let right = get(port, "/callback?code=the-code&state=s3cr3t-state");
        let again = get(port, "/callback?code=the-code&state=s3cr3t-state");
        (wrong_state, no_state, wrong_path, right, again)
    });
    let (wrong_state, no_state, wrong_path, right, again) = browser.await.unwrap();
    for refused in [wrong_state, no_state, wrong_path] {
        assert_eq!(refused.as_deref(), Some("HTTP/1.1 400 Bad Request"));
    }
    assert_eq!(right.as_deref(), Some("HTTP/1.1 200 OK"));
    assert_eq!(again, None, "the listener is closed after the first valid answer");
    let redirect = wait.await.unwrap().unwrap();
    assert_eq!(redirect.code(), Ok("the-code"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_free_registered_port_is_used() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", PORTS[1])).unwrap();
    let listener = Loopback::bind(&PORTS[1..], "/").await.unwrap();
    assert_eq!(listener.port(), PORTS[2]);
    let also = std::net::TcpListener::bind(("127.0.0.1", PORTS[2]));
    assert!(also.is_err(), "the port is held while the sign-in waits");
    drop(listener);
    let none = Loopback::bind(&PORTS[1..2], "/").await.err();
    assert_eq!(none, Some(AuthError::NoFreePort(vec![PORTS[1]])));
    drop(taken);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_in_the_browser_is_told_apart_from_a_timeout() {
    let listener = Loopback::bind(&[0], "/").await.unwrap();
    let port = listener.port();
    let wait = tokio::spawn(listener.wait("st", Duration::from_secs(20)));
    let status = tokio::task::spawn_blocking(move || {
        get(
            port,
            "/?error=access_denied&error_description=The+user+chose+not+to+give+access&state=st",
        )
    })
    .await
    .unwrap();
    assert_eq!(status.as_deref(), Some("HTTP/1.1 200 OK"));
    let err = wait.await.unwrap().unwrap().code().unwrap_err();
    assert_eq!(err, AuthError::Denied("The user chose not to give access".into()));

    let listener = Loopback::bind(&[0], "/").await.unwrap();
    let started = std::time::Instant::now();
    let err = listener.wait("st", Duration::from_millis(300)).await.unwrap_err();
    assert_eq!(err, AuthError::TimedOut(Duration::from_millis(300)));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_waits_for_the_decision_and_is_told_it() {
    use folio_auth::Page;
    let listener = Loopback::bind(&[0], "/cb").await.unwrap();
    let port = listener.port();
    let page = move |target: &'static str| {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        answer
    };
    let browser = tokio::task::spawn_blocking(move || {
        (page("/cb?state=guess&password=pw"), page("/cb?state=st&password=pw"))
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let arrival = listener.arrival("st", deadline).await.unwrap();
    assert_eq!(arrival.redirect.params["password"], "pw");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!browser.is_finished(), "no page before the answer is decided");
    arrival.reply(&Page::failed(403, "the site did not accept <the password>")).await;
    let (wrong, right) = browser.await.unwrap();
    assert!(wrong.starts_with("HTTP/1.1 400 Bad Request"), "{wrong}");
    assert!(right.starts_with("HTTP/1.1 403 Forbidden"), "{right}");
    assert!(right.contains("did not accept &lt;the password&gt;"), "{right}");
    assert!(!right.contains("connected"), "{right}");
}

/// OpenRouter documents only `code` on its callback: a code without a state is taken where the
/// caller says so, but a wrong state or no code still is not.
#[tokio::test(flavor = "multi_thread")]
async fn a_code_without_state_is_taken_only_when_asked_for() {
    let listener = Loopback::bind(&[0], "/callback").await.unwrap();
    let port = listener.port();
    let browser = tokio::task::spawn_blocking(move || {
        let wrong_state = get(port, "/callback?code=stolen&state=guess");
        let no_code = get(port, "/callback?user=1");
        let right = get(port, "/callback?code=the-code");
        (wrong_state, no_code, right)
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let arrival = listener.code_arrival("s3cr3t", deadline).await.unwrap();
    assert_eq!(arrival.redirect.code(), Ok("the-code"));
    arrival.reply(&folio_auth::Page::connected()).await;
    let (wrong_state, no_code, right) = browser.await.unwrap();
    for refused in [wrong_state, no_code] {
        assert_eq!(refused.as_deref(), Some("HTTP/1.1 400 Bad Request"));
    }
    assert_eq!(right.as_deref(), Some("HTTP/1.1 200 OK"));
}

#[test]
fn a_key_sign_in_page_carries_the_callback_and_an_s256_challenge_of_its_verifier() {
    use base64::Engine;
    use sha2::Digest;
    let s = folio_auth::KeySignIn::start(
        "https://openrouter.example/auth",
        "http://127.0.0.1:4000/callback",
        &[("key_label", "Folio")],
    )
    .unwrap();
    let url = url::Url::parse(&s.url).unwrap();
    let q: std::collections::BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["callback_url"], "http://127.0.0.1:4000/callback");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["key_label"], "Folio");
    assert_eq!(q["state"], s.state);
    let digest = sha2::Sha256::digest(s.verifier.as_bytes());
    assert_eq!(
        q["code_challenge"],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    );
    assert!(!format!("{s:?}").contains(&s.verifier));
}
