//! Asks the terminal on stdin/stdout what it can draw (raw mode must be on, and no other
//! reader of stdin started yet). Reading stops at the DA1 answer, so a terminal that
//! answers costs one round trip; one that answers nothing costs at most `PROBE_CAP`.
//! Every byte read that is no answer (keys typed meanwhile) is returned for replay.

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui_image::FontSize;
use ratatui_image::picker::{Picker, ProtocolType};

use super::graphics::{
    Answers, Decision, PROBE, Protocol, Surroundings, decide, has_fences, parse, passthrough_probe,
};

/// The longest a terminal that answers nothing can hold up the start.
pub const PROBE_CAP: Duration = Duration::from_secs(1);

/// Writes the probe and reads the answers (and anything typed) until the fence or the cap.
pub fn probe(around: &Surroundings) -> std::io::Result<Answers> {
    let mut out = std::io::stdout();
    out.write_all(PROBE.as_bytes())?;
    let fences = if around.passthrough {
        out.write_all(passthrough_probe().as_bytes())?;
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

/// What the probe found: the picker to draw with, why, and the keys typed meanwhile.
pub struct Detected {
    pub picker: Picker,
    pub decision: Decision,
    pub typed: Vec<u8>,
}

/// Probes the terminal and builds the picker it can use.
pub fn detect() -> Detected {
    let tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let around = Surroundings {
        tmux,
        passthrough: tmux && tmux_passes_through(),
    };
    let answers = probe(&around).unwrap_or_else(|e| {
        tracing::warn!("terminal graphics probe failed: {e}");
        Answers::default()
    });
    let decision = decide(&answers, &around);
    Detected {
        picker: picker_for(decision.protocol, answers.cell),
        decision,
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

/// A picker drawing with `protocol`; the cell size comes from the terminal's answer, else
/// from the window size ioctl, else images fall back to halfblocks.
pub fn picker_for(protocol: Protocol, cell: Option<(u16, u16)>) -> Picker {
    let kind = match protocol {
        Protocol::Halfblocks => return Picker::halfblocks(),
        Protocol::Kitty => ProtocolType::Kitty,
        Protocol::Sixel => ProtocolType::Sixel,
        Protocol::Iterm2 => ProtocolType::Iterm2,
    };
    let Some((width, height)) = cell.or_else(cell_from_window) else {
        return Picker::halfblocks();
    };
    #[allow(deprecated)]
    let mut picker = Picker::from_fontsize(FontSize::new(width, height));
    picker.set_protocol_type(kind);
    picker
}

fn cell_from_window() -> Option<(u16, u16)> {
    let ws = crossterm::terminal::window_size().ok()?;
    (ws.width > 0 && ws.columns > 0 && ws.rows > 0)
        .then(|| (ws.width / ws.columns, ws.height / ws.rows))
}
