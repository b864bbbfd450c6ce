//! Coming back from the review grid: "edit from here" starts a new session from the image
//! chosen there, as if the user had typed the instruction and pressed generate.

use super::AppState;
use super::keys;
use super::status::Level;
use crate::review::ReviewExit;
use crate::tui::action::Action;
use crate::tui::layout::Focus;
use crate::tui::msg::Effect;
use crate::tui::strings;

/// Back from the review grid: "edit from here" starts a new session from that image.
pub fn review_ended(state: &mut AppState, result: Result<ReviewExit, String>) -> Vec<Effect> {
    match result {
        Ok(ReviewExit::Quit) => {
            state.status.say(Level::Info, strings::BACK_FROM_REVIEW);
            vec![]
        }
        Ok(ReviewExit::Edit { path, instruction }) => {
            // The unsent draft stays reachable with Ctrl+P.
            let draft = state.prompt.text();
            state.prompt.remember(&draft);
            state.session.clear();
            state.settings.refs = vec![path.clone()];
            state.prompt.set_text(&instruction);
            keys::set_focus(state, Focus::Prompt);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let effects = keys::act(state, Action::Generate);
            if effects.iter().any(|e| matches!(e, Effect::Generate(..))) {
                state.status.say(
                    Level::Info,
                    strings::session_from_review(&name, &instruction),
                );
            }
            effects
        }
        Err(e) => {
            state.status.say(Level::Error, strings::cannot_review(&e));
            vec![]
        }
    }
}
