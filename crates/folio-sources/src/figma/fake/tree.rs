//! The fake's documents: pages of nodes, each with a look that edits move on, and their JSON
//! as the REST API writes it, `depth` and `ids` trimming the tree.

use super::render::Fixed;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Node types that hold children; the others (TEXT, RECTANGLE, VECTOR, …) are leaves.
const CONTAINERS: &[&str] =
    &["DOCUMENT", "CANVAS", "FRAME", "GROUP", "SECTION", "COMPONENT", "COMPONENT_SET", "INSTANCE"];

/// Room left between top-level nodes, as a designer lays frames out side by side.
const GAP: f64 = 100.0;

pub(super) struct File {
    pub name: String,
    pub version: u64,
    /// Unix seconds of the last change: `last_touched_at` and `lastModified`.
    pub touched_at: i64,
    pub pages: Vec<Node>,
    next_page: u32,
    next_node: u32,
}

pub(super) struct Node {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// The absolute bounding box; pages have none.
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Moved on by every edit of how the node looks: its fills and renders derive from it.
    pub look: u64,
    pub children: Vec<Node>,
    /// Its renders fail (a null URL).
    pub fails: bool,
    /// What its renders serve instead of drawn pixels.
    pub fixed: Option<Fixed>,
}

impl File {
    pub fn new(name: &str, at: i64) -> File {
        File {
            name: name.into(),
            version: 1,
            touched_at: at,
            pages: Vec::new(),
            next_page: 0,
            next_node: 1,
        }
    }

    pub fn add_page(&mut self, name: &str) -> String {
        self.next_page += 1;
        let id = format!("0:{}", self.next_page);
        self.pages.push(Node::new(&id, "CANVAS", name, 0.0, 0.0, 0.0, 0.0));
        id
    }

    /// A node at the top of `page`, right of the others; containers hold a RECTANGLE as
    /// their background, so a test can edit or remove a child.
    pub fn add_top(
        &mut self,
        page: &str,
        kind: &str,
        name: &str,
        width: f64,
        height: f64,
    ) -> String {
        let id = self.node_id();
        let child_id = self.node_id();
        let page = self.pages.iter_mut().find(|p| p.id == page).expect("the page exists");
        let x = page.children.iter().map(|n| n.x + n.width + GAP).fold(0.0, f64::max);
        let mut node = Node::new(&id, kind, name, x, 0.0, width, height);
        if node.is_container() {
            node.children.push(Node::new(
                &child_id,
                "RECTANGLE",
                "Background",
                x,
                0.0,
                width,
                height,
            ));
        }
        page.children.push(node);
        id
    }

    fn node_id(&mut self) -> String {
        self.next_node += 1;
        format!("1:{}", self.next_node)
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.pages.iter().find_map(|p| p.find(id))
    }

    /// The node a test names, which must exist.
    pub fn node_mut(&mut self, id: &str) -> &mut Node {
        self.pages
            .iter_mut()
            .find_map(|p| p.find_mut(id))
            .unwrap_or_else(|| panic!("no node {id} in the fake Figma file"))
    }

    /// Deletes a page or a node; what held the node looks different without it.
    pub fn remove(&mut self, id: &str) {
        fn remove_in(holder: &mut Node, id: &str) -> bool {
            if let Some(at) = holder.children.iter().position(|n| n.id == id) {
                holder.children.remove(at);
                holder.look += 1;
                return true;
            }
            holder.children.iter_mut().any(|n| remove_in(n, id))
        }
        if let Some(at) = self.pages.iter().position(|p| p.id == id) {
            self.pages.remove(at);
            return;
        }
        assert!(
            self.pages.iter_mut().any(|p| remove_in(p, id)),
            "no node {id} in the fake Figma file"
        );
    }

