//! A folder on this computer (a Lightroom export folder, a synced Dropbox or Drive folder):
//! nothing to sign in to; an album is the folder's path.

use folio_model::{ConnectorInfo, Role};

pub const ID: &str = "folder";

pub fn connector() -> ConnectorInfo {
    ConnectorInfo {
        id: ID.into(),
        label: "Folder".into(),
        roles: vec![Role::Source],
        sign_in: vec![],
        fields: vec![],
    }
}
