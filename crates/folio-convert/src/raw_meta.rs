//! A raw's metadata as its decoder reads it. TIFF-structured raws (NEF, ARW, DNG, CR2, …) are
//! parsed as EXIF by Folio's own reader; CR3 and RAF keep theirs in boxes and blocks of their
//! own, so for them (and for anything the EXIF reader missed) rawler's reading fills the gaps:
//! capture time, lens, creator, copyright, GPS and rating.

use crate::meta::{exif_date, Gps, PhotoMeta};
use rawler::decoders::RawMetadata;
use rawler::formats::tiff::Rational;

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn degrees(dms: &[Rational; 3], negative: bool) -> Option<f64> {
    let part = |r: &Rational| (r.d != 0).then(|| r.n as f64 / r.d as f64);
    let v = part(&dms[0])? + part(&dms[1])? / 60.0 + part(&dms[2])? / 3600.0;
    Some(if negative { -v } else { v })
}

/// Fills what `meta` lacks from the decoder's reading.
pub fn fill_from(meta: &mut PhotoMeta, m: &RawMetadata) {
    let e = &m.exif;
    if meta.captured_at.is_none() {
        meta.captured_at =
            e.date_time_original.as_deref().or(e.create_date.as_deref()).and_then(exif_date);
    }
    if meta.camera_make.is_none() {
        meta.camera_make = text(&Some(m.make.clone()));
    }
    if meta.camera_model.is_none() {
        meta.camera_model = text(&Some(m.model.clone()));
    }
    if meta.lens.is_none() {
        meta.lens = text(&e.lens_model).or_else(|| {
            m.lens.as_ref().and_then(|l| text(&Some(format!("{} {}", l.lens_make, l.lens_model))))
        });
    }
    if meta.creator.is_none() {
        meta.creator = text(&e.artist);
    }
    if meta.copyright.is_none() {
        meta.copyright = text(&e.copyright);
    }
    if meta.rating.is_none() {
        meta.rating = m.rating.and_then(|r| i8::try_from(r).ok());
    }
    if meta.gps.is_none() {
        meta.gps = e.gps.as_ref().and_then(|g| {
            let south = g.gps_latitude_ref.as_deref() == Some("S");
            let west = g.gps_longitude_ref.as_deref() == Some("W");
            Some(Gps {
                latitude: degrees(g.gps_latitude.as_ref()?, south)?,
                longitude: degrees(g.gps_longitude.as_ref()?, west)?,
                altitude: g.gps_altitude.as_ref().filter(|a| a.d != 0).map(|a| {
                    let v = a.n as f64 / a.d as f64;
                    if g.gps_altitude_ref == Some(1) {
                        -v
                    } else {
                        v
                    }
                }),
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rawler::exif::{Exif, ExifGPS};

    #[test]
    fn a_cr3s_reading_fills_only_what_is_missing() {
        let r = |n, d| Rational::new(n, d);
        let m = RawMetadata {
            make: "Canon".into(),
            model: "EOS R5".into(),
            rating: Some(4),
            exif: Exif {
                date_time_original: Some("2025:07:14 09:30:05".into()),
                lens_model: Some("RF24-70mm F2.8 L IS USM".into()),
                artist: Some("Ann Lee ".into()),
                copyright: Some(String::new()),
                gps: Some(ExifGPS {
                    gps_latitude_ref: Some("S".into()),
                    gps_latitude: Some([r(33, 1), r(51, 1), r(36, 1)]),
                    gps_longitude_ref: Some("E".into()),
                    gps_longitude: Some([r(151, 1), r(12, 1), r(0, 1)]),
                    ..ExifGPS::default()
                }),
                ..Exif::default()
            },
            ..RawMetadata::default()
        };
        let mut meta =
            PhotoMeta { copyright: None, lens: Some("kept".into()), ..PhotoMeta::default() };
        fill_from(&mut meta, &m);
        assert_eq!(meta.captured_at.as_deref(), Some("2025-07-14T09:30:05"));
        assert_eq!(meta.camera().as_deref(), Some("Canon EOS R5"));
        assert_eq!(meta.lens.as_deref(), Some("kept"), "what the EXIF reader found stays");
        assert_eq!(meta.creator.as_deref(), Some("Ann Lee"));
        assert_eq!(meta.copyright, None, "an empty field is no value");
        assert_eq!(meta.rating, Some(4));
        let gps = meta.gps.unwrap();
        assert!(
            (gps.latitude + 33.86).abs() < 0.001 && (gps.longitude - 151.2).abs() < 0.001,
            "{gps:?}"
        );
    }
}
