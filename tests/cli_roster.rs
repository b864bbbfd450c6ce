//! The roster and anchors in shot, through the CLI.
#![allow(clippy::unwrap_used)]

mod common;

use common::{World, stderr};

fn make_ref(world: &World, prompt: &str) -> String {
    let body = world.json(&["generate", prompt, "--out", world.out().to_str().unwrap()]);
    body["outputs"][0]["path"].as_str().unwrap().to_string()
}

#[test]
fn five_characters_at_most_and_budgets_enforced_before_sending() {
    let world = World::new();
    let face = make_ref(&world, "a portrait");
    for name in ["Ada", "Bo", "Cy", "Di", "Ed"] {
        world.json(&[
            "roster",
            "add",
            "character",
            name,
            "--desc",
            "red scarf",
            "--ref",
            &face,
        ]);
    }
    let sixth = world.run(&["roster", "add", "character", "Fay", "--ref", &face]);
    assert_eq!(sixth.status.code(), Some(2));
    assert!(
        stderr(&sixth).contains("5 characters"),
        "{}",
        stderr(&sixth)
    );
    world.json(&["roster", "add", "object", "Fay", "--desc", "a brass lamp"]);

    let over = world.run(&[
        "generate",
        "a group photo",
        "--with",
        "Ada,Bo,Cy",
        "--with",
        "Di,Ed",
    ]);
    assert_eq!(over.status.code(), Some(2));
    let err = stderr(&over);
    assert!(err.contains("at most 4 character images"), "{err}");
    assert!(
        err.contains("Ada (character") && err.contains("gemini-3-pro-image"),
        "{err}"
    );

    let body = world.json(&[
        "generate",
        "a group photo",
        "--with",
        "Ada,Bo,Cy,Di,Ed",
        "--model",
        "nano-banana-pro",
        "--out",
        world.out().to_str().unwrap(),
    ]);
    let sidecar: serde_json::Value = serde_json::from_slice(
        &std::fs::read(body["outputs"][0]["sidecar"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        sidecar["anchors"],
        serde_json::json!(["Ada", "Bo", "Cy", "Di", "Ed"])
    );
    assert!(
        sidecar["usage"]["promptTokenCount"].as_u64().unwrap() > 5 * 250,
        "five images went with the prompt"
    );

    let unknown = world.run(&["generate", "x", "--with", "Zed"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("no anchor is named 'Zed'"));
}

#[test]
fn roster_round_trips_through_export_and_import_and_promote_adds_references() {
    let world = World::new();
    let img = make_ref(&world, "a teapot");
    world.json(&[
        "roster",
        "add",
        "object",
        "Teapot",
        "--desc",
        "blue enamel, gold lid",
        "--ref",
        &img,
    ]);
    world.json(&[
        "roster",
        "add",
        "character",
        "Mira",
        "--desc",
        "orange puffer jacket",
    ]);
    let promoted = world.json(&["roster", "promote", &img, "Mira"]);
    assert_eq!(promoted["anchor"]["refs"].as_array().unwrap().len(), 1);
    let fresh = world.json(&[
        "roster",
        "promote",
        &img,
        "Cup",
        "--kind",
        "object",
        "--desc",
        "white mug",
    ]);
    assert_eq!(fresh["anchor"]["kind"], "object");
    let missing_kind = world.run(&["roster", "promote", &img, "Nobody"]);
    assert_eq!(missing_kind.status.code(), Some(2));
    assert!(stderr(&missing_kind).contains("--kind"));

    let before = world.json(&["roster", "list"]);
    let file = world.root.path().join("roster.toml");
    assert!(
        world
            .run(&["roster", "export", file.to_str().unwrap()])
            .status
            .success()
    );
    for name in ["Teapot", "Mira", "Cup"] {
        world.json(&["roster", "rm", name]);
    }
    assert_eq!(
        world.json(&["roster", "list"])["anchors"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let imported = world.run(&["roster", "import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let after = world.json(&["roster", "list"]);
    let strip = |v: &serde_json::Value| {
        v["anchors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["name"].clone(),
                    a["kind"].clone(),
                    a["description"].clone(),
                    a["refs"].clone(),
                    a["pinned"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&before), strip(&after));

    std::fs::write(&file, "[[anchor]]\nname = \"X\"\nkind = \"robot\"\n").unwrap();
    let bad = world.run(&["roster", "import", file.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("robot"), "{}", stderr(&bad));
}

/// The anchors a generation sent, from its sidecar.
fn sent_anchors(world: &World, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["generate"];
    all.extend_from_slice(args);
    let out = world.out();
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    let body = world.json(&all);
    let sidecar: serde_json::Value = serde_json::from_slice(
        &std::fs::read(body["outputs"][0]["sidecar"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    sidecar["anchors"].clone()
}

/// "In shot" means one thing everywhere: pinned, or named in the prompt. A new entry is
/// neither until the prompt names it; `roster show`, `lint` and what is sent agree.
#[test]
fn an_anchor_added_from_the_cli_is_in_shot_only_when_named_or_pinned() {
    let world = World::new();
    common::add_two_colour_character(&world, "Mira");
    let shown = world.run(&["roster", "show", "Mira"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("in shot:     where a prompt names Mira"),
        "{text}"
    );
    assert_eq!(
        world.json(&["roster", "show", "Mira"])["anchor"]["pinned"],
        false
    );

    let none = sent_anchors(&world, &["a quiet harbour at dawn"]);
    assert!(
        none.is_null() || none == serde_json::json!([]),
        "an unnamed anchor is not sent: {none}"
    );
    assert_eq!(
        sent_anchors(&world, &["Mira holding a sign"]),
        serde_json::json!(["Mira"])
    );
    let lint = world.json(&["lint", "Mira holding a sign"]);
    assert_eq!(lint["notes"], 0, "named is in shot: {lint}");

    world.json(&["roster", "pin", "Mira"]);
    assert_eq!(
        sent_anchors(&world, &["a quiet harbour at dawn"]),
        serde_json::json!(["Mira"]),
        "a pinned anchor goes with every generation"
    );
    let lint = world.json(&["lint", "a quiet harbour at dawn"]);
    assert_eq!(
        lint["items"][0]["notes"][0]["rule"], "anchor-not-named",
        "{lint}"
    );
    world.json(&["roster", "unpin", "Mira"]);

    // An old export's `in_shot` still reads, as `pinned`.
    let file = world.root.path().join("old.toml");
    std::fs::write(
        &file,
        "[[anchor]]\nname = \"Lamp\"\nkind = \"object\"\nin_shot = true\n",
    )
    .unwrap();
    let imported = world.run(&["roster", "import", file.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    assert_eq!(
        world.json(&["roster", "show", "Lamp"])["anchor"]["pinned"],
        true
    );
    let exported = world.root.path().join("new.toml");
    world.run(&["roster", "export", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.contains("pinned = true") && !text.contains("in_shot"),
        "{text}"
    );
}

/// In a batch file, no `with` means the anchors in shot for each prompt; `with = []` means
/// none at all, whatever the prompt names.
#[test]
fn a_batch_item_without_with_takes_the_named_anchors_and_an_empty_with_takes_none() {
    let world = World::new();
    common::add_two_colour_character(&world, "Mira");
    let file = world.root.path().join("b.toml");
    std::fs::write(
        &file,
        "[[item]]\nkey = \"named\"\nprompt = \"Mira on a pier\"\n\n\
         [[item]]\nkey = \"none\"\nprompt = \"Mira on a pier, alone\"\nwith = []\n\n\
         [[item]]\nkey = \"harbour\"\nprompt = \"a harbour at dawn\"\n",
    )
    .unwrap();
    let report = world.json(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        world.out().to_str().unwrap(),
    ]);
    let dir = std::path::PathBuf::from(report["dir"].as_str().unwrap());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let with: Vec<(String, serde_json::Value)> = manifest["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_string(),
                i["settings"]["with"].clone(),
            )
        })
        .collect();
    assert_eq!(
        with,
        vec![
            ("named".into(), serde_json::json!(["Mira"])),
            ("none".into(), serde_json::json!([])),
            ("harbour".into(), serde_json::json!([])),
        ]
    );
}
