//! A Lightroom album's items, one per photo: their names (the file name the photo was imported
//! with), the edit key that tells a changed photo from an unchanged one (`updated` and the
//! develop settings), the cursor that remembers each photo's key, the spool files a look leaves
//! for [`crate::Source::fetch`], and `updated` as a time.

use super::wire::Asset;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Each asset's item name: its imported file name, with its id added before the extension
/// where names repeat (two cameras' `IMG_0001.JPG` in one album must not share a path) or
/// where it has none.
pub fn names(assets: &[Asset]) -> HashMap<String, String> {
    let file = |a: &Asset| {
        a.payload
            .import_source
            .as_ref()
            .map(|s| s.file_name.trim().replace('\n', " "))
            .unwrap_or_default()
    };
    let mut count: HashMap<String, usize> = HashMap::new();
    for a in assets {
        *count.entry(file(a)).or_default() += 1;
    }
    assets
        .iter()
        .map(|a| {
            let f = file(a);
            let name = match f.as_str() {
                "" => format!("{}.jpg", a.id),
                _ if count[&f] > 1 => match f.rsplit_once('.') {
                    Some((stem, ext)) if !stem.is_empty() => format!("{stem} ({}).{ext}", a.id),
                    _ => format!("{f} ({})", a.id),
                },
                _ => f,
            };
            (a.id.clone(), name)
        })
        .collect()
}

/// What tells an edit: `updated` (moved by any change on the server) and the develop
/// settings, hashed in a canonical form so the order Lightroom writes their keys in does not
/// count. A develop change is caught even where `updated` did not move.
pub fn edit_key(asset: &Asset) -> String {
    let mut h = blake3::Hasher::new();
    h.update(asset.updated.as_bytes());
    h.update(b"\0");
    if let Some(develop) = &asset.payload.develop {
        canonical(develop, &mut h);
    }
    h.finalize().to_hex()[..32].to_string()
}

/// A JSON value with object keys in sorted order, whatever order it was read in.
fn canonical(v: &serde_json::Value, h: &mut blake3::Hasher) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            h.update(b"{");
            for k in keys {
                h.update(serde_json::to_string(k).unwrap_or_default().as_bytes());
                h.update(b":");
                canonical(&map[k], h);
                h.update(b",");
            }
            h.update(b"}");
        }
        Value::Array(items) => {
            h.update(b"[");
            for i in items {
                canonical(i, h);
                h.update(b",");
            }
            h.update(b"]");
        }
        other => {
            h.update(other.to_string().as_bytes());
        }
    }
}

/// What the last look handled, by asset id: its edit key. Only an asset whose key moved since
/// (or whose item the store lacks) is downloaded again: a photo whose bytes did not change is
/// not reported, so without this every look would download it again.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Seen(pub BTreeMap<String, String>);

const CURSOR_VERSION: &str = "lr1";

impl Seen {
    /// `lr1;ID=KEY;…` (ids are hex, keys hex and a rendition's name); anything else is no
    /// cursor.
    pub fn parse(cursor: Option<&str>) -> Seen {
        let mut seen = Seen::default();
        let Some(rest) = cursor.and_then(|c| c.strip_prefix(CURSOR_VERSION)) else { return seen };
        for entry in rest.split(';').filter(|e| !e.is_empty()) {
            if let Some((id, key)) = entry.split_once('=') {
                seen.0.insert(id.to_string(), key.to_string());
            }
        }
        seen
    }

    pub fn cursor(&self) -> String {
        let mut out = CURSOR_VERSION.to_string();
        for (id, key) in &self.0 {
            out.push_str(&format!(";{id}={key}"));
        }
        out
    }
}

/// Where the download of the item at `path` waits for the engine's fetch: named by the album
/// and the path, so a source opened later in this process (the engine opens one per use)
/// finds it.
pub fn spooled(spool: &Path, album: &str, path: &str) -> PathBuf {
    let key = blake3::hash(format!("{album}\n{path}").as_bytes()).to_hex();
    spool.join(format!("lightroom-photo-{}.jpg", &key[..32]))
}

/// An RFC 3339 time in UTC (`2026-01-01T10:00:00.123456Z`, as Lightroom writes `updated`) as
/// nanoseconds since 1970; `None` for anything else.
pub fn unix_ns(time: &str) -> Option<i64> {
    let (date, rest) = time.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let rest = rest.strip_suffix('Z').or_else(|| rest.strip_suffix("+00:00"))?;
    let (hms, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let mut t = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let days = folio_model::time::days_from_civil(y, m, day);
    let digits: String = frac.chars().take(9).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let nanos = format!("{digits:0<9}").parse::<i64>().ok()?;
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lightroom::wire::{AssetPayload, ImportSource};

    fn asset(id: &str, file: &str, develop: serde_json::Value) -> Asset {
        Asset {
            id: id.into(),
            subtype: "image".into(),
            updated: "2026-01-01T00:00:00.000Z".into(),
            payload: AssetPayload {
                import_source: Some(ImportSource { file_name: file.into(), sha256: None }),
                develop: Some(develop),
                ..Default::default()
            },
        }
    }

    #[test]
    fn repeated_file_names_get_the_asset_id_before_the_extension() {
        let list = [
            asset("a1", "IMG_0001.JPG", serde_json::json!({})),
            asset("b2", "IMG_0001.JPG", serde_json::json!({})),
            asset("c3", "", serde_json::json!({})),
            asset("d4", "Lake.dng", serde_json::json!({})),
        ];
        let n = names(&list);
        assert_eq!(n["a1"], "IMG_0001 (a1).JPG");
        assert_eq!(n["b2"], "IMG_0001 (b2).JPG");
        assert_eq!(n["c3"], "c3.jpg");
        assert_eq!(n["d4"], "Lake.dng");
    }

    #[test]
    fn the_edit_key_ignores_key_order_and_sees_any_develop_change() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"a":1,"b":{"x":[1,2],"y":"z"}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(r#"{"b":{"y":"z","x":[1,2]},"a":1}"#).unwrap();
        let c: serde_json::Value =
            serde_json::from_str(r#"{"b":{"y":"z","x":[2,1]},"a":1}"#).unwrap();
        let key = |v| edit_key(&asset("a", "f.jpg", v));
        assert_eq!(key(a.clone()), key(b));
        assert_ne!(key(a.clone()), key(c));
        let mut later = asset("a", "f.jpg", a.clone());
        later.updated = "2026-01-02T00:00:00.000Z".into();
        assert_ne!(edit_key(&later), key(a));
    }

    #[test]
    fn cursors_round_trip_and_others_are_none() {
        let mut seen = Seen::default();
        seen.0.insert("a1".into(), "k1".into());
        seen.0.insert("b2".into(), "k2".into());
        assert_eq!(Seen::parse(Some(&seen.cursor())), seen);
        assert_eq!(Seen::parse(Some("canva1;x=1:1")), Seen::default());
        assert_eq!(Seen::parse(None), Seen::default());
    }

    #[test]
    fn updated_times_become_nanoseconds() {
        assert_eq!(unix_ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_ns("2026-01-01T00:00:00.5Z"), Some(1_767_225_600_500_000_000));
        assert_eq!(unix_ns("2000-03-01T01:02:03.000001Z"), Some(951_872_523_000_001_000));
        assert_eq!(unix_ns("yesterday"), None);
        assert_eq!(unix_ns("2026-13-01T00:00:00Z"), None);
    }
}
