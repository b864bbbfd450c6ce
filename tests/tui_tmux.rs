//! The workbench in a real terminal: tmux runs the built binary against the embedded
//! simulator, we type a prompt, press Ctrl+G, and read the screen back.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long any one screen state may take to appear.
const DEADLINE: Duration = Duration::from_secs(30);
/// Pause between two looks at the screen.
const POLL: Duration = Duration::from_millis(50);

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "peel"]).stdout)
            .into_owned()
    }

    fn send(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "peel"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success(), "send-keys {keys:?}");
    }

    /// Polls the screen until `ready` holds, or fails with the last screen.
    fn wait_for(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
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
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn halfblock_cells(screen: &str) -> usize {
    screen.chars().filter(|c| matches!(c, '▀' | '▄')).count()
}

/// Starts the workbench in a fresh tmux server; returns it with the temp root and output dir.
fn start(tag: &str) -> (Tmux, tempfile::TempDir, std::path::PathBuf) {
    assert!(
        tmux_available(),
        "tmux is not installed: install it (e.g. `apt-get install tmux`) to run the terminal test"
    );
    let root = tempfile::tempdir().expect("temp dir");
    let dir = |name: &str| {
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).expect("mkdir");
        path
    };
    let (config, data, state, out) = (dir("config"), dir("data"), dir("state"), dir("out"));
    std::fs::write(
        config.join("config.toml"),
        format!("[output]\ndir = \"{}\"\n", out.display()),
    )
    .expect("config");
    let command = format!(
        "env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=0 '{}' --image-protocol halfblocks --offline; echo PEEL_EXITED=$?; sleep 60",
        config.display(),
        data.display(),
        state.display(),
        env!("CARGO_BIN_EXE_peel"),
    );
    let tmux = Tmux {
        socket: format!("peel-test-{tag}-{}", std::process::id()),
    };
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "peel",
        "-x",
        "120",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success(), "tmux new-session: {started:?}");
    (tmux, root, out)
}

#[test]
fn the_workbench_generates_and_previews_in_a_real_terminal() {
    let (tmux, _root, out) = start("e2e");
    let screen = tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("offline simulator — set GEMINI_API_KEY")
    });
    for pane in ["Prompt", "Anchors", "Jobs", "Preview"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }

    tmux.send(&["-l", "a lighthouse on a cliff at dusk"]);
    tmux.wait_for("the typed prompt", |s| {
        s.contains("a lighthouse on a cliff")
    });
    tmux.send(&["C-g"]);
    let screen = tmux.wait_for("the finished job and its image", |s| {
        s.contains("✓ #1") && halfblock_cells(s) > 100
    });
    assert!(screen.contains("done"), "{screen}");
    for pane in ["Prompt", "Anchors", "Jobs", "Preview"] {
        assert!(screen.contains(pane), "{pane} missing:\n{screen}");
    }
    let images: Vec<_> = std::fs::read_dir(&out)
        .expect("output dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    assert_eq!(images.len(), 1, "one image in {}", out.display());
    assert!(is_png(&images[0]));

    tmux.send(&["C-q"]);
    let screen = tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));
    assert!(screen.contains("PEEL_EXITED=0"), "{screen}");
    assert!(
        !screen.contains("Anchors"),
        "the workbench is still drawn:\n{screen}"
    );
    let alt = tmux.run(&["display-message", "-p", "-t", "peel", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alt.stdout).trim(),
        "0",
        "alternate screen left on"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    let (tmux, _root, _out) = start("term");
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    let shell = tmux.run(&["list-panes", "-t", "peel", "-F", "#{pane_pid}"]);
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_string();
    let child = Command::new("pgrep")
        .args(["-P", &shell, "-x", "peel"])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&child.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the peel process under the shell");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    let screen = tmux.wait_for("the shell after SIGTERM", |s| s.contains("PEEL_EXITED="));
    assert!(
        !screen.contains("Anchors"),
        "the workbench is still drawn:\n{screen}"
    );
    let alt = tmux.run(&["display-message", "-p", "-t", "peel", "#{alternate_on}"]);
    assert_eq!(
        String::from_utf8_lossy(&alt.stdout).trim(),
        "0",
        "alternate screen left on"
    );
}

fn is_png(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\x89PNG"))
}
