//! A prepared request in words, for showing before sending: the settings, the replayed
//! turns of an edit session one line each, and every part of the new user turn in order.

use crate::api::wire::{Content, Part};

use super::PreparedJob;

/// What a part of the new turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Text the model reads.
    Text,
    /// An image sent inline.
    Image,
    /// An image sent as a Files API reference or URL.
    File,
}

/// One part of the turn about to be sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlinePart {
    /// Text, inline image or file reference.
    pub kind: PartKind,
    /// The text itself, or "image 2 · image/png · 340 KB".
    pub text: String,
}

/// The request about to be sent, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestOutline {
    /// "gemini-3.1-flash-image · ratio 16:9 · 2K · seed random · thinking auto · search off".
    pub settings: String,
    /// Anchors in shot, by name.
    pub anchors: Vec<String>,
    /// Earlier turns replayed verbatim, one line per content: "turn 1 · model · 1 image · signed".
    pub replayed: Vec<String>,
    /// The new user turn's parts, in the order the model reads them.
    pub parts: Vec<OutlinePart>,
    /// Images in the whole request (replayed ones included).
    pub images: usize,
    /// Inline bytes in the whole request.
    pub inline_bytes: usize,
}

/// Summarises `job`; `seed_random` shows "seed random" instead of the seed drawn for it.
pub fn outline(job: &PreparedJob, seed_random: bool) -> RequestOutline {
    let s = &job.settings;
    let seed = if seed_random {
        "seed random".to_string()
    } else {
        format!("seed {}", s.seed)
    };
    let mut settings = vec![
        s.model.clone(),
        format!("ratio {}", s.aspect.as_deref().unwrap_or("auto")),
        s.size.clone(),
        seed,
        format!("thinking {}", s.thinking.as_deref().unwrap_or("auto")),
        format!("search {}", s.grounding.as_str()),
    ];
    if let Some(preset) = &s.preset {
        settings.push(format!("preset {preset}"));
    }
    if !s.safety.is_empty() {
        settings.push(format!("{} safety setting(s)", s.safety.len()));
    }
    let contents = &job.request.contents;
    let (earlier, last) = match contents.split_last() {
        Some((last, earlier)) => (earlier, Some(last)),
        None => (&[][..], None),
    };
    let mut replayed = Vec::new();
    let mut turn = 0;
    for content in earlier {
        let role = content.role.as_deref().unwrap_or("user");
        if role == "user" {
            turn += 1;
        }
        replayed.push(format!(
            "turn {turn} · {} · {}",
            who(role),
            summary(content)
        ));
    }
    let mut parts = Vec::new();
    let mut number = 0;
    for part in last.map(|c| c.parts.as_slice()).unwrap_or_default() {
        if let Some(blob) = &part.inline_data {
            number += 1;
            parts.push(OutlinePart {
                kind: PartKind::Image,
                text: format!(
                    "image {number} · {} · {}",
                    blob.mime_type,
                    human_bytes(blob.data.0.len())
                ),
            });
        } else if let Some(file) = &part.file_data {
            number += 1;
            parts.push(OutlinePart {
                kind: PartKind::File,
                text: format!("image {number} · {}", file.file_uri),
            });
        } else if let Some(text) = &part.text {
            parts.push(OutlinePart {
                kind: PartKind::Text,
                text: text.clone(),
            });
        }
    }
    let all_parts = || contents.iter().flat_map(|c| c.parts.iter());
    RequestOutline {
        settings: settings.join(" · "),
        anchors: job.anchors.clone(),
        replayed,
        parts,
        images: all_parts().filter(|p| is_image(p)).count(),
        inline_bytes: all_parts()
            .filter_map(|p| p.inline_data.as_ref())
            .map(|b| b.data.0.len())
            .sum(),
    }
}

fn who(role: &str) -> &'static str {
    if role == "model" { "model" } else { "you" }
}

fn is_image(part: &Part) -> bool {
    part.inline_data.is_some() || part.file_data.is_some()
}

