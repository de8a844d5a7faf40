//! The fake Figma over plain HTTP, as Figma's REST API reference describes the real one: the
//! token refused with Figma's body, `/meta` and its version after an edit, `/files` trimmed
//! by `depth`, `/nodes` with null for unknown ids, `/images` with a URL per node (null for a
//! failed render) serving a PNG of the right size without the token, the 32-megapixel cap,
//! the 429 with Figma's headers, and the call counts.

use folio_sources::figma::fake::FakeFigma;
use serde_json::Value;

const TOKEN: &str = "figd_fake-personal-access-token";

async fn get(fake: &FakeFigma, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", fake.url))
        .header("X-Figma-Token", TOKEN)
        .send()
        .await
        .unwrap()
}

async fn json(fake: &FakeFigma, path: &str) -> Value {
    let r = get(fake, path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// A file with a page holding Hero (1200×630) and Story; (fake, key, hero).
async fn brand() -> (FakeFigma, String, String) {
    let fake = FakeFigma::start(TOKEN).await;
    let key = fake.add_file("Brand");
    let page = fake.add_page(&key, "Banners");
    let hero = fake.add_frame(&key, &page, "Hero", 1200, 630);
    fake.add_frame(&key, &page, "Story", 1080, 1920);
    (fake, key, hero)
}

/// Width and height from a PNG's IHDR, without decoding the pixels.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (word(16), word(20))
}

#[tokio::test]
async fn a_missing_wrong_or_revoked_token_is_refused_with_figmas_body() {
    let (fake, key, _) = brand().await;
    let anonymous = reqwest::get(format!("{}/v1/me", fake.url)).await.unwrap();
    assert_eq!(anonymous.status(), 403);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": 403, "err": "Invalid token"}));
    let wrong = reqwest::Client::new()
        .get(format!("{}/v1/files/{key}/meta", fake.url))
        .header("X-Figma-Token", "figd_someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);

    let me = json(&fake, "/v1/me").await;
    for field in ["id", "handle", "img_url", "email"] {
        assert!(me[field].is_string(), "{field} in {me}");
    }
    fake.revoke();
    let revoked = get(&fake, "/v1/me").await;
    assert_eq!(revoked.status(), 403);
    assert_eq!(revoked.json::<Value>().await.unwrap()["err"], "Invalid token");

    let unknown = FakeFigma::start(TOKEN).await;
    let r = get(&unknown, "/v1/files/AAAAAAAAAAAAAAAAAAAAAA/meta").await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        serde_json::json!({"status": 404, "err": "Not found"})
    );
}

#[tokio::test]
async fn meta_is_wrapped_in_file_and_its_version_moves_on_with_each_change() {
    let (fake, key, hero) = brand().await;
    assert_eq!(key.len(), 22);
    assert!(key.chars().all(|c| c.is_ascii_alphanumeric()), "{key}");
    let before = json(&fake, &format!("/v1/files/{key}/meta")).await["file"].clone();
    assert_eq!(before["name"], "Brand");
    assert_eq!(before["editorType"], "figma");
    assert_eq!(before["role"], "owner");
    assert_eq!(before["url"], format!("https://www.figma.com/design/{key}/Brand"));
    assert!(before["last_touched_by"]["handle"].is_string());
    assert!(before["thumbnail_url"].is_string());
    let touched = before["last_touched_at"].as_str().unwrap().to_string();
    assert!(touched.starts_with("2026-12-01T10:00:") && touched.ends_with('Z'), "{touched}");
    let version: u64 = before["version"].as_str().unwrap().parse().unwrap();

    let fills = |file: &Value| file["nodes"][hero.as_str()]["document"]["fills"].clone();
    let nodes = format!("/v1/files/{key}/nodes?ids={hero}");
    let old_fills = fills(&json(&fake, &nodes).await);
    fake.edit(&key, &hero);
    let after = json(&fake, &format!("/v1/files/{key}/meta")).await["file"].clone();
    assert_eq!(after["version"], (version + 1).to_string());
    assert!(after["last_touched_at"].as_str().unwrap() > touched.as_str());
    let new_fills = fills(&json(&fake, &nodes).await);
    assert_ne!(new_fills, old_fills, "an edit changes the look");

    fake.rename(&key, &hero, "Hero (spring)");
    fake.move_bounds(&key, &hero, 4000.0, 200.0);
    let file = json(&fake, &nodes).await;
    assert_eq!(file["version"], (version + 3).to_string());
    assert_eq!(
        file["lastModified"],
        json(&fake, &format!("/v1/files/{key}/meta")).await["file"]["last_touched_at"]
    );
    let node = &file["nodes"][hero.as_str()]["document"];
    assert_eq!(node["name"], "Hero (spring)");
    assert_eq!(
        (node["absoluteBoundingBox"]["x"].as_f64(), node["absoluteBoundingBox"]["y"].as_f64()),
        (Some(4000.0), Some(200.0))
    );
    assert_eq!(fills(&file), new_fills, "a rename or a move keeps the look");
}

#[tokio::test]
async fn depth_2_lists_pages_and_their_top_level_nodes_without_grandchildren() {
    let (fake, key, hero) = brand().await;
    let file = json(&fake, &format!("/v1/files/{key}?depth=2")).await;
    assert_eq!(file["name"], "Brand");
    assert_eq!(file["document"]["type"], "DOCUMENT");
    let page = &file["document"]["children"][0];
    assert_eq!((page["id"].as_str(), page["type"].as_str()), (Some("0:1"), Some("CANVAS")));
    let frames = page["children"].as_array().unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(
        (frames[0]["id"].as_str(), frames[0]["type"].as_str()),
        (Some(hero.as_str()), Some("FRAME"))
    );
    assert_eq!(frames[0]["absoluteBoundingBox"]["width"], 1200.0);
    assert!(frames.iter().all(|f| f.get("children").is_none()), "{frames:?}");

    let pages = json(&fake, &format!("/v1/files/{key}?depth=1")).await;
    assert!(pages["document"]["children"][0].get("children").is_none());
    let whole = json(&fake, &format!("/v1/files/{key}")).await;
    let child = &whole["document"]["children"][0]["children"][0]["children"][0];
    assert_eq!(child["type"], "RECTANGLE", "every frame holds a child");
    let bad = get(&fake, &format!("/v1/files/{key}?depth=0")).await;
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["status"], 400);
}

