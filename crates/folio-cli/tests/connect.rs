//! `folio site connect` against the real WordPress of the test harness (a local environment, so
//! an http callback on 127.0.0.1 is allowed): the test logs in to wp-admin, opens the address
//! Folio printed and presses Approve or Reject. Also: a timeout, a forged answer, connecting
//! the same site again, and `site remove` revoking the password on the site.

#[path = "../../../tests/support/approve.rs"]
mod approve;
mod support;

use approve::Press;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use support::{gradient_photo, unique, wordpress, Site};

fn login_password() -> String {
    std::env::var("FOLIO_WP_LOGIN_PASSWORD")
        .expect("tests/with-wordpress.sh sets FOLIO_WP_LOGIN_PASSWORD")
}

/// Starts `site connect`; returns it and the address it printed.
fn start(site: &Site, data: &Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["site", "connect", site.url.as_str(), "--no-browser"];
    args.extend_from_slice(extra);
    let mut child = site
        .folio(data, &args)
        .env_remove("FOLIO_APP_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("open: ")
        .unwrap_or_else(|| panic!("printed {line:?}"))
        .to_string();
    (child, url)
}

fn finish(child: Child) -> (bool, String, String) {
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

fn sites(site: &Site, data: &Path) -> serde_json::Value {
    let out = site.folio(data, &["site", "list", "--json"]).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn approving_on_the_site_connects_it_and_a_sync_works() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    assert!(url.contains("/wp-admin/authorize-application.php?"), "{url}");
    assert!(query["app_name"].starts_with("Folio on "), "{query:?}");
    assert_eq!(query["app_id"].len(), 36, "a UUID: {query:?}");
    let success = url::Url::parse(&query["success_url"]).unwrap();
    assert_eq!(success.host_str(), Some("127.0.0.1"));
    assert!(success.query().unwrap().starts_with("state="), "{success}");

    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Approve);
    assert!(back.starts_with(success.as_str()) && back.contains("password="), "{back}");
    let (status, page) = approve::follow(&back);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("You can close this tab"), "{page}");
    let (ok, out, err) = finish(child);
    assert!(ok, "{err}");
    assert!(out.contains("Connected Folio test site (admin at"), "{out}");
    let listed = sites(&site, &data);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["name"], "Folio test site");

    // The password Folio got works: a photo goes up with it.
    let album = tmp.path().join(unique("connected"));
    std::fs::create_dir_all(&album).unwrap();
    gradient_photo(&album.join("approved.png"), 77);
    let root = album.to_string_lossy().into_owned();
    let out =
        site.folio(&data, &["album", "add", &root, "--site", "Folio test site"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out =
        site.folio(&data, &["sync", "--json"]).env_remove("FOLIO_APP_PASSWORD").output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["uploaded"], 1, "{report}");

    // Connecting it again updates its credentials, keeps one site, and revokes the old password.
    let before = approve::app_password_uuids(&site.url, &site.user, &site.password);
    let (child, url) = start(&site, &data, &[]);
    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Approve);
    approve::follow(&back);
    let (ok, _, err) = finish(child);
    assert!(ok, "{err}");
    assert_eq!(sites(&site, &data).as_array().unwrap().len(), 1, "still one site");
    let after = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(
        after.len(),
        before.len(),
        "one new password, the old one revoked: {before:?} → {after:?}"
    );

    // Removing the site revokes its password on the site; the photo stays there.
    let out = site.folio(&data, &["site", "remove", "Folio test site"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("revoked on the site"), "{said}");
    let left = approve::app_password_uuids(&site.url, &site.user, &site.password);
    assert_eq!(left.len(), before.len() - 1, "{left:?}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn rejecting_on_the_site_saves_nothing() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "120"]);
    let back = approve::press(&site.url, &site.user, &login_password(), &url, Press::Reject);
    assert!(back.contains("success=false"), "{back}");
    let (status, page) = approve::follow(&back);
    assert_eq!((status, page.contains("was not given access")), (200, true), "{page}");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("rejected on the site"), "{err}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

#[test]
fn a_forged_answer_is_refused_and_waiting_ends_at_the_timeout() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let (child, url) = start(&site, &data, &["--timeout", "4"]);
    let query: std::collections::HashMap<String, String> =
        url::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
    let success = &query["success_url"];
    let listener = success.split('?').next().unwrap();
    // A page that guessed the port, without the state.
    let forged = format!(
        "{listener}?state=0123456789abcdef0123456789abcdef&site_url={}&user_login=admin&password=stolen",
        site.url
    );
    let (status, _) = approve::follow(&forged);
    assert_eq!(status, 400, "a wrong state is not an answer");
    let (ok, _, err) = finish(child);
    assert!(!ok && err.contains("timed out waiting for approval"), "{err}");
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}

/// A web server on 127.0.0.1 answering each path with `answer(path)`: (headers, body).
fn serve(answer: fn(&str) -> (String, String)) -> std::net::SocketAddr {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = server.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in server.incoming().flatten() {
            use std::io::{Read, Write};
            let mut buf = [0u8; 8192];
            let n = s.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = head.split(' ').nth(1).unwrap_or("/").to_string();
            let (headers, body) = answer(&path);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

#[test]
fn an_address_without_wordpress_or_with_plain_http_on_the_internet_is_explained() {
    let Some(site) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let not_wp = serve(|_| (String::new(), "<html><body>Just a page</body></html>".into()));
    let out = site
        .folio(&data, &["site", "connect", &format!("http://{not_wp}"), "--no-browser"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("No WordPress site answers"), "{err}");
    assert!(out.stdout.is_empty(), "no address to open");

    // A site whose REST API says it lives at a plain-http address on the internet.
    let plain = serve(|path| {
        if path.starts_with("/wp-json/") || path.contains("rest_route") {
            let index = serde_json::json!({
                "name": "Plain photos",
                "url": "http://photos.example.com",
                "namespaces": ["wp/v2"],
                "authentication": {"application-passwords": {"endpoints": {
                    "authorization": "http://photos.example.com/wp-admin/authorize-application.php"}}},
            });
            ("Content-Type: application/json\r\n".into(), index.to_string())
        } else {
            ("Link: </wp-json/>; rel=\"https://api.w.org/\"\r\n".into(), "<html></html>".into())
        }
    });
    let out = site
        .folio(&data, &["site", "connect", &format!("http://{plain}"), "--no-browser"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not encrypted") && err.contains("travel in clear"), "{err}");
    // Confirmed: the approval page is offered (and, unanswered, the wait ends in time).
    let args = [
        "site",
        "connect",
        &format!("http://{plain}"),
        "--no-browser",
        "--allow-http",
        "--timeout",
        "1",
    ];
    let out = site.folio(&data, &args).env_remove("FOLIO_APP_PASSWORD").output().unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.starts_with("open: http://photos.example.com/wp-admin/authorize-application.php?"),
        "{printed}"
    );
    assert!(!out.status.success());
    assert_eq!(sites(&site, &data), serde_json::json!([]));
}