/// "\"a red fox…\" · 2 images · signed" for one replayed content.
fn summary(content: &Content) -> String {
    let mut bits = Vec::new();
    let text: Vec<&str> = content
        .parts
        .iter()
        .filter(|p| p.thought != Some(true))
        .filter_map(|p| p.text.as_deref())
        .collect();
    if let Some(first) = text.first() {
        bits.push(format!("\"{}\"", clip(first, 48)));
    }
    let images = content.parts.iter().filter(|p| is_image(p)).count();
    if images > 0 {
        bits.push(format!(
            "{images} image{}",
            if images == 1 { "" } else { "s" }
        ));
    }
    let thoughts = content
        .parts
        .iter()
        .filter(|p| p.thought == Some(true))
        .count();
    if thoughts > 0 {
        bits.push(format!("{thoughts} thought part(s)"));
    }
    if content.parts.iter().any(|p| p.thought_signature.is_some()) {
        bits.push("signature sent back".into());
    }
    if bits.is_empty() {
        "empty".into()
    } else {
        bits.join(" · ")
    }
}

fn clip(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && !text.contains('\n') {
        return line.to_string();
    }
    let mut out: String = line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// 1536 → "1.5 KB".
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;
    use crate::studio::compose::{Subject, SubjectKind};
    use crate::studio::spec::{GenerateSpec, prepare};

    #[test]
    fn a_first_turn_lists_text_then_labelled_anchor_images_then_the_tag() {
        let registry = Registry::shipped().unwrap();
        let spec = GenerateSpec {
            prompt: "Mira waves".into(),
            aspect: Some("16:9".into()),
            subjects: vec![Subject {
                name: "Mira".into(),
                kind: SubjectKind::Character,
                identifiers: "orange puffer jacket".into(),
                images: vec![("image/png".into(), vec![0; 2048])],
            }],
            ..GenerateSpec::default()
        };
        let job = prepare(&spec, &registry).unwrap().remove(0);
        let o = outline(&job, true);
        assert!(o.settings.contains("ratio 16:9"), "{}", o.settings);
        assert!(o.settings.contains("seed random"), "{}", o.settings);
        assert!(o.replayed.is_empty());
        let texts: Vec<&str> = o.parts.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Mira waves",
                "Mira (character): orange puffer jacket.",
                "Image 1 shows Mira (character).",
                "image 1 · image/png · 2.0 KB",
                "consistent subjects: Mira",
            ]
        );
        assert_eq!(o.parts[3].kind, PartKind::Image);
        assert_eq!((o.images, o.inline_bytes), (1, 2048));
        assert_eq!(o.anchors, ["Mira"]);
    }

    #[test]
    fn replayed_turns_are_one_line_each() {
        let registry = Registry::shipped().unwrap();
        let mut job = prepare(
            &GenerateSpec {
                prompt: "make the sky orange".into(),
                ..GenerateSpec::default()
            },
            &registry,
        )
        .unwrap()
        .remove(0);
        let model_turn = Content {
            role: Some("model".into()),
            parts: vec![
                Part {
                    text: Some("planning".into()),
                    thought: Some(true),
                    ..Part::default()
                },
                Part {
                    thought_signature: Some("sig".into()),
                    ..Part::image("image/png", vec![1, 2, 3])
                },
            ],
        };
        let first = Content {
            role: Some("user".into()),
            parts: vec![Part::text(
                "a red fox in fresh snow at golden hour, wide shot",
            )],
        };
        job.request.contents.splice(0..0, [first, model_turn]);
        let o = outline(&job, false);
        assert_eq!(
            o.replayed,
            [
                "turn 1 · you · \"a red fox in fresh snow at golden hour, wide sh…\"",
                "turn 1 · model · 1 image · 1 thought part(s) · signature sent back",
            ]
        );
        assert_eq!(o.parts.len(), 1);
        assert_eq!(o.images, 1);
        assert!(o.settings.contains(&format!("seed {}", job.settings.seed)));
    }

    #[test]
    fn bytes_read_like_a_person_writes_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(3 * 1024 * 1024), "3.0 MB");
    }
}
