//! Decoded pixels and the EXIF orientation transforms applied to them.

/// 8-bit interleaved pixels, RGB or RGBA. Everything after decode works on this one shape, so
/// each encoder and the resizer have a single input type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub data: Vec<u8>,
}

impl Raster {
    pub fn channels(&self) -> usize {
        if self.has_alpha {
            4
        } else {
            3
        }
    }

    pub fn new(width: u32, height: u32, has_alpha: bool, data: Vec<u8>) -> Raster {
        let r = Raster { width, height, has_alpha, data };
        debug_assert_eq!(r.data.len(), width as usize * height as usize * r.channels());
        r
    }

    /// Drops a fully opaque alpha channel: smaller files, faster encodes.
    pub fn without_opaque_alpha(self) -> Raster {
        if !self.has_alpha || self.data.chunks_exact(4).any(|p| p[3] != 255) {
            return self;
        }
        let data = self.data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        Raster::new(self.width, self.height, false, data)
    }

    /// Applies an EXIF orientation (1–8) so the pixels are upright. Unknown values are treated as 1,
    /// as browsers do.
    pub fn oriented(self, orientation: u16) -> Raster {
        // Each orientation is a mirror and/or a transpose; map destination (x, y) to source.
        let (w, h) = (self.width as usize, self.height as usize);
        let transposed = matches!(orientation, 5..=8);
        let (dw, dh) = if transposed { (h, w) } else { (w, h) };
        let src = |x: usize, y: usize| -> (usize, usize) {
            match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                8 => (w - 1 - y, x),
                _ => (x, y),
            }
        };
        if !(2..=8).contains(&orientation) {
            return self;
        }
        let c = self.channels();
        let mut out = vec![0u8; self.data.len()];
        for y in 0..dh {
            let row = &mut out[y * dw * c..(y + 1) * dw * c];
            for x in 0..dw {
                let (sx, sy) = src(x, y);
                let s = (sy * w + sx) * c;
                row[x * c..x * c + c].copy_from_slice(&self.data[s..s + c]);
            }
        }
        Raster::new(dw as u32, dh as u32, self.has_alpha, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3×2 image whose pixels are numbered 0..6 (stored in the red channel).
    fn numbered() -> Raster {
        let data = (0..6u8).flat_map(|i| [i, 0, 0]).collect();
        Raster::new(3, 2, false, data)
    }

    fn reds(r: &Raster) -> Vec<u8> {
        r.data.chunks(3).map(|p| p[0]).collect()
    }

    #[test]
    fn every_orientation_matches_the_exif_definition() {
        // Source layout:  0 1 2
        //                 3 4 5
        let cases: [(u16, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (o, dims, expected) in cases {
            let out = numbered().oriented(o);
            assert_eq!((out.width, out.height), dims, "orientation {o}");
            assert_eq!(reds(&out), expected, "orientation {o}");
        }
    }

    #[test]
    fn opaque_alpha_is_dropped_but_real_alpha_kept() {
        let opaque = Raster::new(1, 1, true, vec![1, 2, 3, 255]).without_opaque_alpha();
        assert_eq!((opaque.has_alpha, opaque.data), (false, vec![1, 2, 3]));
        let clear = Raster::new(1, 1, true, vec![1, 2, 3, 10]).without_opaque_alpha();
        assert!(clear.has_alpha);
    }
}
