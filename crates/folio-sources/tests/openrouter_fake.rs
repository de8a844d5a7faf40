//! The fake OpenRouter against the facts it was written from (shared/services/openrouter.md):
//! the catalogue's modality filters and price strings, the PKCE sign-in (challenge checked,
//! codes single use), generations with real PNGs of the asked aspect ratio and their cost,
//! every queued failure's status, headers and body, revoked keys, and a vision call's record.

use base64::Engine;
use folio_sources::openrouter::fake::{Failure, FakeOpenRouter};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const KEY: &str = "sk-or-v1-fake-test-key-0123456789abcdef";

fn client() -> reqwest::Client {
    // The sign-in's 302 is followed by hand, as the browser hands the code to Folio.
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(fake: &FakeOpenRouter, path: &str, key: Option<&str>) -> (u16, Value) {
    let mut r = client().get(format!("{}{path}", fake.url));
    if let Some(key) = key {
        r = r.bearer_auth(key);
    }
    let res = r.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn chat(fake: &FakeOpenRouter, body: Value) -> reqwest::Response {
    let url = format!("{}/chat/completions", fake.url);
    client().post(url).bearer_auth(KEY).json(&body).send().await.unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    let data = list["data"].as_array().unwrap();
    data.iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 40, 10]));
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn data_url(media: &str, bytes: &[u8]) -> String {
    format!("data:{media};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn generation(model: &str, modalities: &[&str], aspect: Option<&str>) -> Value {
    let mut body = json!({
        "model": model,
        "messages": [{"role": "user", "content": "A lighthouse at night"}],
        "modalities": modalities,
    });
    if let Some(a) = aspect {
        body["image_config"] = json!({"aspect_ratio": a});
    }
    body
}

/// The PNG of a generation's first image, decoded.
fn picture(answer: &Value) -> (Vec<u8>, image::DynamicImage) {
    let url = answer["choices"][0]["message"]["images"][0]["image_url"]["url"].as_str().unwrap();
    let b64 = url.strip_prefix("data:image/png;base64,").expect("a PNG data URL");
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    (bytes, decoded)
}

#[tokio::test]
async fn models_are_text_only_unless_image_output_is_asked_for() {
    let fake = FakeOpenRouter::start(KEY).await;
    let (status, text) = get(&fake, "/models", None).await;
    assert_eq!(status, 200, "the catalogue needs no key");
    let text = ids(&text);
    assert!(text.contains(&"openai/gpt-5-nano".into()));
    assert!(text.contains(&"google/gemini-2.5-flash".into()));
    assert!(text.contains(&"google/gemini-2.5-flash-image".into()), "it outputs text too");
    assert!(!text.contains(&"black-forest-labs/flux.2-pro".into()), "{text:?}");

    let (_, image) = get(&fake, "/models?output_modalities=image", None).await;
    let image = ids(&image);
    assert_eq!(image.len(), 3, "{image:?}");
    assert!(image.contains(&"black-forest-labs/flux.2-pro".into()));
    assert!(!image.contains(&"google/gemini-2.5-flash".into()));

    let (_, all) = get(&fake, "/models?output_modalities=all", None).await;
    assert_eq!(ids(&all).len(), 5);

    let (_, vision) = get(&fake, "/models?input_modalities=image", None).await;
    let vision = ids(&vision);
    assert!(vision.contains(&"google/gemini-2.5-flash".into()));
    assert!(!vision.contains(&"openai/gpt-5-nano".into()));
    assert!(!vision.contains(&"black-forest-labs/flux.2-pro".into()), "image output only");

    let pricing = json!({"prompt": "0", "completion": "0", "image_output": "0.04"});
    fake.add_model("acme/painter", "Acme: Painter", &["text"], &["image"], pricing);
    let (_, image) = get(&fake, "/models?output_modalities=image", None).await;
    let painter = image["data"].as_array().unwrap().iter().find(|m| m["id"] == "acme/painter");
    let architecture = &painter.expect("the added model is listed")["architecture"];
    assert_eq!(architecture["modality"], "text->image");
    assert_eq!(architecture["output_modalities"], json!(["image"]));
    assert_eq!(fake.count("models"), 5);
}

#[tokio::test]
async fn prices_are_usd_decimal_strings() {
    let fake = FakeOpenRouter::start(KEY).await;
    let (_, all) = get(&fake, "/models?output_modalities=all", None).await;
    let models = all["data"].as_array().unwrap();
    for m in models {
        for (line, price) in m["pricing"].as_object().unwrap() {
            let price = price.as_str().unwrap_or_else(|| panic!("{}.{line} is a string", m["id"]));
            assert!(price.parse::<f64>().is_ok(), "{}.{line} = {price}", m["id"]);
        }
        assert!(m["context_length"].as_u64().unwrap() > 0);
    }
    let pricing = |id: &str| models.iter().find(|m| m["id"] == id).unwrap()["pricing"].clone();
    assert_eq!(pricing("google/gemini-2.5-flash-image")["image_output"], "0.00003");
    assert_eq!(pricing("google/gemini-2.5-flash-image")["prompt"], "0.0000003");
    assert_eq!(pricing("black-forest-labs/flux.2-pro")["image_output"], "0.03");
}

#[tokio::test]
async fn pkce_sign_in_issues_a_key_once_per_code() {
    let fake = FakeOpenRouter::start(KEY).await;
    let verifier = "a-verifier-of-enough-length-0123456789-abcdefghij";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    let sign_in = |state: &str| {
        let mut url = url::Url::parse(&fake.auth_url).unwrap();
        url.query_pairs_mut()
            .append_pair("callback_url", "http://127.0.0.1:51423/callback")
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("key_label", "Folio on this Mac")
            .append_pair("state", state);
        url
    };
    let code_from = |res: &reqwest::Response| {
        assert_eq!(res.status().as_u16(), 302);
        let location = res.headers()["Location"].to_str().unwrap();
        let back = url::Url::parse(location).unwrap();
        assert_eq!(back.path(), "/callback");
        let q: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
        (q["code"].clone(), q.get("state").cloned())
    };
    let exchange = |code: String, verifier: &str| {
        let body =
            json!({"code": code, "code_verifier": verifier, "code_challenge_method": "S256"});
        client().post(format!("{}/auth/keys", fake.url)).json(&body).send()
    };

    // A wrong verifier is refused, and the code is then spent.
    let (code, state) = code_from(&client().get(sign_in("s1")).send().await.unwrap());
    assert_eq!(state.as_deref(), Some("s1"));
    let res = exchange(code.clone(), "not-the-verifier").await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({"error": {"code": 403, "message": "Invalid code or code_verifier"}}));
    assert_eq!(exchange(code, verifier).await.unwrap().status().as_u16(), 403);

    // The right verifier: a key, which works; the same code again: refused.
    let (code, _) = code_from(&client().get(sign_in("s2")).send().await.unwrap());
    let res = exchange(code.clone(), verifier).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let issued: Value = res.json().await.unwrap();
    let key = issued["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("sk-or-v1-") && key.len() == 9 + 64, "{key}");
    assert!(issued["user_id"].as_str().unwrap().starts_with("user_"));
    assert_eq!(exchange(code, verifier).await.unwrap().status().as_u16(), 403);
    assert_eq!(fake.issued_keys(), std::slice::from_ref(&key));
    let (status, info) = get(&fake, "/key", Some(&key)).await;
    assert_eq!(status, 200);
    assert_eq!(info["data"]["label"], "Folio on this Mac");
    assert_eq!(info["data"]["limit"], Value::Null);
    assert_eq!(info["data"]["is_free_tier"], false);

    // An unknown method is refused as such, before any code is looked at.
    let body = json!({"code": "x", "code_verifier": verifier, "code_challenge_method": "S512"});
    let res = client().post(format!("{}/auth/keys", fake.url)).json(&body).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Invalid code_challenge_method");
    assert_eq!((fake.count("auth"), fake.count("auth/keys")), (2, 5));
    assert!(fake
        .requests()
        .iter()
        .filter(|r| r.route == "auth/keys")
        .all(|r| r.authorization.is_none()));
}

#[tokio::test]
async fn keys_are_refused_when_missing_unknown_or_revoked() {
    let fake = FakeOpenRouter::start(KEY).await;
    let (status, body) = get(&fake, "/key", None).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"error": {"code": 401, "message": "No cookie auth credentials found"}})
    );
    let (status, body) = get(&fake, "/key", Some("sk-or-v1-someone-else")).await;
    assert_eq!((status, body["error"]["message"].as_str()), (401, Some("User not found.")));
    let (status, body) = get(&fake, "/key", Some(KEY)).await;
    assert_eq!((status, body["data"]["usage"].as_f64()), (200, Some(0.0)));

    fake.revoke();
    let (status, body) = get(&fake, "/key", Some(KEY)).await;
    assert_eq!((status, body["error"]["message"].as_str()), (401, Some("User not found.")));
    let res = chat(&fake, generation("black-forest-labs/flux.2-pro", &["image"], None)).await;
    assert_eq!(res.status().as_u16(), 401);
    assert_eq!(fake.images_generated(), 0);
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.authorization.as_deref(), Some(format!("Bearer {KEY}").as_str()));
}

