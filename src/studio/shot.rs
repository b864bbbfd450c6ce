//! Turning roster anchors into the subjects of one shot, reference images loaded and checked.

use super::compose::{Subject, SubjectKind};
use super::roster::{Anchor, AnchorKind, Roster, RosterError};
use crate::error::ValidationError;
use crate::imaging;

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

/// Why an anchor is in a shot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The user pinned it: in every shot.
    Pinned,
    /// The prompt names it.
    Named,
}

impl Why {
    /// "pinned" or "named".
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Pinned => "pinned",
            Why::Named => "named",
        }
    }
}

/// The anchors in shot for `prompt`, in roster order, each with why: pinned ones, and the
/// ones the prompt names (as the prompt checker finds names). "In shot" means this
/// everywhere nothing explicit (`--with`, a batch item's `with`) says otherwise.
pub fn in_shot<'a>(anchors: &'a [Anchor], prompt: &str) -> Vec<(&'a Anchor, Why)> {
    let names: Vec<String> = anchors.iter().map(|a| a.name.clone()).collect();
    let named = super::lint::named(prompt, &names);
    anchors
        .iter()
        .filter_map(|a| {
            if a.pinned {
                Some((a, Why::Pinned))
            } else if named.iter().any(|n| n.eq_ignore_ascii_case(a.name.trim())) {
                Some((a, Why::Named))
            } else {
                None
            }
        })
        .collect()
}

/// The names of the anchors in shot for `prompt` (pinned or named).
pub fn names_in_shot(anchors: &[Anchor], prompt: &str) -> Vec<String> {
    in_shot(anchors, prompt)
        .into_iter()
        .map(|(a, _)| a.name.clone())
        .collect()
}

/// The anchors in shot for `prompt` (pinned or named), as subjects: what the workbench
/// sends, and what the CLI sends when `--with` is not given.
pub fn subjects_in_shot(roster: &Roster, prompt: &str) -> Result<Vec<Subject>, ValidationError> {
    let anchors = roster.list().map_err(roster_error)?;
    in_shot(&anchors, prompt)
        .into_iter()
        .map(|(a, _)| subject(a))
        .collect()
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

    fn anchor(name: &str, pinned: bool) -> Anchor {
        Anchor {
            id: 0,
            name: name.into(),
            kind: AnchorKind::Character,
            description: String::new(),
            refs: vec![],
            pinned,
        }
    }

    #[test]
    fn an_anchor_is_in_shot_when_pinned_or_named() {
        let roster = vec![
            anchor("Mira", false),
            anchor("Bolt", false),
            anchor("Old Tom", false),
            anchor("Lamp", true),
        ];
        let shot = |prompt: &str| -> Vec<(String, Why)> {
            in_shot(&roster, prompt)
                .into_iter()
                .map(|(a, why)| (a.name.clone(), why))
                .collect()
        };
        assert_eq!(
            shot("Mira holding a sign, a lightning bolt behind Old Tom"),
            vec![
                ("Mira".into(), Why::Named),
                ("Old Tom".into(), Why::Named),
                ("Lamp".into(), Why::Pinned)
            ]
        );
        assert_eq!(
            shot("a quiet harbour at dawn"),
            vec![("Lamp".into(), Why::Pinned)],
            "an unnamed, unpinned anchor is not sent"
        );
        assert_eq!(
            names_in_shot(&roster, "MIRA's bike"),
            vec!["Mira", "Lamp"],
            "a name in capitals still names her"
        );
    }
}
