//! Contentful's asset as the Management API sends it, and the bodies Folio sends back. A PUT
//! replaces every field, so an asset's `fields` are kept whole (all locales, all fields) and
//! only Folio's locale is changed in them.

use crate::MediaFields;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sys {
    pub id: String,
    #[serde(default)]
    pub version: u64,
    pub published_version: Option<u64>,
    pub archived_version: Option<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Asset {
    pub sys: Sys,
    #[serde(default)]
    pub fields: Value,
}

#[derive(Debug, Deserialize)]
pub struct Collection {
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub items: Vec<Asset>,
}

#[derive(Debug, Deserialize)]
pub struct Made {
    pub sys: Sys,
}

#[derive(Debug, Deserialize)]
pub struct Space {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct Locale {
    pub code: String,
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Deserialize)]
pub struct Locales {
    #[serde(default)]
    pub items: Vec<Locale>,
}

impl Asset {
    pub fn file(&self, locale: &str) -> &Value {
        &self.fields["file"][locale]
    }

    /// The processed file's address, once processing gave it one.
    pub fn url(&self, locale: &str) -> Option<&str> {
        self.file(locale)["url"].as_str().filter(|u| !u.is_empty())
    }

    /// A file in some locale still waits for processing (publishing is refused until then).
    pub fn unprocessed_files(&self) -> bool {
        let files = self.fields["file"].as_object();
        files.into_iter().flatten().any(|(_, f)| f["url"].as_str().is_none_or(str::is_empty))
    }

    pub fn text(&self, field: &str, locale: &str) -> String {
        self.fields[field][locale].as_str().unwrap_or_default().to_string()
    }

    pub fn archived(&self) -> bool {
        self.sys.archived_version.is_some()
    }

    /// Published, and not changed since (Contentful: version = publishedVersion + 1).
    pub fn published_as_is(&self) -> bool {
        self.sys.published_version.is_some_and(|p| self.sys.version == p + 1)
    }
}

/// The file of a new upload, to be processed.
pub fn new_file(upload_id: &str, filename: &str, mime: &str) -> Value {
    json!({
        "contentType": mime,
        "fileName": filename,
        "uploadFrom": { "sys": { "type": "Link", "linkType": "Upload", "id": upload_id } },
    })
}

/// `fields` with Folio's locale's title and description (the alt text) set, and its file if
/// given; the other locales and fields stay as they were.
pub fn with_text(
    mut fields: Value,
    locale: &str,
    text: &MediaFields,
    file: Option<Value>,
) -> Value {
    if !fields.is_object() {
        fields = json!({});
    }
    let mut set = |name: &str, value: Option<Value>| match value {
        Some(v) => {
            let field = &mut fields[name];
            if !field.is_object() {
                *field = json!({});
            }
            field[locale] = v;
        }
        None => {
            if let Some(field) = fields.get_mut(name).and_then(Value::as_object_mut) {
                field.remove(locale);
            }
        }
    };
    set("title", text.title.clone().filter(|t| !t.is_empty()).map(Value::from));
    set("description", text.alt_text.clone().filter(|t| !t.is_empty()).map(Value::from));
    if let Some(file) = file {
        set("file", Some(file));
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folios_locale_changes_and_other_locales_stay() {
        let before = json!({
            "title": {"en-US": "Old", "de-DE": "Alt"},
            "description": {"en-US": "old alt"},
            "file": {"en-US": {"url": "//x/a.webp"}, "de-DE": {"url": "//x/b.webp"}},
        });
        let text = MediaFields { title: Some("New".into()), ..Default::default() };
        let after = with_text(before, "en-US", &text, Some(new_file("up1", "a.jpg", "image/jpeg")));
        assert_eq!(after["title"], json!({"en-US": "New", "de-DE": "Alt"}));
        assert_eq!(after["description"], json!({}), "an emptied alt text is removed");
        assert_eq!(after["file"]["de-DE"]["url"], "//x/b.webp");
        assert_eq!(after["file"]["en-US"]["uploadFrom"]["sys"]["id"], "up1");
    }
}
