//! What an edit starts from: the earlier image (a model turn's or the user's), decoded once,
//! its main colours, and copies resized and recoloured to serve as the new image's backdrop.

use std::io::Cursor;

use image::{DynamicImage, RgbImage};

use super::canvas::Canvas;
use super::render::{Palette, hash64};

/// Longest side of the copy that is recoloured.
const WORK_SIZE: u32 = 1024;

/// A decoded earlier image.
pub struct Backdrop {
    image: RgbImage,
    /// Its main colours.
    pub palette: Palette,
}

impl Backdrop {
    /// Decodes an encoded image (PNG, JPEG or WebP).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let image = image::load_from_memory(bytes).ok()?.into_rgb8();
        if image.width() == 0 || image.height() == 0 {
            return None;
        }
        let palette = palette_of(&image);
        Some(Self { image, palette })
    }

    /// The image stretched to `width`×`height`, its hues turned by an amount the
    /// instruction decides and slightly darkened, so the edit is visibly a change of it.
    /// Recolouring happens on a small copy and scaling is nearest-neighbour by whole rows,
    /// which keeps a 4K edit fast.
    pub fn canvas(&self, width: u32, height: u32, instruction: &str) -> Canvas {
        let turn = 30 + (hash64(instruction) % 120) as i32;
        let (sw, sh) = self.image.dimensions();
        let scale = (WORK_SIZE as f64 / sw.max(sh) as f64).min(1.0);
        let ww = ((sw as f64 * scale).round() as u32).max(1);
        let wh = ((sh as f64 * scale).round() as u32).max(1);
        let small = RgbImage::from_raw(ww, wh, nearest(&self.image, ww, wh))
            .unwrap_or_else(|| RgbImage::new(ww, wh));
        let recoloured = DynamicImage::ImageRgb8(small)
            .huerotate(turn)
            .brighten(-18)
            .into_rgb8();
        Canvas {
            width,
            height,
            pixels: nearest(&recoloured, width, height),
        }
    }
}

/// Nearest-neighbour resampling; rows that map to the same source row are copied whole.
fn nearest(src: &RgbImage, width: u32, height: u32) -> Vec<u8> {
    let (sw, sh) = src.dimensions();
    let raw = src.as_raw();
    let row_len = width as usize * 3;
    let mut out = vec![0u8; row_len * height as usize];
    let columns: Vec<usize> = (0..width)
        .map(|x| ((x as u64 * sw as u64 / width.max(1) as u64) as usize).min(sw as usize - 1) * 3)
        .collect();
    let mut previous: Option<(usize, usize)> = None;
    for y in 0..height as usize {
        let sy = ((y as u64 * sh as u64 / height.max(1) as u64) as usize).min(sh as usize - 1);
        let start = y * row_len;
        if let Some((prev_sy, prev_start)) = previous
            && prev_sy == sy
        {
            out.copy_within(prev_start..prev_start + row_len, start);
            continue;
        }
        let src_row = &raw[sy * sw as usize * 3..(sy + 1) * sw as usize * 3];
        let dst = &mut out[start..start + row_len];
        for (d, &sx) in dst.chunks_exact_mut(3).zip(&columns) {
            d.copy_from_slice(&src_row[sx..sx + 3]);
        }
        previous = Some((sy, start));
    }
    out
}

fn palette_of(img: &RgbImage) -> Palette {
    let (w, h) = img.dimensions();
    let at = |fx: u32, fy: u32| {
        img.get_pixel((fx * w / 16).min(w - 1), (fy * h / 16).min(h - 1))
            .0
    };
    let mean = |y0: u32, y1: u32| {
        let mut sum = [0u64; 3];
        let mut n = 0u64;
        for fy in y0..y1 {
            for fx in 0..16 {
                let p = at(fx, fy);
                for c in 0..3 {
                    sum[c] += p[c] as u64;
                }
                n += 1;
            }
        }
        let n = n.max(1);
        [(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8]
    };
    Palette([mean(0, 5), mean(11, 16), at(4, 4), at(12, 8), at(8, 12)])
}

/// The main colours of an encoded image (PNG, JPEG or WebP).
pub fn palette_of_bytes(bytes: &[u8]) -> Option<Palette> {
    let image = image::load_from_memory(bytes).ok()?.into_rgb8();
    (image.width() > 0 && image.height() > 0).then(|| palette_of(&image))
}

/// Pixel size of an encoded image without decoding it.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::render::{Edit, Format, Scene, encode, render};

    fn scene<'a>(prompt: &'a str, edit: Option<Edit<'a>>) -> Scene<'a> {
        Scene {
            width: 160,
            height: 90,
            prompt,
            seed: 3,
            caption: "c",
            edit,
            draft: false,
            emblems: &[],
        }
    }

    #[test]
    fn edits_build_on_the_earlier_image() {
        let first = encode(&render(&scene("a green meadow", None)), Format::Png).unwrap();
        let back = Backdrop::decode(&first).unwrap();
        let canvas = back.canvas(160, 90, "make it night");
        assert_eq!(canvas.pixels.len(), 160 * 90 * 3);
        let edit = Edit {
            palette: back.palette,
            backdrop: &canvas,
        };
        let edited = render(&scene("make it night", Some(edit)));
        let plain = render(&scene("make it night", None));
        assert_ne!(edited.pixels, plain.pixels);
        assert_eq!(
            edited.pixels,
            render(&scene("make it night", Some(edit))).pixels
        );
        assert!(Backdrop::decode(b"not an image").is_none());
    }
}
