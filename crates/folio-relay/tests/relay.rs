//! The relay against a fake OAuth service: what it adds, what it passes on unchanged, and what
//! it refuses.

mod common;

use common::*;
use std::collections::BTreeMap;

async fn post(url: &str, body: &str) -> reqwest::Response {
    http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[tokio::test]
async fn the_code_exchange_gets_the_secret_in_basic_and_the_answer_comes_back_unchanged() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let redirect_uri = format!("{}/callback/canva", relay.url);
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", GOOD_CODE),
        ("code_verifier", "VERIFIER-abc123"),
        ("redirect_uri", &redirect_uri),
        ("client_id", "canva-app"),
        // An app's own secret (wrong, or an attempt to override) never reaches the service.
        ("client_secret", "forged"),
    ]);
    let answer = post(&format!("{}/token/canva", relay.url), &body).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], TOKEN_CONTENT_TYPE);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    assert_eq!(answer.text().await.unwrap(), TOKEN_ANSWER);

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/oauth/token");
    assert_eq!(seen[0].authorization.as_deref(), Some(basic("canva-app", CANVA_SECRET).as_str()));
    let expected: BTreeMap<String, String> = [
        ("grant_type", "authorization_code"),
        ("code", GOOD_CODE),
        ("code_verifier", "VERIFIER-abc123"),
        ("redirect_uri", redirect_uri.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(seen[0].form, expected, "the app's fields, as sent, and no secret in the body");
}

#[tokio::test]
async fn a_service_that_wants_the_secret_in_the_body_gets_it_there() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let body =
        form(&[("grant_type", "authorization_code"), ("code", GOOD_CODE), ("code_verifier", "V")]);
    let answer = post(&format!("{}/token/wpcom", relay.url), &body).await;
    assert_eq!(answer.status(), 200);

    let seen = fake.seen();
    assert_eq!(seen[0].authorization, None);
    assert_eq!(seen[0].form["client_id"], "wpcom-app");
    assert_eq!(seen[0].form["client_secret"], WPCOM_SECRET);
    assert_eq!(seen[0].form["code"], GOOD_CODE);
    assert_eq!(seen[0].form["code_verifier"], "V");
}

#[tokio::test]
async fn the_services_oauth_error_comes_back_unchanged() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", "stale-code"),
        ("code_verifier", "V"),
    ]);
    let answer = post(&format!("{}/token/canva", relay.url), &body).await;
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.headers()["content-type"], TOKEN_CONTENT_TYPE);
    assert_eq!(answer.text().await.unwrap(), INVALID_GRANT);
}

#[tokio::test]
async fn a_refresh_goes_to_the_refresh_url_with_the_secret() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let body = form(&[("grant_type", "refresh_token"), ("refresh_token", REFRESH_TOKEN)]);
    let answer = post(&format!("{}/refresh/canva", relay.url), &body).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains(ROTATED_REFRESH_TOKEN));

    let seen = fake.seen();
    assert_eq!(seen[0].path, "/oauth/refresh");
    assert_eq!(seen[0].authorization.as_deref(), Some(basic("canva-app", CANVA_SECRET).as_str()));
    assert_eq!(seen[0].form["refresh_token"], REFRESH_TOKEN);

    // wpcom has no refresh_url: its token URL takes refreshes.
    let answer = post(&format!("{}/refresh/wpcom", relay.url), &body).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(fake.seen()[1].path, "/oauth/token");
}

#[tokio::test]
async fn each_endpoint_takes_its_own_grant_type_only() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let refresh = form(&[("grant_type", "refresh_token"), ("refresh_token", REFRESH_TOKEN)]);
    let answer = post(&format!("{}/token/canva", relay.url), &refresh).await;
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("unsupported_grant_type"));
    let exchange = form(&[("grant_type", "authorization_code"), ("code", GOOD_CODE)]);
    assert_eq!(post(&format!("{}/refresh/canva", relay.url), &exchange).await.status(), 400);
    let client_credentials = form(&[("grant_type", "client_credentials"), ("code", GOOD_CODE)]);
    assert_eq!(
        post(&format!("{}/token/canva", relay.url), &client_credentials).await.status(),
        400
    );
    assert!(fake.seen().is_empty(), "nothing reached the service: {:?}", fake.seen());
}

