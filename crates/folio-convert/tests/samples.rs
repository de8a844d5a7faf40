//! Conversion of the real camera photos in `tests/photos`.

mod support;

use folio_convert::{convert_file, probe_file, ErrorKind, OutputFormat, Preset};
use support::{decode, jpgs, mean_diff, sample_dir};

fn preset(format: OutputFormat) -> Preset {
    Preset { format, ..Preset::default() }
}

#[test]
fn every_orientation_comes_out_upright_and_identical_to_its_twin() {
    let Some(dir) = sample_dir("orientation") else { return };
    for shape in ["landscape", "portrait"] {
        let reference =
            convert_file(&dir.join(format!("{shape}_1.jpg")), &Preset::default()).unwrap();
        let reference_px = decode(&reference.bytes);
        let (w, h) = if shape == "landscape" { (32, 24) } else { (24, 32) };
        // A wrongly rotated result must be detectable, or the comparison below proves nothing.
        let flipped = image::imageops::rotate180(&reference_px);
        assert!(mean_diff(&reference_px, &flipped, w, h) > 20.0, "test scene is too uniform");
        for n in 1..=8 {
            let path = dir.join(format!("{shape}_{n}.jpg"));
            let r = convert_file(&path, &Preset::default()).unwrap();
            if shape == "landscape" {
                assert!(r.width > r.height, "{} came out {}×{}", path.display(), r.width, r.height);
            } else {
                assert!(r.height > r.width, "{} came out {}×{}", path.display(), r.width, r.height);
            }
            let diff = mean_diff(&reference_px, &decode(&r.bytes), w, h);
            assert!(diff < 6.0, "{} differs from {shape}_1 by {diff:.1}", path.display());
            // No viewer may rotate it again.
            assert_eq!(probe(&r.bytes).meta.orientation, 1, "{}", path.display());
        }
    }
}

fn probe(bytes: &[u8]) -> folio_convert::Probe {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out");
    std::fs::write(&p, bytes).unwrap();
    probe_file(&p).unwrap()
}

fn has_gps(bytes: &[u8]) -> bool {
    let exif = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes));
    let tagged = exif.is_ok_and(|e| e.fields().any(|f| f.tag.context() == exif::Context::Gps));
    // XMP can carry location too (exif:GPSLatitude), as can IPTC city fields.
    tagged || bytes.windows(3).any(|w| w == b"GPS")
}

#[test]
fn no_output_carries_gps() {
    let Some(dir) = sample_dir("gps") else { return };
    let photos = jpgs(&dir);
    assert!(!photos.is_empty());
    for path in &photos {
        let source = std::fs::read(path).unwrap();
        assert!(has_gps(&source), "{} should have GPS to begin with", path.display());
        assert!(probe_file(path).unwrap().meta.gps.is_some(), "GPS is read into PhotoMeta");
        for format in
            [OutputFormat::Webp, OutputFormat::Jpeg, OutputFormat::Avif, OutputFormat::Original]
        {
            let r = convert_file(path, &preset(format)).unwrap();
            assert!(!has_gps(&r.bytes), "{} as {format:?} still has GPS", path.display());
        }
    }
}

#[test]
fn location_is_kept_only_when_asked() {
    let Some(dir) = sample_dir("gps") else { return };
    let path = &jpgs(&dir)[0];
    let mut p = Preset::default();
    p.metadata.keep_location = true;
    let r = convert_file(path, &p).unwrap();
    let (src, out) =
        (probe_file(path).unwrap().meta.gps.unwrap(), probe(&r.bytes).meta.gps.unwrap());
    assert!(
        (src.latitude - out.latitude).abs() < 1e-4 && (src.longitude - out.longitude).abs() < 1e-4
    );
}

#[test]
fn xmp_title_description_and_keywords_are_read() {
    let Some(dir) = sample_dir("xmp") else { return };
    let meta = probe_file(&dir.join("BlueSquare.jpg")).unwrap().meta;
    assert_eq!(meta.title.as_deref(), Some("Blue Square Test File - .jpg"));
    assert!(meta.caption.as_deref().unwrap().starts_with("XMPFiles BlueSquare test file"));
    assert_eq!(meta.keywords, vec!["XMP", "Blue Square", "test file", "Photoshop", ".jpg"]);
    // The rendition carries them on (default policy keeps descriptions).
    let r = convert_file(&dir.join("BlueSquare.jpg"), &Preset::default()).unwrap();
    assert_eq!(probe(&r.bytes).meta.title, meta.title);
    // A photo with no EXIF at all still converts.
    assert!(convert_file(&dir.join("no_exif.jpg"), &Preset::default()).is_ok());
}

#[test]
fn invalid_files_convert_or_fail_with_a_typed_error() {
    let Some(dir) = sample_dir("invalid") else { return };
    let mut converted = 0;
    for path in jpgs(&dir) {
        match convert_file(&path, &Preset::default()) {
            Ok(r) => {
                assert!(r.width > 0 && r.height > 0);
                decode(&r.bytes);
                converted += 1;
            }
            Err(e) => {
                assert_eq!(e.path, path, "the error names the file");
                assert!(matches!(e.kind, ErrorKind::Corrupt | ErrorKind::Unsupported), "{e}");
            }
        }
    }
    assert!(converted >= 5, "odd EXIF alone must not make a photo fail");
    let corrupted = convert_file(&dir.join("corrupted.jpg"), &Preset::default());
    assert_eq!(corrupted.unwrap_err().kind, ErrorKind::Corrupt);
}

#[test]
fn every_camera_sample_converts_with_its_metadata() {
    let Some(dir) = sample_dir("cameras") else { return };
    for path in jpgs(&dir) {
        let r = convert_file(&path, &Preset::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(r.width.max(r.height) <= 2560);
    }
    let canon = probe_file(&dir.join("Canon_40D.jpg")).unwrap().meta;
    assert_eq!(canon.camera().as_deref(), Some("Canon EOS 40D"));
    assert!(canon.captured_at.is_some());
    let trail = convert_file(&dir.join("Reconyx_HC500_Hyperfire.jpg"), &Preset::default()).unwrap();
    assert_eq!((trail.width, trail.height), (2048, 1536), "no orientation tag: stays as stored");
}

#[test]
fn large_photos_are_resized_to_the_max_edge_with_dct_scaling() {
    let Some(dir) = sample_dir("large") else { return };
    for path in jpgs(&dir) {
        let p = Preset { max_edge: 1024, ..Preset::default() };
        let r = convert_file(&path, &p).unwrap();
        assert_eq!(r.width.max(r.height), 1024, "{}", path.display());
        let t = folio_convert::thumbnail_file(&path, 256).unwrap();
        assert_eq!(t.width.max(t.height), 256);
    }
}
