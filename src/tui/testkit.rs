//! Helpers for tests and benches: a state over the shipped registry, keys, and a
//! halfblocks image slot whose resizes run inline.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui_image::picker::Picker;
use ratatui_image::thread::ResizeRequest;
use tokio::sync::mpsc::{self, UnboundedReceiver};

use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::state::{self, AppState, Init};
use super::view::{self, ImageSlot};
use crate::api::backend::Capabilities;
use crate::config::BackendKind;
use crate::models::Registry;
use crate::settings::Grounding;
use crate::store::session_types::{Session, StoredContent, Turn, TurnId};
use crate::studio::output::SavedOutput;
use crate::studio::{JobInfo, ResolvedSettings, StudioEvent};
use crate::terminal::theme::Theme;

/// A workbench state of `width`×`height` with nothing in it, offline.
pub fn state(width: u16, height: u16) -> AppState {
    state_with_past(width, height, vec![])
}

/// Like `state`, opened over `past_jobs` from the store (newest first).
pub fn state_with_past(width: u16, height: u16, past_jobs: Vec<crate::store::JobRow>) -> AppState {
    let registry = Arc::new(Registry::shipped().unwrap_or_else(|e| panic!("registry: {e}")));
    AppState::new(Init {
        registry,
        keymap: Keymap::defaults(),
        defaults: Default::default(),
        out_dir: PathBuf::from("/out"),
        home: Some(PathBuf::from("/home/test")),
        backend: crate::studio::backend::OFFLINE_BANNER.into(),
        offline: true,
        history: vec![],
        past_jobs,
        anchors: vec![],
        session: None,
        area: Rect::new(0, 0, width, height),
        now: Instant::now(),
        capabilities: Capabilities::of(BackendKind::Gemini),
        presets: vec![],
    })
}

/// A plain key.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A key with Ctrl.
pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Types text key by key; returns the effects.
pub fn type_text(state: &mut AppState, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| state::update(state, key(KeyCode::Char(c))))
        .collect()
}

/// A queued event for job `id`.
pub fn queued(id: i64, prompt: &str, seed: i64) -> StudioEvent {
    StudioEvent::Queued(JobInfo {
        id,
        prompt: prompt.into(),
        settings: ResolvedSettings {
            model: "gemini-3.1-flash-image".into(),
            aspect: Some("16:9".into()),
            size: "1K".into(),
            seed,
            thinking: None,
            grounding: Grounding::Off,
            tier: crate::models::Tier::Standard,
            fallback: None,
            pixels: Some((1376, 768)),
            safety: vec![],
            preset: None,
        },
    })
}

/// A done event for job `id` with one image at `path`.
pub fn done(id: i64, path: &Path, secs: f64) -> StudioEvent {
    StudioEvent::Done {
        id,
        outputs: vec![SavedOutput {
            path: path.to_path_buf(),
            sidecar: path.with_extension("png.json"),
            width: 1376,
            height: 768,
            mime: "image/png".into(),
            bytes: 1000,
        }],
        cost_usd: 0.067,
        elapsed: Duration::from_secs_f64(secs),
        text: vec![],
        session: None,
        turn: None,
        priced: Default::default(),
    }
}

/// A done event for job `id` that recorded `turn` of edit session `session`.
pub fn done_turn(id: i64, path: &Path, session: &str, turn: TurnId) -> StudioEvent {
    match done(id, path, 2.5) {
        StudioEvent::Done {
            id,
            outputs,
            cost_usd,
            elapsed,
            text,
            ..
        } => StudioEvent::Done {
            id,
            outputs,
            cost_usd,
            elapsed,
            text,
            session: Some(session.into()),
            turn: Some(turn),
            priced: Default::default(),
        },
        other => other,
    }
}

/// An edit session `id` with `(turn, parent)` turns, its head the last one.
pub fn session(id: &str, turns: &[(TurnId, Option<TurnId>)]) -> Session {
    Session {
        id: id.into(),
        created_at: String::new(),
        title: "a lighthouse".into(),
        model: "gemini-3.1-flash-image".into(),
        head: turns.last().map(|t| t.0),
        turns: turns
            .iter()
            .map(|&(id, parent)| Turn {
                id,
                parent,
                created_at: String::new(),
                instruction: format!("turn {id}"),
                user: StoredContent::default(),
                model: StoredContent::default(),
                outputs: vec![],
                job_id: Some(id),
            })
            .collect(),
    }
}

/// Writes a small gradient PNG (a sun over a sea) to `path`.
pub fn write_png(path: &Path, width: u32, height: u32) {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let (cx, cy) = (width as f32 * 0.65, height as f32 * 0.35);
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        if d < height as f32 * 0.15 {
            image::Rgb([250, 210, 80])
        } else if y > height * 6 / 10 {
            image::Rgb([20, 60 + (y * 80 / height) as u8, 120])
        } else {
            image::Rgb([200 - (y * 120 / height) as u8, 120, 160])
        }
    });
    img.save(path).unwrap_or_else(|e| panic!("write png: {e}"));
}

/// An image slot with a halfblocks picker and its resize channel.
pub fn slot() -> (ImageSlot, UnboundedReceiver<ResizeRequest>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (ImageSlot::new(tx), rx)
}

/// Carries out a `LoadPreview` effect inline (as the event loop would, off-thread).
pub fn load_preview(state: &mut AppState, slot: &mut ImageSlot, effects: &[Effect]) {
    for effect in effects {
        if let Effect::LoadPreview(Some(path)) = effect {
            let image =
                super::effects::images::decode(path).unwrap_or_else(|e| panic!("decode: {e}"));
            let size = (image.width(), image.height());
            slot.set(
                path.clone(),
                Picker::halfblocks().new_resize_protocol(image),
            );
            state::update(
                state,
                Msg::PreviewLoaded {
                    path: path.clone(),
                    result: Ok(size),
                },
            );
        }
    }
}

/// Draws the app, running any image resize inline and drawing again, like the loop does.
pub fn draw(
    terminal: &mut Terminal<TestBackend>,
    state: &AppState,
    slot: &mut ImageSlot,
    resizes: &mut UnboundedReceiver<ResizeRequest>,
) {
    draw_in(terminal, state, slot, resizes, &Theme::dark());
}

/// Like `draw`, in `theme`.
pub fn draw_in(
    terminal: &mut Terminal<TestBackend>,
    state: &AppState,
    slot: &mut ImageSlot,
    resizes: &mut UnboundedReceiver<ResizeRequest>,
    theme: &Theme,
) {
    let mut render = |slot: &mut ImageSlot| {
        terminal
            .draw(|f| view::draw(f, state, theme, slot))
            .map(|_| ())
            .unwrap_or_else(|e| panic!("draw: {e}"));
    };
    render(slot);
    let mut resized = false;
    while let Ok(request) = resizes.try_recv() {
        if let Ok(response) = request.resize_encode() {
            resized |= slot.resized(response);
        }
    }
    if resized {
        render(slot);
    }
}
