//! Asks the terminal on stdin/stdout what it can draw (raw mode must be on, and no other
//! reader of stdin started yet). Reading stops at the DA1 answer, so a terminal that
//! answers costs one round trip; one that answers nothing costs at most `PROBE_CAP`.
//! Every byte read that is no answer (keys typed meanwhile) is returned for replay.

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui_image::FontSize;
use ratatui_image::picker::{Picker, ProtocolType};

use super::graphics::{
    Answers, Decision, Protocol, Surroundings, Wants, decide, has_fences, parse, passthrough_probe,
    probe_for,
};

/// The longest a terminal that answers nothing can hold up the start.
pub const PROBE_CAP: Duration = Duration::from_secs(1);

/// Writes the probe for `wants` and reads the answers (and anything typed) until the fence
/// or the cap.
pub fn probe(around: &Surroundings, wants: Wants) -> std::io::Result<Answers> {
    let mut out = std::io::stdout();
    out.write_all(probe_for(wants, around).as_bytes())?;
    let fences = if around.passthrough {
        out.write_all(passthrough_probe(wants).as_bytes())?;
        2
    } else {
        1
    };
    out.flush()?;
    let deadline = Instant::now() + PROBE_CAP;
    let mut read = Vec::new();
    while !has_fences(&read, fences) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || !readable(left) {
            break;
        }
        // Straight from the descriptor: std's buffered stdin could keep bytes the
        // workbench's own reader would then never see.
        let mut chunk = [0u8; 4096];
        // SAFETY: reads at most the chunk's length into the chunk.
        let n = unsafe { libc::read(libc::STDIN_FILENO, chunk.as_mut_ptr().cast(), chunk.len()) };
        if n <= 0 {
            break;
        }
        read.extend_from_slice(&chunk[..n as usize]);
    }
    Ok(parse(&read))
}

/// Waits up to `timeout` for stdin to have bytes.
fn readable(timeout: Duration) -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one valid pollfd, its count, a finite timeout.
    let ready = unsafe { libc::poll(&mut fd, 1, millis) };
    ready > 0 && fd.revents & libc::POLLIN != 0
}

/// What the probe found: the picker to draw with, why, the terminal's background and the
/// keys typed meanwhile.
pub struct Detected {
    pub picker: Picker,
    pub decision: Decision,
    /// The background colour the terminal reported (OSC 11), when it was asked and answered.
    pub background: Option<(u8, u8, u8)>,
    pub typed: Vec<u8>,
}

/// How the images are to be drawn: asked of the terminal, or forced (`source` names where
/// the forced choice came from, for the `images:` line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawing {
    /// Ask the terminal.
    Detect,
    /// This protocol, whatever the terminal says.
    Forced(Protocol, &'static str),
}

/// Probes the terminal once for what the caller needs to know (raw mode on, no other stdin
/// reader yet): its graphics (unless `drawing` is forced) and its background (when
/// `background`); a forced protocol without a background question asks nothing. `tmux`:
/// the terminal is reached through tmux (`Env::in_tmux`).
pub fn detect(drawing: Drawing, background: bool, tmux: bool) -> Detected {
    let wants = Wants {
        graphics: drawing == Drawing::Detect,
        background,
    };
    let around = Surroundings {
        tmux,
        passthrough: wants.any() && tmux && tmux_passes_through(),
    };
    let answers = if wants.any() {
        probe(&around, wants).unwrap_or_else(|e| {
            tracing::warn!("terminal probe failed: {e}");
            Answers::default()
        })
    } else {
        Answers::default()
    };
    let decision = match drawing {
        Drawing::Detect => decide(&answers, &around),
        Drawing::Forced(protocol, source) => Decision {
            protocol,
            reason: format!("forced by {source}"),
        },
    };
    Detected {
        picker: picker_for(decision.protocol, answers.cell),
        decision,
        background: answers.background,
        typed: answers.typed,
    }
}

/// Whether the tmux we run in has `allow-passthrough` on (asked of tmux itself).
fn tmux_passes_through() -> bool {
    std::process::Command::new("tmux")
        .args(["show-options", "-gqv", "allow-passthrough"])
        .output()
        .is_ok_and(|out| {
            let value = String::from_utf8_lossy(&out.stdout);
            matches!(value.trim(), "on" | "all")
        })
}

/// The cell size assumed when the terminal tells none: 1:2, which halfblocks draw square.
pub const ASSUMED_CELL: (u16, u16) = (10, 20);

/// A picker drawing with `protocol` at the terminal's real cell size: the terminal's
/// answer, else the window's pixel size from the ioctl. Without either, pixel protocols
/// fall back to halfblocks and halfblocks assume a 1:2 cell.
pub fn picker_for(protocol: Protocol, cell: Option<(u16, u16)>) -> Picker {
    let kind = match protocol {
        Protocol::Halfblocks => ProtocolType::Halfblocks,
        Protocol::Kitty => ProtocolType::Kitty,
        Protocol::Sixel => ProtocolType::Sixel,
        Protocol::Iterm2 => ProtocolType::Iterm2,
    };
    let known = cell.or_else(cell_from_window);
    if known.is_none() && kind != ProtocolType::Halfblocks {
        return Picker::halfblocks();
    }
    picker_with_cell(kind, known.unwrap_or(ASSUMED_CELL))
}

/// A picker for `kind` at a known cell size in pixels (width, height).
pub fn picker_with_cell(kind: ProtocolType, (width, height): (u16, u16)) -> Picker {
    // The one constructor that takes a known cell size (the query it would replace is ours).
    #[allow(deprecated)]
    let mut picker = Picker::from_fontsize(FontSize::new(width.max(1), height.max(1)));
    picker.set_protocol_type(kind);
    picker
}