#[tokio::test]
async fn nodes_answers_null_for_an_unknown_id() {
    let (fake, key, hero) = brand().await;
    let file = json(&fake, &format!("/v1/files/{key}/nodes?ids={hero},9:9")).await;
    assert_eq!(file["nodes"]["9:9"], Value::Null);
    let entry = &file["nodes"][hero.as_str()];
    assert_eq!(entry["document"]["name"], "Hero");
    assert!(entry["components"].is_object() && entry["styles"].is_object());
    assert!(file["version"].is_string() && file["lastModified"].is_string());
    assert_eq!(get(&fake, &format!("/v1/files/{key}/nodes")).await.status(), 400);
}

#[tokio::test]
async fn images_gives_a_png_per_node_until_a_render_fails() {
    let (fake, key, hero) = brand().await;
    let asked = format!("/v1/images/{key}?ids={hero},9:9&scale=2&format=png");
    let images = json(&fake, &asked).await;
    assert_eq!(images["err"], Value::Null);
    assert_eq!(images["images"]["9:9"], Value::Null);
    let url = images["images"][hero.as_str()].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/render/", fake.url)) && url.ends_with(".png"), "{url}");
    assert_eq!(fake.last_query("images").unwrap(), format!("ids={hero},9:9&scale=2&format=png"));

    // Like Figma's S3 links: no token needed.
    let first = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    assert_eq!(png_size(&first), (2400, 1260));
    let decoded = image::load_from_memory(&first).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (2400, 1260));

    fake.edit(&key, &hero);
    let again = json(&fake, &asked).await["images"][hero.as_str()].as_str().unwrap().to_string();
    let second = reqwest::get(&again).await.unwrap().bytes().await.unwrap();
    assert_ne!(first, second, "an edit changes the pixels");
    fake.rename(&key, &hero, "Hero 2");
    let renamed = json(&fake, &asked).await["images"][hero.as_str()].as_str().unwrap().to_string();
    assert_eq!(
        reqwest::get(&renamed).await.unwrap().bytes().await.unwrap(),
        second,
        "a rename does not"
    );

    fake.set_render(&key, &hero, b"exactly these bytes".to_vec());
    let fixed = json(&fake, &asked).await["images"][hero.as_str()].as_str().unwrap().to_string();
    assert_eq!(
        reqwest::get(&fixed).await.unwrap().bytes().await.unwrap().as_ref(),
        b"exactly these bytes"
    );

    fake.fail_render(&key, &hero);
    assert_eq!(json(&fake, &asked).await["images"][hero.as_str()], Value::Null);
    assert_eq!(fake.renders_with_token(), 0);
    assert_eq!(get(&fake, &format!("/v1/images/{key}?ids={hero}&scale=5")).await.status(), 400);
}

