//! A Figma file (or one page, or one frame or section) as an album: its top-level frames,
//! components and sections are the items, named `Page/Frame`, rendered as PNG at the album's
//! scale and converted like any photo.
//!
//! Figma counts its Tier 1 calls (reading a file's nodes, rendering) by the month on Starter
//! files, so a look is frugal: `/meta` first (cheap); only when the file's version moved, one
//! `/nodes` call; each frame's *look* ([`look`]) decides which changed; one `/images` call
//! renders those only, downloaded at once. A look with nothing changed makes no Tier 1 call; a
//! renamed or moved frame is reported under its new name with the same content hash, which the
//! engine takes as a rename (nothing uploaded again).
//!
//! The account is a pasted personal access token ([`account`]).

pub mod account;
pub mod api;
pub mod connector;
#[cfg(feature = "testing")]
pub mod fake;
pub mod location;
pub mod look;
mod outline;
pub mod seen;

use crate::{Changes, Known, LocalCopy, Source, SourceError, SourceErrorKind as Kind, SourceItem};
use api::FigmaApi;
use location::{Part, Scope};
use look::Frame;
use seen::Seen;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// Figma's largest render: bigger ones are scaled down by Figma, so Folio asks for a scale
/// that fits.
const MAX_RENDER_PIXELS: f64 = 32_000_000.0;

/// The scale frames are rendered at unless the album says otherwise.
pub const DEFAULT_SCALE: f64 = 2.0;

/// What an album picks and how it renders: frames whose name matches `glob` (all when empty),
/// at `scale` (0.01–4).
#[derive(Debug, Clone, PartialEq)]
pub struct FigmaOptions {
    pub glob: String,
    pub scale: f64,
}

impl Default for FigmaOptions {
    fn default() -> Self {
        FigmaOptions { glob: String::new(), scale: DEFAULT_SCALE }
    }
}

pub struct FigmaSource {
    api: FigmaApi,
    scope: Scope,
    options: FigmaOptions,
    spool: PathBuf,
    /// The renders of the last look, by item path, for [`Source::fetch`].
    rendered: Mutex<HashMap<String, PathBuf>>,
    /// Each item's node and render scale, by path, to render one again.
    nodes: Mutex<HashMap<String, (String, f64)>>,
}

/// The scale at which a `width` × `height` frame renders within Figma's cap: the album's, or
/// less (two decimals, rounded down).
pub fn scale_for(wanted: f64, width: f64, height: f64) -> f64 {
    let wanted = wanted.clamp(0.01, 4.0);
    let area = (width * height).max(1.0);
    let fits = (MAX_RENDER_PIXELS / area).sqrt();
    let scale = if wanted * wanted * area > MAX_RENDER_PIXELS { fits } else { wanted };
    ((scale * 100.0).floor() / 100.0).max(0.01)
}

