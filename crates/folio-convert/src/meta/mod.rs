//! Photo metadata: read from EXIF, IPTC-IIM and XMP into one typed [`PhotoMeta`], and written back
//! out (filtered by the [`MetadataPolicy`](crate::MetadataPolicy)) into renditions.
//!
//! Precedence follows what Lightroom writes and what photographers edit: XMP first (Lightroom's
//! Title and Caption fields), then IPTC-IIM, then EXIF.

mod exif;
mod iptc;
mod xmp;

use serde::{Deserialize, Serialize};

pub(crate) use self::exif::exif_date;
pub use self::exif::write_exif;
pub use self::xmp::write_xmp;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gps {
    pub latitude: f64,
    pub longitude: f64,
    pub altitude: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhotoMeta {
    pub title: Option<String>,
    pub caption: Option<String>,
    pub headline: Option<String>,
    pub keywords: Vec<String>,
    /// Lightroom's `lr:hierarchicalSubject`, e.g. `Places|France|Paris`.
    pub hierarchical_keywords: Vec<String>,
    pub creator: Option<String>,
    pub copyright: Option<String>,
    /// XMP rating, -1 (rejected) to 5.
    pub rating: Option<i8>,
    /// Capture time as written by the camera, `YYYY-MM-DDTHH:MM:SS`, no time zone.
    pub captured_at: Option<String>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    pub lens: Option<String>,
    pub gps: Option<Gps>,
    /// EXIF orientation of the source, 1–8 (1 when absent).
    pub orientation: u16,
}

impl PhotoMeta {
    /// "Canon EOS 40D", without repeating the maker when the model already names it.
    pub fn camera(&self) -> Option<String> {
        match (&self.camera_make, &self.camera_model) {
            (Some(make), Some(model)) => {
                let first = make.split_whitespace().next().unwrap_or(make);
                if model.to_lowercase().starts_with(&first.to_lowercase()) {
                    Some(model.clone())
                } else {
                    Some(format!("{make} {model}"))
                }
            }
            (None, Some(model)) => Some(model.clone()),
            (Some(make), None) => Some(make.clone()),
            (None, None) => None,
        }
    }
}

/// The raw metadata blocks of a file, as found in its container.
#[derive(Debug, Default, Clone)]
pub struct RawMeta {
    /// A TIFF-structured EXIF block (starting `II*\0` or `MM\0*`).
    pub exif: Option<Vec<u8>>,
    pub xmp: Option<Vec<u8>>,
    pub iptc: Option<Vec<u8>>,
}

/// Parses whatever blocks are present. Damaged blocks are skipped, never fatal: a photo with a
/// broken maker note is still a photo.
pub fn parse(raw: &RawMeta) -> PhotoMeta {
    let mut meta = PhotoMeta { orientation: 1, ..Default::default() };
    if let Some(e) = &raw.exif {
        exif::read_into(e, &mut meta);
    }
    if let Some(i) = &raw.iptc {
        iptc::read_into(i, &mut meta);
    }
    if let Some(x) = &raw.xmp {
        xmp::read_into(x, &mut meta);
    }
    meta
}

/// Sources are read lowest precedence first, so a later non-empty value wins.
fn prefer(slot: &mut Option<String>, value: Option<String>) {
    if let Some(v) = value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()) {
        *slot = Some(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_name_does_not_repeat_the_maker() {
        let m = |make: &str, model: &str| PhotoMeta {
            camera_make: Some(make.into()),
            camera_model: Some(model.into()),
            ..Default::default()
        };
        assert_eq!(m("Canon", "Canon EOS 40D").camera().unwrap(), "Canon EOS 40D");
        assert_eq!(m("NIKON CORPORATION", "NIKON D70").camera().unwrap(), "NIKON D70");
        assert_eq!(m("FUJIFILM", "X-T4").camera().unwrap(), "FUJIFILM X-T4");
    }

    #[test]
    fn xmp_outranks_iptc_outranks_exif() {
        let exif = write_exif(
            &PhotoMeta { creator: Some("Exif Artist".into()), ..Default::default() },
            &crate::MetadataPolicy::default(),
        );
        let iptc = iptc::tests::block(&[(80, "Iptc Byline"), (5, "Iptc Title")]);
        let xmp = write_xmp(
            &PhotoMeta { title: Some("Xmp Title".into()), ..Default::default() },
            &crate::MetadataPolicy::default(),
        );
        let meta = parse(&RawMeta { exif, iptc: Some(iptc), xmp });
        assert_eq!(meta.title.as_deref(), Some("Xmp Title"));
        assert_eq!(meta.creator.as_deref(), Some("Iptc Byline"));
    }
}
