//! The Canva Connect API shapes Folio reads and sends, as the published OpenAPI document
//! (`api.yml`) defines them for `GET /v1/folders/{id}/items`, `GET /v1/designs/{id}`,
//! `POST /v1/exports`, `GET /v1/exports/{id}`, `GET /v1/users/me/profile` and the error body.
//! Shared by the client and the fake. Timestamps are Unix seconds.

use serde::{Deserialize, Serialize};

/// `DesignSummary` (in folder listings) and `Design` (from `GET /v1/designs/{id}`): only the
/// fields Folio reads. `page_count` is absent for designs without pages (Canva Docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Design {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Thumbnail>,
    pub urls: DesignLinks,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thumbnail {
    pub width: u32,
    pub height: u32,
    /// Expires after 15 minutes.
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesignLinks {
    pub edit_url: String,
    pub view_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folder {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `FolderItemSummary`, tagged by `type`. Images and brand templates are read and ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FolderItem {
    Folder {
        folder: Folder,
    },
    Design {
        design: Design,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FolderItems {
    pub items: Vec<FolderItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DesignAnswer {
    pub design: Design,
}

/// `GET /v1/folders/{folderId}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FolderAnswer {
    pub folder: Folder,
}

/// `ExportFormat`: the two Folio asks for. `pages` are 1-based; none means every page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExportFormat {
    Png {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pages: Vec<u32>,
    },
    Jpg {
        /// 1–100, required.
        quality: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pages: Vec<u32>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateExport {
    pub design_id: String,
    pub format: ExportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    InProgress,
    Success,
    Failed,
}

/// `ExportJob`: on success one URL per exported page, in page order, valid for 24 hours.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportJob {
    pub id: String,
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobAnswer {
    pub job: ExportJob,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub display_name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileAnswer {
    pub profile: Profile,
}

/// `{"code": "…", "message": "…"}`: every API error, and an export job's `error`
/// (`license_required`, `approval_required`, `internal_failure`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}
