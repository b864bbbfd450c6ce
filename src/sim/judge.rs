//! The simulated text model's judgement of identity consistency: does the judged image
//! (the last one sent) contain the main colours of the reference images before it? The
//! image models draw each reference's colours into what they make, so an image made with
//! an anchor scores high and one made without it scores low, deterministically.

use image::RgbImage;

use super::backdrop::palette_of_bytes;

/// Colours closer than this (Euclidean RGB) count as the same.
const SAME_COLOUR: u32 = 24;
/// A colour is present when at least this share of the samples (per mille ×10) have it.
const PRESENT_PER_10K: usize = 15;
/// Longest side sampled from the judged image.
const SAMPLED_SIDE: u32 = 512;

/// A 0–100 score and a one-line note for `candidate` against `references`.
pub fn consistency(references: &[Vec<u8>], candidate: &[u8]) -> (u8, String) {
    let seed = references
        .iter()
        .fold(fnv(candidate), |h, r| h.rotate_left(7) ^ fnv(r));
    let jitter = |spread: u64| seed % spread.max(1);
    let Some(image) = image::load_from_memory(candidate)
        .ok()
        .map(|i| i.into_rgb8())
    else {
        return (0, "the judged image could not be read".into());
    };
    if references.is_empty() {
        return (
            50 + jitter(10) as u8,
            "no reference image was given to compare with".into(),
        );
    }
    let samples = samples(&image);
    let mut best: Option<(usize, Vec<[u8; 3]>)> = None;
    for reference in references {
        let Some(palette) = palette_of_bytes(reference) else {
            continue;
        };
        let missing: Vec<[u8; 3]> = palette
            .0
            .iter()
            .filter(|colour| !present(&samples, **colour))
            .copied()
            .collect();
        let found = palette.0.len() - missing.len();
        if best.as_ref().is_none_or(|(f, _)| found > *f) {
            best = Some((found, missing));
        }
    }
    let Some((found, missing)) = best else {
        return (0, "no reference image could be read".into());
    };
    let score = match found {
        5 => 90 + jitter(9),
        4 => 74 + jitter(8),
        3 => 55 + jitter(10),
        2 => 38 + jitter(10),
        1 => 20 + jitter(10),
        _ => 3 + jitter(10),
    } as u8;
    let note = if missing.is_empty() {
        "the subject keeps the reference's colours and look".to_string()
    } else {
        let hex: Vec<String> = missing
            .iter()
            .map(|c| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]))
            .collect();
        format!(
            "drifted: {} of the reference's 5 main colours are missing ({})",
            missing.len(),
            hex.join(", ")
        )
    };
    (score, note)
}

/// FNV-1a over `bytes`: a stable fingerprint for the score's small spread.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn samples(image: &RgbImage) -> Vec<[u8; 3]> {
    let (w, h) = image.dimensions();
    let step = (w.max(h) / SAMPLED_SIDE).max(1);
    let mut out = Vec::with_capacity(((w / step) * (h / step)) as usize);
    for y in (0..h).step_by(step as usize) {
        for x in (0..w).step_by(step as usize) {
            out.push(image.get_pixel(x, y).0);
        }
    }
    out
}

fn present(samples: &[[u8; 3]], colour: [u8; 3]) -> bool {
    let near = samples
        .iter()
        .filter(|s| {
            let d: u32 = (0..3)
                .map(|c| (s[c] as i32 - colour[c] as i32).unsigned_abs().pow(2))
                .sum();
            d <= SAME_COLOUR * SAME_COLOUR
        })
        .count();
    near * 10_000 >= samples.len().max(1) * PRESENT_PER_10K
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::render::{Format, Palette, Scene, encode, render};

    fn png(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn made(prompt: &str, emblems: &[Palette], format: Format) -> Vec<u8> {
        let scene = Scene {
            width: 512,
            height: 512,
            prompt,
            seed: 4,
            caption: "c",
            edit: None,
            draft: false,
            emblems,
        };
        encode(&render(&scene), format).unwrap()
    }

    #[test]
    fn an_image_made_with_the_reference_scores_high_and_one_without_scores_low() {
        let mut reference = RgbImage::from_pixel(64, 64, image::Rgb([230, 40, 160]));
        for y in 32..64 {
            for x in 0..64 {
                reference.put_pixel(x, y, image::Rgb([20, 120, 90]));
            }
        }
        let reference = png(&reference);
        let palette = palette_of_bytes(&reference).unwrap();
        for format in [Format::Png, Format::Jpeg] {
            let kept = made("Mira crosses the street", &[palette], format);
            let drifted = made("Mira crosses the street", &[], format);
            let (high, note) = consistency(std::slice::from_ref(&reference), &kept);
            let (low, drift_note) = consistency(std::slice::from_ref(&reference), &drifted);
            assert!(high >= 90, "{format:?}: {high} {note}");
            assert!(low < 70, "{format:?}: {low} {drift_note}");
            assert!(drift_note.starts_with("drifted"), "{drift_note}");
            assert_eq!(
                consistency(std::slice::from_ref(&reference), &kept).0,
                high,
                "deterministic"
            );
        }
    }
}
