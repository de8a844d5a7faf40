//! A Figma file as the picker shows it: its pages (folders, with how many items each holds),
//! and a page's frames, components and sections (each an album of its own, `KEY/node/ID`).
//! Read from one `depth=2` outline of the file.

use super::location::{Part, Scope};
use super::look;
use crate::account::Entry;
use serde_json::Value;

pub fn entries(scope: &Scope, document: &Value) -> Vec<Entry> {
    let frames = look::frames(document, &Part::File, "").unwrap_or_default();
    match &scope.part {
        Part::File => pages(document)
            .into_iter()
            .map(|page| Entry {
                path: format!("{}/{page}", scope.key),
                count: Some(frames.iter().filter(|f| f.page == page).count() as u32),
                name: page,
                folder: true,
                preview: false,
            })
            .collect(),
        Part::Page(wanted) => {
            let page = pages_by(document, wanted);
            frames
                .into_iter()
                .filter(|f| page.as_deref() == Some(f.page.as_str()))
                .map(|f| Entry {
                    path: format!("{}/node/{}", scope.key, f.id),
                    name: f.name,
                    folder: false,
                    count: None,
                    // A tile with its own Sync; Folio renders nothing for it (a render is a
                    // Tier 1 call), so the tile shows no picture.
                    preview: true,
                })
                .collect()
        }
        Part::Node(_) => Vec::new(),
    }
}

/// The page names, in the file's order.
fn pages(document: &Value) -> Vec<String> {
    let all = document["children"].as_array().map(Vec::as_slice).unwrap_or_default();
    all.iter()
        .filter(|p| p["type"] == "CANVAS")
        .filter_map(|p| p["name"].as_str().map(|n| n.trim().to_string()))
        .collect()
}

/// The page a location names, by its name or its id.
fn pages_by(document: &Value, wanted: &str) -> Option<String> {
    let all = document["children"].as_array().map(Vec::as_slice).unwrap_or_default();
    all.iter()
        .filter(|p| p["type"] == "CANVAS")
        .find(|p| {
            p["id"] == wanted || p["name"].as_str().is_some_and(|n| n.trim() == wanted.trim())
        })
        .and_then(|p| p["name"].as_str().map(|n| n.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(id: &str, name: &str) -> Value {
        json!({"id": id, "name": name, "type": "FRAME", "visible": true,
               "absoluteBoundingBox": {"x": 0, "y": 0, "width": 100, "height": 50}})
    }

    #[test]
    fn a_file_lists_its_pages_and_a_page_its_frames_as_albums_of_one() {
        let document = json!({"type": "DOCUMENT", "children": [
            {"id": "0:1", "name": "Banners", "type": "CANVAS", "children": [frame("1:2", "Hero"), frame("1:3", "Story"),
              {"id": "1:4", "name": "note", "type": "TEXT"}]},
            {"id": "0:2", "name": "Ads", "type": "CANVAS", "children": [frame("2:1", "Ad 1")]},
        ]});
        let file = Scope::parse("KEY1").unwrap();
        let pages = entries(&file, &document);
        let listed: Vec<(&str, &str, Option<u32>, bool)> =
            pages.iter().map(|e| (e.path.as_str(), e.name.as_str(), e.count, e.folder)).collect();
        assert_eq!(
            listed,
            [("KEY1/Banners", "Banners", Some(2), true), ("KEY1/Ads", "Ads", Some(1), true)]
        );
        let page = Scope::parse("KEY1/Banners").unwrap();
        let frames = entries(&page, &document);
        let listed: Vec<(&str, &str)> =
            frames.iter().map(|e| (e.path.as_str(), e.name.as_str())).collect();
        assert_eq!(listed, [("KEY1/node/1:2", "Hero"), ("KEY1/node/1:3", "Story")]);
        assert!(frames.iter().all(|e| !e.folder && e.preview));
        assert_eq!(
            entries(&Scope::parse("KEY1/0:2").unwrap(), &document).len(),
            1,
            "a page by its id"
        );
    }
}
