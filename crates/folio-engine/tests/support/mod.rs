//! A world for engine tests without WordPress: fake sites (folio_sites::fake) registered as a
//! backend, album folders of generated photos, and an engine on a temporary data folder.
#![allow(dead_code)]

use folio_engine::{AlbumSettings, Engine, EngineOptions, NewSite, SyncOptions, SyncReport};
use folio_sites::fake::{FakeConfig, FakeSite};
use folio_sites::{Backends, Destination};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct World {
    pub dir: tempfile::TempDir,
    sites: Arc<Mutex<HashMap<String, FakeSite>>>,
    /// The secret each site's destination was last made with, by URL.
    secrets: Arc<Mutex<HashMap<String, String>>>,
}

impl World {
    pub fn new() -> World {
        World {
            dir: tempfile::tempdir().unwrap(),
            sites: Default::default(),
            secrets: Default::default(),
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A fake site reachable as `fake://<name>`.
    pub fn site(&self, name: &str, config: FakeConfig) -> FakeSite {
        let site = FakeSite::new(FakeConfig { account: name.into(), ..config });
        self.sites.lock().unwrap().insert(format!("fake://{name}"), site.clone());
        site
    }

    /// The secret the site at `fake://<name>` was last connected with.
    pub fn secret_used(&self, name: &str) -> Option<String> {
        self.secrets.lock().unwrap().get(&format!("fake://{name}")).cloned()
    }

    pub async fn engine(&self) -> Engine {
        self.engine_reading(folio_sources::Sources::standard()).await
    }

    /// An engine whose albums are read by `sources`.
    pub async fn engine_reading(&self, sources: folio_sources::Sources) -> Engine {
        let mut backends = Backends::default();
        let sites = self.sites.clone();
        let secrets = self.secrets.clone();
        backends.register(folio_sites::fake::connector(), move |config, secret| {
            secrets.lock().unwrap().insert(config.url.clone(), secret.to_string());
            let site = sites.lock().unwrap().get(&config.url).cloned().expect("a fake site");
            Ok(Arc::new(site) as Arc<dyn Destination>)
        });
        let options = EngineOptions {
            backends,
            file_secrets: true,
            site_check_every: Duration::from_millis(200),
            sources,
            ..EngineOptions::default()
        };
        Engine::open_with(&self.data(), options).await.unwrap()
    }

    /// An album folder of `n` generated photos, old enough to be read at once. Photos of
    /// different albums differ (the name seeds them).
    pub fn album(&self, name: &str, n: usize) -> PathBuf {
        let root = self.dir.path().join(name);
        std::fs::create_dir_all(&root).unwrap();
        let seed = name.bytes().fold(0u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
        for i in 0..n {
            photo(&root.join(format!("photo-{i:02}.png")), seed.wrapping_add(i as u8 * 7));
        }
        root
    }
}

/// A small PNG whose content depends on `shade`, with a modification time in the past.
pub fn photo(path: &Path, shade: u8) {
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([shade, x as u8 * 3, y as u8 * 5]))
        .save(path)
        .unwrap();
    let past = std::time::SystemTime::now() - Duration::from_secs(60);
    std::fs::File::options().write(true).open(path).unwrap().set_modified(past).unwrap();
}

pub async fn add_site(engine: &Engine, name: &str) {
    add_site_with_secret(engine, name, "secret").await
}

pub async fn add_site_with_secret(engine: &Engine, name: &str, secret: &str) {
    let url = format!("fake://{name}");
    let new = NewSite { name, kind: "fake", url: &url, account: name, secret, fields: None };
    engine.add_site(new).await.unwrap();
}

pub async fn add_album(engine: &Engine, root: &Path, sites: &[&str], settings: AlbumSettings) {
    let names: Vec<String> = sites.iter().map(|s| s.to_string()).collect();
    engine.add_album(root, &names, settings).await.unwrap();
}

pub async fn sync(engine: &Engine) -> SyncReport {
    engine.sync(SyncOptions { retry_now: true, auto: false }).await.unwrap()
}
