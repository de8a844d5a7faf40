//! Started where there is no graphical display (a server, an SSH session), the app says so in
//! one line and points to the `folio` command, instead of panicking in the window toolkit.

#[test]
fn without_a_display_the_app_says_so_in_one_line() {
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_folio-app"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("FOLIO_DATA_DIR", data.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains("graphical display") && err.contains("folio --help"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
