//! The whole review screen drawn on a `TestBackend`, compared with snapshots.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui_image::picker::Picker;
use tokio::sync::mpsc;

use super::layout::ReviewLayout;
use super::loader::Loader;
use super::state::{Action, ReviewState};
use super::tiles::Tile;
use super::view::{ViewCtx, draw};
use crate::imaging::thumbs::ThumbCache;
use crate::studio::batch::manifest::Mark;
use crate::studio::check::{AnchorScore, Consistency};

fn tiles() -> Vec<Tile> {
    (1..=8)
        .map(|i| Tile {
            file: format!("{i:03}_fox-{i}.png"),
            path: format!("/nowhere/{i:03}_fox-{i}.png").into(),
            index: i,
            key: format!("fox-{i}"),
            prompt: format!("a red fox number {i} in fresh snow, watercolor"),
            settings: "gemini-3.1-flash-image · 1:1 · 1K · seed 7".into(),
            mark: match i {
                1 => Some(Mark::Star),
                2 => Some(Mark::Reject),
                4 => Some(Mark::Keep),
                _ => None,
            },
            consistency: None,
        })
        .collect()
}

fn screen(state: &mut ReviewState, width: u16, height: u16) -> String {
    screen_of(state, width, height, false)
}

fn screen_of(state: &mut ReviewState, width: u16, height: u16, strip: bool) -> String {
    let (tx, _rx) = mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let loader = Loader::start(Picker::halfblocks(), ThumbCache::new(dir.path()), tx);
    let area = ratatui::layout::Rect::new(0, 0, width, height);
    let layout = ReviewLayout::for_folder(area, strip);
    let (columns, rows) = layout.grid_shape();
    state.set_grid(columns, rows);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let ctx = ViewCtx {
        layout: &layout,
        title: "batch_20261121_101548",
        loader: &loader,
        previews: &[],
    };
    terminal.draw(|f| draw(f, state, &ctx)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn grid_details_and_status() {
    let mut state = ReviewState::new(tiles());
    state.set_grid(3, 2);
    state.update(Action::Right);
    insta::assert_snapshot!(screen(&mut state, 100, 24));
}

#[test]
fn starred_filter_on_a_narrow_terminal() {
    let mut state = ReviewState::new(tiles());
    state.update(Action::Filter);
    insta::assert_snapshot!(screen(&mut state, 60, 20));
}

#[test]
fn compare_and_the_edit_prompt() {
    let mut state = ReviewState::new(tiles());
    state.set_grid(3, 2);
    state.update(Action::Compare);
    state.update(Action::Right);
    state.update(Action::Compare);
    insta::assert_snapshot!("compare", screen(&mut state, 80, 16));
    state.update(Action::Back);
    state.update(Action::Edit);
    for c in "warmer light".chars() {
        state.type_char(c);
    }
    let text = screen(&mut state, 100, 24);
    assert!(
        text.contains("edit from here — what should change?"),
        "{text}"
    );
    assert!(text.contains("warmer light▏"), "{text}");
}

#[test]
fn f1_lists_every_key() {
    let mut state = ReviewState::new(tiles());
    state.update(Action::Keys);
    insta::assert_snapshot!(screen(&mut state, 80, 24));
}

/// A story of five frames, checked: frame 3 drifted (red 41), the others held (green).
#[test]
fn a_checked_story_is_a_strip_with_score_badges_and_the_drifted_filter() {
    let frames: Vec<Tile> = tiles()
        .into_iter()
        .take(5)
        .map(|mut t| {
            t.file = format!("{:02}_shot-{}.png", t.index, t.index);
            t.mark = None;
            let (score, note) = if t.index == 3 {
                (41, "drifted: the red scarf is gone")
            } else {
                (90 + t.index as u8, "keeps the reference's look")
            };
            t.consistency = Some(Consistency {
                model: "gemini-3.5-flash".into(),
                anchors: vec![AnchorScore {
                    name: "Mira".into(),
                    score,
                    note: note.into(),
                }],
            });
            t
        })
        .collect();
    let mut state = ReviewState::new(frames);
    state.update(Action::Right);
    state.update(Action::Right);
    let strip = screen_of(&mut state, 120, 30, true);
    insta::assert_snapshot!("story_strip", strip);
    assert!(
        strip.contains("Mira  41 drifted: the red scarf is gone"),
        "{strip}"
    );
    for _ in 0..5 {
        state.update(Action::Filter);
    }
    assert_eq!(state.filter.as_str(), "drifted");
    assert_eq!(state.shown, vec![2], "only frame 3 drifted");
    let drifted = screen_of(&mut state, 120, 30, true);
    assert!(
        drifted.contains("story · batch_20261121_101548 · 1/1 · drifted"),
        "{drifted}"
    );
}
