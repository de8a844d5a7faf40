//! Alt text written for a photo of an album whose site does not say its language: the album's
//! own setting is the language asked for, else English; and an accepted suggestion is the
//! photo's alt text on the site at once.

mod support;

use folio_engine::{AlbumSettings, AltRequest, Callback};
use folio_sites::fake::FakeConfig;
use folio_sources::openrouter::fake::FakeOpenRouter;
use std::collections::BTreeMap;
use support::{add_album, add_site, sync, World};

const KEY: &str = "sk-or-v1-engine-test-key";

#[tokio::test(flavor = "multi_thread")]
async fn a_site_without_a_language_takes_the_albums_and_an_accepted_text_reaches_it() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let fake = FakeOpenRouter::start(KEY).await;
    let values = BTreeMap::from([
        ("api_key".to_string(), KEY.to_string()),
        ("api_url".to_string(), fake.url.clone()),
    ]);
    engine.connect_start("openrouter", None, values, Callback::Loopback).await.unwrap();
    let italian = w.album("italian", 1);
    let settings = AlbumSettings { alt_language: "it_IT".into(), ..AlbumSettings::default() };
    add_album(&engine, &italian, &["blog"], settings).await;
    let plain = w.album("plain", 1);
    add_album(&engine, &plain, &["blog"], AlbumSettings::default()).await;
    sync(&engine).await;

    fake.set_answer("{\"alt\": \"Una volpe rossa\", \"title\": \"Volpe\"}");
    let paths = vec![
        italian.join("photo-00.png").to_string_lossy().into_owned(),
        plain.join("photo-00.png").to_string_lossy().into_owned(),
    ];
    let request = AltRequest { paths, ..AltRequest::default() };
    let estimate = engine.alt_estimate(&request).await.unwrap();
    assert_eq!((estimate.photos, estimate.model.as_str()), (2, "google/gemini-2.5-flash"));
    assert!(estimate.estimate > 0.0);
    assert_eq!(fake.count("chat/completions"), 0, "an estimate sends nothing");
    let suggestions = engine.suggest_alt(&request).await.unwrap();
    let languages: Vec<&str> = suggestions.iter().map(|s| s.language.as_str()).collect();
    assert_eq!(languages, ["it_IT", "en_US"]);
    let sent: Vec<_> =
        fake.requests().into_iter().filter(|r| r.route == "chat/completions").collect();
    assert!(sent[0].text.contains("locale it_IT") && sent[1].text.contains("locale en_US"));
    assert_eq!(suggestions[0].alt, "Una volpe rossa");
    let on_site = |name: &str| {
        let items = blog.items();
        items.into_iter().find(|i| i.filename.contains(name)).and_then(|i| i.fields.alt_text)
    };
    assert_ne!(on_site("photo-00").as_deref(), Some("Una volpe rossa"), "not applied unasked");

    engine.accept_alt(suggestions[0].asset, &suggestions[0].alt).await.unwrap();
    let texts: Vec<_> = blog.items().into_iter().filter_map(|i| i.fields.alt_text).collect();
    assert_eq!(texts.iter().filter(|t| *t == "Una volpe rossa").count(), 1, "{texts:?}");
    assert_eq!(blog.uploads(), 2, "the text changed without an upload");
}
