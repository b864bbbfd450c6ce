//! The simulated text model's judgement of identity consistency: does the judged image
//! (the last one sent) carry the main colours of a reference image before it? The
//! simulated image models draw each reference's five main colours as a swatch (the subject
//! kept), so an image made with an anchor scores high and one made without it scores low,
//! deterministically.

use image::RgbImage;

use super::backdrop::palette_of_bytes;
use super::render::{MAX_EMBLEMS, emblem_box};

/// Colours closer than this (Euclidean RGB) count as the same (JPEG shifts them a little).
const SAME_COLOUR: u32 = 40;

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
    let mut best: Option<(usize, Vec<[u8; 3]>)> = None;
    for reference in references {
        let Some(palette) = palette_of_bytes(reference) else {
            continue;
        };
        for slot in 0..MAX_EMBLEMS {
            let missing = missing_in_slot(&image, slot, &palette.0);
            let found = palette.0.len() - missing.len();
            if best.as_ref().is_none_or(|(f, _)| found > *f) {
                best = Some((found, missing));
            }
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

/// The reference colours not found in swatch `slot` of `image`, stripe by stripe.
fn missing_in_slot(image: &RgbImage, slot: usize, colours: &[[u8; 3]]) -> Vec<[u8; 3]> {
    let (x0, y0, side, stripe) = emblem_box(image.width(), image.height(), slot);
    colours
        .iter()
        .enumerate()
        .filter(|(s, colour)| {
            let x = x0 + side / 2;
            let y = y0 + *s as i64 * stripe + stripe / 2;
            let inside =
                x >= 0 && y >= 0 && (x as u32) < image.width() && (y as u32) < image.height();
            !(inside && close(image.get_pixel(x as u32, y as u32).0, **colour))
        })
        .map(|(_, colour)| *colour)
        .collect()
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    let d: u32 = (0..3)
        .map(|c| (a[c] as i32 - b[c] as i32).unsigned_abs().pow(2))
        .sum();
    d <= SAME_COLOUR * SAME_COLOUR
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