#[tokio::test]
async fn revoke_goes_to_the_revoke_url_and_is_404_where_there_is_none() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let body = form(&[("token", REFRESH_TOKEN)]);
    assert_eq!(post(&format!("{}/revoke/canva", relay.url), &body).await.status(), 200);
    let seen = fake.seen();
    assert_eq!(seen[0].path, "/oauth/revoke");
    assert_eq!(seen[0].form["token"], REFRESH_TOKEN);
    assert_eq!(seen[0].authorization.as_deref(), Some(basic("canva-app", CANVA_SECRET).as_str()));
    assert_eq!(post(&format!("{}/revoke/wpcom", relay.url), &body).await.status(), 404);
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn the_callback_sends_the_browser_to_the_apps_port_on_127_0_0_1_with_the_answer_untouched() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let state = "53682.Zx_9-aB";
    let query = form(&[
        ("code", GOOD_CODE),
        ("state", state),
        ("redirect_uri", "https://evil.example/steal"),
        ("host", "evil.example"),
    ]);
    let answer = http().get(format!("{}/callback/canva?{query}", relay.url)).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.scheme(), "http");
    assert_eq!(location.host_str(), Some("127.0.0.1"));
    assert_eq!(location.port(), Some(53682));
    assert_eq!(location.path(), "/canva");
    let params: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert_eq!(
        params,
        [("code".to_string(), GOOD_CODE.to_string()), ("state".to_string(), state.to_string())]
    );

    // A refusal carries its error on.
    let query = form(&[
        ("error", "access_denied"),
        ("error_description", "The user said no"),
        ("state", state),
    ]);
    let answer = http().get(format!("{}/callback/wpcom?{query}", relay.url)).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/wpcom");
    let params: BTreeMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["error_description"], "The user said no");
}

#[tokio::test]
async fn the_callback_refuses_a_state_that_names_no_port_or_tries_another_host() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let states = [
        "abc.x",
        "80.x",
        "1023.x",
        "65536.x",
        "99999999.x",
        "-1.x",
        "+5000.x",
        "5000",
        "5000.",
        "evil.example:5000.x",
        "5000@evil.example.x",
        "5000/..//evil.example.x",
        "5000#.x",
    ];
    for state in states {
        let query = form(&[("code", GOOD_CODE), ("state", state)]);
        let answer =
            http().get(format!("{}/callback/canva?{query}", relay.url)).send().await.unwrap();
        assert_eq!(answer.status(), 400, "state {state:?}");
        assert!(answer.headers().get("location").is_none(), "state {state:?}");
    }
    let answer = http().get(format!("{}/callback/canva?code=x", relay.url)).send().await.unwrap();
    assert_eq!(answer.status(), 400, "no state at all");
    let answer = http()
        .get(format!("{}/callback/nope?code=x&state=5000.x", relay.url))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404, "no such service");
}

#[tokio::test]
async fn only_the_configured_urls_are_ever_called() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let elsewhere = format!("{}/elsewhere", fake.url);
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", GOOD_CODE),
        ("token_url", &elsewhere),
        ("url", &elsewhere),
    ]);
    let encoded: String = url::form_urlencoded::byte_serialize(elsewhere.as_bytes()).collect();
    for path in [
        "/token/nope".to_string(),
        format!("/token/{encoded}"),
        format!("/token/canva/{encoded}"),
        "/token/..%2Felsewhere".to_string(),
        format!("/token/canva?url={encoded}"),
    ] {
        let answer = post(&format!("{}{path}", relay.url), &body).await;
        assert!(answer.status() == 200 || answer.status() == 404, "{path}: {}", answer.status());
    }
    let answer = http()
        .post(format!("{}/token/canva", relay.url))
        .header("host", fake.url.trim_start_matches("http://"))
        .header("x-forwarded-host", "evil.example")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let paths: Vec<String> = fake.seen().into_iter().map(|s| s.path).collect();
    assert!(paths.iter().all(|p| p == "/oauth/token"), "{paths:?}");
    assert!(!fake
        .seen()
        .iter()
        .any(|s| s.form.contains_key("token_url") || s.form.contains_key("url")));

    let answer = post(&format!("{}/token/nope", relay.url), &body).await;
    assert_eq!(answer.status(), 404);
}

