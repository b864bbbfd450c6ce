//! Checks on what a face hands the roster: an anchor kind as text, reference image paths.

use std::path::PathBuf;

use crate::error::ValidationError;
use crate::imaging;
use crate::studio::AnchorKind;

/// Parses "character" or "object", or says which kinds there are.
pub fn parse_kind(text: &str) -> Result<AnchorKind, ValidationError> {
    AnchorKind::parse(text).ok_or_else(|| {
        ValidationError::Invalid(format!(
            "'{text}' is not an anchor kind; use character or object"
        ))
    })
}

/// Checks each reference image and returns absolute paths, so the roster works from any folder.
pub fn checked_refs(refs: &[PathBuf]) -> Result<Vec<PathBuf>, ValidationError> {
    refs.iter()
        .map(|path| {
            imaging::load_reference(path).map_err(|reason| ValidationError::Reference {
                path: path.clone(),
                reason,
            })?;
            Ok(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_a_wrong_one_names_the_choices() {
        assert_eq!(parse_kind("character").unwrap(), AnchorKind::Character);
        let message = parse_kind("robot").unwrap_err().to_string();
        assert!(message.contains("character or object"), "{message}");
    }

    #[test]
    fn a_missing_reference_is_refused_with_its_path() {
        let message = checked_refs(&["/nowhere/ref.png".into()])
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("reference image /nowhere/ref.png:"),
            "{message}"
        );
    }
}
