use folio_store::{
    AssetState, NewAsset, PublicationState, PushedItem, RemoteId, SiteState, Store, StoreError,
};

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("folio.db")).await.unwrap();
    (dir, store)
}

fn asset<'a>(path: &'a str, hash: &'a str) -> NewAsset<'a> {
    NewAsset {
        rel_path: path,
        size: 10,
        mtime_ns: 1,
        content_hash: hash,
        state: AssetState::Present,
        error: None,
    }
}

fn pushed<'a>(id: &'a RemoteId, url: &'a str) -> PushedItem<'a> {
    PushedItem { remote_id: id, url, thumbnail_url: None, format: "webp", text_key: "t1" }
}

#[tokio::test]
async fn sites_and_albums_round_trip_and_names_are_unique() {
    let (_dir, s) = store().await;
    let site = s
        .add_site("blog", "wordpress", "https://example.com", "ana", "folio/blog", "{}")
        .await
        .unwrap();
    assert_eq!(s.site_by_name("blog").await.unwrap().unwrap(), site);
    let dup = s
        .add_site("blog", "wordpress", "https://other", "bo", "folio/blog2", "{}")
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)), "{dup}");
    let album = s.add_album("folder", "/photos/export", "export", "{}", &[site.id]).await.unwrap();
    assert_eq!(album.site_ids, vec![site.id]);
    assert!(matches!(
        s.add_album("folder", "/photos/export", "x", "{}", &[]).await,
        Err(StoreError::Conflict(_))
    ));
}

#[tokio::test]
async fn a_publication_is_pending_before_it_is_synced_and_orphaned_when_the_source_goes() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/a", "a", "{}", &[site.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("x.jpg", "h1")).await.unwrap();
    let p = s.begin_publication(a.id, site.id, "slug-1", "h1", "p1").await.unwrap();
    assert_eq!(p.state, PublicationState::Pending);
    let id = RemoteId("gid://shopify/MediaImage/42".into());
    s.finish_publication(p.id, &pushed(&id, "https://x/y.webp")).await.unwrap();
    let p = s.current_publication(a.id, site.id).await.unwrap().unwrap();
    assert_eq!((p.state, p.remote_id.clone(), p.attempts), (PublicationState::Synced, Some(id), 1));
    assert_eq!((p.format.as_deref(), p.text_key.as_deref()), (Some("webp"), Some("t1")));

    s.move_asset(a.id, "renamed/x.jpg", 2).await.unwrap();
    let moved = s.assets(album.id).await.unwrap();
    assert_eq!((moved.len(), moved[0].rel_path.as_str(), moved[0].id), (1, "renamed/x.jpg", a.id));

    s.mark_missing(a.id, false).await.unwrap();
    assert_eq!(
        s.current_publication(a.id, site.id).await.unwrap().unwrap().state,
        PublicationState::Orphaned
    );
}

#[tokio::test]
async fn under_a_delete_policy_a_removal_is_owed_until_it_is_done() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/a", "a", "{}", &[site.id]).await.unwrap();
    let mut published = Vec::new();
    for name in ["gone.jpg", "kept.jpg"] {
        let a = s.put_asset(album.id, &asset(name, name)).await.unwrap();
        let p = s.begin_publication(a.id, site.id, name, name, "p").await.unwrap();
        let id = RemoteId(format!("r-{name}"));
        s.finish_publication(p.id, &pushed(&id, "https://x/y.webp")).await.unwrap();
        published.push((a, p));
    }
    let [(gone, gone_p), (kept, _)] = &published[..] else { unreachable!() };
    s.mark_missing(gone.id, true).await.unwrap();
    s.mark_missing(kept.id, false).await.unwrap();
    let gone_now = s.current_publication(gone.id, site.id).await.unwrap().unwrap();
    assert_eq!(gone_now.state, PublicationState::Removing);
    let kept_now = s.current_publication(kept.id, site.id).await.unwrap().unwrap();
    assert_eq!(kept_now.state, PublicationState::Orphaned);
    let owed: Vec<_> =
        s.awaiting_removal(album.id).await.unwrap().into_iter().map(|a| a.id).collect();
    assert_eq!(owed, vec![gone.id], "only the removal the policy asked for");
    s.set_publication_state(gone_p.id, PublicationState::Deleted).await.unwrap();
    assert!(s.awaiting_removal(album.id).await.unwrap().is_empty(), "done, no longer owed");
}

