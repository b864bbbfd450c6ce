//! "Promote to anchor": the selected image becomes a reference of a roster anchor.

use std::path::Path;

use crate::studio::roster::{AnchorKind, Roster};

/// Adds `image` to the anchor named in `text` ("Mira", or "object Red Mug" / "character
/// Mira" to create one of that kind; new names default to a character). Returns a status line.
pub fn promote(roster: &Roster, image: &Path, text: &str) -> Result<String, String> {
    let text = text.trim();
    let (kind, name) = match text.split_once(' ') {
        Some((first, rest)) if AnchorKind::parse(first).is_some() => {
            (AnchorKind::parse(first), rest.trim())
        }
        _ => (None, text),
    };
    if name.is_empty() {
        return Err("give the anchor a name".into());
    }
    let path = std::path::absolute(image).map_err(|e| e.to_string())?;
    let anchor = match roster
        .add_reference(name, path.clone())
        .map_err(|e| e.to_string())?
    {
        Some(extended) => extended,
        None => roster
            .add(kind.unwrap_or(AnchorKind::Character), name, "", vec![path])
            .map_err(|e| e.to_string())?,
    };
    Ok(format!(
        "{} is now a reference of {} '{}' ({} refs)",
        image
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
        anchor.kind.as_str(),
        anchor.name,
        anchor.refs.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn creates_then_extends_anchors() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
        for p in [&a, &b] {
            image::RgbImage::new(4, 4).save(p).unwrap();
        }
        let roster = Roster::new(Store::in_memory().unwrap());
        let first = promote(&roster, &a, "object Red Mug").unwrap();
        assert!(first.contains("object 'Red Mug' (1 refs)"), "{first}");
        let second = promote(&roster, &b, "red mug").unwrap();
        assert!(second.contains("(2 refs)"), "{second}");
        assert!(
            promote(&roster, &a, "Mira")
                .unwrap()
                .contains("character 'Mira'")
        );
        assert!(promote(&roster, &a, "  ").is_err());
    }
}
