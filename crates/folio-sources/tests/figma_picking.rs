//! Picking in a Figma file through the account, against the fake Figma: a pasted file lists its
//! pages (with how many items each holds) in one Tier 1 call, opening a page right after lists
//! its frames as albums of one without another call, and a frame's address has nothing inside.

mod support;

use folio_model::Config;
use folio_sources::account::{AccessToken, OauthSource};
use folio_sources::figma::account::FigmaAccounts;
use folio_sources::figma::connector;
use folio_sources::figma::fake::FakeFigma;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::Pasted;

const TOKEN: &str = "figd_picking-token";

fn config(fake: &FakeFigma) -> Config {
    let given = BTreeMap::from([("api_url".to_string(), fake.url.clone())]);
    connector::connector().config(&given).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_file_lists_its_pages_then_a_pages_frames_for_one_tier1_call() {
    let fake = FakeFigma::start(TOKEN).await;
    let key = fake.add_file("Brand");
    let banners = fake.add_page(&key, "Banners");
    let hero = fake.add_frame(&key, &banners, "Hero", 1200, 630);
    let story = fake.add_frame(&key, &banners, "Story", 540, 960);
    let ads = fake.add_page(&key, "Ads");
    fake.add_frame(&key, &ads, "Ad 1", 300, 250);
    let config = config(&fake);
    let accounts = FigmaAccounts;
    let token: Arc<dyn AccessToken> = Arc::new(Pasted(TOKEN));

    let top = accounts.browse(&config, token.clone(), "").await;
    assert!(top.unwrap_err().message.contains("address"), "nothing listed at the top");
    let address = format!("https://www.figma.com/design/{key}/Brand");
    let pages = accounts.browse(&config, token.clone(), &address).await.unwrap();
    let listed: Vec<(String, String, Option<u32>, bool)> =
        pages.iter().map(|e| (e.path.clone(), e.name.clone(), e.count, e.folder)).collect();
    assert_eq!(
        listed,
        [
            (format!("{key}/Banners"), "Banners".to_string(), Some(2), true),
            (format!("{key}/Ads"), "Ads".to_string(), Some(1), true),
        ]
    );
    assert_eq!(fake.tier1(), 1, "{:?}", fake.calls());
    assert_eq!(fake.last_query("file").as_deref(), Some("depth=2"));

    let frames = accounts.browse(&config, token.clone(), &pages[0].path).await.unwrap();
    let listed: Vec<(String, String)> =
        frames.iter().map(|e| (e.path.clone(), e.name.clone())).collect();
    assert_eq!(
        listed,
        [
            (format!("{key}/node/{hero}"), "Hero".to_string()),
            (format!("{key}/node/{story}"), "Story".to_string())
        ]
    );
    assert_eq!(fake.tier1(), 1, "the page came from the file's outline just read");
    // Each frame is an album of its own, as the account checks it.
    let album = accounts.check(&config, token.clone(), &format!("figma:{}", frames[1].path)).await;
    assert_eq!(album.unwrap(), format!("{key}/node/{story}"));

    let frame =
        format!("https://www.figma.com/design/{key}/Brand?node-id={}", hero.replace(':', "-"));
    assert!(accounts.browse(&config, token, &frame).await.unwrap().is_empty());
    assert_eq!(fake.tier1(), 1, "a frame's address costs no call to list");
}
