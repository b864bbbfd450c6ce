//! A world with user presets in config.toml and a project folder holding peel.toml.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{World, stderr};

pub const USER_CONFIG: &str = r#"# my peel settings — keep this comment
[retry]
attempts = 5
base_delay_ms = 10
max_delay_ms = 100

[defaults]
aspect = "1:1"   # square unless told otherwise
model = "nano-banana-2"
size = "512"
safety = { hate-speech = "block_only_high" }

[presets.hero]
aspect = "4:5"
size = "1K"
seed_mode = "fixed"
seed = 77
safety = { harassment = "block_only_high" }

[presets.draft]
thinking = "minimal"
"#;

pub const PROJECT: &str = r#"# project presets
[presets.hero]
aspect = "16:9"
seed_mode = "fixed"
seed = 5
"#;

/// A world whose config holds user presets, with a project folder holding `peel.toml`
/// and a plain folder without one.
pub struct Craft {
    pub world: World,
    pub project: PathBuf,
    pub elsewhere: PathBuf,
}

impl Craft {
    pub fn new() -> Self {
        let world = World::new();
        std::fs::write(world.root.path().join("config/config.toml"), USER_CONFIG).unwrap();
        let project = world.root.path().join("work/project");
        let elsewhere = world.root.path().join("work/elsewhere");
        std::fs::create_dir_all(project.join("sub")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(project.join("peel.toml"), PROJECT).unwrap();
        Self {
            world,
            project,
            elsewhere,
        }
    }

    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Output {
        self.world
            .peel()
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap()
    }

    pub fn json_in(&self, dir: &Path, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run_in(dir, &all);
        assert!(
            out.status.success(),
            "peel {args:?} failed: {}",
            stderr(&out)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Generates into the world's output folder and returns every sidecar.
    pub fn generate_in(&self, dir: &Path, args: &[&str]) -> Vec<Value> {
        let out = self.world.out();
        let mut all = vec![
            "generate",
            "a red fox in fresh snow",
            "--out",
            out.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let body = self.json_in(dir, &all);
        body["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let text = std::fs::read_to_string(o["sidecar"].as_str().unwrap()).unwrap();
                serde_json::from_str(&text).unwrap()
            })
            .collect()
    }

    pub fn user_config(&self) -> String {
        std::fs::read_to_string(self.world.root.path().join("config/config.toml")).unwrap()
    }
}

/// The sidecar's safety settings as (category, threshold) pairs.
pub fn safety(sidecar: &Value) -> Vec<(String, String)> {
    sidecar["safety_settings"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| {
                    (
                        s["category"].as_str().unwrap().to_string(),
                        s["threshold"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A (category, threshold) pair.
pub fn pair(category: &str, threshold: &str) -> (String, String) {
    (category.to_string(), threshold.to_string())
}
