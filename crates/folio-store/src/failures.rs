//! What failed and why, as words for people and a code for front ends.

use crate::{Result, Store};
use folio_model::AssetId;

impl Store {
    /// A site could not take this copy: why, and the failure's code.
    pub async fn fail_publication(&self, id: i64, error: &str, code: &str) -> Result<()> {
        sqlx::query(
            "UPDATE publications SET state = 'failed', last_error = ?, last_error_code = ?,
               attempts = attempts + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE id = ?",
        )
        .bind(error)
        .bind(code)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The code of a photo's own failure (recorded with its words by `put_asset`).
    pub async fn set_asset_error_code(&self, asset: AssetId, code: &str) -> Result<()> {
        sqlx::query("UPDATE assets SET error_code = ? WHERE id = ?")
            .bind(code)
            .bind(asset.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
