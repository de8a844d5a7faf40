//! What the fake's render URLs serve: pixels drawn from a node's look at the size asked for
//! (within Figma's 32-megapixel cap), or the bytes a test set.

use super::png;
use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};

/// Figma's render limit: a larger render is scaled down to fit.
const MAX_PIXELS: f64 = 32_000_000.0;

/// What a test set a node's renders to be.
#[derive(Clone)]
pub(super) enum Fixed {
    /// These bytes, whatever the format and scale asked for.
    Bytes(Bytes),
    /// This many zero bytes, never held in memory: a render larger than Folio accepts.
    Zeros(u64),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Png,
    Jpg,
    Svg,
    Pdf,
}

impl Format {
    /// The `format` query parameter (PNG when absent); `None` for one Figma refuses.
    pub fn parse(format: Option<&str>) -> Option<Format> {
        match format {
            None | Some("png") => Some(Format::Png),
            Some("jpg") => Some(Format::Jpg),
            Some("svg") => Some(Format::Svg),
            Some("pdf") => Some(Format::Pdf),
            Some(_) => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpg => "jpg",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpg => "image/jpeg",
            Format::Svg => "image/svg+xml",
            Format::Pdf => "application/pdf",
        }
    }
}

/// A render made by `/v1/images`: what its URL serves.
#[derive(Clone)]
pub(super) struct Render {
    pub format: Format,
    pub content: Content,
}

#[derive(Clone)]
pub(super) enum Content {
    Drawn(Drawing),
    Fixed(Fixed),
}

/// A picture of a node: a gradient tinted by its look, so an edit changes every pixel.
#[derive(Clone, Copy)]
pub(super) struct Drawing {
    pub width: u32,
    pub height: u32,
    pub tint: [u8; 3],
}

impl Drawing {
    /// Red and blue follow x, green follows y (so rows repeat down the picture, and each
    /// differs from the one above by the same green step: what [`png`] compresses).
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let across = (u64::from(x) * 255 / u64::from(self.width)) as u8;
        let [r, g, b] = self.tint;
        [across ^ r, self.down(y) ^ g, b ^ (across / 2)]
    }

    fn down(&self, y: u32) -> u8 {
        (u64::from(y) * 255 / u64::from(self.height)) as u8
    }

    fn image(&self) -> image::RgbImage {
        image::RgbImage::from_fn(self.width, self.height, |x, y| image::Rgb(self.pixel(x, y)))
    }
}

impl png::Rows for Drawing {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw(&self, y: u32, row: &mut Vec<u8>) {
        row.clear();
        row.extend((0..self.width).flat_map(|x| self.pixel(x, y)));
    }

    fn same_as_above(&self, y: u32) -> bool {
        self.down(y) == self.down(y - 1)
    }
}

/// The pixel size of a `width` × `height` node rendered at `scale`: rounded, then scaled
/// down (keeping the aspect ratio) to at most 32 megapixels.
pub(super) fn capped_size(width: f64, height: f64, scale: f64) -> (u32, u32) {
    let mut w = (width * scale).round().max(1.0);
    let mut h = (height * scale).round().max(1.0);
    if w * h > MAX_PIXELS {
        let shrink = (MAX_PIXELS / (w * h)).sqrt();
        h = (h * shrink).floor().max(1.0);
        w = (w * shrink).floor().max(1.0).min((MAX_PIXELS / h).floor());
    }
    (w as u32, h as u32)
}

/// The download of `render`; drawn pictures say their size in `X-Fake-Size` (`WxH`), so a
/// test needs not decode a large one.
pub(super) fn serve(render: Render) -> Response {
    let kind = [("Content-Type", render.format.content_type())];
    let d = match render.content {
        Content::Fixed(Fixed::Bytes(b)) => return (kind, b).into_response(),
        Content::Fixed(Fixed::Zeros(n)) => return zeros(n),
        Content::Drawn(d) => d,
    };
    let size = [("X-Fake-Size", format!("{}x{}", d.width, d.height))];
    match render.format {
        Format::Png => (kind, size, png(d)).into_response(),
        Format::Jpg => (kind, size, jpg(d)).into_response(),
        Format::Svg => (kind, size, svg(d)).into_response(),
        Format::Pdf => (kind, size, pdf(d)).into_response(),
    }
}

