//! Fault handling against a fake WordPress that answers like the real REST API, scripted to fail.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use folio_sites::wordpress::WordPress;
use folio_sites::{Destination, ErrorClass, MediaFields, PacerConfig, SiteErrorCode, Upload};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
enum Fault {
    Status(u16),
    RetryAfter(u64),
    Hang(Duration),
    /// Stores the upload, then answers 502: the response is lost, the attachment exists.
    StoredButLost,
    NotLoggedIn,
    /// What WordPress 6.1 answers an upload whose Application Password was revoked: the request
    /// counts as anonymous.
    Revoked,
}

#[derive(Default)]
struct Fake {
    faults: VecDeque<Fault>,
    media: Vec<(u64, String)>,
    uploads: u32,
}

type Shared = Arc<Mutex<Fake>>;

fn media_json(id: u64, slug: &str) -> serde_json::Value {
    json!({
        "id": id, "slug": slug, "mime_type": "image/webp",
        "source_url": format!("http://fake/wp-content/uploads/{slug}.webp"),
        "title": {"raw": slug, "rendered": slug}, "alt_text": "", "media_details": {"sizes": {}}
    })
}

fn wp_error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (status, Json(json!({"code": code, "message": message, "data": {"status": status.as_u16()}})))
        .into_response()
}

async fn upload(State(fake): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let slug = q.get("slug").cloned().unwrap_or_default();
    let fault = {
        let mut f = fake.lock().unwrap();
        f.uploads += 1;
        f.faults.pop_front()
    };
    match fault {
        Some(Fault::Status(413)) => wp_error(413, "rest_upload_file_too_big", "too big"),
        Some(Fault::Status(401)) => wp_error(
            401,
            "incorrect_password",
            "The provided password is an invalid application password.",
        ),
        Some(Fault::Status(s)) => {
            (StatusCode::from_u16(s).unwrap(), "<html>Bad Gateway</html>").into_response()
        }
        Some(Fault::RetryAfter(secs)) => {
            let mut h = HeaderMap::new();
            h.insert("Retry-After", secs.to_string().parse().unwrap());
            (StatusCode::TOO_MANY_REQUESTS, h, "slow down").into_response()
        }
        Some(Fault::NotLoggedIn) => {
            wp_error(401, "rest_not_logged_in", "You are not currently logged in.")
        }
        Some(Fault::Revoked) => wp_error(
            401,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        ),
        Some(Fault::Hang(d)) => {
            tokio::time::sleep(d).await;
            wp_error(504, "timeout", "gateway timeout")
        }
        Some(Fault::StoredButLost) => {
            let mut f = fake.lock().unwrap();
            let id = f.media.len() as u64 + 1;
            f.media.push((id, slug));
            (StatusCode::BAD_GATEWAY, "<html>proxy error</html>").into_response()
        }
        None => {
            let mut f = fake.lock().unwrap();
            let id = f.media.len() as u64 + 1;
            f.media.push((id, slug.clone()));
            (StatusCode::CREATED, Json(media_json(id, &slug))).into_response()
        }
    }
}

async fn search(State(fake): State<Shared>, Query(q): Query<HashMap<String, String>>) -> Response {
    let f = fake.lock().unwrap();
    let found: Vec<_> = f
        .media
        .iter()
        .filter(|(_, s)| Some(s) == q.get("slug"))
        .map(|(id, s)| media_json(*id, s))
        .collect();
    Json(found).into_response()
}

async fn start(faults: &[Fault]) -> (String, Shared) {
    let fake: Shared = Arc::new(Mutex::new(Fake {
        faults: faults.iter().copied().collect(),
        ..Default::default()
    }));
    let app = Router::new()
        .route("/wp-json/", get(|| async { Json(json!({"namespaces": ["wp/v2"]})) }))
        .route("/wp-json/wp/v2/media", get(search).post(upload))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, fake)
}

fn client(url: &str) -> WordPress {
    let pacer = PacerConfig {
        base_delay: Duration::from_millis(10),
        attempts: 4,
        ..PacerConfig::default()
    };
    WordPress::with_config(url, "admin", "secret pass", pacer, Duration::from_millis(400)).unwrap()
}

async fn try_upload(
    wp: &WordPress,
    slug: &str,
) -> Result<folio_sites::RemoteMedia, folio_sites::SiteError> {
    let fields = MediaFields { title: Some("t".into()), ..Default::default() };
    wp.upload(Upload {
        bytes: b"RIFF....WEBP",
        filename: "a.webp",
        mime: "image/webp",
        key: slug,
        fields: &fields,
        source: None,
    })
    .await
    .map(|p| p.ready().expect("WordPress answers at once"))
}

#[tokio::test]
async fn server_errors_are_retried_until_the_upload_lands_once() {
    for status in [500, 502, 503] {
        let (url, fake) = start(&[Fault::Status(status), Fault::Status(status)]).await;
        let media = try_upload(&client(&url), "photo-a").await.unwrap();
        let f = fake.lock().unwrap();
        assert_eq!((f.uploads, f.media.len()), (3, 1), "status {status}");
        assert_eq!(media.key, "photo-a");
    }
}

