//! The Dropbox API v2 shapes Folio reads and sends, as documented for `files/list_folder`,
//! `list_folder/continue`, `list_folder/longpoll`, `files/download`, `get_thumbnail_batch`
//! and the error bodies. Shared by the client and the fake.

use serde::{Deserialize, Serialize};

/// One entry of a listing, tagged by `.tag`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = ".tag", rename_all = "lowercase")]
pub enum Entry {
    File(FileEntry),
    Folder(FolderEntry),
    Deleted(DeletedEntry),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub id: String,
    pub path_lower: String,
    pub path_display: String,
    pub client_modified: String,
    pub server_modified: String,
    pub rev: String,
    pub size: u64,
    /// Absent while a file is still being uploaded to Dropbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// False for files Dropbox will not serve (cloud-only documents, some shared files).
    #[serde(default = "yes")]
    pub is_downloadable: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderEntry {
    pub name: String,
    pub id: String,
    pub path_lower: String,
    pub path_display: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedEntry {
    pub name: String,
    pub path_lower: String,
    pub path_display: String,
}

impl Entry {
    pub fn path_lower(&self) -> &str {
        match self {
            Entry::File(f) => &f.path_lower,
            Entry::Folder(f) => &f.path_lower,
            Entry::Deleted(d) => &d.path_lower,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListFolderArg {
    pub path: String,
    pub recursive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CursorArg {
    pub cursor: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LongpollArg {
    pub cursor: String,
    /// 30 to 480 seconds.
    pub timeout: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListFolderResult {
    pub entries: Vec<Entry>,
    pub cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LongpollResult {
    pub changes: bool,
    /// Seconds the client must wait before the next long poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathArg {
    pub path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThumbnailArg {
    pub path: String,
    pub format: String,
    pub size: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThumbnailBatchArg {
    pub entries: Vec<ThumbnailArg>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ThumbnailBatchResult {
    pub entries: Vec<ThumbnailResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = ".tag", rename_all = "lowercase")]
pub enum ThumbnailResult {
    Success { metadata: FileEntry, thumbnail: String },
    Failure { failure: serde_json::Value },
}

/// `{"error_summary": "path/not_found/..", "error": {…}}`, and for 429 the `retry_after`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ApiErrorBody {
    #[serde(default)]
    pub error_summary: String,
    #[serde(default)]
    pub error: serde_json::Value,
}

impl ApiErrorBody {
    pub fn retry_after(&self) -> Option<u64> {
        self.error.get("retry_after").and_then(|v| v.as_u64())
    }
}
