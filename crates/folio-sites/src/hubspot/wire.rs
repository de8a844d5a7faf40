//! HubSpot's file and search answers as the Files API sends them (`ModelFile`,
//! `CollectionResponseFile`; every field but the id treated as optional, as HubSpot asks), and
//! the upload options Folio sends.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub id: String,
    /// Without the extension.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub extension: String,
    /// In the file manager, with the extension: `/Folio/Harbour/dusk-0123456789ab.webp`.
    #[serde(default)]
    pub path: String,
    /// On the account's chosen file domain; it can change with the domain settings.
    pub url: Option<String>,
    /// On a HubSpot domain.
    pub default_hosting_url: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub access: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub results: Vec<File>,
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub struct Paging {
    pub next: Option<Next>,
}

#[derive(Debug, Deserialize)]
pub struct Next {
    pub after: String,
}

impl Search {
    pub fn after(&self) -> Option<String> {
        let next = self.paging.as_ref()?.next.as_ref()?;
        Some(next.after.clone()).filter(|a| !a.is_empty())
    }
}

impl File {
    /// The name the file was uploaded under: what Folio's duplicate key is.
    pub fn file_name(&self) -> String {
        if self.extension.is_empty() {
            self.name.clone()
        } else {
            format!("{}.{}", self.name, self.extension)
        }
    }

    pub fn address(&self) -> Option<&str> {
        let url = self.url.as_deref().filter(|u| !u.is_empty());
        url.or(self.default_hosting_url.as_deref()).filter(|u| !u.is_empty())
    }

    pub fn mime(&self) -> String {
        mime_of(&self.extension)
    }
}

pub fn mime_of(extension: &str) -> String {
    let ext = extension.to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg".into(),
        "webp" | "avif" | "png" | "gif" => format!("image/{ext}"),
        "" => "application/octet-stream".into(),
        other => format!("application/{other}"),
    }
}

/// Public, but search engines are asked not to index it (`X-Robots-Tag: noindex`): albums have
/// no "indexable" setting yet. A file is never overwritten (that deletes it and makes a new id)
/// and HubSpot's duplicate check is off, since Folio finds its own files by name.
pub fn upload_options() -> String {
    serde_json::json!({
        "access": "PUBLIC_NOT_INDEXABLE",
        "overwrite": false,
        "duplicateValidationStrategy": "NONE",
    })
    .to_string()
}

/// A replacement keeps the file's access as it is on HubSpot (someone may have changed it).
pub fn replace_options(access: &str) -> String {
    let access = if access.is_empty() { "PUBLIC_NOT_INDEXABLE" } else { access };
    serde_json::json!({ "access": access }).to_string()
}
