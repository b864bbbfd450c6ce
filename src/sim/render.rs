//! Procedural images that show their prompt: a palette hashed from the prompt, shapes
//! placed by the seed, the prompt's words in large bitmap type and a small caption.

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use sha2::{Digest, Sha256};

use super::canvas::{Canvas, GLYPH, Rgb, luma, mix};

/// Longest prompt excerpt drawn on an image, in characters.
const MAX_DRAWN_CHARS: usize = 160;

/// Five colours: two for the background, three accents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette(pub [Rgb; 5]);

/// Everything that decides one image.
#[derive(Debug, Clone)]
pub struct Scene<'a> {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The instruction to draw.
    pub prompt: &'a str,
    /// Places the shapes.
    pub seed: u64,
    /// Small print at the bottom (model, size, seed).
    pub caption: &'a str,
    /// The earlier image this one edits, if any.
    pub edit: Option<Edit<'a>>,
    /// A rough interim draft (a thought image) rather than the final render.
    pub draft: bool,
    /// Main colours of the reference images, drawn as swatches: the subjects kept.
    pub emblems: &'a [Palette],
}

/// Most reference swatches drawn on one image.
pub const MAX_EMBLEMS: usize = 6;

/// What an edit inherits from the image it edits.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    /// Main colours of the earlier image.
    pub palette: Palette,
    /// The earlier image, resized to this scene and recoloured; drawn over.
    pub backdrop: &'a Canvas,
}

/// Output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG, fast compression.
    Png,
    /// Baseline JPEG.
    Jpeg,
}

impl Format {
    /// The format for a MIME type (JPEG for image/jpeg, PNG otherwise).
    pub fn for_mime(mime: &str) -> Self {
        if mime.eq_ignore_ascii_case("image/jpeg") {
            Self::Jpeg
        } else {
            Self::Png
        }
    }
}

/// Draws and encodes a scene.
pub fn render_encoded(scene: &Scene<'_>, format: Format) -> Result<Vec<u8>, String> {
    encode(&render(scene), format)
}

/// Draws a scene.
pub fn render(scene: &Scene<'_>) -> Canvas {
    let mut rng = SplitMix(hash64(scene.prompt) ^ scene.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let own = palette_for(scene.prompt);
    let mut pal = match scene.edit {
        Some(edit) => blend(edit.palette, own, 0.35),
        None => own,
    };
    if scene.draft {
        for c in pal.0.iter_mut() {
            *c = mix(*c, [128, 128, 128], 0.55);
        }
    }
    let [top, bottom, a1, a2, a3] = pal.0;
    let (w, h) = (scene.width as i64, scene.height as i64);
    let backdrop = scene
        .edit
        .map(|e| e.backdrop)
        .filter(|b| b.width == scene.width && b.height == scene.height);
    let (mut canvas, bands, discs) = match backdrop {
        Some(b) => (b.clone(), 1, 1 + rng.below(2)),
        None => {
            let mut c = Canvas::new(scene.width, scene.height, top);
            c.vertical_gradient(top, bottom);
            (c, 2 + rng.below(3), 3 + rng.below(4))
        }
    };
    let short = w.min(h).max(1);
    let accents = [a1, a2, a3];
    for i in 0..bands {
        let lean = rng.range(-w / 2, w / 2);
        let thick = (short as f64 * (0.04 + rng.unit() * 0.10)) as i64;
        let x = rng.range(-w / 4, w);
        canvas.fill_band(
            x,
            lean,
            thick.max(2),
            mix(accents[i as usize % 3], bottom, 0.3),
        );
    }
    for i in 0..discs {
        let r = (short as f64 * (0.06 + rng.unit() * 0.22)) as i64;
        let cx = rng.range(0, w);
        let cy = rng.range(0, h);
        canvas.fill_disc(cx, cy, r, accents[(i as usize + 1) % 3]);
        if r > 8 {
            canvas.fill_disc(
                cx,
                cy,
                r * 2 / 3,
                mix(accents[(i as usize + 1) % 3], top, 0.4),
            );
        }
    }
    draw_prompt(&mut canvas, scene.prompt, &pal, &mut rng);
    draw_emblems(&mut canvas, scene.emblems);
    if scene.draft {
        draw_draft_marks(&mut canvas);
    }
    draw_caption(&mut canvas, scene.caption);
    canvas
}

/// Each reference's five main colours as a block of stripes along the top edge, from the
/// right-hand corner: what a consistency judge looks for.
fn draw_emblems(canvas: &mut Canvas, emblems: &[Palette]) {
    for (slot, palette) in emblems.iter().take(MAX_EMBLEMS).enumerate() {
        let (x0, y0, side, stripe) = emblem_box(canvas.width, canvas.height, slot);
        for (s, colour) in palette.0.iter().enumerate() {
            let y = y0 + s as i64 * stripe;
            canvas.fill_rect(x0, y, x0 + side, y + stripe, *colour);
        }
    }
}

/// Where swatch `slot` sits on a `width`×`height` image: left, top, side, stripe height.
pub fn emblem_box(width: u32, height: u32, slot: usize) -> (i64, i64, i64, i64) {
    let short = width.min(height) as i64;
    let stripe = (short / 40).max(2);
    let side = stripe * 5;
    let margin = (short / 40).max(2);
    let x0 = width as i64 - (slot as i64 + 1) * (side + margin);
    (x0, margin, side, stripe)
}

/// Encodes a canvas (PNG with fast compression, or JPEG).
pub fn encode(canvas: &Canvas, format: Format) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match format {
        Format::Png => {
            PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
                .write_image(
                    &canvas.pixels,
                    canvas.width,
                    canvas.height,
                    ExtendedColorType::Rgb8,
                )
                .map_err(|e| e.to_string())?
        }
        Format::Jpeg => JpegEncoder::new_with_quality(&mut out, 88)
            .encode(
                &canvas.pixels,
                canvas.width,
                canvas.height,
                ExtendedColorType::Rgb8,
            )
            .map_err(|e| e.to_string())?,
    }
    Ok(out)
}

