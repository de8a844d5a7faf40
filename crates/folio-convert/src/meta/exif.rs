//! EXIF: read through kamadak-exif; written as a minimal TIFF block that carries only what the
//! policy allows (never maker notes, thumbnails, or GPS unless asked).

use super::{prefer, Gps, PhotoMeta};
use crate::MetadataPolicy;
use ::exif::{Field, In, Reader, Tag, Value};

pub fn read_into(tiff: &[u8], meta: &mut PhotoMeta) {
    let Ok(exif) = Reader::new().read_raw(tiff.to_vec()) else { return };
    let get = |tag| exif.get_field(tag, In::PRIMARY);
    let text = |tag| get(tag).and_then(ascii);
    if let Some(o) = get(Tag::Orientation).and_then(|f| f.value.get_uint(0)) {
        meta.orientation = if (1..=8).contains(&o) { o as u16 } else { 1 };
    }
    prefer(&mut meta.camera_make, text(Tag::Make));
    prefer(&mut meta.camera_model, text(Tag::Model));
    prefer(&mut meta.lens, text(Tag::LensModel));
    prefer(&mut meta.creator, text(Tag::Artist));
    prefer(&mut meta.copyright, text(Tag::Copyright));
    prefer(&mut meta.caption, text(Tag::ImageDescription));
    let date = text(Tag::DateTimeOriginal).or_else(|| text(Tag::DateTime));
    meta.captured_at = date.and_then(|d| exif_date(&d));
    meta.gps = gps(&exif);
}

fn ascii(f: &Field) -> Option<String> {
    match &f.value {
        Value::Ascii(parts) => {
            let s = parts
                .iter()
                .map(|p| String::from_utf8_lossy(p).trim_end_matches('\0').trim().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            // Cameras pad unset fields with spaces; treat them as absent.
            Some(s).filter(|s| !s.trim().is_empty())
        }
        _ => None,
    }
}

/// `2024:06:01 18:30:00` → `2024-06-01T18:30:00`; rejects the all-zero placeholder cameras write.
pub(crate) fn exif_date(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 19 || s.starts_with("0000") {
        return None;
    }
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    if !digits.iter().all(|&i| b[i].is_ascii_digit()) {
        return None;
    }
    Some(format!("{}-{}-{}T{}", &s[0..4], &s[5..7], &s[8..10], &s[11..19]))
}

fn gps(exif: &::exif::Exif) -> Option<Gps> {
    let coord = |tag, reference, negative: &[u8]| -> Option<f64> {
        let f = exif.get_field(tag, In::PRIMARY)?;
        let Value::Rational(r) = &f.value else { return None };
        if r.len() < 3 || r.iter().any(|x| x.denom == 0) {
            return None;
        }
        let deg = r[0].to_f64() + r[1].to_f64() / 60.0 + r[2].to_f64() / 3600.0;
        let is_negative = exif
            .get_field(reference, In::PRIMARY)
            .and_then(ascii)
            .is_some_and(|s| negative.contains(&s.as_bytes()[0].to_ascii_uppercase()));
        Some(if is_negative { -deg } else { deg })
    };
    let latitude = coord(Tag::GPSLatitude, Tag::GPSLatitudeRef, b"S")?;
    let longitude = coord(Tag::GPSLongitude, Tag::GPSLongitudeRef, b"W")?;
    let altitude = exif.get_field(Tag::GPSAltitude, In::PRIMARY).and_then(|f| match &f.value {
        Value::Rational(r) if !r.is_empty() && r[0].denom != 0 => {
            let below = exif
                .get_field(Tag::GPSAltitudeRef, In::PRIMARY)
                .and_then(|f| f.value.get_uint(0))
                .is_some_and(|v| v == 1);
            Some(if below { -r[0].to_f64() } else { r[0].to_f64() })
        }
        _ => None,
    });
    Some(Gps { latitude, longitude, altitude })
}

/// TIFF field types used here.
const BYTE: u16 = 1;
const ASCII: u16 = 2;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;

struct Entry {
    tag: u16,
    kind: u16,
    count: u32,
    data: Vec<u8>,
}

fn ascii_entry(tag: u16, s: &str) -> Entry {
    let mut data = s.as_bytes().to_vec();
    data.push(0);
    Entry { tag, kind: ASCII, count: data.len() as u32, data }
}

fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
    let data = values.iter().flat_map(|(n, d)| [n.to_le_bytes(), d.to_le_bytes()]).flatten();
    Entry { tag, kind: RATIONAL, count: values.len() as u32, data: data.collect() }
}

