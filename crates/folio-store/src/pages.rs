//! Parts of an album, for a window that shows its first screen before the whole album is read:
//! an album of 100,000 photos takes over a second to read whole.

use crate::{Asset, AssetId, Publication, Result, Store};
use folio_model::AlbumId;

impl Store {
    /// The first `limit` photos of an album in folder order, leaving out those no longer in
    /// the folder (a grid lists those last).
    pub async fn first_assets(&self, album_id: AlbumId, limit: i64) -> Result<Vec<Asset>> {
        let rows = sqlx::query(
            "SELECT * FROM assets WHERE album_id = ? AND state != 'missing' ORDER BY rel_path LIMIT ?",
        )
        .bind(album_id.0)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Asset::from_row).collect())
    }

    /// The current publications of these photos (as [`Store::album_publications`] gives them
    /// for a whole album).
    pub async fn publications_of_assets(&self, ids: &[AssetId]) -> Result<Vec<Publication>> {
        let ids = serde_json::to_string(&ids.iter().map(|a| a.0).collect::<Vec<_>>())
            .expect("ids serialise");
        let rows = sqlx::query(
            "SELECT p.* FROM publications p
             WHERE p.asset_id IN (SELECT value FROM json_each(?))
               AND p.state NOT IN ('superseded', 'deleted') ORDER BY p.id",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Publication::from_row).collect())
    }
}
