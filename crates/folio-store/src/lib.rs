//! Folio's state in SQLite (WAL, foreign keys, embedded migrations). This crate is the only
//! place that writes SQL; every function is one statement or one transaction.

mod accounts;
mod activity;
mod albums;
mod failures;
mod jobs;
mod pages;
mod published;
mod replaced;
mod rows;
mod versions;

pub use folio_model::{AlbumId, AssetId, RemoteId, SiteId, SiteState, TextOverrides};
pub use jobs::{unix_now, Job, JobState, RenditionInfo};

pub use accounts::{Account, NewAccount};
use rows::SELECT_SITES;
pub use rows::{Album, Asset, AssetState, NewAsset, Publication, PublicationState, Site};
pub use versions::{NewVersion, Version};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("{0}")]
    Conflict(String),
    #[error("database was written by a newer Folio (schema {found}, this build knows {known})")]
    TooNew { found: i64, known: i64 },
}

/// A remote item matched to a photo by its source identity.
pub struct AdoptedItem<'a> {
    pub key: &'a str,
    pub content_hash: &'a str,
    pub preset_hash: &'a str,
    pub remote_id: &'a RemoteId,
    pub url: &'a str,
    pub thumbnail_url: Option<&'a str>,
    pub format: Option<&'a str>,
}

