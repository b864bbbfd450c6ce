//! Keys while an overlay is open: help and details scroll, questions, the anchor form,
//! history search, the pickers and forms.

use crossterm::event::{KeyCode, KeyEvent};

use super::AppState;
use super::keys::{PAGE_ROWS, act, set_focus};
use super::overlay::{AnchorForm, FormField, Overlay};
use super::status::Level;
use crate::tui::action::{Action, Scope};
use crate::tui::keymap::KeyChord;
use crate::tui::layout::Focus;
use crate::tui::msg::{Effect, RosterOp};
use crate::tui::strings;

pub(super) fn on_overlay_key(state: &mut AppState, key: KeyEvent, chord: KeyChord) -> Vec<Effect> {
    let global = state.keymap.get(Scope::Global, &chord);
    let list = state.keymap.get(Scope::List, &chord);
    let Some(overlay) = state.overlay.as_mut() else {
        return vec![];
    };
    match overlay {
        Overlay::Request { outline, .. }
            if global == Some(Action::Generate)
                || (list == Some(Action::Confirm) && outline.is_ok()) =>
        {
            state.overlay = None;
            if state.requested.as_ref() != Some(&state.request_key()) {
                // A job finished or a setting moved since: show what would go now.
                let effects = act(state, Action::ShowRequest);
                state.status.say(Level::Warn, strings::REQUEST_CHANGED);
                return effects;
            }
            return act(state, Action::Generate);
        }
        Overlay::Help { scroll }
        | Overlay::Details { scroll, .. }
        | Overlay::Request { scroll, .. } => match (global, list) {
            (Some(Action::Quit), _) => {
                state.overlay = None;
                return act(state, Action::Quit);
            }
            (Some(Action::Close | Action::Help), _) | (_, Some(Action::Confirm)) => {
                state.overlay = None
            }
            (_, Some(Action::Up)) => *scroll = scroll.saturating_sub(1),
            (_, Some(Action::Down)) => *scroll = scroll.saturating_add(1),
            (_, Some(Action::PageUp)) => *scroll = scroll.saturating_sub(PAGE_ROWS as u16),
            (_, Some(Action::PageDown)) => *scroll = scroll.saturating_add(PAGE_ROWS as u16),
            (_, Some(Action::First)) => *scroll = 0,
            _ if chord.to_string() == "q" => state.overlay = None,
            _ => {}
        },
        Overlay::ConfirmQuit { .. } => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                state.overlay = None;
                state.quitting = true;
                return vec![Effect::Quit];
            }
            KeyCode::Char('b' | 'B') => {
                state.overlay = None;
                state.quitting = true;
                state.leave_running = true;
                return vec![Effect::Quit];
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => state.overlay = None,
            _ if global == Some(Action::Quit) => {
                state.overlay = None;
                state.quitting = true;
                return vec![Effect::Quit];
            }
            _ => {}
        },
        Overlay::ConfirmRemove { name } => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                let name = name.clone();
                return vec![Effect::Roster(RosterOp::Remove { name })];
            }
            KeyCode::Char('n' | 'N') | KeyCode::Esc => state.overlay = None,
            _ => {}
        },
        Overlay::Picker(_) => return super::choose::on_key(state, key),
        Overlay::Batch(_) => return super::runs::on_form_key(state, key),
        Overlay::Fields(form) => match key.code {
            KeyCode::Esc => state.overlay = None,
            KeyCode::Tab | KeyCode::Down => form.step(true),
            KeyCode::BackTab | KeyCode::Up => form.step(false),
            KeyCode::Enter => {
                let prompt = form.compose();
                state.overlay = None;
                state.prompt.set_text(&prompt);
                state.prompt.message = None;
                set_focus(state, Focus::Prompt);
                state.status.say(Level::Info, strings::FIELDS_IN_EDITOR);
            }
            _ => {
                form.input_mut().handle(&key);
            }
        },
        Overlay::AnchorForm(form) => {
            let (effects, close) = form_key(form, key, global);
            if close {
                state.overlay = None;
            }
            return effects;
        }
        Overlay::History(search) => match key.code {
            KeyCode::Esc => state.overlay = None,
            KeyCode::Enter => {
                if let Some(&i) = search.matches.get(search.selected) {
                    let text = state.prompt.history[i].clone();
                    state.prompt.set_text(&text);
                    state.prompt.recall = None;
                }
                state.overlay = None;
                set_focus(state, Focus::Prompt);
            }
            KeyCode::Up => search.selected = search.selected.saturating_sub(1),
            KeyCode::Down => {
                search.selected = (search.selected + 1).min(search.matches.len().saturating_sub(1))
            }
            _ if global == Some(Action::HistorySearch)
                || state.keymap.get(Scope::Prompt, &chord) == Some(Action::HistorySearch) =>
            {
                search.selected = (search.selected + 1).min(search.matches.len().saturating_sub(1))
            }
            _ => {
                if search.query.handle(&key) {
                    let query = search.query.text().to_string();
                    search.matches = state.prompt.search(&query);
                    search.selected = 0;
                }
            }
        },
    }
    vec![]
}

fn form_key(form: &mut AnchorForm, key: KeyEvent, global: Option<Action>) -> (Vec<Effect>, bool) {
    match key.code {
        KeyCode::Esc => return (vec![], true),
        KeyCode::Tab | KeyCode::Down => form.step(true),
        KeyCode::BackTab | KeyCode::Up => form.step(false),
        KeyCode::Enter => return (save_form(form), false),
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if form.field == FormField::Kind => {
            form.toggle_kind()
        }
        _ if global == Some(Action::Generate) => return (save_form(form), false),
        _ => {
            if let Some(input) = form.input_mut() {
                input.handle(&key);
                form.error = None;
            }
        }
    }
    (vec![], false)
}

fn save_form(form: &mut AnchorForm) -> Vec<Effect> {
    let name = form.name.text().trim().to_string();
    if name.is_empty() {
        form.error = Some(strings::ANCHOR_NEEDS_NAME.into());
        form.field = FormField::Name;
        return vec![];
    }
    let op = match &form.editing {
        Some(current) => RosterOp::Update {
            name: current.clone(),
            changes: form.changes(),
        },
        None => RosterOp::Add {
            kind: form.kind,
            name,
            description: form.description.text().trim().to_string(),
            refs: form.ref_paths(),
        },
    };
    vec![Effect::Roster(op)]
}
