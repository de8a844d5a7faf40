//! `folio site connect`: WordPress's approval page instead of a typed Application Password. The
//! work is the engine's; this prints the address to open and the outcome.

use folio_engine::{Callback, Engine, EngineError};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub async fn connect(
    engine: &Engine,
    url: &str,
    name: Option<&str>,
    no_browser: bool,
    timeout: u64,
    allow_http: bool,
) -> Result<ExitCode, EngineError> {
    // The listener accepts connections before the address is shown.
    let c = engine.wordpress_connect_start(url, allow_http, Callback::Loopback, name).await?;
    println!("open: {}", c.url);
    let _ = std::io::stdout().flush();
    if !no_browser && crate::dropbox::open_browser(&c.url) {
        eprintln!("Opened {} in your browser.", c.site.site_url);
    }
    eprintln!(
        "Log in to {} if asked, then press \"Yes, I approve of this connection\". Waiting up to {timeout} s…",
        c.site.site_url
    );
    let s = engine.wordpress_connect_wait(c, Duration::from_secs(timeout)).await?;
    let mode = if s.capabilities.replace_in_place {
        "replaces in place (companion plugin)"
    } else {
        "changed photos get a new URL (no companion plugin)"
    };
    println!("Connected {} ({} at {}): {mode}", s.name, s.account, s.url);
    Ok(ExitCode::SUCCESS)
}
