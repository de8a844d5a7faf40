//! Generated images end to end with the real binaries: `folio connect openrouter` (a pasted
//! key, and OpenRouter's PKCE page through the loopback), `folio models`, and `folio generate`
//! from the fake OpenRouter to the real WordPress with the companion plugin: no call without a
//! yes, live on the site with its cost, generated again into the same attachment and URL,
//! the first version restored, and 402, 403, 429 and an answer without an image each ending
//! in a clear message. The key is in no output and not in folio.db.

mod support;

use folio_sources::openrouter::fake::{Failure, FakeOpenRouter};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use support::{
    album_media, assert_no_secret_in_db, served_sha, unique, wordpress_with_companion, Site,
};

const KEY: &str = "sk-or-v1-pasted0123456789abcdef0123456789abcdef0123456789abcdef0123";
const FLUX: &str = "black-forest-labs/flux.2-pro";

struct Run {
    ok: bool,
    code: Option<i32>,
    stdout: String,
    said: String,
}

fn run(wp: &Site, data: &Path, args: &[&str]) -> Run {
    let out = wp.folio(data, args).env("FOLIO_OPENROUTER_API_KEY", KEY).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let said = stdout.clone() + &String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains(KEY), "the key was printed by {args:?}: {said}");
    Run { ok: out.status.success(), code: out.status.code(), stdout, said }
}

fn ok(wp: &Site, data: &Path, args: &[&str]) -> Run {
    let r = run(wp, data, args);
    assert!(r.ok, "folio {args:?}: {}", r.said);
    r
}

fn json(r: &Run) -> Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", r.said))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_image_goes_live_is_generated_again_in_place_and_restored() {
    let Some(wp) = wordpress_with_companion() else { return };
    let fake = FakeOpenRouter::start(KEY).await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    ok(&wp, &data, &["site", "add", "blog", "--wordpress", &wp.url, "--user", &wp.user]);
    let api = format!("api_url={}", fake.url);
    let connected = json(&ok(&wp, &data, &["connect", "openrouter", "--set", &api, "--json"]));
    assert_eq!(
        (connected["connector"].as_str(), connected["state"].as_str()),
        (Some("openrouter"), Some("ok"))
    );

    // Only models that make images, priced per image.
    let models = json(&ok(&wp, &data, &["models", "openrouter", "--json"]));
    let ids: Vec<&str> =
        models.as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&FLUX) && ids.contains(&"google/gemini-2.5-flash-image"), "{models}");
    assert!(
        !ids.contains(&"openai/gpt-5-nano") && !ids.contains(&"google/gemini-2.5-flash"),
        "{models}"
    );
    let flux = models.as_array().unwrap().iter().find(|m| m["id"] == FLUX).unwrap();
    assert_eq!(flux["price_per_image"].as_f64(), Some(0.03));
    assert_eq!(flux.as_object().unwrap().len(), 3, "id, name, price_per_image: {flux}");

    let album = unique("gen");
    let root = format!("openrouter:{album}");
    ok(
        &wp,
        &data,
        &["album", "add", &root, "--site", "blog", "--naming", "{album}-{prompt_short}-{model}"],
    );
    let prompt = "A red fox standing in fresh snow at dawn";
    let generate = |extra: &[&str]| {
        let mut args = vec!["generate", "openrouter", "--album", &album, prompt, "--model", FLUX];
        args.extend_from_slice(extra);
        run(&wp, &data, &args)
    };

    // No yes, or an estimate over the cap: the estimate, exit 3, no call.
    let asked = generate(&[]);
    assert_eq!(asked.code, Some(3), "{}", asked.said);
    assert!(asked.said.contains("$0.03"), "{}", asked.said);
    let capped = generate(&["--max-cost", "0.01"]);
    assert_eq!(capped.code, Some(3), "{}", capped.said);
    assert_eq!(fake.count("chat/completions"), 0, "nothing was generated without a yes");

    // Within the cap: live on the site, its cost reported.
    let first = generate(&["--aspect", "16:9", "--max-cost", "0.05", "--json"]);
    assert!(first.ok, "{}", first.said);
    let first = json(&first);
    let item = first["item"].as_str().unwrap().to_string();
    assert!(item.starts_with(&format!("{root}/a-red-fox-standing")), "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["cost"].as_f64(), Some(0.03));
    assert!((first["estimate"].as_f64().unwrap() - 0.03).abs() < 0.001, "{first}");
    let url = first["sites"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(first["sites"][0]["name"], "blog");
    let sent = fake.requests().into_iter().find(|r| r.route == "chat/completions").unwrap();
    assert_eq!(
        (sent.aspect_ratio.as_deref(), sent.modalities.clone()),
        (Some("16:9"), vec!["image".to_string()])
    );
    let client = wp.client();
    let media = album_media(&client, &album).await;
    assert_eq!(media.len(), 1, "{media:?}");
    assert_eq!(media[0].url, url);
    assert!(
        url.contains("a-red-fox") && url.contains("flux-2-pro"),
        "named from the prompt and model: {url}"
    );
    let first_bytes = served_sha(&url).await;

    // Again: a new version of the same item, in the same attachment at the same URL.
    let again = run(&wp, &data, &["generate", "openrouter", "--again", &item, "--yes", "--json"]);
    assert!(again.ok, "{}", again.said);
    let again = json(&again);
    assert_eq!((again["item"].as_str(), again["version"].as_i64()), (Some(item.as_str()), Some(2)));
    assert_eq!(again["sites"][0]["url"].as_str(), Some(url.as_str()));
    let now = album_media(&client, &album).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].id, media[0].id, "the same attachment");
    let second_bytes = served_sha(&url).await;
    assert_ne!(second_bytes, first_bytes, "new bytes at the same URL");
    let last = fake.requests().into_iter().rfind(|r| r.route == "chat/completions").unwrap();
    assert_eq!(last.text, prompt, "generated again from the same prompt");

    // Both versions kept; the first put back.
    let history = json(&ok(&wp, &data, &["history", &item, "--json"]));
    assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
    ok(&wp, &data, &["restore", &item, "--version", "1"]);
    assert_eq!(served_sha(&url).await, first_bytes, "version 1 is back at the same URL");

    // A reference photo is sent at most 1568 px on its long edge.
    let photo = tmp.path().join("reference.png");
    image::RgbImage::from_fn(2400, 1600, |x, y| image::Rgb([(x / 10) as u8, (y / 7) as u8, 90]))
        .save(&photo)
        .unwrap();
    let reference = photo.to_string_lossy().into_owned();
    let with_reference = generate(&["--reference", &reference, "--yes"]);
    assert!(with_reference.ok, "{}", with_reference.said);
    let sent = fake.requests().into_iter().rfind(|r| r.route == "chat/completions").unwrap();
    assert_eq!(sent.images.len(), 1, "{sent:?}");
    assert_eq!((sent.images[0].0, sent.images[0].1), (1568, 1045));
    assert_eq!(album_media(&client, &album).await.len(), 2, "a new prompt run is a new item");

    // Failures, in words, and nothing on the site.
    let failures = [
        (Failure::NoCredits, "no OpenRouter credits left"),
        (
            Failure::Moderation { reasons: vec!["violence".into()], flagged: "a fox".into() },
            "refused by moderation: violence",
        ),
        (Failure::NoImage { cost: 0.02 }, "charged $0.0200"),
        (Failure::RateLimited { retry_after: 30 }, "try again in 30 s"),
    ];
    for (failure, words) in failures {
        fake.fail_next(failure);
        let failed = generate(&["--yes"]);
        assert!(!failed.ok, "{}", failed.said);
        assert!(failed.said.contains(words), "{words}: {}", failed.said);
    }
    let without = generate(&["--yes"]);
    assert!(without.ok, "a failure leaves nothing behind: {}", without.said);
    assert_eq!(album_media(&client, &album).await.len(), 3);
    let activity = ok(&wp, &data, &["activity", "--json"]).stdout;
    assert!(activity.contains("without an image"), "failures are in the activity log");
    assert!(!activity.contains(KEY));
    assert_no_secret_in_db(&data, &[KEY]);
}