#[tokio::test]
async fn generations_are_real_pngs_of_the_asked_aspect_and_differ_each_call() {
    let fake = FakeOpenRouter::start(KEY).await;
    let flux = "black-forest-labs/flux.2-pro";
    let res = chat(&fake, generation(flux, &["image"], Some("16:9"))).await;
    assert_eq!(res.status().as_u16(), 200);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["object"], "chat.completion");
    assert!(first["id"].as_str().unwrap().starts_with("gen-"));
    assert_eq!(first["choices"][0]["finish_reason"], "stop");
    let (bytes, decoded) = picture(&first);
    assert_eq!((decoded.width(), decoded.height()), (1344 / 4, 768 / 4));
    assert_eq!(first["usage"]["cost"].as_f64(), Some(0.03), "flux charges per image");

    let second: Value =
        chat(&fake, generation(flux, &["image"], Some("16:9"))).await.json().await.unwrap();
    let (again, _) = picture(&second);
    assert_ne!(bytes, again, "the same prompt twice gives two pictures");

    // Gemini: token-priced, 1:1 by default, text beside the picture.
    let gemini = "google/gemini-2.5-flash-image";
    let answer: Value =
        chat(&fake, generation(gemini, &["image", "text"], None)).await.json().await.unwrap();
    let (_, decoded) = picture(&answer);
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    assert!(!answer["choices"][0]["message"]["content"].as_str().unwrap().is_empty());
    let prompt_tokens = answer["usage"]["prompt_tokens"].as_u64().unwrap();
    assert_eq!(prompt_tokens, 6, "21 characters of prompt");
    let expected = 0.00003 * 1290.0 + 0.0000003 * 6.0;
    let cost = answer["usage"]["cost"].as_f64().unwrap();
    assert!((cost - expected).abs() < 1e-12, "{cost} != {expected}");

    assert!((fake.total_cost() - (0.06 + expected)).abs() < 1e-12);
    let (_, info) = get(&fake, "/key", Some(KEY)).await;
    assert!((info["data"]["usage"].as_f64().unwrap() - fake.total_cost()).abs() < 1e-12);
    assert_eq!(fake.images_generated(), 3);
    let recorded = &fake.requests()[0];
    assert_eq!(recorded.aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(recorded.modalities, ["image"]);
    assert_eq!(recorded.text, "A lighthouse at night");

    // An image-only model asked for text too; a model that does not exist.
    let res = chat(&fake, generation(flux, &["image", "text"], None)).await;
    assert_eq!(res.status().as_u16(), 404);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "No endpoints found that support the requested output modalities: image, text"
    );
    let res = chat(&fake, generation("acme/nothing", &["image"], None)).await;
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["message"], "acme/nothing is not a valid model ID");
    assert_eq!(fake.images_generated(), 3);
}

