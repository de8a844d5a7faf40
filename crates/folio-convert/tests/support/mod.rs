//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `tests/photos/<sub>` in this repository (real camera photos, see its README), or
/// `$FOLIO_SAMPLE_PHOTOS/<sub>`. The repository's set is always there, so a missing folder is a
/// failure; only a `$FOLIO_SAMPLE_PHOTOS` that lacks it skips, with a message.
pub fn sample_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("FOLIO_SAMPLE_PHOTOS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos"));
    let dir = root.join(sub);
    if dir.is_dir() {
        Some(dir)
    } else if std::env::var_os("FOLIO_SAMPLE_PHOTOS").is_some() {
        eprintln!("SKIP: no {} in FOLIO_SAMPLE_PHOTOS", dir.display());
        None
    } else {
        panic!("the repository's sample photos are missing: {}", dir.display())
    }
}

pub fn jpgs(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
        .collect();
    v.sort();
    v
}

pub fn decode(bytes: &[u8]) -> image::RgbaImage {
    image::load_from_memory(bytes).expect("output decodes").to_rgba8()
}

/// Mean absolute difference (0–255) between two images after scaling both to `w`×`h`.
pub fn mean_diff(a: &image::RgbaImage, b: &image::RgbaImage, w: u32, h: u32) -> f64 {
    use image::imageops::{resize, FilterType};
    let a = resize(a, w, h, FilterType::Triangle);
    let b = resize(b, w, h, FilterType::Triangle);
    let sum: u64 = a
        .pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| (0..3).map(move |c| (p[c] as i32 - q[c] as i32).unsigned_abs() as u64))
        .sum();
    sum as f64 / (w * h * 3) as f64
}

pub fn encode_jpeg(rgb: &[u8], w: u32, h: u32, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(rgb, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// Inserts an APP2 ICC_PROFILE segment right after SOI.
pub fn with_icc(jpeg: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut seg = b"ICC_PROFILE\0\x01\x01".to_vec();
    seg.extend_from_slice(icc);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE2]);
    out.extend_from_slice(&((seg.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&seg);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Display P3's primaries, Bradford-adapted to D50 as ICC requires (columns: R, G, B).
pub const P3_D50: [[f64; 3]; 3] =
    [[0.5151, 0.2920, 0.1571], [0.2412, 0.6922, 0.0666], [-0.0011, 0.0419, 0.7841]];
pub const SRGB_D50: [[f64; 3]; 3] =
    [[0.4361, 0.3851, 0.1431], [0.2225, 0.7169, 0.0606], [0.0139, 0.0971, 0.7141]];

/// A minimal ICC v2 display profile: the given colorants and a pure 2.2 gamma curve.
pub fn matrix_profile(colorants: [[f64; 3]; 3]) -> Vec<u8> {
    let s15 = |v: f64| ((v * 65536.0).round() as i32).to_be_bytes();
    let xyz = |x: f64, y: f64, z: f64| {
        let mut t = b"XYZ \0\0\0\0".to_vec();
        [x, y, z].iter().for_each(|v| t.extend_from_slice(&s15(*v)));
        t
    };
    let curve = b"curv\0\0\0\0\0\0\0\x01\x02\x33\0\0".to_vec(); // gamma 2.2 as u8.8 (0x0233)
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(colorants[0][0], colorants[1][0], colorants[2][0])),
        (b"gXYZ", xyz(colorants[0][1], colorants[1][1], colorants[2][1])),
        (b"bXYZ", xyz(colorants[0][2], colorants[1][2], colorants[2][2])),
        (b"rTRC", curve.clone()),
        (b"gTRC", curve.clone()),
        (b"bTRC", curve),
    ];
    let mut header = vec![0u8; 128];
    header[8..12].copy_from_slice(&[2, 0x10, 0, 0]);
    header[12..16].copy_from_slice(b"mntr");
    header[16..20].copy_from_slice(b"RGB ");
    header[20..24].copy_from_slice(b"XYZ ");
    header[36..40].copy_from_slice(b"acsp");
    header[68..72].copy_from_slice(&s15(0.9642));
    header[72..76].copy_from_slice(&s15(1.0));
    header[76..80].copy_from_slice(&s15(0.8249));
    let mut table = (tags.len() as u32).to_be_bytes().to_vec();
    let mut data = Vec::new();
    let data_at = 128 + 4 + 12 * tags.len();
    for (sig, body) in &tags {
        table.extend_from_slice(*sig);
        table.extend_from_slice(&((data_at + data.len()) as u32).to_be_bytes());
        table.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
    }
    let mut icc = header;
    icc.extend(table);
    icc.extend(data);
    let size = icc.len() as u32;
    icc[0..4].copy_from_slice(&size.to_be_bytes());
    icc
}

fn invert(m: [[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let c =
        |r1: usize, c1: usize, r2: usize, c2: usize| m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
    [
        [c(1, 1, 2, 2) / det, -c(0, 1, 2, 2) / det, c(0, 1, 1, 2) / det],
        [-c(1, 0, 2, 2) / det, c(0, 0, 2, 2) / det, -c(0, 0, 1, 2) / det],
        [c(1, 0, 2, 1) / det, -c(0, 0, 2, 1) / det, c(0, 0, 1, 1) / det],
    ]
}

/// What a colour-managed viewer shows for `rgb` tagged with a gamma-2.2 profile of `colorants`,
/// expressed in sRGB (clipped).
pub fn expected_srgb(rgb: [u8; 3], colorants: [[f64; 3]; 3]) -> [u8; 3] {
    let lin = rgb.map(|v| (v as f64 / 255.0).powf(2.2));
    let xyz: Vec<f64> = (0..3).map(|r| (0..3).map(|c| colorants[r][c] * lin[c]).sum()).collect();
    let to_srgb = invert(SRGB_D50);
    let out: Vec<f64> = (0..3).map(|r| (0..3).map(|c| to_srgb[r][c] * xyz[c]).sum()).collect();
    let encode = |l: f64| {
        let l = l.clamp(0.0, 1.0);
        let v = if l <= 0.0031308 { 12.92 * l } else { 1.055 * l.powf(1.0 / 2.4) - 0.055 };
        (v * 255.0).round() as u8
    };
    [encode(out[0]), encode(out[1]), encode(out[2])]
}
