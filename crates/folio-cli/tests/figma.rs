//! Figma end to end with the real binaries: `folio connect figma` with a pasted personal access
//! token, a Figma file of two pages as an album, synced to the real WordPress with the
//! companion plugin, and Figma's Tier 1 calls counted by the fake: nothing changed costs none,
//! one frame edited costs one `/nodes` and one `/images` call and replaces that one attachment
//! in place, a renamed frame is not uploaded again, a frame Figma cannot render fails alone,
//! a pasted frame address makes an album of one, a Retry-After of days rate-limits the album at
//! once, and a revoked token turns the account to reconnect. The token is in no output and not
//! in folio.db.

mod support;

use folio_sources::figma::fake::FakeFigma;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{album_media, assert_no_secret_in_db, unique, wordpress_with_companion, Site};

const TOKEN: &str = "figd_pasted-personal-access-token-7f3a";

fn run(wp: &Site, data: &Path, args: &[&str]) -> (bool, String) {
    let out = wp.folio(data, args).env("FOLIO_FIGMA_TOKEN", TOKEN).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success(), text + &String::from_utf8_lossy(&out.stderr))
}

fn ok(wp: &Site, data: &Path, args: &[&str]) -> String {
    let (ok, said) = run(wp, data, args);
    assert!(ok, "folio {args:?}: {said}");
    said
}

/// `sync --json`'s report (it exits 1 while a photo failed or an album waits).
fn sync(wp: &Site, data: &Path) -> Value {
    let out = wp.folio(data, &["sync", "--json"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_figma_file_syncs_to_wordpress_and_only_edited_frames_cost_calls() {
    let Some(wp) = wordpress_with_companion() else { return };
    let fake = FakeFigma::start(TOKEN).await;
    let name = unique("brand");
    let key = fake.add_file(&name);
    let banners = fake.add_page(&key, "Banners");
    let hero = fake.add_frame(&key, &banners, "Hero", 1200, 630);
    let story = fake.add_frame(&key, &banners, "Story", 540, 960);
    let ads = fake.add_page(&key, "Ads");
    fake.add_frame(&key, &ads, "Ad 1", 300, 250);
    let broken = fake.add_frame(&key, &ads, "Broken", 300, 250);
    fake.fail_render(&key, &broken);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let mut printed = String::new();
    printed +=
        &ok(&wp, &data, &["site", "add", "blog", "--wordpress", &wp.url, "--user", &wp.user]);
    let api = format!("api_url={}", fake.url);
    let connected = ok(&wp, &data, &["connect", "figma", "--set", &api, "--json"]);
    printed += &connected;
    assert!(connected.contains("\"connector\":\"figma\""), "{connected}");
    assert_eq!(fake.tier1(), 0, "connecting costs no Tier 1 call: {:?}", fake.calls());

    let album = format!("figma:{key}");
    printed += &ok(
        &wp,
        &data,
        &["album", "add", &album, "--site", "blog", "--naming", "{album}-{filename}"],
    );
    let first = sync(&wp, &data);
    assert_eq!(first["uploaded"].as_u64(), Some(3), "{first}");
    let failed = first["failed"].to_string();
    assert!(failed.contains("Broken") && failed.contains("could not render"), "{first}");
    let client = wp.client();
    let media = album_media(&client, &name).await;
    assert_eq!(media.len(), 3, "{media:?}");
    let hero_copy = media.iter().find(|m| m.url.contains("hero")).unwrap().clone();

    // Nothing changed: only the cheap /meta look.
    let tier1 = fake.tier1();
    let again = sync(&wp, &data);
    assert_eq!((again["uploaded"].as_u64(), again["replaced"].as_u64()), (Some(0), Some(0)));
    assert_eq!(fake.tier1(), tier1, "no Tier 1 call: {:?}", fake.calls());

    // One frame edited: one /nodes, one /images for it alone, replaced in place.
    let (nodes, images) = (fake.count("nodes"), fake.count("images"));
    fake.edit(&key, &hero);
    let edited = sync(&wp, &data);
    assert_eq!(
        (edited["uploaded"].as_u64(), edited["replaced"].as_u64()),
        (Some(0), Some(1)),
        "{edited}"
    );
    assert_eq!((fake.count("nodes") - nodes, fake.count("images") - images), (1, 1));
    let asked = fake.last_query("images").unwrap();
    assert!(!asked.contains("%2C") && !asked.contains(','), "one frame rendered: {asked}");
    let after = album_media(&client, &name).await;
    let hero_now = after.iter().find(|m| m.id == hero_copy.id).expect("the same attachment");
    assert_eq!(hero_now.url, hero_copy.url, "the same URL (companion plugin)");

    // Renamed: the same look, nothing rendered or uploaded.
    let images = fake.count("images");
    fake.rename(&key, &story, "Story (spring)");
    let renamed = sync(&wp, &data);
    assert_eq!(
        (renamed["uploaded"].as_u64(), renamed["replaced"].as_u64()),
        (Some(0), Some(0)),
        "{renamed}"
    );
    assert_eq!(fake.count("images"), images, "not rendered again");
    assert_eq!(album_media(&client, &name).await.len(), 3);

    // A frame's address pasted from Figma: an album of that frame, at the scale asked.
    let address = format!(
        "figma:https://www.figma.com/design/{key}/{name}?node-id={}",
        hero.replace(':', "-")
    );
    ok(&wp, &data, &["album", "add", &address, "--site", "blog", "--scale", "1"]);
    let one = sync(&wp, &data);
    assert_eq!(one["uploaded"].as_u64(), Some(1), "{one}");
    assert!(
        fake.last_query("images").unwrap().contains("scale=1"),
        "{:?}",
        fake.last_query("images")
    );

    // Figma says to come back in four and a half days: the album waits, the sync does not.
    fake.edit(&key, &hero);
    fake.rate_limit(396_749, 1);
    let started = Instant::now();
    let limited = sync(&wp, &data);
    assert!(started.elapsed() < Duration::from_secs(60), "the wait was not waited out");
    assert!(limited["problems"].to_string().contains("rate limited until"), "{limited}");
    let status: Value = serde_json::from_str(&ok(&wp, &data, &["status", "--json"])).unwrap();
    let states: Vec<&str> =
        status["albums"].as_array().unwrap().iter().filter_map(|a| a["state"].as_str()).collect();
    assert!(states.contains(&"rate_limited"), "{status}");
    let calls = fake.calls().len();
    sync(&wp, &data);
    let asked: Vec<String> = fake.calls()[calls..].to_vec();
    assert!(
        asked.iter().all(|c| c == "meta" || c == "render"),
        "nothing but the other album's look: {asked:?}"
    );

    // The token revoked in Figma: the account asks to be reconnected, in words.
    fake.revoke();
    let refused = sync(&wp, &data);
    assert!(refused["problems"].to_string().contains("personal access token"), "{refused}");
    let accounts: Value =
        serde_json::from_str(&ok(&wp, &data, &["account", "list", "--json"])).unwrap();
    let figma = accounts.as_array().unwrap().iter().find(|a| a["connector"] == "figma").unwrap();
    assert_eq!(figma["state"], "reconnect", "{accounts}");

    assert!(!printed.contains(TOKEN), "printed the token");
    assert_no_secret_in_db(&data, &[TOKEN]);
}
