//! The GraphQL documents Folio sends, and the parts of the answers it reads. Written against
//! the Admin API schema: variables carry every value, so nothing is escaped into a query.

use serde::Deserialize;

/// What Folio reads of a file, wherever one comes back.
const FILE_FIELDS: &str = "fragment FolioFile on File {
  id
  alt
  fileStatus
  fileErrors { code details message }
  ... on MediaImage { mimeType image { url } }
  ... on GenericFile { mimeType url }
}";

pub fn with_file_fields(document: &str) -> String {
    format!("{document}\n{FILE_FIELDS}")
}

pub const PROBE: &str = "query FolioProbe {
  shop { name myshopifyDomain }
  currentAppInstallation { accessScopes { handle } }
}";

pub const CHECK: &str = "query FolioCheck { shop { name } }";

/// The shop's published languages; needs the `read_locales` scope.
pub const LOCALES: &str = "query FolioLocales { shopLocales(published: true) { locale primary } }";

pub const STAGE: &str = "mutation FolioStage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) {
    stagedTargets { url resourceUrl parameters { name value } }
    userErrors { field message }
  }
}";

pub const CREATE: &str = "mutation FolioCreate($files: [FileCreateInput!]!) {
  fileCreate(files: $files) {
    files { ...FolioFile }
    userErrors { field message code }
  }
}";

pub const UPDATE: &str = "mutation FolioUpdate($files: [FileUpdateInput!]!) {
  fileUpdate(files: $files) {
    files { ...FolioFile }
    userErrors { field message code }
  }
}";

pub const DELETE: &str = "mutation FolioDelete($ids: [ID!]!) {
  fileDelete(fileIds: $ids) {
    deletedFileIds
    userErrors { field message code }
  }
}";

pub const ACKNOWLEDGE: &str = "mutation FolioAcknowledge($ids: [ID!]!) {
  fileAcknowledgeUpdateFailed(fileIds: $ids) {
    files { ...FolioFile }
    userErrors { field message code }
  }
}";

pub const NODES: &str = "query FolioNodes($ids: [ID!]!) {
  nodes(ids: $ids) { ...FolioFile }
}";

pub const FILES: &str = "query FolioFiles($first: Int!, $after: String, $query: String) {
  files(first: $first, after: $after, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes { ...FolioFile }
    pageInfo { hasNextPage endCursor }
  }
}";

#[derive(Debug, Deserialize)]
pub struct Probe {
    pub shop: Shop,
    #[serde(rename = "currentAppInstallation")]
    pub installation: Option<Installation>,
}

#[derive(Debug, Deserialize)]
pub struct Shop {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Check {
    #[allow(dead_code)]
    pub shop: Shop,
}

#[derive(Debug, Deserialize)]
pub struct Locales {
    #[serde(rename = "shopLocales")]
    pub shop_locales: Vec<ShopLocale>,
}

#[derive(Debug, Deserialize)]
pub struct ShopLocale {
    pub locale: String,
    pub primary: bool,
}

#[derive(Debug, Deserialize)]
pub struct Installation {
    #[serde(rename = "accessScopes")]
    pub access_scopes: Vec<Scope>,
}

#[derive(Debug, Deserialize)]
pub struct Scope {
    pub handle: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserError {
    pub message: String,
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FileError {
    pub code: Option<String>,
    pub details: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Url {
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub id: String,
    pub alt: Option<String>,
    pub file_status: String,
    #[serde(default)]
    pub file_errors: Vec<FileError>,
    pub mime_type: Option<String>,
    pub image: Option<Url>,
    /// Generic files have their URL here.
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staged {
    pub staged_uploads_create: StagedPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StagedPayload {
    #[serde(default)]
    pub staged_targets: Vec<Target>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub url: String,
    pub resource_url: String,
    pub parameters: Vec<Parameter>,
}

#[derive(Debug, Deserialize)]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FilesPayload {
    #[serde(default)]
    pub files: Option<Vec<File>>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub file_create: FilesPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Updated {
    pub file_update: FilesPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Acknowledged {
    pub file_acknowledge_update_failed: FilesPayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    pub file_delete: DeletePayload,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePayload {
    #[serde(default)]
    pub deleted_file_ids: Option<Vec<String>>,
    pub user_errors: Vec<UserError>,
}

#[derive(Debug, Deserialize)]
pub struct Files {
    pub files: Connection,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub nodes: Vec<File>,
    pub page_info: PageInfo,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}
