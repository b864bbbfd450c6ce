//! One workbench frame (update + draw) at 200×60 with 1,000 jobs in the list, and with a
//! 50,000-item batch run streamed through the Jobs pane (it keeps the newest 5,000), an
//! image in the preview. Goal: under 2 ms. And one keystroke into a long prompt.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use peel::terminal::theme::Theme;
use peel::tui::msg::{Effect, Msg};
use peel::tui::state::update;
use peel::tui::testkit;
use peel::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn frame(c: &mut Criterion) {
    frame_with(c, 1_000, false, "tui_frame_200x60_1000_jobs_with_image");
    frame_with(
        c,
        50_000,
        true,
        "tui_frame_200x60_50000_item_run_with_image",
    );
}

/// `jobs` jobs queued (two in three done), tagged as batch items when `batch`.
fn frame_with(c: &mut Criterion, jobs: i64, batch: bool, name: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let image = dir.path().join("frame.png");
    testkit::write_png(&image, 1024, 576);
    let mut state = testkit::state(200, 60);
    for id in 1..=jobs {
        if batch {
            state.jobs.tag(id, format!("{id}·mug-{id}"));
        }
        update(
            &mut state,
            Msg::Studio(testkit::queued(
                id,
                "a lighthouse on a cliff at dusk, storm clouds",
                id,
            )),
        );
        if id % 3 != 0 {
            update(&mut state, Msg::Studio(testkit::done(id, &image, 2.5)));
        }
    }
    let done_job = (1..jobs).rev().find(|id| id % 3 != 0).unwrap_or(1);
    state.jobs.select_id(done_job);
    let (mut slot, mut resizes) = testkit::slot();
    update(&mut state, Msg::Tick);
    let wanted = Effect::LoadPreview(state.preview.path.clone());
    testkit::load_preview(&mut state, &mut slot, &[wanted]);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    testkit::draw(&mut terminal, &state, &mut slot, &mut resizes);
    assert!(slot.path().is_some(), "the preview holds an image");
    let theme = Theme::dark();
    c.bench_function(name, |b| {
        b.iter(|| {
            black_box(update(&mut state, Msg::Tick));
            terminal
                .draw(|f| view::draw(f, &state, &theme, &mut slot))
                .expect("draw");
        })
    });
}

/// One key typed into a long prompt: the editor, the prompt checker (it re-runs on every
/// change) and a full draw. Goal: well under a frame at 60 Hz.
fn keystroke(c: &mut Criterion) {
    let mut state = testkit::state(200, 60);
    let sentence = "a poster that says Grand Opening Sale Today Only for the bakery, 16:9, 4K, ";
    let prompt: String = sentence.repeat(2_000 / sentence.len() + 1);
    testkit::type_text(&mut state, &prompt);
    assert!(!state.prompt.notes.is_empty(), "the checker has notes");
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let (mut slot, _resizes) = testkit::slot();
    let theme = Theme::dark();
    let mut flip = false;
    c.bench_function("tui_keystroke_2000_char_prompt_with_lint", |b| {
        b.iter(|| {
            flip = !flip;
            let key = if flip {
                testkit::key(crossterm::event::KeyCode::Char('x'))
            } else {
                testkit::key(crossterm::event::KeyCode::Backspace)
            };
            black_box(update(&mut state, key));
            terminal
                .draw(|f| view::draw(f, &state, &theme, &mut slot))
                .expect("draw");
        })
    });
}

criterion_group!(benches, frame, keystroke);
criterion_main!(benches);
