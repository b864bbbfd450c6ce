//! Whole-app snapshots through the real `update` and `draw`, at 80×24, 120×40 and 200×60.

use std::path::Path;
use std::time::Duration;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::msg::Msg;
use super::state::{AppState, update};
use super::testkit::{self, ctrl, done, key, queued, type_text};
use crate::api::error::ApiError;
use crate::studio::{StudioError, StudioEvent};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 60)];

fn snapshot(name: &str, width: u16, height: u16, build: impl Fn(&mut AppState, &Path)) {
    let terminal = screen(
        width,
        height,
        &build,
        &crate::terminal::theme::Theme::dark(),
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"…?[/\w.\-]*/sun\.png", "[tmp]/sun.png");
    settings.set_snapshot_suffix(format!("{width}x{height}"));
    settings.bind(|| insta::assert_snapshot!(name, terminal.backend()));
}

/// The app built by `build`, drawn in `theme`.
fn screen(
    width: u16,
    height: u16,
    build: &dyn Fn(&mut AppState, &Path),
    theme: &crate::terminal::theme::Theme,
) -> Terminal<TestBackend> {
    let dir = tempfile::tempdir().unwrap();
    let mut state = testkit::state(width, height);
    build(&mut state, dir.path());
    let (mut slot, mut resizes) = testkit::slot();
    let effects = update(&mut state, Msg::Tick);
    testkit::load_preview(&mut state, &mut slot, &effects);
    if let Some(path) = state.preview.path.clone()
        && slot.path() != Some(&path)
    {
        testkit::load_preview(
            &mut state,
            &mut slot,
            &[super::msg::Effect::LoadPreview(Some(path))],
        );
    }
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    testkit::draw_in(&mut terminal, &state, &mut slot, &mut resizes, theme);
    terminal
}

/// Builds a screen's state.
type Build = fn(&mut AppState, &Path);