fn dms(value: f64) -> [(u32, u32); 3] {
    let v = value.abs();
    let deg = v.trunc();
    let min = ((v - deg) * 60.0).trunc();
    let sec = (v - deg - min / 60.0) * 3600.0;
    [(deg as u32, 1), (min as u32, 1), ((sec * 1000.0).round() as u32, 1000)]
}

fn out_of_line_len(e: &Entry) -> usize {
    if e.data.len() <= 4 {
        0
    } else {
        (e.data.len() + 1) & !1
    }
}

fn ifd_len(entries: &[Entry]) -> usize {
    2 + 12 * entries.len() + 4 + entries.iter().map(out_of_line_len).sum::<usize>()
}

/// Lays out one IFD at `offset`: entries, a zero next-IFD pointer, then out-of-line values.
fn ifd(mut entries: Vec<Entry>, offset: u32) -> Vec<u8> {
    entries.sort_by_key(|e| e.tag);
    let values_at = offset as usize + 2 + 12 * entries.len() + 4;
    let mut head = (entries.len() as u16).to_le_bytes().to_vec();
    let mut tail = Vec::new();
    for e in &entries {
        head.extend_from_slice(&e.tag.to_le_bytes());
        head.extend_from_slice(&e.kind.to_le_bytes());
        head.extend_from_slice(&e.count.to_le_bytes());
        if e.data.len() <= 4 {
            let mut inline = e.data.clone();
            inline.resize(4, 0);
            head.extend_from_slice(&inline);
        } else {
            head.extend_from_slice(&((values_at + tail.len()) as u32).to_le_bytes());
            tail.extend_from_slice(&e.data);
            tail.resize(tail.len() + out_of_line_len(e) - e.data.len(), 0);
        }
    }
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(&tail);
    head
}

fn long(tag: u16, value: u32) -> Entry {
    Entry { tag, kind: LONG, count: 1, data: value.to_le_bytes().to_vec() }
}

/// Builds the EXIF block for a rendition, or `None` when the policy leaves nothing to say.
/// Orientation is never written: the pixels are already upright.
pub fn write_exif(meta: &PhotoMeta, policy: &MetadataPolicy) -> Option<Vec<u8>> {
    let mut ifd0 = Vec::new();
    let mut exif_ifd = Vec::new();
    if policy.keep_camera {
        meta.camera_make.iter().for_each(|v| ifd0.push(ascii_entry(0x010F, v)));
        meta.camera_model.iter().for_each(|v| ifd0.push(ascii_entry(0x0110, v)));
        meta.lens.iter().for_each(|v| exif_ifd.push(ascii_entry(0xA434, v)));
        if let Some(d) = &meta.captured_at {
            let exif_style = d.replacen('-', ":", 2).replacen('T', " ", 1);
            exif_ifd.push(ascii_entry(0x9003, &exif_style));
        }
    }
    if policy.keep_credit {
        meta.creator.iter().for_each(|v| ifd0.push(ascii_entry(0x013B, v)));
        meta.copyright.iter().for_each(|v| ifd0.push(ascii_entry(0x8298, v)));
    }
    let gps_ifd = match (policy.keep_location, meta.gps) {
        (true, Some(g)) => gps_entries(g),
        _ => Vec::new(),
    };
    if ifd0.is_empty() && exif_ifd.is_empty() && gps_ifd.is_empty() {
        return None;
    }
    // Sub-IFD pointers are inline LONGs, so IFD0's size is known before their values are.
    let pointers = usize::from(!exif_ifd.is_empty()) + usize::from(!gps_ifd.is_empty());
    let exif_at = (8 + ifd_len(&ifd0) + 12 * pointers) as u32;
    let exif_bytes = if exif_ifd.is_empty() { Vec::new() } else { ifd(exif_ifd, exif_at) };
    let gps_at = exif_at + exif_bytes.len() as u32;
    let gps_bytes = if gps_ifd.is_empty() { Vec::new() } else { ifd(gps_ifd, gps_at) };
    if !exif_bytes.is_empty() {
        ifd0.push(long(0x8769, exif_at));
    }
    if !gps_bytes.is_empty() {
        ifd0.push(long(0x8825, gps_at));
    }
    let mut out = b"II*\0\x08\0\0\0".to_vec();
    out.extend(ifd(ifd0, 8));
    out.extend(exif_bytes);
    out.extend(gps_bytes);
    Some(out)
}

