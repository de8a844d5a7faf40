//! Re-edits on a site: the copy replaced under its id, and how often that gave the file a new
//! URL (the site keeps the id but not the URL, or could not replace at all).

use crate::{PushedItem, Result, Store};
use folio_model::{AlbumId, SiteId};
use sqlx::Row;
use std::collections::HashMap;

impl Store {
    /// The site replaced the file under the same id; this version is what it holds now. A URL
    /// other than the one recorded counts as a URL change.
    pub async fn record_replace(
        &self,
        id: i64,
        content_hash: &str,
        preset_hash: &str,
        item: &PushedItem<'_>,
    ) -> Result<()> {
        let was: Option<String> =
            sqlx::query_scalar("SELECT remote_url FROM publications WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .flatten();
        let moved = was.is_some_and(|was| folio_model::file_moved(&was, item.url));
        sqlx::query(
            "UPDATE publications SET content_hash = ?, preset_hash = ?, remote_id = ?, remote_url = ?,
               thumbnail_url = ?, format = ?, text_key = ?, state = 'synced', last_error = NULL,
               url_changes = url_changes + ?,
               attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ?",
        )
        .bind(content_hash)
        .bind(preset_hash)
        .bind(item.remote_id.as_str())
        .bind(item.url)
        .bind(item.thumbnail_url)
        .bind(item.format)
        .bind(item.text_key)
        .bind(i64::from(moved))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Per site of an album: re-edits that gave a new URL, replaced under the same id with a
    /// new file URL, or uploaded as a new item in the old one's place (superseded).
    pub async fn urls_changed(&self, album: AlbumId) -> Result<HashMap<SiteId, usize>> {
        let rows = sqlx::query(
            "SELECT p.site_id AS site_id,
                    SUM(p.url_changes) + SUM(p.state = 'superseded') AS changed
               FROM publications p JOIN assets a ON a.id = p.asset_id
              WHERE a.album_id = ? GROUP BY p.site_id",
        )
        .bind(album.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (SiteId(r.get("site_id")), r.get::<i64, _>("changed").max(0) as usize))
            .collect())
    }
}
