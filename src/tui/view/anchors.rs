//! The Anchors pane: the roster with kind, in-shot mark and why (pinned, or named by the
//! prompt), name, reference count and looks, under the selected model's budget for the
//! anchors in shot (one limit per kind; the roster's own cap is explained in F1).
//!
//! ┌ Anchors 3 ───────────────────────────────────────────┐
//! │ characters 2/4 · objects 1/10 · images 5/14          │
//! │ ● char  Mira      3 img  pinned  red scarf, freckles │
//! │ ● char  Tomas     2 img  named   tall, round glasses │
//! │ ○ obj   Lamp      1 img          brass, green shade  │
//! └──────────────────────────────────────────────────────┘

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::{Pane, draw_pane, hint_line};
use crate::studio::AnchorKind;
use crate::studio::roster;
use crate::studio::shot;
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::action::Action;
use crate::tui::layout::Focus;
use crate::tui::state::AppState;
use crate::tui::strings;

/// Widest the name column gets.
const NAME_W: usize = 14;

/// Draws the Anchors pane.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let focused = state.focus == Focus::Anchors;
    let list = &state.anchors.anchors;
    let prompt = state.prompt.text();
    let in_shot = shot::in_shot(list, &prompt);
    let badge = (!list.is_empty()).then(|| Span::styled(list.len().to_string(), theme.muted()));
    let keys = &state.keymap;
    let hint = hint_line(
        &[
            (keys.hint(Action::AddCharacter), "character"),
            (keys.hint(Action::AddObject), "object"),
            (keys.hint(Action::EditAnchor), "edit"),
            (keys.hint(Action::ToggleInShot), "pin"),
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
    let shot_list: Vec<&crate::studio::Anchor> = in_shot.iter().map(|(a, _)| *a).collect();
    let budget = roster::budget(&shot_list, spec);
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
        let why = in_shot
            .iter()
            .find(|(a, _)| a.id == anchor.id && a.name == anchor.name)
            .map(|(_, why)| *why);
        let (mark, mark_style) = match why {
            Some(_) => (strings::IN_SHOT_MARK, theme.ok()),
            None => (strings::OUT_OF_SHOT_MARK, theme.muted()),
        };
        let reason = why.map_or("", |w| w.as_str());
        let kind = match anchor.kind {
            AnchorKind::Character => "char",
            AnchorKind::Object => "obj ",
        };
        let refs = format!("{} img", anchor.refs.len());
        let used = 1 + 2 + 5 + name_w + 1 + 6 + 2 + 8;
        let mut line = Line::from(vec![
            Span::raw(" "),
            Span::styled(format!("{mark} "), mark_style),
            Span::styled(format!("{kind} "), theme.muted()),
            Span::styled(
                format!("{:<name_w$} ", truncate(&anchor.name, name_w)),
                theme.text(),
            ),
            Span::styled(format!("{refs:>6}  "), theme.muted()),
            Span::styled(format!("{reason:<8}"), theme.accent()),
            Span::styled(
                truncate(&anchor.description, width.saturating_sub(used + 1)),
                theme.muted(),
            ),
        ]);
        line = crate::terminal::theme::fit_line(line, width);
        if i == state.anchors.selected && focused {
            line = theme.select_line(line, width, true);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
