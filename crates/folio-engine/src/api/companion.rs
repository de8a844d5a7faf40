//! What the engine does with the WordPress companion plugin besides replacing files: hand out
//! the plugin as an installable zip, and rebuild publications from the site after the local
//! database was lost (`folio reconcile`).

use crate::state::EngineState;
use crate::{Engine, EngineError, ErrorCode};
use folio_sites::SourcedMedia;
use folio_store::AdoptedItem;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// The plugin's files, compiled in so the app and the CLI can write the zip anywhere.
const PLUGIN_FILES: &[(&str, &[u8])] = &[
    (
        "folio-companion.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/folio-companion.php"),
    ),
    ("readme.txt", include_bytes!("../../../../wordpress-plugin/folio-companion/readme.txt")),
    (
        "includes/replace.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/replace.php"),
    ),
    (
        "includes/after-replace.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/after-replace.php"),
    ),
    (
        "includes/source.php",
        include_bytes!("../../../../wordpress-plugin/folio-companion/includes/source.php"),
    ),
];

/// The companion plugin as WordPress's "Upload Plugin" expects it: one `folio-companion/`
/// folder in a zip.
pub fn companion_plugin_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, bytes) in PLUGIN_FILES {
        zip.start_file(format!("folio-companion/{name}"), options).expect("zip in memory");
        zip.write_all(bytes).expect("zip in memory");
    }
    zip.finish().expect("zip in memory").into_inner()
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReconcileReport {
    /// Items on the site that carry a Folio source identity.
    pub remote_items: usize,
    /// Photos matched to one of them and recorded as synced.
    pub matched: usize,
    /// Photos that already had a record for this site.
    pub already_known: usize,
    /// Photos with no copy on the site (the next sync uploads them).
    pub missing: usize,
}

/// The identity fields `sync` stores with each upload (see `publish::source_identity`).
struct Source {
    album: String,
    content: String,
    preset: String,
}

fn parse_source(s: &str) -> Option<Source> {
    let v: serde_json::Value = serde_json::from_str(s).ok()?;
    Some(Source {
        album: v["album"].as_str()?.to_string(),
        content: v["content"].as_str()?.to_string(),
        preset: v["preset"].as_str()?.to_string(),
    })
}

impl Engine {
    /// Rebuilds the records of what is on `site_name` from the site itself, without uploading:
    /// each photo in the albums that target the site is matched, by album and content, to an
    /// item Folio uploaded there. Needs the companion plugin (which stores the identity).
    pub async fn reconcile_site(&self, site_name: &str) -> Result<ReconcileReport, EngineError> {
        let state = &self.state;
        let store = &state.store;
        let site = store
            .site_by_name(site_name)
            .await?
            .ok_or_else(|| EngineError::config(format!("no site named '{site_name}'")))?;
        let destination = crate::queue::workers::queue_for(state, &site)?.destination.clone();
        let mut by_identity: HashMap<(String, String), Vec<(SourcedMedia, String)>> =
            HashMap::new();
        let mut report = ReconcileReport::default();
        let mut cursor: Option<String> = None;
        // Bounded: a site that keeps answering "more" cannot keep Folio here for ever.
        for _ in 0..100_000 {
            let p = destination.list_sources(cursor.as_deref()).await?;
            for item in p.items {
                let Some(source) = parse_source(&item.source) else { continue };
                report.remote_items += 1;
                by_identity
                    .entry((source.album, source.content))
                    .or_default()
                    .push((item, source.preset));
            }
            cursor = p.next;
            if cursor.is_none() {
                break;
            }
        }
        if report.remote_items == 0 {
            let caps = EngineState::capabilities(&site);
            if !caps.replace_in_place && caps.notes.is_empty() {
                return Err(EngineError::new(
                    ErrorCode::Site,
                    format!(
                        "{site_name} has no Folio companion plugin, so its items cannot be matched to photos; install it (folio wp-plugin --out folio-companion.zip)"
                    ),
                ));
            }
        }
        for album in store.albums().await? {
            if !album.site_ids.contains(&site.id) {
                continue;
            }
            let source = state.open_source(&album).await?;
            let found = crate::live::reconcile::reconcile(state, &album, &*source).await?;
            for asset in found.current {
                let known = store.current_publication(asset.id, site.id).await?;
                if known.is_some() {
                    report.already_known += 1;
                    continue;
                }
                let key = (album.name.clone(), asset.content_hash.clone());
                let Some((item, preset)) = by_identity.get_mut(&key).and_then(|v| v.pop()) else {
                    report.missing += 1;
                    continue;
                };
                let format = crate::queue::upload::format_of(&item.media.mime);
                let adopted = AdoptedItem {
                    key: &item.media.key,
                    content_hash: &asset.content_hash,
                    preset_hash: &preset,
                    remote_id: &item.media.id,
                    url: &item.media.url,
                    thumbnail_url: item.media.thumbnail_url.as_deref(),
                    format: Some(&format),
                };
                store.adopt_publication(asset.id, site.id, &adopted).await?;
                report.matched += 1;
            }
        }
        store
            .log(
                None,
                "info",
                &format!(
                    "Reconciled {site_name}: {} photos matched to items already on the site",
                    report.matched
                ),
            )
            .await?;
        Ok(report)
    }
}
