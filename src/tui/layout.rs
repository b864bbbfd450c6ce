//! Where each pane goes: a pure function of the terminal size and the focused pane,
//! also used for mouse hit-testing.
//!
//! Wide (≥ 110 columns):                 Narrow:
//! ┌Prompt──────────┐┌Preview──────┐     ┌Prompt────────────────────┐
//! │                ││             │     └──────────────────────────┘
//! └────────────────┘│             │      settings line
//!  settings line    │             │     ┌Jobs────────┐┌Preview────┐
//! ┌Jobs────────────┐│             │     │            ││           │
//! │                │└─────────────┘     └────────────┘│           │
//! │                │┌Anchors──────┐     ┌Anchors─────┐│           │
//! └────────────────┘└─────────────┘     └────────────┘└───────────┘
//!  status bar                            status bar

use ratatui::layout::{Position, Rect};

/// The panes that can take focus, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Focus {
    /// The prompt editor.
    Prompt,
    /// The job list.
    Jobs,
    /// The image preview.
    Preview,
    /// The roster.
    Anchors,
}

impl Focus {
    const ORDER: [Focus; 4] = [Focus::Prompt, Focus::Jobs, Focus::Preview, Focus::Anchors];

    /// The next pane in Tab order (or the previous one).
    pub fn step(self, forward: bool) -> Self {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Self::ORDER.len();
        Self::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// Smallest usable terminal width.
pub const MIN_WIDTH: u16 = 60;
/// Smallest usable terminal height.
pub const MIN_HEIGHT: u16 = 16;
/// From this width the prompt shares the top with the preview.
pub const WIDE_FROM: u16 = 110;
/// Share of the width the left column takes in the wide layout (percent).
const LEFT_PERCENT: u16 = 55;
/// Prompt pane height bounds (with borders).
const PROMPT_MIN: u16 = 5;
const PROMPT_MAX: u16 = 14;
/// Anchors pane height bounds when not focused.
const ANCHORS_MIN: u16 = 5;
const ANCHORS_MAX: u16 = 14;

/// The rectangles of one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppLayout {
    /// The whole terminal.
    pub area: Rect,
    /// The prompt editor pane.
    pub prompt: Rect,
    /// The settings line (one row).
    pub settings: Rect,
    /// The job list pane.
    pub jobs: Rect,
    /// The roster pane.
    pub anchors: Rect,
    /// The image pane.
    pub preview: Rect,
    /// The status bar (one row).
    pub status: Rect,
    /// True when the terminal is below the minimum size and only a notice is drawn.
    pub too_small: bool,
}

/// Lays out the panes for `area` with `focus` (the focused Anchors pane grows).
pub fn layout(area: Rect, focus: Focus) -> AppLayout {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return AppLayout {
            area,
            too_small: true,
            ..AppLayout::default()
        };
    }
    let status = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let body = Rect::new(area.x, area.y, area.width, area.height - 1);
    let prompt_h = (body.height / 4).clamp(PROMPT_MIN, PROMPT_MAX);
    let wide = area.width >= WIDE_FROM;
    let left_w = if wide {
        area.width * LEFT_PERCENT / 100
    } else {
        area.width / 2
    };
    let right_w = area.width - left_w;
    let (prompt, settings, lower_y) = if wide {
        let prompt = Rect::new(body.x, body.y, left_w, prompt_h);
        let settings = Rect::new(body.x, prompt.bottom(), left_w, 1);
        (prompt, settings, settings.bottom())
    } else {
        let prompt = Rect::new(body.x, body.y, body.width, prompt_h);
        let settings = Rect::new(body.x, prompt.bottom(), body.width, 1);
        (prompt, settings, settings.bottom())
    };
    let left_col = Rect::new(body.x, lower_y, left_w, body.bottom() - lower_y);
    let right_top = if wide { body.y } else { lower_y };
    let right_col = Rect::new(
        body.x + left_w,
        right_top,
        right_w,
        body.bottom() - right_top,
    );
    let anchors_h = if focus == Focus::Anchors {
        (right_col.height.max(left_col.height) / 2).max(ANCHORS_MIN)
    } else {
        (body.height / 4).clamp(ANCHORS_MIN, ANCHORS_MAX)
    };
    let (jobs, anchors, preview) = if wide {
        let anchors_h = anchors_h.min(right_col.height.saturating_sub(4));
        let preview = Rect::new(
            right_col.x,
            right_col.y,
            right_w,
            right_col.height - anchors_h,
        );
        let anchors = Rect::new(right_col.x, preview.bottom(), right_w, anchors_h);
        (left_col, anchors, preview)
    } else {
        let anchors_h = anchors_h.min(left_col.height.saturating_sub(4));
        let jobs = Rect::new(left_col.x, left_col.y, left_w, left_col.height - anchors_h);
        let anchors = Rect::new(left_col.x, jobs.bottom(), left_w, anchors_h);
        (jobs, anchors, right_col)
    };
    AppLayout {
        area,
        prompt,
        settings,
        jobs,
        anchors,
        preview,
        status,
        too_small: false,
    }
}