#[tokio::test]
async fn queued_failures_answer_in_order() {
    let fake = FakeOpenRouter::start(KEY).await;
    let gemini = "google/gemini-2.5-flash-image";
    let reasons = vec!["violence".to_string(), "weapons".to_string()];
    fake.fail_next(Failure::NoCredits);
    fake.fail_next(Failure::Moderation { reasons: reasons.clone(), flagged: "x".repeat(150) });
    fake.fail_next(Failure::NoImage { cost: 0.0004 });
    fake.fail_next(Failure::RateLimited { retry_after: 7 });
    fake.fail_next(Failure::Unavailable { retry_after: 30 });
    fake.fail_next(Failure::ErrorIn200 { message: "Provider returned error".into() });
    let call = || chat(&fake, generation(gemini, &["image", "text"], None));

    let res = call().await;
    assert_eq!(res.status().as_u16(), 402);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 402);
    assert_eq!(
        body["error"]["message"],
        "Insufficient credits. Add more using https://openrouter.ai/settings/credits"
    );
    assert_eq!(body["error"]["metadata"]["limit_source"], "openrouter_credits");

    let res = call().await;
    assert_eq!(res.status().as_u16(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["error"]["message"],
        "google/gemini-2.5-flash-image requires moderation on Google AI Studio. \
         Your input was flagged for \"violence, weapons\""
    );
    let metadata = &body["error"]["metadata"];
    assert_eq!(metadata["reasons"], json!(reasons));
    assert_eq!(metadata["flagged_input"].as_str().unwrap().len(), 100);
    assert_eq!(metadata["model_slug"], gemini);

    let res = call().await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    let choice = &body["choices"][0];
    assert_eq!(choice["message"]["content"], "I can't generate that image.");
    assert!(choice["message"].get("images").is_none());
    assert_eq!(
        (choice["finish_reason"].as_str(), choice["native_finish_reason"].as_str()),
        (Some("stop"), Some("NO_IMAGE"))
    );
    assert_eq!(body["usage"]["cost"].as_f64(), Some(0.0004));

    for (status, retry_after, message) in [
        (429, "7", "Rate limit exceeded"),
        (503, "30", "No available model provider that meets your routing requirements"),
    ] {
        let res = call().await;
        assert_eq!(res.status().as_u16(), status);
        assert_eq!(res.headers()["Retry-After"], retry_after);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], status);
        assert!(body["error"]["message"].as_str().unwrap().starts_with(message), "{body}");
    }

    let res = call().await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], 502);
    assert_eq!(body["error"]["message"], "Provider returned error");
    assert!(body.get("choices").is_none());

    // The queue is empty: a picture again. Only the image-less answer was billed.
    let body: Value = call().await.json().await.unwrap();
    picture(&body);
    let picture_cost = body["usage"]["cost"].as_f64().unwrap();
    assert!((fake.total_cost() - 0.0004 - picture_cost).abs() < 1e-12);
    assert_eq!((fake.count("chat/completions"), fake.images_generated()), (7, 1));
}

