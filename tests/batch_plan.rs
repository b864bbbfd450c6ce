//! `peel batch plan`: counts, both lanes' cost, duration; precise refusals.

mod batch_support;

use batch_support::*;

#[test]
fn plan_reports_items_cost_on_each_lane_and_time_at_the_rate() {
    let home = Home::new();
    home.config("[batch]\nrpm = 600\n");
    let file = home.write("b.toml", &simple_batch(200, "1K"));
    let out = home.run(&["batch", "plan", file.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan = json(&out);
    assert_eq!(plan["items"], 200);
    assert_eq!(plan["images"], 200);
    assert_eq!(plan["rpm"], 600);
    assert!(
        (plan["interactive_usd"].as_f64().unwrap() - 6.8).abs() < 1e-6,
        "{plan}"
    );
    assert!(
        (plan["batch_usd"].as_f64().unwrap() - 3.4).abs() < 1e-6,
        "{plan}"
    );
    assert!((plan["estimated_seconds"].as_f64().unwrap() - 19.9).abs() < 1e-6);
    let human = home.run(&["batch", "plan", file.to_str().unwrap(), "--rpm", "60"]);
    let text = stdout(&human);
    assert!(text.contains("200 items, 200 images"), "{text}");
    assert!(text.contains("3 min 19 s at 60 requests/min"), "{text}");
}

#[test]
fn the_example_file_is_valid() {
    let home = Home::new();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/batch.example.toml");
    let out = home.run(&["batch", "plan", example, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["items"], 9);
}

#[test]
fn invalid_files_are_refused_with_file_line_and_field() {
    let home = Home::new();
    let file = home.write(
        "bad.toml",
        "[[item]]\nprompt = \"fine\"\n\n[[item]]\nkey = \"wide\"\nprompt = \"x\"\naspect = \"7:3\"\n",
    );
    let out = home.run(&["batch", "plan", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml:7: item 2 (wide), field `aspect`"),
        "{err}"
    );
    assert!(err.contains("Allowed:"), "{err}");
    let out = home.run(&["batch", "plan", file.to_str().unwrap(), "--json"]);
    assert_eq!(json(&out)["error"]["kind"], "validation");
    let jsonl = home.write(
        "b.jsonl",
        "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"model\": \"gemini-9\"}\n",
    );
    let out = home.run(&["batch", "plan", jsonl.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(
        err.contains("b.jsonl:2: item 2 (b), field `model`") && err.contains("gemini-9"),
        "{err}"
    );
    let unquoted = home.write("bare.toml", "[[item]]\nprompt = \"a fox\"\nkey = fox\n");
    let out = home.run(&["batch", "plan", unquoted.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("bare.toml:3") && err.contains("strings need quotes: key = \"fox\""),
        "{err}"
    );
    let missing = home.run(&["batch", "plan", "/no/such/file.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn with_names_are_checked_against_the_roster_and_sent_as_anchors() {
    let home = Home::new();
    home.config("");
    let reference = home.path("mira.png");
    image::RgbImage::new(8, 8).save(&reference).unwrap();
    let added = home.run(&[
        "roster",
        "add",
        "character",
        "Mira",
        "--desc",
        "red scarf",
        "--ref",
        reference.to_str().unwrap(),
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let unknown = home.write(
        "u.toml",
        "[defaults]\nwith = [\"mira\", \"Nobody\"]\n[[item]]\nprompt = \"x\"\n",
    );
    let out = home.run(&["batch", "plan", unknown.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("u.toml:2: item 1 (x), field `with`")
            && err.contains("'Nobody'")
            && err.contains("Mira"),
        "{err}"
    );
    let good = home.write(
        "g.toml",
        "[[item]]\nprompt = \"at the beach\"\nmodel = \"nano-banana-2\"\nsize = \"512\"\nwith = [\"mira\"]\n",
    );
    assert!(
        home.run(&["batch", "plan", good.to_str().unwrap()])
            .status
            .success()
    );
    let run = home.run(&[
        "batch",
        "run",
        good.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--rpm",
        "6000",
        "--json",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let dir = std::path::PathBuf::from(json(&run)["dir"].as_str().unwrap());
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("001_at-the-beach.jpg.json")).unwrap())
            .unwrap();
    assert!(
        sidecar["anchors"].to_string().contains("Mira"),
        "the anchor was sent: {sidecar}"
    );
    assert_eq!(sidecar["batch"]["with"], serde_json::json!(["mira"]));
}

/// The Batch API's own limit: one job takes up to 50,000 requests.
const BIG: usize = 50_000;

#[test]
fn fifty_thousand_items_plan_in_every_shape() {
    let home = Home::new();
    let mut toml = String::from("[defaults]\nsize = \"1K\"\n");
    let mut jsonl = String::new();
    for n in 0..BIG {
        // No keys and one shared prompt start: every derived key collides with the last.
        toml.push_str(&format!(
            "\n[[item]]\nprompt = \"product shot of a ceramic mug on a white table, number {n}\"\n"
        ));
        jsonl.push_str(&format!("{{\"prompt\": \"a mug, number {n}\"}}\n"));
    }
    let values = |prefix: &str, count: usize| {
        (0..count)
            .map(|i| format!("\"{prefix}{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let matrix = format!(
        "[matrix]\nprompt = \"a {{animal}} in {{style}} style, {{light}} light\"\n\
         vars = {{ animal = [{}], style = [{}], light = [{}] }}\n",
        values("animal", 50),
        values("style", 10),
        values("light", BIG / 500)
    );
    for (name, text) in [
        ("big.toml", toml),
        ("big.jsonl", jsonl),
        ("matrix.toml", matrix),
    ] {
        let file = home.write(name, &text);
        let out = home.run(&["batch", "plan", file.to_str().unwrap(), "--json"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let plan = json(&out);
        assert_eq!(plan["items"], BIG, "{name}");
        let items = plan["item_settings"].as_array().unwrap();
        assert_eq!(items.len(), BIG, "{name}");
        let keys: std::collections::HashSet<&str> =
            items.iter().map(|i| i["key"].as_str().unwrap()).collect();
        assert_eq!(keys.len(), BIG, "{name}: every item has its own key");
    }
}
