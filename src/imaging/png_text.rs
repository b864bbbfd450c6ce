//! Adds an iTXt (UTF-8 text) chunk to PNG bytes without re-encoding the image.

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Inserts `keyword = text` after IHDR; returns None when the bytes are not a PNG.
pub fn insert_itxt(png: &[u8], keyword: &str, text: &str) -> Option<Vec<u8>> {
    let (offset, chunk) = itxt_chunk(png, keyword, text)?;
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(&png[..offset]);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[offset..]);
    Some(out)
}

/// An iTXt chunk and the offset (just after IHDR) where it belongs, so a writer can
/// stream `png[..offset]`, the chunk, then `png[offset..]` without copying the image.
pub fn itxt_chunk(png: &[u8], keyword: &str, text: &str) -> Option<(usize, Vec<u8>)> {
    if !png.starts_with(SIGNATURE) || png.len() < SIGNATURE.len() + 8 {
        return None;
    }
    let ihdr_len = u32::from_be_bytes(png[8..12].try_into().ok()?) as usize;
    if &png[12..16] != b"IHDR" {
        return None;
    }
    let after_ihdr = 8 + 12 + ihdr_len;
    if png.len() < after_ihdr {
        return None;
    }
    let keyword: String = keyword
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(79)
        .collect();
    let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
    data.extend_from_slice(keyword.as_bytes());
    data.extend_from_slice(&[0, 0, 0, 0, 0]); // keyword end, no compression, method, empty language, empty translation
    data.extend_from_slice(text.as_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(b"iTXt");
    crc.update(&data);
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(b"iTXt");
    chunk.extend_from_slice(&data);
    chunk.extend_from_slice(&crc.finalize().to_be_bytes());
    Some((after_ihdr, chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_is_readable_by_a_png_decoder() {
        let mut bytes = Vec::new();
        image::RgbImage::new(2, 2)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        let tagged = insert_itxt(&bytes, "prompt", "a fox — «winter»").unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(tagged));
        let reader = decoder.read_info().unwrap();
        let texts = &reader.info().utf8_text;
        assert_eq!(texts[0].keyword, "prompt");
        assert_eq!(texts[0].get_text().unwrap(), "a fox — «winter»");
        assert!(insert_itxt(b"GIF89a", "k", "v").is_none());
    }
}
