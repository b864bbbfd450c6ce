//! The folder under review as one list of tiles (one per image), read from `manifest.json`
//! (or from the images alone for a plain folder), and marks written back to the manifest.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::imaging::thumbs::images_in;
use crate::store::LANE_STORY;
use crate::studio::batch::manifest::{MANIFEST, Manifest, ManifestItem, Mark};
use crate::studio::consistency::Consistency;
use crate::studio::pricing;

/// One image in the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Tile {
    /// File name relative to the folder.
    pub file: String,
    /// Full path.
    pub path: PathBuf,
    /// The manifest item's index (the `NNN`).
    pub index: usize,
    /// The item's key.
    pub key: String,
    /// The prompt.
    pub prompt: String,
    /// Settings in one line ("gemini-3.1-flash-image · 16:9 · 2K · seed 7").
    pub settings: String,
    /// Review mark.
    pub mark: Option<Mark>,
    /// The consistency check's scores, once `peel check` (or `C`) has run on it.
    pub consistency: Option<Consistency>,
    /// What the service made of it ("flex · 7.2 s · $0.017"), read from the sidecar the
    /// first time it is shown, so opening 50,000 items reads no sidecar.
    pub outcome: OnceCell<String>,
}

impl Tile {
    /// The tier that served the image, how long it took and what it cost.
    pub fn outcome(&self) -> &str {
        self.outcome.get_or_init(|| {
            std::fs::read(format!("{}.json", self.path.display()))
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok())
                .map(|sidecar| outcome_line(&sidecar))
                .unwrap_or_default()
        })
    }
}

/// A sidecar's tier, elapsed time and cost on one line; missing fields are left out.
pub fn outcome_line(sidecar: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(tier) = sidecar["tier"].as_str() {
        parts.push(tier.to_string());
    }
    if let Some(ms) = sidecar["timings"]["elapsed_ms"].as_u64() {
        parts.push(format!("{:.1} s", ms as f64 / 1000.0));
    }
    if let Some(cost) = sidecar["cost_usd"].as_f64() {
        let simulated = sidecar["cost_simulated"].as_bool() == Some(true);
        parts.push(pricing::show(cost, simulated));
    }
    parts.join(" · ")
}

/// A folder under review.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The folder.
    pub dir: PathBuf,
    /// Its batch run id, when it came from one.
    pub run: Option<i64>,
    /// Tiles in file order.
    pub tiles: Vec<Tile>,
    /// A storyboard's folder: its frames are shown as a strip, in order.
    pub story: bool,
}