fn draw_prompt(canvas: &mut Canvas, prompt: &str, pal: &Palette, rng: &mut SplitMix) {
    let text = excerpt(prompt);
    if text.is_empty() {
        return;
    }
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    let max_w = (w as f64 * 0.84) as i64;
    let max_h = (h as f64 * 0.46) as i64;
    let Some((scale, lines)) = fit(&text, max_w, max_h) else {
        return;
    };
    let s = scale as i64;
    let line_h = GLYPH as i64 * s + 2 * s;
    let block_h = line_h * lines.len() as i64 - 2 * s;
    let block_w = lines
        .iter()
        .map(|l| l.chars().count() as i64 * GLYPH as i64 * s)
        .max()
        .unwrap_or(0);
    let pad = (3 * s).max(4);
    let free = (h - block_h - 2 * pad).max(0);
    let y0 = free / 5 + rng.range(0, (free * 3 / 5).max(1));
    let x0 = (w - block_w) / 2;
    let [top, bottom, a1, _, _] = pal.0;
    let back = if luma(mix(top, bottom, 0.5)) > 128.0 {
        [20, 20, 28]
    } else {
        [245, 244, 236]
    };
    let ink = if luma(back) > 128.0 {
        [16, 16, 24]
    } else {
        [250, 250, 245]
    };
    let border = (s / 2).max(2);
    canvas.fill_rect(
        x0 - pad - border,
        y0 - border,
        x0 + block_w + pad + border,
        y0 + block_h + 2 * pad + border,
        a1,
    );
    canvas.fill_rect(
        x0 - pad,
        y0,
        x0 + block_w + pad,
        y0 + block_h + 2 * pad,
        back,
    );
    for (i, line) in lines.iter().enumerate() {
        let lw = line.chars().count() as i64 * GLYPH as i64 * s;
        let lx = (w - lw) / 2;
        canvas.text(lx, y0 + pad + i as i64 * line_h, line, scale, ink);
    }
}

fn draw_caption(canvas: &mut Canvas, caption: &str) {
    if caption.is_empty() {
        return;
    }
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    let scale = (w.min(h) / 400).clamp(1, 6) as u32;
    let s = scale as i64;
    let cpl = ((w - 4 * s) / (GLYPH as i64 * s)).max(1) as usize;
    let lines = wrap(caption, cpl);
    let line_h = GLYPH as i64 * s + 2 * s;
    let strip = line_h * lines.len() as i64 + 2 * s;
    canvas.fill_rect(0, h - strip, w, h, [12, 12, 16]);
    for (i, line) in lines.iter().enumerate() {
        canvas.text(
            2 * s,
            h - strip + s + i as i64 * line_h,
            line,
            scale,
            [235, 235, 225],
        );
    }
}

fn draw_draft_marks(canvas: &mut Canvas) {
    let (w, h) = (canvas.width as i64, canvas.height as i64);
    let step = (w.min(h) / 8).max(8);
    let mut x = step;
    while x < w {
        canvas.fill_rect(x, 0, x + 1, h, [90, 90, 90]);
        x += step;
    }
    let mut y = step;
    while y < h {
        canvas.span(y, 0, w, [90, 90, 90]);
        y += step;
    }
    let scale = (w.min(h) / 120).max(1) as u32;
    canvas.text(4, 4, "DRAFT", scale, [255, 255, 255]);
}