    /// The DOCUMENT node, `depth` levels deep (all of it if `None`); with `ids`, only those
    /// nodes (whole) and what leads to them.
    pub fn document(&self, depth: Option<u32>, ids: Option<&HashSet<String>>) -> Value {
        let below = depth.map(|d| d - 1);
        let pages: Vec<Value> = match ids {
            None => self.pages.iter().map(|p| p.json(below)).collect(),
            Some(ids) => self.pages.iter().filter_map(|p| p.subset(ids, below)).collect(),
        };
        json!({"id": "0:0", "name": "Document", "type": "DOCUMENT", "children": pages})
    }
}

impl Node {
    fn new(id: &str, kind: &str, name: &str, x: f64, y: f64, width: f64, height: f64) -> Node {
        Node {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
            x,
            y,
            width,
            height,
            look: 0,
            children: Vec::new(),
            fails: false,
            fixed: None,
        }
    }

    pub fn is_container(&self) -> bool {
        CONTAINERS.contains(&self.kind.as_str())
    }

    fn find(&self, id: &str) -> Option<&Node> {
        if self.id == id {
            return Some(self);
        }
        self.children.iter().find_map(|n| n.find(id))
    }

    fn find_mut(&mut self, id: &str) -> Option<&mut Node> {
        if self.id == id {
            return Some(self);
        }
        self.children.iter_mut().find_map(|n| n.find_mut(id))
    }

    /// Moves the node and what it holds (their boxes are absolute).
    pub fn shift(&mut self, dx: f64, dy: f64) {
        self.x += dx;
        self.y += dy;
        for n in &mut self.children {
            n.shift(dx, dy);
        }
    }

    /// Its own fill colour, from its id and look.
    fn colour(&self) -> [u8; 3] {
        let d = Sha256::digest(format!("{}#{}", self.id, self.look));
        [d[0], d[1], d[2]]
    }

    /// What its renders are drawn from: every look in it, and which nodes it holds.
    pub fn tint(&self) -> [u8; 3] {
        fn feed(n: &Node, h: &mut Sha256) {
            h.update(format!("{}#{};", n.id, n.look));
            n.children.iter().for_each(|c| feed(c, h));
        }
        let mut h = Sha256::new();
        feed(self, &mut h);
        let d = h.finalize();
        [d[0], d[1], d[2]]
    }

    /// The node as the REST API writes it; `depth` more levels of children (all if `None`).
    pub fn json(&self, depth: Option<u32>) -> Value {
        let mut v = json!({"id": self.id, "name": self.name, "type": self.kind});
        if self.kind == "CANVAS" {
            v["backgroundColor"] =
                json!({"r": 0.9607843, "g": 0.9607843, "b": 0.9607843, "a": 1.0});
        } else {
            let bounds =
                json!({"x": self.x, "y": self.y, "width": self.width, "height": self.height});
            let [r, g, b] = self.colour().map(|c| f64::from(c) / 255.0);
            v["visible"] = json!(true);
            v["absoluteBoundingBox"] = bounds.clone();
            v["absoluteRenderBounds"] = bounds;
            v["fills"] = json!([{"type": "SOLID", "color": {"r": r, "g": g, "b": b, "a": 1.0}}]);
            v["strokes"] = json!([]);
            v["effects"] = json!([]);
            v["blendMode"] = json!("PASS_THROUGH");
            if self.kind == "TEXT" {
                v["characters"] = json!(self.name);
            }
        }
        if self.is_container() && depth != Some(0) {
            let below = depth.map(|d| d - 1);
            v["children"] = self.children.iter().map(|n| n.json(below)).collect();
        }
        v
    }

    /// The node trimmed to `ids`: a listed node whole, one leading to listed nodes with only
    /// those children, `None` otherwise.
    fn subset(&self, ids: &HashSet<String>, depth: Option<u32>) -> Option<Value> {
        if ids.contains(&self.id) {
            return Some(self.json(depth));
        }
        if depth == Some(0) {
            return None;
        }
        let below = depth.map(|d| d - 1);
        let kids: Vec<Value> = self.children.iter().filter_map(|n| n.subset(ids, below)).collect();
        if kids.is_empty() {
            return None;
        }
        let mut v = self.json(Some(0));
        v["children"] = Value::Array(kids);
        Some(v)
    }
}
