//! Review state and its reducer: actions in, effects out; no I/O here.

use serde::Deserialize;

use super::tiles::Tile;
use crate::studio::batch::manifest::Mark;
use crate::studio::consistency::Consistency;

/// Which tiles the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Every image.
    All,
    /// Starred.
    Star,
    /// Kept (starred ones too).
    Keep,
    /// Rejected.
    Reject,
    /// Not marked yet.
    Unmarked,
    /// Checked, and some anchor scored below the threshold.
    Drifted,
}

impl Filter {
    /// The next filter in the cycle.
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Star,
            Self::Star => Self::Keep,
            Self::Keep => Self::Reject,
            Self::Reject => Self::Unmarked,
            Self::Unmarked => Self::Drifted,
            Self::Drifted => Self::All,
        }
    }

    /// True when `tile` passes (drifted: scored below `warn_below`).
    pub fn admits(self, tile: &Tile, warn_below: u8) -> bool {
        let mark = tile.mark;
        match self {
            Self::Drifted => tile
                .consistency
                .as_ref()
                .is_some_and(|c| c.drifted(warn_below)),
            Self::All => true,
            Self::Star => mark == Some(Mark::Star),
            Self::Keep => matches!(mark, Some(Mark::Keep | Mark::Star)),
            Self::Reject => mark == Some(Mark::Reject),
            Self::Unmarked => mark.is_none(),
        }
    }

    /// Name for the status line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Star => "starred",
            Self::Keep => "kept",
            Self::Reject => "rejected",
            Self::Unmarked => "unmarked",
            Self::Drifted => "drifted",
        }
    }
}

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Move left.
    Left,
    /// Move right.
    Right,
    /// Move up a row.
    Up,
    /// Move down a row.
    Down,
    /// Up a page.
    PageUp,
    /// Down a page.
    PageDown,
    /// First image.
    First,
    /// Last image.
    Last,
    /// Mark keep.
    Keep,
    /// Mark reject.
    Reject,
    /// Mark star.
    Star,
    /// Clear the mark.
    Unmark,
    /// Cycle the filter.
    Filter,
    /// Pin for comparison, or compare with the pinned image.
    Compare,
    /// Start an edit session from the selected image.
    Edit,
    /// Make the selected image an anchor.
    Promote,
    /// Run the selected item again.
    Rerun,
    /// Render the starred (else kept) items again at a bigger size.
    PromotePicks,
    /// Read the folder again (a run may still be adding images).
    Reload,
    /// Run the consistency check on the marked (else the selected) images.
    Check,
    /// Open or close the list of keys.
    Keys,
    /// Close an overlay, or quit.
    Back,
    /// Quit.
    Quit,
}

/// A side effect for the app to carry out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Save a tile's mark.
    SaveMark { tile: usize, mark: Option<Mark> },
    /// Leave and open an edit session from this image.
    Edit { tile: usize, instruction: String },
    /// Promote this image to an anchor named `name`.
    Promote { tile: usize, name: String },
    /// Run this tile's item again.
    Rerun { tile: usize },
    /// Promote the items marked `mark` to `size`.
    PromotePicks { mark: Mark, size: String },
    /// Check these tiles' consistency.
    Check { tiles: Vec<usize> },
    /// Read the folder again.
    Reload,
    /// Leave.
    Quit,
}

/// What a line of text typed at the bottom is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompting {
    /// The edit instruction.
    Edit,
    /// The anchor's name.
    Anchor,
    /// The size picks are promoted to.
    Size,
}

/// Everything the review view draws.
#[derive(Debug, Clone)]
pub struct ReviewState {
    /// Every tile, in folder order.
    pub tiles: Vec<Tile>,
    /// Indexes into `tiles` that pass the filter.
    pub shown: Vec<usize>,
    /// Position of the selection in `shown`.
    pub cursor: usize,
    /// First shown row.
    pub top_row: usize,
    /// Tiles per row (set by the layout).
    pub columns: usize,
    /// Rows that fit (set by the layout).
    pub rows: usize,
    /// The filter.
    pub filter: Filter,
    /// The tile pinned for comparison.
    pub pinned: Option<usize>,
    /// Two tiles side by side, when comparing.
    pub comparing: Option<(usize, usize)>,
    /// Text being typed, and what for.
    pub input: Option<(Prompting, String)>,
    /// One line of news for the status bar.
    pub status: String,
    /// The list of every key is open.
    pub showing_keys: bool,
    /// Scores below this are drifted (`[check] warn_below`).
    pub warn_below: u8,
}

