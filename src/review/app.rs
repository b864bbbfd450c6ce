//! The review loop: await one message, drain the rest, draw once (in a synchronized
//! update), and draw nothing while idle. Effects (marks, re-runs) run here, not in state.

use std::io::Write;
use std::path::PathBuf;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures::StreamExt;
use ratatui::layout::{Rect, Size};
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use tokio::sync::mpsc;

use super::keys::{action_for, char_for};
use super::layout::ReviewLayout;
use super::loader::{Loaded, Loader};
use super::state::{Effect, ReviewState};
use super::tiles::Folder;
use super::view::{ViewCtx, draw};
use super::{Look, RerunDone, ReviewExit, ReviewOptions, strings};
use crate::imaging::thumbs::ThumbCache;
use crate::studio::check::CheckReport;
use crate::studio::consistency::Consistency;
use crate::terminal::graphics::Protocol as Drawing;
use crate::terminal::probe;
use crate::terminal::theme::Theme;

/// Runs the review screen until the user leaves, taking the terminal and giving it back.
pub async fn run(opts: ReviewOptions, look: Look) -> Result<ReviewExit, String> {
    Folder::open(&opts.dir)?;
    let mut terminal = ratatui::init();
    // Keys typed during the probe have no prompt to go to here.
    let detected = probe::detect(
        drawing(&opts.image_protocol),
        look.themes.asks_terminal(),
        look.in_tmux,
    );
    let (theme, _) = look
        .themes
        .pick(detected.background, look.colorfgbg.as_deref());
    let result = run_on(&mut terminal, detected.picker, &theme, opts).await;
    ratatui::restore();
    result
}

/// Runs the review screen on a terminal that is already set up (the workbench's), and
/// leaves it as it is.
pub async fn run_on(
    terminal: &mut ratatui::DefaultTerminal,
    picker: Picker,
    theme: &Theme,
    opts: ReviewOptions,
) -> Result<ReviewExit, String> {
    let mut folder = Folder::open(&opts.dir)?;
    let title = opts
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut events = EventStream::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut loader = Loader::start(picker, ThumbCache::new(&opts.thumbs_dir), tx);
    let mut state = ReviewState::new(folder.tiles.clone());
    state.warn_below = opts.warn_below;
    state.refilter();
    let mut reruns = opts.reruns;
    let mut promotions = opts.promotions;
    let mut checks = opts.checks;
    let mut previews: Vec<Protocol> = Vec::new();
    let mut preview_key: Option<(Vec<usize>, Size)> = None;
    let mut exit = ReviewExit::Quit;
    let mut dirty = true;
    loop {
        if dirty {
            let area = terminal
                .size()
                .map(|s| Rect::new(0, 0, s.width, s.height))
                .unwrap_or_default();
            let layout = ReviewLayout::for_folder(area, folder.story);
            sync(
                &mut state,
                &mut loader,
                (area, &layout),
                &mut preview_key,
                &mut previews,
            );
            let ctx = ViewCtx {
                title: &title,
                loader: &loader,
                previews: &previews,
                layout: &layout,
                theme,
            };
            let mut out = std::io::stdout();
            let _ = crossterm::execute!(out, crossterm::terminal::BeginSynchronizedUpdate);
            let drawn = terminal.draw(|f| draw(f, &state, &ctx));
            let _ = crossterm::execute!(out, crossterm::terminal::EndSynchronizedUpdate);
            let _ = out.flush();
            if let Err(e) = drawn {
                return Err(format!("cannot draw: {e}"));
            }
            dirty = false;
        }
        let mut effects = Vec::new();
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind != KeyEventKind::Release => {
                    if state.input.is_some() {
                        if let Some(c) = char_for(key) {
                            effects = state.type_char(c);
                        }
                    } else if let Some(action) = action_for(key) {
                        effects = state.update(action);
                    }
                    dirty = true;
                }
                Some(Ok(Event::Resize(..))) => {
                    loader.clear();
                    preview_key = None;
                    dirty = true;
                }
                Some(Ok(Event::Paste(text))) if state.input.is_some() => {
                    for c in text.chars().filter(|c| !c.is_control()) {
                        effects.extend(state.type_char(c));
                    }
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
            Some(msg) = rx.recv() => {
                apply(msg, &mut loader, &mut previews);
                while let Ok(more) = rx.try_recv() {
                    apply(more, &mut loader, &mut previews);
                }
                dirty = true;
            }
            Some(done) = recv_promoted(&mut promotions) => {
                state.status = match done {
                    Ok(dir) => format!("promoted: {dir}"),
                    Err(e) => format!("promote failed: {e}"),
                };
                dirty = true;
            }
            Some(done) = recv_checked(&mut checks) => {
                state.status = match done {
                    Ok(report) => {
                        let mut failed = None;
                        for image in report.images {
                            let tile = state.tiles.iter().position(|t| t.path == image.path);
                            if let (Some(tile), false) = (tile, image.anchors.is_empty()) {
                                let consistency = Consistency {
                                    model: report.model.clone(),
                                    anchors: image.anchors,
                                };
                                state.checked(tile, consistency.clone());
                                folder.checked(tile, consistency);
                            }
                            failed = failed.or(image.error);
                        }
                        match failed {
                            Some(e) => format!("check failed: {e}"),
                            None => format!("{} · ${:.4}", state.status, report.cost_usd),
                        }
                    }
                    Err(e) => format!("check failed: {e}"),
                };
                dirty = true;
            }
            Some(done) = recv_rerun(&mut reruns) => {
                match done.result {
                    Ok(file) => {
                        folder.add_file(done.index, &file);
                        state.tiles = folder.tiles.clone();
                        state.refilter();
                        loader.clear();
                        state.status = format!("item {} re-ran: {file}", done.index);
                    }
                    Err(e) => state.status = format!("re-run of item {} failed: {e}", done.index),
                }
                dirty = true;
            }
        }
        for effect in effects {
            match effect {
                Effect::SaveMark { tile, mark } => match folder.set_mark(tile, mark) {
                    Ok(()) => {
                        state.marked(tile, mark);
                        state.status = format!(
                            "{} {}",
                            state.tiles[tile].file,
                            mark.map_or("unmarked", |m| m.as_str())
                        );
                    }
                    Err(e) => state.status = format!("could not save the mark: {e}"),
                },
                Effect::Reload => match Folder::open(&opts.dir) {
                    Ok(fresh) => {
                        folder = fresh;
                        state.replace_tiles(folder.tiles.clone());
                        loader.clear();
                        state.status = format!("{} images", state.tiles.len());
                    }
                    Err(e) => state.status = format!("could not reload: {e}"),
                },
                Effect::Rerun { tile } => match &reruns {
                    Some((send, _)) if folder.run.is_some() => {
                        let _ = send.send(state.tiles[tile].index);
                    }
                    _ => state.status = strings::NO_RUN.into(),
                },
                Effect::Check { tiles } => match &checks {
                    Some((send, _)) => {
                        let paths = tiles.iter().map(|t| state.tiles[*t].path.clone()).collect();
                        let _ = send.send(paths);
                    }
                    None => state.status = strings::NO_CHECK.into(),
                },
                Effect::PromotePicks { mark, size } => match &promotions {
                    Some((send, _)) if folder.run.is_some() => {
                        let _ = send.send((mark, size));
                    }
                    _ => state.status = strings::NO_PROMOTE.into(),
                },
                Effect::Promote { tile, name } => {
                    state.status = match &opts.roster {
                        Some(roster) => {
                            super::promote::promote(roster, &state.tiles[tile].path, &name)
                                .unwrap_or_else(|e| format!("could not promote: {e}"))
                        }
                        None => strings::NO_ROSTER.into(),
                    }
                }
                Effect::Edit { tile, instruction } => {
                    exit = ReviewExit::Edit {
                        path: state.tiles[tile].path.clone(),
                        instruction,
                    };
                    state.input = None;
                    return Ok(exit);
                }
                Effect::Quit => {
                    return Ok(exit);
                }
            }
        }
    }
    Ok(exit)
}