#[tokio::test]
async fn superseded_versions_are_not_current() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/a", "a", "{}", &[site.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("x.jpg", "h1")).await.unwrap();
    let old = s.begin_publication(a.id, site.id, "v1", "h1", "p").await.unwrap();
    s.finish_publication(old.id, &pushed(&RemoteId("1".into()), "u1")).await.unwrap();
    s.set_publication_state(old.id, PublicationState::Superseded).await.unwrap();
    assert!(s.current_publication(a.id, site.id).await.unwrap().is_none());
    let new = s.begin_publication(a.id, site.id, "v2", "h2", "p").await.unwrap();
    assert_eq!(s.current_publication(a.id, site.id).await.unwrap().unwrap().id, new.id);
}

#[tokio::test]
async fn re_edits_that_moved_a_file_are_counted_per_site() {
    let (_dir, s) = store().await;
    let cms = s.add_site("cms", "contentful", "u", "a", "r", "{}").await.unwrap();
    let shop = s.add_site("shop", "shopify", "u", "a", "r2", "{}").await.unwrap();
    let album = s.add_album("folder", "/a", "a", "{}", &[cms.id, shop.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("x.jpg", "h1")).await.unwrap();
    let id = RemoteId("1".into());
    let on_cms = s.begin_publication(a.id, cms.id, "k1", "h1", "p").await.unwrap();
    s.finish_publication(on_cms.id, &pushed(&id, "u1")).await.unwrap();
    let on_shop = s.begin_publication(a.id, shop.id, "k2", "h1", "p").await.unwrap();
    s.finish_publication(on_shop.id, &pushed(&id, "s1")).await.unwrap();
    // Replaced in place twice on the CMS with a new URL each time, and on the shop at its URL
    // (a new cache-busting query is the same address).
    s.record_replace(on_cms.id, "h2", "p", &pushed(&id, "u2")).await.unwrap();
    s.record_replace(on_cms.id, "h3", "p", &pushed(&id, "u3")).await.unwrap();
    s.record_replace(on_shop.id, "h2", "p", &pushed(&id, "s1?v=2")).await.unwrap();
    // A text-only or same-file answer keeps the URL: not a change.
    s.record_replace(on_cms.id, "h3", "p", &pushed(&id, "u3")).await.unwrap();
    let changed = s.urls_changed(album.id).await.unwrap();
    assert_eq!((changed.get(&cms.id), changed.get(&shop.id)), (Some(&2), Some(&0)));
    // A site that could not replace: the new version is a new item, the old one superseded.
    s.set_publication_state(on_shop.id, PublicationState::Superseded).await.unwrap();
    let changed = s.urls_changed(album.id).await.unwrap();
    assert_eq!(changed.get(&shop.id), Some(&1));
}

#[tokio::test]
async fn reopening_keeps_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.db");
    Store::open(&path)
        .await
        .unwrap()
        .add_site("blog", "wordpress", "u", "a", "r", "{}")
        .await
        .unwrap();
    let again = Store::open(&path).await.unwrap();
    assert_eq!(again.sites().await.unwrap().len(), 1);
}

#[tokio::test]
async fn settings_keep_their_first_value() {
    let (_dir, s) = store().await;
    assert_eq!(s.setting_or_insert("install_id", || "a1".into()).await.unwrap(), "a1");
    assert_eq!(s.setting_or_insert("install_id", || "b2".into()).await.unwrap(), "a1");
}