#[tokio::test]
async fn a_render_over_32_megapixels_is_scaled_down_to_fit() {
    let fake = FakeFigma::start(TOKEN).await;
    let key = fake.add_file("Print");
    let page = fake.add_page(&key, "Posters");
    let poster = fake.add_frame(&key, &page, "Poster", 5000, 5000);
    let images = json(&fake, &format!("/v1/images/{key}?ids={poster}&scale=2")).await;
    let r = reqwest::get(images["images"][poster.as_str()].as_str().unwrap()).await.unwrap();
    let said = r.headers()["X-Fake-Size"].to_str().unwrap().to_string();
    let (w, h) = png_size(&r.bytes().await.unwrap());
    assert_eq!(said, format!("{w}x{h}"));
    assert!(u64::from(w) * u64::from(h) <= 32_000_000, "{w}×{h}");
    assert!(w > 5000 && w == h, "{w}×{h}: scaled down, not cropped");
}

#[tokio::test]
async fn a_render_too_large_is_streamed_with_its_length() {
    let (fake, key, hero) = brand().await;
    fake.set_render_size(&key, &hero, 3 << 20);
    let images = json(&fake, &format!("/v1/images/{key}?ids={hero}")).await;
    let r = reqwest::get(images["images"][hero.as_str()].as_str().unwrap()).await.unwrap();
    assert_eq!(r.content_length(), Some(3 << 20));
    let body = r.bytes().await.unwrap();
    assert!(body.len() == 3 << 20 && body.iter().all(|b| *b == 0));
}

#[tokio::test]
async fn a_rate_limit_answers_429_with_figmas_headers_then_lifts() {
    let (fake, key, _) = brand().await;
    fake.rate_limit(396_749, 2);
    for _ in 0..2 {
        let r = get(&fake, &format!("/v1/files/{key}/meta")).await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["Retry-After"], "396749");
        assert_eq!(r.headers()["X-Figma-Plan-Tier"], "starter");
        assert_eq!(r.headers()["X-Figma-Rate-Limit-Type"], "low");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"status": 429, "err": "Rate limit exceeded"}));
    }
    assert_eq!(get(&fake, &format!("/v1/files/{key}/meta")).await.status(), 200);
}

#[tokio::test]
async fn calls_are_counted_by_route_and_tier_1_apart() {
    let (fake, key, hero) = brand().await;
    json(&fake, "/v1/me").await;
    json(&fake, &format!("/v1/files/{key}/meta")).await;
    json(&fake, &format!("/v1/files/{key}?depth=2")).await;
    json(&fake, &format!("/v1/files/{key}/nodes?ids={hero}")).await;
    let images = json(&fake, &format!("/v1/images/{key}?ids={hero}")).await;
    reqwest::get(images["images"][hero.as_str()].as_str().unwrap()).await.unwrap();
    assert_eq!(fake.calls(), ["me", "meta", "file", "nodes", "images", "render"]);
    assert_eq!(fake.tier1(), 3);
    assert_eq!((fake.count("meta"), fake.count("render")), (1, 1));
    assert_eq!(fake.last_query("file").as_deref(), Some("depth=2"));
    assert_eq!(fake.last_query("me").as_deref(), Some(""));
    assert_eq!(fake.last_query("thumbnail"), None);
}
