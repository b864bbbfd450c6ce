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
use crate::studio::consistency::{AnchorScore, Consistency};

fn tiles() -> Vec<Tile> {
    (1..=8)
        .map(|i| Tile {
            file: format!("{i:03}_fox-{i}.png"),
            path: format!("/nowhere/{i:03}_fox-{i}.png").into(),
            index: i,
            key: format!("fox-{i}"),
            prompt: format!("a red fox number {i} in fresh snow, watercolor"),
            settings: "gemini-nano-banana-2.1 · 1:1 · 1K · seed 7".into(),
            mark: match i {
                1 => Some(Mark::Star),
                2 => Some(Mark::Reject),
                4 => Some(Mark::Keep),
                _ => None,
            },
            consistency: None,
            outcome: std::cell::OnceCell::from(format!("flex · {i}.5 s · $0.017 (simulated)")),
        })
        .collect()
}

fn screen(state: &mut ReviewState, width: u16, height: u16) -> String {
    screen_of(state, width, height, false)
}

fn screen_of(state: &mut ReviewState, width: u16, height: u16, strip: bool) -> String {
    drawn(
        state,
        (width, height),
        strip,
        &crate::terminal::theme::Theme::dark(),
    )
    .backend()
    .to_string()
}

/// The screen drawn in `theme`, as a terminal to read text and colours from.
fn drawn(
    state: &mut ReviewState,
    (width, height): (u16, u16),
    strip: bool,
    theme: &crate::terminal::theme::Theme,
) -> Terminal<TestBackend> {
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
        theme,
    };
    terminal.draw(|f| draw(f, state, &ctx)).unwrap();
    terminal
}

/// The mark drawn just before `name` on the screen's rows ('?' when the name is not shown).
fn mark_before(screen: &str, name: &str) -> char {
    screen
        .lines()
        .find_map(|line| {
            let at = line.find(name)?;
            let before: Vec<char> = line[..at].chars().collect();
            // "<mark> <name>": the mark sits two columns left of its own name.
            (before.len() >= 2 && before[before.len() - 1] == ' ').then(|| before[before.len() - 2])
        })
        .unwrap_or('?')
}

/// Items 1, 2 and 3 marked star, reject and keep: each mark is read right before its own
/// caption, in the grid and in a story's strip, at every terminal width.
#[test]
fn every_mark_sits_on_its_own_thumbnail_at_every_width() {
    let marked = || -> Vec<Tile> {
        tiles()
            .into_iter()
            .map(|mut t| {
                t.mark = match t.index {
                    1 => Some(Mark::Star),
                    2 => Some(Mark::Reject),
                    3 => Some(Mark::Keep),
                    _ => None,
                };
                t
            })
            .collect()
    };
    let expected = [('★', "001_fox-1"), ('✗', "002_fox-2"), ('✓', "003_fox-3")];
    for strip in [false, true] {
        for width in (24..=200).step_by(7) {
            let mut state = ReviewState::new(marked());
            let screen = screen_of(&mut state, width, 40, strip);
            let (columns, _) =
                ReviewLayout::for_folder(ratatui::layout::Rect::new(0, 0, width, 40), strip)
                    .grid_shape();
            for (i, (mark, name)) in expected.iter().enumerate() {
                if i >= columns {
                    break;
                }
                assert_eq!(
                    mark_before(&screen, name),
                    *mark,
                    "{name} at width {width} (strip: {strip}):\n{screen}"
                );
            }
            let unmarked = mark_before(&screen, "004_fox-4");
            assert!(
                unmarked == ' ' || unmarked == '?',
                "item 4 is unmarked at width {width}: {unmarked:?}\n{screen}"
            );
        }
    }
}

/// Every character the review screen draws reads at WCAG AA in every shipped theme:
/// captions, marks, score badges, details, the key list and the status line.
#[test]
fn the_review_screen_reads_in_every_theme() {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in crate::terminal::theme::SHIPPED {
        let theme = crate::terminal::theme::Theme::load(name, dir.path(), false).unwrap();
        let mut tiles = tiles();
        tiles[2].consistency = Some(Consistency {
            model: "gemini-3.5-flash".into(),
            anchors: vec![AnchorScore {
                name: "Mira".into(),
                score: 41,
                note: "drifted".into(),
            }],
        });
        let mut state = ReviewState::new(tiles);
        state.set_grid(3, 2);
        state.update(Action::Right);
        state.update(Action::Right);
        let grid = drawn(&mut state, (100, 24), false, &theme);
        let bad = theme.unreadable(grid.backend().buffer(), &[]);
        assert!(bad.is_empty(), "{name}, grid: {bad:?}");
        let strip = drawn(&mut state, (120, 30), true, &theme);
        let bad = theme.unreadable(strip.backend().buffer(), &[]);
        assert!(bad.is_empty(), "{name}, strip: {bad:?}");
        state.update(Action::Keys);
        let keys = drawn(&mut state, (80, 24), false, &theme);
        let bad = theme.unreadable(keys.backend().buffer(), &[]);
        assert!(bad.is_empty(), "{name}, keys: {bad:?}");
    }
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
