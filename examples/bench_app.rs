//! `make bench-app`: the desktop app's speed, measured in the real window (tauri-driver +
//! WebKitWebDriver under Xvfb). Not a test; it prints figures.
//!
//! 1. Launch to first paint, cold (first launch after the data folder is made) and warm.
//! 2. First screen of thumbnails for a 1,000-photo album: time until every visible cell's
//!    source thumbnail has loaded, cold (none cached) and warm (cached, app restarted).
//! 3. Scrolling a 10,000-photo album top to bottom: frame times from the web view's
//!    `requestAnimationFrame` timestamps (p50, p95, worst, share over 16.7 ms).
//! 4. The app's memory with the 10,000-photo album shown and scrolled: the app process and every
//!    process under it (WebKit's web and network processes, Folio's decoders), as PSS (shared
//!    pages split between the processes that map them, so nothing counts twice) and RSS.
//!
//! `FOLIO_APP_BUILD=release` measures `target/release/folio-app` (`make bench-app` runs both).
//!
//! The albums have no site, so only source thumbnails are measured; the site's copies come from
//! the same cache and protocol once downloaded.

// The example uses only part of the window test's driver.
#[allow(dead_code)]
#[path = "../tests/app/webdriver.rs"]
mod webdriver;

use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use webdriver::Driver;

/// The build measured: `debug` (the default) or `release`.
fn build() -> String {
    std::env::var("FOLIO_APP_BUILD").unwrap_or_else(|_| "debug".into())
}

fn app_binary() -> PathBuf {
    // examples/ lives beside the debug binaries; the release ones are in the sibling folder.
    let debug = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    debug.parent().unwrap().join(build()).join("folio-app")
}

/// Each process's parent, from `/proc`.
fn parents() -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // `pid (name) state ppid …`: the name may hold spaces, so read after its `)`.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if let Some(ppid) = after.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            out.push((pid, ppid));
        }
    }
    out
}

/// PSS and RSS in MB of the app (every process running `app`) and all under it, and how many
/// processes that is.
fn app_memory(app: &Path) -> (f64, f64, usize) {
    let all = parents();
    let is_app = |pid: u32| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|e| e == app);
    let mut tree: Vec<u32> = all.iter().map(|(p, _)| *p).filter(|p| is_app(*p)).collect();
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        let children: Vec<u32> = all
            .iter()
            .filter(|(pid, pp)| *pp == parent && !tree.contains(pid))
            .map(|(p, _)| *p)
            .collect();
        tree.extend(children);
        i += 1;
    }
    let (mut pss, mut rss) = (0u64, 0u64);
    for pid in &tree {
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let kb = |field: &str| {
            rollup
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        };
        pss += kb("Pss:").unwrap_or(0);
        rss += kb("Rss:").unwrap_or(0);
    }
    (pss as f64 / 1024.0, rss as f64 / 1024.0, tree.len())
}

/// `count` distinct photos of `edge` px (different content each, so no cache hit is shared).
fn make_photos(dir: &Path, count: usize, edge: u32) {
    std::fs::create_dir_all(dir).unwrap();
    let existing = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
    if existing == count {
        return;
    }
    let preset = folio_convert::Preset {
        format: folio_convert::OutputFormat::Jpeg,
        max_edge: edge,
        quality: 85,
        ..folio_convert::Preset::default()
    };
    let (w, h) = (edge, edge * 2 / 3);
    for i in 0..count {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let v = (x * 7 + y * 3 + i as u32 * 13) % 256;
            image::Rgb([v as u8, ((x + i as u32) % 256) as u8, ((y * 2) % 256) as u8])
        });
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let jpeg = folio_convert::convert(&png.into_inner(), &preset).unwrap();
        std::fs::write(dir.join(format!("IMG_{i:05}.jpg")), jpeg.bytes).unwrap();
    }
}

fn launch(data: &Path) -> (Driver, Duration, f64) {
    let driver = PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo/bin/tauri-driver");
    let started = Instant::now();
    let d = Driver::start(
        &driver,
        &app_binary(),
        &[("FOLIO_DATA_DIR", data.to_str().unwrap()), ("FOLIO_SECRETS", "file")],
    );
    d.wait_text(".sidebar", Duration::from_secs(60), |t| t.contains("Folio"));
    let to_sidebar = started.elapsed();
    let fcp = d
        .exec(
            "const p = performance.getEntriesByType('paint')
               .find((e) => e.name === 'first-contentful-paint');
             return p ? p.startTime : -1;",
            json!([]),
        )
        .as_f64()
        .unwrap_or(-1.0);
    (d, to_sidebar, fcp)
}

