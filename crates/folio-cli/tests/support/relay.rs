//! A sign-in through the relay as a person makes it, for the tests of accounts that sign in that
//! way (WordPress.com, Canva, Lightroom): `folio relay serve` holding the OAuth apps' secrets in
//! front of the fakes, and the person's browser, which follows the fake's consent redirect to
//! the relay's callback and on to Folio's loopback listener.

use folio_sites::wpcom::fake::{FakeWpcom, FakeWpcomConfig};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The OAuth app's secret: the relay has it, Folio never does.
pub const SECRET: &str = "relay-kept-wpcom-secret-5b7e";

/// `folio relay serve`, stopped when dropped.
pub struct Relay {
    pub url: String,
    child: Child,
}

impl Relay {
    /// Everything the relay wrote to its log, once stopped.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut log = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
        log
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The fake WordPress.com, its OAuth app's one redirect URI the relay's callback on `port`.
pub async fn fake_wpcom(port: u16, global_token: bool) -> FakeWpcom {
    let callback = format!("http://127.0.0.1:{port}/callback/wpcom");
    let config = FakeWpcomConfig {
        redirect_uris: vec![callback],
        client_secret: SECRET.into(),
        global_token,
        ..FakeWpcomConfig::default()
    };
    FakeWpcom::start(config).await
}

/// `folio relay serve` on `port` for the fake's OAuth app, the secret from the environment.
pub async fn relay(dir: &Path, port: u16, fake: &FakeWpcom) -> Relay {
    let service = format!(
        r#"[services.wpcom]
client_id = "{client_id}"
client_secret_env = "FOLIO_TEST_WPCOM_SECRET"
secret_in = "body"
authorize_url = "{api}/oauth2/authorize"
token_url = "{api}/oauth2/token"
scopes = ["posts", "media"]
"#,
        client_id = fake.state.lock().unwrap().config.client_id,
        api = fake.api_url,
    );
    relay_with(dir, port, &service, &[("FOLIO_TEST_WPCOM_SECRET", SECRET)]).await
}

/// `folio relay serve` on `port` with these `[services.…]` tables and environment.
pub async fn relay_with(dir: &Path, port: u16, services: &str, env: &[(&str, &str)]) -> Relay {
    let url = format!("http://127.0.0.1:{port}");
    let file = dir.join(format!("relay-{port}.toml"));
    std::fs::write(&file, format!("public_url = \"{url}\"\n\n{services}")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["relay", "serve", "--config"])
        .arg(&file)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let relay = Relay { url, child };
    let http = reqwest::Client::new();
    for _ in 0..200 {
        let answer = http.get(format!("{}/services", relay.url)).send().await;
        if answer.is_ok_and(|a| a.status().is_success()) {
            return relay;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the relay did not start: {}", relay.stop());
}

/// A sign-in under way: `folio` waiting for the browser, and the address it printed.
pub struct SignIn {
    child: Child,
    out: BufReader<ChildStdout>,
    pub open: String,
}

/// Starts a sign-in (`connect wpcom …` or `account reconnect …`) of `command`, which prints the
/// sign-in page's address first (`--no-browser`).
pub fn start(mut command: Command) -> SignIn {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let open = line.trim().strip_prefix("open: ").unwrap_or_else(|| panic!("{line:?}"));
    SignIn { child, out, open: open.to_string() }
}

impl SignIn {
    /// The person's browser: the service's consent page (the fake agrees at once), then the
    /// relay's callback, then Folio's listener on 127.0.0.1 for `service`, which says it is
    /// done.
    pub async fn browse(&self, relay: &Relay, service: &str) {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap();
        let page = browser.get(&self.open).send().await.unwrap();
        let landed = page.url().clone();
        assert_eq!(landed.host_str(), Some("127.0.0.1"), "{landed}");
        assert_ne!(landed.port(), url::Url::parse(&relay.url).unwrap().port(), "{landed}");
        assert_eq!(landed.path(), format!("/{service}"), "{landed}");
        let status = page.status();
        assert_eq!(status, 200, "{}", page.text().await.unwrap());
    }

    /// What the sign-in printed after the address, and how it ended.
    pub async fn finish(self) -> (bool, String, String) {
        let SignIn { child, mut out, .. } = self;
        tokio::task::spawn_blocking(move || {
            let mut rest = String::new();
            out.read_to_string(&mut rest).unwrap();
            let done = child.wait_with_output().unwrap();
            (done.status.success(), rest, String::from_utf8_lossy(&done.stderr).into_owned())
        })
        .await
        .unwrap()
    }
}
