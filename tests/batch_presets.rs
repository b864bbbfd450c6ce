//! Presets in batch files, through the built binary: a project's `peel.toml` preset over the
//! user's of the same name, on `batch plan`, `batch run`, `batch submit` and `lint`.
#![allow(clippy::unwrap_used)]

mod common;
mod craft;

use std::path::{Path, PathBuf};

use common::stderr;
use craft::{Craft, pair, safety};
use serde_json::Value;

/// Items: the first takes `[defaults]`' preset, the second names its own and sets a field.
const BATCH: &str = r#"[defaults]
preset = "hero"

[[item]]
key = "fox"
prompt = "a red fox in fresh snow"

[[item]]
key = "owl"
prompt = "an owl at dusk"
preset = "draft"
aspect = "1:1"
"#;

fn write_batch(dir: &Path) -> PathBuf {
    let file = dir.join("shots.toml");
    std::fs::write(&file, BATCH).unwrap();
    file
}

/// `peel batch run FILE` from `dir`, then every sidecar keyed by item key.
fn run_sidecars(craft: &Craft, dir: &Path, args: &[&str]) -> Vec<(String, Value)> {
    let file = write_batch(dir);
    let out = craft.world.out();
    let mut all = vec![
        "batch",
        args[0],
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(&args[1..]);
    let report = craft.json_in(dir, &all);
    let folder = PathBuf::from(report["dir"].as_str().unwrap());
    ["001_fox", "002_owl"]
        .iter()
        .map(|stem| {
            let sidecar = std::fs::read_dir(&folder)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().to_string();
                    name.starts_with(stem) && name.ends_with(".json")
                })
                .unwrap_or_else(|| panic!("no sidecar for {stem} in {}", folder.display()));
            let text = std::fs::read_to_string(sidecar).unwrap();
            (stem.to_string(), serde_json::from_str(&text).unwrap())
        })
        .collect()
}

#[test]
fn plan_shows_the_project_preset_over_the_user_preset_of_the_same_name() {
    let craft = Craft::new();
    let file = write_batch(&craft.project);
    // From elsewhere too: the project file nearest the batch file is the one in force.
    for cwd in [&craft.project, &craft.elsewhere] {
        let plan = craft.json_in(cwd, &["batch", "plan", file.to_str().unwrap()]);
        let fox = &plan["item_settings"][0];
        assert_eq!(fox["key"], "fox");
        assert_eq!(fox["preset"], "hero");
        assert_eq!(fox["aspect"], "16:9", "the project's hero: {fox}");
        assert_eq!(fox["seed"], 5, "the project's hero: {fox}");
        assert_eq!(
            fox["size"], "512",
            "the user's hero (size 1K) is replaced, not merged: {fox}"
        );
        let categories = fox["safety"].to_string();
        assert!(
            !categories.contains("HARASSMENT"),
            "the user's hero safety is not in force: {fox}"
        );
        let owl = &plan["item_settings"][1];
        assert_eq!(owl["preset"], "draft");
        assert_eq!(owl["thinking"], "minimal", "the item's preset: {owl}");
        assert_eq!(owl["aspect"], "1:1", "the item's own field: {owl}");
        assert_eq!(owl["seed"], 5, "the defaults' preset: {owl}");
    }
    let user = write_batch(&craft.elsewhere);
    let plan = craft.json_in(&craft.elsewhere, &["batch", "plan", user.to_str().unwrap()]);
    let fox = &plan["item_settings"][0];
    assert_eq!(
        (&fox["aspect"], &fox["size"], &fox["seed"]),
        (&Value::from("4:5"), &Value::from("1K"), &Value::from(77)),
        "no peel.toml near: the user's hero: {fox}"
    );
}

