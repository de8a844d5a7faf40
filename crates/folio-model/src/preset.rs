//! Conversion settings and the hash that keys renditions by them.

use serde::{Deserialize, Serialize};

/// Bumped whenever the pipeline's output for the same preset changes (new resize filter, colour
/// handling, …), so every cached rendition is re-made once instead of silently going stale.
pub const PIPELINE_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub enum OutputFormat {
    #[default]
    Webp,
    Avif,
    Jpeg,
    /// The source file itself when it is already web-ready (size, orientation, format); otherwise
    /// re-encoded in the closest web format. The metadata policy applies either way.
    Original,
}

impl OutputFormat {
    pub fn extension(self) -> Option<&'static str> {
        match self {
            OutputFormat::Webp => Some("webp"),
            OutputFormat::Avif => Some("avif"),
            OutputFormat::Jpeg => Some("jpg"),
            OutputFormat::Original => None,
        }
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "webp" => Ok(OutputFormat::Webp),
            "avif" => Ok(OutputFormat::Avif),
            "jpeg" | "jpg" => Ok(OutputFormat::Jpeg),
            "original" => Ok(OutputFormat::Original),
            other => {
                Err(format!("unknown format '{other}' (expected webp, avif, jpeg or original)"))
            }
        }
    }
}

/// Which metadata reaches the published file. Location is off by default: a photo on a website
/// must not reveal where the photographer lives. Credit (creator, copyright) is on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MetadataPolicy {
    pub keep_location: bool,
    pub keep_credit: bool,
    /// Camera, lens and capture date.
    pub keep_camera: bool,
    /// Title, caption, headline, keywords and rating.
    pub keep_description: bool,
}

impl Default for MetadataPolicy {
    fn default() -> Self {
        MetadataPolicy {
            keep_location: false,
            keep_credit: true,
            keep_camera: true,
            keep_description: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Preset {
    pub format: OutputFormat,
    /// 1–100.
    pub quality: u8,
    /// Longest edge of the output; never upscaled. 2560 is WordPress's `-scaled` threshold.
    pub max_edge: u32,
    /// AVIF encoder speed, 1 (slowest, smallest) – 10 (fastest).
    pub avif_speed: u8,
    pub metadata: MetadataPolicy,
}

impl Default for Preset {
    fn default() -> Self {
        Preset {
            format: OutputFormat::Webp,
            quality: 82,
            max_edge: 2560,
            avif_speed: 6,
            metadata: MetadataPolicy::default(),
        }
    }
}

impl Preset {
    /// A stable hash of everything that affects the output bytes. Together with the source's
    /// content hash it keys the rendition cache: change either and the photo is re-rendered.
    pub fn hash(&self) -> String {
        // serde_json writes struct fields in declaration order, so the encoding is stable.
        let canonical = serde_json::to_vec(&(PIPELINE_VERSION, self)).expect("preset serialises");
        blake3::hash(&canonical).to_hex()[..16].to_string()
    }
}

/// Content hash of source bytes: identity that survives renames and moves.
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_hash_changes_with_any_setting() {
        let base = Preset::default();
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(base.hash()));
        let variants = [
            Preset { quality: 83, ..base.clone() },
            Preset { max_edge: 2048, ..base.clone() },
            Preset { format: OutputFormat::Avif, ..base.clone() },
            Preset {
                metadata: MetadataPolicy { keep_location: true, ..Default::default() },
                ..base.clone()
            },
        ];
        for v in variants {
            assert!(seen.insert(v.hash()), "{v:?} collides");
        }
        assert_eq!(base.hash(), Preset::default().hash(), "hash must be deterministic");
    }

    #[test]
    fn content_hash_is_blake3_hex() {
        assert_eq!(content_hash(b"abc").len(), 64);
        assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
    }
}
