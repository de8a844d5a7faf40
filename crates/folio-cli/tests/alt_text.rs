//! AI alt text end to end with the real binaries, the fake OpenRouter and the real WordPress:
//! the estimate and nothing sent without `--yes`; only the photos named are sent, each at most
//! 1568 px on its long edge, with the instruction in WordPress's Site Language; `--apply` puts
//! the accepted text on the site at once. An album set to write alt text sends its new photos
//! only, once each, before their upload. The key is in no output and not in folio.db.

mod support;

use folio_sources::openrouter::fake::FakeOpenRouter;
use serde_json::Value;
use std::path::Path;
use support::{album_media, assert_no_secret_in_db, unique, wordpress, Site};

const KEY: &str = "sk-or-v1-alt0123456789abcdef0123456789abcdef0123456789abcdef01234567";

/// Held by each test: one sets the WordPress site's language, which the other's requests name.
static ONE_SITE_LANGUAGE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Run {
    code: Option<i32>,
    stdout: String,
    said: String,
}

fn run(wp: &Site, data: &Path, args: &[&str]) -> Run {
    let out = wp.folio(data, args).env("FOLIO_OPENROUTER_API_KEY", KEY).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = stdout.clone() + &String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains(KEY), "the key was printed by {args:?}: {said}");
    Run { code: out.status.code(), stdout, said }
}

fn ok(wp: &Site, data: &Path, args: &[&str]) -> Run {
    let r = run(wp, data, args);
    assert_eq!(r.code, Some(0), "folio {args:?}: {}", r.said);
    r
}

/// A translation file of one string: WordPress then offers de_DE as a Site Language, and its
/// own texts stay English, so other tests are not disturbed. (An empty one would not do:
/// WordPress's MO reader fails on a file without strings.)
fn one_string_mo() -> Vec<u8> {
    let (original, translation) = (b"Folio test", b"Folio Test");
    let words = [0x9504_12de_u32, 0, 1, 28, 36, 0, 44, 10, 44, 10, 55];
    let mut mo: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    for s in [&original[..], &translation[..]] {
        mo.extend_from_slice(s);
        mo.push(0);
    }
    mo
}

