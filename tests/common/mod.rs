//! Shared helpers for driving the built `peel` binary against the simulator.
#![allow(dead_code, clippy::unwrap_used)]

pub mod gcp;
pub mod sgr;
pub mod tmux;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// A private config/data/state/output world for one test.
pub struct World {
    pub root: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl World {
    /// A world with fast retries and a zero-latency embedded simulator.
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let dirs = ["config", "data", "state", "out"];
        for d in dirs {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        std::fs::write(
            root.path().join("config/config.toml"),
            "[retry]\nattempts = 5\nbase_delay_ms = 10\nmax_delay_ms = 100\n",
        )
        .unwrap();
        let p = |d: &str| root.path().join(d).display().to_string();
        let env = vec![
            ("PEEL_CONFIG_DIR".into(), p("config")),
            ("PEEL_DATA_DIR".into(), p("data")),
            ("PEEL_STATE_DIR".into(), p("state")),
            ("PEEL_SIM_LATENCY_MS".into(), "0".into()),
        ];
        Self { root, env }
    }

    /// Appends TOML to the world's config file.
    pub fn add_config(&self, text: &str) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.root.path().join("config/config.toml"))
            .unwrap();
        writeln!(file, "{text}").unwrap();
    }

    /// The output folder.
    pub fn out(&self) -> PathBuf {
        self.root.path().join("out")
    }

    /// Adds or replaces an environment variable for every command.
    pub fn set(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    /// A `peel` command in this world (no API key unless set).
    pub fn peel(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_peel"));
        cmd.env_remove("GEMINI_API_KEY")
            .env_remove("GOOGLE_API_KEY")
            .env_remove("GOOGLE_GEMINI_BASE_URL")
            .env_remove("PEEL_SIM_FAULTS")
            .env_remove("GOOGLE_GENAI_USE_VERTEXAI")
            .env_remove("GOOGLE_CLOUD_PROJECT")
            .env_remove("GOOGLE_CLOUD_LOCATION")
            .env_remove("GOOGLE_CLOUD_QUOTA_PROJECT")
            .env_remove("GOOGLE_VERTEX_BASE_URL")
            .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
            .env_remove("STORAGE_EMULATOR_HOST")
            .current_dir(self.root.path());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `peel ARGS` and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.peel().args(args).output().unwrap()
    }

    /// Runs `peel ARGS --json`, expecting success, and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "peel {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Every file below the world's root.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        walk(self.root.path(), &mut found);
        found
    }
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else {
            found.push(path);
        }
    }
}

/// A standalone `peel sim` process on a free port, stopped on drop.
pub struct Sim {
    child: Child,
    pub url: String,
    _drain: std::thread::JoinHandle<()>,
}

impl Sim {
    /// Starts `peel sim --port 0 --latency-ms 0 EXTRA...` and waits for its address.
    pub fn start(world: &World, extra: &[&str]) -> Self {
        Self::start_slow(world, 0, extra)
    }

    /// Starts `peel sim --port 0 --latency-ms MS EXTRA...` and waits for its address.
    pub fn start_slow(world: &World, latency_ms: u64, extra: &[&str]) -> Self {
        let latency = latency_ms.to_string();
        let mut child = world
            .peel()
            .args(["sim", "--port", "0", "--latency-ms", &latency])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap()
            .to_string();
        // Keep reading so the simulator never writes into a closed pipe.
        let drain = std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        Self {
            child,
            url,
            _drain: drain,
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sim {
    /// What the simulator has seen (`GET /_peel/stats`).
    pub fn stats(&self) -> serde_json::Value {
        self.get("_peel/stats")
    }

    /// The latest generation requests, whole (`GET /_peel/requests`; start with `--record N`).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        serde_json::from_value(self.get("_peel/requests")).unwrap()
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let url = format!("{}/{path}", self.url);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async { reqwest::get(&url).await.unwrap().json().await.unwrap() })
    }
}

/// Adds character `name` to `world`'s roster, its reference a 64 px image whose top half is
/// magenta and bottom half green (colours no simulated image has by chance); returns it.
pub fn add_two_colour_character(world: &World, name: &str) -> PathBuf {
    let reference = world
        .root
        .path()
        .join(format!("{}.png", name.to_lowercase()));
    let mut image = image::RgbImage::from_pixel(64, 64, image::Rgb([230, 40, 160]));
    for y in 32..64 {
        for x in 0..64 {
            image.put_pixel(x, y, image::Rgb([20, 120, 90]));
        }
    }
    image.save(&reference).unwrap();
    world.json(&[
        "roster",
        "add",
        "character",
        name,
        "--desc",
        "short silver hair, red scarf",
        "--ref",
        reference.to_str().unwrap(),
    ]);
    reference
}

/// Pixel size of an image file from its header.
pub fn pixel_size(path: &Path) -> (u32, u32) {
    image::ImageReader::open(path)
        .unwrap()
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap()
}

/// stderr as text.
/// Runs a prepared `peel` command under `/usr/bin/time`: its output and its peak resident
/// memory in MB (0 where `/usr/bin/time` is missing; the command still runs).
pub fn with_peak_rss(mut cmd: Command) -> (Output, f64) {
    if std::fs::metadata("/usr/bin/time").is_err() {
        return (cmd.output().unwrap(), 0.0);
    }
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "peak-rss-kb=%M"])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let out = timed.output().unwrap();
    let peak = stderr(&out)
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kb="))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0);
    (out, peak)
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}
