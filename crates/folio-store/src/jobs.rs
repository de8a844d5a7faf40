//! The durable job queue (see migrations/0003_jobs.sql), the renditions record, per-photo text
//! overrides and plain settings.

use crate::{AlbumId, AssetId, Result, SiteId, Store, TextOverrides};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Runs when due.
    Queued,
    /// Failed in a way retrying cannot fix (bad credentials, refused file): waits for the photo
    /// to change or for the user's Retry.
    Parked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub asset_id: AssetId,
    pub site_id: SiteId,
    pub state: JobState,
    pub attempts: i64,
    /// Unix seconds.
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub content_hash: String,
}

impl Job {
    fn from_row(r: &SqliteRow) -> Job {
        Job {
            id: r.get("id"),
            asset_id: AssetId(r.get("asset_id")),
            site_id: SiteId(r.get("site_id")),
            state: if r.get::<&str, _>("state") == "parked" {
                JobState::Parked
            } else {
                JobState::Queued
            },
            attempts: r.get("attempts"),
            next_attempt_at: r.get("next_attempt_at"),
            last_error: r.get("last_error"),
            content_hash: r.get("content_hash"),
        }
    }

    /// Whether a pass that is not forcing retries should run it now.
    pub fn due(&self, now: i64) -> bool {
        self.state == JobState::Queued && self.next_attempt_at <= now
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionInfo {
    pub width: i64,
    pub height: i64,
    pub bytes: i64,
    pub mime: String,
    pub content_hash: String,
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Store {
    /// Queues work for a photo version on a site. An existing job for the same version keeps
    /// its attempts and schedule; a new version starts afresh.
    pub async fn queue_job(
        &self,
        asset_id: AssetId,
        site_id: SiteId,
        content_hash: &str,
    ) -> Result<Job> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO jobs (asset_id, site_id, content_hash) VALUES (?, ?, ?)
             ON CONFLICT (asset_id, site_id) DO UPDATE SET content_hash = excluded.content_hash,
               state = 'queued', attempts = 0, next_attempt_at = 0, last_error = NULL
             WHERE jobs.content_hash != excluded.content_hash",
        )
        .bind(asset_id.0)
        .bind(site_id.0)
        .bind(content_hash)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT * FROM jobs WHERE asset_id = ? AND site_id = ?")
            .bind(asset_id.0)
            .bind(site_id.0)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Job::from_row(&row))
    }

    pub async fn job(&self, asset_id: AssetId, site_id: SiteId) -> Result<Option<Job>> {
        let row = sqlx::query("SELECT * FROM jobs WHERE asset_id = ? AND site_id = ?")
            .bind(asset_id.0)
            .bind(site_id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Job::from_row))
    }

    /// Every job of an album's photos.
    pub async fn album_jobs(&self, album_id: AlbumId) -> Result<Vec<Job>> {
        let rows = sqlx::query(
            "SELECT jobs.* FROM jobs JOIN assets ON assets.id = jobs.asset_id
             WHERE assets.album_id = ? ORDER BY jobs.id",
        )
        .bind(album_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Job::from_row).collect())
    }

    pub async fn finish_job(&self, asset_id: AssetId, site_id: SiteId) -> Result<()> {
        sqlx::query("DELETE FROM jobs WHERE asset_id = ? AND site_id = ?")
            .bind(asset_id.0)
            .bind(site_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Drops every job of a photo (it failed to convert, or left the folder).
    pub async fn drop_jobs(&self, asset_id: AssetId) -> Result<()> {
        sqlx::query("DELETE FROM jobs WHERE asset_id = ?")
            .bind(asset_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn retry_job_later(&self, id: i64, error: &str, delay_secs: i64) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
        )
        .bind(error)
        .bind(unix_now() + delay_secs)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn park_job(&self, id: i64, error: &str) -> Result<()> {
        sqlx::query(
            "UPDATE jobs SET state = 'parked', attempts = attempts + 1, last_error = ? WHERE id = ?",
        )
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user's Retry: every waiting or parked job of the album (or of every album) is due
    /// now. Returns how many.
    pub async fn requeue_jobs(&self, album_id: Option<AlbumId>) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'queued', next_attempt_at = 0
             WHERE ? IS NULL OR asset_id IN (SELECT id FROM assets WHERE album_id = ?)",
        )
        .bind(album_id.map(|a| a.0))
        .bind(album_id.map(|a| a.0))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// When the earliest waiting job falls due (Unix seconds), if any is waiting.
    pub async fn next_job_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM jobs WHERE state = 'queued' AND next_attempt_at > 0",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    // ---- renditions ----

    pub async fn put_rendition(
        &self,
        asset_id: AssetId,
        preset_hash: &str,
        r: &RenditionInfo,
    ) -> Result<()> {
        sqlx::query(
            "INSERT OR REPLACE INTO renditions (asset_id, preset_hash, content_hash, width, height, bytes, mime)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(asset_id.0)
        .bind(preset_hash)
        .bind(&r.content_hash)
        .bind(r.width)
        .bind(r.height)
        .bind(r.bytes)
        .bind(&r.mime)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn rendition(
        &self,
        asset_id: AssetId,
        preset_hash: &str,
    ) -> Result<Option<RenditionInfo>> {
        let row = sqlx::query("SELECT * FROM renditions WHERE asset_id = ? AND preset_hash = ?")
            .bind(asset_id.0)
            .bind(preset_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| RenditionInfo {
            width: r.get("width"),
            height: r.get("height"),
            bytes: r.get("bytes"),
            mime: r.get("mime"),
            content_hash: r.get("content_hash"),
        }))
    }

    // ---- per-photo text ----

    pub async fn asset_texts(&self, asset_id: AssetId) -> Result<TextOverrides> {
        let row = sqlx::query("SELECT * FROM asset_texts WHERE asset_id = ?")
            .bind(asset_id.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| TextOverrides {
                title: r.get("title"),
                alt: r.get("alt"),
                caption: r.get("caption"),
            })
            .unwrap_or_default())
    }

    /// The photographer's own text for every photo of an album that has some.
    pub async fn album_texts(
        &self,
        album_id: AlbumId,
    ) -> Result<std::collections::HashMap<AssetId, TextOverrides>> {
        let rows = sqlx::query(
            "SELECT t.* FROM asset_texts t JOIN assets a ON a.id = t.asset_id WHERE a.album_id = ?",
        )
        .bind(album_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let texts = TextOverrides {
                    title: r.get("title"),
                    alt: r.get("alt"),
                    caption: r.get("caption"),
                };
                (AssetId(r.get("asset_id")), texts)
            })
            .collect())
    }

    pub async fn set_asset_texts(&self, asset_id: AssetId, t: &TextOverrides) -> Result<()> {
        sqlx::query("INSERT OR REPLACE INTO asset_texts (asset_id, title, alt, caption) VALUES (?, ?, ?, ?)")
            .bind(asset_id.0)
            .bind(&t.title)
            .bind(&t.alt)
            .bind(&t.caption)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- settings ----

    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
