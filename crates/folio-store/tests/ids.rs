//! Ids are never given twice: after the newest album, site or photo is removed, the next one
//! gets a new id (what is kept outside the database under an id, such as a photo's versions,
//! can never pass to another). A data folder from before this keeps everything it had.

use folio_store::{AlbumId, AssetId, AssetState, NewAsset, PublicationState, SiteId, Store};
use sqlx::ConnectOptions;

fn asset<'a>(path: &'a str) -> NewAsset<'a> {
    NewAsset {
        rel_path: path,
        size: 10,
        mtime_ns: 1,
        content_hash: "h1",
        state: AssetState::Present,
        error: None,
    }
}

#[tokio::test]
async fn the_ids_of_a_removed_album_its_photos_and_a_removed_site_never_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("folio.db")).await.unwrap();
    let blog = s.add_site("blog", "wordpress", "u", "a", "r1", "{}").await.unwrap();
    let shop = s.add_site("shop", "shopify", "v", "b", "r2", "{}").await.unwrap();
    let old = s.add_album("folder", "/old", "old", "{}", &[blog.id, shop.id]).await.unwrap();
    let a = s.put_asset(old.id, &asset("a.jpg")).await.unwrap();
    let b = s.put_asset(old.id, &asset("b.jpg")).await.unwrap();
    s.remove_album(old.id).await.unwrap();
    s.remove_site(shop.id).await.unwrap();

    let new = s.add_album("folder", "/new", "new", "{}", &[blog.id]).await.unwrap();
    assert!(new.id > old.id, "album {} was given again", old.id);
    let c = s.put_asset(new.id, &asset("a.jpg")).await.unwrap();
    assert!(c.id > a.id && c.id > b.id, "photo id {} was given again", c.id);
    let site = s.add_site("shop", "shopify", "v", "b", "r3", "{}").await.unwrap();
    assert!(site.id > shop.id, "site {} was given again", shop.id);
}

#[tokio::test]
async fn a_data_folder_from_before_keeps_everything_and_stops_giving_ids_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("folio.db");
    {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .foreign_keys(true)
            .connect()
            .await
            .unwrap();
        for sql in [
            include_str!("../migrations/0001_initial.sql"),
            include_str!("../migrations/0002_settings.sql"),
            include_str!("../migrations/0003_jobs.sql"),
            include_str!("../migrations/0004_asset_texts.sql"),
            include_str!("../migrations/0005_plugins.sql"),
            include_str!("../migrations/0006_unique_secrets.sql"),
            include_str!("../migrations/0007_removal_guard.sql"),
            include_str!("../migrations/0008_credential_id.sql"),
            include_str!("../migrations/0009_versions.sql"),
            "PRAGMA user_version = 9",
            "INSERT INTO sites (id, name, kind, url, account, secret_ref, state, credential_id)
               VALUES (1, 'blog', 'wordpress', 'u', 'a', 'r1', 'reconnect', 'uuid-1'),
                      (2, 'shop', 'shopify', 'v', 'b', 'r2', 'ok', NULL)",
            "INSERT INTO albums (id, root, name, settings, source_kind, source_cursor, held_removals)
               VALUES (1, '/p', 'p', '{}', 'dropbox', 'cursor-1', 3), (2, '/q', 'q', '{}', 'folder', NULL, 0)",
            "INSERT INTO album_sites (album_id, site_id, auto_sync) VALUES (1, 1, 1), (1, 2, 0), (2, 2, 1)",
            "INSERT INTO assets (id, album_id, rel_path, size, mtime_ns, content_hash, state)
               VALUES (1, 1, 'a.jpg', 1, 1, 'h1', 'present'), (2, 2, 'b.jpg', 1, 1, 'h2', 'missing')",
            "INSERT INTO publications (asset_id, site_id, remote_key, content_hash, preset_hash, remote_id, state)
               VALUES (1, 1, 'k1', 'h1', 'p', '11', 'synced'), (2, 2, 'k2', 'h2', 'p', '22', 'orphaned')",
            "INSERT INTO jobs (asset_id, site_id, content_hash) VALUES (1, 2, 'h1')",
            "INSERT INTO renditions (asset_id, preset_hash, content_hash, width, height, bytes, mime)
               VALUES (1, 'p', 'h1', 10, 10, 100, 'image/webp')",
            "INSERT INTO asset_texts (asset_id, title) VALUES (1, 'Harbour')",
            "INSERT INTO versions (asset_id, number, content_hash, preset_hash, extension, mime, file, reason)
               VALUES (1, 1, 'h1', 'p', 'webp', 'image/webp', 'history/1/1.webp', 'first upload')",
            "INSERT INTO activity (album_id, level, message) VALUES (1, 'info', 'synced')",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
        }
    }
    let s = Store::open(&path).await.unwrap();
    let sites = s.sites().await.unwrap();
    let blog = sites.iter().find(|x| x.id == SiteId(1)).unwrap();
    assert_eq!((blog.name.as_str(), blog.credential_id.as_deref()), ("blog", Some("uuid-1")));
    assert_eq!(blog.state, folio_store::SiteState::Reconnect);
    let albums = s.albums().await.unwrap();
    let p = albums.iter().find(|a| a.id == AlbumId(1)).unwrap();
    assert_eq!((p.source_kind.as_str(), p.source_cursor.as_deref()), ("dropbox", Some("cursor-1")));
    assert_eq!((p.held_removals, p.site_ids.clone()), (3, vec![SiteId(1), SiteId(2)]));
    assert_eq!(p.manual_site_ids, vec![SiteId(2)]);
    let a = s.current_publication(AssetId(1), SiteId(1)).await.unwrap().unwrap();
    assert_eq!((a.key.as_str(), a.state), ("k1", PublicationState::Synced));
    assert!(s.job(AssetId(1), SiteId(2)).await.unwrap().is_some());
    assert!(s.rendition(AssetId(1), "p").await.unwrap().is_some());
    assert_eq!(s.asset_texts(AssetId(1)).await.unwrap().title.as_deref(), Some("Harbour"));
    assert_eq!(s.versions(AssetId(1)).await.unwrap().len(), 1);
    assert_eq!(s.recent_activity(10).await.unwrap().len(), 1);

    // The links still hold: removing the newest album takes its photos and their rows along.
    s.remove_album(AlbumId(2)).await.unwrap();
    assert!(s.asset(AssetId(2)).await.unwrap().is_none());
    assert!(s.current_publication(AssetId(2), SiteId(2)).await.unwrap().is_none());
    let again = s.add_album("folder", "/r", "r", "{}", &[]).await.unwrap();
    assert_eq!(again.id, AlbumId(3), "the removed album's id is not given again");
    let photo = s.put_asset(again.id, &asset("c.jpg")).await.unwrap();
    assert_eq!(photo.id, AssetId(3));
    s.remove_site(SiteId(2)).await.unwrap();
    assert!(s.job(AssetId(1), SiteId(2)).await.unwrap().is_none(), "the site's rows went too");
    assert_eq!(
        s.albums().await.unwrap().iter().find(|a| a.id == AlbumId(1)).unwrap().site_ids,
        vec![SiteId(1)]
    );
}
