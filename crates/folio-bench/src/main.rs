//! `folio-bench dng PHOTO OUT.dng [--preview]`: a raw made from a photo (dng.rs).
//!
//! `folio-bench ssim REFERENCE IMAGE...`: mean SSIM (luma, 11×11 Gaussian window, σ = 1.5, as in
//! Wang et al. 2004) of each image against the reference, one line per image.
//!
//! Images whose size differs from the reference by rounding (a pixel or two) are compared over
//! the common area, so tools that round 1706.7 differently are not penalised for it.

mod dng;

use std::process::ExitCode;

fn luma(path: &str) -> Result<(usize, usize, Vec<f32>), String> {
    let img = image::open(path).map_err(|e| format!("{path}: {e}"))?.to_rgb8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let y = img
        .pixels()
        .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
        .collect();
    Ok((w, h, y))
}

fn crop(src: &(usize, usize, Vec<f32>), w: usize, h: usize) -> Vec<f32> {
    (0..h).flat_map(|y| src.2[y * src.0..y * src.0 + w].iter().copied()).collect()
}

/// Separable Gaussian blur with clamped edges.
fn blur(v: &[f32], w: usize, h: usize, kernel: &[f32]) -> Vec<f32> {
    let r = kernel.len() / 2;
    let mut tmp = vec![0f32; v.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let xx = (x + k).saturating_sub(r).min(w - 1);
                acc += weight * v[y * w + xx];
            }
            tmp[y * w + x] = acc;
        }
    }
    let mut out = vec![0f32; v.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let yy = (y + k).saturating_sub(r).min(h - 1);
                acc += weight * tmp[yy * w + x];
            }
            out[y * w + x] = acc;
        }
    }
    out
}

fn ssim(a: &[f32], b: &[f32], w: usize, h: usize) -> f64 {
    let sigma = 1.5f32;
    let raw: Vec<f32> =
        (-5..=5).map(|i: i32| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
    let total: f32 = raw.iter().sum();
    let kernel: Vec<f32> = raw.iter().map(|k| k / total).collect();
    let product = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| p * q).collect::<Vec<f32>>();
    let (mu_a, mu_b) = (blur(a, w, h, &kernel), blur(b, w, h, &kernel));
    let aa = blur(&product(a, a), w, h, &kernel);
    let bb = blur(&product(b, b), w, h, &kernel);
    let ab = blur(&product(a, b), w, h, &kernel);
    let (c1, c2) = ((0.01f32 * 255.0).powi(2), (0.03f32 * 255.0).powi(2));
    let mut sum = 0f64;
    for i in 0..a.len() {
        let (ma, mb) = (mu_a[i], mu_b[i]);
        let (va, vb, cov) = (aa[i] - ma * ma, bb[i] - mb * mb, ab[i] - ma * mb);
        let s =
            ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        sum += s as f64;
    }
    sum / a.len() as f64
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() >= 3 && args[0] == "dng" {
        let preview = args.get(3).is_some_and(|a| a == "--preview");
        return match dng::make(&args[1], &args[2], preview) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e}");
                ExitCode::from(1)
            }
        };
    }
    if args.len() < 3 || args[0] != "ssim" {
        eprintln!("usage: folio-bench ssim REFERENCE IMAGE... | folio-bench dng PHOTO OUT.dng [--preview]");
        return ExitCode::from(2);
    }
    let reference = match luma(&args[1]) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    for path in &args[2..] {
        let img = match luma(path) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(1);
            }
        };
        let (w, h) = (reference.0.min(img.0), reference.1.min(img.1));
        if reference.0.abs_diff(img.0) > 2 || reference.1.abs_diff(img.1) > 2 {
            eprintln!("{path}: {}×{} vs reference {}×{}", img.0, img.1, reference.0, reference.1);
            return ExitCode::from(1);
        }
        println!("{:.5}", ssim(&crop(&reference, w, h), &crop(&img, w, h), w, h));
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_images_score_one_and_noise_scores_less() {
        let (w, h) = (64, 48);
        let a: Vec<f32> = (0..w * h).map(|i| ((i * 37) % 255) as f32).collect();
        assert!((ssim(&a, &a, w, h) - 1.0).abs() < 1e-6);
        let noisy: Vec<f32> =
            a.iter().enumerate().map(|(i, v)| v + if i % 2 == 0 { 25.0 } else { -25.0 }).collect();
        let s = ssim(&a, &noisy, w, h);
        assert!(s < 0.95 && s > 0.0, "{s}");
    }
}
