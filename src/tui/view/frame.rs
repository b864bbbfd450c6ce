//! The one frame helper: every pane's border, title, focus mark and key hint.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use crate::terminal::theme::Theme;

/// What goes on a pane's border.
pub struct Pane<'a> {
    /// The title (contains the pane's name).
    pub title: &'a str,
    /// Extra text after the title (counts, state).
    pub badge: Option<Span<'a>>,
    /// Text at the right of the top border.
    pub right: Option<Span<'a>>,
    /// Key hints on the bottom border (shown when focused).
    pub hint: Option<Line<'a>>,
    /// Whether the pane has focus.
    pub focused: bool,
}

impl<'a> Pane<'a> {
    /// A pane with just a title.
    pub fn new(title: &'a str, focused: bool) -> Self {
        Self {
            title,
            badge: None,
            right: None,
            hint: None,
            focused,
        }
    }
}

/// Draws the pane's frame and returns the area inside it (empty when there is no room).
pub fn draw_pane(frame: &mut Frame, area: Rect, pane: Pane<'_>, theme: &Theme) -> Rect {
    if area.width < 2 || area.height < 2 {
        return Rect::new(area.x, area.y, 0, 0);
    }
    let marker = if pane.focused { "▍" } else { " " };
    let mut title = vec![
        Span::styled(marker, theme.title(pane.focused)),
        Span::styled(pane.title, theme.title(pane.focused)),
        Span::raw(" "),
    ];
    if let Some(badge) = pane.badge {
        title.push(badge);
        title.push(Span::raw(" "));
    }
    // A title longer than the border is cut with an ellipsis, one column before the corner.
    let right_w = pane.right.as_ref().map_or(0, |r| r.width() + 2);
    let room = (area.width as usize).saturating_sub(3 + right_w);
    let title = crate::terminal::theme::fit_line(Line::from(title), room);
    let border_type = if pane.focused {
        BorderType::Thick
    } else {
        BorderType::Rounded
    };
    let mut block = Block::new()
        .borders(Borders::ALL)
        .border_type(border_type)
        .border_style(theme.border(pane.focused))
        .title(title);
    if let Some(right) = pane.right {
        block = block.title(
            Line::from(vec![Span::raw(" "), right, Span::raw(" ")]).alignment(Alignment::Right),
        );
    }
    if pane.focused
        && let Some(hint) = pane.hint
        && hint.width() + 4 <= area.width as usize
    {
        block = block.title_bottom(hint.alignment(Alignment::Right));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// Builds a hint line like " ^G generate · ? help " from (key, word) pairs.
pub fn hint_line<'a>(pairs: &[(String, &'a str)], theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, (key, word)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.muted()));
        }
        spans.push(Span::styled(key.clone(), theme.accent()));
        spans.push(Span::styled(format!(" {word}"), theme.muted()));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}
