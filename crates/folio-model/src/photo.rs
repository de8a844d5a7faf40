//! A photo as the front ends show it.

use serde::{Deserialize, Serialize};

/// The badge a photo shows, per site and overall (the worst of its sites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum PhotoState {
    Synced,
    /// Gone from the folder; its copy stays on the site.
    Orphaned,
    Pending,
    /// A newer version is in the folder than on the site.
    Changed,
    Failed,
}

/// Per-photo text that replaces the album's pattern results; `None` keeps the pattern's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TextOverrides {
    pub title: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
}
