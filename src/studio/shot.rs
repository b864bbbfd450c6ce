//! Turning roster anchors into the subjects of one shot, reference images loaded and checked.

use super::compose::{Subject, SubjectKind};
use super::roster::{Anchor, AnchorKind, Roster, RosterError};
use crate::error::ValidationError;
use crate::imaging;

/// Splits `--with A,B --with C` into names, dropping blanks and duplicates (ignoring case).
pub fn parse_with(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// The named anchors as subjects, in the order given; unknown names are refused with the roster listed.
pub fn subjects_named(roster: &Roster, names: &[String]) -> Result<Vec<Subject>, ValidationError> {
    let anchors = roster.list().map_err(roster_error)?;
    names
        .iter()
        .map(|name| {
            let Some(anchor) = anchors.iter().find(|a| a.name.eq_ignore_ascii_case(name)) else {
                let known: Vec<&str> = anchors.iter().map(|a| a.name.as_str()).collect();
                return Err(ValidationError::Invalid(format!(
                    "no anchor is named '{name}'. The roster has: {}. Add one with `peel roster add character|object NAME --desc ...`.",
                    if known.is_empty() { "nothing yet".to_string() } else { known.join(", ") }
                )));
            };
            subject(anchor)
        })
        .collect()
}

/// The anchors marked in shot, as subjects (what the workbench sends).
pub fn subjects_in_shot(roster: &Roster) -> Result<Vec<Subject>, ValidationError> {
    let anchors = roster.list().map_err(roster_error)?;
    anchors.iter().filter(|a| a.in_shot).map(subject).collect()
}

/// One anchor with its reference images read from disk.
pub fn subject(anchor: &Anchor) -> Result<Subject, ValidationError> {
    let mut images = Vec::with_capacity(anchor.refs.len());
    for path in &anchor.refs {
        let reference =
            imaging::load_reference(path).map_err(|reason| ValidationError::Reference {
                path: path.clone(),
                reason: format!("{reason} (a reference of anchor '{}')", anchor.name),
            })?;
        images.push((reference.mime.to_string(), reference.bytes));
    }
    Ok(Subject {
        name: anchor.name.clone(),
        kind: match anchor.kind {
            AnchorKind::Character => SubjectKind::Character,
            AnchorKind::Object => SubjectKind::Object,
        },
        identifiers: anchor.description.clone(),
        images,
    })
}

fn roster_error(e: RosterError) -> ValidationError {
    ValidationError::Config {
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_lists_are_split_trimmed_and_deduplicated() {
        let values = vec!["Mira, Red Mug".to_string(), "mira,,Dog ".to_string()];
        assert_eq!(parse_with(&values), vec!["Mira", "Red Mug", "Dog"]);
    }
}
