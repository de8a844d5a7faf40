//! Where a Figma album points: a file (`KEY`), one page of it (`KEY/PAGE`, the page by name or
//! id) or one node (a frame or section) from a pasted Figma address
//! (`https://www.figma.com/design/KEY/Title?node-id=1-2`; the address writes `1-2` for the
//! API's `1:2`), and the name pattern that picks frames.

/// An album's place in Figma.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub key: String,
    pub part: Part,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Every page.
    File,
    /// One page, by its name or its id (`0:1`).
    Page(String),
    /// One node, by its id.
    Node(String),
}

/// Figma's file keys are letters and digits.
fn is_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A node id as the API writes it (`1:2`, or an instance's `I1:2;3:4`).
pub fn is_node_id(id: &str) -> bool {
    let plain = |s: &str| {
        s.split_once(':').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && (a.chars().chain(b.chars())).all(|c| c.is_ascii_digit())
        })
    };
    let id = id.strip_prefix('I').unwrap_or(id);
    !id.is_empty() && id.split(';').all(plain)
}

impl Scope {
    /// `KEY`, `KEY/PAGE`, `KEY/node/ID` (as [`Scope::location`] writes a node) or a Figma
    /// address (`/file/` or `/design/`, with or without `node-id`); `None` when it is none of
    /// these.
    pub fn parse(location: &str) -> Option<Scope> {
        let location = location.trim();
        if location.starts_with("http://") || location.starts_with("https://") {
            return Scope::from_address(location);
        }
        if let Some((key, id)) =
            location.split_once("/node/").filter(|(k, id)| is_key(k) && is_node_id(id))
        {
            return Some(Scope { key: key.to_string(), part: Part::Node(id.to_string()) });
        }
        let (key, page) = match location.split_once('/') {
            Some((key, page)) => (key, Some(page.trim_matches('/'))),
            None => (location, None),
        };
        if !is_key(key) {
            return None;
        }
        let part = match page {
            None | Some("") => Part::File,
            Some(page) => Part::Page(page.to_string()),
        };
        Some(Scope { key: key.to_string(), part })
    }

    fn from_address(address: &str) -> Option<Scope> {
        let url = url::Url::parse(address).ok()?;
        let host = url.host_str()?;
        if host != "figma.com" && !host.ends_with(".figma.com") {
            return None;
        }
        let mut segments = url.path_segments()?;
        let kind = segments.next()?;
        if !matches!(kind, "file" | "design" | "proto" | "board") {
            return None;
        }
        let key = segments.next().filter(|k| is_key(k))?;
        let node = url
            .query_pairs()
            .find(|(k, _)| k == "node-id")
            .map(|(_, v)| v.replace('-', ":"))
            .filter(|id| is_node_id(id));
        let part = match node {
            Some(id) => Part::Node(id),
            None => Part::File,
        };
        Some(Scope { key: key.to_string(), part })
    }

    /// How the album is written back (`KEY`, `KEY/PAGE`, `KEY/node/1:2`).
    pub fn location(&self) -> String {
        match &self.part {
            Part::File => self.key.clone(),
            Part::Page(page) => format!("{}/{page}", self.key),
            Part::Node(id) => format!("{}/node/{id}", self.key),
        }
    }
}

/// An album location without its account (`ACCOUNT:` before it, which has no `/`).
pub fn place(location: &str) -> &str {
    let location = location.trim();
    if location.starts_with("http://") || location.starts_with("https://") {
        return location;
    }
    match location.split_once(':') {
        Some((account, rest)) if !account.contains('/') => rest,
        _ => location,
    }
}

/// The options an album location carries after its place: `?match=GLOB&scale=N` (on a Figma
/// address, beside its `node-id`); the place without them.
pub fn options(place: &str) -> (String, super::FigmaOptions) {
    let mut options = super::FigmaOptions::default();
    let mut take = |k: &str, v: &str| match k {
        "match" => options.glob = v.to_string(),
        "scale" => {
            if let Ok(scale) = v.parse::<f64>() {
                options.scale = scale.clamp(0.01, 4.0);
            }
        }
        _ => {}
    };
    if place.starts_with("http://") || place.starts_with("https://") {
        let Ok(mut url) = url::Url::parse(place) else { return (place.to_string(), options) };
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let kept: Vec<&(String, String)> =
            pairs.iter().filter(|(k, _)| k != "match" && k != "scale").collect();
        for (k, v) in &pairs {
            take(k, v);
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept.iter().map(|(k, v)| (k, v)));
        }
        return (url.to_string(), options);
    }
    let (place, query) = place.split_once('?').unwrap_or((place, ""));
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        take(&k, &v);
    }
    (place.to_string(), options)
}

