//! The status bar: backend (loud when it is the offline simulator), session spend,
//! rate-limit state, the last message, and where help is.
//!
//!  ! offline simulator — set GEMINI_API_KEY for real images  spend $0.134  rate ok  job #3 done in 2.1 s   F1 help

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::studio::backend::OFFLINE_BANNER;
use crate::terminal::theme::Theme;
use crate::text::truncate;
use crate::tui::action::Action;
use crate::tui::state::AppState;
use crate::tui::state::status::Level;
use crate::tui::strings;

/// Short form of the offline banner for narrow terminals.
const OFFLINE_SHORT: &str = "offline simulator";

/// Draws the status bar.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let width = area.width as usize;
    let help = format!(" {} help ", state.keymap.hint(Action::Help));
    let spend = if state.jobs.spend_simulated {
        format!(" spend ${:.3} (simulated) ", state.jobs.session_spend)
    } else {
        format!(" spend ${:.3} ", state.jobs.session_spend)
    };
    let (rate, rate_style) = match state.jobs.next_retry() {
        Some((until, reason)) if reason.contains("rate") || reason.contains("429") => {
            let secs = until
                .saturating_duration_since(state.now)
                .as_secs_f64()
                .ceil();
            (
                format!(" rate limited · retry in {secs:.0} s "),
                theme.warn(),
            )
        }
        Some((until, _)) => {
            let secs = until
                .saturating_duration_since(state.now)
                .as_secs_f64()
                .ceil();
            (format!(" retrying in {secs:.0} s "), theme.warn())
        }
        None => (format!(" {} ", strings::RATE_OK), theme.muted()),
    };
    let fixed = spend.chars().count() + rate.chars().count() + help.chars().count();
    let (backend, backend_style) = if state.status.offline {
        let long = format!(" {}{OFFLINE_BANNER} ", strings::WARN_MARK);
        let text = if long.chars().count() + fixed + 20 <= width {
            long
        } else {
            format!(" {}{OFFLINE_SHORT} ", strings::WARN_MARK)
        };
        (text, theme.offline())
    } else {
        (format!(" {} ", state.status.backend), theme.ok())
    };
    // What Ctrl+G does next, when it leaves the message some room (the Preview always says it).
    let next = format!(
        " {}: {} ",
        state.keymap.hint(Action::Generate),
        state.session.next_words()
    );
    let next = if backend.chars().count() + fixed + next.chars().count() + 30 <= width {
        next
    } else {
        String::new()
    };
    let fixed = fixed + next.chars().count();
    let room = width.saturating_sub(backend.chars().count() + fixed + 1);
    let (message, message_style) = match &state.status.message {
        Some((level, text)) => {
            let style = match level {
                Level::Info => theme.text(),
                Level::Ok => theme.ok(),
                Level::Warn => theme.warn(),
                Level::Error => theme.error(),
            };
            (truncate(text, room), style)
        }
        None => (String::new(), theme.text()),
    };
    let pad = room.saturating_sub(message.chars().count());
    let line = Line::from(vec![
        Span::styled(backend, backend_style),
        Span::styled(spend, theme.text()),
        Span::styled(rate, rate_style),
        Span::styled(next, theme.text()),
        Span::raw(" "),
        Span::styled(message, message_style),
        Span::raw(" ".repeat(pad)),
        Span::styled(help, theme.muted()),
    ]);
    frame.render_widget(Paragraph::new(line).style(theme.status()), area);
}