/// What a site holds after a push.
pub struct PushedItem<'a> {
    pub remote_id: &'a RemoteId,
    pub url: &'a str,
    pub thumbnail_url: Option<&'a str>,
    /// webp, avif, jpg, png, …
    pub format: &'a str,
    pub text_key: &'a str,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Schema steps in order; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_settings.sql"),
    include_str!("../migrations/0003_jobs.sql"),
    include_str!("../migrations/0004_asset_texts.sql"),
    include_str!("../migrations/0005_plugins.sql"),
    include_str!("../migrations/0006_unique_secrets.sql"),
    include_str!("../migrations/0007_removal_guard.sql"),
    include_str!("../migrations/0008_credential_id.sql"),
    include_str!("../migrations/0009_versions.sql"),
    include_str!("../migrations/0010_activity_window.sql"),
    include_str!("../migrations/0011_ids_never_reused.sql"),
    include_str!("../migrations/0012_published_copies.sql"),
    include_str!("../migrations/0013_accounts.sql"),
    include_str!("../migrations/0014_failure_codes.sql"),
    include_str!("../migrations/0015_url_changes.sql"),
    include_str!("../migrations/0016_album_pause.sql"),
    include_str!("../migrations/0017_account_signed_in.sql"),
];

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    pub async fn open(path: &Path) -> Result<Store> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL survives a process crash (the crash test's SIGKILL) without an fsync
            // per commit; only power loss can drop the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        let store = Store { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        // A migration may rebuild a table (SQLite's only way to change a key): with foreign keys
        // on, dropping the old table would delete every row that points to it. They are off for
        // the migration (a transaction cannot change that), checked before it commits, and this
        // connection is not handed out again.
        conn.close_on_drop();
        sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let version: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *tx).await?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew { found: version, known });
        }
        for sql in &MIGRATIONS[version as usize..] {
            sqlx::raw_sql(*sql).execute(&mut *tx).await?;
        }
        let check = "SELECT DISTINCT \"table\" FROM pragma_foreign_key_check";
        let broken: Vec<String> = if version < known {
            sqlx::query_scalar(check).fetch_all(&mut *tx).await?
        } else {
            Vec::new()
        };
        if !broken.is_empty() {
            return Err(StoreError::Conflict(format!(
                "the database's links are broken in {}; it was left as it was",
                broken.join(", ")
            )));
        }
        // PRAGMA takes no bind parameters; the value is our own integer.
        let set_version = sqlx::AssertSqlSafe(format!("PRAGMA user_version = {known}"));
        sqlx::raw_sql(set_version).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- sites ----

    pub async fn add_site(
        &self,
        name: &str,
        kind: &str,
        url: &str,
        account_name: &str,
        secret_ref: &str,
        config: &str,
    ) -> Result<Site> {
        // A site is its account's publishing side: both are made together, under one name.
        let taken = || format!("a site or account named '{name}' already exists");
        let mut tx = self.pool.begin().await?;
        let account = sqlx::query(
            "INSERT INTO accounts (name, connector, config, secret_ref) VALUES (?, ?, ?, ?)",
        )
        .bind(name)
        .bind(kind)
        .bind(config)
        .bind(secret_ref)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, taken()))?
        .last_insert_rowid();
        let id = sqlx::query(
            "INSERT INTO sites (name, kind, url, account, secret_ref, account_id) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(name)
        .bind(kind)
        .bind(url)
        .bind(account_name)
        .bind(secret_ref)
        .bind(account)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, taken()))?
        .last_insert_rowid();
        tx.commit().await?;
        Ok(self.site(SiteId(id)).await?.expect("just inserted"))
    }

    /// Deletes a site and, through foreign keys, its album links, publications and jobs.
    pub async fn remove_site(&self, id: SiteId) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let account: Option<i64> = sqlx::query_scalar("SELECT account_id FROM sites WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
        sqlx::query("DELETE FROM sites WHERE id = ?").bind(id.0).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM accounts WHERE id = ?").bind(account).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The id of the credential the site gave Folio (WordPress: the Application Password's
    /// uuid), or `None` when it is not known.
    pub async fn set_site_credential_id(&self, id: SiteId, credential: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE sites SET credential_id = ? WHERE id = ?")
            .bind(credential)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_site_capabilities(&self, id: SiteId, capabilities_json: &str) -> Result<()> {
        sqlx::query("UPDATE sites SET capabilities = ? WHERE id = ?")
            .bind(capabilities_json)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        // Who the site says Folio is signed in as is the account's `who`.
        sqlx::query(
            "UPDATE accounts SET who = coalesce(json_extract(?, '$.account'), who) \
             WHERE id = (SELECT account_id FROM sites WHERE id = ?)",
        )
        .bind(capabilities_json)
        .bind(id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether the site's queue runs, and why not. Returns true when this changed the state.
    pub async fn set_site_state(
        &self,
        id: SiteId,
        state: SiteState,
        error: Option<&str>,
    ) -> Result<bool> {
        let done =
            sqlx::query("UPDATE sites SET state = ?, state_error = ? WHERE id = ? AND state != ?")
                .bind(state.as_str())
                .bind(error)
                .bind(id.0)
                .bind(state.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn site(&self, id: SiteId) -> Result<Option<Site>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_SITES} WHERE s.id = ?")))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Site::from_row(&r)))
    }

    pub async fn site_by_name(&self, name: &str) -> Result<Option<Site>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_SITES} WHERE s.name = ?")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| Site::from_row(&r)))
    }

    pub async fn sites(&self) -> Result<Vec<Site>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT_SITES} ORDER BY s.name")))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Site::from_row).collect())
    }

    // ---- assets ----

    pub async fn assets(&self, album_id: AlbumId) -> Result<Vec<Asset>> {
        let rows = sqlx::query("SELECT * FROM assets WHERE album_id = ? ORDER BY rel_path")
            .bind(album_id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Asset::from_row).collect())
    }

    pub async fn asset(&self, id: AssetId) -> Result<Option<Asset>> {
        let row = sqlx::query("SELECT * FROM assets WHERE id = ?")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Asset::from_row))
    }

    pub async fn album(&self, id: AlbumId) -> Result<Option<Album>> {
        Ok(self.albums().await?.into_iter().find(|a| a.id == id))
    }

    /// Records a file seen at `rel_path`, replacing whatever was known about that path.
    pub async fn put_asset(&self, album_id: AlbumId, a: &NewAsset<'_>) -> Result<Asset> {
        let row = sqlx::query(
            "INSERT INTO assets (album_id, rel_path, size, mtime_ns, content_hash, state, error)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (album_id, rel_path) DO UPDATE SET size = excluded.size,
               mtime_ns = excluded.mtime_ns, content_hash = excluded.content_hash,
               state = excluded.state, error = excluded.error
             RETURNING *",
        )
        .bind(album_id.0)
        .bind(a.rel_path)
        .bind(a.size)
        .bind(a.mtime_ns)
        .bind(a.content_hash)
        .bind(a.state.as_str())
        .bind(a.error)
        .fetch_one(&self.pool)
        .await?;
        Ok(Asset::from_row(&row))
    }

    /// A renamed or moved photo: same row (and publications), new path.
    pub async fn move_asset(&self, id: AssetId, rel_path: &str, mtime_ns: i64) -> Result<()> {
        sqlx::query("UPDATE assets SET rel_path = ?, mtime_ns = ?, state = 'present' WHERE id = ?")
            .bind(rel_path)
            .bind(mtime_ns)
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// RAW+JPEG: the half an album now leaves out gives its copies on the sites to the half it
    /// keeps, which then replaces them in place (same item, same URL) instead of adding a
    /// second copy. Only synced copies move, and only to sites where the kept half has none.
    pub async fn hand_over_publications(&self, from: AssetId, to: AssetId) -> Result<u64> {
        let mut tx = self.pool.begin().await?;
        let moved = sqlx::query(
            "UPDATE publications SET asset_id = ?1
             WHERE asset_id = ?2 AND state = 'synced' AND site_id NOT IN (
               SELECT site_id FROM publications WHERE asset_id = ?1
                 AND state NOT IN ('superseded', 'deleted'))",
        )
        .bind(to.0)
        .bind(from.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM jobs WHERE asset_id = ?").bind(from.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(moved)
    }

    /// The source file is gone: the asset becomes missing. Its copies on the sites stay
    /// (`orphaned`), or with `remove_copies` (the album's delete policy) are to be removed
    /// (`removing`), recorded in the same transaction: the removal is owed until it is done.
    pub async fn mark_missing(&self, id: AssetId, remove_copies: bool) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE assets SET state = 'missing' WHERE id = ?")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let copies = if remove_copies {
            "UPDATE publications SET state = 'removing' WHERE asset_id = ? AND remote_id IS NOT NULL
               AND state NOT IN ('superseded', 'deleted')"
        } else {
            "UPDATE publications SET state = 'orphaned' WHERE asset_id = ?
               AND state IN ('synced', 'removing')"
        };
        sqlx::query(copies).bind(id.0).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- publications ----

    /// The newest publication of an asset on a site that is not superseded.
    pub async fn current_publication(
        &self,
        asset_id: AssetId,
        site_id: SiteId,
    ) -> Result<Option<Publication>> {
        let row = sqlx::query(
            "SELECT *, CAST((julianday('now') - julianday(updated_at)) * 86400 AS INTEGER) AS age_secs
             FROM publications WHERE asset_id = ? AND site_id = ?
               AND state NOT IN ('superseded', 'deleted') ORDER BY id DESC LIMIT 1",
        )
        .bind(asset_id.0)
        .bind(site_id.0)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Publication::from_row(&r)))
    }

    /// The current publication of every photo of an album on every site, in one query (the
    /// status view's; `current_publication` per photo took 1.1 s over 10,000 photos).
    pub async fn album_publications(&self, album_id: AlbumId) -> Result<Vec<Publication>> {
        let rows = sqlx::query(
            "SELECT p.* FROM publications p JOIN assets a ON a.id = p.asset_id
             WHERE a.album_id = ? AND p.state NOT IN ('superseded', 'deleted') ORDER BY p.id",
        )
        .bind(album_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Publication::from_row).collect())
    }

    /// Every publication of one photo, oldest first: its push history.
    pub async fn asset_publications(&self, asset_id: AssetId) -> Result<Vec<Publication>> {
        let rows = sqlx::query("SELECT * FROM publications WHERE asset_id = ? ORDER BY id")
            .bind(asset_id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Publication::from_row).collect())
    }

    pub async fn publications(&self, site_id: SiteId) -> Result<Vec<Publication>> {
        let rows = sqlx::query("SELECT * FROM publications WHERE site_id = ? ORDER BY id")
            .bind(site_id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Publication::from_row).collect())
    }

    /// Writes the intent to publish before any byte is sent (see the table's comment).
    pub async fn begin_publication(
        &self,
        asset_id: AssetId,
        site_id: SiteId,
        key: &str,
        content_hash: &str,
        preset_hash: &str,
    ) -> Result<Publication> {
        let row = sqlx::query(
            "INSERT INTO publications (asset_id, site_id, remote_key, content_hash, preset_hash, state)
             VALUES (?, ?, ?, ?, ?, 'pending') RETURNING *",
        )
        .bind(asset_id.0)
        .bind(site_id.0)
        .bind(key)
        .bind(content_hash)
        .bind(preset_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(Publication::from_row(&row))
    }

    /// Records an item found on the site (by `folio reconcile`) as this photo's publication,
    /// already synced.
    pub async fn adopt_publication(
        &self,
        asset_id: AssetId,
        site_id: SiteId,
        found: &AdoptedItem<'_>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO publications (asset_id, site_id, remote_key, content_hash, preset_hash,
               remote_id, remote_url, thumbnail_url, format, state)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'synced')",
        )
        .bind(asset_id.0)
        .bind(site_id.0)
        .bind(found.key)
        .bind(found.content_hash)
        .bind(found.preset_hash)
        .bind(found.remote_id.as_str())
        .bind(found.url)
        .bind(found.thumbnail_url)
        .bind(found.format)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the start of another upload attempt (its age decides when it may be retried).
    pub async fn touch_publication(&self, id: i64) -> Result<()> {
        sqlx::query("UPDATE publications SET updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn finish_publication(&self, id: i64, item: &PushedItem<'_>) -> Result<()> {
        sqlx::query(
            "UPDATE publications SET remote_id = ?, remote_url = ?, thumbnail_url = ?, format = ?,
               text_key = ?, state = 'synced', last_error = NULL, attempts = attempts + 1,
               updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        )
        .bind(item.remote_id.as_str())
        .bind(item.url)
        .bind(item.thumbnail_url)
        .bind(item.format)
        .bind(item.text_key)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The site took the upload and is still processing it: its id is kept, so a restart
    /// polls it instead of uploading again.
    pub async fn mark_processing(&self, id: i64, remote_id: &RemoteId) -> Result<()> {
        sqlx::query(
            "UPDATE publications SET remote_id = ?, state = 'processing',
               updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        )
        .bind(remote_id.as_str())
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The site got new text for the item (`AlbumSettings::text_key`).
    pub async fn set_publication_text(&self, id: i64, text_key: &str) -> Result<()> {
        sqlx::query("UPDATE publications SET text_key = ? WHERE id = ?")
            .bind(text_key)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn set_publication_state(&self, id: i64, state: PublicationState) -> Result<()> {
        sqlx::query("UPDATE publications SET state = ? WHERE id = ?")
            .bind(state.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- settings ----

    /// The stored value, or `make()`'s, stored first (the first writer wins).
    pub async fn setting_or_insert(
        &self,
        key: &str,
        make: impl FnOnce() -> String,
    ) -> Result<String> {
        sqlx::query("INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(make())
            .execute(&self.pool)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_one(&self.pool)
            .await?)
    }

    // ---- activity ----

    pub async fn log(&self, album_id: Option<AlbumId>, level: &str, message: &str) -> Result<()> {
        let id = sqlx::query("INSERT INTO activity (album_id, level, message) VALUES (?, ?, ?)")
            .bind(album_id.map(|a| a.0))
            .bind(level)
            .bind(message)
            .execute(&self.pool)
            .await?
            .last_insert_rowid();
        self.prune_activity_after(id).await
    }

    pub async fn recent_activity(&self, limit: i64) -> Result<Vec<(String, String, String)>> {
        let rows = sqlx::query("SELECT at, level, message FROM activity ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get("at"), r.get("level"), r.get("message"))).collect())
    }
}

pub(crate) fn unique_violation(e: sqlx::Error, message: String) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(message),
        _ => StoreError::Sql(e),
    }
}
