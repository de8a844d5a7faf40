//! The fake's renditions, as Lightroom's rendition guide describes them: `thumbnail2x`, `640`,
//! `1280` and `2048` exist from upload on (and follow each edit); `2560` and `fullsize` only
//! once asked for (`POST …/renditions` with `X-Generate-Renditions`, 202) and made a few checks
//! later, and only for an entitled credential (else 403 code 4300, "Access is forbidden").
//! Unknown or missing renditions are 404. The pictures are real JPEGs.

use super::{error, refusal, FakeAsset, Picture, Shared};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

const ALWAYS: [&str; 4] = ["thumbnail2x", "640", "1280", "2048"];
const ON_DEMAND: [&str; 2] = ["2560", "fullsize"];

fn forbidden() -> Response {
    error(403, super::super::wire::FORBIDDEN, "Access is forbidden")
}

pub(super) async fn rendition(
    State(s): State<Shared>,
    Path((cid, id, kind)): Path<(String, String, String)>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let mut lr = s.lock().unwrap();
    let head = method == Method::HEAD;
    let route = if head { format!("head {kind}") } else { format!("rendition {kind}") };
    if let Some(r) = refusal(&mut lr, &route, &headers) {
        return r;
    }
    let (entitled, in_catalog) = (lr.entitled, cid == lr.catalog);
    let Some(asset) = lr.assets.get_mut(&id).filter(|_| in_catalog) else {
        return error(404, 1000, "Resource not found");
    };
    if ON_DEMAND.contains(&kind.as_str()) {
        if !entitled {
            return forbidden();
        }
        if let Some(left) = asset.pending.get_mut(&kind) {
            if *left > 0 {
                *left -= 1;
                return error(404, 1000, "Resource not found");
            }
            asset.pending.remove(&kind);
            asset.made.insert(kind.clone());
        }
        if !asset.made.contains(&kind) {
            return error(404, 1000, "Resource not found");
        }
    } else if !ALWAYS.contains(&kind.as_str()) {
        return error(404, 1000, "Resource not found");
    }
    let picture = render(asset, &kind);
    if !head {
        lr.downloads.push(format!("{id} {kind}"));
    }
    picture
}

pub(super) async fn generate(
    State(s): State<Shared>,
    Path((_cid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut lr = s.lock().unwrap();
    if let Some(r) = refusal(&mut lr, "generate", &headers) {
        return r;
    }
    let (entitled, checks) = (lr.entitled, lr.checks_before_ready);
    let Some(asset) = lr.assets.get_mut(&id) else {
        return error(404, 1000, "Resource not found");
    };
    let asked = headers.get("X-Generate-Renditions").and_then(|v| v.to_str().ok()).unwrap_or("");
    let kinds: Vec<&str> = asked.split(',').map(str::trim).filter(|k| !k.is_empty()).collect();
    if kinds.is_empty() || kinds.iter().any(|k| !ON_DEMAND.contains(k)) {
        return error(400, 1005, "Input validation error: X-Generate-Renditions");
    }
    if !entitled {
        return forbidden();
    }
    for kind in kinds {
        if !asset.made.contains(kind) {
            asset.pending.entry(kind.to_string()).or_insert(checks);
        }
    }
    StatusCode::ACCEPTED.into_response()
}

/// A rendition's bytes: drawn from the asset's version at the rendition's size, or the
/// asset's own bytes.
fn render(asset: &FakeAsset, kind: &str) -> Response {
    let version = match &asset.picture {
        Picture::Pixels(v) => *v,
        Picture::Bytes(b) => return jpeg(Body::from(Bytes::from(b.clone())), b.len() as u64),
        Picture::Zeros(n) => {
            let n = *n;
            const CHUNK: u64 = 1 << 20;
            let chunks = (0..n).step_by(CHUNK as usize).map(move |start| {
                Ok::<_, std::io::Error>(Bytes::from(vec![0u8; (n - start).min(CHUNK) as usize]))
            });
            return jpeg(Body::from_stream(futures_util::stream::iter(chunks)), n);
        }
    };
    // Stand-ins for 2048, 2560 and the full size: each a different size, so a test can tell.
    let (w, h) = match kind {
        "fullsize" => (72, 48),
        "2560" => (60, 40),
        _ => (48, 32),
    };
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = version.wrapping_mul(53) as u8;
        image::Rgb([(x * 255 / w) as u8 ^ v, (y * 255 / h) as u8, v.wrapping_add(90)])
    });
    let image = turbojpeg::Image {
        pixels: img.as_raw().as_slice(),
        width: w as usize,
        pitch: w as usize * 3,
        height: h as usize,
        format: turbojpeg::PixelFormat::RGB,
    };
    let bytes = turbojpeg::compress(image, 90, turbojpeg::Subsamp::Sub2x2).unwrap().to_vec();
    let len = bytes.len() as u64;
    jpeg(Body::from(bytes), len)
}

fn jpeg(body: Body, len: u64) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert("Content-Type", "image/jpeg".parse().unwrap());
    r.headers_mut().insert("Content-Length", len.to_string().parse().unwrap());
    r
}
