//! The workbench's state: one struct per pane, and the single `update` that reduces
//! messages into it and returns effects for the event loop.

pub mod anchors;
pub mod batch;
mod choose;
pub mod fields;
pub mod input;
pub mod job;
pub mod jobs;
mod keys;
pub mod overlay;
mod overlay_keys;
pub mod picker;
pub mod preview;
pub mod prompt;
mod review;
mod runs;
pub mod session;
pub mod settings;
pub mod status;
mod update;

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

use crate::api::backend::Capabilities;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use ratatui::layout::Rect;

pub use update::update;

use super::keymap::Keymap;
use super::layout::{self, AppLayout, Focus};
use crate::models::Registry;
use crate::settings::{Field, departures};
use crate::studio::preset::Preset;

/// What the workbench is given at start.
pub struct Init {
    /// The model registry.
    pub registry: Arc<Registry>,
    /// Key bindings.
    pub keymap: Keymap,
    /// Generation defaults from the config.
    pub defaults: crate::config::DefaultsSection,
    /// Where images go.
    pub out_dir: PathBuf,
    /// The user's home folder, for `~/` in typed paths.
    pub home: Option<PathBuf>,
    /// The backend in words.
    pub backend: String,
    /// True when the offline simulator answers.
    pub offline: bool,
    /// Earlier prompts, oldest first.
    pub history: Vec<String>,
    /// Recent jobs from the store, newest first.
    pub past_jobs: Vec<crate::store::JobRow>,
    /// The roster.
    pub anchors: Vec<crate::studio::Anchor>,
    /// The most recent edit session: its jobs are linked to their turns; it is continued only
    /// once the user chooses it.
    pub session: Option<crate::store::session_types::Session>,
    /// The terminal size.
    pub area: Rect,
    /// The clock's start.
    pub now: Instant,
    /// What the backend can do; the rest is refused with a one-line reason.
    pub capabilities: Capabilities,
    /// Presets in force (user presets with the project's over them).
    pub presets: Vec<Preset>,
}

/// Everything the views draw.
pub struct AppState {
    /// The focused pane.
    pub focus: Focus,
    /// The prompt editor.
    pub prompt: prompt::PromptState,
    /// The settings line.
    pub settings: settings::SettingsState,
    /// The roster.
    pub anchors: anchors::AnchorsState,
    /// The job list.
    pub jobs: jobs::JobsState,
    /// First visible job row.
    pub jobs_offset: usize,
    /// First visible anchor row.
    pub anchors_offset: usize,
    /// The image pane.
    pub preview: preview::PreviewState,
    /// The edit session Ctrl+G continues.
    pub session: session::SessionState,
    /// The status bar.
    pub status: status::StatusState,
    /// The overlay on top.
    pub overlay: Option<overlay::Overlay>,
    /// Key bindings.
    pub keymap: Keymap,
    /// The model registry.
    pub registry: Arc<Registry>,
    /// Where images go.
    pub out_dir: PathBuf,
    /// The user's home folder, for `~/` in typed paths.
    pub home: Option<PathBuf>,
    /// The terminal size.
    pub area: Rect,
    /// The time views measure against.
    pub now: Instant,
    /// Select the next job this session queues.
    pub follow_new: bool,
    /// Set once quitting is decided.
    pub quitting: bool,
    /// Quitting leaves running jobs to finish in the background (quit answer `b`).
    pub leave_running: bool,
    /// What the backend can do (thinking and grounding are off on a gateway).
    pub capabilities: Capabilities,
    /// Presets in force, by name.
    pub presets: Vec<Preset>,
    /// `[defaults]` from the config, which "no preset" goes back to.
    pub defaults: crate::config::DefaultsSection,
    /// The job pinned for side-by-side compare in the Preview pane.
    pub compare: Option<preview::Pinned>,
    /// The batch run started here (running, or the last one).
    pub batch: Option<batch::BatchProgress>,
    /// The last batch file asked for.
    pub batch_file: String,
    /// Batch runs other peel processes are working on, for the Jobs pane's title.
    pub other_runs: Vec<crate::tui::msg::OtherRun>,
    /// Models whose deprecation notice was already shown (once per workbench).
    pub noticed_models: std::collections::BTreeSet<String>,
    /// What the request preview was asked for; a preview of anything else is stale.
    pub requested: Option<RequestKey>,
    /// `images: PROTOCOL (why)`, for the help overlay.
    pub images_line: String,
    /// `theme: NAME (why)`, for the help overlay.
    pub theme_line: String,
}