/// A PNG drawn a row at a time: a 32-megapixel render is never held as pixels.
fn png(d: Drawing) -> Vec<u8> {
    png::encode(&d)
}

/// A JPEG, drawn whole: tests ask for JPEG renders only at small sizes.
fn jpg(d: Drawing) -> Vec<u8> {
    let img = d.image();
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width: d.width as usize,
        pitch: d.width as usize * 3,
        height: d.height as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    turbojpeg::compress(image, 90, turbojpeg::Subsamp::Sub2x2).unwrap().to_vec()
}

/// Vector exports: the node as one rectangle of its tint.
fn svg(d: Drawing) -> String {
    let (w, h, [r, g, b]) = (d.width, d.height, d.tint);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" fill=\"none\"><rect width=\"{w}\" height=\"{h}\" \
         fill=\"#{r:02x}{g:02x}{b:02x}\"/></svg>"
    )
}

/// A one-page PDF filled with the node's tint.
fn pdf(d: Drawing) -> Vec<u8> {
    let (w, h) = (d.width, d.height);
    let [r, g, b] = d.tint.map(|c| f64::from(c) / 255.0);
    let content = format!("{r:.3} {g:.3} {b:.3} rg 0 0 {w} {h} re f\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Contents 4 0 R >>"),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{object}\nendobj\n", n + 1).bytes());
    }
    let xref = out.len();
    let count = objects.len() + 1;
    out.extend(format!("xref\n0 {count}\n0000000000 65535 f \n").bytes());
    for at in offsets {
        out.extend(format!("{at:010} 00000 n \n").bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {count} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").bytes(),
    );
    out
}

fn zeros(n: u64) -> Response {
    const CHUNK: u64 = 1 << 20;
    let chunks = (0..n).step_by(CHUNK as usize).map(move |start| {
        Ok::<_, std::io::Error>(Bytes::from(vec![0u8; (n - start).min(CHUNK) as usize]))
    });
    let mut r = Body::from_stream(futures_util::stream::iter(chunks)).into_response();
    r.headers_mut().insert("Content-Length", n.into());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_decodes_to_the_drawn_pixels() {
        // Rows of repeats, of new gradient steps, and the literal first one.
        for (width, height) in [(300, 250), (1, 1), (2, 600), (1000, 3)] {
            let d = Drawing { width, height, tint: [12, 200, 77] };
            let decoded = image::load_from_memory(&png(d)).unwrap().to_rgb8();
            assert_eq!(decoded, d.image(), "{width}×{height}");
        }
    }

    #[test]
    fn a_32_megapixel_png_stays_small() {
        let d = Drawing { width: 5656, height: 5656, tint: [1, 2, 3] };
        let bytes = png(d);
        assert!(bytes.len() < 2_000_000, "{} bytes", bytes.len());
        assert_eq!(
            image::ImageReader::new(std::io::Cursor::new(&bytes))
                .with_guessed_format()
                .unwrap()
                .into_dimensions()
                .unwrap(),
            (5656, 5656)
        );
    }

    #[test]
    fn renders_fit_32_megapixels() {
        assert_eq!(capped_size(1200.0, 630.0, 2.0), (2400, 1260));
        assert_eq!(capped_size(0.2, 0.2, 1.0), (1, 1));
        let (w, h) = capped_size(5000.0, 5000.0, 2.0);
        assert!(u64::from(w) * u64::from(h) <= 32_000_000);
        assert!(u64::from(w) * u64::from(h) > 31_900_000);
        let (w, h) = capped_size(100_000_000.0, 1.0, 1.0);
        assert!(u64::from(w) * u64::from(h) <= 32_000_000 && h == 1);
    }
}
