//! The workbench: a ratatui face over the engine. `run` loads settings, connects the
//! backend (the embedded simulator without a key), takes the terminal, and runs the loop.

pub mod action;
mod app;
pub mod batch_run;
pub mod clipboard;
pub mod effects;
mod headless;
pub mod keymap;
pub mod layout;
pub mod msg;
pub mod state;
pub mod strings;
mod terminal;
pub mod testkit;
pub mod view;

#[cfg(test)]
mod snapshot_tests;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::layout::Rect;
use ratatui_image::picker::ProtocolType;
use tokio::sync::mpsc;

use crate::cli::Cli;
use crate::cli::args::ImageProtocolArg;
use crate::config::{Env, Settings};
use crate::models::Registry;
use crate::store::{JobFilter, Store};
use crate::studio::collect::Collector;
use crate::studio::preset::PresetBook;
use crate::studio::runner::DEFAULT_CONCURRENCY;
use crate::studio::{Roster, Studio, backend};
use crate::terminal::graphics::Protocol;
use crate::terminal::probe::{self, Detected};
use crate::terminal::theme;

/// How long quitting waits for a batch run to record where it stopped.
const BATCH_STOP_PATIENCE: Duration = Duration::from_secs(5);
/// Earlier prompts loaded for history.
const HISTORY_LOAD: usize = 500;

/// Opens the workbench; returns when the user quits, or once the work left running
/// (quit answer `b`, or the terminal gone) is saved.
pub async fn run(cli: &Cli) -> ExitCode {
    match start(cli).await {
        Ok(code) => code,
        Err(e) => {
            if crate::hangup::is_hung_up() {
                tracing::error!("workbench: {e}");
            } else {
                eprintln!("peel: error: {e}");
            }
            ExitCode::from(2)
        }
    }
}

/// How the preview draws images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageProtocol {
    /// Ask the terminal.
    Auto,
    /// A fixed protocol.
    Forced(ProtocolType),
}

/// Reads an `image_protocol` value ("auto", "kitty", "sixel", "iterm2", "halfblocks").
pub fn parse_protocol(text: &str) -> Result<ImageProtocol, String> {
    Ok(match text.trim().to_ascii_lowercase().as_str() {
        "auto" => ImageProtocol::Auto,
        "kitty" => ImageProtocol::Forced(ProtocolType::Kitty),
        "sixel" => ImageProtocol::Forced(ProtocolType::Sixel),
        "iterm2" => ImageProtocol::Forced(ProtocolType::Iterm2),
        "halfblocks" => ImageProtocol::Forced(ProtocolType::Halfblocks),
        other => {
            return Err(format!(
                "[tui] image_protocol = \"{other}\" is not one of: auto, kitty, sixel, iterm2, halfblocks"
            ));
        }
    })
}

fn protocol_choice(cli: &Cli, settings: &Settings) -> Result<ImageProtocol, String> {
    match cli.image_protocol {
        Some(ImageProtocolArg::Auto) => Ok(ImageProtocol::Auto),
        Some(ImageProtocolArg::Kitty) => Ok(ImageProtocol::Forced(ProtocolType::Kitty)),
        Some(ImageProtocolArg::Sixel) => Ok(ImageProtocol::Forced(ProtocolType::Sixel)),
        Some(ImageProtocolArg::Iterm2) => Ok(ImageProtocol::Forced(ProtocolType::Iterm2)),
        Some(ImageProtocolArg::Halfblocks) => Ok(ImageProtocol::Forced(ProtocolType::Halfblocks)),
        None => parse_protocol(&settings.config.tui.image_protocol),
    }
}

/// How the probe is to treat images: ask the terminal for `Auto`; a forced protocol is
/// not asked about (`source` names where it was forced).
pub fn drawing(choice: ImageProtocol, source: &'static str) -> probe::Drawing {
    let ImageProtocol::Forced(kind) = choice else {
        return probe::Drawing::Detect;
    };
    let protocol = match kind {
        ProtocolType::Kitty => Protocol::Kitty,
        ProtocolType::Sixel => Protocol::Sixel,
        ProtocolType::Iterm2 => Protocol::Iterm2,
        ProtocolType::Halfblocks => Protocol::Halfblocks,
    };
    probe::Drawing::Forced(protocol, source)
}

/// Keys typed while the terminal was probed, as text for the prompt: printable characters
/// and line breaks; escape sequences (arrows, function keys) are dropped.
fn typed_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // ESC [ … final byte, or ESC + one key.
                if chars.next_if_eq(&'[').is_some() {
                    while chars.next_if(|c| !('@'..='~').contains(c)).is_some() {}
                }
                chars.next();
            }
            '\r' | '\n' => out.push('\n'),
            c if !c.is_control() => out.push(c),
            _ => {}
        }
    }
    out
}