#[tokio::test]
async fn a_body_over_the_cap_is_413() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let padding = "a".repeat(17 * 1024);
    let body =
        form(&[("grant_type", "authorization_code"), ("code", GOOD_CODE), ("pad", &padding)]);
    assert_eq!(post(&format!("{}/token/canva", relay.url), &body).await.status(), 413);
    assert!(fake.seen().is_empty());
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", GOOD_CODE),
        ("pad", &padding[..15 * 1024]),
    ]);
    assert_eq!(post(&format!("{}/token/canva", relay.url), &body).await.status(), 200);
}

#[tokio::test]
async fn a_flood_from_one_address_is_429_with_retry_after_and_health_still_answers() {
    let fake = fake_service().await;
    let relay =
        start_relay_with(&fake, "http", "[limits]\nburst = 3\nrequests_per_minute = 2").await;
    for _ in 0..3 {
        assert_eq!(
            http().get(format!("{}/services", relay.url)).send().await.unwrap().status(),
            200
        );
    }
    let answer = http().get(format!("{}/services", relay.url)).send().await.unwrap();
    assert_eq!(answer.status(), 429);
    let retry_after: u64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    let body = form(&[("grant_type", "authorization_code"), ("code", GOOD_CODE)]);
    assert_eq!(post(&format!("{}/token/canva", relay.url), &body).await.status(), 429);
    assert!(fake.seen().is_empty());
    assert_eq!(http().get(format!("{}/health", relay.url)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn forwarded_for_is_believed_only_behind_a_proxy() {
    let fake = fake_service().await;
    let direct = start_relay_with(&fake, "http", "[limits]\nburst = 1").await;
    let proxied = start_relay_with(&fake, "http", "behind_proxy = true\n[limits]\nburst = 1").await;
    let get = |url: String, client: &'static str| async move {
        http().get(url).header("x-forwarded-for", client).send().await.unwrap().status()
    };
    // Directly, a made-up header does not buy a new bucket.
    assert_eq!(get(format!("{}/services", direct.url), "192.0.2.1").await, 200);
    assert_eq!(get(format!("{}/services", direct.url), "192.0.2.2").await, 429);
    // Behind a proxy, each client (the proxy's last entry) has its own.
    assert_eq!(get(format!("{}/services", proxied.url), "192.0.2.1").await, 200);
    assert_eq!(get(format!("{}/services", proxied.url), "192.0.2.2").await, 200);
    assert_eq!(get(format!("{}/services", proxied.url), "192.0.2.2").await, 429);
}

#[tokio::test]
async fn services_lists_what_an_app_needs_and_never_a_secret() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let text =
        http().get(format!("{}/services", relay.url)).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains(CANVA_SECRET) && !text.contains(WPCOM_SECRET), "{text}");
    assert!(!text.contains("secret"), "{text}");
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    let canva = &list["services"]["canva"];
    assert_eq!(canva["client_id"], "canva-app");
    assert_eq!(canva["authorize_url"], format!("{}/authorize", fake.url));
    assert_eq!(canva["redirect_uri"], format!("{}/callback/canva", relay.url));
    assert_eq!(canva["scopes"][0], "design:meta:read");
    assert_eq!(canva["revocable"], true);
    assert_eq!(list["services"]["wpcom"]["revocable"], false);
}

