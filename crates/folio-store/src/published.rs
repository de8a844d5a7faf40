//! Files `folio publish` copied into an album's folder, as opposed to the photographer's own:
//! only these may be deleted from the folder again (`folio unpublish`).

use crate::{AlbumId, Result, Store};

impl Store {
    /// `rel_path` in the album's folder is a copy `folio publish` made.
    pub async fn mark_published_copy(&self, album_id: AlbumId, rel_path: &str) -> Result<()> {
        sqlx::query("INSERT OR IGNORE INTO published_copies (album_id, rel_path) VALUES (?, ?)")
            .bind(album_id.0)
            .bind(rel_path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn is_published_copy(&self, album_id: AlbumId, rel_path: &str) -> Result<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM published_copies WHERE album_id = ? AND rel_path = ?",
        )
        .bind(album_id.0)
        .bind(rel_path)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// The copy was deleted from the folder.
    pub async fn forget_published_copy(&self, album_id: AlbumId, rel_path: &str) -> Result<()> {
        sqlx::query("DELETE FROM published_copies WHERE album_id = ? AND rel_path = ?")
            .bind(album_id.0)
            .bind(rel_path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
