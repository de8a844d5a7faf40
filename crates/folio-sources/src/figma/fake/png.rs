//! A PNG encoder for the fake's gradients that holds one row of pixels at a time, so a
//! 32-megapixel render costs a few hundred kilobytes, not a 96 MB buffer. Every row but the
//! first is written with PNG's Up filter; the gradients' rows then repeat every third byte,
//! which deflate (fixed Huffman codes) writes as back-references of 258 bytes each. Rows that
//! are not periodic are written as literals: always a valid PNG, only larger.

/// Pixels of one row, and whether row `y` draws the same as row `y - 1` (then it is not
/// drawn again).
pub(super) trait Rows {
    fn size(&self) -> (u32, u32);
    fn draw(&self, y: u32, row: &mut Vec<u8>);
    fn same_as_above(&self, y: u32) -> bool;
}

pub(super) fn encode(picture: &impl Rows) -> Vec<u8> {
    let (width, height) = picture.size();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    // 8 bits, RGB, deflate, adaptive filtering, not interlaced.
    ihdr.extend([8, 2, 0, 0, 0]);
    out.extend(chunk(b"IHDR", &ihdr));

    let mut z = Deflate::new();
    let (mut above, mut pixels) = (Vec::new(), Vec::new());
    // The filtered row (filter byte first) and its Adler-32 summary, kept while rows repeat.
    let mut filtered = Vec::new();
    let mut summary = (0, 0, 0);
    // `filtered` is an Up-filtered repeat: a filter byte and zeros.
    let mut repeat = false;
    for y in 0..height {
        if y == 0 || !picture.same_as_above(y) {
            repeat = false;
            picture.draw(y, &mut pixels);
            filtered.clear();
            if y == 0 {
                filtered.push(0);
                filtered.extend(&pixels);
            } else {
                filtered.push(2);
                filtered.extend(pixels.iter().zip(&above).map(|(p, a)| p.wrapping_sub(*a)));
            }
            summary = adler_summary(&filtered);
            std::mem::swap(&mut above, &mut pixels);
        } else if !repeat {
            repeat = true;
            filtered.fill(0);
            filtered[0] = 2;
            summary = adler_summary(&filtered);
        }
        z.row(&filtered, summary);
    }
    out.extend(chunk(b"IDAT", &z.finish()));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// (length, sum, weighted sum) of `data`, mod 65521: enough to move an Adler-32 over it.
fn adler_summary(data: &[u8]) -> (u64, u64, u64) {
    let n = data.len() as u64;
    let (mut sum, mut weighted) = (0u64, 0u64);
    for (i, byte) in data.iter().enumerate() {
        sum += u64::from(*byte);
        weighted += (n - i as u64) % ADLER_MOD * u64::from(*byte);
        if i % 4096 == 4095 {
            (sum, weighted) = (sum % ADLER_MOD, weighted % ADLER_MOD);
        }
    }
    (n % ADLER_MOD, sum % ADLER_MOD, weighted % ADLER_MOD)
}

const ADLER_MOD: u64 = 65_521;

/// Base lengths and extra bits of deflate's length codes 257–285.
const LENGTHS: [(u32, u32); 29] = [
    (3, 0),
    (4, 0),
    (5, 0),
    (6, 0),
    (7, 0),
    (8, 0),
    (9, 0),
    (10, 0),
    (11, 1),
    (13, 1),
    (15, 1),
    (17, 1),
    (19, 2),
    (23, 2),
    (27, 2),
    (31, 2),
    (35, 3),
    (43, 3),
    (51, 3),
    (59, 3),
    (67, 4),
    (83, 4),
    (99, 4),
    (115, 4),
    (131, 5),
    (163, 5),
    (195, 5),
    (227, 5),
    (258, 0),
];

/// A zlib stream of one deflate block with the fixed Huffman codes.
struct Deflate {
    out: Vec<u8>,
    bits: u64,
    count: u32,
    /// Adler-32 of the data so far.
    a: u64,
    b: u64,
}

impl Deflate {
    fn new() -> Deflate {
        // zlib: deflate with a 32 KiB window, and its check bits.
        let mut z = Deflate { out: vec![0x78, 0x01], bits: 0, count: 0, a: 1, b: 0 };
        // BFINAL, then BTYPE 01: fixed Huffman codes.
        z.put_bits(1, 1);
        z.put_bits(1, 2);
        z
    }

    /// Bits as deflate packs them: the least significant first.
    fn put_bits(&mut self, value: u32, count: u32) {
        self.bits |= u64::from(value) << self.count;
        self.count += count;
        while self.count >= 8 {
            self.out.push(self.bits as u8);
            self.bits >>= 8;
            self.count -= 8;
        }
    }

    /// A Huffman code: its most significant bit first.
    fn put_code(&mut self, code: u32, length: u32) {
        self.put_bits(code.reverse_bits() >> (32 - length), length);
    }

    fn literal(&mut self, byte: u8) {
        let v = u32::from(byte);
        if v < 144 {
            self.put_code(0x30 + v, 8);
        } else {
            self.put_code(0x190 + v - 144, 9);
        }
    }

    /// A copy of `length` (3–258) bytes from 3 bytes back.
    fn copy_from_3_back(&mut self, length: u32) {
        let at = LENGTHS.iter().rposition(|(base, _)| *base <= length).unwrap();
        let (base, extra) = LENGTHS[at];
        let symbol = 257 + at as u32;
        if symbol < 280 {
            self.put_code(symbol - 256, 7);
        } else {
            self.put_code(0xC0 + symbol - 280, 8);
        }
        self.put_bits(length - base, extra);
        // Distance code 2 is a distance of 3, with no extra bits.
        self.put_code(2, 5);
    }

    /// One filtered row; `summary` is its [`adler_summary`].
    fn row(&mut self, row: &[u8], (n, sum, weighted): (u64, u64, u64)) {
        self.b = (self.b + n * self.a + weighted) % ADLER_MOD;
        self.a = (self.a + sum) % ADLER_MOD;
        let (filter, pixels) = row.split_first().expect("a filter byte");
        self.literal(*filter);
        let periodic = pixels.len() > 3 && pixels[3..] == pixels[..pixels.len() - 3];
        if !periodic {
            pixels.iter().for_each(|b| self.literal(*b));
            return;
        }
        pixels[..3].iter().for_each(|b| self.literal(*b));
        let mut left = pixels.len() - 3;
        while left >= 3 {
            // Never leave 1 or 2 bytes, too short for a copy, when a shorter copy avoids it.
            let n = if left > 258 && left < 261 { left - 3 } else { left.min(258) };
            self.copy_from_3_back(n as u32);
            left -= n;
        }
        pixels[pixels.len() - left..].iter().for_each(|b| self.literal(*b));
    }

    fn finish(mut self) -> Vec<u8> {
        // End of block (256), then the last byte padded.
        self.put_code(0, 7);
        if self.count > 0 {
            self.put_bits(0, 8 - self.count);
        }
        let adler = ((self.b as u32) << 16) | self.a as u32;
        self.out.extend(adler.to_be_bytes());
        self.out
    }
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + data.len());
    out.extend((data.len() as u32).to_be_bytes());
    out.extend(kind);
    out.extend(data);
    let crc = out[4..]
        .iter()
        .fold(!0u32, |c, b| CRC_TABLE[((c ^ u32::from(*b)) & 0xff) as usize] ^ (c >> 8));
    out.extend((!crc).to_be_bytes());
    out
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise: rows neither periodic nor repeated, every byte a literal.
    struct Noise(u32, u32);

    impl Rows for Noise {
        fn size(&self) -> (u32, u32) {
            (self.0, self.1)
        }
        fn draw(&self, y: u32, row: &mut Vec<u8>) {
            row.clear();
            row.extend((0..self.0 * 3).map(|i| (i.wrapping_mul(2_654_435_761) ^ (y * 97)) as u8));
        }
        fn same_as_above(&self, _: u32) -> bool {
            false
        }
    }

    #[test]
    fn rows_that_do_not_repeat_decode_too() {
        let noise = Noise(37, 19);
        let decoded = image::load_from_memory(&encode(&noise)).unwrap().to_rgb8();
        let mut row = Vec::new();
        for y in 0..19 {
            noise.draw(y, &mut row);
            let got: Vec<u8> = (0..37).flat_map(|x| decoded.get_pixel(x, y).0).collect();
            assert_eq!(got, row, "row {y}");
        }
    }

    #[test]
    fn the_adler_summary_moves_a_checksum_as_byte_by_byte_does() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 300) as u8).collect();
        let (mut a, mut b) = (1u64, 0u64);
        for byte in &data {
            a = (a + u64::from(*byte)) % ADLER_MOD;
            b = (b + a) % ADLER_MOD;
        }
        let mut z = Deflate::new();
        z.row(&data, adler_summary(&data));
        assert_eq!((z.a, z.b), (a, b));
    }
}
