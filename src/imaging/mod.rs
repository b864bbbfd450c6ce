//! Image facts without full decodes: formats, dimensions, PNG text chunks, reference checks.

mod png_text;
pub mod preview;
mod sheet;
pub mod thumbs;

use std::io::Cursor;
use std::path::Path;

pub use png_text::{insert_itxt, itxt_chunk};
pub use sheet::numbered_sheet;

/// MIME types accepted as reference images.
pub const REFERENCE_MIMES: &[&str] = &["image/png", "image/jpeg", "image/webp"];

/// The file extension for a MIME type ("image/jpeg" → "jpg").
pub fn extension_for(mime: &str) -> &'static str {
    match mime.to_ascii_lowercase().as_str() {
        "image/jpeg" | "image/jpg" => "jpg",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "image/heic" => "heic",
        "image/heif" => "heif",
        _ => "png",
    }
}

/// Guesses the MIME type from the first bytes.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    match image::guess_format(bytes).ok()? {
        image::ImageFormat::Png => Some("image/png"),
        image::ImageFormat::Jpeg => Some("image/jpeg"),
        image::ImageFormat::WebP => Some("image/webp"),
        image::ImageFormat::Gif => Some("image/gif"),
        _ => None,
    }
}

/// Pixel size read from the header only.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// A reference image read from disk and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// MIME type from the content, not the name.
    pub mime: &'static str,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Pixel size.
    pub width: u32,
    /// Pixel size.
    pub height: u32,
}

/// Reads a reference image and refuses unsupported or corrupt files, saying why.
pub fn load_reference(path: &Path) -> Result<Reference, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it ({e})"))?;
    let Some(mime) = sniff_mime(&bytes).filter(|m| REFERENCE_MIMES.contains(m)) else {
        return Err("not a PNG, JPEG or WebP image; convert it to one of those".into());
    };
    let decoded = image::load_from_memory(&bytes).map_err(|e| {
        format!("the {mime} data is corrupt or truncated ({e}); re-export the file")
    })?;
    Ok(Reference {
        mime,
        width: decoded.width(),
        height: decoded.height(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::new(w, h)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn facts_come_from_content() {
        let bytes = png(3, 2);
        assert_eq!(sniff_mime(&bytes), Some("image/png"));
        assert_eq!(dimensions(&bytes), Some((3, 2)));
        assert_eq!(extension_for("image/jpeg"), "jpg");
        assert_eq!(sniff_mime(b"hello"), None);
    }

    #[test]
    fn references_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("a.dat");
        std::fs::write(&good, png(4, 4)).unwrap();
        assert_eq!(load_reference(&good).unwrap().mime, "image/png");
        let text = dir.path().join("b.png");
        std::fs::write(&text, "not an image").unwrap();
        assert!(load_reference(&text).unwrap_err().contains("not a PNG"));
        let cut = dir.path().join("c.png");
        std::fs::write(&cut, &png(64, 64)[..60]).unwrap();
        assert!(load_reference(&cut).unwrap_err().contains("corrupt"));
        assert!(
            load_reference(&dir.path().join("missing.png"))
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
