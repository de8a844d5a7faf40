//! Ids of the things Folio keeps. Local ids are SQLite row ids; a remote id is whatever the
//! site calls its item (WordPress: a number, Shopify: `gid://shopify/MediaImage/123`), so it is
//! a string everywhere outside the backend that made it.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! local_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        // Row ids stay far below 2^53, so a JavaScript number holds them exactly.
        pub struct $name(#[cfg_attr(feature = "specta", specta(type = f64))] pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

local_id!(
    /// A connected site (WordPress, Shopify, …).
    SiteId
);
local_id!(
    /// An album: one source root and its settings.
    AlbumId
);
local_id!(
    /// One source photo in an album; survives renames.
    AssetId
);

/// A site's own id for an item, opaque to everything but its backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoteId(pub String);

impl RemoteId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RemoteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for RemoteId {
    fn from(s: String) -> Self {
        RemoteId(s)
    }
}

impl From<&str> for RemoteId {
    fn from(s: &str) -> Self {
        RemoteId(s.to_string())
    }
}