/// Sets WordPress's Settings → General → Site Language as an administrator would.
async fn site_language(wp: &Site, language: &str) {
    let root = std::env::var("FOLIO_WP_ROOT").expect("tests/with-wordpress.sh sets FOLIO_WP_ROOT");
    let languages = Path::new(&root).join("wp-content/languages");
    std::fs::create_dir_all(&languages).unwrap();
    std::fs::write(languages.join("de_DE.mo"), one_string_mo()).unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/?rest_route=/wp/v2/settings", wp.url))
        .basic_auth(&wp.user, Some(&wp.password))
        .json(&serde_json::json!({"language": language}))
        .send()
        .await
        .unwrap();
    let said: Value = r.json().await.unwrap();
    // "" is WordPress's own English.
    assert_eq!(said["language"], language, "{said}");
    if language.is_empty() {
        std::fs::remove_file(languages.join("de_DE.mo")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn alt_text_is_written_in_the_sites_language_for_the_photos_named_only() {
    let Some(wp) = wordpress() else { return };
    let _language = ONE_SITE_LANGUAGE.lock().await;
    let fake = FakeOpenRouter::start(KEY).await;
    fake.set_answer(
        "{\"alt\": \"Ein Rotfuchs steht im frischen Schnee\", \"title\": \"Fuchs im Schnee\"}",
    );
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("alt");
    let folder = tmp.path().join(&name);
    std::fs::create_dir_all(&folder).unwrap();
    let photo = |file: &str, w: u32, h: u32, shade: u8| {
        let path = folder.join(file);
        image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([shade, (x % 256) as u8, (y % 256) as u8])
        })
        .save(&path)
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let fox = photo("fox.png", 3000, 2000, 10);
    let owl = photo("owl.png", 800, 1200, 120);
    photo("not-asked.png", 640, 480, 240);
    let data = tmp.path().join("data");
    wp.connect_album(&data, &folder);
    ok(&wp, &data, &["sync"]);
    assert_eq!(album_media(&wp.client(), &name).await.len(), 3);
    let api = format!("api_url={}", fake.url);
    ok(&wp, &data, &["connect", "openrouter", "--set", &api]);
    site_language(&wp, "de_DE").await;

    // The estimate only: nothing sent.
    let asked = run(&wp, &data, &["alt", "suggest", &fox, "--json"]);
    assert_eq!(asked.code, Some(3), "{}", asked.said);
    assert!(
        asked.said.contains("Estimated cost: at most $")
            && asked.said.contains("google/gemini-2.5-flash"),
        "{}",
        asked.said
    );
    assert_eq!(fake.count("chat/completions"), 0);

    // Two photos named, two sent, in the site's language, at most 1568 px.
    let suggested = ok(&wp, &data, &["alt", "suggest", &fox, &owl, "--yes", "--json"]);
    let list: Value = serde_json::from_str(suggested.stdout.trim()).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list[0]["path"], fox.as_str());
    assert_eq!(list[0]["alt"], "Ein Rotfuchs steht im frischen Schnee");
    assert_eq!(list[0]["title"], "Fuchs im Schnee");
    assert!(list[0]["cost"].as_f64().unwrap() > 0.0, "{list}");
    let sent: Vec<_> =
        fake.requests().into_iter().filter(|r| r.route == "chat/completions").collect();
    assert_eq!(sent.len(), 2, "only the photos named were sent");
    assert_eq!((sent[0].images[0].0, sent[0].images[0].1), (1568, 1045));
    assert_eq!(
        (sent[1].images[0].0, sent[1].images[0].1),
        (800, 1200),
        "a small photo is not enlarged"
    );
    assert!(sent.iter().all(|r| r.text.contains("locale de_DE")), "{:?}", sent[0].text);
    assert_eq!(sent[0].model.as_deref(), Some("google/gemini-2.5-flash"));
    let client = wp.client();
    let before = album_media(&client, &name).await;
    assert!(before.iter().all(|m| !m.alt_text.contains("Rotfuchs")), "a suggestion is not applied");

    // Accepted: on the site at once; a language given wins over the site's.
    fake.set_answer("{\"alt\": \"Un renard roux dans la neige\", \"title\": \"Renard\"}");
    ok(&wp, &data, &["alt", "suggest", &fox, "--apply", "--yes", "--language", "fr_FR"]);
    let last = fake.requests().into_iter().rfind(|r| r.route == "chat/completions").unwrap();
    assert!(last.text.contains("locale fr_FR"), "{}", last.text);
    let after = album_media(&client, &name).await;
    let fox_copy = after.iter().find(|m| m.url.contains("fox")).unwrap();
    assert_eq!(fox_copy.alt_text, "Un renard roux dans la neige");
    let owl_copy = after.iter().find(|m| m.url.contains("owl")).unwrap();
    assert!(!owl_copy.alt_text.contains("Rotfuchs"), "only the photo applied changes");
    // Kept as the photo's own text: a later sync leaves it.
    ok(&wp, &data, &["sync"]);
    let kept = album_media(&client, &name).await;
    assert_eq!(
        kept.iter().find(|m| m.url.contains("fox")).unwrap().alt_text,
        "Un renard roux dans la neige"
    );

    // A path that is no album's photo: an error before anything is sent.
    let stray = tmp.path().join("stray.png");
    image::RgbImage::new(10, 10).save(&stray).unwrap();
    let count = fake.count("chat/completions");
    let refused = run(&wp, &data, &["alt", "suggest", &stray.to_string_lossy(), "--yes"]);
    assert_ne!(refused.code, Some(0));
    assert!(refused.said.contains("is not a photo of any album"), "{}", refused.said);
    assert_eq!(fake.count("chat/completions"), count);
    site_language(&wp, "").await;
    assert_no_secret_in_db(&data, &[KEY]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_album_set_to_write_alt_text_sends_only_its_new_photos_before_they_go_up() {
    let Some(wp) = wordpress() else { return };
    let _language = ONE_SITE_LANGUAGE.lock().await;
    let fake = FakeOpenRouter::start(KEY).await;
    fake.set_answer("{\"alt\": \"Two kayaks on a calm lake at dawn\", \"title\": \"Kayaks\"}");
    let tmp = tempfile::tempdir().unwrap();
    let name = unique("altnew");
    let folder = tmp.path().join(&name);
    std::fs::create_dir_all(&folder).unwrap();
    let photo = |file: &str, w: u32, h: u32| {
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, 90, (y % 256) as u8]))
            .save(folder.join(file))
            .unwrap();
    };
    photo("harbour.png", 900, 600);
    let data = tmp.path().join("data");
    wp.connect_album(&data, &folder);
    ok(&wp, &data, &["sync"]);
    let album = folder.to_string_lossy().into_owned();

    // Without an AI account it is refused at once, not on every pass.
    let refused = run(&wp, &data, &["album", "set", &album, "--ai-alt", "on"]);
    assert_ne!(refused.code, Some(0));
    assert!(refused.said.contains("folio connect openrouter"), "{}", refused.said);
    let api = format!("api_url={}", fake.url);
    ok(&wp, &data, &["connect", "openrouter", "--set", &api]);
    let set = ok(&wp, &data, &["album", "set", &album, "--ai-alt", "on"]);
    assert!(
        set.said.contains("google/gemini-2.5-flash") && set.said.contains("a photo"),
        "the price of a photo is said: {}",
        set.said
    );
    let settings: Value = serde_json::from_str(set.stdout.trim()).unwrap();
    assert_eq!(settings["ai_alt"], true);

    photo("kayaks.png", 2400, 1600);
    ok(&wp, &data, &["sync"]);
    let sent: Vec<_> =
        fake.requests().into_iter().filter(|r| r.route == "chat/completions").collect();
    assert_eq!(sent.len(), 1, "the photo already on the site is not sent");
    assert!(sent[0].text.contains("kayaks.png") && sent[0].text.contains("locale en_US"));
    assert_eq!((sent[0].images[0].0, sent[0].images[0].1), (1568, 1045));
    let media = album_media(&wp.client(), &name).await;
    let kayaks = media.iter().find(|m| m.url.contains("kayaks")).unwrap();
    assert_eq!(kayaks.alt_text, "Two kayaks on a calm lake at dawn", "on the site from the start");
    let harbour = media.iter().find(|m| m.url.contains("harbour")).unwrap();
    assert!(!harbour.alt_text.contains("kayaks"));

    ok(&wp, &data, &["sync"]);
    assert_eq!(fake.count("chat/completions"), 1, "once per photo");
    ok(&wp, &data, &["album", "set", &album, "--ai-alt", "off"]);
    photo("pier.png", 500, 400);
    ok(&wp, &data, &["sync"]);
    assert_eq!(fake.count("chat/completions"), 1, "off: nothing sent");
    assert_no_secret_in_db(&data, &[KEY]);
}