impl AppLayout {
    /// The pane under a screen position.
    pub fn hit(&self, column: u16, row: u16) -> Option<Focus> {
        let p = Position::new(column, row);
        [
            (self.prompt, Focus::Prompt),
            (self.jobs, Focus::Jobs),
            (self.anchors, Focus::Anchors),
            (self.preview, Focus::Preview),
        ]
        .into_iter()
        .find(|(r, _)| r.contains(p))
        .map(|(_, f)| f)
    }

    /// Rows of list content inside a bordered pane.
    pub fn list_rows(pane: Rect) -> usize {
        pane.height.saturating_sub(2) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panes(l: &AppLayout) -> [Rect; 6] {
        [l.prompt, l.settings, l.jobs, l.anchors, l.preview, l.status]
    }

    #[test]
    fn panes_never_overlap_and_stay_inside() {
        for (w, h) in [
            (60, 16),
            (80, 24),
            (100, 30),
            (120, 40),
            (200, 60),
            (300, 90),
        ] {
            for focus in [Focus::Prompt, Focus::Anchors, Focus::Jobs, Focus::Preview] {
                let area = Rect::new(0, 0, w, h);
                let l = layout(area, focus);
                assert!(!l.too_small);
                let rects = panes(&l);
                for (i, a) in rects.iter().enumerate() {
                    assert!(area.contains(a.as_position()), "{w}x{h} {a:?}");
                    assert!(a.right() <= area.right() && a.bottom() <= area.bottom());
                    assert!(a.width > 0 && a.height > 0, "{w}x{h} pane {i} empty");
                    for b in &rects[i + 1..] {
                        assert!(!a.intersects(*b), "{w}x{h}: {a:?} overlaps {b:?}");
                    }
                }
                assert!(l.jobs.height >= 4 && l.anchors.height >= 4 && l.preview.height >= 4);
                let covered: u32 = rects.iter().map(|r| r.area()).sum();
                assert_eq!(covered, area.area(), "{w}x{h} leaves gaps");
            }
        }
    }

    #[test]
    fn tiny_terminals_get_a_notice_and_hits_follow_panes() {
        assert!(layout(Rect::new(0, 0, 40, 10), Focus::Prompt).too_small);
        let l = layout(Rect::new(0, 0, 120, 40), Focus::Prompt);
        assert_eq!(l.hit(1, 1), Some(Focus::Prompt));
        assert_eq!(l.hit(l.preview.x + 1, 1), Some(Focus::Preview));
        assert_eq!(l.hit(1, l.jobs.y + 1), Some(Focus::Jobs));
        assert_eq!(
            l.hit(l.anchors.x + 1, l.anchors.y + 1),
            Some(Focus::Anchors)
        );
        assert_eq!(l.hit(1, 39), None);
        let focused = layout(Rect::new(0, 0, 120, 40), Focus::Anchors);
        assert!(focused.anchors.height > l.anchors.height);
    }
}
