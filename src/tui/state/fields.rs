//! The structured prompt form: subject, style, composition, lighting and text, composed
//! into one prompt (`studio::prompt_fields`) for people who prefer filling in fields.

use super::input::LineInput;
use crate::studio::prompt_fields::PromptFields;
use crate::tui::strings::form::FIELD_LABELS;

/// The form's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldsForm {
    /// One input per label.
    pub inputs: [LineInput; 5],
    /// The row with the cursor.
    pub field: usize,
}

impl FieldsForm {
    /// A form holding `prompt` split into fields (any prompt peel did not compose becomes the subject).
    pub fn from_prompt(prompt: &str) -> Self {
        let f = PromptFields::from_prompt(prompt);
        let text = f
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            inputs: [
                LineInput::new(f.subject),
                LineInput::new(f.style),
                LineInput::new(f.composition),
                LineInput::new(f.lighting),
                LineInput::new(text),
            ],
            field: 0,
        }
    }

    /// The fields as typed.
    pub fn fields(&self) -> PromptFields {
        let get = |i: usize| self.inputs[i].text().trim().to_string();
        PromptFields {
            subject: get(0),
            style: get(1),
            composition: get(2),
            lighting: get(3),
            text: self.inputs[4]
                .text()
                .split(';')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The one prompt the fields make.
    pub fn compose(&self) -> String {
        self.fields().compose()
    }

    /// Moves to the next (or previous) row.
    pub fn step(&mut self, forward: bool) {
        let n = FIELD_LABELS.len();
        self.field = if forward {
            (self.field + 1) % n
        } else {
            (self.field + n - 1) % n
        };
    }

    /// The input with the cursor.
    pub fn input_mut(&mut self) -> &mut LineInput {
        &mut self.inputs[self.field]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_composed_prompt_splits_back_into_the_same_fields() {
        let mut form = FieldsForm::default();
        form.inputs[0] = LineInput::new("a red fox in snow");
        form.inputs[1] = LineInput::new("watercolor");
        form.inputs[4] = LineInput::new("WINTER; sale today");
        let prompt = form.compose();
        assert_eq!(
            prompt,
            "a red fox in snow. Style: watercolor. Text: \"WINTER\" and \"sale today\""
        );
        let back = FieldsForm::from_prompt(&prompt);
        assert_eq!(back.fields(), form.fields());
        assert_eq!(back.inputs[4].text(), "WINTER; sale today");
    }

    #[test]
    fn rows_cycle() {
        let mut form = FieldsForm::default();
        form.step(false);
        assert_eq!(form.field, 4);
        form.step(true);
        assert_eq!(form.field, 0);
    }
}
