//! What the picker shows of an entry besides its name: a Canva design's thumbnail and page
//! count, a Lightroom album's cover and photo count. Asked for only for entries listed with a
//! preview, one entry at a time, and nothing of it stays in the spool folder.

mod support;

use folio_model::Config;
use folio_sources::account::{AccessToken, OauthSource};
use folio_sources::canva::account::CanvaAccounts;
use folio_sources::canva::fake::FakeCanva;
use folio_sources::lightroom::account::LightroomAccounts;
use folio_sources::lightroom::fake::FakeLightroom;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::Fixed;

fn config(info: folio_model::ConnectorInfo, pairs: &[(&str, &str)]) -> Config {
    let given: BTreeMap<String, String> =
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    info.config(&given).unwrap()
}

/// The decoded size of a picture.
fn size(bytes: &[u8]) -> (u32, u32) {
    let picture = image::load_from_memory(bytes).expect("a picture the window can show");
    (picture.width(), picture.height())
}

#[tokio::test]
async fn a_canva_design_shows_its_thumbnail_and_page_count() {
    let fake = FakeCanva::start("token").await;
    let folder = fake.add_folder("root", "Spring campaign");
    let deck = fake.add_design("root", "Deck", 3);
    let config = config(folio_sources::canva::connector::connector(), &[("api_url", &fake.url)]);
    let token: Arc<dyn AccessToken> = Arc::new(Fixed("token"));
    let listed = CanvaAccounts.browse(&config, token.clone(), "").await.unwrap();
    let design = listed.iter().find(|e| e.path == format!("design/{deck}")).unwrap();
    assert!(design.preview, "{design:?}");
    assert_eq!(design.count, Some(3), "the listing says its pages");
    let shelf = listed.iter().find(|e| e.path == format!("folder/{folder}")).unwrap();
    assert!(!shelf.preview, "Canva folders have no picture");

    let spool = tempfile::tempdir().unwrap();
    let shown = CanvaAccounts.preview(&config, token.clone(), &design.path, spool.path());
    let shown = shown.await.unwrap();
    assert_eq!(shown.count, Some(3));
    let (w, _) = size(&shown.image.expect("the design's thumbnail"));
    assert!((100..=600).contains(&w), "a thumbnail, not an export: {w} px wide");
    assert_eq!(fake.count("thumbnail"), 1);
    assert_eq!(fake.count("create_export"), 0, "a preview never costs an export");
    let none = CanvaAccounts.preview(&config, token, &shelf.path, spool.path()).await.unwrap();
    assert_eq!((none.image, none.count), (None, None));
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0, "nothing left behind");
}

#[tokio::test]
async fn a_lightroom_album_shows_its_first_photo_and_how_many_it_holds() {
    let fake = FakeLightroom::start("fake-adobe-api-key", "token").await;
    let trip = fake.add_album("Iceland", None);
    let empty = fake.add_album("Empty", None);
    let folder = fake.add_album_folder("Travel", None);
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        fake.add_photo(&trip, name);
    }
    let info = folio_sources::lightroom::connector::connector();
    let config = config(info, &[("api_url", &fake.url), ("client_id", "fake-adobe-api-key")]);
    let token: Arc<dyn AccessToken> = Arc::new(Fixed("token"));
    let listed = LightroomAccounts.browse(&config, token.clone(), "").await.unwrap();
    let previews: Vec<(&str, bool)> = listed.iter().map(|e| (e.name.as_str(), e.preview)).collect();
    assert_eq!(previews, [("Travel", false), ("Empty", true), ("Iceland", true)]);

    let spool = tempfile::tempdir().unwrap();
    let path = format!("album/{trip}");
    let shown = LightroomAccounts.preview(&config, token.clone(), &path, spool.path());
    let shown = shown.await.unwrap();
    assert_eq!(shown.count, Some(3));
    let (w, h) = size(&shown.image.expect("the album's cover"));
    assert!(w.max(h) <= 640, "thumbnail2x, not a full rendition: {w}×{h}");
    let path = format!("album/{empty}");
    let nothing = LightroomAccounts.preview(&config, token.clone(), &path, spool.path());
    let nothing = nothing.await.unwrap();
    assert_eq!((nothing.image, nothing.count), (None, Some(0)));
    let path = format!("set/{folder}");
    let set = LightroomAccounts.preview(&config, token, &path, spool.path()).await.unwrap();
    assert_eq!((set.image, set.count), (None, None));
    assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0, "nothing left behind");
}
