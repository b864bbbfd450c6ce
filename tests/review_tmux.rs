//! The review grid in a real terminal: tmux runs the binary, keys go in with send-keys,
//! and the test waits for screen text (never a fixed sleep). Marks must reach the manifest.

mod batch_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use batch_support::*;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "review"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits until every text is on screen at once (a capture can catch a frame half written).
    fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("all of {texts:?}"), |s| {
            texts.iter().all(|t| s.contains(t))
        })
    }

    /// Polls the screen until `ready` holds, or fails with the last screen.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "never saw {what} on screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(
                self.cmd()
                    .args(["send-keys", "-t", "review", k])
                    .status()
                    .unwrap()
                    .success()
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // The server may be gone already (the app quit); that is not worth a line of output.
        let _ = self
            .cmd()
            .arg("kill-server")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn manifest_marks(dir: &Path) -> Vec<(String, String)> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            Some((
                i["file"].as_str()?.to_string(),
                i["mark"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn review_grid_navigates_marks_filters_and_compares() {
    assert!(
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success()),
        "tmux is not installed: install it (e.g. `apt-get install tmux`) to run the review test"
    );
    let home = Home::new();
    home.config("");
    let file = home.write("b.toml", &simple_batch(7, "512"));
    let run = home.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--rpm",
        "6000",
        "--json",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let dir = std::path::PathBuf::from(json(&run)["dir"].as_str().unwrap());
    let tmux = Tmux {
        socket: format!("peel-review-{}", std::process::id()),
    };
    let env = |k: &str, v: &Path| format!("{k}={}", v.display());
    let command = format!(
        "{} --image-protocol halfblocks review {}",
        env!("CARGO_BIN_EXE_peel"),
        dir.display()
    );
    let started = tmux
        .cmd()
        .args(["new-session", "-d", "-s", "review", "-x", "120", "-y", "40"])
        .args(["-e", &env("PEEL_CONFIG_DIR", &home.path("config"))])
        .args(["-e", &env("PEEL_DATA_DIR", &home.path("data"))])
        .args(["-e", &env("PEEL_STATE_DIR", &home.path("state"))])
        .args(["-e", "PEEL_SIM_LATENCY_MS=0"])
        .arg(command)
        .status()
        .unwrap();
    assert!(started.success());
    tmux.wait_for_all(&[
        "review · batch_",
        "1/7 · all",
        "001_k0.jpg",
        "item number 0",
    ]);
    tmux.keys(&["s"]);
    tmux.wait_for("★1 ✓0 ✗0");
    tmux.keys(&["l", "n"]);
    tmux.wait_for("★1 ✓0 ✗1");
    tmux.keys(&["j", "y"]);
    // Down a row from 2 in a 3-wide grid is 5.
    tmux.wait_for_all(&["★1 ✓1 ✗1", "5/7"]);
    tmux.keys(&["f"]);
    tmux.wait_until("the starred filter hiding unstarred images", |s| {
        s.contains("1/1 · starred") && !s.contains("002_k1.jpg")
    });
    tmux.keys(&["f", "f"]);
    tmux.wait_for("· rejected");
    tmux.keys(&["f", "f"]);
    tmux.wait_for("· all");
    tmux.keys(&["c", "l", "c"]);
    tmux.wait_for("c or Esc: back to the grid");
    tmux.keys(&["Escape"]);
    tmux.wait_for("y keep");
    // Promote the selected image to a new anchor: it lands in the roster.
    tmux.keys(&["a"]);
    tmux.wait_for("promote to anchor");
    tmux.keys(&["object Red Mug", "Enter"]);
    tmux.wait_for("is now a reference of object 'Red Mug' (1 refs)");
    let roster = json(&home.run(&["roster", "list", "--json"]));
    assert!(roster.to_string().contains("Red Mug"), "{roster}");
    // Re-run the last item (007): a new image joins it, in the grid and the manifest.
    tmux.keys(&["G", "r"]);
    tmux.wait_for_all(&["item 7 re-ran: 007_k6-2.jpg", "7/8"]);
    assert!(dir.join("007_k6-2.jpg").exists() && dir.join("007_k6-2.jpg.json").exists());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["items"][6]["files"],
        serde_json::json!(["007_k6.jpg", "007_k6-2.jpg"])
    );
    assert_eq!(
        manifest_marks(&dir),
        vec![
            ("001_k0.jpg".to_string(), "star".to_string()),
            ("002_k1.jpg".to_string(), "reject".to_string()),
            ("005_k4.jpg".to_string(), "keep".to_string()),
        ]
    );
    tmux.keys(&["q"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while tmux
        .cmd()
        .args(["has-session", "-t", "review"])
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(Instant::now() < deadline, "q did not quit");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        home.path("data/thumbs").exists(),
        "thumbnails are cached on disk"
    );
    // Reopened, the review shows the saved marks.
    let again = tmux
        .cmd()
        .args(["new-session", "-d", "-s", "review", "-x", "120", "-y", "40"])
        .args(["-e", &env("PEEL_CONFIG_DIR", &home.path("config"))])
        .args(["-e", &env("PEEL_DATA_DIR", &home.path("data"))])
        .args(["-e", &env("PEEL_STATE_DIR", &home.path("state"))])
        .arg(format!(
            "{} --image-protocol halfblocks review {}",
            env!("CARGO_BIN_EXE_peel"),
            dir.display()
        ))
        .status()
        .unwrap();
    assert!(again.success());
    tmux.wait_for("★1 ✓1 ✗1");
    tmux.keys(&["q"]);
}
