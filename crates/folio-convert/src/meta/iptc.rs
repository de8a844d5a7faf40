//! IPTC-IIM (the "IPTC" block in Photoshop's APP13), record 2 datasets.

use super::{prefer, PhotoMeta};

/// Reads a raw IIM stream. IIM outranks EXIF but not XMP, so this runs after EXIF.
pub fn read_into(data: &[u8], meta: &mut PhotoMeta) {
    let mut utf8 = false;
    let mut keywords = Vec::new();
    let mut i = 0;
    while i + 5 <= data.len() && data[i] == 0x1C {
        let (record, dataset) = (data[i + 1], data[i + 2]);
        let mut size = u16::from_be_bytes([data[i + 3], data[i + 4]]) as usize;
        let mut start = i + 5;
        if size & 0x8000 != 0 {
            // Extended dataset: the low bits give the byte count of the real length field.
            let n = size & 0x7FFF;
            let Some(len_bytes) = data.get(start..start + n) else { return };
            size = len_bytes
                .iter()
                .fold(0usize, |acc, b| acc.saturating_mul(256).saturating_add(*b as usize));
            start += n;
        }
        let Some(value) = data.get(start..start.saturating_add(size)) else { return };
        i = start + size;
        // 1:90 is the coded character set; ESC % G declares UTF-8.
        if record == 1 && dataset == 90 {
            utf8 = value == b"\x1b%G";
            continue;
        }
        if record != 2 {
            continue;
        }
        let text = decode_text(value, utf8);
        match dataset {
            5 => prefer(&mut meta.title, Some(text)),
            25 => keywords.push(text),
            80 => prefer(&mut meta.creator, Some(text)),
            105 => prefer(&mut meta.headline, Some(text)),
            116 => prefer(&mut meta.copyright, Some(text)),
            120 => prefer(&mut meta.caption, Some(text)),
            _ => {}
        }
    }
    if !keywords.is_empty() {
        meta.keywords = keywords;
    }
}

/// Files that don't declare UTF-8 are usually Latin-1, but many tools write UTF-8 regardless.
fn decode_text(bytes: &[u8], declared_utf8: bool) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) if declared_utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn block(datasets: &[(u8, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (ds, text) in datasets {
            out.extend_from_slice(&[0x1C, 2, *ds]);
            out.extend_from_slice(&(text.len() as u16).to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        out
    }

    #[test]
    fn reads_record_two_fields() {
        let data = block(&[
            (5, "Sunset"),
            (105, "Golden hour"),
            (120, "The sun sets over the bay"),
            (25, "sunset"),
            (25, "bay"),
            (116, "© 2024 Ana"),
        ]);
        let mut m = PhotoMeta::default();
        read_into(&data, &mut m);
        assert_eq!(m.title.as_deref(), Some("Sunset"));
        assert_eq!(m.headline.as_deref(), Some("Golden hour"));
        assert_eq!(m.caption.as_deref(), Some("The sun sets over the bay"));
        assert_eq!(m.keywords, vec!["sunset", "bay"]);
        assert_eq!(m.copyright.as_deref(), Some("© 2024 Ana"));
    }

    #[test]
    fn latin1_and_truncated_blocks_are_safe() {
        let mut data = vec![0x1C, 2, 5, 0, 4, b'C', b'a', b'f', 0xE9];
        let mut m = PhotoMeta::default();
        read_into(&data, &mut m);
        assert_eq!(m.title.as_deref(), Some("Café"));
        data.truncate(7);
        read_into(&data, &mut PhotoMeta::default());
    }
}
