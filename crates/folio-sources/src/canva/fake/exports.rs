//! The fake's export jobs: `POST /v1/exports` within the documented quotas (per user 20 a
//! minute, 75 in 5 minutes and 500 a day; per design 75 in 5 minutes; each refused with
//! Canva's 429 body), `GET /v1/exports/{id}` in progress for a few polls, and the downloads,
//! rendered when the job is made, as Canva's are.

use super::{error, now, refusal, within, Canva, FakeDesign, Page, Shared};
use crate::canva::wire::*;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// (count, window) for each quota; tests shorten the windows.
#[derive(Debug, Clone)]
pub struct FakeQuotas {
    pub user_minute: (usize, Duration),
    pub user_five_minutes: (usize, Duration),
    pub user_day: (usize, Duration),
    pub design_five_minutes: (usize, Duration),
}

impl Default for FakeQuotas {
    fn default() -> Self {
        let min = Duration::from_secs(60);
        FakeQuotas {
            user_minute: (20, min),
            user_five_minutes: (75, min * 5),
            user_day: (500, min * 60 * 24),
            design_five_minutes: (75, min * 5),
        }
    }
}

/// When each export job was made, by the user and by design.
#[derive(Default)]
pub(super) struct Times {
    user: Vec<Instant>,
    designs: HashMap<String, Vec<Instant>>,
}

#[derive(Clone)]
pub(super) enum File {
    Bytes(Bytes),
    Zeros(u64),
}

pub(super) struct Job {
    polls_left: u32,
    outcome: Result<Vec<File>, (String, String)>,
    expired: bool,
}

fn throttle(c: &mut Canva, message: &str) -> Response {
    c.throttled += 1;
    error(429, "too_many_requests", message)
}

pub(super) async fn create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "create_export", &headers) {
        return r;
    }
    let Ok(req) = serde_json::from_slice::<CreateExport>(&body) else {
        return error(400, "bad_request_body", "format: the export format is missing or unknown");
    };
    let Some(design) = c.designs.get(&req.design_id).cloned() else {
        let message = format!("Design with id '{}' not found", req.design_id);
        return error(404, "design_not_found", &message);
    };
    let (width, pages, jpg) = match &req.format {
        ExportFormat::Png { width, pages } => (*width, pages.clone(), None),
        ExportFormat::Jpg { quality, width, pages } => {
            if !(1..=100).contains(quality) {
                return error(400, "bad_request_params", "quality must be between 1 and 100");
            }
            (*width, pages.clone(), Some(*quality))
        }
    };
    if width.is_some_and(|w| !(40..=25_000).contains(&w)) {
        return error(400, "bad_request_params", "width must be between 40 and 25000");
    }
    if pages.iter().any(|p| *p == 0 || *p as usize > design.pages.len()) {
        return error(400, "bad_request_params", "Invalid page range");
    }
    let t = now();
    let q = c.quotas.clone();
    let in_window =
        |times: &[Instant], span| times.iter().filter(|at| within(**at, span, t)).count();
    if in_window(&c.export_times.user, q.user_day.1) >= q.user_day.0 {
        return throttle(&mut c, "Too many daily export requests for user");
    }
    if in_window(&c.export_times.user, q.user_minute.1) >= q.user_minute.0
        || in_window(&c.export_times.user, q.user_five_minutes.1) >= q.user_five_minutes.0
    {
        return throttle(&mut c, "Too many export requests for user");
    }
    let by_design = c.export_times.designs.get(&req.design_id).cloned().unwrap_or_default();
    if in_window(&by_design, q.design_five_minutes.1) >= q.design_five_minutes.0 {
        return throttle(&mut c, "Too many export requests for design");
    }
    c.export_times.user.push(t);
    c.export_times.designs.entry(req.design_id.clone()).or_default().push(t);
    c.exports += 1;
    let pages = if pages.is_empty() { (1..=design.pages.len() as u32).collect() } else { pages };
    let outcome = match &design.fails_with {
        Some(code) => Err((code.clone(), failure_message(code))),
        None => Ok(pages.iter().map(|p| render(&design, *p, width, jpg)).collect()),
    };
    let expired = c.expire_next_jobs > 0;
    c.expire_next_jobs = c.expire_next_jobs.saturating_sub(1);
    c.next_id += 1;
    let id = format!("e{:08}-fake-job", c.next_id);
    let job = Job { polls_left: c.polls_before_done, outcome, expired };
    let answer = view(&c.oauth.base, &id, &job);
    c.jobs.insert(id, job);
    Json(answer).into_response()
}

fn failure_message(code: &str) -> String {
    match code {
        "license_required" => "User doesn't have the required license to export in PRO quality.",
        "approval_required" => "The design requires reviewer approval before it can be exported.",
        _ => "The service encountered an error when exporting your design.",
    }
    .into()
}

