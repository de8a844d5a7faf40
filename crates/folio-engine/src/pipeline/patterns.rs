//! Naming and text patterns: `{title|caption|filename}` picks the first token with a value.
//! Tokens: filename album date year month sequence title caption headline camera width height,
//! and for a generated image prompt_short prompt model aspect_ratio (its `date` the day it was
//! made).

use folio_convert::PhotoMeta;
use std::collections::BTreeMap;

/// Tokens from how Folio made an image itself (a generation's prompt and model), by name;
/// empty for a photo.
pub type Made = BTreeMap<String, String>;

/// What a pattern can draw on for one photo.
pub struct PatternInput<'a> {
    /// The source file name without its extension.
    pub stem: &'a str,
    pub album: &'a str,
    pub sequence: usize,
    pub meta: &'a PhotoMeta,
    pub width: u32,
    pub height: u32,
    pub made: &'a Made,
}

fn token(name: &str, p: &PatternInput) -> Option<String> {
    if let Some(v) = p.made.get(name) {
        return Some(v.clone()).filter(|v| !v.trim().is_empty());
    }
    let date = p.meta.captured_at.as_deref();
    let value = match name {
        "filename" => Some(p.stem.to_string()),
        "readable_filename" => Some(readable(p.stem)),
        "album" => Some(p.album.to_string()),
        "date" => date.map(|d| d[..10].to_string()),
        "year" => date.map(|d| d[..4].to_string()),
        "month" => date.map(|d| d[5..7].to_string()),
        "sequence" => Some(format!("{:03}", p.sequence)),
        "title" => p.meta.title.clone(),
        "caption" => p.meta.caption.clone(),
        "headline" => p.meta.headline.clone(),
        "camera" => p.meta.camera(),
        "width" => Some(p.width.to_string()),
        "height" => Some(p.height.to_string()),
        _ => None,
    };
    value.filter(|v| !v.trim().is_empty())
}

/// `IMG_2041-final` → `IMG 2041 final`: the alt text of last resort.
fn readable(stem: &str) -> String {
    stem.split(['_', '-', '.']).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Expands a pattern. Unknown tokens expand to nothing, so a typo shows in the preview rather
/// than failing a sync.
pub fn expand(pattern: &str, p: &PatternInput) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &rest[open + 1..open + close];
        if let Some(v) = inner.split('|').find_map(|name| token(name.trim(), p)) {
            out.push_str(v.trim());
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.trim().to_string()
}

/// Lower-case ASCII slug: `Café «Zürich» 🌧` → `cafe-zurich`. Never empty.
pub fn slugify(s: &str) -> String {
    // Letters are transliterated (é → e, Ł → L); symbols and emoji only separate words, since
    // deunicode would spell them out ("cloud with rain").
    let ascii: String = s
        .chars()
        .map(|c| match c {
            c if c.is_ascii() => c.to_string(),
            c if c.is_alphanumeric() => deunicode::deunicode_char(c).unwrap_or(" ").to_string(),
            _ => " ".to_string(),
        })
        .collect::<String>()
        .to_ascii_lowercase();
    let mut out = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    let out: String = out.chars().take(80).collect();
    if out.is_empty() {
        "photo".into()
    } else {
        out.trim_end_matches('-').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(meta: &PhotoMeta) -> PatternInput<'_> {
        PatternInput {
            stem: "IMG_2041-final",
            album: "Porto",
            sequence: 7,
            meta,
            width: 2560,
            height: 1707,
            made: &NOTHING_MADE,
        }
    }

    static NOTHING_MADE: Made = Made::new();

    #[test]
    fn tokens_and_fallbacks() {
        let meta = PhotoMeta {
            title: Some("Harbour at dusk".into()),
            captured_at: Some("2024-06-01T18:30:05".into()),
            camera_make: Some("Canon".into()),
            camera_model: Some("Canon EOS R5".into()),
            ..Default::default()
        };
        let p = input(&meta);
        assert_eq!(expand("{album}-{year}-{month}-{sequence}", &p), "Porto-2024-06-007");
        assert_eq!(expand("{caption|title}", &p), "Harbour at dusk");
        assert_eq!(
            expand(
                "{caption|readable_filename}",
                &PatternInput { meta: &PhotoMeta::default(), ..p }
            ),
            "IMG 2041 final"
        );
        assert_eq!(
            expand("{camera} {width}x{height} {nope}", &input(&meta)),
            "Canon EOS R5 2560x1707"
        );
        assert_eq!(
            expand(
                "{date|filename}",
                &PatternInput { meta: &PhotoMeta::default(), ..input(&meta) }
            ),
            "IMG_2041-final"
        );
    }

    #[test]
    fn a_generated_image_names_itself_by_its_prompt_and_model_and_the_day_it_was_made() {
        let made = Made::from([
            ("prompt_short".to_string(), "A red fox".to_string()),
            ("model".to_string(), "flux.2-pro".to_string()),
            ("date".to_string(), "2026-12-07".to_string()),
        ]);
        let meta = PhotoMeta::default();
        let p = PatternInput { made: &made, ..input(&meta) };
        assert_eq!(
            expand("{prompt_short}-{model}-{date}-{sequence}", &p),
            "A red fox-flux.2-pro-2026-12-07-007"
        );
        assert_eq!(expand("{aspect_ratio|album}", &p), "Porto");
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slugify("Café «Zürich» 🌧 \"rain\""), "cafe-zurich-rain");
        assert_eq!(slugify("IMG_2041 (final).JPG"), "img-2041-final-jpg");
        assert_eq!(slugify("🌧🌧"), "photo");
        assert_eq!(slugify("Łódź — Ørsted"), "lodz-orsted");
    }
}
