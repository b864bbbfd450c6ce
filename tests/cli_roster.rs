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
                    a["in_shot"].clone(),
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