/// `image` fitted into `area` (cells) and encoded for `picker`'s protocol exactly as the
/// workbench's Preview does (the resizing protocol, encoded once for the fitted size), as
/// a fixed protocol for views that draw a finished image: the review grid's previews.
pub fn fitted(
    picker: &Picker,
    image: image::DynamicImage,
    area: ratatui::layout::Size,
) -> Option<ratatui_image::protocol::Protocol> {
    use ratatui_image::protocol::{Protocol as Drawn, StatefulProtocolType as Kind};
    use ratatui_image::{Resize, ResizeEncodeRender};
    if area.width == 0 || area.height == 0 {
        return None;
    }
    let resize = Resize::Fit(None);
    if picker.protocol_type() == ProtocolType::Kitty {
        // kitty's resizing protocol is a different type; its fixed one encodes the same pixels.
        return picker.new_protocol(image, area, resize).ok();
    }
    let mut stateful = picker.new_resize_protocol(image);
    let size = stateful.size_for(resize.clone(), area);
    stateful.resize_encode(&resize, size);
    stateful.last_encoding_result()?.ok()?;
    match stateful.protocol_type_owned() {
        Kind::Halfblocks(h) => Some(Drawn::Halfblocks(h)),
        Kind::Sixel(s) => Some(Drawn::Sixel(s)),
        Kind::ITerm2(i) => Some(Drawn::ITerm2(i)),
        Kind::Kitty(_) => None,
    }
}

/// The cell size from the window's pixel size (TIOCGWINSZ), when the terminal fills it in.
fn cell_from_window() -> Option<(u16, u16)> {
    let ws = crossterm::terminal::window_size().ok()?;
    (ws.width > 0 && ws.height > 0 && ws.columns > 0 && ws.rows > 0)
        .then(|| (ws.width / ws.columns, ws.height / ws.rows))
        .filter(|(w, h)| *w > 0 && *h > 0)
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Size;
    use ratatui_image::Resize;

    use super::*;

    /// The pixel size a 1:1 image is drawn at in a 60×20-cell area, with cells of `cell`.
    fn drawn_square(kind: ProtocolType, cell: (u16, u16)) -> (f64, f64) {
        let picker = picker_with_cell(kind, cell);
        let image = image::DynamicImage::new_rgb8(1024, 1024);
        let protocol = picker.new_resize_protocol(image);
        let cells = protocol.size_for(Resize::Fit(None), Size::new(60, 20));
        (
            f64::from(cells.width) * f64::from(cell.0),
            f64::from(cells.height) * f64::from(cell.1),
        )
    }

    #[test]
    fn a_square_image_is_drawn_square_at_the_real_cell_size() {
        // kitty's 9×20 cells, xterm's 6×13, a 1:2 cell, and tmux's unknown (assumed 1:2).
        for cell in [(9, 20), (6, 13), (10, 20), (8, 17)] {
            for kind in [
                ProtocolType::Halfblocks,
                ProtocolType::Sixel,
                ProtocolType::Kitty,
            ] {
                let (w, h) = drawn_square(kind, cell);
                let off = (w / h - 1.0).abs();
                assert!(
                    off <= 0.03,
                    "{kind:?} with {cell:?} cells draws {w}×{h} px ({:.1} % off)",
                    off * 100.0
                );
            }
        }
        // The old fixed 10×20 halfblocks picker in kitty's 9×20 cells: 11 % too tall.
        let (cells_w, cells_h) = {
            let picker = Picker::halfblocks();
            let p = picker.new_resize_protocol(image::DynamicImage::new_rgb8(1024, 1024));
            let s = p.size_for(Resize::Fit(None), Size::new(60, 20));
            (f64::from(s.width), f64::from(s.height))
        };
        assert!((cells_h * 20.0) / (cells_w * 9.0) > 1.08);
    }

    #[test]
    fn without_a_known_cell_pixel_protocols_fall_back_and_halfblocks_assume_1_to_2() {
        let picker = picker_with_cell(ProtocolType::Halfblocks, ASSUMED_CELL);
        assert_eq!(picker.protocol_type(), ProtocolType::Halfblocks);
        assert_eq!(
            (picker.font_size().width, picker.font_size().height),
            ASSUMED_CELL
        );
        let sixel = picker_with_cell(ProtocolType::Sixel, (9, 20));
        assert_eq!(sixel.protocol_type(), ProtocolType::Sixel);
    }
}

#[cfg(test)]
mod fitted_tests {
    use ratatui::layout::Size;
    use ratatui_image::protocol::Protocol as Drawn;

    use super::*;

    #[test]
    fn a_review_preview_is_encoded_for_the_picker_within_its_area() {
        let image = image::DynamicImage::new_rgb8(1024, 1024);
        let area = Size::new(60, 30);
        let sixel = fitted(
            &picker_with_cell(ProtocolType::Sixel, (9, 20)),
            image.clone(),
            area,
        );
        let Some(Drawn::Sixel(_)) = sixel else {
            panic!("a sixel picker gives sixel");
        };
        let halfblocks = fitted(
            &picker_with_cell(ProtocolType::Halfblocks, (9, 20)),
            image.clone(),
            area,
        );
        assert!(matches!(halfblocks, Some(Drawn::Halfblocks(_))));
        assert!(fitted(&Picker::halfblocks(), image, Size::new(0, 5)).is_none());
    }
}
