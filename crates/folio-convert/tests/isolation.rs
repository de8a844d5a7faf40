//! Decoding in child processes (`Decoding::Isolated`): a file that really crashes a decoder
//! ends that process only; the pool answers with the photo's error and goes on. The tests start
//! this test binary itself as the decoder process (see `main_as_decoder` below).

use folio_convert::{bombs, ConvertPool, Decoding, ErrorKind, OutputFormat, Preset, WorkerCommand};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_FILE: &str = "FOLIO_TEST_IN_PROCESS_FILE";

fn photos() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/photos")
}

/// Runs only when this binary is started as a decoder process by the tests below: libtest
/// then runs just this test, which serves requests (and never returns).
#[test]
fn main_as_decoder() {
    if std::env::var_os("FOLIO_TEST_DECODER").is_some() {
        std::process::exit(folio_convert::worker::serve());
    }
}

/// Runs only as a child of `the_crash_file_ends_a_process_that_decodes_it_itself`.
#[test]
fn convert_in_this_process() {
    if let Some(file) = std::env::var_os(CHILD_FILE) {
        let _ = folio_convert::convert_file(Path::new(&file), &Preset::default());
        std::process::exit(0);
    }
}

fn this_binary_as_decoder() -> Decoding {
    let exe = std::env::current_exe().unwrap();
    Decoding::Isolated(WorkerCommand {
        program: exe,
        args: ["main_as_decoder", "--exact", "--nocapture", "--test-threads", "1"]
            .map(Into::into)
            .to_vec(),
        env: vec![("FOLIO_TEST_DECODER".into(), "1".into())],
    })
}

#[test]
fn the_crash_file_ends_a_process_that_decodes_it_itself() {
    let dir = tempfile::tempdir().unwrap();
    let crash = dir.path().join("crash.cr3");
    std::fs::write(&crash, bombs::cr3_metadata_box()).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["convert_in_this_process", "--exact", "--nocapture"])
        .env(CHILD_FILE, &crash)
        .output()
        .unwrap();
    assert!(!out.status.success(), "decoding it in-process must end the process: {out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("memory allocation of"), "{stderr}");
}

#[test]
fn a_crashing_decoder_fails_its_photo_and_the_pool_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let crash = dir.path().join("crash.cr3");
    std::fs::write(&crash, bombs::cr3_metadata_box()).unwrap();
    let pool = ConvertPool::new(1, this_binary_as_decoder());
    let preset = Preset { format: OutputFormat::Webp, max_edge: 128, ..Preset::default() };
    let e = pool.convert_file(crash.clone(), preset.clone()).wait().unwrap().unwrap_err();
    assert_eq!(e.path, crash);
    assert_eq!(e.kind, ErrorKind::TooLarge, "{}", e.message);
    assert!(e.message.contains("the decoder stopped"), "{}", e.message);
    // The same pool, a new decoder process: real photos still convert, probe and thumbnail.
    let good = photos().join("raw/scene.dng");
    let r = pool.convert_file(good.clone(), preset).wait().unwrap().unwrap();
    assert_eq!((r.width, r.height, r.extension), (96, 128, "webp"));
    assert!(!r.bytes.is_empty());
    let p = pool.probe_file(good.clone()).wait().unwrap().unwrap();
    assert_eq!((p.width, p.height), (256, 192));
    let t = pool.thumbnail_file(good, 64).wait().unwrap().unwrap();
    assert_eq!((t.width, t.height), (48, 64));
}

#[test]
fn bombs_are_refused_by_the_decoder_process_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.dng");
    std::fs::write(&bomb, bombs::dng_strips(60_000, 60_000)).unwrap();
    let pool = ConvertPool::new(1, this_binary_as_decoder());
    let e = pool.convert_file(bomb.clone(), Preset::default()).wait().unwrap().unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    assert!(e.message.starts_with("too large: 60000 × 60000"), "{}", e.message);
    let e = pool.probe_file(bomb).wait().unwrap().unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
}

#[test]
fn a_photo_over_the_whole_budget_is_refused_with_the_reason() {
    let pool = ConvertPool::with_budget(1, this_binary_as_decoder(), 40 << 20);
    let big = photos().join("large/jolla.jpg");
    let e = pool.convert_file(big, Preset::default()).wait().unwrap().unwrap_err();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    assert!(e.message.contains("over Folio's memory budget of 40 MB"), "{}", e.message);
}
