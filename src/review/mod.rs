//! `peel review DIR`: a batch folder as a thumbnail grid with a large preview, marks saved
//! into `manifest.json`, filters, side-by-side compare, edit from here and re-run. A small
//! self-contained ratatui app; the workbench's own TUI lives in `tui/`.

mod app;
mod keys;
pub mod layout;
pub mod loader;
pub mod promote;
pub mod state;
mod strings;
pub mod tiles;
mod view;

#[cfg(test)]
mod snapshot_tests;

use std::path::PathBuf;

use tokio::sync::mpsc;

/// How to start a review.
pub struct ReviewOptions {
    /// The folder.
    pub dir: PathBuf,
    /// Where thumbnails are cached.
    pub thumbs_dir: PathBuf,
    /// auto, kitty, sixel, iterm2 or halfblocks.
    pub image_protocol: String,
    /// The roster, for "promote to anchor" (None: unavailable).
    pub roster: Option<crate::studio::roster::Roster>,
    /// Re-runs: item indexes out, results back (None: re-run unavailable).
    pub reruns: Option<(
        mpsc::UnboundedSender<usize>,
        mpsc::UnboundedReceiver<RerunDone>,
    )>,
    /// Promotions: (mark, size) out, the promoted run's folder (or why not) back (None:
    /// unavailable).
    pub promotions: Option<Promotions>,
    /// Consistency checks: images out, their report (or why not) back (None: unavailable).
    pub checks: Option<Checks>,
    /// Scores below this are drifted (`[check] warn_below`).
    pub warn_below: u8,
}

/// The channels of the consistency check.
pub type Checks = (
    mpsc::UnboundedSender<Vec<PathBuf>>,
    mpsc::UnboundedReceiver<Result<crate::studio::check::CheckReport, String>>,
);

/// The channels of promote-the-picks.
pub type Promotions = (
    mpsc::UnboundedSender<(crate::studio::batch::manifest::Mark, String)>,
    mpsc::UnboundedReceiver<Result<String, String>>,
);

/// A finished re-run.
#[derive(Debug, Clone, PartialEq)]
pub struct RerunDone {
    /// The item's index.
    pub index: usize,
    /// The new file's name, or why there is none.
    pub result: Result<String, String>,
}

/// How the review ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewExit {
    /// The user left.
    Quit,
    /// The user wants an edit session from this image.
    Edit { path: PathBuf, instruction: String },
}

/// The themes `peel review` may draw with, picked once the terminal has answered.
pub struct Look {
    /// The named theme, or dark and light for `auto`.
    pub themes: crate::terminal::theme::Candidates,
    /// `COLORFGBG`, the fallback when the terminal does not say its background.
    pub colorfgbg: Option<String>,
    /// The terminal is reached through tmux.
    pub in_tmux: bool,
}

/// Runs the review screen.
pub async fn run(opts: ReviewOptions, look: Look) -> Result<ReviewExit, String> {
    app::run(opts, look).await
}

/// Runs the review screen inside another app's terminal (the workbench's), with its picker
/// and theme.
pub async fn run_on(
    terminal: &mut ratatui::DefaultTerminal,
    picker: ratatui_image::picker::Picker,
    theme: &crate::terminal::theme::Theme,
    opts: ReviewOptions,
) -> Result<ReviewExit, String> {
    app::run_on(terminal, picker, theme, opts).await
}
