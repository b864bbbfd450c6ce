//! Request composition with anchors: the user's text, then each anchor in shot with its
//! restated identifiers and labelled reference images, then `consistent subjects: A, B`.
//! Budgets per model are enforced here, before anything is sent.

use serde::Serialize;

use crate::api::wire::Part;
use crate::error::ValidationError;
use crate::models::{ModelSpec, Registry};

/// Character or object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A person or creature kept consistent.
    Character,
    /// A high-fidelity object.
    Object,
}

impl SubjectKind {
    /// "character" or "object".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Character => "character",
            Self::Object => "object",
        }
    }
}

/// An anchor in shot, with its reference images loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Subject {
    /// Name used in the prompt.
    pub name: String,
    /// Character or object.
    pub kind: SubjectKind,
    /// Visual identifiers to restate ("orange puffer jacket, natural hair").
    pub identifiers: String,
    /// Reference images: (mime, bytes).
    pub images: Vec<(String, Vec<u8>)>,
}

/// What a composed request holds, for showing before sending.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompositionSummary {
    /// Every text part, in order.
    pub texts: Vec<String>,
    /// One line per image: "Image 3 shows Mira (character)".
    pub images: Vec<String>,
    /// Character images used / allowed.
    pub characters: (u32, u32),
    /// Object images used / allowed.
    pub objects: (u32, u32),
    /// All images used / allowed.
    pub total: (u32, u32),
}

/// Checks the model's reference budget for these subjects plus `extra_images` plain references.
pub fn check_budget(
    model: &ModelSpec,
    registry: &Registry,
    subjects: &[Subject],
    extra_images: usize,
) -> Result<(u32, u32, u32), ValidationError> {
    let count = |kind| {
        subjects
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.images.len() as u32)
            .sum::<u32>()
    };
    let characters = count(SubjectKind::Character);
    let objects = count(SubjectKind::Object);
    let total = characters + objects + extra_images as u32;
    let caps = model.references;
    let over = [
        (
            "character images",
            characters,
            caps.characters,
            SubjectKind::Character,
        ),
        ("object images", objects, caps.objects, SubjectKind::Object),
    ]
    .into_iter()
    .find(|(_, used, cap, _)| used > cap)
    .map(|(what, used, cap, kind)| (what, used, cap, Some(kind)))
    .or_else(|| (total > caps.images).then_some(("images in all", total, caps.images, None)));
    let Some((what, used, cap, kind)) = over else {
        return Ok((characters, objects, total));
    };
    let in_shot: Vec<String> = subjects
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {} image(s))",
                s.name,
                s.kind.as_str(),
                s.images.len()
            )
        })
        .collect();
    let better: Vec<&str> = registry
        .models
        .values()
        .filter(|m| {
            let r = m.references;
            let fits_kind = match kind {
                Some(SubjectKind::Character) => r.characters >= used,
                Some(SubjectKind::Object) => r.objects >= used,
                None => true,
            };
            fits_kind && r.characters >= characters && r.objects >= objects && r.images >= total
        })
        .map(|m| m.id.as_str())
        .collect();
    let suggestion = if better.is_empty() {
        "no model takes that many; take some anchors out of shot or use fewer reference images"
            .to_string()
    } else {
        format!("{} allow(s) more", better.join(", "))
    };
    Err(ValidationError::Invalid(format!(
        "{} takes at most {cap} {what}, but {used} are needed. In shot: {}. {suggestion}.",
        model.id,
        if in_shot.is_empty() {
            "no anchors".to_string()
        } else {
            in_shot.join(", ")
        },
    )))
}

/// How the previous frame of a story is introduced to the model ("Image N " comes first).
pub const PREVIOUS_FRAME_LABEL: &str =
    "is the previous frame of this story: keep the same characters, costumes and setting.";

