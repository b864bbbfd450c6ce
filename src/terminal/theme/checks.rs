//! Contrast checks: every colour pair a theme draws (`Theme::pairs`), the lowest ratio of
//! one, and the drawn cells of a buffer that read below WCAG AA (`Theme::unreadable`).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::Theme;
use super::contrast::{SECONDARY_MIN, TEXT_MIN, ratio, rgb};

/// One foreground drawn on one background somewhere in the faces, with the ratio it needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// Where it is drawn, e.g. "selected row".
    pub role: &'static str,
    /// The text colour.
    pub fg: Color,
    /// The background (`Reset`: the terminal's own).
    pub bg: Color,
    /// The least contrast it needs (4.5 text, 3 secondary).
    pub min: f64,
}

impl Theme {
    /// Every colour pair the faces draw, with the contrast each needs. Text on the
    /// terminal's own background is listed once with `bg = Reset`.
    pub fn pairs(&self) -> Vec<Pair> {
        let pair = |role, fg, bg, min| Pair { role, fg, bg, min };
        let reset = Color::Reset;
        let mut pairs = vec![
            pair("text", self.text, reset, TEXT_MIN),
            pair("pane title", self.title, reset, TEXT_MIN),
            pair("focused pane title", self.border_focus, reset, TEXT_MIN),
            pair("accent (keys, values)", self.accent, reset, TEXT_MIN),
            pair("ok (done, backend)", self.ok, reset, TEXT_MIN),
            pair("warn", self.warn, reset, TEXT_MIN),
            pair("error", self.error, reset, TEXT_MIN),
            pair("info (running)", self.info, reset, TEXT_MIN),
            pair("muted (hints, timings)", self.muted, reset, SECONDARY_MIN),
            pair(
                "selected row",
                self.selection_fg,
                self.selection_bg,
                TEXT_MIN,
            ),
            pair("offline banner", self.offline_fg, self.offline_bg, TEXT_MIN),
        ];
        for (role, fg, min) in [
            ("status bar text", self.text, TEXT_MIN),
            ("status bar ok", self.ok, TEXT_MIN),
            ("status bar warn", self.warn, TEXT_MIN),
            ("status bar error", self.error, TEXT_MIN),
            ("status bar hint", self.muted, SECONDARY_MIN),
        ] {
            pairs.push(pair(role, fg, self.status_bg, min));
        }
        pairs
    }

    /// The lowest contrast of `pair`, over the backgrounds the theme is checked against
    /// when it is drawn on the terminal's own; None when a colour is the terminal's default.
    pub fn lowest_ratio(&self, fg: Color, bg: Color) -> Option<f64> {
        let fg = rgb(fg)?;
        match rgb(bg) {
            Some(bg) => Some(ratio(fg, bg)),
            None => self
                .background
                .checked_against()
                .iter()
                .map(|bg| ratio(fg, *bg))
                .reduce(f64::min),
        }
    }

    /// Every drawn character in `buffer` whose colours read below what it needs (secondary
    /// text, in the muted colour, needs 3:1; the rest 4.5:1), as `(x, y) 'c' ratio`. Frame
    /// lines and image blocks are not text and are skipped, as are cells in `skip`.
    pub fn unreadable(&self, buffer: &Buffer, skip: &[ratatui::layout::Rect]) -> Vec<String> {
        let mut found = Vec::new();
        if !self.color {
            return found;
        }
        let area = buffer.area;
        for y in area.top()..area.bottom() {
            for x in area.left()..area.right() {
                if skip.iter().any(|r| r.contains((x, y).into())) {
                    continue;
                }
                let Some(cell) = buffer.cell((x, y)) else {
                    continue;
                };
                let symbol = cell.symbol();
                let Some(c) = symbol.chars().next() else {
                    continue;
                };
                if c.is_whitespace() || is_drawing(c) {
                    continue;
                }
                let (fg, bg) = if cell.modifier.contains(Modifier::REVERSED) {
                    (cell.bg, cell.fg)
                } else {
                    (cell.fg, cell.bg)
                };
                let Some(lowest) = self.lowest_ratio(fg, bg) else {
                    continue;
                };
                let min = if fg == self.muted {
                    SECONDARY_MIN
                } else {
                    TEXT_MIN
                };
                if lowest < min || cell.modifier.contains(Modifier::DIM) {
                    found.push(format!("({x}, {y}) '{symbol}' {lowest:.2}:1 < {min}"));
                }
            }
        }
        found
    }
}

/// Box drawing, block elements and the focus bar: lines and images, not text.
fn is_drawing(c: char) -> bool {
    matches!(c, '\u{2500}'..='\u{259f}')
}
