//! Overlays drawn over the panes: help, questions, the anchor form, history search, details.

use std::path::PathBuf;

use super::batch::BatchForm;
use super::fields::FieldsForm;
use super::input::LineInput;
use super::picker::Picker;
use crate::studio::outline::RequestOutline;
use crate::studio::roster::AnchorChanges;
use crate::studio::{Anchor, AnchorKind, JobId};
use crate::tui::strings;

/// The overlay on top, if any.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    /// The key list.
    Help { scroll: u16 },
    /// Quit while jobs run?
    ConfirmQuit { running: usize },
    /// Remove this anchor?
    ConfirmRemove { name: String },
    /// A job's details and full failure reason.
    Details { job: JobId, scroll: u16 },
    /// Adding or editing an anchor.
    AnchorForm(AnchorForm),
    /// Searching prompt history.
    History(HistorySearch),
    /// Promote to anchor, or the preset picker.
    Picker(Picker),
    /// The structured prompt form.
    Fields(FieldsForm),
    /// Run a batch file: the path, then its plan.
    Batch(BatchForm),
    /// The request the next generation would send, or why it would be refused.
    Request {
        outline: Result<RequestOutline, String>,
        scroll: u16,
    },
}

/// Fields of the anchor form, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    /// The name.
    Name,
    /// Character or object.
    Kind,
    /// Visual identifiers.
    Description,
    /// Reference image paths.
    Refs,
}

impl FormField {
    /// Fields in order.
    pub const ALL: [FormField; 4] = [Self::Name, Self::Kind, Self::Description, Self::Refs];

    /// The label shown.
    pub fn label(self) -> &'static str {
        match self {
            Self::Name => strings::form::ANCHOR_NAME,
            Self::Kind => strings::form::ANCHOR_KIND,
            Self::Description => strings::form::ANCHOR_LOOKS,
            Self::Refs => strings::form::ANCHOR_IMAGES,
        }
    }
}

/// The anchor form.
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorForm {
    /// The anchor being edited (its current name), or None when adding.
    pub editing: Option<String>,
    /// Character or object.
    pub kind: AnchorKind,
    /// Name input.
    pub name: LineInput,
    /// Description input.
    pub description: LineInput,
    /// Reference paths, separated by `;` or `,`.
    pub refs: LineInput,
    /// The field with the cursor.
    pub field: FormField,
    /// Why saving was refused.
    pub error: Option<String>,
}

impl AnchorForm {
    /// An empty form for a new anchor of `kind`.
    pub fn add(kind: AnchorKind) -> Self {
        Self {
            editing: None,
            kind,
            name: LineInput::default(),
            description: LineInput::default(),
            refs: LineInput::default(),
            field: FormField::Name,
            error: None,
        }
    }

    /// A form holding `anchor`.
    pub fn edit(anchor: &Anchor) -> Self {
        let refs: Vec<String> = anchor
            .refs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        Self {
            editing: Some(anchor.name.clone()),
            kind: anchor.kind,
            name: LineInput::new(anchor.name.clone()),
            description: LineInput::new(anchor.description.clone()),
            refs: LineInput::new(refs.join("; ")),
            field: FormField::Name,
            error: None,
        }
    }

    /// The input of the current field (None on Kind).
    pub fn input_mut(&mut self) -> Option<&mut LineInput> {
        match self.field {
            FormField::Name => Some(&mut self.name),
            FormField::Kind => None,
            FormField::Description => Some(&mut self.description),
            FormField::Refs => Some(&mut self.refs),
        }
    }

    /// Moves to the next (or previous) field.
    pub fn step(&mut self, forward: bool) {
        let i = FormField::ALL
            .iter()
            .position(|f| *f == self.field)
            .unwrap_or(0);
        let n = FormField::ALL.len();
        self.field = FormField::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// Switches between character and object.
    pub fn toggle_kind(&mut self) {
        self.kind = match self.kind {
            AnchorKind::Character => AnchorKind::Object,
            AnchorKind::Object => AnchorKind::Character,
        };
    }

    /// The reference paths typed.
    pub fn ref_paths(&self) -> Vec<PathBuf> {
        split_paths(self.refs.text())
    }

    /// The changes to send for an edit.
    pub fn changes(&self) -> AnchorChanges {
        AnchorChanges {
            name: Some(self.name.text().to_string()),
            kind: Some(self.kind),
            description: Some(self.description.text().to_string()),
            refs: Some(self.ref_paths()),
        }
    }
}

/// Splits "a.png; b.png, c.png" into paths.
pub fn split_paths(text: &str) -> Vec<PathBuf> {
    text.split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The history search overlay.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistorySearch {
    /// The query.
    pub query: LineInput,
    /// Matching history indexes, newest first.
    pub matches: Vec<usize>,
    /// Selected match.
    pub selected: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_cycle_and_paths_split() {
        let mut form = AnchorForm::add(AnchorKind::Character);
        form.step(false);
        assert_eq!(form.field, FormField::Refs);
        form.step(true);
        form.step(true);
        assert_eq!(form.field, FormField::Kind);
        assert!(form.input_mut().is_none());
        form.toggle_kind();
        assert_eq!(form.kind, AnchorKind::Object);
        assert_eq!(
            split_paths(" a.png; b c.png ,, "),
            vec![PathBuf::from("a.png"), PathBuf::from("b c.png")]
        );
    }
}
