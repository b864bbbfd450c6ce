//! Copying: the system clipboard through `arboard` locally; OSC 52 through the terminal
//! over SSH or when `arboard` fails. An internal register keeps the last copy either way.

use std::io::{self, Write};

use crossterm::Command;
use crossterm::clipboard::CopyToClipboard;

/// Which way a copy went, for the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyRoute {
    /// The system clipboard (arboard).
    System,
    /// The terminal's clipboard through OSC 52.
    Terminal,
}

/// The clipboard service.
pub struct Clipboard {
    register: Option<String>,
    use_system: bool,
    tmux_passthrough: bool,
    system: Option<arboard::Clipboard>,
}

impl Clipboard {
    /// A clipboard that tries the system clipboard unless `over_ssh`.
    pub fn new(over_ssh: bool, tmux_passthrough: bool) -> Self {
        Self {
            register: None,
            use_system: !over_ssh,
            tmux_passthrough,
            system: None,
        }
    }

    /// A clipboard that only ever writes OSC 52 (tests, SSH).
    pub fn terminal_only(tmux_passthrough: bool) -> Self {
        Self::new(true, tmux_passthrough)
    }

    /// The last copied text.
    pub fn register(&self) -> Option<&str> {
        self.register.as_deref()
    }

    /// Copies `text`: system clipboard first when local, else OSC 52 written to `out`.
    pub fn copy(&mut self, text: &str, out: &mut impl Write) -> io::Result<CopyRoute> {
        self.register = Some(text.to_string());
        if self.use_system && self.copy_system(text) {
            return Ok(CopyRoute::System);
        }
        out.write_all(osc52(text, self.tmux_passthrough).as_bytes())?;
        out.flush()?;
        Ok(CopyRoute::Terminal)
    }

    fn copy_system(&mut self, text: &str) -> bool {
        if self.system.is_none() {
            match arboard::Clipboard::new() {
                Ok(c) => self.system = Some(c),
                Err(e) => {
                    tracing::info!("system clipboard unavailable, using OSC 52: {e}");
                    self.use_system = false;
                    return false;
                }
            }
        }
        let Some(system) = self.system.as_mut() else {
            return false;
        };
        match system.set_text(text.to_string()) {
            Ok(()) => true,
            Err(e) => {
                tracing::info!("system clipboard refused the text, using OSC 52: {e}");
                false
            }
        }
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard, optionally wrapped
/// for tmux passthrough (`ESC P tmux; … ESC \` with inner escapes doubled).
pub fn osc52(text: &str, tmux_passthrough: bool) -> String {
    let mut seq = String::new();
    let _ = CopyToClipboard::to_clipboard_from(text).write_ansi(&mut seq);
    if !tmux_passthrough {
        return seq;
    }
    format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
}

/// Reads an image from the system clipboard and encodes it as PNG (blocking; run off the UI task).
pub fn read_image_png() -> Result<Vec<u8>, String> {
    let mut clipboard =
        arboard::Clipboard::new().map_err(|e| format!("no system clipboard here ({e})"))?;
    let data = clipboard
        .get_image()
        .map_err(|e| format!("the clipboard holds no image ({e})"))?;
    let Some(rgba) = image::RgbaImage::from_raw(
        data.width as u32,
        data.height as u32,
        data.bytes.into_owned(),
    ) else {
        return Err("the clipboard image has an unexpected layout".into());
    };
    let mut out = Vec::new();
    rgba.write_to(&mut io::Cursor::new(&mut out), image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the clipboard image ({e})"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_is_raw_by_default() {
        let mut clip = Clipboard::terminal_only(false);
        let mut out = Vec::new();
        assert_eq!(clip.copy("foo", &mut out).unwrap(), CopyRoute::Terminal);
        assert_eq!(out, b"\x1b]52;c;Zm9v\x1b\\");
        assert_eq!(clip.register(), Some("foo"));
    }

    #[test]
    fn osc52_wraps_for_tmux_only_when_asked() {
        let mut clip = Clipboard::terminal_only(true);
        let mut out = Vec::new();
        clip.copy("foo", &mut out).unwrap();
        assert_eq!(out, b"\x1bPtmux;\x1b\x1b]52;c;Zm9v\x1b\x1b\\\x1b\\");
    }
}