#[tokio::test]
async fn a_job_keeps_its_backoff_for_the_same_version_and_restarts_for_a_new_one() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/p", "p", "{}", &[site.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("a.jpg", "h1")).await.unwrap();

    let job = s.queue_job(a.id, site.id, "h1").await.unwrap();
    assert!(job.due(folio_store::unix_now()));
    s.retry_job_later(job.id, "502 from the site", 60).await.unwrap();
    let again = s.queue_job(a.id, site.id, "h1").await.unwrap();
    assert_eq!(again.attempts, 1);
    assert!(!again.due(folio_store::unix_now()), "backoff must survive re-queueing");
    assert_eq!(s.next_job_due().await.unwrap(), Some(again.next_attempt_at));

    s.park_job(job.id, "refused").await.unwrap();
    assert_eq!(s.job(a.id, site.id).await.unwrap().unwrap().state, folio_store::JobState::Parked);
    let new_version = s.queue_job(a.id, site.id, "h2").await.unwrap();
    assert_eq!((new_version.attempts, new_version.state), (0, folio_store::JobState::Queued));

    s.park_job(job.id, "refused").await.unwrap();
    assert_eq!(s.requeue_jobs(Some(album.id)).await.unwrap(), 1);
    assert!(s.job(a.id, site.id).await.unwrap().unwrap().due(folio_store::unix_now()));
    assert_eq!(s.album_jobs(album.id).await.unwrap().len(), 1);
    s.finish_job(a.id, site.id).await.unwrap();
    assert!(s.job(a.id, site.id).await.unwrap().is_none());
}

#[tokio::test]
async fn settings_and_renditions_round_trip() {
    let (_dir, s) = store().await;
    assert_eq!(s.setting("auto_sync_paused").await.unwrap(), None);
    s.set_setting("auto_sync_paused", "1").await.unwrap();
    assert_eq!(s.setting("auto_sync_paused").await.unwrap().as_deref(), Some("1"));
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/p", "p", "{}", &[site.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("a.jpg", "h1")).await.unwrap();
    let info = folio_store::RenditionInfo {
        width: 2560,
        height: 1707,
        bytes: 250_000,
        mime: "image/webp".into(),
        content_hash: "h1".into(),
    };
    s.put_rendition(a.id, "p1", &info).await.unwrap();
    assert_eq!(s.rendition(a.id, "p1").await.unwrap(), Some(info));
    assert_eq!(s.rendition(a.id, "p2").await.unwrap(), None);
}

#[tokio::test]
async fn an_album_target_can_be_manual_or_removed() {
    let (_dir, s) = store().await;
    let blog = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let shop = s.add_site("shop", "wordpress", "u2", "a", "r2", "{}").await.unwrap();
    let album = s.add_album("folder", "/p", "p", "{}", &[blog.id]).await.unwrap();
    s.set_album_target(album.id, shop.id, Some(false)).await.unwrap();
    let a = &s.albums().await.unwrap()[0];
    assert_eq!((a.site_ids.len(), a.manual_site_ids.clone()), (2, vec![shop.id]));
    s.set_album_target(album.id, shop.id, Some(true)).await.unwrap();
    assert!(s.albums().await.unwrap()[0].manual_site_ids.is_empty());
    s.set_album_target(album.id, blog.id, None).await.unwrap();
    assert_eq!(s.albums().await.unwrap()[0].site_ids, vec![shop.id]);
}

#[tokio::test]
async fn a_photo_keeps_its_own_text_through_a_rename() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    let album = s.add_album("folder", "/p", "p", "{}", &[site.id]).await.unwrap();
    let a = s.put_asset(album.id, &asset("a.jpg", "h1")).await.unwrap();
    assert_eq!(s.asset_texts(a.id).await.unwrap(), folio_store::TextOverrides::default());
    let own =
        folio_store::TextOverrides { alt: Some("Harbour at dusk".into()), ..Default::default() };
    s.set_asset_texts(a.id, &own).await.unwrap();
    s.move_asset(a.id, "renamed.jpg", 2).await.unwrap();
    assert_eq!(s.asset_texts(a.id).await.unwrap(), own);
}

