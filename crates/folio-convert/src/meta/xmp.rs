//! XMP: where Lightroom keeps Title, Caption and keywords. Properties appear either as elements
//! or as attributes of `rdf:Description`; both forms are read.

use super::{prefer, PhotoMeta};
use crate::MetadataPolicy;
use roxmltree::{Document, Node};

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const DC: &str = "http://purl.org/dc/elements/1.1/";
const XMP: &str = "http://ns.adobe.com/xap/1.0/";
const PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const LR: &str = "http://ns.adobe.com/lightroom/1.0/";

pub fn read_into(packet: &[u8], meta: &mut PhotoMeta) {
    let text = String::from_utf8_lossy(packet);
    // Packets are padded with whitespace and sometimes NULs, which XML forbids.
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let Ok(doc) = Document::parse(text) else { return };
    prefer(&mut meta.title, property(&doc, DC, "title").and_then(alt_text));
    prefer(&mut meta.caption, property(&doc, DC, "description").and_then(alt_text));
    prefer(&mut meta.creator, property(&doc, DC, "creator").map(|n| items(n).join(", ")));
    prefer(&mut meta.copyright, property(&doc, DC, "rights").and_then(alt_text));
    prefer(&mut meta.headline, simple(&doc, PHOTOSHOP, "Headline"));
    if let Some(keywords) = property(&doc, DC, "subject").map(items).filter(|k| !k.is_empty()) {
        meta.keywords = keywords;
    }
    if let Some(h) = property(&doc, LR, "hierarchicalSubject").map(items) {
        meta.hierarchical_keywords = h;
    }
    if let Some(r) = simple(&doc, XMP, "Rating").and_then(|r| r.trim().parse::<f32>().ok()) {
        meta.rating = Some(r.clamp(-1.0, 5.0) as i8);
    }
}

fn property<'a>(doc: &'a Document, ns: &str, name: &str) -> Option<Node<'a, 'a>> {
    doc.descendants().find(|n| n.is_element() && n.has_tag_name((ns, name)))
}

/// A simple-valued property, as an element's text or an attribute of any `rdf:Description`.
fn simple(doc: &Document, ns: &str, name: &str) -> Option<String> {
    property(doc, ns, name).and_then(|n| n.text().map(str::to_string)).or_else(|| {
        doc.descendants()
            .filter(|n| n.has_tag_name((RDF, "Description")))
            .find_map(|n| n.attribute((ns, name)).map(str::to_string))
    })
}

/// A language alternative: the `x-default` entry, else the first, else plain text.
fn alt_text(node: Node) -> Option<String> {
    let lis: Vec<Node> = node.descendants().filter(|n| n.has_tag_name((RDF, "li"))).collect();
    let default = lis.iter().find(|li| {
        li.attribute(("http://www.w3.org/XML/1998/namespace", "lang")) == Some("x-default")
    });
    match default.or(lis.first()) {
        Some(li) => li.text().map(str::to_string),
        None => node.text().map(str::to_string),
    }
}

fn items(node: Node) -> Vec<String> {
    node.descendants()
        .filter(|n| n.has_tag_name((RDF, "li")))
        .filter_map(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// An XMP packet for a rendition with the fields the policy allows, or `None` if there are none.
/// Never carries location: the source packet is not copied, only these fields.
pub fn write_xmp(meta: &PhotoMeta, policy: &MetadataPolicy) -> Option<Vec<u8>> {
    let mut props = String::new();
    let alt = |name: &str, v: &str| {
        format!(
            "<{name}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></{name}>",
            escape(v)
        )
    };
    let list = |name: &str, kind: &str, vs: &[String]| {
        let lis: String = vs.iter().map(|v| format!("<rdf:li>{}</rdf:li>", escape(v))).collect();
        format!("<{name}><rdf:{kind}>{lis}</rdf:{kind}></{name}>")
    };
    if policy.keep_description {
        meta.title.iter().for_each(|v| props += &alt("dc:title", v));
        meta.caption.iter().for_each(|v| props += &alt("dc:description", v));
        meta.headline.iter().for_each(|v| {
            props += &format!("<photoshop:Headline>{}</photoshop:Headline>", escape(v))
        });
        if !meta.keywords.is_empty() {
            props += &list("dc:subject", "Bag", &meta.keywords);
        }
        if !meta.hierarchical_keywords.is_empty() {
            props += &list("lr:hierarchicalSubject", "Bag", &meta.hierarchical_keywords);
        }
        meta.rating.iter().for_each(|r| props += &format!("<xmp:Rating>{r}</xmp:Rating>"));
    }
    if policy.keep_credit {
        meta.creator
            .iter()
            .for_each(|v| props += &list("dc:creator", "Seq", std::slice::from_ref(v)));
        meta.copyright.iter().for_each(|v| props += &alt("dc:rights", v));
    }
    if props.is_empty() {
        return None;
    }
    let packet = format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"{RDF}\">\
<rdf:Description rdf:about=\"\" xmlns:dc=\"{DC}\" xmlns:xmp=\"{XMP}\" \
xmlns:photoshop=\"{PHOTOSHOP}\" xmlns:lr=\"{LR}\">{props}</rdf:Description>\
</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    );
    Some(packet.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_element_and_attribute_forms() {
        let packet = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/">
          <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
           <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
              xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
              xmp:Rating="4" photoshop:Headline="Harbour at dusk"/>
           <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
              xmlns:lr="http://ns.adobe.com/lightroom/1.0/">
            <dc:title><rdf:Alt><rdf:li xml:lang="fr">Port</rdf:li>
              <rdf:li xml:lang="x-default">Harbour</rdf:li></rdf:Alt></dc:title>
            <dc:subject><rdf:Bag><rdf:li>boats</rdf:li><rdf:li>night</rdf:li></rdf:Bag></dc:subject>
            <lr:hierarchicalSubject><rdf:Bag><rdf:li>Places|Porto</rdf:li></rdf:Bag></lr:hierarchicalSubject>
           </rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let mut m = PhotoMeta::default();
        read_into(format!("{packet}\0\0  ").as_bytes(), &mut m);
        assert_eq!(m.title.as_deref(), Some("Harbour"));
        assert_eq!(m.headline.as_deref(), Some("Harbour at dusk"));
        assert_eq!(m.rating, Some(4));
        assert_eq!(m.keywords, vec!["boats", "night"]);
        assert_eq!(m.hierarchical_keywords, vec!["Places|Porto"]);
    }

    #[test]
    fn written_packet_round_trips_and_escapes() {
        let meta = PhotoMeta {
            title: Some("Fish & <Chips> \"quoted\"".into()),
            caption: Some("Café in Zürich 🌧".into()),
            keywords: vec!["rain".into(), "city".into()],
            creator: Some("Zoë".into()),
            copyright: Some("© Zoë".into()),
            rating: Some(3),
            ..Default::default()
        };
        let packet = write_xmp(&meta, &MetadataPolicy::default()).unwrap();
        let mut back = PhotoMeta::default();
        read_into(&packet, &mut back);
        assert_eq!(back.title, meta.title);
        assert_eq!(back.caption, meta.caption);
        assert_eq!(back.keywords, meta.keywords);
        assert_eq!(back.creator, meta.creator);
        assert_eq!(back.copyright, meta.copyright);
        assert_eq!(back.rating, Some(3));
    }

    #[test]
    fn broken_xml_is_ignored() {
        let mut m = PhotoMeta::default();
        read_into(b"<x:xmpmeta><unclosed>", &mut m);
        assert_eq!(m, PhotoMeta::default());
    }
}