/// The part of a prompt that is drawn: whitespace collapsed, long prompts cut.
pub fn excerpt(prompt: &str) -> String {
    let words: Vec<&str> = prompt.split_whitespace().collect();
    let joined = words.join(" ");
    if joined.chars().count() <= MAX_DRAWN_CHARS {
        return joined;
    }
    let cut: String = joined.chars().take(MAX_DRAWN_CHARS - 3).collect();
    format!("{}...", cut.trim_end())
}

/// The largest scale at which `text` wraps into the box, with its lines; scales that keep
/// every word whole are preferred over larger ones that would split a word.
fn fit(text: &str, max_w: i64, max_h: i64) -> Option<(u32, Vec<String>)> {
    let longest = text
        .split_whitespace()
        .map(|w| w.chars().count())
        .max()
        .unwrap_or(1) as i64;
    let top = (max_h / GLYPH as i64).clamp(1, 400);
    for whole_words in [true, false] {
        for s in (1..=top).rev() {
            let cpl = max_w / (GLYPH as i64 * s);
            if cpl < 1 || (whole_words && cpl < longest) {
                continue;
            }
            let lines = wrap(text, cpl as usize);
            let height = lines.len() as i64 * (GLYPH as i64 + 2) * s - 2 * s;
            if height <= max_h {
                return Some((s as u32, lines));
            }
        }
    }
    Some((1, wrap(text, (max_w / GLYPH as i64).max(1) as usize)))
}

/// Greedy word wrap to `cpl` characters per line; long words are split.
pub fn wrap(text: &str, cpl: usize) -> Vec<String> {
    let cpl = cpl.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > cpl {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word[..cpl].iter().collect());
            word.drain(..cpl);
        }
        if word.is_empty() {
            continue;
        }
        let needed = line.chars().count() + usize::from(!line.is_empty()) + word.len();
        if needed > cpl && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.extend(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A palette derived from the prompt's hash.
pub fn palette_for(prompt: &str) -> Palette {
    let h = hash64(&prompt.trim().to_lowercase());
    let hue = (h % 360) as f32;
    let sat = 0.45 + ((h >> 16) % 40) as f32 / 100.0;
    let light = 0.30 + ((h >> 24) % 30) as f32 / 100.0;
    Palette([
        hsl(hue, sat, light),
        hsl(hue + 40.0, sat, (light - 0.15).max(0.08)),
        hsl(hue + 180.0, 0.75, 0.55),
        hsl(hue + 210.0, 0.65, 0.65),
        hsl(hue + 300.0, 0.70, 0.50),
    ])
}

/// Mixes `own` into `base` by `t`.
pub fn blend(base: Palette, own: Palette, t: f32) -> Palette {
    let mut out = base;
    for (o, c) in out.0.iter_mut().zip(own.0) {
        *o = mix(*o, c, t);
    }
    out
}

/// A stable 64-bit hash of a string (first eight bytes of its SHA-256).
pub fn hash64(text: &str) -> u64 {
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8;
    [to(r), to(g), to(b)]
}

/// A tiny deterministic generator (SplitMix64), stable across crate versions.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene<'a>(prompt: &'a str, seed: u64) -> Scene<'a> {
        Scene {
            width: 320,
            height: 180,
            prompt,
            seed,
            caption: "test | 1K | seed 1",
            edit: None,
            draft: false,
            emblems: &[],
        }
    }

    #[test]
    fn same_prompt_and_seed_give_the_same_pixels() {
        let a = render(&scene("a red fox", 7));
        assert_eq!(a.pixels, render(&scene("a red fox", 7)).pixels);
        assert_ne!(a.pixels, render(&scene("a red fox", 8)).pixels);
        assert_ne!(a.pixels, render(&scene("a blue whale", 7)).pixels);
    }

    #[test]
    fn encodes_png_and_jpeg_at_the_exact_size() {
        let canvas = render(&scene("sizes", 1));
        let png = encode(&canvas, Format::Png).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        assert_eq!(super::super::backdrop::dimensions(&png), Some((320, 180)));
        let jpeg = encode(&canvas, Format::Jpeg).unwrap();
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        assert_eq!(super::super::backdrop::dimensions(&jpeg), Some((320, 180)));
    }

    #[test]
    fn fit_keeps_words_whole_when_it_can() {
        let (scale, lines) = fit("a watercolor fox", 170, 2000).unwrap();
        assert_eq!(scale, 2, "{lines:?}");
        assert!(lines.iter().any(|l| l == "watercolor"), "{lines:?}");
        let (_, forced) = fit("supercalifragilistic", 40, 2000).unwrap();
        assert!(forced.len() > 1);
    }

    #[test]
    fn wrap_splits_words_and_long_tokens() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert!(excerpt(&"word ".repeat(100)).ends_with("..."));
    }
}