async fn start(cli: &Cli) -> Result<ExitCode, String> {
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(strings::NO_TERMINAL.to_string());
    }
    let env = Env::from_process();
    let settings = Settings::load_with(env.clone(), cli.config.as_deref(), cli.overrides())
        .map_err(|e| e.to_string())?;
    let registry =
        Arc::new(Registry::load(Some(&settings.paths.models_file())).map_err(|e| e.to_string())?);
    let themes = theme::Candidates::load(
        theme::choice::ThemeChoice::from_flag_or_config(
            cli.theme.as_deref(),
            &settings.config.tui.theme,
        ),
        &settings.paths.config_dir,
        env.no_color,
    )?;
    let keymap = keymap::Keymap::with_overrides(&settings.config.tui.keys)?;
    let protocol = protocol_choice(cli, &settings)?;
    let store = Store::open(&settings.paths.store_file()).map_err(|e| e.to_string())?;
    let roster = Roster::new(store.clone());
    let anchors = roster.list().map_err(|e| e.to_string())?;
    let past_jobs = store
        .jobs(&JobFilter {
            search: None,
            limit: state::jobs::PAST_JOBS,
        })
        .map_err(|e| e.to_string())?;
    let history: Vec<String> = store
        .jobs(&JobFilter {
            search: None,
            limit: HISTORY_LOAD,
        })
        .map_err(|e| e.to_string())?
        .into_iter()
        .rev()
        .map(|row| row.prompt)
        .collect();
    let session = recent_session(&store);
    let config_file = cli
        .config
        .clone()
        .unwrap_or_else(|| settings.paths.config_file());
    let (presets, preset_problem) =
        match PresetBook::load(&settings.config, &config_file, env.cwd.as_deref()) {
            Ok(book) => (book.iter().cloned().collect(), None),
            Err(e) => (Vec::new(), Some(format!("presets unavailable: {e}"))),
        };
    let conn = backend::connect(&settings, &registry)
        .await
        .map_err(|e| e.to_string())?;
    let (studio, studio_rx) = Studio::new(
        conn.client.clone(),
        registry.clone(),
        store,
        conn.label.clone(),
        DEFAULT_CONCURRENCY,
    );
    let (mut term, guard) =
        terminal::enter().map_err(|e| format!("cannot use this terminal: {e}"))?;
    let source = if cli.image_protocol.is_some() {
        "--image-protocol"
    } else {
        "[tui] image_protocol"
    };
    // One probe, before anything reads the terminal: graphics (unless forced), the cell
    // size and, for `theme = "auto"`, the background.
    let Detected {
        picker,
        decision,
        background,
        typed,
    } = probe::detect(
        drawing(protocol, source),
        themes.asks_terminal(),
        env.in_tmux,
    );
    let (theme, theme_line) = themes.pick(background, env.colorfgbg.as_deref());
    let probe_notice = decision
        .reason
        .starts_with("the terminal did not answer")
        .then(|| strings::SLOW_PROBE.to_string());
    let size = term.size().unwrap_or_default();
    let mut state = state::AppState::new(state::Init {
        registry: registry.clone(),
        keymap,
        defaults: settings.config.defaults.clone(),
        out_dir: settings.output_dir(None),
        home: env.home.clone(),
        backend: conn.label.describe(),
        offline: conn.label.is_simulator(),
        history,
        past_jobs,
        anchors,
        session,
        area: Rect::new(0, 0, size.width, size.height),
        now: Instant::now(),
        capabilities: conn.capabilities(),
        presets,
    });
    if let Some(problem) = preset_problem {
        state.status.say(state::status::Level::Warn, problem);
    }
    if let Some(warning) = backend::location_warning(&settings) {
        state.status.say(state::status::Level::Warn, warning);
    }
    if let Some(notice) = probe_notice {
        state.status.say(state::status::Level::Warn, notice);
    }
    state.images_line = decision.line();
    state.theme_line = theme_line;
    let typed = typed_text(&typed);
    if !typed.is_empty() {
        state.prompt.editor.insert_str(&typed);
    }
    let (resize_tx, resize_rx) = mpsc::unbounded_channel();
    let (outcome_tx, outcome_rx) = mpsc::unbounded_channel();
    let collector = Arc::new(tokio::sync::Mutex::new(Collector::new(
        &settings,
        registry.clone(),
        studio.store().clone(),
        Some((conn.client.clone(), conn.label.clone())),
    )));
    collect_live(collector.clone(), &outcome_tx);
    let mut slot = view::ImageSlot::new(resize_tx);
    let clipboard =
        clipboard::Clipboard::new(env.over_ssh, settings.config.tui.osc52_tmux_passthrough);
    let mut effects = effects::Effects::new(
        studio.clone(),
        roster,
        clipboard,
        picker,
        settings.paths.data_dir.join("pasted"),
        outcome_tx,
    );
    effects.config_file = config_file;
    effects.collector = Some(collector);
    effects.batch = Some(batch_run::BatchSetup {
        lane: crate::studio::batch::interactive::InteractiveLane {
            client: conn.client.clone(),
            registry: registry.clone(),
            store: studio.store().clone(),
            label: conn.label.clone(),
            forward: None,
        },
        config: settings.config.clone(),
        config_file: effects.config_file.clone(),
        cwd: env.cwd.clone(),
        out_parent: settings.output_dir(None),
        locks: settings.paths.data_dir.join("locks"),
        options: crate::studio::batch::interactive::LaneOptions {
            tier: None,
            fallback: None,
            concurrency: settings.config.batch.concurrency.max(1),
            rpm: settings.config.batch.rpm.max(1),
            budget: None,
        },
        thumbs: settings.paths.data_dir.join("thumbs"),
    });
    let mut inbox = app::Inbox {
        studio: studio_rx,
        outcomes: outcome_rx,
        resize_requests: resize_rx,
    };
    let result = app::run(
        &mut term,
        &mut state,
        &theme,
        &mut slot,
        &mut effects,
        &mut inbox,
    )
    .await;
    let exit = match &result {
        Ok(exit) => *exit,
        Err(_) => app::Exit::Quit,
    };
    if exit != app::Exit::Quit {
        match exit {
            app::Exit::HungUp => {
                // No terminal is left to restore or draw on: leave it alone.
                if let Err(e) = crate::hangup::detach_stdio() {
                    tracing::error!("workbench: could not move output to the log: {e}");
                }
                std::mem::forget(guard);
                std::mem::forget(term);
                std::mem::forget(slot);
            }
            _ => {
                drop(guard);
                // The shell comes back now: the work goes to a detached peel process.
                let handoff =
                    crate::studio::detach::HandOff::new(cli.config.clone(), cli.overrides());
                match headless::hand_over(&studio, &mut effects, handoff).await {
                    Ok(Some((carrier, jobs, runs))) => {
                        println!("{}", strings::handed_over_note(jobs, runs, carrier.pid));
                        // Its simulator (offline) is not waited for: what it runs is kept
                        // in the data folder, where the detached process's finishes it.
                        std::mem::forget(conn);
                        return Ok(ExitCode::SUCCESS);
                    }
                    Ok(None) => {
                        std::mem::forget(conn);
                        return Ok(ExitCode::SUCCESS);
                    }
                    Err(e) => {
                        // No detached process: finish here, as before (the shell waits).
                        eprintln!("peel: {e}");
                        let running = state.jobs.active().max(usize::from(state.wants_tick()));
                        println!("{}", strings::background_note(running));
                    }
                }
            }
        }
        let finished = headless::finish(&studio, &mut effects, &mut inbox).await;
        if let Some(sim) = conn.simulator {
            sim.shutdown().await;
        }
        return Ok(if finished.is_success() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    effects.stop_batch_and_wait(BATCH_STOP_PATIENCE).await;
    for row in 0..state.jobs.len() {
        if let Some(job) = state.jobs.row(row)
            && job.phase.is_active()
        {
            studio.cancel(job.id);
        }
    }
    drop(guard);
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    result
        .map(|_| ExitCode::SUCCESS)
        .map_err(|e| format!("terminal error: {e}"))
}

/// The most recent edit session, reopened at start (None when there is none or it cannot be read).
/// How often the workbench looks for jobs whose owner died while the service ran them.
const COLLECT_EVERY: Duration = Duration::from_secs(2);

/// Collects, off the UI task and for as long as the workbench runs, the jobs a peel
/// process left on the service when it died: seen within `COLLECT_EVERY` of the death,
/// then asked about every round until the service answers done, failed or gone. The Jobs
/// pane follows through the store; the status line says what was collected (and, once,
/// what waits on a service this process cannot reach).
fn collect_live(
    collector: Arc<tokio::sync::Mutex<Collector>>,
    outcome: &mpsc::UnboundedSender<effects::outcome::Outcome>,
) {
    let outcome = outcome.clone();
    tokio::spawn(async move {
        let mut said = std::collections::HashSet::new();
        loop {
            let report = collector.lock().await.collect_all().await;
            match report {
                Ok(report) => {
                    for line in report.lines() {
                        let new = said.insert(line.clone()) || line.starts_with("collected");
                        if new {
                            let msg = msg::Msg::Collected(line);
                            if outcome.send(effects::outcome::Outcome::Msg(msg)).is_err() {
                                return;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!("collecting jobs left running on the service: {e}"),
            }
            tokio::time::sleep(COLLECT_EVERY).await;
        }
    });
}

fn recent_session(store: &crate::store::Store) -> Option<crate::store::session_types::Session> {
    let recent = store.sessions().ok()?.into_iter().next()?;
    store.session(&recent.id).ok().flatten()
}

#[cfg(test)]
mod probe_tests {
    #[test]
    fn keys_typed_during_the_probe_become_prompt_text() {
        assert_eq!(super::typed_text(b"hello world"), "hello world");
        assert_eq!(super::typed_text(b"a\x1b[Ab\x1bxc\rd\x7f"), "abc\nd");
        assert_eq!(super::typed_text("café".as_bytes()), "café");
    }
}