#[tokio::test]
async fn vision_calls_answer_the_set_text_and_record_image_sizes() {
    let fake = FakeOpenRouter::start(KEY).await;
    fake.set_answer("Two kayaks on a misty lake");
    let jpeg = turbojpeg::compress(
        turbojpeg::Image {
            pixels: &vec![90u8; 120 * 90 * 3][..],
            width: 120,
            pitch: 120 * 3,
            height: 90,
            format: turbojpeg::PixelFormat::RGB,
        },
        80,
        turbojpeg::Subsamp::Sub2x2,
    )
    .unwrap();
    let body = json!({
        "model": "google/gemini-2.5-flash",
        "temperature": 0.3,
        "max_tokens": 200,
        "messages": [
            {"role": "system", "content": "Write alt text."},
            {"role": "user", "content": [
                {"type": "text", "text": "Describe this photo."},
                {"type": "image_url", "image_url": {"url": data_url("image/png", &png(300, 200))}},
                {"type": "image_url", "image_url": {"url": data_url("image/jpeg", &jpeg)}},
            ]},
        ],
    });
    let res = chat(&fake, body).await;
    assert_eq!(res.status().as_u16(), 200);
    let answer: Value = res.json().await.unwrap();
    assert_eq!(answer["choices"][0]["message"]["content"], "Two kayaks on a misty lake");
    assert!(answer["choices"][0]["message"].get("images").is_none());

    let r = fake.requests().pop().unwrap();
    assert_eq!(r.route, "chat/completions");
    assert_eq!(r.model.as_deref(), Some("google/gemini-2.5-flash"));
    assert_eq!(r.text, "Write alt text.\nDescribe this photo.");
    assert_eq!(r.images, [(300, 200, "image/png".into()), (120, 90, "image/jpeg".into())]);
    assert_eq!((r.temperature, r.max_tokens), (Some(0.3), Some(200)));
    assert!(r.modalities.is_empty());

    // 36 characters of text (9 tokens), 300·200/750 = 80 and 120·90/750 → 15 image tokens.
    let usage = &answer["usage"];
    assert_eq!(usage["prompt_tokens"], 9 + 80 + 15);
    assert_eq!(usage["completion_tokens"], 7);
    let expected = 0.0000003 * 104.0 + 0.0000025 * 7.0;
    assert!((usage["cost"].as_f64().unwrap() - expected).abs() < 1e-12);

    // A text-only model asked for a picture has no endpoint for it.
    let res = chat(&fake, generation("openai/gpt-5-nano", &["image"], None)).await;
    assert_eq!(res.status().as_u16(), 404);
}
