//! One tmux driver for every test that runs the real binary in a terminal: a private
//! server per test, a 120×40 session named `peel`, keys in with send-keys, and waits on
//! screen text (never a fixed sleep).
#![allow(dead_code, clippy::unwrap_used)]

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any one screen state may take to appear.
const DEADLINE: Duration = Duration::from_secs(40);
/// Pause between two looks at the screen.
const POLL: Duration = Duration::from_millis(50);
/// The one session every test drives.
const SESSION: &str = "peel";

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Runs `command` (a shell line) in a fresh tmux server named after `tag`.
    pub fn start(tag: &str, command: &str) -> Self {
        Self::start_sized(tag, command, (120, 40))
    }

    /// Like `start`, in a `width`×`height` terminal.
    pub fn start_sized(tag: &str, command: &str, (width, height): (u16, u16)) -> Self {
        assert!(
            Command::new("tmux")
                .arg("-V")
                .output()
                .is_ok_and(|o| o.status.success()),
            "tmux is not installed: install it (e.g. `apt-get install tmux`) to run the terminal tests"
        );
        let tmux = Tmux {
            socket: format!("peel-{tag}-{}", std::process::id()),
        };
        tmux.open_sized(command, (width, height));
        tmux
    }

    /// Opens the session again on this server (after the previous one ended).
    pub fn open(&self, command: &str) {
        self.open_sized(command, (120, 40));
    }

    /// Like `open`, `width`×`height`.
    pub fn open_sized(&self, command: &str, (width, height): (u16, u16)) {
        let (width, height) = (width.to_string(), height.to_string());
        let started = self.run(&[
            "new-session",
            "-d",
            "-s",
            SESSION,
            "-x",
            &width,
            "-y",
            &height,
            command,
        ]);
        assert!(started.status.success(), "tmux new-session: {started:?}");
    }

    /// Runs a tmux command against this server.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout)
            .into_owned()
    }

    /// The screen with its colours and attributes as SGR escapes (`capture-pane -e`).
    pub fn screen_with_colours(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-e", "-t", SESSION])
                .stdout,
        )
        .into_owned()
    }

    /// Sends keys (tmux key names, or `-l` then literal text).
    pub fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    /// The pid of the pane's process (peel itself when the command `exec`s it).
    pub fn pane_pid(&self) -> u32 {
        let out = self.run(&["display-message", "-p", "-t", SESSION, "#{pane_pid}"]);
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    /// Whether the alternate screen is on.
    pub fn alternate_on(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", SESSION, "#{alternate_on}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Polls the screen until `ready` holds, or fails with the last screen.
    pub fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; the screen was:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until every text is on screen at once (a capture can catch a frame half written).
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_for(&format!("all of {texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    /// Waits until the session has ended (its program quit).
    pub fn wait_closed(&self, what: &str) {
        let start = Instant::now();
        while self.run(&["has-session", "-t", SESSION]).status.success() {
            assert!(start.elapsed() < DEADLINE, "{what} never ended");
            std::thread::sleep(POLL);
        }
    }

    pub fn kill_server(&self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.kill_server();
    }
}
