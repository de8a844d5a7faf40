//! A Figma album's items from a node tree (`/nodes` or `/files` answer): the top-level frames,
//! components and sections of the pages in scope, and each one's *look*: a hash of what it
//! draws (fills, strokes, effects, text, its children and where they sit in it, its size),
//! leaving out what does not change the picture (ids, names, where it sits on the canvas,
//! prototype links, plugin data). A renamed or moved frame keeps its look, so it is not
//! rendered again; any visual edit, however small, changes it.

use super::location::{matches, Part};
use serde_json::Value;

/// One item: a frame, component or section at the top of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub id: String,
    /// The page's name (empty for a node album, whose answer does not say its page).
    pub page: String,
    pub name: String,
    pub width: f64,
    pub height: f64,
    pub look: String,
}

/// The node types that are items when they sit at the top of a page.
const ITEM_TYPES: [&str; 4] = ["FRAME", "COMPONENT", "COMPONENT_SET", "SECTION"];

/// What a node carries that does not change its picture.
const NOT_LOOK: [&str; 18] = [
    "id",
    "name",
    "absoluteBoundingBox",
    "absoluteRenderBounds",
    "relativeTransform",
    "transitionNodeID",
    "transitionDuration",
    "transitionEasing",
    "prototypeStartNodeID",
    "prototypeDevice",
    "flowStartingPoints",
    "interactions",
    "reactions",
    "pluginData",
    "sharedPluginData",
    "exportSettings",
    "componentPropertyReferences",
    "devStatus",
];

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

fn children(v: &Value) -> &[Value] {
    v["children"].as_array().map(Vec::as_slice).unwrap_or_default()
}

/// `(x, y, width, height)` of a node's bounding box.
fn bounds(v: &Value) -> (f64, f64, f64, f64) {
    let b = &v["absoluteBoundingBox"];
    let n = |k: &str| b[k].as_f64().unwrap_or(0.0);
    (n("x"), n("y"), n("width"), n("height"))
}

/// The album's items under `root` (a DOCUMENT, a CANVAS, or the node of a node album), those
/// whose name matches `glob`. `Err`: the page the album names is not in the file.
pub fn frames(root: &Value, part: &Part, glob: &str) -> Result<Vec<Frame>, String> {
    let pages: Vec<&Value> = match text(root, "type") {
        "DOCUMENT" => children(root).iter().filter(|p| text(p, "type") == "CANVAS").collect(),
        "CANVAS" => vec![root],
        _ => return Ok(item(root, "").into_iter().collect()),
    };
    let pages: Vec<&Value> = match part {
        Part::Page(wanted) => {
            let found: Vec<&Value> = pages
                .into_iter()
                .filter(|p| text(p, "id") == wanted || text(p, "name").trim() == wanted.trim())
                .collect();
            if found.is_empty() {
                return Err(format!("the Figma file has no page '{wanted}'"));
            }
            found
        }
        _ => pages,
    };
    let mut found = Vec::new();
    for page in pages {
        let name = text(page, "name").trim();
        for node in children(page) {
            if ITEM_TYPES.contains(&text(node, "type")) && matches(glob, text(node, "name")) {
                found.extend(item(node, name));
            }
        }
    }
    Ok(found)
}

/// A visible node as an item.
fn item(node: &Value, page: &str) -> Option<Frame> {
    if node["visible"] == Value::Bool(false) || text(node, "id").is_empty() {
        return None;
    }
    let (x, y, width, height) = bounds(node);
    let mut canonical = String::new();
    look(node, (x, y), &mut canonical);
    Some(Frame {
        id: text(node, "id").to_string(),
        page: page.to_string(),
        name: text(node, "name").trim().to_string(),
        width,
        height,
        look: blake3::hash(canonical.as_bytes()).to_hex()[..32].to_string(),
    })
}

/// Writes what `node` draws as text with sorted keys and rounded numbers, its box relative to
/// the item's `origin`, so the same picture always writes the same text.
fn look(node: &Value, origin: (f64, f64), out: &mut String) {
    let (x, y, w, h) = bounds(node);
    out.push_str(&format!("{{box:{:.2},{:.2},{:.2},{:.2}", x - origin.0, y - origin.1, w, h));
    let mut keys: Vec<&String> = match node.as_object() {
        Some(map) => map.keys().filter(|k| !NOT_LOOK.contains(&k.as_str())).collect(),
        None => Vec::new(),
    };
    keys.sort();
    for key in keys {
        out.push_str(&format!(",{key:?}:"));
        if key == "children" {
            out.push('[');
            for child in children(node) {
                look(child, origin, out);
                out.push(',');
            }
            out.push(']');
        } else {
            value(&node[key.as_str()], out);
        }
    }
    out.push('}');
}

