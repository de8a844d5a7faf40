//! Albums: their settings, target sites, source cursor, the removal guard and the removals
//! still owed to the sites.

use crate::rows::{Album, Asset};
use crate::{unique_violation, AlbumId, Result, SiteId, Store};

impl Store {
    pub async fn add_album(
        &self,
        source_kind: &str,
        root: &str,
        name: &str,
        settings_json: &str,
        site_ids: &[SiteId],
    ) -> Result<Album> {
        let mut tx = self.pool.begin().await?;
        let id = sqlx::query(
            "INSERT INTO albums (source_kind, root, name, settings) VALUES (?, ?, ?, ?)",
        )
        .bind(source_kind)
        .bind(root)
        .bind(name)
        .bind(settings_json)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_violation(e, format!("{root} is already an album")))?
        .last_insert_rowid();
        for site in site_ids {
            sqlx::query("INSERT INTO album_sites (album_id, site_id) VALUES (?, ?)")
                .bind(id)
                .bind(site.0)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(self.album(AlbumId(id)).await?.expect("just inserted"))
    }

    /// Makes `site_id` a target of the album (auto-synced or manual), or no target (`None`).
    pub async fn set_album_target(
        &self,
        album_id: AlbumId,
        site_id: SiteId,
        auto_sync: Option<bool>,
    ) -> Result<()> {
        match auto_sync {
            Some(auto) => {
                sqlx::query(
                    "INSERT INTO album_sites (album_id, site_id, auto_sync) VALUES (?, ?, ?)
                 ON CONFLICT (album_id, site_id) DO UPDATE SET auto_sync = excluded.auto_sync",
                )
                .bind(album_id.0)
                .bind(site_id.0)
                .bind(auto)
                .execute(&self.pool)
                .await?
            }
            None => {
                sqlx::query("DELETE FROM album_sites WHERE album_id = ? AND site_id = ?")
                    .bind(album_id.0)
                    .bind(site_id.0)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(())
    }

    /// Forgets an album and, through foreign keys, its photos, publications, jobs and activity.
    pub async fn remove_album(&self, album_id: AlbumId) -> Result<()> {
        sqlx::query("DELETE FROM albums WHERE id = ?").bind(album_id.0).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn set_album_settings(&self, album_id: AlbumId, settings_json: &str) -> Result<()> {
        sqlx::query("UPDATE albums SET settings = ? WHERE id = ?")
            .bind(settings_json)
            .bind(album_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many photos the last pass held back as "gone all at once"; a confirmation is used up
    /// by the pass that takes them as deleted.
    pub async fn set_held_removals(&self, album_id: AlbumId, held: i64) -> Result<()> {
        sqlx::query(
            "UPDATE albums SET held_removals = ?,
               removals_confirmed = CASE WHEN ? = 0 THEN 0 ELSE removals_confirmed END
             WHERE id = ?",
        )
        .bind(held)
        .bind(held)
        .bind(album_id.0)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The user says the held photos were removed on purpose.
    pub async fn confirm_removals(&self, album_id: AlbumId) -> Result<()> {
        sqlx::query("UPDATE albums SET removals_confirmed = 1 WHERE id = ?")
            .bind(album_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The album's photos gone from its folder whose copies on some site are still to be
    /// removed (`removing`): a site that was paused when they left removes them when it is back.
    pub async fn awaiting_removal(&self, album_id: AlbumId) -> Result<Vec<Asset>> {
        let rows = sqlx::query(
            "SELECT a.* FROM assets a WHERE a.album_id = ? AND a.state = 'missing'
               AND EXISTS (SELECT 1 FROM publications p
                            WHERE p.asset_id = a.id AND p.state = 'removing')
             ORDER BY a.rel_path",
        )
        .bind(album_id.0)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Asset::from_row).collect())
    }

    /// Where the album's source left off (sources with change cursors).
    pub async fn set_album_cursor(&self, album_id: AlbumId, cursor: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE albums SET source_cursor = ? WHERE id = ?")
            .bind(cursor)
            .bind(album_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The source asked Folio to wait until `until` (None: it answers again).
    pub async fn set_album_paused(&self, album_id: AlbumId, until: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE albums SET paused_until = ? WHERE id = ?")
            .bind(until)
            .bind(album_id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn albums(&self) -> Result<Vec<Album>> {
        let rows = sqlx::query(
            "SELECT a.*,
               (SELECT group_concat(site_id) FROM album_sites s WHERE s.album_id = a.id) AS site_ids,
               (SELECT group_concat(site_id) FROM album_sites s
                  WHERE s.album_id = a.id AND s.auto_sync = 0) AS manual_site_ids
             FROM albums a ORDER BY a.name",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(Album::from_row).collect())
    }
}
