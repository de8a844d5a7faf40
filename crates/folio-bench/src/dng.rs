//! `folio-bench dng PHOTO OUT.dng [--preview]`: a camera-sized DNG for the RAW rows of
//! `make bench-convert`, made from an ordinary photo, as no freely licensed 24 MP raws ship
//! with the repository. The photo's pixels are taken as linear-light camera data: an RGGB
//! mosaic, 16 bits, recorded "warm" (AsShotNeutral 0.5, 1, 0.625) so the white balance has work
//! to do, and a colour matrix that maps XYZ to linear sRGB. With `--preview` the photo itself is
//! embedded full size as a JPEG preview, as cameras embed theirs.

use std::io::Cursor;

const NEUTRAL: [f32; 3] = [0.5, 1.0, 0.625];
const XYZ_TO_SRGB: [f64; 9] = [
    3.2404542, -1.5371385, -0.4985314, -0.9692660, 1.8760108, 0.0415560, 0.0556434, -0.2040259,
    1.0572252,
];
const BYTE: u16 = 1;
const ASCII: u16 = 2;
const SHORT: u16 = 3;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const SRATIONAL: u16 = 10;

/// One IFD entry: tag, type, count and its value bytes (little endian).
struct Entry(u16, u16, u32, Vec<u8>);

fn shorts(tag: u16, v: &[u16]) -> Entry {
    Entry(tag, SHORT, v.len() as u32, v.iter().flat_map(|x| x.to_le_bytes()).collect())
}
fn longs(tag: u16, v: &[u32]) -> Entry {
    Entry(tag, LONG, v.len() as u32, v.iter().flat_map(|x| x.to_le_bytes()).collect())
}
fn text(tag: u16, s: &str) -> Entry {
    let mut b = s.as_bytes().to_vec();
    b.push(0);
    Entry(tag, ASCII, b.len() as u32, b)
}
fn rationals(tag: u16, signed: bool, v: &[f64]) -> Entry {
    let mut b = Vec::new();
    for x in v {
        let num = (x * 10_000.0).round() as i32;
        b.extend(if signed { num.to_le_bytes() } else { (num as u32).to_le_bytes() });
        b.extend(10_000u32.to_le_bytes());
    }
    Entry(tag, if signed { SRATIONAL } else { RATIONAL }, v.len() as u32, b)
}

/// Appends an IFD at the end of `out` (its long values after it) and returns its offset.
fn put_ifd(out: &mut Vec<u8>, mut entries: Vec<Entry>) -> u32 {
    entries.sort_by_key(|e| e.0);
    if out.len() % 2 == 1 {
        out.push(0);
    }
    let at = out.len();
    let mut extra_at = at + 2 + 12 * entries.len() + 4;
    let mut extra = Vec::new();
    out.extend((entries.len() as u16).to_le_bytes());
    for Entry(tag, kind, count, value) in &entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        if value.len() <= 4 {
            let mut v = value.clone();
            v.resize(4, 0);
            out.extend(v);
        } else {
            out.extend((extra_at as u32).to_le_bytes());
            extra.extend(value);
            if value.len() % 2 == 1 {
                extra.push(0);
            }
            extra_at = at + 2 + 12 * entries.len() + 4 + extra.len();
        }
    }
    out.extend(0u32.to_le_bytes());
    out.extend(extra);
    at as u32
}

fn srgb_to_linear(v: u8) -> f32 {
    let c = v as f32 / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

pub fn make(photo: &str, out_path: &str, with_preview: bool) -> Result<(), String> {
    let img = image::open(photo).map_err(|e| format!("{photo}: {e}"))?.to_rgb8();
    let (w, h) = img.dimensions();
    let linear: Vec<f32> = (0..=255).map(srgb_to_linear).collect();
    let mut mosaic = Vec::with_capacity((w * h * 2) as usize);
    for (x, y, p) in img.enumerate_pixels() {
        let c = match (x % 2, y % 2) {
            (0, 0) => 0,
            (1, 1) => 2,
            _ => 1,
        };
        let v = linear[p[c] as usize] * NEUTRAL[c];
        mosaic.extend(((v * 65535.0).round() as u16).to_le_bytes());
    }
    let mut preview = Vec::new();
    if with_preview {
        image::codecs::jpeg::JpegEncoder::new_with_quality(Cursor::new(&mut preview), 90)
            .encode_image(&img)
            .map_err(|e| e.to_string())?;
    }
    // Layout: header, raw strip, preview strip, then the IFDs (offsets known by then).
    let mut out = b"II*\0\0\0\0\0".to_vec();
    let raw_at = out.len() as u32;
    out.extend(&mosaic);
    let preview_at = out.len() as u32;
    out.extend(&preview);
    let mut ifd0 = vec![
        longs(254, &[0]),
        longs(256, &[w]),
        longs(257, &[h]),
        shorts(258, &[16]),
        shorts(259, &[1]),
        shorts(262, &[32803]),
        text(271, "Folio"),
        text(272, "Bench DNG"),
        longs(273, &[raw_at]),
        shorts(274, &[1]),
        shorts(277, &[1]),
        longs(278, &[h]),
        longs(279, &[mosaic.len() as u32]),
        shorts(284, &[1]),
        shorts(33421, &[2, 2]),
        Entry(33422, BYTE, 4, vec![0, 1, 1, 2]),
        Entry(50706, BYTE, 4, vec![1, 4, 0, 0]),
        text(50708, "Folio Bench DNG"),
        longs(50714, &[0]),
        longs(50717, &[65535]),
        rationals(50721, true, &XYZ_TO_SRGB),
        rationals(50728, false, &NEUTRAL.map(f64::from)),
        shorts(50778, &[21]),
    ];
    if with_preview {
        let sub = put_ifd(
            &mut out,
            vec![
                longs(254, &[1]),
                longs(256, &[w]),
                longs(257, &[h]),
                shorts(258, &[8, 8, 8]),
                shorts(259, &[7]),
                shorts(262, &[6]),
                longs(273, &[preview_at]),
                shorts(277, &[3]),
                longs(278, &[h]),
                longs(279, &[preview.len() as u32]),
            ],
        );
        ifd0.push(longs(330, &[sub]));
    }
    let first = put_ifd(&mut out, ifd0);
    out[4..8].copy_from_slice(&first.to_le_bytes());
    std::fs::write(out_path, out).map_err(|e| format!("{out_path}: {e}"))
}