/// A site that fails every upload, with as many uploads retrying at once as the pacer has
/// turns: each retry looks its key up first, and that lookup must not wait for a turn the
/// other uploads hold (before, the queue hung there for good and `folio sync` never returned).
#[tokio::test]
async fn uploads_retrying_side_by_side_end_instead_of_waiting_on_each_other() {
    let (url, fake) = start(&[Fault::Status(500); 16]).await;
    let wp = client(&url);
    let both = async { tokio::join!(try_upload(&wp, "photo-s1"), try_upload(&wp, "photo-s2")) };
    let (a, b) = tokio::time::timeout(Duration::from_secs(20), both)
        .await
        .expect("two uploads retrying at once hung");
    for err in [a.unwrap_err(), b.unwrap_err()] {
        assert_eq!(err.code, SiteErrorCode::Unavailable, "{err:?}");
    }
    assert_eq!(fake.lock().unwrap().uploads, 8, "each upload had its four tries");
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (url, fake) = start(&[Fault::RetryAfter(1)]).await;
    let started = Instant::now();
    try_upload(&client(&url), "photo-b").await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited only {:?}", started.elapsed());
    assert_eq!(fake.lock().unwrap().media.len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let (url, fake) = start(&[Fault::Hang(Duration::from_secs(2))]).await;
    try_upload(&client(&url), "photo-c").await.unwrap();
    assert_eq!(fake.lock().unwrap().media.len(), 1);
}

#[tokio::test]
async fn a_lost_response_does_not_duplicate_the_upload() {
    let (url, fake) = start(&[Fault::StoredButLost]).await;
    let media = try_upload(&client(&url), "photo-d").await.unwrap();
    let f = fake.lock().unwrap();
    assert_eq!(f.media.len(), 1, "the retry found the stored upload instead of uploading again");
    assert_eq!(f.uploads, 1);
    assert_eq!(media.id.as_str(), f.media[0].0.to_string());
}

#[tokio::test]
async fn bad_credentials_stop_at_once() {
    let (url, fake) = start(&[Fault::Status(401)]).await;
    let err = try_upload(&client(&url), "photo-e").await.unwrap_err();
    assert_eq!((err.code, err.class()), (SiteErrorCode::NeedsReconnect, ErrorClass::Fatal));
    assert_eq!(fake.lock().unwrap().uploads, 1);
    assert!(!err.to_string().contains("secret"));

    // What WordPress 6.1 says for a wrong password and for a stripped header alike.
    let (url, _) = start(&[Fault::NotLoggedIn]).await;
    let err = try_upload(&client(&url), "photo-f").await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::NeedsReconnect);
    assert!(err.message.contains("Authorization header"), "the message names both causes");

    let (url, _) = start(&[Fault::Revoked]).await;
    let err = try_upload(&client(&url), "photo-r").await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::NeedsReconnect);
    assert!(
        err.message.contains("Application Password") && !err.message.contains("create posts"),
        "a revoked password is named as such: {}",
        err.message
    );
}

#[tokio::test]
async fn too_large_fails_this_photo_without_retrying() {
    let (url, fake) = start(&[Fault::Status(413)]).await;
    let err = try_upload(&client(&url), "photo-g").await.unwrap_err();
    assert_eq!((err.code, err.class()), (SiteErrorCode::TooLarge, ErrorClass::NoRetry));
    assert_eq!(fake.lock().unwrap().uploads, 1);
}

#[tokio::test]
async fn connection_resets_are_retried_then_reported() {
    // A server that accepts and immediately drops every connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(0u32));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            *counter.lock().unwrap() += 1;
            drop(socket);
        }
    });
    let err = try_upload(&client(&url), "photo-h").await.unwrap_err();
    assert_eq!((err.code, err.class()), (SiteErrorCode::Network, ErrorClass::Retry));
    assert!(*accepted.lock().unwrap() >= 4, "every attempt reached the server");
}

#[test]
fn addresses_that_are_not_web_addresses_are_refused_not_a_panic() {
    for odd in [
        "mailto:someone@example.com",
        "data:text/plain,hi",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com",
        "https://",
    ] {
        let err =
            WordPress::new(odd, "admin", "pass").err().unwrap_or_else(|| panic!("{odd} was taken"));
        assert_eq!(err.code, SiteErrorCode::Protocol, "{odd}");
        assert!(err.message.contains("not a web address"), "{odd}: {}", err.message);
    }
    assert!(WordPress::new("https://example.com/blog", "admin", "pass").is_ok());
}

