//! Keys → actions, a pure function.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::Action;

/// The action a key asks for in the grid, if any.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Left | KeyCode::Char('h') => Action::Left,
        KeyCode::Right | KeyCode::Char('l') => Action::Right,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::PageUp => Action::PageUp,
        KeyCode::PageDown => Action::PageDown,
        KeyCode::Home | KeyCode::Char('g') => Action::First,
        KeyCode::End | KeyCode::Char('G') => Action::Last,
        KeyCode::Char('y') => Action::Keep,
        KeyCode::Char('n') => Action::Reject,
        KeyCode::Char('s') => Action::Star,
        KeyCode::Char('u') => Action::Unmark,
        KeyCode::Char('f') => Action::Filter,
        KeyCode::Char('c') => Action::Compare,
        KeyCode::Char('e') => Action::Edit,
        KeyCode::Char('a') => Action::Promote,
        KeyCode::Char('r') => Action::Rerun,
        KeyCode::Char('R') => Action::Reload,
        KeyCode::Char('P') => Action::PromotePicks,
        KeyCode::Char('C') => Action::Check,
        KeyCode::F(1) | KeyCode::Char('?') => Action::Keys,
        KeyCode::Esc => Action::Back,
        KeyCode::Char('q') => Action::Quit,
        _ => return None,
    })
}

/// The character a key types into an open prompt (`\n` submit, ESC cancel, BS erase).
pub fn char_for(key: KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Enter => Some('\n'),
        KeyCode::Esc => Some('\u{1b}'),
        KeyCode::Backspace => Some('\u{8}'),
        KeyCode::Char(c) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions() {
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(action_for(key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(action_for(key(KeyCode::Char('s'))), Some(Action::Star));
        assert_eq!(action_for(key(KeyCode::F(1))), Some(Action::Keys));
        assert_eq!(action_for(key(KeyCode::Char('z'))), None);
        assert_eq!(
            action_for(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(char_for(key(KeyCode::Enter)), Some('\n'));
    }
}
