//! What a Figma album's last look saw, kept as its cursor: the file's version and, per node,
//! its look, its item path and its render's size. A look whose file version has not moved asks
//! Figma nothing more; otherwise only frames whose look changed are rendered.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    #[serde(rename = "v")]
    pub version: String,
    #[serde(rename = "n")]
    pub items: BTreeMap<String, Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub look: String,
    pub path: String,
    pub size: u64,
    /// Figma could not render it (a `null` render): tried again when its look changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub failed: bool,
}

const PREFIX: &str = "figma1:";

impl Seen {
    /// The cursor a look returned; anything else (none, another source's) is nothing seen.
    pub fn parse(cursor: Option<&str>) -> Seen {
        cursor
            .and_then(|c| c.strip_prefix(PREFIX))
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }

    pub fn cursor(&self) -> String {
        format!("{PREFIX}{}", serde_json::to_string(self).expect("serialises"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_foreign_one_is_nothing() {
        let mut seen = Seen { version: "42".into(), ..Seen::default() };
        let item = Item { look: "ab".into(), path: "Page/Hero".into(), size: 9, failed: false };
        seen.items.insert("1:2".into(), item);
        assert_eq!(Seen::parse(Some(&seen.cursor())), seen);
        assert_eq!(Seen::parse(Some("canva1;x=1:2")), Seen::default());
        assert_eq!(Seen::parse(None), Seen::default());
    }
}
