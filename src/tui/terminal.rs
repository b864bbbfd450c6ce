//! Entering and leaving the terminal: raw mode, alternate screen, mouse, bracketed paste,
//! a panic hook that restores everything, and synchronized updates around each draw.

use std::io::{self, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use crossterm::{execute, queue};
use ratatui::DefaultTerminal;

/// Takes over the terminal; the returned guard gives it back when dropped.
pub fn enter() -> io::Result<(DefaultTerminal, RestoreGuard)> {
    let terminal = ratatui::try_init()?;
    let guard = RestoreGuard;
    let ratatui_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes();
        ratatui_hook(info);
    }));
    execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
    Ok((terminal, guard))
}

fn leave_modes() {
    let _ = execute!(io::stdout(), DisableBracketedPaste, DisableMouseCapture);
}

/// Restores the terminal when dropped (normal exit, error, signal).
pub struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        leave_modes();
        ratatui::restore();
    }
}

/// Draws one frame inside a synchronized update so remote terminals never show half a frame.
pub fn draw_synced(
    terminal: &mut DefaultTerminal,
    render: impl FnOnce(&mut ratatui::Frame),
) -> io::Result<()> {
    let mut out = io::stdout();
    queue!(out, BeginSynchronizedUpdate)?;
    let result = terminal.draw(render).map(|_| ());
    execute!(out, EndSynchronizedUpdate)?;
    out.flush()?;
    result
}