/// Builds the user turn's parts. `extra` are plain `--ref` images, numbered after the
/// anchors'; `previous` is a story's previous frame, labelled and numbered last.
pub fn compose(
    prompt: &str,
    subjects: &[Subject],
    extra: &[Part],
    previous: Option<&Part>,
) -> (Vec<Part>, Vec<String>, Vec<String>) {
    let mut parts = vec![Part::text(prompt.trim())];
    let mut texts = vec![prompt.trim().to_string()];
    let mut image_lines = Vec::new();
    let mut number = 0usize;
    for subject in subjects {
        let kind = subject.kind.as_str();
        let identifiers = subject.identifiers.trim().trim_end_matches('.');
        let restated = if identifiers.is_empty() {
            format!("{} ({kind}).", subject.name)
        } else {
            format!("{} ({kind}): {identifiers}.", subject.name)
        };
        parts.push(Part::text(restated.clone()));
        texts.push(restated);
        for (mime, bytes) in &subject.images {
            number += 1;
            let label = format!("Image {number} shows {} ({kind}).", subject.name);
            parts.push(Part::text(label.clone()));
            parts.push(Part::image(mime.clone(), bytes.clone()));
            image_lines.push(label.trim_end_matches('.').to_string());
            texts.push(label);
        }
    }
    for part in extra {
        number += 1;
        parts.push(part.clone());
        image_lines.push(format!("Image {number}: reference"));
    }
    if let Some(frame) = previous {
        number += 1;
        let label = format!("Image {number} {PREVIOUS_FRAME_LABEL}");
        parts.push(Part::text(label.clone()));
        parts.push(frame.clone());
        image_lines.push(format!("Image {number}: the previous frame"));
        texts.push(label);
    }
    if !subjects.is_empty() {
        let names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
        let tag = format!("consistent subjects: {}", names.join(", "));
        parts.push(Part::text(tag.clone()));
        texts.push(tag);
    }
    (parts, texts, image_lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(name: &str, kind: SubjectKind, images: usize, identifiers: &str) -> Subject {
        Subject {
            name: name.into(),
            kind,
            identifiers: identifiers.into(),
            images: (0..images)
                .map(|i| ("image/png".to_string(), vec![i as u8]))
                .collect(),
        }
    }

    #[test]
    fn composition_is_text_then_labelled_anchors_then_the_tag() {
        let subjects = [
            subject(
                "Mira",
                SubjectKind::Character,
                2,
                "orange puffer jacket, natural hair.",
            ),
            subject("Red Mug", SubjectKind::Object, 1, ""),
        ];
        let extra = [Part::image("image/jpeg", vec![7])];
        let (parts, texts, images) = compose("  Mira drinks coffee  ", &subjects, &extra, None);
        let shape: Vec<String> = parts
            .iter()
            .map(|p| match (&p.text, &p.inline_data) {
                (Some(t), _) => format!("T:{t}"),
                (_, Some(b)) => format!("I:{}", b.data.0.first().copied().unwrap_or(0)),
                _ => "?".into(),
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                "T:Mira drinks coffee",
                "T:Mira (character): orange puffer jacket, natural hair.",
                "T:Image 1 shows Mira (character).",
                "I:0",
                "T:Image 2 shows Mira (character).",
                "I:1",
                "T:Red Mug (object).",
                "T:Image 3 shows Red Mug (object).",
                "I:0",
                "I:7",
                "T:consistent subjects: Mira, Red Mug",
            ]
        );
        assert_eq!(
            images,
            vec![
                "Image 1 shows Mira (character)",
                "Image 2 shows Mira (character)",
                "Image 3 shows Red Mug (object)",
                "Image 4: reference"
            ]
        );
        assert_eq!(texts.last().unwrap(), "consistent subjects: Mira, Red Mug");
    }

    #[test]
    fn a_previous_frame_is_labelled_and_numbered_after_every_other_image() {
        let subjects = [subject("Mira", SubjectKind::Character, 1, "")];
        let extra = [Part::image("image/png", vec![5])];
        let frame = Part::image("image/png", vec![9]);
        let (parts, _, images) = compose("Mira waves", &subjects, &extra, Some(&frame));
        let labels: Vec<&str> = parts.iter().filter_map(|p| p.text.as_deref()).collect();
        assert!(
            labels.contains(
                &"Image 3 is the previous frame of this story: keep the same characters, costumes and setting."
            ),
            "{labels:?}"
        );
        let last_image = parts
            .iter()
            .rev()
            .find(|p| p.inline_data.is_some())
            .unwrap();
        assert_eq!(last_image, &frame, "the previous frame is the last image");
        assert_eq!(images.last().unwrap(), "Image 3: the previous frame");
    }

    #[test]
    fn no_anchors_means_just_the_prompt() {
        let (parts, _, _) = compose("a fox", &[], &[], None);
        assert_eq!(parts, vec![Part::text("a fox")]);
    }

    #[test]
    fn every_budget_is_enforced_with_a_useful_message() {
        let registry = Registry::shipped().unwrap();
        let flash = registry.resolve("gemini-3.1-flash-image").unwrap();
        let pro = registry.resolve("gemini-3-pro-image").unwrap();
        let old = registry.resolve("gemini-2.5-flash-image").unwrap();
        let five_chars: Vec<Subject> = (0..5)
            .map(|i| subject(&format!("C{i}"), SubjectKind::Character, 1, ""))
            .collect();
        let err = check_budget(flash, &registry, &five_chars, 0)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("at most 4 character images") && err.contains("C4 (character"),
            "{err}"
        );
        assert!(
            err.contains("gemini-3-pro-image"),
            "suggests the model that allows more: {err}"
        );
        assert_eq!(
            check_budget(pro, &registry, &five_chars, 0).unwrap(),
            (5, 0, 5)
        );
        let objects = [subject("Props", SubjectKind::Object, 7, "")];
        let err = check_budget(pro, &registry, &objects, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 6 object images"), "{err}");
        assert!(check_budget(flash, &registry, &objects, 0).is_ok());
        let err = check_budget(
            flash,
            &registry,
            &[subject("P", SubjectKind::Object, 10, "")],
            5,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("at most 14 images in all"),
            "{err}"
        );
        let err = check_budget(
            old,
            &registry,
            &[subject("A", SubjectKind::Character, 2, "")],
            2,
        )
        .unwrap_err();
        assert!(err.to_string().contains("at most 3 images in all"), "{err}");
    }
}
