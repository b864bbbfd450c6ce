//! The Anchors pane: the roster with kind, in-shot mark, name, reference count and
//! looks, under a budget line for the selected model.
//!
//! ┌ Anchors 3 ──────────────────────────────────────┐
//! │ characters 2/4 · objects 1/10 · images 5/14     │
//! │ ● char  Mira      3 img  red scarf, freckles    │
//! │ ○ obj   Lamp      1 img  brass, green shade     │
//! └─────────────────────────────────────────────────┘

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{Pane, draw_pane, hint_line, truncate};
use crate::studio::AnchorKind;
use crate::studio::roster::{self, MAX_CHARACTERS};
use crate::tui::action::Action;
use crate::tui::state::{AppState, Focus};
use crate::tui::strings;
use crate::tui::theme::Theme;

/// Widest the name column gets.
const NAME_W: usize = 14;

/// Draws the Anchors pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Anchors;
    let list = &state.anchors.anchors;
    let characters = list
        .iter()
        .filter(|a| a.kind == AnchorKind::Character)
        .count();
    let badge = (!list.is_empty()).then(|| {
        Span::styled(
            format!("{} · {characters}/{MAX_CHARACTERS} characters", list.len()),
            theme.muted(),
        )
    });
    let keys = &state.keymap;
    let hint = hint_line(
        &[
            (keys.hint(Action::AddCharacter), "character"),
            (keys.hint(Action::AddObject), "object"),
            (keys.hint(Action::EditAnchor), "edit"),
            (keys.hint(Action::ToggleInShot), "in shot"),
            (keys.hint(Action::RemoveAnchor), "remove"),
        ],
        theme,
    );
    let pane = Pane {
        badge,
        hint: Some(hint),
        ..Pane::new(strings::title::ANCHORS, focused)
    };
    let inner = draw_pane(frame, area, pane, theme);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let spec = state.settings.spec(&state.registry);
    let budget = roster::budget(list, spec);
    let budget_style = if budget.is_over() {
        theme.error()
    } else {
        theme.muted()
    };
    let width = inner.width as usize;
    let mut budget_text = budget.to_string();
    if budget_text.chars().count() + 2 > width {
        let (c, o, i) = (budget.characters, budget.objects, budget.images);
        budget_text = format!(
            "chars {}/{} · objs {}/{} · imgs {}/{}",
            c.0, c.1, o.0, o.1, i.0, i.1
        );
    }
    let mut lines = vec![Line::from(vec![
        Span::raw(" "),
        Span::styled(
            truncate(&budget_text, width.saturating_sub(2)),
            budget_style,
        ),
    ])];
    if list.is_empty() {
        frame.render_widget(Paragraph::new(lines), inner);
        let rest = Rect::new(
            inner.x + 1,
            inner.y + 1,
            inner.width.saturating_sub(2),
            inner.height - 1,
        );
        let empty = Line::styled(strings::ANCHORS_EMPTY, theme.muted());
        frame.render_widget(Paragraph::new(empty).wrap(Wrap { trim: true }), rest);
        return;
    }
    let rows = (inner.height as usize).saturating_sub(1);
    let name_w = list
        .iter()
        .map(|a| a.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, NAME_W);
    let offset = state.anchors_offset.min(list.len().saturating_sub(1));
    for (i, anchor) in list.iter().enumerate().skip(offset).take(rows) {
        let (mark, mark_style) = if anchor.in_shot {
            ("●", theme.ok())
        } else {
            ("○", theme.muted())
        };
        let kind = match anchor.kind {
            AnchorKind::Character => "char",
            AnchorKind::Object => "obj ",
        };
        let refs = format!("{} img", anchor.refs.len());
        let used = 1 + 2 + 5 + name_w + 1 + 6 + 2;
        let mut line = Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("{mark} "), mark_style),
            Span::styled(format!("{kind} "), theme.muted()),
            Span::styled(
                format!("{:<name_w$} ", truncate(&anchor.name, name_w)),
                theme.text(),
            ),
            Span::styled(format!("{refs:>6}  "), theme.muted()),
            Span::styled(
                truncate(&anchor.description, width.saturating_sub(used + 1)),
                theme.muted(),
            ),
        ]);
        if i == state.anchors.selected && focused {
            line = theme.select_line(line, width, true);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
