//! Where a generated album lives in Folio's data folder, and what is kept of each generation.
//!
//! `generated/<account>/<album>/` holds each item's current image: the album reads it as a
//! folder, so a new generation is a changed photo, replaced in place on every site.
//! `generated/<account>/<album>.kept/` holds every generation ever made of an item (its image
//! and a line in `<item>.json`: prompt, model, aspect, reference, estimate, cost, and the
//! version it went up as), so nothing generated is lost when an item is generated again.

use super::patterns::{slugify, Made};
use folio_store::Album;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One generation of an item.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// 1 for the item's first image.
    pub generation: u32,
    pub prompt: String,
    pub model: String,
    pub aspect_ratio: Option<String>,
    /// What it was asked to look like: a photo's path or item, or a site's address.
    pub reference: Option<String>,
    /// USD, worked out before the call.
    pub estimate: f64,
    /// USD, as OpenRouter reported it.
    pub cost: Option<f64>,
    /// `YYYY-MM-DD HH:MM:SS UTC`.
    pub made_at: String,
    /// The image, in the `.kept` folder.
    pub file: String,
    /// The photo version it went up to the sites as (`folio history`), once it did.
    pub version: Option<i64>,
}

/// The album's folder: its name made safe, with a few characters of its hash so two names
/// that slug alike stay apart. `location` is the album's root, `ACCOUNT:ALBUM`.
pub(crate) fn album_folder(data_dir: &Path, account_id: i64, location: &str) -> PathBuf {
    let name = location.split_once(':').map_or(location, |(_, n)| n);
    let hash = folio_convert::content_hash(name.as_bytes());
    data_dir.join("generated").join(account_id.to_string()).join(format!(
        "{}-{}",
        slugify(name),
        &hash[..6]
    ))
}

/// Every generation of the album's items.
pub(crate) fn kept_folder(album_folder: &Path) -> PathBuf {
    let mut name = album_folder.file_name().unwrap_or_default().to_os_string();
    name.push(".kept");
    album_folder.with_file_name(name)
}

fn records_file(kept: &Path, item: &str) -> PathBuf {
    kept.join(format!("{item}.json"))
}

/// The item's generations, oldest first (none for an item Folio did not make).
pub(crate) fn records(kept: &Path, item: &str) -> Vec<Record> {
    std::fs::read(records_file(kept, item))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Writes the list through a file renamed into place: a crash leaves the old list or the new.
fn write_records(kept: &Path, item: &str, list: &[Record]) -> std::io::Result<()> {
    let file = records_file(kept, item);
    let partial = file.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_vec_pretty(list).expect("records serialise"))?;
    std::fs::rename(partial, file)
}

/// Keeps a new generation of `item` (its image `bytes`, named `.{ext}`) and puts it in the
/// album's folder as the item's current image. The record's number and file are filled in.
pub(crate) fn keep(
    album: &Path,
    item: &str,
    mut record: Record,
    bytes: &[u8],
) -> std::io::Result<Record> {
    let kept = kept_folder(album);
    std::fs::create_dir_all(&kept)?;
    std::fs::create_dir_all(album)?;
    let mut list = records(&kept, item);
    record.generation = list.last().map_or(1, |r| r.generation + 1);
    let ext = Path::new(item).extension().map_or("png".into(), |e| e.to_string_lossy());
    record.file = format!("{item}.{}.{ext}", record.generation);
    std::fs::write(kept.join(&record.file), bytes)?;
    // The current image changes in one step: the album never reads half an image.
    let partial = album.join(format!(".{item}.partial"));
    std::fs::write(&partial, bytes)?;
    std::fs::rename(&partial, album.join(item))?;
    list.push(record.clone());
    write_records(&kept, item, &list)?;
    Ok(record)
}

/// Notes the photo version a generation went up as.
pub(crate) fn set_version(
    album: &Path,
    item: &str,
    generation: u32,
    version: i64,
) -> std::io::Result<()> {
    let kept = kept_folder(album);
    let mut list = records(&kept, item);
    if let Some(r) = list.iter_mut().find(|r| r.generation == generation) {
        r.version = Some(version);
    }
    write_records(&kept, item, &list)
}