impl Folder {
    /// Reads `dir`: the manifest's done items, or every image when there is no manifest.
    pub fn open(dir: &Path) -> Result<Self, String> {
        if !dir.is_dir() {
            return Err(format!("{} is not a folder", dir.display()));
        }
        if dir.join(MANIFEST).exists() {
            let manifest = Manifest::read(dir)?;
            let tiles = manifest
                .items
                .iter()
                .flat_map(|item| tiles_of(dir, item, &manifest))
                .collect();
            return Ok(Self {
                dir: dir.to_path_buf(),
                run: manifest.run,
                tiles,
                story: manifest.lane == LANE_STORY,
            });
        }
        let images = images_in(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let tiles = images
            .into_iter()
            .enumerate()
            .map(|(n, path)| plain_tile(n + 1, path))
            .collect();
        Ok(Self {
            dir: dir.to_path_buf(),
            run: None,
            tiles,
            story: false,
        })
    }

    /// Sets a tile's mark and saves it into `manifest.json`, read and written under the
    /// manifest's lock so neither this mark nor a running batch's rewrite is lost.
    pub fn set_mark(&mut self, tile: usize, mark: Option<Mark>) -> Result<(), String> {
        let Some(t) = self.tiles.get(tile) else {
            return Err("no such image".into());
        };
        Manifest::update(
            &self.dir,
            || self.plain_manifest(),
            |manifest| {
                if manifest.set_mark(&t.file, mark) {
                    Ok(())
                } else {
                    Err(format!("{} is not in the manifest", t.file))
                }
            },
        )?;
        self.tiles[tile].mark = mark;
        Ok(())
    }

    /// Records a tile's consistency check (the sidecar and manifest already hold it).
    pub fn checked(&mut self, tile: usize, consistency: Consistency) {
        if let Some(t) = self.tiles.get_mut(tile) {
            t.consistency = Some(consistency);
        }
    }

    /// Adds a tile for a new image of item `index` (a re-run), after that item's last tile.
    pub fn add_file(&mut self, index: usize, file: &str) {
        let Some(last) = self.tiles.iter().rposition(|t| t.index == index) else {
            return;
        };
        let mut tile = self.tiles[last].clone();
        tile.file = file.to_string();
        tile.path = self.dir.join(file);
        tile.mark = None;
        tile.outcome = OnceCell::new();
        self.tiles.insert(last + 1, tile);
    }

    /// A manifest for a folder that had none, so marks have somewhere to live.
    fn plain_manifest(&self) -> Manifest {
        let items = self
            .tiles
            .iter()
            .map(|t| ManifestItem {
                index: t.index,
                key: t.key.clone(),
                status: "done".into(),
                file: Some(t.file.clone()),
                files: vec![t.file.clone()],
                sidecar: Some(format!("{}.json", t.file)),
                cost_usd: 0.0,
                error: None,
                mark: t.mark,
                file_marks: Default::default(),
                consistency: t.consistency.clone(),
                prompt: t.prompt.clone(),
                settings: serde_json::Value::Null,
            })
            .collect();
        Manifest {
            peel_version: env!("CARGO_PKG_VERSION").into(),
            run: None,
            lane: "folder".into(),
            state: "done".into(),
            stop_reason: None,
            source: self.dir.display().to_string(),
            remote: None,
            spent_usd: 0.0,
            items,
        }
    }
}

fn tiles_of(dir: &Path, item: &ManifestItem, manifest: &Manifest) -> Vec<Tile> {
    if item.status != "done" {
        return Vec::new();
    }
    let s = &item.settings;
    let field = |k: &str| {
        s.get(k)
            .filter(|v| !v.is_null())
            .map(|v| v.to_string().trim_matches('"').to_string())
    };
    let settings = [
        field("model"),
        field("aspect"),
        field("size"),
        field("seed").map(|v| format!("seed {v}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    item.files
        .iter()
        .map(|file| Tile {
            file: file.clone(),
            path: dir.join(file),
            index: item.index,
            key: item.key.clone(),
            prompt: item.prompt.clone(),
            settings: settings.clone(),
            mark: manifest.mark_of(file),
            consistency: item
                .consistency
                .clone()
                .filter(|_| item.file.as_ref() == Some(file)),
            outcome: OnceCell::new(),
        })
        .collect()
}

/// A tile for an image outside any batch; the prompt comes from its sidecar when present.
fn plain_tile(index: usize, path: PathBuf) -> Tile {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let sidecar: Option<serde_json::Value> = std::fs::read(format!("{}.json", path.display()))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let text = |k: &str| {
        sidecar
            .as_ref()
            .and_then(|s| s.get(k))
            .filter(|v| !v.is_null())
            .map(|v| v.to_string().trim_matches('"').to_string())
    };
    let settings = [text("model"), text("aspect"), text("size")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    Tile {
        key: Path::new(&file)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
        prompt: text("prompt").unwrap_or_default(),
        settings,
        file,
        path,
        index,
        mark: None,
        consistency: sidecar
            .as_ref()
            .and_then(|s| s.get("consistency"))
            .and_then(|c| serde_json::from_value(c.clone()).ok()),
        outcome: sidecar
            .as_ref()
            .map(|s| OnceCell::from(outcome_line(s)))
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outcome_line_names_tier_time_and_cost_and_marks_simulated_prices() {
        let sidecar = serde_json::json!({
            "tier": "flex",
            "timings": {"elapsed_ms": 7250},
            "cost_usd": 0.017,
            "cost_simulated": true,
        });
        assert_eq!(outcome_line(&sidecar), "flex · 7.2 s · $0.017 (simulated)");
        let real = serde_json::json!({"tier": "priority", "cost_usd": 0.068});
        assert_eq!(outcome_line(&real), "priority · $0.068");
        assert_eq!(outcome_line(&serde_json::json!({})), "");
    }

    #[test]
    fn a_manifest_tile_reads_its_sidecar_only_when_shown() {
        let dir = tempfile::tempdir().unwrap();
        let mut manifest = run_manifest();
        manifest.items.truncate(1);
        manifest.write(dir.path()).unwrap();
        let folder = Folder::open(dir.path()).unwrap();
        let tile = &folder.tiles[0];
        assert!(tile.outcome.get().is_none(), "nothing read at open");
        std::fs::write(
            dir.path().join("001_k1.png.json"),
            r#"{"tier":"standard","timings":{"elapsed_ms":1500},"cost_usd":0.034}"#,
        )
        .unwrap();
        assert_eq!(tile.outcome(), "standard · 1.5 s · $0.034");
    }

    const RACE_ITEMS: usize = 40;

    /// A run's manifest as the store would build it: every item done, no marks.
    fn run_manifest() -> Manifest {
        let items = (1..=RACE_ITEMS)
            .map(|index| {
                let file = format!("{index:03}_k{index}.png");
                ManifestItem {
                    index,
                    key: format!("k{index}"),
                    status: "done".into(),
                    file: Some(file.clone()),
                    files: vec![file.clone()],
                    sidecar: Some(format!("{file}.json")),
                    cost_usd: 0.0,
                    error: None,
                    mark: None,
                    file_marks: Default::default(),
                    prompt: format!("item {index}"),
                    settings: serde_json::Value::Null,
                    consistency: None,
                }
            })
            .collect();
        Manifest {
            peel_version: String::new(),
            run: Some(1),
            lane: "interactive".into(),
            state: "running".into(),
            stop_reason: None,
            source: "b.toml".into(),
            remote: None,
            spent_usd: 0.0,
            items,
        }
    }

    #[test]
    fn marks_saved_while_a_run_rewrites_the_manifest_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        run_manifest().write(dir.path()).unwrap();
        let done = std::sync::atomic::AtomicBool::new(false);
        let rewrites = std::thread::scope(|scope| {
            let run = scope.spawn(|| {
                let mut rewrites = 0;
                loop {
                    run_manifest().write_keeping_marks(dir.path()).unwrap();
                    rewrites += 1;
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        return rewrites;
                    }
                }
            });
            let mut folder = Folder::open(dir.path()).unwrap();
            for tile in 0..folder.tiles.len() {
                let mark = if tile % 2 == 0 {
                    Mark::Keep
                } else {
                    Mark::Star
                };
                folder.set_mark(tile, Some(mark)).unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            run.join().unwrap()
        });
        run_manifest().write_keeping_marks(dir.path()).unwrap();
        let reopened = Folder::open(dir.path()).unwrap();
        let lost: Vec<&str> = reopened
            .tiles
            .iter()
            .filter(|t| t.mark.is_none())
            .map(|t| t.file.as_str())
            .collect();
        assert!(
            lost.is_empty(),
            "marks lost after {rewrites} rewrites: {lost:?}"
        );
        assert_eq!(reopened.tiles[1].mark, Some(Mark::Star));
    }

    #[test]
    fn marks_in_a_plain_folder_create_a_manifest_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.png", "a.png"] {
            image::RgbImage::new(4, 4)
                .save(dir.path().join(name))
                .unwrap();
        }
        std::fs::write(
            dir.path().join("a.png.json"),
            r#"{"prompt": "a fox", "size": "1K"}"#,
        )
        .unwrap();
        let mut folder = Folder::open(dir.path()).unwrap();
        assert_eq!(folder.tiles.len(), 2);
        assert_eq!(folder.tiles[0].prompt, "a fox");
        folder.set_mark(1, Some(Mark::Star)).unwrap();
        let again = Folder::open(dir.path()).unwrap();
        assert_eq!(again.tiles[1].mark, Some(Mark::Star));
        assert_eq!(again.tiles[0].mark, None);
        let mut again = again;
        again.set_mark(1, None).unwrap();
        assert_eq!(Folder::open(dir.path()).unwrap().tiles[1].mark, None);
    }
}