async fn recv_promoted(
    promotions: &mut Option<super::Promotions>,
) -> Option<Result<String, String>> {
    match promotions {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_checked(checks: &mut Option<super::Checks>) -> Option<Result<CheckReport, String>> {
    match checks {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn recv_rerun(
    reruns: &mut Option<(
        mpsc::UnboundedSender<usize>,
        mpsc::UnboundedReceiver<RerunDone>,
    )>,
) -> Option<RerunDone> {
    match reruns {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn apply(msg: Loaded, loader: &mut Loader, previews: &mut Vec<Protocol>) {
    match msg {
        Loaded::Thumb { tile, protocol } => loader.store(tile, protocol),
        Loaded::ThumbFailed { tile } => loader.failed(tile),
        Loaded::Preview {
            generation,
            protocols,
        } if generation == loader.generation() => *previews = protocols,
        Loaded::Preview { .. } => {}
    }
}

/// Fits the grid to the screen, asks for visible thumbnails (plus the next row) and the
/// preview of the selection (or the two compared images).
fn sync(
    state: &mut ReviewState,
    loader: &mut Loader,
    (area, layout): (Rect, &ReviewLayout),
    preview_key: &mut Option<(Vec<usize>, Size)>,
    previews: &mut Vec<Protocol>,
) {
    let (columns, rows) = layout.grid_shape();
    state.set_grid(columns, rows);
    let first = state.top_row * columns;
    let visible: Vec<(usize, PathBuf)> = state
        .shown
        .iter()
        .skip(first)
        .take(columns * (rows + 1))
        .map(|t| (*t, state.tiles[*t].path.clone()))
        .collect();
    let (tile_w, tile_h) = layout.tile_size;
    loader.want(&visible, Size::new(tile_w - 1, tile_h.saturating_sub(2)));
    let (tiles, size) = match state.comparing {
        Some((a, b)) => (
            vec![a, b],
            Size::new(
                (area.width / 2).saturating_sub(2),
                area.height.saturating_sub(5),
            ),
        ),
        None => (
            state.selected().into_iter().collect(),
            Size::new(
                layout.preview.width.saturating_sub(2),
                layout.preview.height.saturating_sub(2),
            ),
        ),
    };
    if size.width == 0 || size.height == 0 || tiles.is_empty() {
        previews.clear();
        *preview_key = None;
        return;
    }
    let key = (tiles.clone(), size);
    if preview_key.as_ref() != Some(&key) {
        previews.clear();
        let paths = tiles.iter().map(|t| state.tiles[*t].path.clone()).collect();
        loader.preview(paths, size);
        *preview_key = Some(key);
    }
}

/// How to draw for `choice` (auto, kitty, sixel, iterm2, halfblocks); auto asks the terminal.
fn drawing(choice: &str) -> probe::Drawing {
    let forced = match choice {
        "halfblocks" => Drawing::Halfblocks,
        "kitty" => Drawing::Kitty,
        "sixel" => Drawing::Sixel,
        "iterm2" => Drawing::Iterm2,
        _ => return probe::Drawing::Detect,
    };
    probe::Drawing::Forced(forced, "--image-protocol or [tui] image_protocol")
}