/// The first words of a prompt, for names: `{prompt_short}`.
pub(crate) fn prompt_short(prompt: &str) -> String {
    let mut out = String::new();
    for word in prompt.split_whitespace().take(6) {
        if out.len() + word.len() > 48 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A new item's file name: its prompt's first words, unused in the album.
pub(crate) fn new_item(album: &Path, prompt: &str, ext: &str) -> String {
    let stem = slugify(&prompt_short(prompt));
    let taken =
        |name: &str| album.join(name).exists() || records_file(&kept_folder(album), name).exists();
    let mut name = format!("{stem}.{ext}");
    let mut n = 2;
    while taken(&name) {
        name = format!("{stem}-{n}.{ext}");
        n += 1;
    }
    name
}

/// Naming tokens of an album's item: a generated one's (`makes_items`: the album's source is
/// one whose items Folio makes), none for a photo.
pub(crate) fn made(data_dir: &Path, makes_items: bool, album: &Album, rel_path: &str) -> Made {
    match album.account_id {
        Some(account) if makes_items => {
            tokens(&album_folder(data_dir, account, &album.root), rel_path)
        }
        _ => Made::new(),
    }
}

/// The naming tokens a generated item adds: `{prompt_short} {prompt} {model} {aspect_ratio}`
/// and `{date}` (the day it was made), from its latest generation.
pub(crate) fn tokens(album: &Path, item: &str) -> Made {
    let Some(last) = records(&kept_folder(album), item).pop() else { return Made::new() };
    let mut made = Made::new();
    made.insert("prompt_short".into(), prompt_short(&last.prompt));
    made.insert("prompt".into(), last.prompt);
    made.insert("model".into(), last.model.rsplit('/').next().unwrap_or_default().to_string());
    if let Some(aspect) = last.aspect_ratio {
        made.insert("aspect_ratio".into(), aspect);
    }
    made.insert("date".into(), last.made_at.chars().take(10).collect());
    made
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(prompt: &str) -> Record {
        Record {
            generation: 0,
            prompt: prompt.into(),
            model: "black-forest-labs/flux.2-pro".into(),
            aspect_ratio: Some("16:9".into()),
            reference: None,
            estimate: 0.03,
            cost: Some(0.03),
            made_at: "2026-12-07 10:00:00 UTC".into(),
            file: String::new(),
            version: None,
        }
    }

    #[test]
    fn every_generation_is_kept_and_the_item_holds_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let album = album_folder(dir.path(), 3, "openrouter:Banners");
        let item = new_item(&album, "A red fox standing in fresh snow at dawn, golden", "png");
        assert_eq!(item, "a-red-fox-standing-in-fresh.png");
        keep(&album, &item, record("first"), b"one").unwrap();
        let second = keep(&album, &item, record("second"), b"two").unwrap();
        assert_eq!(second.generation, 2);
        assert_eq!(std::fs::read(album.join(&item)).unwrap(), b"two");
        let kept = kept_folder(&album);
        assert_eq!(std::fs::read(kept.join(&second.file)).unwrap(), b"two");
        set_version(&album, &item, 2, 7).unwrap();
        let list = records(&kept, &item);
        assert_eq!(list.len(), 2);
        assert_eq!(std::fs::read(kept.join(&list[0].file)).unwrap(), b"one");
        assert_eq!((list[1].version, list[0].version), (Some(7), None));
        // The same prompt again is a new item, not the old one.
        assert_eq!(
            new_item(&album, "a red fox standing in fresh snow", "png"),
            "a-red-fox-standing-in-fresh-2.png"
        );
        let t = tokens(&album, &item);
        assert_eq!(t["prompt"], "second");
        assert_eq!((t["model"].as_str(), t["date"].as_str()), ("flux.2-pro", "2026-12-07"));
    }

    #[test]
    fn the_album_folder_reads_as_its_name_and_keeps_apart_names_that_slug_alike() {
        let a = album_folder(Path::new("/d"), 1, "or:Summer Banners");
        let b = album_folder(Path::new("/d"), 1, "or:summer-banners");
        assert!(a.to_string_lossy().starts_with("/d/generated/1/summer-banners-"));
        assert_ne!(a, b);
        assert!(kept_folder(&a).to_string_lossy().ends_with(".kept"));
    }
}