fn value(v: &Value, out: &mut String) {
    match v {
        Value::Number(n) => match n.as_f64() {
            // Figma writes colours and sizes as floats whose last digits wander.
            Some(f) if !n.is_i64() && !n.is_u64() => out.push_str(&format!("{f:.3}")),
            _ => out.push_str(&n.to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for i in items {
                value(i, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> =
                map.keys().filter(|k| !NOT_LOOK.contains(&k.as_str())).collect();
            keys.sort();
            out.push('{');
            for k in keys {
                out.push_str(&format!("{k:?}:"));
                value(&map[k.as_str()], out);
                out.push(',');
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn frame(id: &str, name: &str, x: f64, fill: f64) -> Value {
        json!({"id": id, "name": name, "type": "FRAME", "visible": true,
            "absoluteBoundingBox": {"x": x, "y": 0.0, "width": 1200.0, "height": 630.0},
            "fills": [{"type": "SOLID", "color": {"r": fill, "g": 0.2, "b": 0.3, "a": 1.0}}],
            "children": [{"id": format!("{id}0"), "name": "Title", "type": "TEXT", "characters": "Spring",
                "absoluteBoundingBox": {"x": x + 10.0, "y": 10.0, "width": 100.0, "height": 20.0}}]})
    }

    fn document(pages: Vec<Value>) -> Value {
        json!({"id": "0:0", "type": "DOCUMENT", "children": pages})
    }

    fn page(id: &str, name: &str, nodes: Vec<Value>) -> Value {
        json!({"id": id, "name": name, "type": "CANVAS", "children": nodes})
    }

    #[test]
    fn a_rename_or_a_move_keeps_the_look_and_an_edit_changes_it() {
        let look = |node: Value| item(&node, "Page").unwrap().look;
        let base = look(frame("1:2", "Hero", 0.0, 0.1));
        assert_eq!(look(frame("1:2", "Hero renamed", 0.0, 0.1)), base);
        assert_eq!(look(frame("1:2", "Hero", 500.0, 0.1)), base, "moved on the canvas");
        assert_ne!(
            look(frame("1:2", "Hero", 0.0, 0.105)),
            base,
            "a fill edited by a shade (one step of 255 is 0.004)"
        );
        let mut text_edit = frame("1:2", "Hero", 0.0, 0.1);
        text_edit["children"][0]["characters"] = json!("Summer");
        assert_ne!(look(text_edit), base);
        let mut child_moved = frame("1:2", "Hero", 0.0, 0.1);
        child_moved["children"][0]["absoluteBoundingBox"]["x"] = json!(30.0);
        assert_ne!(look(child_moved), base, "a child moved inside the frame");
        let noise = frame("1:2", "Hero", 0.0, 0.100_000_01);
        assert_eq!(look(noise), base, "float noise is not an edit");
    }

    #[test]
    fn items_are_the_top_level_frames_of_the_pages_in_scope() {
        let group = json!({"id": "1:9", "name": "Loose", "type": "GROUP",
            "absoluteBoundingBox": {"x": 0.0, "y": 0.0, "width": 10.0, "height": 10.0}});
        let hidden = json!({"id": "1:8", "name": "Hidden", "type": "FRAME", "visible": false});
        let doc = document(vec![
            page("0:1", "Banners", vec![frame("1:2", "Hero", 0.0, 0.1), group, hidden]),
            page(
                "0:2",
                "Ads",
                vec![frame("2:2", "Ad 1", 0.0, 0.5), frame("2:3", "Story", 0.0, 0.6)],
            ),
        ]);
        let ids = |part: &Part, glob: &str| -> Vec<String> {
            frames(&doc, part, glob)
                .unwrap()
                .into_iter()
                .map(|f| format!("{}/{}", f.page, f.name))
                .collect()
        };
        assert_eq!(ids(&Part::File, ""), ["Banners/Hero", "Ads/Ad 1", "Ads/Story"]);
        assert_eq!(ids(&Part::Page("Ads".into()), ""), ["Ads/Ad 1", "Ads/Story"]);
        assert_eq!(ids(&Part::Page("0:1".into()), ""), ["Banners/Hero"]);
        assert_eq!(ids(&Part::File, "ad*"), ["Ads/Ad 1"]);
        assert!(frames(&doc, &Part::Page("Nope".into()), "")
            .unwrap_err()
            .contains("no page 'Nope'"));
        let one = frames(&frame("1:2", "Hero", 0.0, 0.1), &Part::Node("1:2".into()), "").unwrap();
        assert_eq!((one.len(), one[0].width, one[0].height), (1, 1200.0, 630.0));
    }
}