fn gps_entries(g: Gps) -> Vec<Entry> {
    let mut e = vec![
        Entry { tag: 0, kind: BYTE, count: 4, data: vec![2, 3, 0, 0] },
        ascii_entry(1, if g.latitude < 0.0 { "S" } else { "N" }),
        rationals(2, &dms(g.latitude)),
        ascii_entry(3, if g.longitude < 0.0 { "W" } else { "E" }),
        rationals(4, &dms(g.longitude)),
    ];
    if let Some(alt) = g.altitude {
        e.push(Entry { tag: 5, kind: BYTE, count: 1, data: vec![u8::from(alt < 0.0)] });
        e.push(rationals(6, &[((alt.abs() * 100.0).round() as u32, 100)]));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PhotoMeta {
        PhotoMeta {
            creator: Some("Ana Lima".into()),
            copyright: Some("© 2024 Ana Lima".into()),
            camera_make: Some("Canon".into()),
            camera_model: Some("Canon EOS R5".into()),
            lens: Some("RF24-70mm F2.8 L IS USM".into()),
            captured_at: Some("2024-06-01T18:30:05".into()),
            gps: Some(Gps { latitude: -33.8568, longitude: 151.2153, altitude: Some(12.5) }),
            orientation: 6,
            ..Default::default()
        }
    }

    #[test]
    fn written_exif_reads_back_through_an_independent_parser() {
        let policy = MetadataPolicy { keep_location: true, ..Default::default() };
        let block = write_exif(&sample(), &policy).unwrap();
        let mut back = PhotoMeta { orientation: 1, ..Default::default() };
        read_into(&block, &mut back);
        assert_eq!(back.creator.as_deref(), Some("Ana Lima"));
        assert_eq!(back.copyright.as_deref(), Some("© 2024 Ana Lima"));
        assert_eq!(back.camera_model.as_deref(), Some("Canon EOS R5"));
        assert_eq!(back.lens.as_deref(), Some("RF24-70mm F2.8 L IS USM"));
        assert_eq!(back.captured_at.as_deref(), Some("2024-06-01T18:30:05"));
        assert_eq!(back.orientation, 1, "orientation must never be written");
        let g = back.gps.unwrap();
        assert!((g.latitude + 33.8568).abs() < 1e-5 && (g.longitude - 151.2153).abs() < 1e-5);
        assert!((g.altitude.unwrap() - 12.5).abs() < 1e-6);
    }

    #[test]
    fn default_policy_drops_location() {
        let block = write_exif(&sample(), &MetadataPolicy::default()).unwrap();
        let exif = Reader::new().read_raw(block).unwrap();
        assert!(exif
            .fields()
            .all(|f| f.ifd_num != In::PRIMARY || f.tag.context() != ::exif::Context::Gps));
        assert!(exif.get_field(Tag::GPSLatitude, In::PRIMARY).is_none());
        assert!(exif.get_field(Tag::Artist, In::PRIMARY).is_some());
    }

    #[test]
    fn nothing_to_keep_means_no_block() {
        let none = MetadataPolicy {
            keep_location: false,
            keep_credit: false,
            keep_camera: false,
            keep_description: true,
        };
        assert!(write_exif(&sample(), &none).is_none());
    }

    #[test]
    fn exif_dates_are_normalised() {
        assert_eq!(exif_date("2024:06:01 18:30:05").as_deref(), Some("2024-06-01T18:30:05"));
        assert_eq!(exif_date("0000:00:00 00:00:00"), None);
        assert_eq!(exif_date("    :  :     :  :  "), None);
    }
}