/// Waits until the album view shows `photos` photos and every rendered cell's source
/// thumbnail has loaded; returns the time since `since`.
fn first_screen(d: &Driver, photos: usize, since: Instant) -> Duration {
    let want = format!("{photos} photos");
    let started = Instant::now();
    loop {
        let r = d.exec(
            "const s = document.querySelector('.summary');
             const imgs = [...document.querySelectorAll('.cell .thumb:first-child img')];
             return !!s && s.innerText.startsWith(arguments[0]) && imgs.length > 0 &&
               imgs.every((i) => i.complete && i.naturalWidth > 0);",
            json!([want]),
        );
        if r == json!(true) {
            return since.elapsed();
        }
        assert!(started.elapsed() < Duration::from_secs(600), "thumbnails never loaded");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn add_album(d: &Driver, dir: &Path) {
    let r = d.exec(
        "return await window.__TAURI_INTERNALS__.invoke('add_folders', { paths: [arguments[0]] });",
        json!([dir.to_str().unwrap()]),
    );
    assert!(r["added"].as_array().is_some_and(|a| a.len() == 1), "album not added: {r}");
}

fn show_album(d: &Driver, name: &str) {
    // The sidebar learns of the album with the next engine event; wait for its button.
    let r = d.exec(
        "const t0 = performance.now();
         while (performance.now() - t0 < 25000) {
           const b = [...document.querySelectorAll('.album .album-name')]
             .find((n) => n.innerText.trim() === arguments[0]);
           if (b) { b.closest('button').click(); return 'ok'; }
           await new Promise((r) => setTimeout(r, 200));
         }
         return 'no album button';",
        json!([name]),
    );
    assert_eq!(r, "ok", "{r}");
}

/// Scrolls the grid from top to bottom, a fixed distance per frame, and returns the frame
/// times in milliseconds.
fn scroll_frames(d: &Driver) -> Vec<f64> {
    let r = d.exec(
        "const g = document.querySelector('.grid-scroller');
         g.scrollTop = 0;
         await new Promise((r) => setTimeout(r, 500));
         const times = [];
         let last = null;
         await new Promise((done) => {
           const step = (t) => {
             if (last !== null) times.push(t - last);
             last = t;
             g.scrollTop += 600;
             if (g.scrollTop + g.clientHeight >= g.scrollHeight - 1 || times.length > 4000) done();
             else requestAnimationFrame(step);
           };
           requestAnimationFrame(step);
         });
         return times;",
        json!([]),
    );
    r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let work = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-out/app");
    let (thousand, ten_thousand) = (work.join("Album 1000"), work.join("Album 10000"));
    eprintln!("bench-app: making photos (once)…");
    make_photos(&thousand, 1000, 1600);
    make_photos(&ten_thousand, 10_000, 320);
    let data = work.join("data");
    let _ = std::fs::remove_dir_all(&data);

    // Cold: a new data folder, no thumbnail cached.
    let (d, cold_launch, cold_fcp) = launch(&data);
    let added = Instant::now();
    add_album(&d, &thousand);
    let cold_thumbs = first_screen(&d, 1000, added);
    drop(d);
    // Warm: the same again, thumbnails cached on disk; timed from the process start.
    let relaunched = Instant::now();
    let (d, warm_launch, warm_fcp) = launch(&data);
    let warm_thumbs = first_screen(&d, 1000, relaunched);

    add_album(&d, &ten_thousand);
    show_album(&d, "Album 10000");
    first_screen(&d, 10_000, Instant::now());
    let nodes = d.exec("return document.querySelectorAll('*').length;", json!([]));
    let mut frames = scroll_frames(&d);
    let (pss, rss, processes) = app_memory(&app_binary());
    drop(d);
    frames.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let slow = frames.iter().filter(|f| **f > 16.7).count();

    println!("desktop app, {} build, Xvfb (software rendering), 2 cores:", build());
    println!("  launch to window ready (process start → sidebar drawn): cold {:.2} s, warm {:.2} s  (goal < 1 s warm)", cold_launch.as_secs_f64(), warm_launch.as_secs_f64());
    println!("  web view first contentful paint (from navigation start): cold {cold_fcp:.0} ms, warm {warm_fcp:.0} ms");
    println!("  first screen of thumbnails, 1,000-photo album (1600 px JPEGs):");
    println!(
        "    cold (folder dropped → scanned → visible thumbnails made and shown): {:.2} s",
        cold_thumbs.as_secs_f64()
    );
    println!(
        "    warm (app started → visible thumbnails shown from the cache): {:.2} s",
        warm_thumbs.as_secs_f64()
    );
    println!(
        "  scrolling 10,000 photos top to bottom: {} frames, p50 {:.1} ms, p95 {:.1} ms, worst {:.1} ms, {:.1}% over 16.7 ms; {} DOM nodes",
        frames.len(),
        percentile(&frames, 0.5),
        percentile(&frames, 0.95),
        frames.last().copied().unwrap_or(0.0),
        100.0 * slow as f64 / frames.len().max(1) as f64,
        nodes
    );
    println!(
        "  memory with 10,000 photos shown and scrolled: {pss:.0} MB PSS ({rss:.0} MB RSS) in {processes} processes (the app, its web view's, its decoders)  (goal ≤ 300 MB)"
    );
}
