//! `folio site connect`: WordPress's approval page instead of a typed Application Password. The
//! work is the engine's; this prints the address to open and the outcome. Ctrl-C stops the
//! wait; after a stop or the timeout it listens a little longer, so that a password approved
//! just then is removed from the site again instead of being left there.

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
    let mut c = engine.wordpress_connect_start(url, allow_http, Callback::Loopback, name).await?;
    println!("open: {}", c.url);
    let _ = std::io::stdout().flush();
    if !no_browser && folio_engine::open_in_browser(&c.url).is_ok() {
        eprintln!("Opened {} in your browser.", c.site.site_url);
    }
    eprintln!(
        "Log in to {} if asked, then press \"Yes, I approve of this connection\". Waiting up to {timeout} s…",
        c.site.site_url
    );
    let timeout = Duration::from_secs(timeout);
    let interrupted = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let s = match engine.wordpress_connect_wait(&mut c, timeout, interrupted).await {
        Ok(s) => s,
        Err(e) => {
            // A short wait asked for is not stretched much: the grace is at most as long.
            let grace = folio_engine::LATE_GRACE.min(timeout);
            if c.is_waiting() {
                eprintln!(
                    "Still listening {} s so that a password approved now is removed from the site again (Ctrl-C to stop)…",
                    grace.as_secs()
                );
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                if let Some(said) = engine.wordpress_connect_abandon(c, grace, stop).await {
                    eprintln!("{said}");
                }
            }
            return Err(e);
        }
    };
    let mode = if s.capabilities.replace_in_place {
        "replaces in place (companion plugin)"
    } else {
        "changed photos get a new URL (no companion plugin)"
    };
    println!("Connected {} ({} at {}): {mode}", s.name, s.account, s.url);
    Ok(ExitCode::SUCCESS)
}
