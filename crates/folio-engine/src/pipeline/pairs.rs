//! RAW+JPEG shooting leaves `IMG_0042.CR3` and `IMG_0042.JPG` side by side: one picture, two
//! files. An album takes one of them (its `raw_pair` setting, the JPEG unless set otherwise) and
//! never shows, counts or publishes the other.

use folio_model::{AssetId, RawPair, JPEG_EXTENSIONS, RAW_EXTENSIONS};
use folio_store::{Asset, AssetState};
use std::collections::{HashMap, HashSet};

/// (folder and stem in lower case, is a raw, is a JPEG)
fn split(path: &str) -> Option<(String, bool, bool)> {
    let (stem, _) = path.rsplit_once('.')?;
    let ext = folio_model::extension(path)?;
    let is = |list: &[&str]| list.contains(&ext.as_str());
    Some((stem.to_lowercase(), is(&RAW_EXTENSIONS), is(&JPEG_EXTENSIONS)))
}

/// The photos the album works with: the other half of each RAW+JPEG pair left out. A photo
/// deleted from the folder is no pair's half, so the raw of a deleted JPEG comes back.
pub fn without_pair_halves(assets: Vec<Asset>, keep: RawPair) -> Vec<Asset> {
    split_pairs(assets, keep).0
}

/// The photos the album works with, and for each pair the half left out and the half kept:
/// (left out, kept).
pub fn split_pairs(assets: Vec<Asset>, keep: RawPair) -> (Vec<Asset>, Vec<(AssetId, AssetId)>) {
    let mut halves: HashMap<String, (Option<AssetId>, Option<AssetId>)> = HashMap::new();
    for a in assets.iter().filter(|a| a.state != AssetState::Missing) {
        match split(&a.rel_path) {
            Some((stem, true, _)) => halves.entry(stem).or_default().0 = Some(a.id),
            Some((stem, _, true)) => halves.entry(stem).or_default().1 = Some(a.id),
            _ => {}
        }
    }
    let mut handed = Vec::new();
    let mut left_out = HashSet::new();
    for (raw, jpeg) in halves.into_values() {
        if let (Some(raw), Some(jpeg)) = (raw, jpeg) {
            let (out, kept) = if keep == RawPair::Jpeg { (raw, jpeg) } else { (jpeg, raw) };
            left_out.insert(out);
            handed.push((out, kept));
        }
    }
    let kept = assets.into_iter().filter(|a| !left_out.contains(&a.id)).collect();
    (kept, handed)
}

/// The other half of `gone`'s RAW+JPEG pair among `assets`, if it is still in the folder and
/// not also `leaving`: the photo that takes over the site copies of a deleted half.
pub fn other_half<'a>(
    gone: &Asset,
    assets: &'a [Asset],
    leaving: &HashSet<AssetId>,
) -> Option<&'a Asset> {
    let (stem, is_raw, is_jpeg) = split(&gone.rel_path)?;
    if !is_raw && !is_jpeg {
        return None;
    }
    assets.iter().find(|a| {
        a.state == AssetState::Present
            && !leaving.contains(&a.id)
            && split(&a.rel_path).is_some_and(|(s, r, j)| s == stem && r == is_jpeg && j == is_raw)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_model::AlbumId;

    fn asset(id: usize, path: &str) -> Asset {
        Asset {
            id: AssetId(id as i64),
            album_id: AlbumId(1),
            rel_path: path.into(),
            size: 1,
            mtime_ns: 1,
            content_hash: String::new(),
            state: AssetState::Present,
            error: None,
            error_code: None,
        }
    }

    fn paths(assets: Vec<Asset>) -> Vec<String> {
        assets.into_iter().map(|a| a.rel_path).collect()
    }

    #[test]
    fn one_file_of_each_pair_is_kept_by_the_setting() {
        let all = || {
            [
                "day1/IMG_1.CR3",
                "day1/img_1.JPG",
                "day1/IMG_2.CR3",
                "day2/IMG_1.NEF",
                "day2/IMG_3.jpg",
            ]
            .iter()
            .enumerate()
            .map(|(i, p)| asset(i, p))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            paths(without_pair_halves(all(), RawPair::Jpeg)),
            ["day1/img_1.JPG", "day1/IMG_2.CR3", "day2/IMG_1.NEF", "day2/IMG_3.jpg"],
            "a raw without its JPEG, or in another folder, stays"
        );
        assert_eq!(
            paths(without_pair_halves(all(), RawPair::Raw)),
            ["day1/IMG_1.CR3", "day1/IMG_2.CR3", "day2/IMG_1.NEF", "day2/IMG_3.jpg"]
        );
    }

    #[test]
    fn a_deleted_jpeg_leaves_its_raw_on_its_own() {
        let mut jpeg = asset(1, "IMG_1.JPG");
        jpeg.state = AssetState::Missing;
        let (kept, handed) = split_pairs(vec![asset(0, "IMG_1.CR3"), jpeg], RawPair::Jpeg);
        assert_eq!(paths(kept), ["IMG_1.CR3", "IMG_1.JPG"]);
        assert!(handed.is_empty());
        let (_, handed) =
            split_pairs(vec![asset(0, "IMG_1.CR3"), asset(1, "IMG_1.JPG")], RawPair::Jpeg);
        assert_eq!(handed, [(AssetId(0), AssetId(1))], "the raw's copies go to the JPEG");
    }

    #[test]
    fn a_deleted_half_is_taken_over_by_the_other_unless_it_goes_too() {
        let all = vec![asset(0, "a/IMG_1.CR3"), asset(1, "a/IMG_1.jpg"), asset(2, "a/IMG_2.jpg")];
        let none = HashSet::new();
        assert_eq!(other_half(&all[1], &all, &none).map(|a| a.id), Some(AssetId(0)));
        assert_eq!(other_half(&all[0], &all, &none).map(|a| a.id), Some(AssetId(1)));
        assert!(other_half(&all[2], &all, &none).is_none(), "no pair");
        let both = HashSet::from([AssetId(0), AssetId(1)]);
        assert!(other_half(&all[1], &all, &both).is_none(), "both deleted");
    }
}