/// The options as a location writes them, only those that are not the defaults.
pub fn write_options(options: &super::FigmaOptions) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !options.glob.is_empty() {
        query.append_pair("match", &options.glob);
    }
    if options.scale != super::DEFAULT_SCALE {
        query.append_pair("scale", &format!("{}", options.scale));
    }
    match query.finish() {
        q if q.is_empty() => String::new(),
        q => format!("?{q}"),
    }
}

/// Whether `name` matches `pattern`: `*` any run of characters, `?` one, case-insensitive;
/// an empty pattern matches everything.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.trim().to_lowercase().chars().collect();
    let n: Vec<char> = name.to_lowercase().chars().collect();
    if p.is_empty() {
        return true;
    }
    // Iterative wildcard match, remembering the last `*` to backtrack to.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_pages_and_pasted_addresses_name_the_album() {
        let file = Scope::parse("aB3dE5fG7hI9jK1lM3nO5p").unwrap();
        assert_eq!(file.part, Part::File);
        let page = Scope::parse("aB3dE5fG7hI9jK1lM3nO5p/Banners").unwrap();
        assert_eq!(page.part, Part::Page("Banners".into()));
        assert_eq!(page.location(), "aB3dE5fG7hI9jK1lM3nO5p/Banners");
        let node = Scope::parse(
            "https://www.figma.com/design/aB3dE5fG7hI9jK1lM3nO5p/Spring-Campaign?node-id=1-2&t=x",
        )
        .unwrap();
        assert_eq!(
            (node.key.as_str(), node.part.clone()),
            ("aB3dE5fG7hI9jK1lM3nO5p", Part::Node("1:2".into()))
        );
        assert_eq!(node.location(), "aB3dE5fG7hI9jK1lM3nO5p/node/1:2");
        assert_eq!(Scope::parse(&node.location()), Some(node.clone()), "read back as written");
        let old = Scope::parse("https://figma.com/file/KEY123/Title").unwrap();
        assert_eq!(old.part, Part::File);
        assert!(Scope::parse("https://example.com/design/KEY123/x").is_none());
        assert!(Scope::parse("not a key!").is_none());
        assert!(
            Scope::parse("https://www.figma.com/design/KEY123/x?node-id=a-b").unwrap().part
                == Part::File
        );
        assert!(is_node_id("12:34") && is_node_id("I1:2;3:4") && !is_node_id("1-2"));
    }

    #[test]
    fn a_location_carries_its_account_and_options() {
        assert_eq!(place("figma:KEY123/Ads"), "KEY123/Ads");
        assert_eq!(place("KEY123/node/1:2"), "KEY123/node/1:2");
        assert_eq!(place("work:KEY123/node/1:2"), "KEY123/node/1:2");
        let address = "https://www.figma.com/design/KEY123/T?node-id=1-2&scale=3";
        assert_eq!(place(&format!("figma:{address}")), address);
        let (bare, o) = options(address);
        assert_eq!(
            (bare.as_str(), o.scale),
            ("https://www.figma.com/design/KEY123/T?node-id=1-2", 3.0)
        );
        let (bare, o) = options("KEY123/Ads?match=Ad*&scale=1.5");
        assert_eq!((bare.as_str(), o.glob.as_str(), o.scale), ("KEY123/Ads", "Ad*", 1.5));
        assert_eq!(write_options(&o), "?match=Ad*&scale=1.5");
        assert_eq!(write_options(&super::super::FigmaOptions::default()), "");
    }

    #[test]
    fn name_patterns_are_case_insensitive_globs() {
        assert!(matches("", "anything"));
        assert!(matches("Hero*", "hero banner"));
        assert!(matches("*banner*", "Spring Banner 2"));
        assert!(matches("Ad ?", "Ad 1"));
        assert!(!matches("Ad ?", "Ad 12"));
        assert!(!matches("Hero*", "The hero"));
        assert!(matches("*", ""));
    }
}