/// Every character of every screen below reads at WCAG AA in every shipped theme (text
/// 4.5:1, muted hints 3:1), on the terminal's default backgrounds for the theme's kind:
/// selected rows, the status bar, dialogs and F1 included.
#[test]
fn every_screen_reads_in_every_theme() {
    let screens: [(&str, Build); 10] = [
        ("empty", |_, _| {}),
        ("typing", typing),
        ("running", running),
        ("failed", failed),
        ("roster", roster),
        ("edit session", edit_session),
        ("help", help),
        ("preset", preset_departing),
        ("request", request_shown),
        ("batch", batch_running),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (theme_name, _) in crate::terminal::theme::SHIPPED {
        let theme = crate::terminal::theme::Theme::load(theme_name, dir.path(), false).unwrap();
        for (name, build) in screens {
            for (w, h) in [(80, 24), (120, 40)] {
                let terminal = screen(w, h, &build, &theme);
                let bad = theme.unreadable(terminal.backend().buffer(), &[]);
                assert!(
                    bad.is_empty(),
                    "{theme_name}: {name} at {w}x{h}: {} cells below AA, first {:?}\n{}",
                    bad.len(),
                    &bad[..bad.len().min(8)],
                    terminal.backend()
                );
            }
        }
    }
}

fn typing(s: &mut AppState, _: &Path) {
    type_text(
        s,
        "a lighthouse on a cliff at dusk, storm clouds, warm light in the window",
    );
    update(s, key(KeyCode::Enter));
    type_text(s, "wide shot, film grain");
    update(s, key(KeyCode::F(3)));
    update(s, key(KeyCode::F(4)));
}

fn running(s: &mut AppState, dir: &Path) {
    let image = dir.join("sun.png");
    testkit::write_png(&image, 320, 180);
    let t0 = s.now;
    update(
        s,
        Msg::Studio(queued(1, "a sunset over a quiet sea, long exposure", 1234)),
    );
    update(
        s,
        Msg::Studio(queued(2, "a red fox in fresh snow, golden hour", 77)),
    );
    update(
        s,
        Msg::Studio(queued(3, "a lighthouse on a cliff at dusk", 78)),
    );
    update(
        s,
        Msg::Studio(queued(
            4,
            "portrait of an old sailor, rembrandt lighting",
            79,
        )),
    );
    s.now = t0 + Duration::from_millis(3200);
    update(s, Msg::Studio(done(1, &image, 3.2)));
    update(s, Msg::Studio(StudioEvent::Sending { id: 2, attempt: 1 }));
    update(
        s,
        Msg::Studio(StudioEvent::Retrying {
            id: 3,
            next_attempt: 2,
            delay: Duration::from_secs(4),
            reason: "rate limited by the service (retry in 4 s)".into(),
        }),
    );
    s.now = t0 + Duration::from_millis(4200);
    s.jobs.select_id(1);
    update(s, key(KeyCode::Tab));
}

fn failed(s: &mut AppState, _: &Path) {
    type_text(s, "a portrait of a famous cartoon mouse");
    update(s, ctrl('g'));
    update(
        s,
        Msg::Studio(queued(7, "a portrait of a famous cartoon mouse", 5)),
    );
    update(
        s,
        Msg::Studio(StudioEvent::Failed {
            id: 7,
            error: StudioError::Api(ApiError::BillingRequired {
                model: "gemini-3.1-flash-image".into(),
                fix: crate::api::error::GEMINI_BILLING_FIX.into(),
            }),
            elapsed: Duration::from_millis(800),
        }),
    );
}

fn roster(s: &mut AppState, _: &Path) {
    use crate::studio::{Anchor, AnchorKind};
    let anchor = |id, name: &str, kind, description: &str, refs: usize, in_shot| Anchor {
        id,
        name: name.into(),
        kind,
        description: description.into(),
        refs: (0..refs)
            .map(|i| format!("/refs/{name}-{i}.png").into())
            .collect(),
        pinned: in_shot,
    };
    s.anchors.replace(
        vec![
            anchor(
                1,
                "Mira",
                AnchorKind::Character,
                "red scarf, freckles, short grey hair",
                3,
                true,
            ),
            anchor(
                2,
                "Tomas",
                AnchorKind::Character,
                "tall, round glasses, green coat",
                2,
                true,
            ),
            anchor(
                3,
                "Old Pike",
                AnchorKind::Character,
                "fisherman, white beard",
                1,
                false,
            ),
            anchor(
                4,
                "Brass lamp",
                AnchorKind::Object,
                "brass, green glass shade",
                1,
                true,
            ),
        ],
        None,
    );
    update(
        s,
        Msg::Key(crossterm::event::KeyEvent::new(
            KeyCode::BackTab,
            crossterm::event::KeyModifiers::SHIFT,
        )),
    );
    update(s, key(KeyCode::Down));
}

fn edit_session(s: &mut AppState, dir: &Path) {
    let image = dir.join("sun.png");
    testkit::write_png(&image, 320, 180);
    update(
        s,
        Msg::Studio(queued(1, "a lighthouse on a cliff at dusk", 5)),
    );
    update(s, Msg::Studio(testkit::done_turn(1, &image, "5f3a9c21", 1)));
    update(s, Msg::Studio(queued(2, "make the sky stormy", 6)));
    update(s, Msg::Studio(testkit::done_turn(2, &image, "5f3a9c21", 2)));
    let session = testkit::session("5f3a9c21", &[(1, None), (3, Some(1)), (2, Some(1))]);
    update(s, Msg::SessionLoaded(Ok(session)));
    s.jobs.select_id(2);
}

fn help(s: &mut AppState, _: &Path) {
    s.images_line = "images: halfblocks (the terminal did not answer the graphics query; set --image-protocol or [tui] image_protocol)".into();
    s.theme_line = "theme: light (auto: the terminal's background is #ffffff)".into();
    update(s, key(KeyCode::F(1)));
}

#[test]
fn edit_session_turn_strip() {
    for (w, h) in SIZES {
        snapshot("edit_session", w, h, edit_session);
    }
}

#[test]
fn empty() {
    for (w, h) in SIZES {
        snapshot("empty", w, h, |_, _| {});
    }
}

#[test]
fn typing_prompt() {
    for (w, h) in SIZES {
        snapshot("typing", w, h, typing);
    }
}

#[test]
fn jobs_running() {
    for (w, h) in SIZES {
        snapshot("jobs_running", w, h, running);
    }
}

#[test]
fn job_failed() {
    for (w, h) in SIZES {
        snapshot("job_failed", w, h, failed);
    }
}

#[test]
fn anchors_focused() {
    for (w, h) in SIZES {
        snapshot("anchors", w, h, roster);
    }
}

#[test]
fn help_open() {
    for (w, h) in SIZES {
        snapshot("help_open", w, h, help);
    }
}

fn preset_departing(s: &mut AppState, _: &Path) {
    use crate::settings::SettingsLayer;
    use crate::studio::preset::{Preset, PresetSource};
    s.presets = vec![Preset {
        name: "product-hero".into(),
        settings: SettingsLayer {
            model: Some("nano-banana-pro".into()),
            aspect: Some("4:5".into()),
            size: Some("2K".into()),
            ..SettingsLayer::default()
        },
        source: PresetSource::Project,
        file: "peel.toml".into(),
    }];
    update(s, key(KeyCode::F(10)));
    update(s, key(KeyCode::Enter));
    update(s, key(KeyCode::F(4)));
    type_text(s, "a ceramic mug on oak, poster that says SALE today, 16:9");
}

fn request_shown(s: &mut AppState, _: &Path) {
    use crate::studio::outline::{OutlinePart, PartKind, RequestOutline};
    type_text(s, "make the sky more orange");
    update(s, key(KeyCode::F(9)));
    let part = |kind, text: &str| OutlinePart {
        kind,
        text: text.into(),
    };
    let outline = RequestOutline {
        settings:
            "gemini-3.1-flash-image · ratio 16:9 · 1K · seed random · thinking auto · search off"
                .into(),
        anchors: vec!["Mira".into()],
        replayed: vec![
            "turn 1 · you · \"Mira waves from a pier at dawn\" · 1 image".into(),
            "turn 1 · model · 1 image · 1 thought part(s) · signature sent back".into(),
        ],
        parts: vec![
            part(PartKind::Text, "make the sky more orange"),
            part(
                PartKind::Text,
                "Mira (character): orange puffer jacket, natural hair.",
            ),
            part(PartKind::Text, "Image 1 shows Mira (character)."),
            part(PartKind::Image, "image 1 · image/png · 1.2 MB"),
            part(PartKind::Text, "consistent subjects: Mira"),
        ],
        images: 3,
        inline_bytes: 3_500_000,
    };
    update(s, Msg::Composed(Ok(outline)));
}

fn batch_running(s: &mut AppState, _: &Path) {
    use crate::studio::batch::interactive::BatchEvent;
    update(
        s,
        Msg::Batch(BatchEvent::Started {
            run: 7,
            dir: "/out/batch_20261121_101500".into(),
            total: 40,
            done: 0,
            recovered: 0,
            spent_usd: 0.0,
        }),
    );
    for (job, key) in [(11, "fox-red"), (12, "fox-blue"), (13, "owl-dusk")] {
        update(
            s,
            Msg::Batch(BatchEvent::ItemStarted {
                index: (job - 10) as usize,
                key: key.into(),
                job,
            }),
        );
        update(
            s,
            Msg::Studio(queued(job, &format!("{key}, watercolor"), 5)),
        );
    }
    update(s, Msg::Studio(StudioEvent::Sending { id: 13, attempt: 1 }));
    update(
        s,
        Msg::Batch(BatchEvent::ItemDone {
            index: 1,
            key: "fox-red".into(),
            files: vec![],
            cost_usd: 0.067,
        }),
    );
}

#[test]
fn preset_with_departures_and_prompt_notes() {
    for (w, h) in SIZES {
        snapshot("preset_departing", w, h, preset_departing);
    }
}

#[test]
fn request_overlay() {
    snapshot("request_shown", 120, 40, request_shown);
}

#[test]
fn batch_items_in_the_jobs_pane() {
    snapshot("batch_running", 120, 40, batch_running);
}

/// F1 at 160 columns (two help columns, each a little narrow): rows that do not fit end in
/// an ellipsis instead of being cut mid-word.
#[test]
fn help_rows_cut_at_160_columns_end_in_an_ellipsis() {
    let terminal = screen(160, 50, &help, &crate::terminal::theme::Theme::dark());
    let text = terminal.backend().to_string();
    assert!(
        text.contains("an image path attaches…"),
        "the cut row ends in …:\n{text}"
    );
    assert!(!text.contains("attaches i┃"), "{text}");
}
