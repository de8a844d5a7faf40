//! HubSpot signed in through OAuth (the fake's app): the access token lasts 30 minutes, so the
//! destination renews it from the refresh token in the keychain. An expired token refused
//! mid-sync is renewed once and the request made again, so nothing fails; an uninstalled app
//! asks for a reconnect, in words, without a token in them.

use folio_auth::{Keychain, Provider, SecretIn, TokenSource};
use folio_sites::hubspot::fake::{FakeHubSpot, FakeHubSpotConfig};
use folio_sites::hubspot::{HubSpot, HubSpotConfig};
use folio_sites::{Destination, MediaFields, PacerConfig, Pushed, SiteErrorCode, Upload};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "hubspot-app-secret-7c1d";
const REDIRECT: &str = "http://127.0.0.1:9/callback/hubspot";
const KEY: &str = "site-hubspot";

#[derive(Default)]
struct MemoryKeychain(Mutex<HashMap<String, String>>);

impl Keychain for MemoryKeychain {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        self.0.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
}

async fn upload(h: &HubSpot, name: &str) -> Result<Pushed, folio_sites::SiteError> {
    let key = h.duplicate_key(&format!("oauth-{name}"), name);
    let fields = MediaFields::default();
    let bytes = format!("bytes of {name}").into_bytes();
    let up = Upload {
        bytes: &bytes,
        filename: name,
        mime: "image/webp",
        key: &key,
        fields: &fields,
        source: None,
    };
    h.upload(up).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_access_token_is_renewed_and_an_uninstalled_app_asks_for_a_reconnect() {
    let fake = FakeHubSpot::start(FakeHubSpotConfig {
        client_secret: SECRET.into(),
        redirect_uris: vec![REDIRECT.into()],
        ..FakeHubSpotConfig::default()
    })
    .await;
    let client_id = fake.state.lock().unwrap().config.client_id.clone();
    let provider = Provider::new(
        client_id,
        format!("{}/oauth/authorize", fake.api_url),
        format!("{}/oauth/v3/token", fake.api_url),
    )
    .with_secret(SECRET, SecretIn::Body)
    .with_scopes(["files"]);

    // The person approves; the app trades the code (with its PKCE verifier) for tokens.
    let sign_in = provider.start(REDIRECT, &[]).unwrap();
    let no_redirects =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = no_redirects.get(&sign_in.url).send().await.unwrap();
    assert_eq!(page.status(), 302, "{}", page.text().await.unwrap());
    let back = url::Url::parse(page.headers()["location"].to_str().unwrap()).unwrap();
    let code = back.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let http = reqwest::Client::new();
    let tokens = provider.exchange(sign_in, &code, &http).await.unwrap();
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(1800)));
    let refresh = tokens.refresh_token.clone().expect("a refresh token");

    let keychain = Arc::new(MemoryKeychain::default());
    keychain.set(KEY, &refresh).unwrap();
    let source = TokenSource::new(provider, keychain.clone(), KEY, http);
    source.seed(tokens.access_token.clone(), tokens.expires_in).await;
    let config = HubSpotConfig {
        api_url: fake.api_url.clone(),
        pacer: PacerConfig { base_delay: Duration::from_millis(20), ..PacerConfig::default() },
        ..HubSpotConfig::default()
    };
    let hubspot = HubSpot::renewing(config, Arc::new(source)).unwrap();
    hubspot.check().await.unwrap();
    assert!(matches!(upload(&hubspot, "first.webp").await, Ok(Pushed::Ready(_))));
    assert_eq!(fake.token_grants(), ["authorization_code"], "the seeded token is used");

    // Half an hour on: HubSpot refuses the token; one renewal, and the upload is made again.
    fake.expire_access_tokens();
    assert!(matches!(upload(&hubspot, "second.webp").await, Ok(Pushed::Ready(_))));
    assert_eq!(fake.token_grants(), ["authorization_code", "refresh_token"]);
    assert_eq!(fake.files().len(), 2, "nothing failed, nothing doubled");
    let refused = fake.requests().iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(refused, 3, "the refused upload and its one retry: {:?}", fake.requests());

    // The account uninstalls the app: the site asks for a new sign-in.
    fake.uninstall_app();
    fake.expire_access_tokens();
    let e = upload(&hubspot, "third.webp").await.unwrap_err();
    assert_eq!(e.code, SiteErrorCode::NeedsReconnect, "{e:?}");
    assert!(e.message.contains("reconnect the site"), "{}", e.message);
    for token in [refresh.as_str(), tokens.access_token.as_str(), SECRET] {
        assert!(!e.message.contains(token), "{}", e.message);
    }
    assert_eq!(keychain.get(KEY).unwrap(), Some(refresh), "a refused refresh token stays put");
}
