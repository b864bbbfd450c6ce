//! Checking `with` (anchor names): its shape, the names against the roster, and the
//! model's character, object and reference-image caps.

use std::collections::HashSet;
use std::path::PathBuf;

use super::settings::Source;
use super::validate::{ItemCtx, MAX_KEY_LEN};
use crate::models::ModelSpec;
use crate::studio::roster::{Anchor, AnchorKind};

/// Checks the shape of `with` (anchor names).
pub(super) fn check_anchors(with: &[String], source: &Source, ctx: &mut ItemCtx) {
    let mut seen = HashSet::new();
    for name in with {
        let trimmed = name.trim();
        if trimmed.is_empty() {
            ctx.fail("with", source, "anchor names cannot be empty");
        } else if trimmed.len() > MAX_KEY_LEN {
            ctx.fail(
                "with",
                source,
                format!("anchor name '{trimmed}' is longer than {MAX_KEY_LEN} characters"),
            );
        } else if !seen.insert(trimmed.to_ascii_lowercase()) {
            ctx.fail(
                "with",
                source,
                format!("anchor '{trimmed}' is listed twice"),
            );
        }
    }
}

/// The roster's anchors named in `with`; an unknown name is refused with the roster listed.
pub(super) fn roster_anchors(
    with: &[String],
    source: &Source,
    roster: Option<&[Anchor]>,
    ctx: &mut ItemCtx,
) -> Option<Vec<Anchor>> {
    let roster = roster?;
    let mut found = Vec::new();
    for name in with.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match roster.iter().find(|a| a.name.eq_ignore_ascii_case(name)) {
            Some(anchor) => found.push(anchor.clone()),
            None => {
                let known: Vec<&str> = roster.iter().map(|a| a.name.as_str()).collect();
                ctx.fail(
                    "with",
                    source,
                    format!(
                        "no anchor is named '{name}'. The roster has: {}. Add one with `peel roster add character|object NAME --desc ...`.",
                        if known.is_empty() { "nothing yet".to_string() } else { known.join(", ") }
                    ),
                );
            }
        }
    }
    Some(found)
}

/// The model's reference budget: characters, objects, and images (anchors' plus `refs`).
pub(super) fn check_budget(
    model: &ModelSpec,
    refs: &[PathBuf],
    with: &[String],
    anchors: Option<&[Anchor]>,
    (with_source, refs_source): (&Source, &Source),
    ctx: &mut ItemCtx,
) {
    let caps = model.references;
    let (characters, objects, anchor_images) = match anchors {
        Some(list) => list
            .iter()
            .fold((0u32, 0u32, 0usize), |(c, o, i), a| match a.kind {
                AnchorKind::Character => (c + 1, o, i + a.refs.len()),
                AnchorKind::Object => (c, o + 1, i + a.refs.len()),
            }),
        None => (0, 0, with.len()),
    };
    if characters > caps.characters {
        ctx.fail(
            "with",
            with_source,
            format!(
                "{characters} characters in shot, but {} keeps at most {}",
                model.id, caps.characters
            ),
        );
    }
    if objects > caps.objects {
        ctx.fail(
            "with",
            with_source,
            format!(
                "{objects} objects in shot, but {} takes at most {}",
                model.id, caps.objects
            ),
        );
    }
    let images = refs.len() + anchor_images;
    if images as u32 > caps.images {
        ctx.fail(
            "refs",
            refs_source,
            format!(
                "{images} reference images (refs plus anchors'), but {} takes at most {}",
                model.id, caps.images
            ),
        );
    }
}
