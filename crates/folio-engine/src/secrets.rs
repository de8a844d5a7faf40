//! Credentials live in the OS keychain (macOS Keychain, Windows Credential Manager, Secret
//! Service). A headless server often has none, so a file store can be chosen explicitly with
//! `FOLIO_SECRETS=file`: one file per secret under `<data dir>/secrets`, readable only by the
//! user. Never silently: without a keychain and without that setting, adding a site fails and
//! says what to do.

use crate::{EngineError, ErrorCode};
use std::path::PathBuf;

const SERVICE: &str = "app.folio.desktop";

#[derive(Clone)]
pub enum Secrets {
    Keychain,
    Files(PathBuf),
}

impl Secrets {
    pub fn open(data_dir: &std::path::Path) -> Result<Secrets, EngineError> {
        match std::env::var("FOLIO_SECRETS").as_deref() {
            Ok("file") => Ok(Secrets::Files(data_dir.join("secrets"))),
            Ok("keychain") | Err(_) => Ok(Secrets::Keychain),
            Ok(other) => Err(EngineError::config(format!(
                "FOLIO_SECRETS='{other}': expected 'keychain' (default) or 'file'"
            ))),
        }
    }

    fn keychain_entry(reference: &str) -> Result<keyring::Entry, EngineError> {
        if let Err(e) = keyring::Entry::store_status() {
            return Err(EngineError::new(
                ErrorCode::Secrets,
                format!(
                    "no OS keychain is available ({e}). On a server without one, set \
                     FOLIO_SECRETS=file to keep credentials in Folio's data folder, readable \
                     only by you"
                ),
            ));
        }
        keyring::Entry::new(SERVICE, reference)
            .map_err(|e| EngineError::new(ErrorCode::Secrets, format!("keychain: {e}")))
    }

    fn file(dir: &std::path::Path, reference: &str) -> PathBuf {
        // References are our own ASCII slugs; keep them that way on disk.
        let safe: String =
            reference.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
        dir.join(safe)
    }

    pub fn set(&self, reference: &str, secret: &str) -> Result<(), EngineError> {
        let fail = |e: std::io::Error| {
            EngineError::new(ErrorCode::Secrets, format!("saving the credential: {e}"))
        };
        match self {
            Secrets::Keychain => Self::keychain_entry(reference)?
                .set_password(secret)
                .map_err(|e| EngineError::new(ErrorCode::Secrets, format!("keychain: {e}"))),
            Secrets::Files(dir) => {
                std::fs::create_dir_all(dir).map_err(fail)?;
                let path = Self::file(dir, reference);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create(true).truncate(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
                    options.mode(0o600);
                    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                        .map_err(fail)?;
                }
                use std::io::Write;
                options
                    .open(&path)
                    .and_then(|mut f| f.write_all(secret.as_bytes()))
                    .map_err(fail)?;
                // The mode above applies only to a new file; one left by an older Folio (or
                // copied in) is made private too.
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                        .map_err(fail)?;
                }
                Ok(())
            }
        }
    }

    /// Removes a credential; one already gone is not an error.
    pub fn delete(&self, reference: &str) -> Result<(), EngineError> {
        match self {
            Secrets::Keychain => match Self::keychain_entry(reference)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(EngineError::new(ErrorCode::Secrets, format!("keychain: {e}"))),
            },
            Secrets::Files(dir) => match std::fs::remove_file(Self::file(dir, reference)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(EngineError::new(
                    ErrorCode::Secrets,
                    format!("removing the credential: {e}"),
                )),
                _ => Ok(()),
            },
        }
    }

    pub fn get(&self, reference: &str) -> Result<String, EngineError> {
        match self {
            Secrets::Keychain => Self::keychain_entry(reference)?.get_password().map_err(|e| {
                EngineError::new(ErrorCode::Secrets, format!("keychain: {e}; add the site again"))
            }),
            Secrets::Files(dir) => {
                std::fs::read_to_string(Self::file(dir, reference)).map_err(|e| {
                    EngineError::new(
                        ErrorCode::Secrets,
                        format!("the saved credential is unreadable ({e}); add the site again"),
                    )
                })
            }
        }
    }
}

impl Secrets {
    /// The secret under `reference`, `None` when there is none (signed out); an error only
    /// when the keychain itself fails.
    pub fn find(&self, reference: &str) -> Result<Option<String>, EngineError> {
        let missing = match self {
            Secrets::Keychain => matches!(
                Self::keychain_entry(reference)?.get_password(),
                Err(keyring::Error::NoEntry)
            ),
            Secrets::Files(dir) => !Self::file(dir, reference).exists(),
        };
        if missing {
            return Ok(None);
        }
        self.get(reference).map(Some)
    }
}

/// The token sources' view of the keychain (refresh tokens, read before each refresh).
impl folio_auth::Keychain for Secrets {
    fn get(&self, key: &str) -> Result<Option<String>, String> {
        self.find(key).map_err(|e| e.message)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        Secrets::set(self, key, value).map_err(|e| e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_store_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::Files(dir.path().join("secrets"));
        s.set("site-blog", "abcd efgh").unwrap();
        assert_eq!(s.get("site-blog").unwrap(), "abcd efgh");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets/site_blog"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "group and others must not read the secret");
        }
        assert!(s.get("other").unwrap_err().message.contains("add the site again"));
        assert_eq!(s.find("site-blog").unwrap().as_deref(), Some("abcd efgh"));
        s.delete("site-blog").unwrap();
        s.delete("site-blog").unwrap();
        assert!(s.get("site-blog").is_err());
        assert_eq!(s.find("site-blog").unwrap(), None, "gone is signed out, not an error");
    }
}
