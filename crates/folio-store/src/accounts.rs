//! Accounts: who Folio is signed in as, per connector. A site is a destination account's
//! publishing side (its row in `sites` points here and keeps the site's own state); an album
//! from a service points at the source account it reads with.

use crate::{unique_violation, Result, Store};
use folio_model::{AlbumId, SiteId, SiteState};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// The connector's id: `dropbox`, `wordpress`, …
    pub connector: String,
    /// The non-secret fields the user set, as JSON.
    pub config: String,
    /// Names the keychain entry holding the secret; never the secret itself.
    pub secret_ref: Option<String>,
    pub who: String,
    pub email: Option<String>,
    /// A destination's is its site's.
    pub state: SiteState,
    pub state_error: Option<String>,
    /// The site publishing with it, for a destination account.
    pub site: Option<SiteId>,
    /// When its secret was last kept (`YYYY-MM-DDTHH:MM:SSZ`).
    pub signed_in_at: Option<String>,
}

impl Account {
    fn from_row(r: &SqliteRow) -> Account {
        let site: Option<i64> = r.get("site_id");
        let state: Option<String> = r.get("site_state");
        Account {
            id: r.get("id"),
            name: r.get("name"),
            connector: r.get("connector"),
            config: r.get("config"),
            secret_ref: r.get("secret_ref"),
            who: r.get("who"),
            email: r.get("email"),
            state: SiteState::parse(&state.unwrap_or_else(|| r.get("state"))),
            state_error: if site.is_some() { r.get("site_error") } else { r.get("state_error") },
            site: site.map(SiteId),
            signed_in_at: r.get("signed_in_at"),
        }
    }
}

/// A new account, checked by its connector first.
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub connector: &'a str,
    pub config: &'a str,
    pub secret_ref: Option<&'a str>,
    pub who: &'a str,
    pub email: Option<&'a str>,
}

const SELECT: &str =
    "SELECT a.*, s.id AS site_id, s.state AS site_state, s.state_error AS site_error
                      FROM accounts a LEFT JOIN sites s ON s.account_id = a.id";

impl Store {
    pub async fn add_account(&self, new: &NewAccount<'_>) -> Result<Account> {
        let id = sqlx::query(
            "INSERT INTO accounts (name, connector, config, secret_ref, who, email, signed_in_at) \
             VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
        )
        .bind(new.name)
        .bind(new.connector)
        .bind(new.config)
        .bind(new.secret_ref)
        .bind(new.who)
        .bind(new.email)
        .execute(&self.pool)
        .await
        .map_err(|e| {
            unique_violation(e, format!("an account named '{}' already exists", new.name))
        })?
        .last_insert_rowid();
        Ok(self.account(id).await?.expect("just inserted"))
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} ORDER BY a.name")))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Account::from_row).collect())
    }

    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.id = ?")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Account::from_row))
    }

    pub async fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE a.name = ?")))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(Account::from_row))
    }

    /// After a sign-in (again): under which keychain entry, who, and a working state.
    pub async fn account_signed_in(
        &self,
        id: i64,
        secret_ref: &str,
        who: &str,
        email: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE accounts SET secret_ref = ?, who = ?, email = ?, state = 'ok', \
             state_error = NULL, signed_in_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        )
        .bind(secret_ref)
        .bind(who)
        .bind(email)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn set_account_state(
        &self,
        id: i64,
        state: SiteState,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE accounts SET state = ?, state_error = ? WHERE id = ?")
            .bind(state.as_str())
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes a source account no album reads with.
    pub async fn remove_account(&self, id: i64) -> Result<()> {
        let albums: i64 = sqlx::query_scalar("SELECT count(*) FROM albums WHERE account_id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        if albums > 0 {
            return Err(crate::StoreError::Conflict(format!(
                "{albums} album(s) read with this account; remove them first"
            )));
        }
        sqlx::query("DELETE FROM accounts WHERE id = ?").bind(id).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn set_album_account(&self, album: AlbumId, account: i64) -> Result<()> {
        sqlx::query("UPDATE albums SET account_id = ? WHERE id = ?")
            .bind(account)
            .bind(album.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The albums that read with an account.
    pub async fn albums_of_account(&self, id: i64) -> Result<Vec<AlbumId>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM albums WHERE account_id = ?")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(AlbumId).collect())
    }
}
