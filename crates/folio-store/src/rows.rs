//! Row types, read by column name so a column added later cannot shift them.

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub account: String,
    /// Names the keychain entry holding the credential; never the credential itself.
    pub secret_ref: String,
    pub capabilities: String,
}

impl Site {
    pub(crate) fn from_row(r: &SqliteRow) -> Site {
        Site {
            id: r.get("id"),
            name: r.get("name"),
            kind: r.get("kind"),
            url: r.get("url"),
            account: r.get("account"),
            secret_ref: r.get("secret_ref"),
            capabilities: r.get("capabilities"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Album {
    pub id: i64,
    pub root: String,
    pub name: String,
    pub settings: String,
    pub site_ids: Vec<i64>,
    /// Target sites pushed to only on request ("Sync now", `folio sync`), not by auto-sync.
    pub manual_site_ids: Vec<i64>,
}

impl Album {
    pub(crate) fn from_row(r: &SqliteRow) -> Album {
        let ids: Option<String> = r.get("site_ids");
        let manual: Option<String> = r.try_get("manual_site_ids").unwrap_or_default();
        Album {
            id: r.get("id"),
            root: r.get("root"),
            name: r.get("name"),
            settings: r.get("settings"),
            site_ids: ids.unwrap_or_default().split(',').filter_map(|s| s.parse().ok()).collect(),
            manual_site_ids: manual
                .unwrap_or_default()
                .split(',')
                .filter_map(|s| s.parse().ok())
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetState {
    Present,
    Missing,
    /// Present but unusable (corrupt, unsupported); `error` says why.
    Failed,
}

impl AssetState {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetState::Present => "present",
            AssetState::Missing => "missing",
            AssetState::Failed => "failed",
        }
    }
    fn parse(s: &str) -> AssetState {
        match s {
            "missing" => AssetState::Missing,
            "failed" => AssetState::Failed,
            _ => AssetState::Present,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub id: i64,
    pub album_id: i64,
    pub rel_path: String,
    pub size: i64,
    pub mtime_ns: i64,
    pub content_hash: String,
    pub state: AssetState,
    pub error: Option<String>,
}

impl Asset {
    pub(crate) fn from_row(r: &SqliteRow) -> Asset {
        Asset {
            id: r.get("id"),
            album_id: r.get("album_id"),
            rel_path: r.get("rel_path"),
            size: r.get("size"),
            mtime_ns: r.get("mtime_ns"),
            content_hash: r.get("content_hash"),
            state: AssetState::parse(r.get("state")),
            error: r.get("error"),
        }
    }
}

pub struct NewAsset<'a> {
    pub rel_path: &'a str,
    pub size: i64,
    pub mtime_ns: i64,
    pub content_hash: &'a str,
    pub state: AssetState,
    pub error: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationState {
    Pending,
    Synced,
    Failed,
    /// The source photo is gone; the copy stays on the site (default delete policy).
    Orphaned,
    /// A newer version was uploaded as a new item because the site cannot replace in place.
    Superseded,
    /// Removed from the site because its source was deleted and the album says so.
    Deleted,
}

impl PublicationState {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationState::Pending => "pending",
            PublicationState::Synced => "synced",
            PublicationState::Failed => "failed",
            PublicationState::Orphaned => "orphaned",
            PublicationState::Superseded => "superseded",
            PublicationState::Deleted => "deleted",
        }
    }
    fn parse(s: &str) -> PublicationState {
        match s {
            "synced" => PublicationState::Synced,
            "failed" => PublicationState::Failed,
            "orphaned" => PublicationState::Orphaned,
            "superseded" => PublicationState::Superseded,
            "deleted" => PublicationState::Deleted,
            _ => PublicationState::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub asset_id: i64,
    pub site_id: i64,
    pub slug: String,
    pub content_hash: String,
    pub preset_hash: String,
    pub remote_id: Option<i64>,
    pub remote_url: Option<String>,
    pub thumbnail_url: Option<String>,
    pub state: PublicationState,
    pub last_error: Option<String>,
    pub attempts: i64,
    /// Seconds since the row last changed (only filled by `current_publication`).
    pub age_secs: i64,
    /// UTC, ISO 8601.
    pub updated_at: String,
}

impl Publication {
    pub(crate) fn from_row(r: &SqliteRow) -> Publication {
        Publication {
            id: r.get("id"),
            asset_id: r.get("asset_id"),
            site_id: r.get("site_id"),
            slug: r.get("slug"),
            content_hash: r.get("content_hash"),
            preset_hash: r.get("preset_hash"),
            remote_id: r.get("remote_id"),
            remote_url: r.get("remote_url"),
            thumbnail_url: r.get("thumbnail_url"),
            state: PublicationState::parse(r.get("state")),
            last_error: r.get("last_error"),
            attempts: r.get("attempts"),
            age_secs: r.try_get("age_secs").unwrap_or(0),
            updated_at: r.try_get("updated_at").unwrap_or_default(),
        }
    }
}