#[tokio::test]
async fn the_log_holds_no_code_token_verifier_or_secret() {
    let fake = fake_service().await;
    let relay = start_relay(&fake).await;
    let verifier = "VERIFIER-never-logged-8c1";
    let exchange = form(&[
        ("grant_type", "authorization_code"),
        ("code", GOOD_CODE),
        ("code_verifier", verifier),
    ]);
    assert_eq!(post(&format!("{}/token/canva", relay.url), &exchange).await.status(), 200);
    assert_eq!(post(&format!("{}/token/wpcom", relay.url), &exchange).await.status(), 200);
    let refresh = form(&[("grant_type", "refresh_token"), ("refresh_token", REFRESH_TOKEN)]);
    assert_eq!(post(&format!("{}/refresh/canva", relay.url), &refresh).await.status(), 200);
    assert_eq!(
        post(&format!("{}/revoke/canva", relay.url), &form(&[("token", ACCESS_TOKEN)]))
            .await
            .status(),
        200
    );
    let bounce = form(&[("code", GOOD_CODE), ("state", "5000.STATE-r4nd")]);
    http().get(format!("{}/callback/canva?{bounce}", relay.url)).send().await.unwrap();
    // Failures too: a bad port, a wrong grant, an unknown service.
    let bad = form(&[("code", GOOD_CODE), ("state", "80.STATE-r4nd")]);
    http().get(format!("{}/callback/canva?{bad}", relay.url)).send().await.unwrap();
    post(&format!("{}/token/canva", relay.url), &refresh).await;
    post(&format!("{}/token/nope", relay.url), &exchange).await;

    let log = relay.log();
    assert!(log.contains("POST /token/canva 200"), "{log}");
    assert!(log.contains("GET /callback/canva 302"), "{log}");
    let code_encoded: String = url::form_urlencoded::byte_serialize(GOOD_CODE.as_bytes()).collect();
    for secret in [
        GOOD_CODE,
        code_encoded.as_str(),
        "CODE-4f1d",
        verifier,
        ACCESS_TOKEN,
        REFRESH_TOKEN,
        ROTATED_REFRESH_TOKEN,
        CANVA_SECRET,
        WPCOM_SECRET,
        "STATE-r4nd",
        "s3cr3t",
    ] {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

#[tokio::test]
async fn with_a_certificate_the_relay_serves_https_itself() {
    let fake = fake_service().await;
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let top = format!("tls_cert = \"{data}/test-cert.pem\"\ntls_key = \"{data}/test-key.pem\"");
    let relay = start_relay_with(&fake, "https", &top).await;
    let cert = std::fs::read(format!("{data}/test-cert.pem")).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&cert).unwrap()])
        .build()
        .unwrap();
    let answer = client.get(format!("{}/health", relay.url)).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "ok\n");
    // Plain HTTP to the same port is no way in.
    let plain = relay.url.replace("https://", "http://");
    let plain = http().get(format!("{plain}/health")).send().await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
}

#[test]
fn plain_http_off_this_machine_needs_a_proxy_in_front() {
    let fake_url = "http://127.0.0.1:9";
    let fake = Fake::for_config(fake_url);
    let text = config("https://relay.example.org", &fake, "listen = \"0.0.0.0:8080\"");
    let e = folio_relay::Config::from_toml(&text).unwrap_err().to_string();
    assert!(e.contains("behind_proxy"), "{e}");
    let text = config(
        "https://relay.example.org",
        &fake,
        "listen = \"0.0.0.0:8080\"\nbehind_proxy = true",
    );
    assert!(folio_relay::Config::from_toml(&text).is_ok());
    let config =
        folio_relay::Config::from_toml(&config("https://relay.example.org", &fake, "")).unwrap();
    assert!(config.listen_on("0.0.0.0:8443".parse().unwrap()).is_err(), "--listen is checked too");
}

#[test]
fn a_configuration_error_or_debug_output_never_shows_the_secret() {
    let fake = Fake::for_config("http://127.0.0.1:9");
    let text = config("https://relay.example.org", &fake, "");
    let config = folio_relay::Config::from_toml(&text).unwrap();
    let debug = format!("{config:?}");
    assert!(!debug.contains(CANVA_SECRET) && !debug.contains(WPCOM_SECRET), "{debug}");
    // A syntax error on the secret's own line.
    let broken = text.replace(
        &format!("client_secret = \"{CANVA_SECRET}\""),
        &format!("client_secret = {CANVA_SECRET}"),
    );
    let e = folio_relay::Config::from_toml(&broken).unwrap_err().to_string();
    assert!(!e.contains(CANVA_SECRET), "{e}");
    let e =
        folio_relay::Config::from_toml(&text.replace("https://relay", "http://relay")).unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
}