#[tokio::test]
async fn a_site_state_change_is_reported_once() {
    let (_dir, s) = store().await;
    let site = s.add_site("blog", "wordpress", "u", "a", "r", "{}").await.unwrap();
    assert_eq!(site.state, SiteState::Ok);
    assert!(s.set_site_state(site.id, SiteState::Reconnect, Some("revoked")).await.unwrap());
    assert!(!s.set_site_state(site.id, SiteState::Reconnect, Some("revoked")).await.unwrap());
    let now = s.site(site.id).await.unwrap().unwrap();
    assert_eq!((now.state, now.state_error.as_deref()), (SiteState::Reconnect, Some("revoked")));
    assert!(s.set_site_state(site.id, SiteState::Ok, None).await.unwrap());
}

/// A data folder from before remote ids were strings: its numbers are kept, as text.
#[tokio::test]
async fn an_older_database_keeps_its_publications() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.db");
    {
        use sqlx::ConnectOptions;
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        for sql in [
            include_str!("../migrations/0001_initial.sql"),
            include_str!("../migrations/0002_settings.sql"),
            include_str!("../migrations/0003_jobs.sql"),
            include_str!("../migrations/0004_asset_texts.sql"),
            "PRAGMA user_version = 4",
            "INSERT INTO sites (id, name, kind, url, account, secret_ref) VALUES (1, 'blog', 'wordpress', 'u', 'a', 'r')",
            "INSERT INTO albums (id, root, name, settings) VALUES (1, '/p', 'p', '{}')",
            "INSERT INTO assets (id, album_id, rel_path, size, mtime_ns, content_hash, state) VALUES (1, 1, 'a.jpg', 1, 1, 'h1', 'present')",
            "INSERT INTO publications (asset_id, site_id, slug, content_hash, preset_hash, remote_id, remote_url, state) VALUES (1, 1, 'folio-x', 'h1', 'p1', 1234, 'https://x/a.webp', 'synced')",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        }
    }
    let s = Store::open(&path).await.unwrap();
    let p = s
        .current_publication(folio_store::AssetId(1), folio_store::SiteId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.remote_id, Some(RemoteId("1234".into())));
    assert_eq!((p.key.as_str(), p.format.as_deref(), p.text_key), ("folio-x", Some("webp"), None));
    let album = &s.albums().await.unwrap()[0];
    assert_eq!((album.source_kind.as_str(), album.source_cursor.clone()), ("folder", None));
}

#[tokio::test]
async fn two_sites_never_share_a_keychain_entry() {
    let (_dir, s) = store().await;
    s.add_site("blog", "wordpress", "https://a", "ana", "site-blog-1", "{}").await.unwrap();
    let err =
        s.add_site("Blog", "wordpress", "https://b", "bo", "site-blog-1", "{}").await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

/// "blog" and "Blog" added by an older Folio shared the entry `site-blog`: the later one keeps
/// it, the earlier gets its own and is asked to reconnect.
#[tokio::test]
async fn sites_that_shared_a_keychain_entry_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.db");
    {
        use sqlx::ConnectOptions;
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .connect()
            .await
            .unwrap();
        for sql in [
            include_str!("../migrations/0001_initial.sql"),
            include_str!("../migrations/0002_settings.sql"),
            include_str!("../migrations/0003_jobs.sql"),
            include_str!("../migrations/0004_asset_texts.sql"),
            include_str!("../migrations/0005_plugins.sql"),
            "PRAGMA user_version = 5",
            "INSERT INTO sites (id, name, kind, url, account, secret_ref) VALUES (1, 'blog', 'wordpress', 'u', 'a', 'site-blog')",
            "INSERT INTO sites (id, name, kind, url, account, secret_ref) VALUES (2, 'Blog', 'wordpress', 'v', 'b', 'site-blog')",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        }
    }
    let s = Store::open(&path).await.unwrap();
    let sites = s.sites().await.unwrap();
    let by_id = |id: i64| sites.iter().find(|x| x.id.0 == id).unwrap();
    assert_eq!((by_id(2).secret_ref.as_str(), by_id(2).state), ("site-blog", SiteState::Ok));
    assert_eq!(
        (by_id(1).secret_ref.as_str(), by_id(1).state),
        ("site-blog-1", SiteState::Reconnect)
    );
    assert!(by_id(1).state_error.as_deref().unwrap().contains("reconnect"));
}
