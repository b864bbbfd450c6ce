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
    let (tx, _rx) = mpsc::unbounded_channel();
    let dir = tempfile::tempdir().unwrap();
    let loader = Loader::start(Picker::halfblocks(), ThumbCache::new(dir.path()), tx);
    let layout = ReviewLayout::new(ratatui::layout::Rect::new(0, 0, width, height));
    let (columns, rows) = layout.grid_shape();
    state.set_grid(columns, rows);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let ctx = ViewCtx {
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
