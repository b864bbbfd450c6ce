//! Structured prompt fields for people who prefer a form: subject, style, composition,
//! lighting and text compose into one prompt, with the text to render quoted.

use serde::{Deserialize, Serialize};

/// The form's fields; empty ones are left out of the prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromptFields {
    /// What the image shows: "a red fox curled up in fresh snow".
    pub subject: String,
    /// The look: "watercolor, loose washes".
    pub style: String,
    /// Framing and layout: "low angle, fox off-centre, lots of sky".
    pub composition: String,
    /// Light: "golden hour backlight".
    pub lighting: String,
    /// Words to render in the image, one element per line: "WINTER".
    pub text: String,
}

/// The labels the fields are written under, in prompt order (subject has none).
const LABELS: [(&str, Field); 4] = [
    ("Style", Field::Style),
    ("Composition", Field::Composition),
    ("Lighting", Field::Lighting),
    ("Text", Field::Text),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Style,
    Composition,
    Lighting,
    Text,
}

impl PromptFields {
    /// True when every field is blank.
    pub fn is_empty(&self) -> bool {
        [
            &self.subject,
            &self.style,
            &self.composition,
            &self.lighting,
            &self.text,
        ]
        .iter()
        .all(|f| f.trim().is_empty())
    }

    /// The one prompt: `Subject. Style: …. Composition: …. Lighting: …. Text: "A" and "B".`
    pub fn compose(&self) -> String {
        let mut sentences = Vec::new();
        if !self.subject.trim().is_empty() {
            sentences.push(sentence(&self.subject));
        }
        for (label, field) in LABELS {
            let value = match field {
                Field::Text => quoted_elements(&self.text),
                other => self.get(other).trim().to_string(),
            };
            if !value.is_empty() {
                sentences.push(format!("{label}: {}", sentence(&value)));
            }
        }
        sentences.join(" ")
    }

    /// Splits a prompt `compose` wrote back into fields; any other prompt becomes the subject.
    pub fn from_prompt(prompt: &str) -> Self {
        let mut fields = Self::default();
        let mut rest = prompt.trim();
        let mut current: Option<Field> = None;
        loop {
            let next = LABELS
                .iter()
                .filter_map(|(label, field)| find_label(rest, label).map(|at| (at, *label, *field)))
                .min_by_key(|(at, _, _)| *at);
            let (head, tail) = match next {
                Some((at, label, field)) => {
                    let head = &rest[..at];
                    let tail = &rest[at + label.len() + 1..];
                    (head, Some((field, tail)))
                }
                None => (rest, None),
            };
            fields.put(current, head);
            let Some((field, tail)) = tail else { break };
            current = Some(field);
            rest = tail;
        }
        fields
    }

    fn get(&self, field: Field) -> &str {
        match field {
            Field::Style => &self.style,
            Field::Composition => &self.composition,
            Field::Lighting => &self.lighting,
            Field::Text => &self.text,
        }
    }

    fn put(&mut self, field: Option<Field>, value: &str) {
        let value = value.trim().trim_end_matches('.').trim();
        match field {
            None => self.subject = value.to_string(),
            Some(Field::Style) => self.style = value.to_string(),
            Some(Field::Composition) => self.composition = value.to_string(),
            Some(Field::Lighting) => self.lighting = value.to_string(),
            Some(Field::Text) => self.text = unquote_elements(value),
        }
    }
}

/// Where `Label:` starts a sentence in `text` (at the start, or after ". ").
fn find_label(text: &str, label: &str) -> Option<usize> {
    let needle = format!("{label}:");
    if text.starts_with(&needle) {
        return Some(0);
    }
    text.match_indices(&format!(". {needle}"))
        .next()
        .map(|(at, _)| at + 2)
}

/// Ends a field's text with exactly one full stop (or its own ! or ?).
fn sentence(text: &str) -> String {
    let text = text.trim().trim_end_matches('.').trim_end();
    if text.ends_with(['!', '?', '"', '\u{201D}']) {
        return text.to_string();
    }
    format!("{text}.")
}

/// Each non-empty line quoted (unless it already is), joined with "and".
fn quoted_elements(text: &str) -> String {
    let elements: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let quoted = (l.starts_with('"') && l.ends_with('"') && l.len() > 1)
                || (l.starts_with('\u{201C}') && l.ends_with('\u{201D}'));
            if quoted {
                l.to_string()
            } else {
                format!("\"{}\"", l.replace('"', "'"))
            }
        })
        .collect();
    elements.join(" and ")
}

fn unquote_elements(text: &str) -> String {
    text.split("\" and \"")
        .map(|e| e.trim().trim_matches('"').to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fox() -> PromptFields {
        PromptFields {
            subject: "a red fox curled up in fresh snow".into(),
            style: "watercolor, loose washes.".into(),
            composition: "low angle, fox off-centre".into(),
            lighting: "golden hour backlight".into(),
            text: "WINTER\n  \nSALE 20%".into(),
        }
    }

    #[test]
    fn fields_compose_into_one_prompt_with_text_quoted() {
        assert_eq!(
            fox().compose(),
            "a red fox curled up in fresh snow. Style: watercolor, loose washes. \
             Composition: low angle, fox off-centre. Lighting: golden hour backlight. \
             Text: \"WINTER\" and \"SALE 20%\""
        );
    }

    #[test]
    fn empty_fields_are_left_out_and_quotes_are_not_doubled() {
        let fields = PromptFields {
            subject: "a bakery storefront at dawn!".into(),
            text: "\"FRESH BREAD\"".into(),
            ..Default::default()
        };
        assert_eq!(
            fields.compose(),
            "a bakery storefront at dawn! Text: \"FRESH BREAD\""
        );
        assert_eq!(PromptFields::default().compose(), "");
        assert!(PromptFields::default().is_empty());
        assert!(!fields.is_empty());
    }

    #[test]
    fn composed_prompts_split_back_into_fields() {
        let mut expected = fox();
        expected.style = "watercolor, loose washes".into();
        expected.text = "WINTER\nSALE 20%".into();
        assert_eq!(PromptFields::from_prompt(&fox().compose()), expected);
        let plain = PromptFields::from_prompt("a fox. It is snowing");
        assert_eq!(plain.subject, "a fox. It is snowing");
        assert_eq!(plain.style, "");
    }

    #[test]
    fn composed_prompts_pass_the_checker() {
        let prompt = fox().compose();
        let notes = crate::studio::lint::lint(&crate::studio::lint::LintInput {
            prompt: &prompt,
            ..Default::default()
        });
        assert!(notes.is_empty(), "{notes:?}");
    }
}
