//! Just enough of the W3C WebDriver protocol to drive the real app through tauri-driver and
//! WebKitWebDriver: sessions, CSS lookups with waiting, clicks, typing, scripts, screenshots.
//! Also starts what the session needs: a private X server (Xvfb) and tauri-driver.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    http: reqwest::blocking::Client,
    base: String,
    session: String,
    /// The X display and D-Bus session the app runs in.
    pub display: String,
    pub bus: String,
    children: Vec<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A display no live X server holds. An X server killed by a test leaves its lock file (with
/// its pid) and socket behind; the number is free again once that pid is gone, and Xvfb takes
/// over a stale lock itself.
fn free_display() -> u32 {
    let held = |n: u32| {
        let lock = std::fs::read_to_string(format!("/tmp/.X{n}-lock")).unwrap_or_default();
        match lock.trim().parse::<u32>() {
            Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
            Err(_) => Path::new(&format!("/tmp/.X11-unix/X{n}")).exists(),
        }
    };
    (90..200).find(|n| !held(*n)).expect("a free X display between :90 and :199")
}

/// How long a session may take to start before the whole start is tried again.
const SESSION_WAIT: Duration = Duration::from_secs(60);

impl Driver {
    /// Starts Xvfb, tauri-driver and a session running `app` with `env`. Now and then the app's
    /// window never comes up under Xvfb and WebKitWebDriver hangs on the new session (seen in
    /// about one full run in five, never twice in a row): everything is then stopped and
    /// started again, on a fresh display, up to three times.
    pub fn start(tauri_driver: &Path, app: &Path, env: &[(&str, &str)]) -> Driver {
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Driver::try_start(tauri_driver, app, env) {
                Ok(d) => return d,
                Err(e) => failures.push(e),
            }
        }
        panic!("no WebDriver session in three starts: {failures:?}");
    }

    fn try_start(tauri_driver: &Path, app: &Path, env: &[(&str, &str)]) -> Result<Driver, String> {
        let mut children = Vec::new();
        let display = format!(":{}", free_display());
        children.push(
            Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", "1180x760x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb (package xvfb) is needed for the window tests"),
        );
        let socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
        wait_until(Duration::from_secs(10), || Path::new(&socket).exists(), "Xvfb to start");
        let port = free_port();
        // A D-Bus session of its own (single-instance and notifications need one), whose address
        // a test can give a second launch of the app.
        let bus_path = format!("/tmp/folio-test-bus-{}-{port}", std::process::id());
        let bus = format!("unix:path={bus_path}");
        let mut daemon = Command::new("dbus-daemon");
        std::os::unix::process::CommandExt::process_group(&mut daemon, 0);
        daemon
            .args(["--session", "--nofork", "--nopidfile", &format!("--address={bus}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        children.push(daemon.spawn().expect("dbus-daemon (package dbus) for the window tests"));
        wait_until(Duration::from_secs(10), || Path::new(&bus_path).exists(), "dbus-daemon");
        let mut driver = Command::new(tauri_driver);
        // Its own process group, so the app it starts is stopped with it.
        std::os::unix::process::CommandExt::process_group(&mut driver, 0);
        driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .env("DISPLAY", &display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            // Software rendering: Xvfb has no GPU, and WebKit's DMA-BUF renderer then draws blank.
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            driver.env(k, v);
        }
        children.push(driver.spawn().expect("tauri-driver"));
        let base = format!("http://127.0.0.1:{port}");
        let http =
            reqwest::blocking::Client::builder().timeout(Duration::from_secs(120)).build().unwrap();
        wait_until(
            Duration::from_secs(20),
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "tauri-driver to listen",
        );
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": app.to_str().unwrap()}
        }}});
        // tauri-driver listens before WebKitWebDriver behind it is ready; early attempts fail.
        let started = Instant::now();
        // Built first, so a failure below still stops what was started (Drop).
        let mut d = Driver { http, base, session: String::new(), display, bus, children };
        d.session = loop {
            let answer = d
                .http
                .post(format!("{}/session", d.base))
                .timeout(SESSION_WAIT)
                .json(&caps)
                .send()
                .and_then(|r| r.json::<Value>());
            match answer {
                Ok(v) if v["value"]["sessionId"].is_string() => {
                    break v["value"]["sessionId"].as_str().unwrap().to_string();
                }
                // Dropping `d` stops what this attempt started.
                other if started.elapsed() >= SESSION_WAIT => {
                    return Err(format!("no WebDriver session: {other:?}"))
                }
                _ => {}
            }
            std::thread::sleep(Duration::from_millis(300));
        };
        Ok(d)
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req.send().unwrap().json().unwrap();
        v["value"].clone()
    }

    /// The first element matching `css`, waiting up to `timeout` for it.
    pub fn find_within(&self, css: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            let v = self.call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            );
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(started.elapsed() < timeout, "no element matches {css}: {v}");
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    pub fn find(&self, css: &str) -> String {
        self.find_within(css, Duration::from_secs(15))
    }

    pub fn click(&self, css: &str) {
        let el = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{el}/click"), Some(json!({})));
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.call(reqwest::Method::POST, &format!("/element/{el}/clear"), Some(json!({})));
        self.call(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value; a
    /// returned promise is awaited.
    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({
                "script": format!(
                    "const done = arguments[arguments.length - 1];\
                     Promise.resolve((async () => {{ {script} }})(...Array.from(arguments).slice(0, -1)))\
                       .then(done, (e) => done('error: ' + (typeof e === 'object' ? JSON.stringify(e) : e)));"
                ),
                "args": args
            })),
        )
    }

    /// Waits until `probe` (text of the first `css` match) satisfies `ok`.
    pub fn wait_text(&self, css: &str, timeout: Duration, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let t = self.exec(
                "const el = document.querySelector(arguments[0]); return el ? el.innerText : null;",
                json!([css]),
            );
            if let Some(t) = t.as_str() {
                if ok(t) {
                    return t.to_string();
                }
            }
            assert!(started.elapsed() < timeout, "{css} never matched; last text: {t}");
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The address of the first `css` link, once the page shows one (the app's "open this in
    /// your browser" links); on timeout, fails with what the page says instead.
    pub fn wait_link(&self, css: &str, timeout: Duration) -> String {
        let href = self.exec(
            "const until = Date.now() + arguments[1];
             while (Date.now() < until) {
               const a = document.querySelector(arguments[0]);
               if (a) return a.href;
               await new Promise((r) => setTimeout(r, 100));
             }
             return null;",
            json!([css, timeout.as_millis() as u64]),
        );
        match href.as_str() {
            Some(h) => h.to_string(),
            None => {
                let page = self.exec("return document.querySelector('main').innerText;", json!([]));
                panic!("no {css} link; the page says: {page}")
            }
        }
    }

    /// The X screen as the user would see it (the window with its real pixels). WebDriver's
    /// own screenshot command hangs in WebKitGTK under Xvfb, so ImageMagick reads the screen.
    pub fn screenshot(&self, path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Let the last change paint.
        std::thread::sleep(Duration::from_millis(600));
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(path)
            .status()
            .expect("import (package imagemagick) takes the screenshots");
        assert!(status.success(), "screenshot of {} failed", self.display);
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // A start that got no session has none to end (and its driver may not answer).
        if !self.session.is_empty() {
            let url = format!("{}/session/{}", self.base, self.session);
            let _ = self.http.delete(url).send();
        }
        for c in self.children.iter_mut().rev() {
            let group = format!("-{}", c.id());
            let _ =
                Command::new("kill").args(["-TERM", "--", &group]).stderr(Stdio::null()).status();
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn wait_until(timeout: Duration, mut ok: impl FnMut() -> bool, what: &str) {
    let started = Instant::now();
    while !ok() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}