/// Everything a request preview depends on: the prompt, the settings line, the anchors in
/// shot and the turn it continues.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestKey {
    prompt: String,
    settings: settings::SettingsState,
    in_shot: Vec<String>,
    continues: Option<(String, crate::store::session_types::TurnId)>,
}

impl AppState {
    /// The starting state: Prompt focused, nothing running.
    pub fn new(init: Init) -> Self {
        let mut prompt = prompt::PromptState::new(init.history);
        prompt.set_focused(true);
        let mut status = status::StatusState::new(init.backend, init.offline);
        status.say(status::Level::Info, super::strings::WELCOME);
        let mut jobs = jobs::JobsState::with_past(&init.past_jobs);
        let settings = settings::SettingsState::new(&init.registry, &init.defaults);
        let defaults = init.defaults.clone();
        if let Some(session) = &init.session {
            jobs.link_turns(session);
        }
        let first_selected = jobs.selected_job().map(|j| j.id);
        Self {
            focus: Focus::Prompt,
            prompt,
            settings: settings.within(&init.capabilities),
            anchors: anchors::AnchorsState::new(init.anchors),
            jobs,
            jobs_offset: 0,
            anchors_offset: 0,
            // The first selection is not a choice of turn: the reopened head stays current.
            preview: preview::PreviewState {
                job: first_selected,
                ..Default::default()
            },
            session: session::SessionState::known(init.session),
            status,
            overlay: None,
            keymap: init.keymap,
            registry: init.registry,
            out_dir: init.out_dir,
            home: init.home,
            area: init.area,
            now: init.now,
            follow_new: false,
            quitting: false,
            leave_running: false,
            capabilities: init.capabilities,
            presets: init.presets,
            defaults,
            compare: None,
            batch: None,
            batch_file: String::new(),
            other_runs: Vec::new(),
            noticed_models: std::collections::BTreeSet::new(),
            requested: None,
            images_line: String::new(),
            theme_line: String::new(),
        }
    }

    /// The current layout.
    pub fn layout(&self) -> AppLayout {
        layout::layout(self.area, self.focus)
    }

    /// The selected model's prompt length limit in characters.
    pub fn prompt_limit(&self) -> usize {
        self.settings.spec(&self.registry).prompt_char_limit()
    }

    /// The active preset's name and the settings that depart from it.
    pub fn preset_departures(&self) -> Option<(&str, Vec<Field>)> {
        let name = self.settings.preset.as_deref()?;
        let preset = self.presets.iter().find(|p| p.name == name)?;
        let current = self.settings.as_layer(self.anchors.pinned());
        Some((name, departures(&preset.settings, &current, &self.registry)))
    }

    /// What a request preview asked for now would depend on.
    pub fn request_key(&self) -> RequestKey {
        let mut settings = self.settings.clone();
        if settings.seed_mode == settings::SeedMode::Random {
            // The last job's seed is remembered in random mode but never sent.
            settings.seed = 0;
        }
        RequestKey {
            prompt: self.prompt.text(),
            settings,
            in_shot: self.anchors.in_shot(&self.prompt.text()),
            continues: self.session.continue_from(),
        }
    }

    /// True while the loop should tick (jobs running).
    pub fn wants_tick(&self) -> bool {
        self.jobs.running_anywhere() > 0 || self.batch.as_ref().is_some_and(|b| b.running())
    }
}
