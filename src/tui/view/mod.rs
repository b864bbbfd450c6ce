//! Drawing: one function per pane, each from `&AppState`; only the image slot is mutable.

pub mod anchors;
mod forms;
pub mod frame;
pub mod jobs;
pub mod overlay;
mod popup;
pub mod preview;
pub mod prompt;
pub mod settings;
pub mod status;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub use preview::ImageSlot;

use super::state::AppState;
use super::strings;
use crate::terminal::theme::Theme;

/// Draws the whole workbench.
pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, slot: &mut ImageSlot) {
    let layout = super::layout::layout(frame.area(), state.focus);
    if layout.too_small {
        let text = Paragraph::new(Line::styled(strings::TOO_SMALL, theme.warn()))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true });
        frame.render_widget(text, frame.area());
        return;
    }
    prompt::draw(frame, layout.prompt, state, theme);
    settings::draw(frame, layout.settings, state, theme);
    jobs::draw(frame, layout.jobs, state, theme);
    anchors::draw(frame, layout.anchors, state, theme);
    preview::draw(frame, layout.preview, state, theme, slot);
    status::draw(frame, layout.status, state, theme);
    overlay::draw(frame, state, theme);
}
