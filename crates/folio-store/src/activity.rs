//! The activity log keeps a bounded window: the newest [`KEEP_ENTRIES`] entries, none older
//! than [`KEEP_DAYS`]. The app runs for months, so it is pruned as it grows (every
//! [`PRUNE_EVERY`] entries) as well as at start; both deletes walk an index, so a prune costs
//! about the same however long the log has been kept.

use crate::{Result, Store};

pub const KEEP_ENTRIES: i64 = 10_000;
pub const KEEP_DAYS: i64 = 90;
/// Entries whose id is a multiple of this prune the log as they are written.
pub const PRUNE_EVERY: i64 = 100;

impl Store {
    /// Removes the entries outside the window; returns how many.
    pub async fn prune_activity(&self) -> Result<u64> {
        self.prune_activity_to(KEEP_ENTRIES, KEEP_DAYS).await
    }

    /// Keeps the newest `entries`, none older than `days`.
    pub async fn prune_activity_to(&self, entries: i64, days: i64) -> Result<u64> {
        // Ids only grow, so the newest entries are the highest ids (the rowid's own index).
        let beyond = sqlx::query(
            "DELETE FROM activity WHERE id <= \
             (SELECT id FROM activity ORDER BY id DESC LIMIT 1 OFFSET ?)",
        )
        .bind(entries)
        .execute(&self.pool)
        .await?
        .rows_affected();
        let old =
            sqlx::query("DELETE FROM activity WHERE at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)")
                .bind(format!("-{days} days"))
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(beyond + old)
    }

    /// Called with each new entry's id: prunes once every [`PRUNE_EVERY`] entries.
    pub(crate) async fn prune_activity_after(&self, id: i64) -> Result<()> {
        if id % PRUNE_EVERY == 0 {
            self.prune_activity().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("folio.db")).await.unwrap();
        (dir, store)
    }

    async fn count(s: &Store) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM activity").fetch_one(&s.pool).await.unwrap()
    }

    #[tokio::test]
    async fn the_log_keeps_the_newest_entries_and_none_past_their_age() {
        let (_dir, s) = store().await;
        for i in 0..8 {
            s.log(None, "info", &format!("entry {i}")).await.unwrap();
        }
        sqlx::query("UPDATE activity SET at = '2001-01-01T00:00:00Z' WHERE message = 'entry 3'")
            .execute(&s.pool)
            .await
            .unwrap();
        assert_eq!(s.prune_activity_to(5, 90).await.unwrap(), 4);
        let left: Vec<String> =
            s.recent_activity(100).await.unwrap().into_iter().map(|(_, _, m)| m).collect();
        assert_eq!(left, ["entry 7", "entry 6", "entry 5", "entry 4"]);
        assert_eq!(s.prune_activity_to(5, 90).await.unwrap(), 0, "nothing more to do");
    }

    #[tokio::test]
    async fn writing_the_log_keeps_it_bounded() {
        let (_dir, s) = store().await;
        let written = KEEP_ENTRIES + 2 * PRUNE_EVERY;
        for i in 0..written {
            s.log(None, "info", &format!("entry {i}")).await.unwrap();
        }
        assert_eq!(count(&s).await, KEEP_ENTRIES, "pruned at the last of {written} entries");
        let newest = s.recent_activity(1).await.unwrap();
        assert_eq!(newest[0].2, format!("entry {}", written - 1));
    }

    #[tokio::test]
    async fn the_age_prune_walks_an_index() {
        let (_dir, s) = store().await;
        let rows =
            sqlx::query("EXPLAIN QUERY PLAN DELETE FROM activity WHERE at < strftime('%Y', 'now')")
                .fetch_all(&s.pool)
                .await
                .unwrap();
        let plan: Vec<String> = rows.iter().map(|r| sqlx::Row::get(r, "detail")).collect();
        let plan = plan.join(" ");
        assert!(plan.contains("activity_by_time"), "{plan}");
    }
}