/// A server for the bounded-read checks: an endless thumbnail, and a media listing far larger
/// than any real one.
async fn oversized() -> String {
    use axum::body::Body;
    let endless = || async {
        let chunk = axum::body::Bytes::from(vec![0u8; 64 * 1024]);
        let stream = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
        Response::new(Body::from_stream(stream))
    };
    let huge_list = || async {
        let item = r#"{"id":1,"slug":"x","source_url":"http://a/x.webp","mime_type":"image/webp","title":{"raw":"x","rendered":"x"}},"#;
        let mut body = String::from("[");
        while body.len() < 20 * 1024 * 1024 {
            body.push_str(item);
        }
        body.pop();
        body.push(']');
        (StatusCode::OK, [("Content-Type", "application/json")], body).into_response()
    };
    let app = Router::new()
        .route("/wp-json/", get(|| async { Json(json!({"namespaces": ["wp/v2"]})) }))
        .route("/wp-json/wp/v2/media", get(huge_list))
        .route("/thumb.jpg", get(endless));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn an_endless_thumbnail_is_cut_off_at_its_cap() {
    let url = oversized().await;
    let thumb = format!("{url}thumb.jpg");
    let err = folio_sites::download(&thumb, 1024 * 1024, &url, None).await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::TooLarge, "{err:?}");
}

#[tokio::test]
async fn thumbnails_come_from_the_site_or_its_media_host_only() {
    let site = "https://93.184.216.34/";
    let elsewhere = folio_sites::download("https://203.0.113.9/x.jpg", 1024, site, None).await;
    assert_eq!(elsewhere.unwrap_err().code, SiteErrorCode::Rejected);
    // The site said its media lives on the photographer's own network.
    let lan = folio_sites::download(
        "http://192.168.1.10/x.jpg",
        1024,
        site,
        Some("http://192.168.1.10/x-full.jpg"),
    )
    .await;
    let err = lan.unwrap_err();
    assert!(err.message.contains("private network"), "{err:?}");
    let odd = folio_sites::download("file:///etc/passwd", 1024, site, None).await;
    assert_eq!(odd.unwrap_err().code, SiteErrorCode::Rejected);
}

#[tokio::test]
async fn a_listing_larger_than_any_real_one_is_refused_not_read() {
    let url = oversized().await;
    let err = client(&url).list(None).await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::TooLarge, "{err:?}");
}

/// A raw HTTP server that reads each request's head and answers with `reply`, written in
/// pieces `pause` apart (then drops the connection).
async fn raw(reply: Vec<Vec<u8>>, pause: Duration) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                for piece in reply {
                    if socket.write_all(&piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(pause).await;
                }
            });
        }
    });
    url
}

#[tokio::test]
async fn a_connection_dropped_mid_body_is_retried_then_reported_not_hung() {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"id\":".to_vec();
    let url = raw(vec![head], Duration::ZERO).await;
    let started = Instant::now();
    let err = client(&url).list(None).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Retry, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_that_trickles_its_answer_ends_in_the_timeout() {
    let mut pieces =
        vec![b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            .to_vec()];
    pieces.extend(std::iter::repeat_n(b" ".to_vec(), 200));
    let url = raw(pieces, Duration::from_millis(100)).await;
    let started = Instant::now();
    let err = client(&url).list(None).await.unwrap_err();
    assert_eq!((err.code, err.class()), (SiteErrorCode::Network, ErrorClass::Retry), "{err:?}");
    // Four tries of 400 ms each, and the backoff between them: nowhere near 20 s of trickle.
    assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_and_gets_no_credentials() {
    // The other host records what reaches it.
    let seen: Arc<Mutex<Vec<Option<String>>>> = Default::default();
    let record = seen.clone();
    let thief = Router::new().fallback(move |headers: HeaderMap| {
        let record = record.clone();
        async move {
            let auth = headers.get("authorization").map(|v| v.to_str().unwrap().to_string());
            record.lock().unwrap().push(auth);
            (StatusCode::CREATED, Json(media_json(1, "photo-x"))).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let thief_url = format!("http://{}/steal", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, thief).await.unwrap() });
    let to = thief_url.clone();
    let site = Router::new()
        .route("/wp-json/", get(|| async { Json(json!({"namespaces": ["wp/v2"]})) }))
        .route(
            "/wp-json/wp/v2/media",
            axum::routing::any(move || {
                let to = to.clone();
                async move { (StatusCode::TEMPORARY_REDIRECT, [("Location", to)]).into_response() }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });

    let err = try_upload(&client(&url), "photo-x").await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::Protocol, "{err:?}");
    assert!(
        err.message.contains("sends Folio to") && err.message.contains("/steal"),
        "{}",
        err.message
    );
    let seen = seen.lock().unwrap();
    assert!(seen.iter().all(|a| a.is_none()), "credentials reached another host: {seen:?}");
}

#[tokio::test]
async fn an_html_page_where_json_should_be_is_a_clear_error() {
    let site = Router::new()
        .route("/wp-json/", get(|| async { Json(json!({"namespaces": ["wp/v2"]})) }))
        .route(
            "/wp-json/wp/v2/media",
            axum::routing::any(|| async {
                (
                    StatusCode::OK,
                    [("Content-Type", "text/html")],
                    "<html><body>Log in to the hotel Wi-Fi</body></html>",
                )
                    .into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, site).await.unwrap() });
    let err = try_upload(&client(&url), "photo-y").await.unwrap_err();
    assert_eq!(err.code, SiteErrorCode::Protocol, "{err:?}");
    assert!(err.message.contains("unexpected answer"), "{}", err.message);
}
