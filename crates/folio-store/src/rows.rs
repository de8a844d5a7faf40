//! Row types, read by column name so a column added later cannot shift them.

use folio_model::{AlbumId, AssetId, RemoteId, SiteId, SiteState};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

fn ids<T>(list: Option<String>, make: impl Fn(i64) -> T) -> Vec<T> {
    list.unwrap_or_default().split(',').filter_map(|s| s.parse().ok()).map(make).collect()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub account: String,
    /// Names the keychain entry holding the credential; never the credential itself.
    pub secret_ref: String,
    pub capabilities: String,
    /// Whether its queue runs (reconnect and unreachable pause it).
    pub state: SiteState,
    /// Why it is not `ok`, in words.
    pub state_error: Option<String>,
    /// The credential's id on the site (a WordPress Application Password's uuid), to revoke it.
    pub credential_id: Option<String>,
    /// Its account's fields as the person set them (JSON), e.g. another API address.
    pub account_config: String,
}

/// Sites with their account's fields.
pub(crate) const SELECT_SITES: &str =
    "SELECT s.*, coalesce(a.config, '{}') AS account_config FROM sites s \
     LEFT JOIN accounts a ON a.id = s.account_id";

impl Site {
    pub(crate) fn from_row(r: &SqliteRow) -> Site {
        Site {
            id: SiteId(r.get("id")),
            name: r.get("name"),
            kind: r.get("kind"),
            url: r.get("url"),
            account: r.get("account"),
            secret_ref: r.get("secret_ref"),
            capabilities: r.get("capabilities"),
            state: SiteState::parse(r.get("state")),
            state_error: r.get("state_error"),
            credential_id: r.get("credential_id"),
            account_config: r.get("account_config"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Album {
    pub id: AlbumId,
    /// Where the source is: a folder's path, or the source's own location string.
    pub root: String,
    pub name: String,
    pub settings: String,
    /// Which Source implementation reads it ("folder", …).
    pub source_kind: String,
    /// Where a source with change cursors left off.
    pub source_cursor: Option<String>,
    /// Photos that vanished all at once and are not taken as deleted until the user confirms.
    pub held_removals: i64,
    /// The user confirmed them: the next pass takes them as deleted.
    pub removals_confirmed: bool,
    pub site_ids: Vec<SiteId>,
    /// Target sites pushed to only on request ("Sync now", `folio sync`), not by auto-sync.
    pub manual_site_ids: Vec<SiteId>,
    /// The account it reads with, for a source behind a sign-in.
    pub account_id: Option<i64>,
    /// The source asked Folio to wait until then (UTC, `YYYY-MM-DD HH:MM:SS UTC`).
    pub paused_until: Option<String>,
}

impl Album {
    pub(crate) fn from_row(r: &SqliteRow) -> Album {
        let ids: Option<String> = r.get("site_ids");
        let manual: Option<String> = r.try_get("manual_site_ids").unwrap_or_default();
        Album {
            id: AlbumId(r.get("id")),
            root: r.get("root"),
            name: r.get("name"),
            settings: r.get("settings"),
            source_kind: r.get("source_kind"),
            source_cursor: r.get("source_cursor"),
            held_removals: r.get("held_removals"),
            removals_confirmed: r.get::<i64, _>("removals_confirmed") != 0,
            site_ids: self::ids(ids, SiteId),
            manual_site_ids: self::ids(manual, SiteId),
            account_id: r.try_get("account_id").unwrap_or_default(),
            paused_until: r.try_get("paused_until").unwrap_or_default(),
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
    pub id: AssetId,
    pub album_id: AlbumId,
    pub rel_path: String,
    pub size: i64,
    pub mtime_ns: i64,
    pub content_hash: String,
    pub state: AssetState,
    pub error: Option<String>,
    /// The failure's code (`PhotoErrorCode`), where one was recorded.
    pub error_code: Option<String>,
}

impl Asset {
    pub(crate) fn from_row(r: &SqliteRow) -> Asset {
        Asset {
            id: AssetId(r.get("id")),
            album_id: AlbumId(r.get("album_id")),
            rel_path: r.get("rel_path"),
            size: r.get("size"),
            mtime_ns: r.get("mtime_ns"),
            content_hash: r.get("content_hash"),
            state: AssetState::parse(r.get("state")),
            error: r.get("error"),
            error_code: r.try_get("error_code").unwrap_or(None),
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
    /// Uploaded; the site is still processing it (`remote_id` is known, the URL may not be).
    Processing,
    Synced,
    Failed,
    /// The source photo is gone; the copy stays on the site (default delete policy).
    Orphaned,
    /// The source photo is gone and the album deletes it from the sites: the copy goes as soon
    /// as the site can be reached (a paused site's removals wait for it).
    Removing,
    /// A newer version was uploaded as a new item because the site cannot replace in place.
    Superseded,
    /// Removed from the site because its source was deleted and the album says so.
    Deleted,
}

impl PublicationState {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationState::Pending => "pending",
            PublicationState::Processing => "processing",
            PublicationState::Synced => "synced",
            PublicationState::Failed => "failed",
            PublicationState::Orphaned => "orphaned",
            PublicationState::Removing => "removing",
            PublicationState::Superseded => "superseded",
            PublicationState::Deleted => "deleted",
        }
    }
    fn parse(s: &str) -> PublicationState {
        match s {
            "synced" => PublicationState::Synced,
            "processing" => PublicationState::Processing,
            "failed" => PublicationState::Failed,
            "orphaned" => PublicationState::Orphaned,
            "removing" => PublicationState::Removing,
            "superseded" => PublicationState::Superseded,
            "deleted" => PublicationState::Deleted,
            _ => PublicationState::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub id: i64,
    pub asset_id: AssetId,
    pub site_id: SiteId,
    /// The duplicate-protection key, written before the upload starts.
    pub key: String,
    pub content_hash: String,
    pub preset_hash: String,
    pub remote_id: Option<RemoteId>,
    pub remote_url: Option<String>,
    pub thumbnail_url: Option<String>,
    /// The file type the site got (webp, avif, jpg, …).
    pub format: Option<String>,
    /// Which text the site got (`AlbumSettings::text_key`); `None` counts as current.
    pub text_key: Option<String>,
    pub state: PublicationState,
    pub last_error: Option<String>,
    /// The failure's code (`PhotoErrorCode`), where one was recorded.
    pub last_error_code: Option<String>,
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
            asset_id: AssetId(r.get("asset_id")),
            site_id: SiteId(r.get("site_id")),
            key: r.get("remote_key"),
            content_hash: r.get("content_hash"),
            preset_hash: r.get("preset_hash"),
            remote_id: r.get::<Option<String>, _>("remote_id").map(RemoteId),
            remote_url: r.get("remote_url"),
            thumbnail_url: r.get("thumbnail_url"),
            format: r.get("format"),
            text_key: r.get("text_key"),
            state: PublicationState::parse(r.get("state")),
            last_error: r.get("last_error"),
            last_error_code: r.try_get("last_error_code").unwrap_or(None),
            attempts: r.get("attempts"),
            age_secs: r.try_get("age_secs").unwrap_or(0),
            updated_at: r.try_get("updated_at").unwrap_or_default(),
        }
    }
}
