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

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn folios_own_files_are_the_users_alone_even_when_left_wider() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.site("blog", FakeConfig::default());
    let data = w.data();
    // An older Folio (or a copy) left the folder and a secret readable by everyone.
    std::fs::create_dir_all(data.join("secrets")).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let engine = w.engine().await;
    add_site_with_secret(&engine, "blog", "first").await;
    let secret = std::fs::read_dir(data.join("secrets")).unwrap().next().unwrap().unwrap().path();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    engine.reconnect_site("blog", "second").await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&secret), 0o600, "a rewritten secret is private again");
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "second");
    drop(engine);
    let _engine = w.engine().await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("folio.db")), 0o600);
}

#[tokio::test(flavor = "multi_thread")]
async fn folios_own_folder_cannot_become_an_album() {
    let w = World::new();
    let engine = w.engine().await;
    let err = engine.add_album(&w.data(), &[], Default::default()).await.unwrap_err();
    assert!(err.message.contains("Folio's own data"), "{}", err.message);
    let around = engine.add_album(w.dir.path(), &[], Default::default()).await.unwrap_err();
    assert!(around.message.contains("Folio's own data"), "a folder holding it: {}", around.message);
}