/// OpenRouter's own sign-in: its page sends the browser back to Folio's listener with a code,
/// which Folio trades (with its PKCE verifier) for a key kept in the keychain.
#[tokio::test(flavor = "multi_thread")]
async fn openrouters_sign_in_page_gives_a_key_through_the_loopback() {
    let Some(wp) = wordpress_with_companion() else { return };
    let fake = FakeOpenRouter::start("sk-or-v1-not-this-one").await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let api = format!("api_url={}", fake.url);
    let auth = format!("auth_url={}", fake.auth_url);
    let args = ["connect", "openrouter", "--no-browser", "--json", "--set", &api, "--set", &auth];
    let mut child = wp
        .folio(&data, &args)
        .env_remove("FOLIO_OPENROUTER_API_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("printed {line:?}"));
    assert!(url.starts_with(&fake.auth_url) && url.contains("code_challenge_method=S256"), "{url}");
    let browser =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let allow = browser.get(url).send().await.unwrap();
    assert_eq!(allow.status().as_u16(), 302);
    let back = allow.headers()["Location"].to_str().unwrap().to_string();
    assert!(back.starts_with("http://127.0.0.1:"), "{back}");
    let page = browser.get(&back).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let account: Value =
        serde_json::from_str(rest.trim()).unwrap_or_else(|e| panic!("{e}: {rest}"));
    assert_eq!(
        (account["connector"].as_str(), account["state"].as_str()),
        (Some("openrouter"), Some("ok"))
    );
    let keys = fake.issued_keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(fake.count("auth/keys"), 1);
    // The issued key is the one Folio uses from now on.
    let models = run(&wp, &data, &["models", "openrouter", "--json"]);
    assert!(models.ok, "{}", models.said);
    let used = fake.requests().into_iter().rfind(|r| r.route == "models").unwrap();
    assert_eq!(used.authorization, Some(format!("Bearer {}", keys[0])));
    assert_no_secret_in_db(&data, &[&keys[0]]);
}