#[test]
fn run_sends_the_preset_settings_and_safety() {
    let craft = Craft::new();
    let sidecars = run_sidecars(&craft, &craft.elsewhere, &["run", "--rpm", "6000"]);
    let (_, fox) = &sidecars[0];
    assert_eq!(fox["aspect"], "4:5");
    assert_eq!(fox["seed"], 77);
    assert_eq!(fox["preset"], "hero");
    let fox_safety = safety(fox);
    assert!(
        fox_safety.contains(&pair("HARM_CATEGORY_HARASSMENT", "BLOCK_ONLY_HIGH")),
        "the preset's safety reached the request: {fox_safety:?}"
    );
    assert!(
        fox_safety.contains(&pair("HARM_CATEGORY_HATE_SPEECH", "BLOCK_ONLY_HIGH")),
        "the config's safety too: {fox_safety:?}"
    );
    let (_, owl) = &sidecars[1];
    assert_eq!(owl["aspect"], "1:1");
    assert_eq!(owl["preset"], "draft");
}

#[test]
fn submit_sends_the_preset_settings_on_the_batch_api_lane() {
    let craft = Craft::new();
    craft.world.add_config("[batch]\nmax_poll_secs = 1");
    let sidecars = run_sidecars(&craft, &craft.project, &["submit", "--wait"]);
    let (_, fox) = &sidecars[0];
    assert_eq!(fox["batch"]["lane"], "batch-api");
    assert_eq!(fox["aspect"], "16:9");
    assert_eq!(fox["seed"], 5);
    assert_eq!(fox["preset"], "hero");
    assert_eq!(
        safety(fox),
        [pair("HARM_CATEGORY_HATE_SPEECH", "BLOCK_ONLY_HIGH")]
    );
}

#[test]
fn an_unknown_preset_runs_nothing_and_names_line_field_and_presets() {
    let craft = Craft::new();
    let file = craft.elsewhere.join("typo.toml");
    std::fs::write(
        &file,
        "[[item]]\nprompt = \"a fox\"\n\n[[item]]\nprompt = \"an owl\"\npreset = \"heroo\"\n",
    )
    .unwrap();
    let out_dir = craft.world.out();
    for action in ["plan", "run", "submit"] {
        let mut args = vec!["batch", action, file.to_str().unwrap()];
        if action != "plan" {
            args.extend(["--out", out_dir.to_str().unwrap()]);
        }
        let out = craft.run_in(&craft.elsewhere, &args);
        assert_eq!(out.status.code(), Some(2), "{action}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("typo.toml:6: item 2 (an-owl), field `preset`: unknown preset 'heroo'"),
            "{action}: {err}"
        );
        assert!(
            err.contains("hero (user)") && err.contains("draft (user)"),
            "{err}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(leftovers.is_empty(), "nothing ran: {leftovers:?}");
    let lint = craft.run_in(&craft.elsewhere, &["lint", file.to_str().unwrap()]);
    assert_eq!(lint.status.code(), Some(2));
    assert!(stderr(&lint).contains("line 6"), "{}", stderr(&lint));
}

#[test]
fn lint_reads_batch_presets_for_the_anchors_in_shot() {
    let craft = Craft::new();
    std::fs::write(
        craft.project.join("peel.toml"),
        "[presets.duo]\nwith = [\"Mira\", \"Tom\"]\n",
    )
    .unwrap();
    std::fs::write(
        craft.project.join("b.jsonl"),
        "{\"defaults\": {\"preset\": \"duo\"}}\n{\"prompt\": \"Mira and Tom share a loaf of bread\"}\n{\"prompt\": \"Mira alone at the door\", \"with\": [\"Mira\"]}\n",
    )
    .unwrap();
    let body = craft.json_in(&craft.project, &["lint", "b.jsonl"]);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items[0]["line"], 2);
    assert_eq!(
        items[0]["notes"].as_array().unwrap().len(),
        0,
        "Mira and Tom are in shot through the preset: {}",
        items[0]
    );
    assert_eq!(
        items[1]["notes"].as_array().unwrap().len(),
        0,
        "{}",
        items[1]
    );
}
