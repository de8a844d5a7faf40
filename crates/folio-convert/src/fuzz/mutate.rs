//! Mutations aimed at binary formats made of lengths and offsets: bit flips, boundary values
//! written as 16/32-bit big- and little-endian numbers (lengths, IFD counts, chunk sizes), cut
//! and repeated ranges, and splices of two seeds.

/// xorshift64*: small, fast and reproducible from the printed seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const BOUNDARIES: [u32; 12] =
    [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x7fff_ffff, 0xffff_ffff];

/// One to four mutations of a randomly chosen seed.
pub fn mutant(rng: &mut Rng, seeds: &[Vec<u8>], max_len: usize) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..=rng.below(4) {
        mutate(rng, &mut data, seeds);
    }
    data.truncate(max_len);
    data
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    if data.is_empty() {
        data.push(rng.next() as u8);
        return;
    }
    let at = rng.below(data.len());
    match rng.below(9) {
        0 => data[at] ^= 1 << rng.below(8),
        1 => data[at] = rng.next() as u8,
        2 => data[at] = BOUNDARIES[rng.below(BOUNDARIES.len())] as u8,
        3 => {
            // A length or count field made huge, zero or off by one.
            let v = BOUNDARIES[rng.below(BOUNDARIES.len())];
            let bytes = match rng.below(4) {
                0 => (v as u16).to_be_bytes().to_vec(),
                1 => (v as u16).to_le_bytes().to_vec(),
                2 => v.to_be_bytes().to_vec(),
                _ => v.to_le_bytes().to_vec(),
            };
            for (i, b) in bytes.into_iter().enumerate() {
                if let Some(slot) = data.get_mut(at + i) {
                    *slot = b;
                }
            }
        }
        4 => {
            // Cut the file short: truncation is the commonest real damage.
            data.truncate(at);
        }
        5 => {
            let len = rng.below((data.len() - at).min(256)) + 1;
            data.drain(at..at + len);
        }
        6 => {
            let len = rng.below((data.len() - at).min(256)) + 1;
            let copy: Vec<u8> = data[at..at + len].to_vec();
            let to = rng.below(data.len());
            data.splice(to..to, copy);
        }
        7 => {
            let len = rng.below(64) + 1;
            let noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            data.splice(at..at, noise);
        }
        _ => {
            // The head of this input with the tail of another seed.
            let other = &seeds[rng.below(seeds.len())];
            if !other.is_empty() {
                let from = rng.below(other.len());
                data.truncate(at);
                data.extend_from_slice(&other[from..]);
            }
        }
    }
}
