//! A Canva album's items, one per design page: their names (`Design title/page N`), the
//! cursor that remembers which version of each design was looked at, the spool files an
//! export leaves for [`crate::Source::fetch`], and the hash of a page's decoded pixels.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::wire::Design;

/// Each design's item name: its title, with its id added where titles repeat (two designs in
/// one folder may share a title; their pages must not share paths) or where it has none.
pub fn names(designs: &[Design]) -> HashMap<String, String> {
    let title = |d: &Design| d.title.clone().map(|t| t.trim().replace('\n', " "));
    let mut count: HashMap<String, usize> = HashMap::new();
    for d in designs {
        *count.entry(title(d).unwrap_or_default()).or_default() += 1;
    }
    designs
        .iter()
        .map(|d| {
            let t = title(d).unwrap_or_default();
            let name = match t.as_str() {
                "" => d.id.clone(),
                _ if count[&t] > 1 => format!("{t} ({})", d.id),
                _ => t,
            };
            (d.id.clone(), name)
        })
        .collect()
}

/// `Design title/page 3` (pages count from 1).
pub fn page_path(name: &str, page: u32) -> String {
    format!("{name}/page {page}")
}

/// The design name and page of an item path.
pub fn parse_page_path(path: &str) -> Option<(&str, u32)> {
    let (name, page) = path.rsplit_once("/page ")?;
    let page = page.parse().ok().filter(|p| *p >= 1)?;
    Some((name, page))
}

/// What the last look handled, by design id: its `updated_at` and page count. Only a design
/// whose `updated_at` moved since (or whose pages the store lacks) is exported again: a page
/// whose pixels did not change is not reported, so the store's own record of it keeps the
/// older time, and without this every look would export that design again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seen(pub BTreeMap<String, (i64, u32)>);

const CURSOR_VERSION: &str = "canva1";

impl Seen {
    /// `canva1;ID=UPDATED:PAGES;…` (ids are `[A-Za-z0-9_-]`); anything else is no cursor.
    pub fn parse(cursor: Option<&str>) -> Seen {
        let mut seen = Seen::default();
        let Some(rest) = cursor.and_then(|c| c.strip_prefix(CURSOR_VERSION)) else { return seen };
        for entry in rest.split(';').filter(|e| !e.is_empty()) {
            let parsed = entry.split_once('=').and_then(|(id, v)| {
                let (at, pages) = v.split_once(':')?;
                Some((id.to_string(), (at.parse().ok()?, pages.parse().ok()?)))
            });
            if let Some((id, v)) = parsed {
                seen.0.insert(id, v);
            }
        }
        seen
    }

    pub fn cursor(&self) -> String {
        let mut out = CURSOR_VERSION.to_string();
        for (id, (at, pages)) in &self.0 {
            out.push_str(&format!(";{id}={at}:{pages}"));
        }
        out
    }
}

/// Where an export of the page at `path` waits for the engine's fetch: named by the album and
/// the path, so a source opened later in this process (the engine opens one per use) finds it.
pub fn spooled(spool: &Path, album: &str, path: &str, ext: &str) -> PathBuf {
    let key = blake3::hash(format!("{album}\n{path}").as_bytes()).to_hex();
    spool.join(format!("canva-page-{}.{ext}", &key[..32]))
}

/// A page's identity: the hash of its decoded pixels (with their size and layout), so a
/// re-export that encodes the same picture differently is not a change. Bytes that decode as
/// neither PNG nor JPEG are hashed as they are; the converter then says what is wrong with them.
pub fn pixel_hash(bytes: &[u8]) -> String {
    let mut h = blake3::Hasher::new();
    match decoded(bytes) {
        Some((width, height, layout, pixels)) => {
            h.update(b"pixels\0");
            h.update(&width.to_le_bytes());
            h.update(&height.to_le_bytes());
            h.update(layout.as_bytes());
            h.update(&pixels);
        }
        None => {
            h.update(b"bytes\0");
            h.update(bytes);
        }
    }
    format!("canva-{}", h.finalize().to_hex())
}

fn decoded(bytes: &[u8]) -> Option<(u32, u32, String, Vec<u8>)> {
    if bytes.starts_with(b"\x89PNG") {
        let img = image::load_from_memory_with_format(bytes, image::ImageFormat::Png).ok()?;
        let layout = format!("{:?}", img.color());
        return Some((img.width(), img.height(), layout, img.into_bytes()));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let img = turbojpeg::decompress(bytes, turbojpeg::PixelFormat::RGB).ok()?;
        return Some((img.width as u32, img.height as u32, "rgb8".into(), img.pixels));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canva::wire::DesignLinks;

    fn design(id: &str, title: Option<&str>) -> Design {
        Design {
            id: id.into(),
            title: title.map(str::to_string),
            created_at: 1,
            updated_at: 2,
            page_count: Some(1),
            thumbnail: None,
            urls: DesignLinks { edit_url: String::new(), view_url: String::new() },
        }
    }

    #[test]
    fn repeated_and_missing_titles_get_the_design_id() {
        let d = [design("D1", Some("Banner")), design("D2", Some("Banner")), design("D3", None)];
        let d = [d.to_vec(), vec![design("D4", Some("Post/Story"))]].concat();
        let n = names(&d);
        assert_eq!(n["D1"], "Banner (D1)");
        assert_eq!(n["D2"], "Banner (D2)");
        assert_eq!(n["D3"], "D3");
        assert_eq!(n["D4"], "Post/Story");
        assert_eq!(parse_page_path(&page_path(&n["D4"], 12)), Some(("Post/Story", 12)));
        assert_eq!(parse_page_path("Banner/page 0"), None);
    }

    #[test]
    fn the_cursor_reads_back_and_ignores_what_it_did_not_write() {
        let mut s = Seen::default();
        s.0.insert("DAF1".into(), (1_700_000_000, 3));
        s.0.insert("DAF2".into(), (5, 1));
        assert_eq!(Seen::parse(Some(&s.cursor())), s);
        assert_eq!(Seen::parse(Some("C|12|0|/root")), Seen::default());
        assert_eq!(Seen::parse(None), Seen::default());
    }

    #[test]
    fn the_same_picture_encoded_twice_has_one_hash() {
        let img = image::RgbImage::from_fn(8, 4, |x, y| image::Rgb([x as u8 * 30, y as u8, 7]));
        let png = |compression| {
            let mut out = Vec::new();
            let enc = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                compression,
                image::codecs::png::FilterType::Adaptive,
            );
            img.write_with_encoder(enc).unwrap();
            out
        };
        let fast = png(image::codecs::png::CompressionType::Fast);
        let best = png(image::codecs::png::CompressionType::Best);
        assert_ne!(fast, best, "two encodings");
        assert_eq!(pixel_hash(&fast), pixel_hash(&best));
        let mut other = img.clone();
        other.put_pixel(0, 0, image::Rgb([1, 2, 3]));
        let mut out = Vec::new();
        other.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        assert_ne!(pixel_hash(&out), pixel_hash(&fast));
    }
}
