//! Alt text written for a photo of an album whose site does not say its language: the album's
//! own setting is the language asked for, else English; and an accepted suggestion is the
//! photo's alt text on the site at once. An album that says so has it written for its new
//! photos before their first upload, once each, and never for a photo with its own.

mod support;

use folio_engine::{AlbumSettings, AltRequest, Callback, TextOverrides};
use folio_sites::fake::FakeConfig;
use folio_sources::openrouter::fake::{Failure, FakeOpenRouter};
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

/// The chat requests sent so far, by the file each described.
fn described(fake: &FakeOpenRouter) -> Vec<String> {
    let sent = fake.requests().into_iter().filter(|r| r.route == "chat/completions");
    sent.map(|r| {
        let named = r.text.split("file is named ").nth(1).unwrap_or_default();
        named.trim_end_matches(|c: char| c == '.' || c.is_whitespace()).to_string()
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_album_that_says_so_has_alt_text_written_for_new_photos_before_their_upload() {
    let w = World::new();
    let blog = w.site("blog", FakeConfig::default());
    let engine = w.engine().await;
    add_site(&engine, "blog").await;
    let album = w.album("new", 2);
    add_album(&engine, &album, &["blog"], AlbumSettings::default()).await;
    // Found but not uploaded: both photos are new to every site.
    blog.fail_uploads(Some(400));
    sync(&engine).await;
    assert!(blog.items().is_empty());
    let on = |s: &mut AlbumSettings| s.ai_alt = true;
    let refused = engine.update_album_settings(&album, on).await.unwrap_err();
    assert!(refused.message.contains("folio connect openrouter"), "{}", refused.message);

    let fake = FakeOpenRouter::start(KEY).await;
    let values = BTreeMap::from([
        ("api_key".to_string(), KEY.to_string()),
        ("api_url".to_string(), fake.url.clone()),
    ]);
    engine.connect_start("openrouter", None, values, Callback::Loopback).await.unwrap();
    let photos = engine.album_photos(&album).await.unwrap();
    let own = photos.iter().find(|p| p.path == "photo-01.png").unwrap().asset_id;
    let texts = TextOverrides { alt: Some("My own words".into()), ..TextOverrides::default() };
    engine.set_photo_texts(own, texts).await.unwrap();
    engine.update_album_settings(&album, on).await.unwrap();
    assert_eq!(fake.count("chat/completions"), 0, "turning it on sends nothing");

    fake.set_answer("{\"alt\": \"A red fox in fresh snow\", \"title\": \"Fox\"}");
    blog.fail_uploads(None);
    let report = sync(&engine).await;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(described(&fake), ["photo-00.png"], "only the new photo without its own alt");
    let sent = fake.requests().into_iter().find(|r| r.route == "chat/completions").unwrap();
    assert!(sent.text.contains("locale en_US"), "{}", sent.text);
    let alt_of = |name: &str| {
        let item = blog.items().into_iter().find(|i| i.filename.contains(name));
        item.and_then(|i| i.fields.alt_text).unwrap_or_default()
    };
    assert_eq!(alt_of("photo-00"), "A red fox in fresh snow", "written before the upload");
    assert_eq!(alt_of("photo-01"), "My own words");
    assert_eq!(blog.uploads(), 2, "each went up once, with its text");

    // On the site now: never sent again.
    sync(&engine).await;
    assert_eq!(fake.count("chat/completions"), 1);

    // Moderation refuses one picture: it goes up with the album's pattern, said in the log.
    support::photo(&album.join("photo-02.png"), 200);
    fake.fail_next(Failure::Moderation { reasons: vec!["violence".into()], flagged: "x".into() });
    let report = sync(&engine).await;
    assert!(report.problems.is_empty(), "one picture's refusal is not the album's problem");
    assert_eq!(alt_of("photo-02"), "photo 02");
    let log = engine.activity(20).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.level == "warning"
                && e.message.contains("No alt text written for photo-02.png")),
        "{log:?}"
    );

    // No credits: the account fails for every photo, so one problem for the album and the
    // photos go up with the pattern.
    support::photo(&album.join("photo-03.png"), 230);
    fake.fail_next(Failure::NoCredits);
    let report = sync(&engine).await;
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("Alt text not written for new photos (1 waiting)"));
    assert_eq!(alt_of("photo-03"), "photo 03");
    assert_eq!(described(&fake).len(), 3);
    sync(&engine).await;
    assert_eq!(described(&fake).len(), 3, "a photo on a site is not sent again");
    assert!(log.iter().any(|e| e.message.contains("Wrote alt text for photo-00.png")), "{log:?}");
}
