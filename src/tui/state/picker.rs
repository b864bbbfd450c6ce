//! A filtered pick list with a query line: "promote to anchor" (pick an anchor or make a
//! new one) and the preset picker (pick a preset, go back to defaults, or save the current
//! settings under a new name).

use std::path::PathBuf;

use super::input::LineInput;
use crate::studio::AnchorKind;
use crate::tui::strings;

/// What the picker is for.
#[derive(Debug, Clone, PartialEq)]
pub enum PickerPurpose {
    /// Add this image to an anchor's references.
    Promote { image: PathBuf },
    /// Apply a preset to the settings line.
    Preset,
}

/// One thing that can be picked.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its name.
    pub name: String,
    /// A short description shown after the name.
    pub detail: String,
}

/// What Enter on a row does.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// An existing entry, by name.
    Existing(String),
    /// A new anchor of this kind and name.
    NewAnchor(AnchorKind, String),
    /// Leave the preset: back to the config's defaults.
    NoPreset,
    /// Save the current settings as a preset of this name.
    SavePreset(String),
}

/// One row as shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The main text.
    pub label: String,
    /// Muted text after it.
    pub detail: String,
    /// What picking it does.
    pub choice: Choice,
}

/// The picker overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// What it is for.
    pub purpose: PickerPurpose,
    /// The filter (and the name for new things).
    pub query: LineInput,
    /// Everything that can be picked.
    pub entries: Vec<Entry>,
    /// The selected row.
    pub selected: usize,
    /// Why the last choice was refused.
    pub error: Option<String>,
    /// The entry in force now (the active preset), marked in the list.
    pub current: Option<String>,
}

impl Picker {
    /// A picker over `entries`, the first row selected.
    pub fn new(purpose: PickerPurpose, entries: Vec<Entry>, current: Option<String>) -> Self {
        let mut picker = Self {
            purpose,
            query: LineInput::default(),
            entries,
            selected: 0,
            error: None,
            current,
        };
        if let Some(name) = &picker.current {
            let rows = picker.rows();
            if let Some(i) = rows
                .iter()
                .position(|r| r.choice == Choice::Existing(name.clone()))
            {
                picker.selected = i;
            }
        }
        picker
    }

    /// The rows for the current query: matching entries, then what a new name would do.
    pub fn rows(&self) -> Vec<Row> {
        let query = self.query.text().trim();
        let lower = query.to_lowercase();
        let mut rows: Vec<Row> = self
            .entries
            .iter()
            .filter(|e| lower.is_empty() || e.name.to_lowercase().contains(&lower))
            .map(|e| Row {
                label: e.name.clone(),
                detail: e.detail.clone(),
                choice: Choice::Existing(e.name.clone()),
            })
            .collect();
        let exact = self
            .entries
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(query));
        match &self.purpose {
            PickerPurpose::Promote { .. } if !query.is_empty() && !exact => {
                let (kind, name) = split_kind(query);
                let kinds = match kind {
                    Some(k) => vec![k],
                    None => vec![AnchorKind::Character, AnchorKind::Object],
                };
                for kind in kinds {
                    rows.push(Row {
                        label: strings::pick::new_anchor(kind.as_str(), name),
                        detail: strings::pick::NEW_ANCHOR_DETAIL.into(),
                        choice: Choice::NewAnchor(kind, name.to_string()),
                    });
                }
            }
            PickerPurpose::Preset => {
                if query.is_empty() {
                    rows.push(Row {
                        label: strings::pick::NO_PRESET.into(),
                        detail: strings::pick::NO_PRESET_DETAIL.into(),
                        choice: Choice::NoPreset,
                    });
                } else {
                    let verb = if exact {
                        strings::pick::REPLACE
                    } else {
                        strings::pick::SAVE
                    };
                    rows.push(Row {
                        label: strings::pick::save_preset(verb, query),
                        detail: strings::pick::SAVE_PRESET_DETAIL.into(),
                        choice: Choice::SavePreset(query.to_string()),
                    });
                }
            }
            PickerPurpose::Promote { .. } => {}
        }
        rows
    }

    /// The selected row's choice.
    pub fn choice(&self) -> Option<Choice> {
        self.rows().get(self.selected).map(|r| r.choice.clone())
    }

    /// Moves the selection by `delta`, clamped.
    pub fn step(&mut self, delta: isize) {
        let last = self.rows().len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// The query changed: select the first row again.
    pub fn refiltered(&mut self) {
        self.selected = 0;
        self.error = None;
    }
}

/// "object Red Mug" → (Some(Object), "Red Mug"); "Mira" → (None, "Mira").
fn split_kind(text: &str) -> (Option<AnchorKind>, &str) {
    match text.split_once(' ') {
        Some((first, rest)) if AnchorKind::parse(first).is_some() && !rest.trim().is_empty() => {
            (AnchorKind::parse(first), rest.trim())
        }
        _ => (None, text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<Entry> {
        ["Mira", "Red Mug"]
            .into_iter()
            .map(|n| Entry {
                name: n.into(),
                detail: String::new(),
            })
            .collect()
    }

    #[test]
    fn promote_offers_matches_then_new_anchors() {
        let image = PathBuf::from("/out/a.png");
        let mut p = Picker::new(PickerPurpose::Promote { image }, entries(), None);
        assert_eq!(p.rows().len(), 2, "no query: every anchor, nothing new");
        assert_eq!(p.choice(), Some(Choice::Existing("Mira".into())));
        p.query.insert_str("mi");
        p.refiltered();
        let rows = p.rows();
        assert_eq!(rows[0].choice, Choice::Existing("Mira".into()));
        assert_eq!(
            rows[1].choice,
            Choice::NewAnchor(AnchorKind::Character, "mi".into())
        );
        assert_eq!(rows.len(), 3);
        p.query = LineInput::new("object Blue Cup");
        p.refiltered();
        assert_eq!(
            p.rows(),
            vec![Row {
                label: "+ new object 'Blue Cup'".into(),
                detail: "with this image as its reference".into(),
                choice: Choice::NewAnchor(AnchorKind::Object, "Blue Cup".into()),
            }]
        );
        p.query = LineInput::new("mira");
        assert_eq!(p.rows().len(), 1, "an exact name offers no new anchor");
        p.step(5);
        assert_eq!(p.selected, 0);
    }

    #[test]
    fn preset_picker_starts_on_the_active_one_and_offers_save() {
        let mut p = Picker::new(PickerPurpose::Preset, entries(), Some("Red Mug".into()));
        assert_eq!(p.selected, 1);
        assert_eq!(p.rows().last().map(|r| &r.choice), Some(&Choice::NoPreset));
        p.query = LineInput::new("hero");
        p.refiltered();
        assert_eq!(p.choice(), Some(Choice::SavePreset("hero".into())));
        p.query = LineInput::new("mira");
        assert!(p.rows()[1].label.starts_with("+ replace"));
    }
}