/// Each frame's item path: `Page/Frame` (the frame alone in a node album), `/` in names
/// written `-`, and the node id added where a page has two frames of one name.
fn paths(frames: &[Frame]) -> Vec<String> {
    let clean = |s: &str| s.replace('/', "-");
    let base = |f: &Frame| match f.page.as_str() {
        "" => clean(&f.name),
        page => format!("{}/{}", clean(page), clean(&f.name)),
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for f in frames {
        *count.entry(base(f)).or_default() += 1;
    }
    frames
        .iter()
        .map(|f| match base(f) {
            b if count[&b] > 1 => format!("{b} ({})", f.id),
            b => b,
        })
        .collect()
}

/// Nanoseconds since 1970 of Figma's ISO 8601 times; 0 when it cannot be read.
fn iso_ns(text: &str) -> i64 {
    folio_model::time::iso_ns(text).unwrap_or(0)
}

impl FigmaSource {
    /// The album at `location` (`ACCOUNT:` optional, then a place and its options, as
    /// [`location::options`] reads them).
    pub fn at(api: FigmaApi, location: &str, spool: PathBuf) -> Option<Self> {
        let (place, options) = location::options(location::place(location));
        FigmaSource::new(api, &place, options, spool)
    }

    /// The album at `location` (a key, `KEY/PAGE`, `KEY/node/ID` or a Figma address); renders
    /// go to `spool`. `None`: not a Figma location.
    pub fn new(
        api: FigmaApi,
        location: &str,
        options: FigmaOptions,
        spool: PathBuf,
    ) -> Option<Self> {
        let scope = Scope::parse(location)?;
        Some(FigmaSource {
            api,
            scope,
            options,
            spool,
            rendered: Mutex::default(),
            nodes: Mutex::default(),
        })
    }

    /// The album's part of the file, in one Tier 1 call: `/nodes` of the page or node, or of
    /// the document (`0:0`) for a whole file; the whole file where `/nodes` has no document.
    async fn tree(&self) -> Result<serde_json::Value, SourceError> {
        let key = &self.scope.key;
        let id = match &self.scope.part {
            Part::Node(id) => id.clone(),
            Part::Page(page) if location::is_node_id(page) => page.clone(),
            _ => "0:0".to_string(),
        };
        let answer = self.api.nodes(key, std::slice::from_ref(&id)).await?;
        match answer.nodes.get(&id).cloned().flatten() {
            Some(node) => Ok(node),
            None if id == "0:0" => Ok(self.api.file(key).await?.0),
            None => Err(SourceError::new(
                Kind::Gone,
                format!("the Figma file has no node {id} any more (deleted?)"),
            )),
        }
    }

    /// Renders `frames` (node id, path, scale) in as few `/images` calls as scales; each
    /// render downloaded at once. By path: its file and size, or why not.
    async fn render(
        &self,
        frames: &[(String, String, f64)],
    ) -> Result<BTreeMap<String, Result<(PathBuf, u64), String>>, SourceError> {
        let mut by_scale: BTreeMap<u64, Vec<&(String, String, f64)>> = BTreeMap::new();
        for f in frames {
            by_scale.entry((f.2 * 100.0).round() as u64).or_default().push(f);
        }
        tokio::fs::create_dir_all(&self.spool).await.map_err(|e| {
            SourceError::new(Kind::Unavailable, format!("{}: {e}", self.spool.display()))
        })?;
        let mut done = BTreeMap::new();
        for (hundredths, group) in by_scale {
            let ids: Vec<String> = group.iter().map(|f| f.0.clone()).collect();
            let urls = self.api.images(&self.scope.key, &ids, hundredths as f64 / 100.0).await;
            let urls = match urls {
                Ok(urls) => urls,
                Err(e) if e.kind == Kind::Item => {
                    for (_, path, _) in group {
                        done.insert(path.clone(), Err(e.message.clone()));
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            for (id, path, _) in group {
                let Some(Some(url)) = urls.get(id) else {
                    let why = "Figma could not render this frame (its render came back empty)";
                    done.insert(path.clone(), Err(why.to_string()));
                    continue;
                };
                let name = format!(
                    "{}-{}-{}.png",
                    self.scope.key,
                    id.replace([':', ';'], "_"),
                    done.len()
                );
                let dest = self.spool.join(name);
                let got = match self.api.download(url, &dest, crate::MAX_ITEM_BYTES).await {
                    Ok(Some(size)) => Ok((dest, size)),
                    Ok(None) => {
                        Err("the render's address expired; the next look renders it again".into())
                    }
                    Err(e) if e.kind == Kind::Item => Err(e.message),
                    Err(e) => return Err(e),
                };
                done.insert(path.clone(), got);
            }
        }
        Ok(done)
    }
}

#[async_trait::async_trait]
impl Source for FigmaSource {
    async fn changes(
        &self,
        cursor: Option<&str>,
        known: &HashMap<String, Known>,
    ) -> Result<Changes, SourceError> {
        let seen = Seen::parse(cursor);
        let meta = self.api.meta(&self.scope.key).await?;
        let whole = seen.items.values().all(|i| i.failed || known.contains_key(&i.path));
        if !seen.version.is_empty() && seen.version == meta.version && whole {
            return Ok(Changes { cursor: Some(seen.cursor()), ..Changes::default() });
        }
        let tree = self.tree().await?;
        let frames = look::frames(&tree, &self.scope.part, &self.options.glob)
            .map_err(|why| SourceError::new(Kind::Gone, why))?;
        let paths = paths(&frames);
        let modified_ns = iso_ns(&meta.last_touched_at);
        let mut next = Seen { version: meta.version.clone(), items: BTreeMap::new() };
        let mut changes = Changes::default();
        let mut to_render = Vec::new();
        let mut nodes = HashMap::new();
        for (f, path) in frames.iter().zip(&paths) {
            let scale = scale_for(self.options.scale, f.width, f.height);
            nodes.insert(path.clone(), (f.id.clone(), scale));
            let before = seen.items.get(&f.id).filter(|i| i.look == f.look);
            let item =
                |size| seen::Item { look: f.look.clone(), path: path.clone(), size, failed: false };
            match before {
                // Figma could not render this look: asked again once the frame changes, not on
                // every edit elsewhere in the file (its error stays where the last look put it).
                Some(b) if b.failed => {
                    next.items.insert(f.id.clone(), seen::Item { path: path.clone(), ..b.clone() });
                }
                // Same look where the store has it: nothing to do.
                Some(b) if b.path == *path && known.contains_key(path) => {
                    next.items.insert(f.id.clone(), item(b.size));
                }
                // Renamed (or moved between pages) with the same look: the same content under a
                // new path, which the engine keeps as the same photo.
                Some(b) if b.path != *path && known.contains_key(&b.path) => {
                    changes.removed.push(b.path.clone());
                    changes.changed.push(SourceItem {
                        path: path.clone(),
                        size: b.size,
                        modified_ns,
                        content_hash: format!("figma:{}", f.look),
                        revision: Some(meta.version.clone()),
                    });
                    next.items.insert(f.id.clone(), item(b.size));
                }
                _ => to_render.push((f.id.clone(), path.clone(), scale, f.look.clone())),
            }
        }
        for (id, item) in &seen.items {
            if !frames.iter().any(|f| f.id == *id) && known.contains_key(&item.path) {
                changes.removed.push(item.path.clone());
            }
        }
        let asked: Vec<(String, String, f64)> = to_render
            .iter()
            .map(|(id, path, scale, _)| (id.clone(), path.clone(), *scale))
            .collect();
        let renders = if asked.is_empty() { BTreeMap::new() } else { self.render(&asked).await? };
        let mut rendered = self.rendered.lock().expect("renders");
        for (id, path, _, look) in to_render {
            match renders.get(&path) {
                Some(Ok((file, size))) => {
                    rendered.insert(path.clone(), file.clone());
                    changes.changed.push(SourceItem {
                        path: path.clone(),
                        size: *size,
                        modified_ns,
                        content_hash: format!("figma:{look}"),
                        revision: Some(meta.version.clone()),
                    });
                    next.items.insert(id, seen::Item { look, path, size: *size, failed: false });
                }
                Some(Err(why)) => {
                    changes.unreadable.push((path.clone(), why.clone()));
                    next.items.insert(id, seen::Item { look, path, size: 0, failed: true });
                }
                None => {}
            }
        }
        drop(rendered);
        *self.nodes.lock().expect("nodes") = nodes;
        changes.cursor = Some(next.cursor());
        Ok(changes)
    }

    async fn fetch(&self, path: &str) -> Result<LocalCopy, SourceError> {
        if let Some(file) = self.rendered.lock().expect("renders").remove(path) {
            return Ok(LocalCopy::Downloaded(file));
        }
        // Not rendered by this process's last look (a restart between the look and the
        // upload): rendered again on its own.
        let node = self.nodes.lock().expect("nodes").get(path).cloned();
        let Some((id, scale)) = node else {
            return Err(SourceError::new(
                Kind::Item,
                format!("{path} is not a frame of the Figma album's last look"),
            ));
        };
        let done = self.render(&[(id, path.to_string(), scale)]).await?;
        match done.into_values().next() {
            Some(Ok((file, _))) => Ok(LocalCopy::Downloaded(file)),
            Some(Err(why)) => Err(SourceError::new(Kind::Item, why)),
            None => Err(SourceError::new(Kind::Item, format!("{path} was not rendered"))),
        }
    }

    /// Figma tells of edits only through webhooks to a public address, which a desktop app
    /// does not have: the engine's timer looks, and a look costs one `/meta` call.
    fn watch(&self, _on_change: crate::OnChange) -> Result<crate::WatchGuard, SourceError> {
        Ok(Box::new(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_stay_within_figmas_cap() {
        assert_eq!(scale_for(2.0, 1200.0, 630.0), 2.0);
        let big = scale_for(2.0, 5000.0, 5000.0);
        assert!(big < 2.0 && big * big * 25e6 <= MAX_RENDER_PIXELS, "{big}");
        assert_eq!(scale_for(9.0, 10.0, 10.0), 4.0, "Figma's largest scale");
    }

    #[test]
    fn repeated_names_get_their_node_id_and_slashes_are_not_folders() {
        let f = |id: &str, page: &str, name: &str| Frame {
            id: id.into(),
            page: page.into(),
            name: name.into(),
            width: 1.0,
            height: 1.0,
            look: String::new(),
        };
        let frames = [
            f("1:2", "Ads", "Ad"),
            f("1:3", "Ads", "Ad"),
            f("1:4", "Ads", "A/B"),
            f("9:9", "", "Solo"),
        ];
        assert_eq!(paths(&frames), ["Ads/Ad (1:2)", "Ads/Ad (1:3)", "Ads/A-B", "Solo"]);
    }
}
