//! A whole sign-in as Folio makes it: folio-auth's `Relay` and `Loopback`, the service's
//! authorize page (fake), the relay, and the service's token endpoint (fake). The secret is
//! only ever seen by the token endpoint; the tokens end up in the client.

mod common;

use common::*;
use folio_auth::{AuthError, Relay};
use std::time::Duration;

#[tokio::test]
async fn a_sign_in_through_the_relay_ends_with_tokens_in_the_client_and_refreshes_through_it() {
    let fake = fake_service().await;
    let running = start_relay(&fake).await;
    let http = reqwest::Client::new();
    let relay = Relay::new(format!("{}/", running.url));

    let canva = relay.service(&http, "canva").await.unwrap();
    assert_eq!(canva.redirect_uri, format!("{}/callback/canva", running.url));
    assert_eq!(canva.provider.client_id, "canva-app");
    assert_eq!(canva.provider.token_url, format!("{}/token/canva", running.url));
    assert_eq!(canva.provider.refresh_url(), format!("{}/refresh/canva", running.url));
    assert!(!format!("{canva:?}").contains(CANVA_SECRET));

    let loopback = canva.listen().await.unwrap();
    let port = loopback.port();
    let sign_in = canva.start(&loopback, &[]).unwrap();
    assert!(sign_in.state.starts_with(&format!("{port}.")), "{}", sign_in.state);
    assert!(sign_in.state.len() > 20, "the state is still mostly random: {}", sign_in.state);
    let url = url::Url::parse(&sign_in.url).unwrap();
    let query = |k: &str| url.query_pairs().find(|(q, _)| q == k).map(|(_, v)| v.into_owned());
    assert_eq!(query("redirect_uri").as_deref(), Some(canva.redirect_uri.as_str()));
    assert_eq!(query("scope").as_deref(), Some("design:meta:read design:content:read folder:read"));
    assert!(url.as_str().starts_with(&format!("{}/authorize?", fake.url)));

    // The browser: the service's page, then the relay's callback, then the app's listener.
    let browser = tokio::spawn({
        let url = sign_in.url.clone();
        async move {
            let browser = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::limited(5))
                .build()
                .unwrap();
            let page = browser.get(url).send().await.unwrap();
            (page.url().clone(), page.status(), page.text().await.unwrap())
        }
    });
    let state = sign_in.state.clone();
    let redirect = loopback.wait(&state, Duration::from_secs(10)).await.unwrap();
    let code = redirect.code().unwrap().to_string();
    assert_eq!(code, GOOD_CODE);
    let tokens = canva.provider.exchange(sign_in, &code, &http).await.unwrap();
    assert_eq!(tokens.access_token, ACCESS_TOKEN);
    assert_eq!(tokens.refresh_token.as_deref(), Some(REFRESH_TOKEN));
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(14400)));

    let (landed, status, page) = browser.await.unwrap();
    assert_eq!(landed.host_str(), Some("127.0.0.1"));
    assert_eq!(landed.port(), Some(port));
    assert_eq!(landed.path(), "/canva");
    assert_eq!(status, 200, "{page}");

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization.as_deref(), Some(basic("canva-app", CANVA_SECRET).as_str()));
    assert_eq!(seen[0].form["redirect_uri"], canva.redirect_uri);

    let refreshed = canva.provider.refresh(REFRESH_TOKEN, &http).await.unwrap();
    assert_eq!(refreshed.access_token, format!("{ACCESS_TOKEN}-2"));
    assert_eq!(refreshed.refresh_token.as_deref(), Some(ROTATED_REFRESH_TOKEN));
    let seen = fake.seen();
    assert_eq!(seen[1].path, "/oauth/refresh");
    assert_eq!(seen[1].authorization.as_deref(), Some(basic("canva-app", CANVA_SECRET).as_str()));

    // A spent refresh token is the service's own error, in the client's words.
    let e = canva.provider.refresh("REFRESH-spent", &http).await.unwrap_err();
    assert_eq!(e, AuthError::Rejected("invalid_grant: Invalid code".into()));

    relay.revoke(&http, "canva", REFRESH_TOKEN).await.unwrap();
    assert_eq!(fake.seen()[3].path, "/oauth/revoke");
}

#[tokio::test]
async fn an_unreachable_relay_or_a_missing_service_is_said_plainly_without_tokens() {
    let fake = fake_service().await;
    let running = start_relay(&fake).await;
    let http = reqwest::Client::new();

    let e = Relay::new(&running.url).service(&http, "figma").await.unwrap_err();
    assert_eq!(e.to_string(), format!("the relay at {} has no service figma", running.url));

    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone_url = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let e = Relay::new(&gone_url).service(&http, "canva").await.unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("the relay at {gone_url} could not be reached")),
        "{e}"
    );
    let e = Relay::new(&gone_url).revoke(&http, "canva", REFRESH_TOKEN).await.unwrap_err();
    assert!(
        e.to_string().contains("could not be reached") && !e.to_string().contains(REFRESH_TOKEN),
        "{e}"
    );

    let e = Relay::new(&running.url).revoke(&http, "wpcom", REFRESH_TOKEN).await.unwrap_err();
    assert!(!e.to_string().contains(REFRESH_TOKEN), "{e}");
}