impl ReviewState {
    /// A state over `tiles`, everything shown.
    pub fn new(tiles: Vec<Tile>) -> Self {
        let mut state = Self {
            shown: Vec::new(),
            tiles,
            cursor: 0,
            top_row: 0,
            columns: 1,
            rows: 1,
            filter: Filter::All,
            pinned: None,
            comparing: None,
            input: None,
            status: String::new(),
            showing_keys: false,
            warn_below: 70,
        };
        state.refilter();
        state
    }

    /// The selected tile's index in `tiles`.
    pub fn selected(&self) -> Option<usize> {
        self.shown.get(self.cursor).copied()
    }

    /// Counts of (starred, kept, rejected) over all tiles.
    pub fn tally(&self) -> (usize, usize, usize) {
        let count = |m: Mark| self.tiles.iter().filter(|t| t.mark == Some(m)).count();
        (count(Mark::Star), count(Mark::Keep), count(Mark::Reject))
    }

    /// Sets the grid's shape and keeps the selection on screen.
    pub fn set_grid(&mut self, columns: usize, rows: usize) {
        self.columns = columns.max(1);
        self.rows = rows.max(1);
        self.scroll_to_cursor();
    }

    /// Applies an action; returns what the app must do.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if self.showing_keys || action == Action::Keys {
            self.showing_keys = !self.showing_keys && action == Action::Keys;
            if matches!(action, Action::Keys | Action::Back) {
                return vec![];
            }
        }
        if self.comparing.is_some() && matches!(action, Action::Back | Action::Compare) {
            self.comparing = None;
            return vec![];
        }
        let last = self.shown.len().saturating_sub(1);
        let page = self.columns * self.rows;
        match action {
            Action::Left => self.cursor = self.cursor.saturating_sub(1),
            Action::Right => self.cursor = (self.cursor + 1).min(last),
            Action::Up => self.cursor = self.cursor.saturating_sub(self.columns),
            Action::Down => {
                if self.cursor + self.columns <= last {
                    self.cursor += self.columns;
                }
            }
            Action::PageUp => self.cursor = self.cursor.saturating_sub(page),
            Action::PageDown => self.cursor = (self.cursor + page).min(last),
            Action::First => self.cursor = 0,
            Action::Last => self.cursor = last,
            Action::Keep => return self.mark(Some(Mark::Keep)),
            Action::Reject => return self.mark(Some(Mark::Reject)),
            Action::Star => return self.mark(Some(Mark::Star)),
            Action::Unmark => return self.mark(None),
            Action::Filter => {
                let keep = self.selected();
                self.filter = self.filter.next();
                self.refilter();
                if let Some(pos) = keep.and_then(|t| self.shown.iter().position(|s| *s == t)) {
                    self.cursor = pos;
                }
                self.status = format!("showing {} ({})", self.filter.as_str(), self.shown.len());
            }
            Action::Compare => self.compare(),
            Action::Edit if self.selected().is_some() => {
                self.input = Some((Prompting::Edit, String::new()))
            }
            Action::Promote if self.selected().is_some() => {
                self.input = Some((Prompting::Anchor, String::new()))
            }
            Action::Rerun => {
                if let Some(tile) = self.selected() {
                    self.status = format!("re-running item {}…", self.tiles[tile].index);
                    return vec![Effect::Rerun { tile }];
                }
            }
            Action::Reload => return vec![Effect::Reload],
            Action::Check => {
                let marked: Vec<usize> = (0..self.tiles.len())
                    .filter(|t| matches!(self.tiles[*t].mark, Some(Mark::Keep | Mark::Star)))
                    .collect();
                let tiles = if marked.is_empty() {
                    self.selected().into_iter().collect()
                } else {
                    marked
                };
                if !tiles.is_empty() {
                    self.status = format!("checking {} image(s)…", tiles.len());
                    return vec![Effect::Check { tiles }];
                }
            }
            Action::PromotePicks => match self.picks() {
                Some(_) => self.input = Some((Prompting::Size, String::new())),
                None => self.status = super::strings::NOTHING_PICKED.into(),
            },
            Action::Back if self.pinned.is_some() => self.pinned = None,
            Action::Back | Action::Quit => return vec![Effect::Quit],
            Action::Edit | Action::Promote | Action::Keys => {}
        }
        self.scroll_to_cursor();
        vec![]
    }

    /// The mark promote takes (star, else keep) and how many tiles carry it.
    fn picks(&self) -> Option<(Mark, usize)> {
        [Mark::Star, Mark::Keep].into_iter().find_map(|mark| {
            let count = self.tiles.iter().filter(|t| t.mark == Some(mark)).count();
            (count > 0).then_some((mark, count))
        })
    }

    /// A character typed while a prompt is open (Enter submits, Esc cancels).
    pub fn type_char(&mut self, c: char) -> Vec<Effect> {
        let Some((kind, text)) = self.input.as_mut() else {
            return vec![];
        };
        match c {
            '\n' => {
                let (kind, text) = (*kind, text.trim().to_string());
                self.input = None;
                if kind == Prompting::Size {
                    return match self.picks().filter(|_| !text.is_empty()) {
                        Some((mark, count)) => {
                            self.status =
                                format!("promoting {count} {} image(s) at {text}…", mark.as_str());
                            vec![Effect::PromotePicks { mark, size: text }]
                        }
                        None => vec![],
                    };
                }
                let Some(tile) = self.selected().filter(|_| !text.is_empty()) else {
                    return vec![];
                };
                match kind {
                    Prompting::Edit => vec![Effect::Edit {
                        tile,
                        instruction: text,
                    }],
                    Prompting::Anchor => vec![Effect::Promote { tile, name: text }],
                    Prompting::Size => vec![],
                }
            }
            '\u{1b}' => {
                self.input = None;
                vec![]
            }
            '\u{8}' => {
                text.pop();
                vec![]
            }
            c if !c.is_control() => {
                text.push(c);
                vec![]
            }
            _ => vec![],
        }
    }

    /// Records a saved mark (after the manifest was written).
    pub fn marked(&mut self, tile: usize, mark: Option<Mark>) {
        if let Some(t) = self.tiles.get_mut(tile) {
            t.mark = mark;
        }
        if self
            .tiles
            .get(tile)
            .is_some_and(|t| !self.filter.admits(t, self.warn_below))
        {
            self.refilter();
            self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
        }
    }

    /// Records a tile's check and says how it went in the status line.
    pub fn checked(&mut self, tile: usize, consistency: Consistency) {
        let Some(t) = self.tiles.get_mut(tile) else {
            return;
        };
        let lowest = consistency.lowest().unwrap_or_default();
        self.status = if consistency.drifted(self.warn_below) {
            format!("{}: drifted ({lowest})", t.file)
        } else {
            format!("{}: consistent ({lowest})", t.file)
        };
        t.consistency = Some(consistency);
        self.refilter();
    }

    /// Replaces the tiles (after a reload), keeping the selection on the same file.
    pub fn replace_tiles(&mut self, tiles: Vec<Tile>) {
        let file = self.selected().map(|t| self.tiles[t].file.clone());
        self.tiles = tiles;
        self.pinned = None;
        self.comparing = None;
        self.refilter();
        if let Some(pos) =
            file.and_then(|f| self.shown.iter().position(|t| self.tiles[*t].file == f))
        {
            self.cursor = pos;
        }
    }

    /// Rebuilds `shown` after tiles changed.
    pub fn refilter(&mut self) {
        self.shown = (0..self.tiles.len())
            .filter(|i| self.filter.admits(&self.tiles[*i], self.warn_below))
            .collect();
        self.cursor = self.cursor.min(self.shown.len().saturating_sub(1));
    }

    fn mark(&mut self, mark: Option<Mark>) -> Vec<Effect> {
        let Some(tile) = self.selected() else {
            return vec![];
        };
        let mark = if self.tiles[tile].mark == mark {
            None
        } else {
            mark
        };
        vec![Effect::SaveMark { tile, mark }]
    }

    fn compare(&mut self) {
        let Some(tile) = self.selected() else { return };
        match self.pinned {
            Some(pinned) if pinned != tile => {
                self.comparing = Some((pinned, tile));
                self.pinned = None;
                self.status.clear();
            }
            Some(_) => self.pinned = None,
            None => {
                self.pinned = Some(tile);
                self.status = "pinned; select another image and press c to compare".into();
            }
        }
    }

    fn scroll_to_cursor(&mut self) {
        let row = self.cursor / self.columns;
        if row < self.top_row {
            self.top_row = row;
        } else if row >= self.top_row + self.rows {
            self.top_row = row + 1 - self.rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiles(n: usize) -> Vec<Tile> {
        (0..n)
            .map(|i| Tile {
                file: format!("{:03}_k.png", i + 1),
                path: format!("/d/{:03}_k.png", i + 1).into(),
                index: i + 1,
                key: "k".into(),
                prompt: String::new(),
                settings: String::new(),
                mark: None,
                consistency: None,
                outcome: Default::default(),
            })
            .collect()
    }

    #[test]
    fn promote_takes_the_starred_else_the_kept_at_the_size_typed() {
        let mut s = ReviewState::new(tiles(4));
        s.set_grid(2, 2);
        assert!(s.update(Action::PromotePicks).is_empty());
        assert_eq!(s.status, crate::review::strings::NOTHING_PICKED);
        assert!(s.input.is_none(), "nothing to promote: no prompt");
        s.tiles[1].mark = Some(Mark::Keep);
        s.tiles[2].mark = Some(Mark::Keep);
        s.update(Action::PromotePicks);
        let typed: Vec<Effect> = "2K\n".chars().flat_map(|c| s.type_char(c)).collect();
        assert_eq!(
            typed,
            vec![Effect::PromotePicks {
                mark: Mark::Keep,
                size: "2K".into()
            }]
        );
        assert!(
            s.status.contains("promoting 2 keep image(s) at 2K"),
            "{}",
            s.status
        );
        s.tiles[3].mark = Some(Mark::Star);
        s.update(Action::PromotePicks);
        let typed: Vec<Effect> = "4K\n".chars().flat_map(|c| s.type_char(c)).collect();
        assert_eq!(
            typed,
            vec![Effect::PromotePicks {
                mark: Mark::Star,
                size: "4K".into()
            }],
            "stars win over keeps"
        );
        s.update(Action::PromotePicks);
        assert!(s.type_char('\n').is_empty(), "an empty size sends nothing");
    }

    #[test]
    fn navigation_stays_in_bounds_and_scrolls() {
        let mut s = ReviewState::new(tiles(10));
        s.set_grid(3, 2);
        s.update(Action::Down);
        s.update(Action::Down);
        assert_eq!((s.cursor, s.top_row), (6, 1));
        s.update(Action::Down);
        assert_eq!(s.cursor, 9);
        s.update(Action::Down);
        assert_eq!(s.cursor, 9, "no row below");
        s.update(Action::Right);
        assert_eq!(s.cursor, 9);
        s.update(Action::First);
        assert_eq!((s.cursor, s.top_row), (0, 0));
        s.update(Action::PageDown);
        assert_eq!(s.cursor, 6);
    }

    #[test]
    fn marks_toggle_and_filters_follow() {
        let mut s = ReviewState::new(tiles(4));
        s.set_grid(2, 2);
        assert_eq!(
            s.update(Action::Star),
            vec![Effect::SaveMark {
                tile: 0,
                mark: Some(Mark::Star)
            }]
        );
        s.marked(0, Some(Mark::Star));
        assert_eq!(
            s.update(Action::Star),
            vec![Effect::SaveMark {
                tile: 0,
                mark: None
            }]
        );
        s.update(Action::Right);
        s.marked(1, Some(Mark::Reject));
        s.update(Action::Filter);
        assert_eq!((s.filter, s.shown.clone()), (Filter::Star, vec![0]));
        s.update(Action::Filter);
        s.update(Action::Filter);
        assert_eq!((s.filter, s.shown.clone()), (Filter::Reject, vec![1]));
        s.update(Action::Filter);
        assert_eq!(s.shown, vec![2, 3], "tile 0 is still starred");
        assert_eq!(s.tally(), (1, 0, 1));
    }

    #[test]
    fn reload_keeps_the_selected_file() {
        let mut s = ReviewState::new(tiles(3));
        s.set_grid(3, 1);
        s.update(Action::Right);
        assert_eq!(s.update(Action::Reload), vec![Effect::Reload]);
        let mut more = tiles(5);
        more.remove(0);
        s.replace_tiles(more);
        assert_eq!(s.shown.len(), 4);
        assert_eq!(s.tiles[s.selected().unwrap()].file, "002_k.png");
    }

    #[test]
    fn compare_pins_then_opens_and_prompts_submit() {
        let mut s = ReviewState::new(tiles(3));
        s.set_grid(3, 1);
        s.update(Action::Compare);
        assert_eq!(s.pinned, Some(0));
        s.update(Action::Right);
        s.update(Action::Right);
        s.update(Action::Compare);
        assert_eq!(s.comparing, Some((0, 2)));
        assert!(s.update(Action::Back).is_empty());
        assert_eq!(s.comparing, None);
        s.update(Action::Edit);
        for c in "warmer light".chars() {
            s.type_char(c);
        }
        s.type_char('\u{8}');
        assert_eq!(
            s.type_char('\n'),
            vec![Effect::Edit {
                tile: 2,
                instruction: "warmer ligh".into()
            }]
        );
        assert_eq!(s.update(Action::Quit), vec![Effect::Quit]);
    }

    #[test]
    fn f1_opens_the_key_list_and_any_key_closes_it() {
        let mut s = ReviewState::new(vec![]);
        assert!(s.update(Action::Keys).is_empty());
        assert!(s.showing_keys);
        assert!(s.update(Action::Back).is_empty(), "Esc closes, never quits");
        assert!(!s.showing_keys);
        s.update(Action::Keys);
        s.update(Action::Keys);
        assert!(!s.showing_keys);
        s.update(Action::Keys);
        assert_eq!(s.update(Action::Quit), vec![Effect::Quit]);
    }
}
