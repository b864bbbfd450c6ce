//! The Anchors pane: the roster as last read from the store, and the selection.

use crate::studio::Anchor;

/// The roster as shown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnchorsState {
    /// Anchors, oldest first.
    pub anchors: Vec<Anchor>,
    /// Selected row.
    pub selected: usize,
}

impl AnchorsState {
    /// A pane showing `anchors`.
    pub fn new(anchors: Vec<Anchor>) -> Self {
        Self {
            anchors,
            selected: 0,
        }
    }

    /// Every anchor's name.
    pub fn names(&self) -> Vec<String> {
        self.anchors.iter().map(|a| a.name.clone()).collect()
    }

    /// Names of the anchors pinned in shot.
    pub fn pinned(&self) -> Vec<String> {
        self.anchors
            .iter()
            .filter(|a| a.pinned)
            .map(|a| a.name.clone())
            .collect()
    }

    /// Names of the anchors in shot for `prompt`: pinned, or named by it.
    pub fn in_shot(&self, prompt: &str) -> Vec<String> {
        crate::studio::shot::names_in_shot(&self.anchors, prompt)
    }

    /// The selected anchor.
    pub fn selected_anchor(&self) -> Option<&Anchor> {
        self.anchors.get(self.selected)
    }

    /// Replaces the list, keeping the selection on `focus_name` when given.
    pub fn replace(&mut self, anchors: Vec<Anchor>, focus_name: Option<&str>) {
        self.anchors = anchors;
        if let Some(name) = focus_name
            && let Some(i) = self
                .anchors
                .iter()
                .position(|a| a.name.eq_ignore_ascii_case(name))
        {
            self.selected = i;
        }
        self.selected = self.selected.min(self.anchors.len().saturating_sub(1));
    }

    /// Moves the selection by `delta` rows, clamped.
    pub fn move_selection(&mut self, delta: isize) {
        let last = self.anchors.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }
}
