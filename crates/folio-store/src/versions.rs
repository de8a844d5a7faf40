//! A photo's version history: one row per rendition Folio pushed (its file is kept in the data
//! folder), with the sites it went to, and when one was restored.

use crate::{AssetId, Result, Store};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: i64,
    pub asset_id: AssetId,
    /// 1 for the first version pushed, then 2, …; never reused.
    pub number: i64,
    pub content_hash: String,
    pub preset_hash: String,
    pub extension: String,
    pub mime: String,
    /// Relative to the data folder.
    pub file: String,
    pub reason: String,
    pub sites: Vec<String>,
    pub pushed_at: String,
    pub restored_at: Option<String>,
}

fn version(r: &sqlx::sqlite::SqliteRow) -> Version {
    let sites: String = r.get("sites");
    Version {
        id: r.get("id"),
        asset_id: AssetId(r.get("asset_id")),
        number: r.get("number"),
        content_hash: r.get("content_hash"),
        preset_hash: r.get("preset_hash"),
        extension: r.get("extension"),
        mime: r.get("mime"),
        file: r.get("file"),
        reason: r.get("reason"),
        sites: serde_json::from_str(&sites).unwrap_or_default(),
        pushed_at: r.get("pushed_at"),
        restored_at: r.get("restored_at"),
    }
}

/// A version to record.
pub struct NewVersion<'a> {
    pub asset_id: AssetId,
    pub content_hash: &'a str,
    pub preset_hash: &'a str,
    pub extension: &'a str,
    pub mime: &'a str,
    pub reason: &'a str,
    pub site: &'a str,
}

impl Store {
    /// The photo's versions, oldest first.
    pub async fn versions(&self, asset_id: AssetId) -> Result<Vec<Version>> {
        let rows = sqlx::query("SELECT * FROM versions WHERE asset_id = ? ORDER BY number")
            .bind(asset_id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(version).collect())
    }

    /// Records that this rendition went to `site`: a new version (its file still to be written
    /// by the caller at `file`, `history/<asset>/<number>.<ext>`) or one more site for a version
    /// already kept. Returns the version and whether it is new. Each statement stands alone, so
    /// two sites finishing the same version at once do not lock each other out.
    pub async fn record_version(&self, v: &NewVersion<'_>) -> Result<(Version, bool)> {
        let sites = serde_json::to_string(&[v.site]).expect("serialises");
        let inserted = sqlx::query(
            "INSERT INTO versions (asset_id, number, content_hash, preset_hash, extension, mime,
               file, reason, sites)
             SELECT ?1, n, ?2, ?3, ?4, ?5, 'history/' || ?1 || '/' || n || '.' || ?4, ?6, ?7
               FROM (SELECT COALESCE(MAX(number), 0) + 1 AS n FROM versions WHERE asset_id = ?1)
              WHERE true
             ON CONFLICT (asset_id, content_hash, preset_hash) DO NOTHING",
        )
        .bind(v.asset_id.0)
        .bind(v.content_hash)
        .bind(v.preset_hash)
        .bind(v.extension)
        .bind(v.mime)
        .bind(v.reason)
        .bind(sites)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            sqlx::query(
                "UPDATE versions SET sites = json_insert(sites, '$[#]', ?1)
                  WHERE asset_id = ?2 AND content_hash = ?3 AND preset_hash = ?4
                    AND NOT EXISTS (SELECT 1 FROM json_each(versions.sites) WHERE value = ?1)",
            )
            .bind(v.site)
            .bind(v.asset_id.0)
            .bind(v.content_hash)
            .bind(v.preset_hash)
            .execute(&self.pool)
            .await?;
        }
        let row = sqlx::query(
            "SELECT * FROM versions WHERE asset_id = ? AND content_hash = ? AND preset_hash = ?",
        )
        .bind(v.asset_id.0)
        .bind(v.content_hash)
        .bind(v.preset_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok((version(&row), inserted))
    }

    /// Forgets all but the newest `keep` versions; returns the files to delete.
    pub async fn prune_versions(&self, asset_id: AssetId, keep: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "DELETE FROM versions WHERE asset_id = ? AND number <= (
               SELECT COALESCE(MAX(number), 0) - ? FROM versions WHERE asset_id = ?)
             RETURNING file",
        )
        .bind(asset_id.0)
        .bind(keep)
        .bind(asset_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get("file")).collect())
    }

    /// Every photo Folio knows, in any album: what is kept for any other photo in the data
    /// folder is left over from a removed album.
    pub async fn asset_ids(&self) -> Result<std::collections::HashSet<AssetId>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM assets").fetch_all(&self.pool).await?;
        Ok(ids.into_iter().map(AssetId).collect())
    }

    pub async fn mark_restored(&self, version_id: i64) -> Result<()> {
        sqlx::query(
            "UPDATE versions SET restored_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        )
        .bind(version_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
