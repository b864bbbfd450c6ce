//! Numbered contact sheets: images laid out in order, each with its number in a corner
//! (a storyboard's `sheet.png`).

use std::path::PathBuf;

use image::{DynamicImage, GenericImage, Rgba, RgbaImage};

/// Digits 0–9 as 3×5 bitmaps, one row of three bits per line, top first.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// Space between cells and around the sheet, in pixels.
const GAP: u32 = 8;
/// Size of one bitmap dot of a number.
const DOT: u32 = 4;

/// `frames` (number, image file) laid out `columns` wide, each in a box whose long side
/// is `cell` pixels and whose shape is the first frame's, numbered in its top-left corner;
/// an image that cannot be read is a grey box.
pub fn numbered_sheet(frames: &[(usize, PathBuf)], columns: usize, cell: u32) -> DynamicImage {
    let columns = columns.clamp(1, frames.len().max(1)) as u32;
    let rows = (frames.len() as u32).div_ceil(columns).max(1);
    let (box_w, box_h) = frames
        .first()
        .and_then(|(_, path)| image::image_dimensions(path).ok())
        .filter(|(w, h)| *w > 0 && *h > 0)
        .map(|(w, h)| {
            if w >= h {
                (cell, (cell * h / w).max(1))
            } else {
                ((cell * w / h).max(1), cell)
            }
        })
        .unwrap_or((cell, cell));
    let width = columns * (box_w + GAP) + GAP;
    let height = rows * (box_h + GAP) + GAP;
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([24, 24, 28, 255]));
    for (n, (number, path)) in frames.iter().enumerate() {
        let n = n as u32;
        let (x0, y0) = (
            GAP + (n % columns) * (box_w + GAP),
            GAP + (n / columns) * (box_h + GAP),
        );
        let (x, y) = match image::open(path) {
            Ok(img) => {
                let small = img.thumbnail(box_w, box_h).to_rgba8();
                let x = x0 + (box_w - small.width().min(box_w)) / 2;
                let y = y0 + (box_h - small.height().min(box_h)) / 2;
                let _ = sheet.copy_from(&small, x, y);
                (x, y)
            }
            Err(_) => {
                fill(&mut sheet, x0, y0, box_w, box_h, Rgba([70, 70, 76, 255]));
                (x0, y0)
            }
        };
        draw_number(&mut sheet, x + 4, y + 4, *number);
    }
    DynamicImage::ImageRgba8(sheet)
}

/// `number` in white on a dark badge with its top-left corner at (x, y).
fn draw_number(sheet: &mut RgbaImage, x: u32, y: u32, number: usize) {
    let text = number.to_string();
    let glyph_w = 3 * DOT;
    let badge_w = text.len() as u32 * (glyph_w + DOT) + DOT;
    let badge_h = 5 * DOT + 2 * DOT;
    fill(sheet, x, y, badge_w, badge_h, Rgba([0, 0, 0, 255]));
    for (i, digit) in text.bytes().map(|b| (b - b'0') as usize).enumerate() {
        let gx = x + DOT + i as u32 * (glyph_w + DOT);
        for (row, bits) in DIGITS[digit].iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) != 0 {
                    let px = gx + col * DOT;
                    let py = y + DOT + row as u32 * DOT;
                    fill(sheet, px, py, DOT, DOT, Rgba([255, 255, 255, 255]));
                }
            }
        }
    }
}

fn fill(sheet: &mut RgbaImage, x: u32, y: u32, w: u32, h: u32, colour: Rgba<u8>) {
    for py in y..(y + h).min(sheet.height()) {
        for px in x..(x + w).min(sheet.width()) {
            sheet.put_pixel(px, py, colour);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_laid_out_in_order_with_their_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let colours = [
            [200u8, 0, 0],
            [0, 200, 0],
            [0, 0, 200],
            [200, 200, 0],
            [0, 200, 200],
        ];
        let frames: Vec<(usize, PathBuf)> = colours
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let path = dir.path().join(format!("{i}.png"));
                image::RgbImage::from_pixel(100, 100, image::Rgb(*c))
                    .save(&path)
                    .unwrap();
                (i + 1, path)
            })
            .collect();
        let sheet = numbered_sheet(&frames, 4, 100).to_rgba8();
        assert_eq!(
            (sheet.width(), sheet.height()),
            (4 * 108 + 8, 2 * 108 + 8),
            "five frames four wide make two rows"
        );
        let centre = |n: u32| {
            let (col, row) = (n % 4, n / 4);
            sheet.get_pixel(8 + col * 108 + 60, 8 + row * 108 + 60).0
        };
        for (n, c) in colours.iter().enumerate() {
            assert_eq!(&centre(n as u32)[..3], c, "frame {} in its place", n + 1);
        }
        let white_in_badge = |n: u32| {
            let (col, row) = (n % 4, n / 4);
            let (x, y) = (8 + col * 108 + 4, 8 + row * 108 + 4);
            (x..x + 24)
                .flat_map(|px| (y..y + 28).map(move |py| (px, py)))
                .filter(|(px, py)| sheet.get_pixel(*px, *py).0 == [255, 255, 255, 255])
                .count()
        };
        // "1" has 8 lit dots of 16 px each; "2" has 11.
        assert_eq!(white_in_badge(0), 8 * 16);
        assert_eq!(white_in_badge(1), 11 * 16);
    }
}
