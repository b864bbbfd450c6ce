//! Presets, safety settings and the prompt checker, driven through the built binary against
//! the simulator, with the working directory set to a temp project folder.
#![allow(clippy::unwrap_used)]

mod common;
mod craft;

use common::stderr;
use craft::{Craft, PROJECT, USER_CONFIG, pair, safety};
use serde_json::Value;

#[test]
fn project_presets_win_over_user_presets_and_flags_win_over_both() {
    let craft = Craft::new();
    let project = craft.generate_in(&craft.project.join("sub"), &["--preset", "hero", "-n", "2"]);
    assert_eq!(project.len(), 2);
    for sidecar in &project {
        assert_eq!(sidecar["aspect"], "16:9", "the project's hero");
        assert_eq!(
            sidecar["size"], "512",
            "the project's hero sets no size: [defaults]"
        );
        assert_eq!(sidecar["seed"], 5, "fixed seed for every request");
        assert_eq!(
            safety(sidecar),
            [pair("HARM_CATEGORY_HATE_SPEECH", "BLOCK_ONLY_HIGH")]
        );
    }
    let user = craft.generate_in(&craft.elsewhere, &["--preset", "hero"]);
    assert_eq!(user[0]["aspect"], "4:5");
    assert_eq!(user[0]["size"], "1K");
    assert_eq!(user[0]["seed"], 77);
    assert_eq!(user[0]["preset"], "hero");
    assert_eq!(
        safety(&user[0]),
        [
            pair("HARM_CATEGORY_HARASSMENT", "BLOCK_ONLY_HIGH"),
            pair("HARM_CATEGORY_HATE_SPEECH", "BLOCK_ONLY_HIGH"),
        ]
    );
    let flags = craft.generate_in(
        &craft.elsewhere,
        &[
            "--preset",
            "hero",
            "--aspect",
            "3:2",
            "--seed",
            "9",
            "--safety",
            "harassment=off",
        ],
    );
    assert_eq!(flags[0]["aspect"], "3:2");
    assert_eq!(flags[0]["size"], "1K");
    assert_eq!(flags[0]["seed"], 9);
    assert_eq!(
        safety(&flags[0])[0],
        pair("HARM_CATEGORY_HARASSMENT", "OFF")
    );
    let plain = craft.generate_in(&craft.project, &[]);
    assert_eq!(plain[0]["aspect"], "1:1", "no preset: [defaults]");
    assert_eq!(plain[0]["preset"], Value::Null);
    assert_eq!(
        plain[0]["generation_config"]["imageConfig"]["imageSize"],
        "512"
    );
}