fn view(base: &str, id: &str, job: &Job) -> JobAnswer {
    let (status, urls, error) = match (&job.outcome, job.polls_left) {
        (_, 1..) => (JobStatus::InProgress, Vec::new(), None),
        (Ok(files), 0) => {
            let urls = (1..=files.len())
                .map(|n| format!("{base}/export-download/{id}/{n}?X-Amz-Expires=86400"))
                .collect();
            (JobStatus::Success, urls, None)
        }
        (Err((code, message)), 0) => (
            JobStatus::Failed,
            Vec::new(),
            Some(ApiError { code: code.clone(), message: message.clone() }),
        ),
    };
    JobAnswer { job: ExportJob { id: id.into(), status, urls, error } }
}

pub(super) async fn job(
    State(s): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    if let Some(r) = refusal(&mut c, "get_export", &headers) {
        return r;
    }
    let base = c.oauth.base.clone();
    let Some(job) = c.jobs.get_mut(&id) else {
        return error(404, "not_found", "export job result has expired");
    };
    let answer = view(&base, &id, job);
    job.polls_left = job.polls_left.saturating_sub(1);
    Json(answer).into_response()
}

/// The signed download: no Authorization (a presigned URL), 403 once expired.
pub(super) async fn download(
    State(s): State<Shared>,
    Path((job, page)): Path<(String, usize)>,
    headers: HeaderMap,
) -> Response {
    let mut c = s.lock().unwrap();
    c.calls.push("download".into());
    if headers.contains_key("Authorization") {
        c.downloads_with_auth += 1;
    }
    let file = match c.jobs.get(&job) {
        Some(Job { expired: true, .. }) | None => {
            let body =
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>";
            return (StatusCode::FORBIDDEN, body).into_response();
        }
        Some(Job { outcome: Ok(files), polls_left: 0, .. }) => {
            files.get(page.wrapping_sub(1)).cloned()
        }
        Some(_) => None,
    };
    let Some(file) = file else { return (StatusCode::NOT_FOUND, "no such file").into_response() };
    c.downloads += 1;
    match file {
        File::Bytes(b) => b.into_response(),
        File::Zeros(n) => {
            const CHUNK: u64 = 1 << 20;
            let chunks = (0..n).step_by(CHUNK as usize).map(move |start| {
                Ok::<_, std::io::Error>(Bytes::from(vec![0u8; (n - start).min(CHUNK) as usize]))
            });
            let mut r = Body::from_stream(futures_util::stream::iter(chunks)).into_response();
            r.headers_mut().insert("Content-Length", n.to_string().parse().unwrap());
            r
        }
    }
}

/// A design's thumbnail, at the address its listing gave (signed, no Authorization, as
/// Canva's are): its first page, small.
pub(super) async fn thumbnail(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    let mut c = s.lock().unwrap();
    c.calls.push("thumbnail".into());
    let file = c
        .designs
        .get(&id)
        .filter(|d| !d.pages.is_empty())
        .map(|d| render(d, 1, Some(THUMBNAIL_WIDTH), None));
    match file {
        Some(File::Bytes(b)) => ([("Content-Type", "image/png")], b).into_response(),
        _ => (StatusCode::NOT_FOUND, "no such thumbnail").into_response(),
    }
}

/// How wide the fake's thumbnails are (Canva's list thumbnails are a few hundred pixels).
pub(super) const THUMBNAIL_WIDTH: u32 = 320;

/// A page as Canva would export it: drawn from the design, the page and its version, at the
/// design's size or `width` (the height keeping the aspect ratio).
fn render(d: &FakeDesign, page: u32, width: Option<u32>, jpg: Option<u8>) -> File {
    let version = match &d.pages[page as usize - 1] {
        Page::Pixels(v) => *v,
        Page::Bytes(b) => return File::Bytes(Bytes::from(b.clone())),
        Page::Zeros(n) => return File::Zeros(*n),
    };
    let w = width.unwrap_or(d.width);
    let h = (u64::from(d.height) * u64::from(w) / u64::from(d.width)).max(1) as u32;
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = version.wrapping_mul(53) as u8;
        image::Rgb([(x * 255 / w) as u8 ^ v, (y * 255 / h) as u8, (page as u8).wrapping_mul(40)])
    });
    let bytes = match jpg {
        None => {
            let mut out = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
            out
        }
        Some(quality) => {
            let image = turbojpeg::Image {
                pixels: img.as_raw().as_slice(),
                width: w as usize,
                pitch: w as usize * 3,
                height: h as usize,
                format: turbojpeg::PixelFormat::RGB,
            };
            turbojpeg::compress(image, i32::from(quality), turbojpeg::Subsamp::Sub2x2)
                .unwrap()
                .to_vec()
        }
    };
    File::Bytes(Bytes::from(bytes))
}
