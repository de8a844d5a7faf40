//! A photo's kept versions: listing them, their files and thumbnails, forgetting them with
//! their photos, and putting one back on the sites.

pub mod restore;
pub mod versions;