#[test]
fn seed_modes_shape_the_seeds_of_a_count() {
    let craft = Craft::new();
    let seeds = |args: &[&str]| -> Vec<i64> {
        let mut all = vec!["-n", "3"];
        all.extend_from_slice(args);
        craft
            .generate_in(&craft.elsewhere, &all)
            .iter()
            .map(|s| s["seed"].as_i64().unwrap())
            .collect()
    };
    let mut increment = seeds(&["--seed", "40"]);
    increment.sort();
    assert_eq!(increment, [40, 41, 42]);
    assert_eq!(
        seeds(&["--seed", "40", "--seed-mode", "fixed"]),
        [40, 40, 40]
    );
    let out = craft.run_in(
        &craft.elsewhere,
        &["generate", "a fox", "--seed", "4", "--seed-mode", "random"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("random takes no seed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_presets_exit_2_and_list_the_available_ones() {
    let craft = Craft::new();
    let out = craft.run_in(&craft.project, &["generate", "a fox", "--preset", "heor"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("unknown preset 'heor'"), "{err}");
    assert!(err.contains("draft (user), hero (project)"), "{err}");
    assert!(
        craft
            .world
            .files()
            .iter()
            .all(|f| f.extension().is_none_or(|e| e != "png"))
    );
}

#[test]
fn preset_settings_the_model_refuses_name_the_preset() {
    let craft = Craft::new();
    std::fs::write(
        craft.project.join("peel.toml"),
        "[presets.wide]\naspect = \"7:3\"\n",
    )
    .unwrap();
    let out = craft.run_in(&craft.project, &["generate", "a fox", "--preset", "wide"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("7:3") && err.contains("preset 'wide'"),
        "{err}"
    );
}

#[test]
fn bad_preset_files_are_refused_with_file_and_key() {
    let craft = Craft::new();
    std::fs::write(
        craft.project.join("peel.toml"),
        "[presets.hero]\naspect_ratio = \"16:9\"\n",
    )
    .unwrap();
    let out = craft.run_in(&craft.project, &["preset", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("peel.toml") && err.contains("aspect_ratio"),
        "{err}"
    );
    let out = craft.run_in(&craft.project, &["generate", "a fox", "--preset", "hero"]);
    assert_eq!(out.status.code(), Some(2));
    let out = craft.run_in(&craft.elsewhere, &["preset", "list"]);
    assert!(out.status.success(), "other folders are unaffected");
}

#[test]
fn safety_flags_reach_the_request_in_wire_and_friendly_forms() {
    let craft = Craft::new();
    let sidecars = craft.generate_in(
        &craft.elsewhere,
        &[
            "--safety",
            "HARM_CATEGORY_HARASSMENT=BLOCK_ONLY_HIGH",
            "--safety",
            "dangerous-content=off",
            "--safety",
            "hate_speech=none",
        ],
    );
    assert_eq!(
        safety(&sidecars[0]),
        [
            pair("HARM_CATEGORY_HARASSMENT", "BLOCK_ONLY_HIGH"),
            pair("HARM_CATEGORY_HATE_SPEECH", "BLOCK_NONE"),
            pair("HARM_CATEGORY_DANGEROUS_CONTENT", "OFF"),
        ]
    );
}

#[test]
fn bad_safety_values_are_refused_before_sending() {
    let craft = Craft::new();
    let cases = [
        ("violence=off", "dangerous-content"),
        ("harassment=sometimes", "block_only_high"),
        ("HARM_CATEGORY_IMAGE_HATE=OFF", "Vertex AI only"),
        ("harassment", "CATEGORY=THRESHOLD"),
    ];
    for (value, expected) in cases {
        let out = craft.run_in(
            &craft.elsewhere,
            &["generate", "a fox", "--safety", value, "--json"],
        );
        assert_eq!(out.status.code(), Some(2), "{value}");
        let body: Value = serde_json::from_slice(&out.stdout).unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{value}: {message}");
    }
    assert!(!craft.world.out().join("a-fox.png").exists());
    let history = craft.json_in(&craft.elsewhere, &["history"]);
    assert_eq!(
        history["jobs"].as_array().map_or(0, Vec::len),
        0,
        "{history}"
    );
}

#[test]
fn image_safety_blocks_say_thresholds_do_not_help() {
    let mut craft = Craft::new();
    craft.world.set("PEEL_SIM_FAULTS", "image-safety");
    let out = craft.run_in(
        &craft.elsewhere,
        &["generate", "a fox", "--safety", "harassment=off"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("IMAGE_SAFETY"), "{err}");
    assert!(err.contains("whatever the safety settings say"), "{err}");
    assert!(!err.contains("lower the threshold"), "{err}");
}

#[test]
fn preset_list_and_show_say_where_presets_come_from() {
    let craft = Craft::new();
    let list = craft.json_in(&craft.project, &["preset", "list"]);
    let presets = list["presets"].as_array().unwrap();
    assert_eq!(presets.len(), 2);
    assert_eq!(presets[0]["name"], "draft");
    assert_eq!(presets[0]["source"], "user");
    assert_eq!(presets[1]["name"], "hero");
    assert_eq!(presets[1]["source"], "project");
    assert_eq!(presets[1]["overrides"]["source"], "user");
    assert!(
        list["project_file"]
            .as_str()
            .unwrap()
            .ends_with("project/peel.toml")
    );
    let show = craft.json_in(&craft.elsewhere, &["preset", "show", "hero"]);
    assert_eq!(show["source"], "user");
    assert!(show["file"].as_str().unwrap().ends_with("config.toml"));
    assert_eq!(show["settings"]["aspect"], "4:5");
    assert_eq!(show["settings"]["seed_mode"], "fixed");
    assert_eq!(show["settings"]["safety"]["harassment"], "block_only_high");
    let human = craft.run_in(&craft.project, &["preset", "show", "hero"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("project") && text.contains("16:9"), "{text}");
    let out = craft.run_in(&craft.project, &["preset", "show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn preset_save_keeps_the_file_and_refuses_to_overwrite_without_force() {
    let craft = Craft::new();
    let saved = craft.json_in(
        &craft.elsewhere,
        &[
            "preset",
            "save",
            "wide",
            "--aspect",
            "16:9",
            "--size",
            "2K",
            "--safety",
            "harassment=off",
            "--seed-mode",
            "random",
        ],
    );
    assert_eq!(saved["source"], "user");
    let text = craft.user_config();
    assert!(
        text.starts_with(USER_CONFIG),
        "comments and content kept:\n{text}"
    );
    assert!(text.contains("[presets.wide]"), "{text}");
    let used = craft.generate_in(&craft.elsewhere, &["--preset", "wide"]);
    assert_eq!(used[0]["aspect"], "16:9");
    assert_eq!(used[0]["size"], "2K");
    let again = craft.run_in(
        &craft.elsewhere,
        &["preset", "save", "wide", "--size", "1K"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(craft.user_config(), text, "nothing written");
    let bad = craft.run_in(
        &craft.elsewhere,
        &["preset", "save", "odd", "--aspect", "7:3"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("7:3"), "{}", stderr(&bad));
    assert_eq!(craft.user_config(), text, "nothing written");
    let forced = craft.json_in(
        &craft.elsewhere,
        &[
            "preset", "save", "wide", "--size", "1K", "--force", "--from", "hero",
        ],
    );
    assert_eq!(forced["replaced"], true);
    assert_eq!(forced["settings"]["aspect"], "4:5");
    assert_eq!(forced["settings"]["size"], "1K");
    let leftovers: Vec<_> = std::fs::read_dir(craft.world.root.path().join("config"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["config.toml"], "no temp files");
}

#[test]
fn preset_save_project_writes_the_nearest_peel_toml() {
    let craft = Craft::new();
    craft.json_in(
        &craft.project.join("sub"),
        &["preset", "save", "square", "--project", "--aspect", "1:1"],
    );
    let text = std::fs::read_to_string(craft.project.join("peel.toml")).unwrap();
    assert!(text.starts_with(PROJECT), "{text}");
    assert!(!craft.project.join("sub/peel.toml").exists());
    let show = craft.json_in(&craft.project, &["preset", "show", "square"]);
    assert_eq!(show["source"], "project");
    craft.json_in(
        &craft.elsewhere,
        &["preset", "save", "local", "--project", "--size", "1K"],
    );
    assert!(craft.elsewhere.join("peel.toml").exists());
}

#[test]
fn lint_gives_advice_and_exits_0() {
    let craft = Craft::new();
    let out = craft.run_in(
        &craft.elsewhere,
        &["lint", "a neon sign that says Open Late, 16:9, 4K"],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for rule in ["quote-text", "ratio-in-prompt", "size-in-prompt"] {
        assert!(text.contains(rule), "{rule}: {text}");
    }
    let clean = craft.json_in(
        &craft.elsewhere,
        &["lint", "A red fox in fresh snow, watercolor, soft light"],
    );
    assert_eq!(clean["notes"], 0);
    let anchors = craft.json_in(
        &craft.elsewhere,
        &["lint", "a girl in the rain", "--with", "Mira,Tom"],
    );
    let rules: Vec<&str> = anchors["items"][0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["anchor-not-named", "anchor-not-named"]);
    std::fs::write(craft.elsewhere.join("p.txt"), "fox\n").unwrap();
    let file = craft.json_in(&craft.elsewhere, &["lint", "p.txt"]);
    assert_eq!(file["items"][0]["notes"][0]["rule"], "too-short");
    assert_eq!(file["items"][0]["notes"][0]["span"]["start"], 0);
}

#[test]
fn lint_checks_batch_files_item_by_item() {
    let craft = Craft::new();
    let toml = "[defaults]\nwith = [\"Mira\"]\npreset = \"hero\"\n\n[[item]]\nkey = \"door\"\nprompt = \"Mira opens the bakery door at 7:30 am\"\n\n[[item]]\nprompt = \"a bakery sign that reads Fresh Bread, Mira waving\"\n\n[[item]]\nprompt = \"Tom alone on the street\"\nwith = [\"Tom\"]\n";
    std::fs::write(craft.elsewhere.join("b.toml"), toml).unwrap();
    let body = craft.json_in(&craft.elsewhere, &["lint", "b.toml"]);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0]["notes"].as_array().unwrap().len(),
        0,
        "{}",
        items[0]
    );
    assert_eq!(items[0]["line"], 5);
    assert_eq!(items[1]["notes"][0]["rule"], "quote-text");
    assert_eq!(
        items[2]["notes"].as_array().unwrap().len(),
        0,
        "{}",
        items[2]
    );
    let jsonl = "{\"defaults\": {\"with\": [\"Tom\"]}}\n{\"prompt\": \"Mira and Tom at the door\"}\n{\"prompt\": \"Mira alone\", \"with\": [\"Mira\"]}\n";
    std::fs::write(craft.elsewhere.join("b.jsonl"), jsonl).unwrap();
    let body = craft.json_in(&craft.elsewhere, &["lint", "b.jsonl"]);
    assert_eq!(body["items"][0]["line"], 2);
    assert_eq!(body["items"][0]["notes"][0]["rule"], "anchor-not-in-shot");
    let human = craft.run_in(&craft.elsewhere, &["lint", "b.jsonl"]);
    assert!(human.status.success());
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with("item 1 (line 2): anchor-not-in-shot:"),
        "{text}"
    );
    for missing in ["nope.toml", "nope.jsonl"] {
        let out = craft.run_in(&craft.elsewhere, &["lint", missing]);
        assert_eq!(out.status.code(), Some(2), "{missing}");
    }
    std::fs::write(
        craft.elsewhere.join("bad.jsonl"),
        "{\"prompt\": 1}\n{nope\n",
    )
    .unwrap();
    let out = craft.run_in(&craft.elsewhere, &["lint", "bad.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
}

#[test]
fn edit_takes_presets_and_safety_too() {
    let craft = Craft::new();
    let first = craft.generate_in(&craft.elsewhere, &[]);
    let image = craft
        .world
        .out()
        .join(first[0]["image"]["file"].as_str().unwrap());
    let out = craft.world.out().join("edits");
    let body = craft.json_in(
        &craft.elsewhere,
        &[
            "edit",
            image.to_str().unwrap(),
            "make the snow blue",
            "--preset",
            "hero",
            "--safety",
            "sexually-explicit=block_low_and_above",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let sidecar: Value = serde_json::from_str(
        &std::fs::read_to_string(body["outputs"][0]["sidecar"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(sidecar["aspect"], "4:5");
    assert_eq!(sidecar["seed"], 77);
    assert_eq!(sidecar["preset"], "hero");
    assert!(safety(&sidecar).contains(&pair(
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "BLOCK_LOW_AND_ABOVE"
    )));
    let session = body["session"].as_str().unwrap();
    let again = craft.run_in(
        &craft.elsewhere,
        &["edit", session, "now red", "--safety", "harassment=maybe"],
    );
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn preset_anchors_go_in_shot_and_with_overrides_them() {
    let craft = Craft::new();
    for (name, desc) in [("Mira", "orange puffer jacket"), ("Tom", "grey beard")] {
        craft.json_in(
            &craft.elsewhere,
            &["roster", "add", "character", name, "--desc", desc],
        );
    }
    craft.json_in(
        &craft.elsewhere,
        &["preset", "save", "duo", "--with", "Mira,Tom"],
    );
    let both = craft.generate_in(&craft.elsewhere, &["--preset", "duo"]);
    assert_eq!(both[0]["anchors"], serde_json::json!(["Mira", "Tom"]));
    let only = craft.generate_in(&craft.elsewhere, &["--preset", "duo", "--with", "Tom"]);
    assert_eq!(only[0]["anchors"], serde_json::json!(["Tom"]));
    craft.json_in(
        &craft.elsewhere,
        &["preset", "save", "ghost", "--with", "Zed"],
    );
    let out = craft.run_in(
        &craft.elsewhere,
        &["generate", "a fox", "--preset", "ghost"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("'Zed'") && err.contains("preset 'ghost'"),
        "{err}"
    );
    let lint = craft.json_in(
        &craft.elsewhere,
        &["lint", "Mira and Tom at the bakery door", "--with", "Tom"],
    );
    assert_eq!(lint["items"][0]["notes"][0]["rule"], "anchor-not-in-shot");
}
