//! The workbench readable on every terminal from its first second, in a real terminal
//! (tmux): the theme follows the pane's background (tmux answers OSC 11 with its
//! `window-style`), colours read back with `capture-pane -e` meet WCAG AA, the Preview shows
//! the last image with no key pressed, and text typed right after start lands whole.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::sgr::{Rgb, text_contrast};
use common::tmux::Tmux;

/// The light theme's muted colour (hints, timings): 3:1 is enough for it.
const LIGHT_MUTED: Rgb = (0x6e, 0x77, 0x81);
/// The dark theme's muted colour.
const DARK_MUTED: Rgb = (0x7f, 0x87, 0x96);

fn home() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    for dir in ["config", "data", "state", "out"] {
        std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
    }
    std::fs::write(
        root.path().join("config/config.toml"),
        format!(
            "[output]\ndir = \"{}\"\n",
            root.path().join("out").display()
        ),
    )
    .expect("config");
    root
}

/// The shell line that runs the workbench over `root` with `flags`, after `before` (a
/// shell command run in the pane first, e.g. setting its colours).
fn command(root: &Path, before: &str, env: &str, flags: &str) -> String {
    format!(
        "{before} exec env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=0 {env} '{}' {flags} --offline",
        root.join("config").display(),
        root.join("data").display(),
        root.join("state").display(),
        env!("CARGO_BIN_EXE_peel"),
    )
}

fn all_panes(screen: &str) -> bool {
    ["Prompt", "Anchors", "Jobs", "Preview"]
        .iter()
        .all(|pane| screen.contains(pane))
}

/// The pane's colours set with `window-style`, which tmux also answers OSC 11 with.
fn pane_colours(bg: &str, fg: &str) -> String {
    format!("tmux set -w window-style 'bg={bg},fg={fg}';")
}

/// Opens F1, checks the theme line, closes it, and returns every text cell that reads below
/// what it needs (4.5:1, or 3:1 in the muted colour), with the lowest ratio on screen.
fn theme_and_contrast(
    tmux: &Tmux,
    theme_line: &str,
    (fg, bg): (Rgb, Rgb),
    muted: Rgb,
) -> (Vec<String>, f64) {
    tmux.wait_for("the workbench", all_panes);
    tmux.send(&["F1"]);
    tmux.wait_for(&format!("`{theme_line}` in F1"), |s| s.contains(theme_line));
    // F1 itself is drawn in the theme: its text reads too.
    let mut bad = Vec::new();
    let mut lowest = f64::MAX;
    for screen in [tmux.screen_with_colours(), {
        tmux.send(&["Escape"]);
        tmux.wait_for("F1 closed", |s| !s.contains(theme_line) && all_panes(s));
        tmux.screen_with_colours()
    }] {
        for (ch, f, b, r) in text_contrast(&screen, fg, bg) {
            lowest = lowest.min(r);
            let needed = if f == muted { 3.0 } else { 4.5 };
            if r < needed {
                bad.push(format!("'{ch}' {f:?} on {b:?}: {r:.2}"));
            }
        }
    }
    (bad, lowest)
}

