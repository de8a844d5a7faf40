//! WordPress's answer through the app's own address: the site sends the browser to
//! `folio://connect?…`, the OS starts a second Folio with it, and single-instance hands it to
//! the running app, which hands it to the Connect dialog's sign-in under way and connects the
//! site. The second launch exits at once.

use crate::webdriver::{wait_until, Driver};
use crate::{approve, prerequisites, WINDOW};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_folio_address_from_the_os_reaches_the_running_app() {
    let Some((site, tauri_driver)) = prerequisites() else { return };
    let _one_window = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_folio-app"));
    let d = Driver::start(
        &tauri_driver,
        &app,
        &[
            ("FOLIO_DATA_DIR", data.to_str().unwrap()),
            ("FOLIO_SECRETS", "file"),
            ("FOLIO_CONNECT_CALLBACK", "app"),
        ],
    );
    d.wait_text(".welcome", Duration::from_secs(30), |t| t.contains("Connect a site"));
    d.click(".steps button");
    d.click(".connect-dialog button[data-connector=wordpress]");
    d.type_into(".connect-dialog input[name=url]", &site.url);
    d.click(".connect-dialog form.connect-form button[type=submit]");
    let approve_url = d.wait_link(".connect-dialog a.browser-url", Duration::from_secs(30));
    let login = std::env::var("FOLIO_WPC_LOGIN_PASSWORD").expect("set by tests/with-wordpress.sh");
    let back = approve::press_with_script(
        &site.url,
        &site.user,
        &login,
        &approve_url,
        approve::Press::Approve,
    );
    assert!(back.starts_with("folio://connect?state="), "{back}");

    // The OS opens the address with Folio: a second launch, in the same session.
    let mut second = Command::new(&app)
        .arg(&back)
        .env("DISPLAY", &d.display)
        .env("DBUS_SESSION_BUS_ADDRESS", &d.bus)
        .env("FOLIO_DATA_DIR", tmp.path().join("second"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut exited = None;
    wait_until(
        Duration::from_secs(30),
        || {
            exited = second.try_wait().unwrap();
            exited.is_some()
        },
        "the second launch to hand over and exit",
    );
    assert!(exited.unwrap().success());
    let card =
        d.wait_text(".card.account", Duration::from_secs(30), |t| t.contains("Folio test site"));
    assert!(card.contains("Signed in as"), "{card}");
    assert!(!tmp.path().join("second").exists(), "the second launch opened no data of its own");
}
