//! Thumbnails cached on disk, keyed by the image's path, size and modification time, so a
//! folder of thousands of 2K images is decoded once; later looks read small PNGs. Also the
//! contact sheet: thumbnails laid out in a grid.

use std::path::{Path, PathBuf};

use image::{DynamicImage, GenericImage, Rgba, RgbaImage};
use sha2::{Digest, Sha256};

/// Longest side of a cached thumbnail, in pixels.
pub const THUMB_PX: u32 = 256;

/// Image files shown by `view` and `review`.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];

/// True when the file name has an image extension.
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Image files in `dir`, sorted by name.
pub fn images_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_image(p))
        .collect();
    found.sort();
    Ok(found)
}

/// A disk cache of thumbnails.
#[derive(Debug, Clone)]
pub struct ThumbCache {
    dir: PathBuf,
}

impl ThumbCache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Where the thumbnail of `image` lives (or would).
    pub fn path_for(&self, image: &Path) -> Option<PathBuf> {
        let meta = std::fs::metadata(image).ok()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let absolute = std::path::absolute(image).unwrap_or_else(|_| image.to_path_buf());
        let mut hash = Sha256::new();
        hash.update(absolute.as_os_str().as_encoded_bytes());
        hash.update(meta.len().to_le_bytes());
        hash.update(modified.to_le_bytes());
        hash.update(THUMB_PX.to_le_bytes());
        let digest = hash.finalize();
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        Some(self.dir.join(&hex[..2]).join(format!("{hex}.png")))
    }

    /// The thumbnail of `image`: from the cache, or decoded, shrunk and cached.
    pub fn thumbnail(&self, image: &Path) -> Result<RgbaImage, String> {
        let cached = self.path_for(image);
        if let Some(path) = &cached
            && let Ok(thumb) = image::open(path)
        {
            return Ok(thumb.to_rgba8());
        }
        let full = image::open(image).map_err(|e| format!("{}: {e}", image.display()))?;
        let thumb = full.thumbnail(THUMB_PX, THUMB_PX).to_rgba8();
        drop(full);
        if let Some(path) = cached {
            self.store(&path, &thumb);
        }
        Ok(thumb)
    }

    fn store(&self, path: &Path, thumb: &RgbaImage) {
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let mut bytes = Vec::new();
        if thumb
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .is_ok()
            && let Err(e) = crate::fsio::write_atomic(path, &bytes)
        {
            tracing::warn!("thumbnail cache: {e}");
        }
    }
}

/// Lays thumbnails out `columns` wide on a dark background, `cell` pixels per tile.
pub fn contact_sheet(thumbs: &[RgbaImage], columns: u32, cell: u32) -> DynamicImage {
    let columns = columns.max(1);
    let rows = (thumbs.len() as u32).div_ceil(columns).max(1);
    let gap = 4;
    let width = columns * (cell + gap) + gap;
    let height = rows * (cell + gap) + gap;
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([24, 24, 28, 255]));
    for (n, thumb) in thumbs.iter().enumerate() {
        let n = n as u32;
        let small = if thumb.width() > cell || thumb.height() > cell {
            DynamicImage::ImageRgba8(thumb.clone())
                .thumbnail(cell, cell)
                .to_rgba8()
        } else {
            thumb.clone()
        };
        let x = gap + (n % columns) * (cell + gap) + (cell - small.width()) / 2;
        let y = gap + (n / columns) * (cell + gap) + (cell - small.height()) / 2;
        let _ = sheet.copy_from(&small, x, y);
    }
    DynamicImage::ImageRgba8(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbnails_are_small_cached_and_refreshed_when_the_image_changes() {
        let dir = tempfile::tempdir().unwrap();
        let image = dir.path().join("a.png");
        RgbaImage::from_pixel(1000, 500, Rgba([200, 10, 10, 255]))
            .save(&image)
            .unwrap();
        let cache = ThumbCache::new(dir.path().join("cache"));
        let thumb = cache.thumbnail(&image).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (256, 128));
        let cached = cache.path_for(&image).unwrap();
        assert!(cached.exists());
        std::thread::sleep(std::time::Duration::from_millis(20));
        RgbaImage::from_pixel(300, 600, Rgba([0, 0, 0, 255]))
            .save(&image)
            .unwrap();
        assert_ne!(cache.path_for(&image).unwrap(), cached);
        assert_eq!(cache.thumbnail(&image).unwrap().height(), 256);
        assert!(cache.thumbnail(&dir.path().join("missing.png")).is_err());
    }

    #[test]
    fn sheets_fit_every_thumbnail() {
        let thumbs = vec![RgbaImage::new(64, 32); 5];
        let sheet = contact_sheet(&thumbs, 2, 64);
        assert_eq!((sheet.width(), sheet.height()), (2 * 68 + 4, 3 * 68 + 4));
        assert!(is_image(Path::new("x/a.JPG")));
        assert!(!is_image(Path::new("a.png.json")));
    }
}
