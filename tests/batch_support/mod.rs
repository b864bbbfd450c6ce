//! Shared helpers for the batch CLI tests: a temp home, the binary, files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Temp dirs for config, data, state and output, removed on drop.
pub struct Home {
    pub root: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        for d in ["config", "data", "state", "out"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        Self { root }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    pub fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Writes config.toml (short retry delays by default).
    pub fn config(&self, extra: &str) {
        let text =
            format!("[retry]\nattempts = 6\nbase_delay_ms = 10\nmax_delay_ms = 200\n{extra}\n");
        std::fs::write(self.path("config/config.toml"), text).unwrap();
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary with this home's environment and the simulator at zero latency.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_peel"));
        cmd.env("PEEL_CONFIG_DIR", self.path("config"))
            .env("PEEL_DATA_DIR", self.path("data"))
            .env("PEEL_STATE_DIR", self.path("state"))
            .env("PEEL_SIM_LATENCY_MS", "0")
            .env_remove("GEMINI_API_KEY")
            .env_remove("GOOGLE_API_KEY")
            .env_remove("GOOGLE_GEMINI_BASE_URL")
            .env_remove("PEEL_SIM_FAULTS");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn json(o: &Output) -> serde_json::Value {
    let text = stdout(o);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}\nstderr: {}", stderr(o)))
}

/// A batch file of `n` simple items.
pub fn simple_batch(n: usize, size: &str) -> String {
    // 512 px is the smallest size; Nano Banana 2 (deprecated, still served) renders it
    let model = if size == "512" {
        "nano-banana-2"
    } else {
        "nano-banana-2.1"
    };
    let mut text =
        format!("[defaults]\nmodel = \"{model}\"\nsize = \"{size}\"\naspect = \"1:1\"\nseed = 5\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[item]]\nkey = \"k{i}\"\nprompt = \"item number {i}, a small red square\"\n"
        ));
    }
    text
}

/// Files in `dir` (names only), sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}
