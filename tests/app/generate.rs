//! Generated images and AI alt text through the window: + Add from an account… → OpenRouter
//! with a pasted key (and, under Advanced, where the fake OpenRouter is); a new album named in
//! the picker; the Generate form, whose button carries the estimate, puts an image on the real
//! WordPress beside its copy; Generate again makes version 2 in place; Suggest alt text shows a
//! suggestion, and Accept makes it the photo's alt text on the site; an album told to write
//! alt text for new photos (its price shown first) sends the next image up with it.

use crate::webdriver::Driver;
use crate::{both_thumbnails, connect_portfolio, prerequisites, shots_dir, WINDOW};
use folio_sources::openrouter::fake::FakeOpenRouter;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

const KEY: &str = "sk-or-v1-window0123456789abcdef0123456789abcdef0123456789abcdef0123";

#[test]
fn an_image_is_generated_generated_again_and_given_accepted_alt_text() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = runtime.block_on(FakeOpenRouter::start(KEY));
    fake.set_answer("{\"alt\": \"A lighthouse on a cliff at sunset\", \"title\": \"Lighthouse\"}");
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[("FOLIO_DATA_DIR", data.to_str().unwrap()), ("FOLIO_SECRETS", "file")],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| !t.is_empty());
    connect_portfolio(&d, &site);

    d.click("[data-action=add-from-account]");
    d.click(".connect-dialog button.connector[data-connector=openrouter]");
    d.wait_text(".connect-dialog form", Duration::from_secs(10), |t| t.contains("API key"));
    d.type_into(".connect-dialog input[name=api_key]", KEY);
    d.click(".connect-dialog details.advanced summary");
    d.type_into(".connect-dialog input[name=api_url]", &fake.url);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let card =
        d.wait_text(".card.account[data-connector=openrouter]", Duration::from_secs(30), |t| {
            t.contains("Signed in as")
        });
    assert!(!card.contains(KEY), "no key on screen");

    // A generated album is named, not picked.
    let form = d.wait_text(".folder-picker form.paste-address", Duration::from_secs(20), |t| {
        t.contains("New album's name")
    });
    assert!(form.contains("type a name"), "{form}");
    let album = format!("Lighthouses {}", std::process::id());
    d.type_into(".folder-picker input[name=address]", &album);
    d.click(".folder-picker button.use-address");
    d.wait_text(".album.selected .album-name", Duration::from_secs(20), |t| t == album);

    // The Generate form: nothing spent until the button with the estimate is pressed.
    let button = d.wait_text("form.generate button[type=submit]", Duration::from_secs(20), |t| {
        t.contains("≈ $")
    });
    assert!(button.starts_with("Generate"), "{button}");
    let models = d.exec(
        "return [...document.querySelectorAll('form.generate select[name=model] option')]
           .map((o) => o.textContent).join(' | ');",
        json!([]),
    );
    let models = models.as_str().unwrap_or_default().to_string();
    assert!(models.contains("$0.0300 an image"), "models are listed with their price: {models}");
    d.type_into("form.generate textarea[name=prompt]", "A lighthouse on a cliff at sunset");
    d.exec(
        "const s = document.querySelector('form.generate select[name=aspect]');
         s.value = '16:9'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        json!([]),
    );
    assert_eq!(fake.count("chat/completions"), 0, "nothing generated before the button");
    d.screenshot(&shots_dir().join("generate.png"));
    d.click("form.generate button[type=submit]");
    d.wait_text("form.generate .note", Duration::from_secs(120), |t| t.contains("Generated"));
    let counts =
        d.wait_text(".album.selected .counts", Duration::from_secs(120), |t| t == "1 synced");
    assert_eq!(counts, "1 synced");
    assert_eq!(both_thumbnails(&d, 1, false), "ok", "the image beside its copy on the site");
    let sent = fake.requests().into_iter().find(|r| r.route == "chat/completions").unwrap();
    assert_eq!(sent.aspect_ratio.as_deref(), Some("16:9"));

    // Generate again: version 2, in place. (The grid redraws as the counts settle, so a click
    // can land on a cell just replaced: it is clicked again until the panel opens.)
    let opened = d.exec(
        "for (let i = 0; i < 40; i++) {
           document.querySelector('.cell')?.click();
           await new Promise((r) => setTimeout(r, 500));
           if (document.querySelector('.panel section.generated')) return 'ok';
         }
         return 'the panel never showed the generated photo';",
        json!([]),
    );
    assert_eq!(opened, "ok", "{opened}");
    let again = d.wait_text(".panel section.generated button", Duration::from_secs(20), |t| {
        t.contains("≈ $")
    });
    assert!(again.starts_with("Generate again"), "{again}");
    d.click(".panel section.generated button");
    d.wait_text(".panel section.generated .note", Duration::from_secs(120), |t| {
        t.contains("Version 2 is live")
    });
    d.wait_text(".panel .versions", Duration::from_secs(30), |t| t.contains("Version 2"));

    // Suggested alt text, accepted: the photo's own, on the site.
    let suggest =
        d.wait_text(".panel .suggest-alt button", Duration::from_secs(20), |t| t.contains("≈ $"));
    assert!(suggest.starts_with("Suggest alt text"), "{suggest}");
    d.click(".panel .suggest-alt button");
    d.wait_text(".panel ul.suggestions", Duration::from_secs(60), |t| t.contains("Accept"));
    let value = d.exec(
        "return document.querySelector('.panel input[name=suggested-alt]').value;",
        json!([]),
    );
    assert_eq!(value, "A lighthouse on a cliff at sunset");
    d.screenshot(&shots_dir().join("alt-suggest.png"));
    d.click(".panel ul.suggestions button");
    d.wait_text(".panel form.texts", Duration::from_secs(30), |t| t.contains("this photo's own"));
    let alt = d.exec("return document.querySelector('.texts input[name=alt]').value;", json!([]));
    assert_eq!(alt, "A lighthouse on a cliff at sunset");
    let on_site = alt_on_site(&runtime, &site, "lighthouse");
    assert_eq!(on_site.as_deref(), Some("A lighthouse on a cliff at sunset"));
    assert_eq!(fake.count("chat/completions"), 3, "two generations and one description");

    // The album told to write alt text for new photos: the next image goes up with it.
    d.click("[role=tab]:nth-child(2)");
    let offer = d.wait_text("fieldset.ai-alt", Duration::from_secs(20), |t| t.contains("≈ $"));
    assert!(offer.contains("a photo with google/gemini-2.5-flash"), "the price first: {offer}");
    d.click("input.ai-alt-new");
    d.screenshot(&shots_dir().join("alt-for-new-photos.png"));
    d.click("form.settings button[type=submit]");
    d.wait_text("form.settings [role=status]", Duration::from_secs(20), |t| t.starts_with("Saved"));
    assert_eq!(fake.count("chat/completions"), 3, "turning it on sends nothing");
    fake.set_answer(
        "{\"alt\": \"A lighthouse beam through a winter storm\", \"title\": \"Storm\"}",
    );
    d.click("[role=tab]:nth-child(1)");
    d.type_into("form.generate textarea[name=prompt]", "A lighthouse in a winter storm");
    d.wait_text("form.generate button[type=submit]", Duration::from_secs(20), |t| {
        t.contains("≈ $")
    });
    d.click("form.generate button[type=submit]");
    d.wait_text(".album.selected .counts", Duration::from_secs(120), |t| t == "2 synced");
    let storm = alt_on_site(&runtime, &site, "winter-storm");
    assert_eq!(storm.as_deref(), Some("A lighthouse beam through a winter storm"));
    assert_eq!(fake.count("chat/completions"), 5, "one more generation, one description");
    let screen = d.exec("return document.body.innerText;", json!([]));
    assert!(!screen.to_string().contains(KEY), "no key on screen");
}

/// The alt text on WordPress of the first copy whose address contains `part`.
fn alt_on_site(
    runtime: &tokio::runtime::Runtime,
    site: &crate::Site,
    part: &str,
) -> Option<String> {
    runtime.block_on(async {
        let wp =
            folio_sites::wordpress::WordPress::new(&site.url, &site.user, &site.password).unwrap();
        let mut cursor: Option<String> = None;
        loop {
            let page = folio_sites::Destination::list(&wp, cursor.as_deref()).await.unwrap();
            if let Some(m) = page.items.into_iter().find(|m| m.url.contains(part)) {
                return Some(m.alt_text);
            }
            cursor = page.next;
            cursor.as_ref()?;
        }
    })
}
