//! The generation itself: one paid call to the model, its image kept, then the album's pass
//! that puts it on the sites (a new item uploaded, a new version replaced in place), and the
//! cost and version noted with the generation.

use super::{GenerateRequest, Generated, GeneratedCopy, Target};
use crate::ai::ai_error;
use crate::pipeline::generated::{self as kept, Record};
use crate::pipeline::report::SyncOptions;
use crate::{Engine, EngineError, ErrorCode};
use folio_sources::openrouter::{account::api, pricing, AiError, AiErrorKind, Model};
use folio_store::Account;
use serde_json::json;

/// The file type of an image the model sent, by its first bytes.
fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// `W:H` with whole numbers, as OpenRouter's `aspect_ratio` takes it.
fn aspect_ok(aspect: &str) -> bool {
    let Some((w, h)) = aspect.split_once(':') else { return false };
    let whole = |s: &str| s.parse::<u32>().is_ok_and(|n| (1..=64).contains(&n));
    whole(w) && whole(h)
}

impl Engine {
    /// The model `id`, if it makes images.
    pub(crate) async fn image_model(
        &self,
        account: &Account,
        id: &str,
    ) -> Result<Model, EngineError> {
        let models = self.state.models_of(account, "image", "").await?;
        let model = models.into_iter().find(|m| m.id == id).filter(Model::makes_images);
        model.ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                format!(
                    "'{id}' is not a model that makes images here (folio models {})",
                    account.name
                ),
            )
        })
    }

    /// Generates the image (spending up to the estimate the person agreed to), keeps it, and
    /// syncs the album so it is live; what went where.
    pub async fn generate(&self, g: &GenerateRequest) -> Result<Generated, EngineError> {
        let target = self.target(&g.account, &g.album).await?;
        if let Some(aspect) = g.aspect_ratio.as_deref().filter(|a| !aspect_ok(a)) {
            return Err(EngineError::config(format!("--aspect {aspect}: write W:H, e.g. 16:9")));
        }
        if g.prompt.trim().is_empty() {
            return Err(EngineError::config("give a prompt: what the image should show"));
        }
        let model = self.image_model(&target.account, &g.model).await?;
        let reference = match &g.reference {
            Some(r) => Some(self.reference_image(r).await?),
            None => None,
        };
        let estimate = pricing::generation(&model, &g.prompt, reference.as_ref().map(|r| r.size));
        let mut content = vec![json!({"type": "text", "text": g.prompt})];
        if let Some(r) = &reference {
            content.push(json!({"type": "image_url", "image_url": {"url": r.url}}));
        }
        let modalities =
            if model.writes_text() { json!(["image", "text"]) } else { json!(["image"]) };
        let mut body = json!({
            "model": model.id,
            "messages": [{"role": "user", "content": content}],
            "modalities": modalities,
        });
        if let Some(aspect) = &g.aspect_ratio {
            body["image_config"] = json!({"aspect_ratio": aspect});
        }
        let (_, key, config) = self.state.account_token(&target.account)?;
        let answer = api(&config, key).chat(&body).await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                let e = self.state.account_refused(&target.account, e);
                let said = format!("Generating for {} failed: {}", target.album.name, e.message);
                self.state.store.log(Some(target.album.id), "error", &said).await?;
                return Err(e);
            }
        };
        let Some(image) = answer.images.into_iter().next() else {
            let mut e = AiError::new(
                AiErrorKind::NoImage,
                format!("{} answered without an image{}", model.name, said_instead(&answer.text)),
            );
            e.cost = answer.cost;
            let e = ai_error(e);
            let said = format!("Generating for {} failed: {}", target.album.name, e.message);
            self.state.store.log(Some(target.album.id), "error", &said).await?;
            return Err(e);
        };
        let ext = image_kind(&image).ok_or_else(|| {
            EngineError::new(
                ErrorCode::Site,
                format!("{} sent an image Folio cannot read", model.name),
            )
        })?;
        self.keep_and_sync(target, g, &model, estimate, answer.cost, &image, ext).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn keep_and_sync(
        &self,
        target: Target,
        g: &GenerateRequest,
        model: &Model,
        estimate: f64,
        cost: Option<f64>,
        image: &[u8],
        ext: &str,
    ) -> Result<Generated, EngineError> {
        let Target { album, folder, .. } = target;
        let item = match &g.again {
            Some(name) => name.clone(),
            None => kept::new_item(&folder, &g.prompt, ext),
        };
        let record = Record {
            generation: 0,
            prompt: g.prompt.clone(),
            model: model.id.clone(),
            aspect_ratio: g.aspect_ratio.clone(),
            reference: g.reference.clone(),
            estimate,
            cost,
            made_at: crate::clock::utc_now(),
            file: String::new(),
            version: None,
        };
        let io = |e: std::io::Error| EngineError::io(format!("{}: {e}", folder.display()));
        let record = kept::keep(&folder, &item, record, image).map_err(io)?;
        let spent = cost.map_or("an unreported sum".into(), pricing::dollars);
        let said = format!("Generated {item} in {} with {} for {spent}", album.name, model.name);
        self.state.store.log(Some(album.id), "info", &said).await?;
        let options = SyncOptions { retry_now: true, auto: false };
        let dispatched = crate::live::pass::dispatch(&self.state, album.id, options).await?;
        let report = crate::live::pass::collect(&self.state, dispatched).await;
        let mut problems: Vec<String> = report.problems.clone();
        problems.extend(report.failed.iter().filter(|f| f.path == item).map(|f| f.error.clone()));
        let assets = self.state.store.assets(album.id).await?;
        let asset = assets.into_iter().find(|a| a.rel_path == item);
        let (version, sites) = match asset {
            Some(asset) => {
                let versions = self.state.store.versions(asset.id).await?;
                let version = versions.last().map_or(0, |v| v.number);
                let copies =
                    self.photo_detail(asset.id).await.map(|d| d.copies).unwrap_or_default();
                let sites = copies
                    .into_iter()
                    .map(|c| GeneratedCopy { name: c.site, url: c.url })
                    .collect();
                (version, sites)
            }
            None => (0, Vec::new()),
        };
        if version > 0 {
            kept::set_version(&folder, &item, record.generation, version).map_err(io)?;
        }
        Ok(Generated {
            item: format!("{}/{item}", album.root),
            version,
            cost,
            estimate,
            sites,
            problems,
        })
    }
}

/// What the model said instead of an image, shortened, for the error.
fn said_instead(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let short: String = text.chars().take(160).collect();
    let more = if short.len() < text.len() { "…" } else { "" };
    format!(" (it said: “{short}{more}”)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_first_bytes_and_aspects_are_whole_ratios() {
        assert_eq!(image_kind(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(image_kind(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpg"));
        assert_eq!(image_kind(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(image_kind(b"<svg"), None);
        assert!(aspect_ok("16:9") && aspect_ok("1:1"));
        assert!(!aspect_ok("16x9") && !aspect_ok("0:1") && !aspect_ok("1.5:1"));
    }
}
