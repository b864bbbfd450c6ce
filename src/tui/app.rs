//! The event loop: one `select!` over terminal events, engine events, effect results and
//! image resizes; it drains what is pending, then draws once inside a synchronized update.

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use ratatui::DefaultTerminal;
use ratatui_image::thread::{ResizeRequest, ResizeResponse};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::effects::Effects;
use super::effects::outcome::Outcome;
use super::msg::{Effect, Msg};
use super::state::{self, AppState};
use super::terminal;
use super::view::{self, ImageSlot};
use crate::studio::StudioEvent;
use crate::terminal::theme::Theme;

/// How often running jobs refresh their clocks and spinners.
const TICK: Duration = Duration::from_millis(100);
/// How often the store is asked about batch runs other processes are working on.
const RUNS_POLL: Duration = Duration::from_secs(2);
/// How often the store is asked whether any job changed (one pragma when none did).
const JOBS_POLL: Duration = Duration::from_millis(400);
/// Most pending messages handled before a frame is drawn.
const DRAIN_MAX: usize = 512;

/// Channels the loop listens to.
pub struct Inbox {
    /// Engine events.
    pub studio: UnboundedReceiver<StudioEvent>,
    /// Effect results.
    pub outcomes: UnboundedReceiver<Outcome>,
    /// Resize requests from the image slot.
    pub resize_requests: UnboundedReceiver<ResizeRequest>,
}

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit (or SIGTERM): running jobs stop.
    Quit,
    /// The user quit with `b`: running jobs finish in the background.
    Background,
    /// The terminal went away: nothing may touch it again; running jobs finish headless.
    HungUp,
}

/// Runs until the user quits, the terminal goes away or SIGTERM arrives.
pub async fn run(
    terminal: &mut DefaultTerminal,
    state: &mut AppState,
    theme: &Theme,
    slot: &mut ImageSlot,
    effects: &mut Effects,
    inbox: &mut Inbox,
) -> io::Result<Exit> {
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let (resized_tx, mut resized_rx) = mpsc::unbounded_channel::<ResizeResponse>();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut runs_poll = tokio::time::interval(RUNS_POLL);
    runs_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut jobs_poll = tokio::time::interval(JOBS_POLL);
    jobs_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The first selection's image (and anything else the start asks for) is wanted now,
    // not at the first key.
    handle(
        Input::Msg(Msg::Started),
        state,
        slot,
        effects,
        &resized_tx,
        &mut Vec::new(),
    );
    let mut dirty = true;
    loop {
        if dirty {
            state.now = Instant::now();
            let drawn =
                terminal::draw_synced(terminal, |frame| view::draw(frame, state, theme, slot));
            if let Err(e) = drawn {
                tracing::warn!("drawing failed, taking the terminal as gone: {e}");
                return Ok(Exit::HungUp);
            }
            dirty = false;
        }
        if state.quitting {
            return Ok(if state.leave_running {
                Exit::Background
            } else {
                Exit::Quit
            });
        }
        let ticking = state.wants_tick();
        let first = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => Input::Event(event),
                Some(Err(e)) => {
                    tracing::warn!("reading the terminal failed, taking it as gone: {e}");
                    return Ok(Exit::HungUp);
                }
                None => {
                    tracing::warn!("the terminal's input ended, taking it as gone");
                    return Ok(Exit::HungUp);
                }
            },
            Some(event) = inbox.studio.recv() => Input::Msg(Msg::Studio(event)),
            Some(outcome) = inbox.outcomes.recv() => Input::Outcome(outcome),
            Some(request) = inbox.resize_requests.recv() => Input::Resize(request),
            Some(response) = resized_rx.recv() => Input::Resized(response),
            _ = tick.tick(), if ticking => Input::Msg(Msg::Tick),
            _ = runs_poll.tick() => {
                effects.run(Effect::PollRuns);
                continue;
            }
            _ = jobs_poll.tick() => {
                effects.run(Effect::PollJobs);
                continue;
            }
            _ = sigterm.recv() => return Ok(Exit::Quit),
            _ = sighup.recv() => {
                tracing::info!("SIGHUP: the terminal hung up");
                return Ok(Exit::HungUp);
            }
        };
        let mut pending = vec![first];
        while pending.len() < DRAIN_MAX {
            let next = if let Ok(e) = inbox.studio.try_recv() {
                Input::Msg(Msg::Studio(e))
            } else if let Ok(o) = inbox.outcomes.try_recv() {
                Input::Outcome(o)
            } else if let Ok(r) = inbox.resize_requests.try_recv() {
                Input::Resize(r)
            } else if let Ok(r) = resized_rx.try_recv() {
                Input::Resized(r)
            } else {
                break;
            };
            pending.push(next);
        }
        let mut reviews = Vec::new();
        for input in pending {
            state.now = Instant::now();
            dirty |= handle(input, state, slot, effects, &resized_tx, &mut reviews);
        }
        for dir in reviews {
            // Images painted over cells (sixel, iTerm2) must not show through the grid.
            wipe(terminal)?;
            let result = review_here(terminal, effects, theme, &dir).await;
            wipe(terminal)?;
            slot.clear();
            state.preview = state::preview::PreviewState::default();
            state.now = Instant::now();
            let size = terminal.size()?;
            for msg in [
                Msg::Resize {
                    width: size.width,
                    height: size.height,
                },
                Msg::ReviewEnded(result),
            ] {
                handle(
                    Input::Msg(msg),
                    state,
                    slot,
                    effects,
                    &resized_tx,
                    &mut Vec::new(),
                );
            }
            dirty = true;
        }
    }
}

