//! Handing an address to the OS to open in the user's browser. The OS opens whatever it is
//! given with the program registered for its scheme: a `file://host/share` makes Windows send
//! the user's credentials to that host, and `smb:`, `javascript:` or another app's own scheme
//! start something other than a web page. Addresses to open come from sites (WordPress's
//! approval page is named by the site itself), so every front end opens them through here.

use crate::AuthError;
use url::Url;

/// `address` if it is safe to hand to the OS: http or https, with a host, and no name or
/// password in it (the OS and the browser would keep them in their history).
pub fn web_address(address: &str) -> Result<Url, AuthError> {
    let refuse = |why: &str| AuthError::NotWebAddress(why.to_string());
    let url = Url::parse(address.trim()).map_err(|_| refuse("it is not a web address"))?;
    if !matches!(url.scheme(), "http" | "https") {
        // The scheme is safe to name; the rest may carry anything.
        return Err(refuse(&format!("it is a {}: address, not http or https", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse("it names no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it has a name or password in it"));
    }
    Ok(url)
}

/// Opens `address` in the default browser after checking it with [`web_address`].
pub fn open_in_browser(address: &str) -> Result<(), AuthError> {
    let url = web_address(address)?;
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    let mut child = std::process::Command::new(program)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| AuthError::NoBrowser(format!("{program}: {e}")))?;
    // explorer exits with 1 even when it opened the page; xdg-open without a desktop may run
    // the browser itself and only return when it closes. So: a quick failure counts, a
    // program still running after a moment has opened something.
    for _ in 0..20 {
        match child.try_wait() {
            Ok(Some(status)) if status.success() || cfg!(windows) => return Ok(()),
            Ok(Some(status)) => return Err(AuthError::NoBrowser(format!("{program}: {status}"))),
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(e) => return Err(AuthError::NoBrowser(format!("{program}: {e}"))),
        }
    }
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_with_a_host_and_no_credentials_are_opened() {
        for good in [
            "https://example.com/wp-admin/authorize-application.php?app_name=Folio",
            "http://127.0.0.1:8080/x",
            " https://[::1]/ ",
        ] {
            assert!(web_address(good).is_ok(), "{good}");
        }
        for bad in [
            "file://attacker.example/share/x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "smb://attacker.example/share",
            "folio://connect?state=x",
            "data:text/html,hi",
            "ms-settings:",
            "http://user:secret@example.com/",
            "https://user@example.com/",
            "http://",
            "not an address",
            "",
        ] {
            let e = web_address(bad).unwrap_err();
            assert!(matches!(e, AuthError::NotWebAddress(_)), "{bad}: {e:?}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
    }

    #[test]
    fn an_unsafe_address_is_refused_before_any_program_runs() {
        // Were it handed on, xdg-open would "open" it (or fail for lack of a desktop): either
        // way it would not be this error.
        let e = open_in_browser("file://attacker.example/share/x").unwrap_err();
        assert!(matches!(e, AuthError::NotWebAddress(_)), "{e:?}");
    }
}
