//! Small JPEG previews of saved images, for clients that should not load a 4K PNG.

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;

/// The longest side of a preview, in pixels.
pub const PREVIEW_MAX_SIDE: u32 = 768;

/// JPEG quality of previews (0–100).
const PREVIEW_QUALITY: u8 = 82;

/// A preview's bytes and pixel size.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// JPEG bytes.
    pub jpeg: Vec<u8>,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
}

/// Decodes the image at `path` and encodes a JPEG whose longest side is at most `max_side`
/// (smaller images keep their size). Blocking: call it off async tasks.
pub fn jpeg_preview(path: &Path, max_side: u32) -> Result<Preview, String> {
    let image = image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())?;
    let fits = image.width().max(image.height()) <= max_side;
    let small = if fits {
        image
    } else {
        image.thumbnail(max_side, max_side)
    };
    let rgb = small.to_rgb8();
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut jpeg), PREVIEW_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| e.to_string())?;
    Ok(Preview {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_image_shrinks_to_the_longest_side_and_keeps_its_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.png");
        image::RgbImage::from_pixel(2048, 1024, image::Rgb([200, 40, 40]))
            .save(&path)
            .unwrap();
        let preview = jpeg_preview(&path, PREVIEW_MAX_SIDE).unwrap();
        assert_eq!((preview.width, preview.height), (768, 384));
        assert_eq!(&preview.jpeg[..3], &[0xFF, 0xD8, 0xFF]);
        let decoded = image::load_from_memory(&preview.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (768, 384));
    }

    #[test]
    fn a_small_image_keeps_its_size_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small.png");
        image::RgbImage::new(100, 50).save(&path).unwrap();
        let preview = jpeg_preview(&path, PREVIEW_MAX_SIDE).unwrap();
        assert_eq!((preview.width, preview.height), (100, 50));
        assert!(jpeg_preview(&dir.path().join("none.png"), 768).is_err());
    }
}