/// Clears the screen and forgets the last frame, so the next draw paints every cell.
/// (`Terminal::clear` asks the terminal for the cursor, and the event stream's reader
/// would swallow the answer.)
fn wipe(terminal: &mut DefaultTerminal) -> io::Result<()> {
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    terminal.swap_buffers();
    Ok(())
}

/// Runs the review grid on `dir` in the workbench's terminal; the workbench resumes after.
async fn review_here(
    terminal: &mut DefaultTerminal,
    effects: &Effects,
    theme: &Theme,
    dir: &std::path::Path,
) -> Result<crate::review::ReviewExit, String> {
    let Some(setup) = &effects.batch else {
        return Err("review is not available here; use `peel review DIR`".into());
    };
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let options = setup.review_options(dir, "auto", effects.tx.clone());
    crate::review::run_on(terminal, effects.picker.clone(), theme, options).await
}

enum Input {
    Event(Event),
    Msg(Msg),
    Outcome(Outcome),
    Resize(ResizeRequest),
    Resized(ResizeResponse),
}

/// Applies one input; true when something changed on screen.
fn handle(
    input: Input,
    state: &mut AppState,
    slot: &mut ImageSlot,
    effects: &mut Effects,
    resized_tx: &mpsc::UnboundedSender<ResizeResponse>,
    reviews: &mut Vec<std::path::PathBuf>,
) -> bool {
    let msg = match input {
        Input::Event(event) => match to_msg(event) {
            Some(msg) => msg,
            None => return false,
        },
        Input::Msg(msg) => msg,
        Input::Outcome(Outcome::Msg(msg)) => msg,
        Input::Outcome(Outcome::Image {
            path,
            protocol,
            size,
        }) => {
            if state.preview.path.as_ref() != Some(&path) {
                return false;
            }
            slot.set(path.clone(), protocol);
            Msg::PreviewLoaded {
                path,
                result: Ok(size),
            }
        }
        Input::Outcome(Outcome::Pinned(image)) => {
            slot.set_pinned(image);
            return true;
        }
        Input::Resize(request) => {
            let tx = resized_tx.clone();
            tokio::task::spawn_blocking(move || match request.resize_encode() {
                Ok(response) => {
                    let _ = tx.send(response);
                }
                Err(e) => tracing::warn!("image resize failed: {e}"),
            });
            return false;
        }
        Input::Resized(response) => return slot.resized(response),
    };
    for effect in state::update(state, msg) {
        match &effect {
            Effect::LoadPreview(_) => slot.clear(),
            Effect::Review(dir) => {
                reviews.push(dir.clone());
                continue;
            }
            _ => {}
        }
        effects.run(effect);
    }
    true
}

fn to_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse)
            if matches!(
                mouse.kind,
                MouseEventKind::Down(_) | MouseEventKind::ScrollUp | MouseEventKind::ScrollDown
            ) =>
        {
            Some(Msg::Mouse(mouse))
        }
        Event::Resize(width, height) => Some(Msg::Resize { width, height }),
        _ => None,
    }
}
