//! A small RGB canvas that draws only in horizontal spans (fast even in debug builds):
//! solid rectangles, discs, slanted bands and 8x8 bitmap text scaled up.

use font8x8::legacy::{BASIC_LEGACY, LATIN_LEGACY};

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Width of one glyph cell in font pixels.
pub const GLYPH: u32 = 8;

/// An RGB8 pixel buffer.
#[derive(Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB bytes.
    pub pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `colour`.
    pub fn new(width: u32, height: u32, colour: Rgb) -> Self {
        let mut canvas = Self {
            width,
            height,
            pixels: vec![0; width as usize * height as usize * 3],
        };
        canvas.fill_rect(0, 0, width as i64, height as i64, colour);
        canvas
    }

    /// Fills pixels `x0..x1` of row `y`, clipped to the canvas.
    pub fn span(&mut self, y: i64, x0: i64, x1: i64, colour: Rgb) {
        if y < 0 || y >= self.height as i64 {
            return;
        }
        let x0 = x0.clamp(0, self.width as i64) as usize;
        let x1 = x1.clamp(0, self.width as i64) as usize;
        if x0 >= x1 {
            return;
        }
        let row = y as usize * self.width as usize * 3;
        let slice = &mut self.pixels[row + x0 * 3..row + x1 * 3];
        slice[..3].copy_from_slice(&colour);
        let mut filled = 3;
        while filled < slice.len() {
            let n = filled.min(slice.len() - filled);
            slice.copy_within(..n, filled);
            filled += n;
        }
    }

    /// Fills the rectangle with corners (x0, y0) and (x1, y1), exclusive.
    pub fn fill_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: Rgb) {
        let y0 = y0.max(0);
        let y1 = y1.min(self.height as i64);
        for y in y0..y1 {
            self.span(y, x0, x1, colour);
        }
    }

    /// Fills a disc.
    pub fn fill_disc(&mut self, cx: i64, cy: i64, r: i64, colour: Rgb) {
        let r = r.max(1);
        for dy in -r..=r {
            let half = ((r * r - dy * dy) as f64).sqrt() as i64;
            self.span(cy + dy, cx - half, cx + half + 1, colour);
        }
    }

    /// Fills a band `thickness` wide that runs from the top edge to the bottom edge,
    /// starting at x = `x_top` and leaning `lean` pixels sideways over the full height.
    pub fn fill_band(&mut self, x_top: i64, lean: i64, thickness: i64, colour: Rgb) {
        let h = self.height.max(1) as i64;
        for y in 0..h {
            let x = x_top + lean * y / h;
            self.span(y, x, x + thickness, colour);
        }
    }

    /// Fills a vertical gradient from `top` to `bottom` colour.
    pub fn vertical_gradient(&mut self, top: Rgb, bottom: Rgb) {
        let h = self.height.max(2) as i64 - 1;
        for y in 0..self.height as i64 {
            let c = mix(top, bottom, y as f32 / h as f32);
            self.span(y, 0, self.width as i64, c);
        }
    }

    /// Draws one line of text with its top-left at (x, y), each font pixel `scale` wide.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, colour: Rgb) {
        let s = scale.max(1) as i64;
        for (i, ch) in text.chars().enumerate() {
            let gx = x + i as i64 * GLYPH as i64 * s;
            if gx >= self.width as i64 {
                break;
            }
            let rows = glyph(ch);
            for (ry, bits) in rows.iter().enumerate() {
                let mut col = 0;
                while col < 8 {
                    if bits & (1 << col) == 0 {
                        col += 1;
                        continue;
                    }
                    let start = col;
                    while col < 8 && bits & (1 << col) != 0 {
                        col += 1;
                    }
                    let sx = gx + start as i64 * s;
                    let ex = gx + col as i64 * s;
                    for dy in 0..s {
                        self.span(y + ry as i64 * s + dy, sx, ex, colour);
                    }
                }
            }
        }
    }

    /// Reads one pixel (clamped to the canvas).
    #[cfg(test)]
    pub fn get(&self, x: u32, y: u32) -> Rgb {
        let x = x.min(self.width.saturating_sub(1)) as usize;
        let y = y.min(self.height.saturating_sub(1)) as usize;
        let i = (y * self.width as usize + x) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Canvas({}x{})", self.width, self.height)
    }
}

/// The 8x8 bitmap of a character; characters the font lacks become '?'.
pub fn glyph(ch: char) -> [u8; 8] {
    let code = ch as u32;
    if code < 128 {
        return BASIC_LEGACY[code as usize];
    }
    if (0xA0..=0xFF).contains(&code) {
        return LATIN_LEGACY[(code - 0xA0) as usize];
    }
    BASIC_LEGACY[b'?' as usize]
}

/// Linear mix of two colours (t = 0 gives `a`).
pub fn mix(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

/// Relative luminance in 0..=255.
pub fn luma(c: Rgb) -> f32 {
    0.2126 * c[0] as f32 + 0.7152 * c[1] as f32 + 0.0722 * c[2] as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_clip_and_fill() {
        let mut c = Canvas::new(10, 4, [0, 0, 0]);
        c.span(1, -5, 3, [9, 8, 7]);
        c.span(9, 0, 10, [1, 1, 1]);
        assert_eq!(c.get(0, 1), [9, 8, 7]);
        assert_eq!(c.get(2, 1), [9, 8, 7]);
        assert_eq!(c.get(3, 1), [0, 0, 0]);
        c.fill_disc(5, 2, 1, [5, 5, 5]);
        assert_eq!(c.get(5, 2), [5, 5, 5]);
    }

    #[test]
    fn text_sets_glyph_pixels() {
        let mut c = Canvas::new(32, 16, [0, 0, 0]);
        c.text(0, 0, "I", 2, [255, 255, 255]);
        let lit = c.pixels.chunks(3).filter(|p| p[0] == 255).count();
        assert!(lit > 20, "{lit}");
        assert_eq!(glyph('\u{4e2d}'), glyph('?'));
        assert_ne!(glyph('é'), glyph('?'));
    }
}
