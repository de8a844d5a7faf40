//! Files made to take a decoder down, for tests: each claims a huge image over a few bytes of
//! data, written from the formats' published layouts (TIFF 6.0, DNG 1.4, PNG, GIF89a, WebP's
//! RIFF container, ISO/IEC 23008-12), or breaks a decoder some other documented way.

/// Little-endian TIFF writer: IFD entries as (tag, type, values), values over 4 bytes placed
/// after the directory.
struct TiffWriter {
    out: Vec<u8>,
}

#[derive(Clone)]
enum V {
    Short(Vec<u16>),
    Long(Vec<u32>),
    Ascii(&'static str),
    Byte(Vec<u8>),
}

impl V {
    fn kind(&self) -> (u16, u32, Vec<u8>) {
        match self {
            V::Short(v) => (3, v.len() as u32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            V::Long(v) => (4, v.len() as u32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            V::Ascii(s) => (2, s.len() as u32 + 1, [s.as_bytes(), &[0]].concat()),
            V::Byte(v) => (1, v.len() as u32, v.clone()),
        }
    }
}

impl TiffWriter {
    fn new() -> TiffWriter {
        TiffWriter { out: b"II*\0\0\0\0\0".to_vec() }
    }

    /// Writes a directory at the end of the file and returns its offset; `next` is patched
    /// into IFD0's header link when this is the first.
    fn ifd(&mut self, mut entries: Vec<(u16, V)>) -> u32 {
        entries.sort_by_key(|e| e.0);
        let at = self.out.len() as u32;
        let data_at = at + 2 + 12 * entries.len() as u32 + 4;
        let mut dir = (entries.len() as u16).to_le_bytes().to_vec();
        let mut data = Vec::new();
        for (tag, v) in entries {
            let (typ, count, bytes) = v.kind();
            dir.extend_from_slice(&tag.to_le_bytes());
            dir.extend_from_slice(&typ.to_le_bytes());
            dir.extend_from_slice(&count.to_le_bytes());
            if bytes.len() <= 4 {
                let mut inline = bytes;
                inline.resize(4, 0);
                dir.extend_from_slice(&inline);
            } else {
                dir.extend_from_slice(&(data_at + data.len() as u32).to_le_bytes());
                data.extend_from_slice(&bytes);
                if data.len() % 2 == 1 {
                    data.push(0);
                }
            }
        }
        dir.extend_from_slice(&[0; 4]);
        self.out.extend_from_slice(&dir);
        self.out.extend_from_slice(&data);
        if self.out[4..8] == [0; 4] {
            self.out[4..8].copy_from_slice(&at.to_le_bytes());
        }
        at
    }

    /// Appends image data; returns its offset.
    fn data(&mut self, bytes: &[u8]) -> u32 {
        let at = self.out.len() as u32;
        self.out.extend_from_slice(bytes);
        at
    }
}

fn dng_tags() -> Vec<(u16, V)> {
    vec![
        (0x010F, V::Ascii("Folio")),
        (0x0110, V::Ascii("Bomb")),
        (0xC612, V::Byte(vec![1, 4, 0, 0])),
        (0xC614, V::Ascii("Folio Bomb")),
    ]
}

/// A DNG of `w` × `h` 16-bit Bayer pixels in IFD0 whose strips (one row each) all point at
/// the same single row: 600 KB for 60,000 × 60,000.
pub fn dng_strips(w: u32, h: u32) -> Vec<u8> {
    let mut t = TiffWriter::new();
    let row = t.data(&vec![0x10; w as usize * 2]);
    let mut tags = dng_tags();
    tags.extend([
        (0x00FE, V::Long(vec![0])),
        (0x0100, V::Long(vec![w])),
        (0x0101, V::Long(vec![h])),
        (0x0102, V::Short(vec![16])),
        (0x0103, V::Short(vec![1])),
        (0x0106, V::Short(vec![32803])),
        (0x0111, V::Long(vec![row; h as usize])),
        (0x0115, V::Short(vec![1])),
        (0x0116, V::Long(vec![1])),
        (0x0117, V::Long(vec![w * 2; h as usize])),
        (0x828D, V::Short(vec![2, 2])),
        (0x828E, V::Byte(vec![0, 1, 1, 2])),
    ]);
    t.ifd(tags);
    t.out
}

/// A DNG whose IFD0 is a small preview and whose raw, in a SubIFD, is a tiled 16-bit
/// LinearRaw of `w` × `h` with every tile at one offset.
pub fn dng_linear_tiles(w: u32, h: u32) -> Vec<u8> {
    let mut t = TiffWriter::new();
    let tile = t.data(&vec![0x20; 256 * 256 * 6]);
    let tiles = (w.div_ceil(256) * h.div_ceil(256)) as usize;
    let raw = t.ifd(vec![
        (0x00FE, V::Long(vec![0])),
        (0x0100, V::Long(vec![w])),
        (0x0101, V::Long(vec![h])),
        (0x0102, V::Short(vec![16, 16, 16])),
        (0x0103, V::Short(vec![1])),
        (0x0106, V::Short(vec![34892])),
        (0x0115, V::Short(vec![3])),
        (0x0142, V::Long(vec![256])),
        (0x0143, V::Long(vec![256])),
        (0x0144, V::Long(vec![tile; tiles])),
        (0x0145, V::Long(vec![256 * 256 * 6; tiles])),
    ]);
    // IFD0 must come first in the header: rewrite the link after the raw directory exists.
    t.out[4..8].copy_from_slice(&[0; 4]);
    let preview = t.data(&[0x80; 16 * 12 * 3]);
    let mut tags = dng_tags();
    tags.extend([
        (0x00FE, V::Long(vec![1])),
        (0x0100, V::Long(vec![16])),
        (0x0101, V::Long(vec![12])),
        (0x0102, V::Short(vec![8, 8, 8])),
        (0x0103, V::Short(vec![1])),
        (0x0106, V::Short(vec![2])),
        (0x0111, V::Long(vec![preview])),
        (0x0115, V::Short(vec![3])),
        (0x0116, V::Long(vec![12])),
        (0x0117, V::Long(vec![16 * 12 * 3])),
        (0x014A, V::Long(vec![raw])),
    ]);
    t.ifd(tags);
    t.out
}

/// A plain RGB TIFF of `w` × `h` whose strips all point at one row.
pub fn tiff(w: u32, h: u32) -> Vec<u8> {
    let mut t = TiffWriter::new();
    let row = t.data(&vec![0x40; w as usize * 3]);
    t.ifd(vec![
        (0x0100, V::Long(vec![w])),
        (0x0101, V::Long(vec![h])),
        (0x0102, V::Short(vec![8, 8, 8])),
        (0x0103, V::Short(vec![1])),
        (0x0106, V::Short(vec![2])),
        (0x0111, V::Long(vec![row; h as usize])),
        (0x0115, V::Short(vec![3])),
        (0x0116, V::Long(vec![1])),
        (0x0117, V::Long(vec![w * 3; h as usize])),
    ]);
    t.out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A PNG whose header says `w` × `h` RGB over a 20-byte IDAT.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of one stored block: a few zero bytes of the first row.
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x01, 0x01, 0x08, 0x00, 0xF7, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A GIF whose screen and only frame are `w` × `h` over one byte of pixels.
pub fn gif(w: u16, h: u16) -> Vec<u8> {
    let mut out = b"GIF89a".to_vec();
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&[0x80, 0, 0, 0, 0, 0, 255, 255, 255]);
    out.push(0x2C);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&w.to_le_bytes());
    out.extend_from_slice(&h.to_le_bytes());
    out.extend_from_slice(&[0, 2, 2, 0x44, 0x01, 0, 0x3B]);
    out
}

/// A WebP whose canvas (VP8X) is `w` × `h` (at most 16,777,216 a side) over a 1 × 1 image.
pub fn webp(w: u32, h: u32) -> Vec<u8> {
    let mut vp8x = [0u8; 10];
    vp8x[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
    vp8x[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
    // A 1 × 1 lossless image.
    let vp8l = [0x2F, 0, 0, 0, 0, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xFE, 0x07, 0];
    let mut body = b"WEBP".to_vec();
    for (kind, data) in [(b"VP8X", &vp8x[..]), (b"VP8L", &vp8l[..])] {
        body.extend_from_slice(kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A real JPEG with its frame header rewritten to `w` × `h` (at most 65,535 a side).
pub fn jpeg(w: u16, h: u16) -> Vec<u8> {
    let px = vec![128u8; 16 * 16 * 3];
    let image = turbojpeg::Image {
        pixels: &px[..],
        width: 16,
        pitch: 48,
        height: 16,
        format: turbojpeg::PixelFormat::RGB,
    };
    let mut out = turbojpeg::compress(image, 80, turbojpeg::Subsamp::Sub2x2)
        .expect("a 16 × 16 JPEG")
        .to_vec();
    let sof = memchr::memmem::find(&out, &[0xFF, 0xC0]).expect("baseline frame header");
    out[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    out[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    out
}

/// `heif` (any HEIF or AVIF file) with every `ispe` property rewritten to `w` × `h`.
pub fn heif(heif: &[u8], w: u32, h: u32) -> Vec<u8> {
    let mut out = heif.to_vec();
    for at in memchr::memmem::find_iter(heif, b"ispe") {
        if out.len() >= at + 16 {
            out[at + 8..at + 12].copy_from_slice(&w.to_be_bytes());
            out[at + 12..at + 16].copy_from_slice(&h.to_be_bytes());
        }
    }
    out
}

/// A CR3 whose Canon metadata box (CMT1, inside Canon's `uuid` box in `moov`) claims a terabyte:
/// rawler reserves that much before reading, and the allocation's failure ends the process.
/// Folio's own checks leave Canon's metadata boxes to the decoder, so this file reaches it: it
/// is how the tests crash a real decoder.
pub fn cr3_metadata_box() -> Vec<u8> {
    let boxed = |kind: &[u8], payload: &[u8]| {
        let mut b = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(payload);
        b
    };
    let mut cmt1 = 1u32.to_be_bytes().to_vec();
    cmt1.extend_from_slice(b"CMT1");
    cmt1.extend_from_slice(&(1u64 << 40).to_be_bytes());
    cmt1.extend_from_slice(b"II*\0\x08\0\0\0\0\0\0\0\0\0");
    let canon = [
        0x85, 0xC0, 0xB6, 0x87, 0x82, 0x0F, 0x11, 0xE0, 0x81, 0x11, 0xF4, 0xCE, 0x46, 0x2B, 0x6A,
        0x48,
    ];
    let uuid = boxed(b"uuid", &[&canon[..], &cmt1].concat());
    let ftyp = boxed(b"ftyp", b"crx \0\0\0\x01crx isom");
    [ftyp, boxed(b"moov", &uuid)].concat()
}