#[test]
fn on_a_light_pane_auto_picks_the_light_theme_and_every_text_reads() {
    let root = home();
    let light = pane_colours("#ffffff", "#000000");
    let tmux = Tmux::start("theme-light", &command(root.path(), &light, "", ""));
    let (bad, lowest) = theme_and_contrast(
        &tmux,
        "theme: light (auto: the terminal's background is #ffffff)",
        ((0, 0, 0), (255, 255, 255)),
        LIGHT_MUTED,
    );
    assert!(
        bad.is_empty(),
        "{} cells below AA: {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    eprintln!("light pane, theme auto: lowest contrast on screen {lowest:.2}:1");
    let screen = tmux.screen_with_colours();
    assert!(
        screen.contains("38;2;36;41;47"),
        "the light theme's text colour #24292f is drawn"
    );

    // A forced image protocol still asks the background.
    drop(tmux);
    let forced = Tmux::start(
        "theme-forced",
        &command(root.path(), &light, "", "--image-protocol halfblocks"),
    );
    forced.wait_for("the workbench", all_panes);
    forced.send(&["F1"]);
    forced.wait_for("the light theme despite the forced protocol", |s| {
        s.contains("theme: light (auto") && s.contains("forced by --image-protocol")
    });
}

#[test]
fn on_a_dark_pane_auto_picks_the_dark_theme_and_every_text_reads() {
    let root = home();
    let dark = pane_colours("#1e1e1e", "#d4d4d4");
    let tmux = Tmux::start("theme-dark", &command(root.path(), &dark, "", ""));
    let (bad, lowest) = theme_and_contrast(
        &tmux,
        "theme: dark (auto: the terminal's background is #1e1e1e)",
        ((0xd4, 0xd4, 0xd4), (0x1e, 0x1e, 0x1e)),
        DARK_MUTED,
    );
    assert!(
        bad.is_empty(),
        "{} cells below AA: {:?}",
        bad.len(),
        &bad[..bad.len().min(10)]
    );
    eprintln!("dark pane, theme auto: lowest contrast on screen {lowest:.2}:1");
}

#[test]
fn theme_flag_wins_and_no_color_still_strips() {
    let root = home();
    let light = pane_colours("#ffffff", "#000000");
    let named = Tmux::start(
        "theme-named",
        &command(root.path(), &light, "", "--theme high-contrast"),
    );
    named.wait_for("the workbench", all_panes);
    named.send(&["F1"]);
    named.wait_for("the named theme", |s| {
        s.contains("theme: high-contrast (set by --theme)")
    });
    drop(named);
    let plain = Tmux::start(
        "theme-nocolor",
        &command(root.path(), &light, "NO_COLOR=1", ""),
    );
    plain.wait_for("the workbench", all_panes);
    plain.send(&["F1"]);
    plain.wait_for("the theme line saying NO_COLOR", |s| {
        s.contains("theme: light (auto") && s.contains("NO_COLOR")
    });
    let screen = plain.screen_with_colours();
    assert!(
        !screen.contains("38;2;") && !screen.contains("48;2;"),
        "NO_COLOR draws no colour"
    );
}

fn halfblock_cells(screen: &str) -> usize {
    screen.chars().filter(|c| matches!(c, '▀' | '▄')).count()
}

/// With a finished job in the store and no key pressed at all, the Preview shows its image:
/// with halfblocks forced and with the default `auto` (which in tmux probes, then draws
/// halfblocks). Prints the time from launch to the first image.
#[test]
fn the_preview_shows_the_last_image_with_no_key_pressed() {
    let root = home();
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_peel"))
        .env("PEEL_CONFIG_DIR", root.path().join("config"))
        .env("PEEL_DATA_DIR", root.path().join("data"))
        .env("PEEL_STATE_DIR", root.path().join("state"))
        .env("PEEL_SIM_LATENCY_MS", "0")
        .args(["generate", "a lighthouse on a cliff at dusk", "--offline"])
        .output()
        .expect("peel generate runs");
    assert!(made.status.success(), "{made:?}");
    for (tag, flags) in [
        ("nokey-halfblocks", "--image-protocol halfblocks"),
        ("nokey-auto", ""),
    ] {
        let started = Instant::now();
        let tmux = Tmux::start(tag, &command(root.path(), "", "", flags));
        tmux.wait_for("the image in the Preview, with no key pressed", |s| {
            all_panes(s) && halfblock_cells(s) > 100 && !s.contains("loading image")
        });
        eprintln!(
            "{tag}: first image {:.2} s after launch",
            started.elapsed().as_secs_f64()
        );
    }
}

/// At 80×24, text typed 0 to 0.5 s after launch (while peel starts, probes the terminal
/// and draws its first frame) lands whole in the Prompt, twenty launches in a row.
#[test]
fn text_typed_in_the_first_half_second_lands_whole_twenty_times() {
    let root = home();
    let text = "a red fox in the snow";
    for launch in 0..20u64 {
        let tmux = Tmux::start_sized(
            &format!("typed-{launch}"),
            &command(root.path(), "", "", ""),
            (80, 24),
        );
        std::thread::sleep(Duration::from_millis(launch * 500 / 19));
        tmux.send(&["-l", text]);
        let screen = tmux.wait_for(&format!("launch {launch}: the whole text"), |s| {
            all_panes(s) && s.contains(text) && s.contains("21 chars")
        });
        assert!(screen.contains(text), "launch {launch}:\n{screen}");
    }
}
