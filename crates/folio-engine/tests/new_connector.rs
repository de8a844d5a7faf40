//! Adding a connector is its own declaration and one registration: this test's "gallery"
//! destination (fields, a secret, an advanced address) is listed, signed in through the same
//! prompts every front end renders, kept as an account with its secret in the keychain only,
//! and published to, with nothing in the engine naming it.

mod support;

use folio_engine::{
    AlbumSettings, ConnectorInfo, EngineOptions, ErrorCode, Field, FieldKind, Prompt, Reply, Role,
    SignInKind,
};
use folio_sites::fake::{FakeConfig, FakeSite};
use folio_sites::{Backends, Destination};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The whole connector: what it declares…
fn gallery() -> ConnectorInfo {
    ConnectorInfo {
        id: "gallery".into(),
        label: "Gallery".into(),
        roles: vec![Role::Destination],
        sign_in: vec![SignInKind::Paste],
        fields: vec![
            Field::url("url", "Gallery address").required().help("fake://NAME"),
            Field::secret("token", "Access token").help("Settings → Tokens"),
            Field::choice("size", "Image size", &["small", "large"]).default("large"),
            Field::url("api_url", "API address").advanced("FOLIO_GALLERY_API_URL"),
        ],
    }
}

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_connector_signs_in_through_the_shared_prompts_and_is_published_to() {
    let world = support::World::new();
    let site = FakeSite::new(FakeConfig { account: "gallery".into(), ..FakeConfig::default() });
    let tokens = Arc::new(Mutex::new(Vec::new()));
    // …and how an account of it becomes a destination.
    let mut backends = Backends::default();
    let (made, seen) = (site.clone(), tokens.clone());
    backends.register(gallery(), move |_, secret| {
        seen.lock().unwrap().push(secret.to_string());
        Ok(Arc::new(made.clone()) as Arc<dyn Destination>)
    });
    let options = EngineOptions { backends, file_secrets: true, ..EngineOptions::default() };
    let engine = folio_engine::Engine::open_with(&world.data(), options).await.unwrap();

    let listed = engine.connectors().into_iter().find(|c| c.id == "gallery").expect("listed");
    assert_eq!(listed, gallery(), "listed as declared");

    // Nothing given: the prompt asks for its fields and says which one is missing.
    let step = engine
        .connect_start("gallery", None, BTreeMap::new(), folio_engine::Callback::Loopback)
        .await
        .unwrap();
    let Prompt::Fields { fields, problem, .. } = &step.prompt else { panic!("{:?}", step.prompt) };
    assert_eq!(fields, &gallery().fields);
    assert!(problem.as_deref().unwrap_or("").contains("Gallery address"), "{problem:?}");
    assert!(fields.iter().any(|f| f.kind == FieldKind::Secret && f.name == "token"));

    // The address alone: the token is still wanted, with no problem to show.
    let reply = Reply::Fields { values: values(&[("url", "fake://gallery")]) };
    let step = engine.connect_continue(step.session, reply).await.unwrap();
    assert!(matches!(&step.prompt, Prompt::Fields { problem: None, .. }), "{:?}", step.prompt);
    let reply = Reply::Fields { values: values(&[("token", "tok-3141")]) };
    let step = engine.connect_continue(step.session, reply).await.unwrap();
    assert_eq!(step.prompt, Prompt::Done { account: "gallery".into() });
    assert_eq!(tokens.lock().unwrap().as_slice(), ["tok-3141"], "checked with the service");

    let accounts = engine.accounts().await.unwrap();
    let account = accounts.iter().find(|a| a.name == "gallery").expect("an account");
    assert_eq!(
        (account.connector.as_str(), account.roles.clone()),
        ("gallery", vec![Role::Destination])
    );
    let db = std::fs::read(world.data().join("folio.db")).unwrap();
    assert!(!db.windows(8).any(|w| w == b"tok-3141"), "the token is in the keychain only");

    // A finished sign-in is gone; a second continue says so with its code.
    let again = engine.connect_continue(step.session, Reply::Wait).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::NotFound, "{again}");

    // Published to like any site.
    let root = world.album("for-gallery", 2);
    let names = ["gallery".to_string()];
    engine.add_album(&root, &names, AlbumSettings::default()).await.unwrap();
    let report = support::sync(&engine).await;
    assert_eq!((report.uploaded, report.failed.len()), (2, 0), "{report:?}");
    assert_eq!(site.items().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_sign_in_saves_nothing_and_an_unknown_connector_is_not_found() {
    let world = support::World::new();
    let engine = world.engine().await;
    let loopback = folio_engine::Callback::Loopback;
    let unknown = engine.connect_start("nope", None, BTreeMap::new(), loopback).await.unwrap_err();
    assert_eq!(unknown.code, ErrorCode::NotFound, "{unknown}");
    let folder = engine.connect_start("folder", None, BTreeMap::new(), loopback).await.unwrap_err();
    assert_eq!(folder.code, ErrorCode::Unsupported, "a folder needs no sign-in: {folder}");

    let step = engine.connect_start("fake", None, BTreeMap::new(), loopback).await.unwrap();
    assert!(matches!(step.prompt, Prompt::Fields { .. }), "{:?}", step.prompt);
    engine.connect_cancel(step.session).await;
    let reply = Reply::Fields { values: values(&[("url", "fake://x"), ("secret", "s")]) };
    let gone = engine.connect_continue(step.session, reply).await.unwrap_err();
    assert_eq!(gone.code, ErrorCode::NotFound, "{gone}");
    let step = engine.connect_start("fake", None, BTreeMap::new(), loopback).await.unwrap();
    let no = engine.connect_continue(step.session, Reply::No).await.unwrap_err();
    assert_eq!(no.code, ErrorCode::Cancelled, "{no}");
    assert!(engine.accounts().await.unwrap().iter().all(|a| a.connector != "fake"));
}
