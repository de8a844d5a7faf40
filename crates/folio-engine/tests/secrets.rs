//! Each site keeps its own credential: "blog" then "Blog" (two sites whose names differ only
//! in case) must not overwrite each other's password, and removing one keeps the other's.

mod support;

use folio_sites::fake::FakeConfig;
use support::{add_site_with_secret, World};

#[tokio::test(flavor = "multi_thread")]
async fn sites_named_alike_keep_their_own_passwords() {
    let w = World::new();
    w.site("blog", FakeConfig::default());
    w.site("Blog", FakeConfig::default());
    {
        let engine = w.engine().await;
        add_site_with_secret(&engine, "blog", "password of blog").await;
        add_site_with_secret(&engine, "Blog", "password of Blog").await;
    }
    // A fresh engine reads each site's secret back from where it was kept.
    let engine = w.engine().await;
    for name in ["blog", "Blog"] {
        engine.recheck_site(name).await.unwrap();
        assert_eq!(w.secret_used(name).as_deref(), Some(format!("password of {name}").as_str()));
    }
    engine.remove_site("Blog").await.unwrap();
    drop(engine);
    let engine = w.engine().await;
    engine.recheck_site("blog").await.unwrap();
    assert_eq!(
        w.secret_used("blog").as_deref(),
        Some("password of blog"),
        "removing Blog kept blog's"
    );
}
