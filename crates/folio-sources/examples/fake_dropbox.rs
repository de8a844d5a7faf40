//! The fake Dropbox as a process of its own, for `make bench-sync` (scripts/bench_sync.py).
//! Prints `url: http://127.0.0.1:PORT`, then reads one command a line on stdin and answers each
//! with one line:
//! - `put <dropbox path>\t<local file>`: another device writes that file to Dropbox → `ok`
//! - `seed <folder> <n>`: `n` small distinct PNGs under `<folder>` → `ok`
//! - `page_size <n>`: entries per `list_folder` page (Dropbox pages about 2,000) → `ok`
//! - `stats`: `{"calls": {route: count}, "downloads": n}`, counted since the last `stats`
//!
//! cargo run --release -p folio-sources --features testing --example fake_dropbox

use folio_sources::dropbox::fake::FakeDropbox;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::time::Duration;

/// An 8×8 PNG whose pixels (and so its content hash) are `i`'s own.
fn tiny_png(i: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(8, 8, |x, y| {
        image::Rgb([(i % 251) as u8, (i / 251 % 251) as u8, (x * 16 + y) as u8])
    });
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).expect("PNG encodes");
    png.into_inner()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let fake = runtime.block_on(FakeDropbox::start("unused", Duration::from_secs(4 * 3600)));
    fake.state.lock().unwrap().page_size = 2000;
    let mut out = std::io::stdout().lock();
    writeln!(out, "url: {}", fake.url).unwrap();
    out.flush().unwrap();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let (cmd, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let answer = match cmd {
            "put" => match rest.split_once('\t').map(|(p, f)| (p, std::fs::read(f))) {
                Some((path, Ok(bytes))) => {
                    fake.put(path, &bytes);
                    "ok".to_string()
                }
                Some((_, Err(e))) => format!("error: {e}"),
                None => "error: put <dropbox path>\\t<local file>".into(),
            },
            "seed" => match rest.rsplit_once(' ').map(|(f, n)| (f, n.parse::<u32>())) {
                Some((folder, Ok(n))) => {
                    for i in 0..n {
                        fake.put(&format!("{folder}/{:02}/p{i:05}.png", i / 500), &tiny_png(i));
                    }
                    "ok".into()
                }
                _ => "error: seed <folder> <n>".into(),
            },
            "page_size" => match rest.parse() {
                Ok(n) => {
                    fake.state.lock().unwrap().page_size = n;
                    "ok".into()
                }
                Err(e) => format!("error: {e}"),
            },
            "stats" => {
                let mut d = fake.state.lock().unwrap();
                let mut calls = BTreeMap::<String, usize>::new();
                for c in d.calls.drain(..) {
                    *calls.entry(c).or_default() += 1;
                }
                let downloads = std::mem::take(&mut d.downloads);
                serde_json::json!({ "calls": calls, "downloads": downloads }).to_string()
            }
            _ => format!("error: unknown command {cmd:?}"),
        };
        writeln!(out, "{answer}").unwrap();
        out.flush().unwrap();
    }
}
