//! `peel batch promote`: explore small, re-render the picks bigger with the same request.
#![allow(clippy::unwrap_used)]

mod batch_support;

use std::path::{Path, PathBuf};

use batch_support::*;

fn sidecar(path: &Path) -> serde_json::Value {
    let mut name = path.as_os_str().to_owned();
    name.push(".json");
    serde_json::from_slice(&std::fs::read(PathBuf::from(name)).unwrap()).unwrap()
}

/// A finished 4-item run at 512 px with a reference image; returns its folder.
fn drafts(home: &Home) -> PathBuf {
    home.config("[batch]\nrpm = 6000\nconcurrency = 4");
    let reference = home.path("ref.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([200, 30, 30]))
        .save(&reference)
        .unwrap();
    let text = "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\nrefs = [\"ref.png\"]\n\
        [[item]]\nkey = \"hero\"\nprompt = \"a fox, hero shot\"\n\
        [[item]]\nkey = \"wide\"\nprompt = \"a fox, wide shot\"\nseed = 77\n\
        [[item]]\nkey = \"close\"\nprompt = \"a fox, close-up\"\n\
        [[item]]\nkey = \"back\"\nprompt = \"a fox from behind\"\n";
    let file = home.write("shots.toml", text);
    let run = home
        .cmd()
        .args(["batch", "run", file.to_str().unwrap(), "--json", "--out"])
        .arg(home.out())
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    PathBuf::from(json(&run)["dir"].as_str().unwrap())
}

#[test]
fn picks_are_rerendered_bigger_with_the_same_request_beside_the_drafts() {
    let home = Home::new();
    let dir = drafts(&home);
    let out = home.run(&[
        "batch",
        "promote",
        dir.to_str().unwrap(),
        "--items",
        "2,close",
        "--size",
        "2k",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let promoted = PathBuf::from(report["dir"].as_str().unwrap());
    assert_eq!(
        promoted.file_name().unwrap().to_string_lossy(),
        format!("{}-2K", dir.file_name().unwrap().to_string_lossy())
    );
    assert_eq!(promoted.parent(), dir.parent(), "a sibling folder");
    assert_eq!(
        (report["done"].as_u64(), report["total"].as_u64()),
        (Some(2), Some(2))
    );
    let images: Vec<String> = names(&promoted)
        .into_iter()
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    assert_eq!(
        images,
        vec!["002_wide.jpg", "003_close.jpg"],
        "NNN_<key> kept"
    );
    for name in &images {
        let draft = sidecar(&dir.join(name));
        let big = sidecar(&promoted.join(name));
        for field in ["prompt", "model", "seed", "aspect", "references", "anchors"] {
            assert_eq!(big[field], draft[field], "{name}: {field}");
        }
        assert_eq!(
            (draft["size"].as_str(), big["size"].as_str()),
            (Some("512"), Some("2K"))
        );
        assert_eq!(big["image"]["width"], 2048, "{name}");
        assert_eq!(big["references"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            big["promoted_from"].as_str(),
            Some(dir.join(name).to_str().unwrap()),
            "{name}"
        );
    }
    assert_eq!(sidecar(&promoted.join("002_wide.jpg"))["seed"], 77);

    // The same picks again go to a new folder; nothing is overwritten.
    let again = home.run(&[
        "batch",
        "promote",
        dir.to_str().unwrap(),
        "--items",
        "2",
        "--size",
        "2K",
        "--json",
    ]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(json(&again)["dir"].as_str().unwrap().ends_with("-2K-2"));
}

#[test]
fn marked_picks_are_promoted_and_bad_picks_refused_before_any_request() {
    let home = Home::new();
    let dir = drafts(&home);
    let manifest_path = dir.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    for item in manifest["items"].as_array_mut().unwrap() {
        if item["key"] == "back" {
            item["mark"] = serde_json::json!("star");
        }
    }
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let runs_before = json(&home.run(&["batch", "list", "--json"]))["runs"]
        .as_array()
        .unwrap()
        .len();
    for (args, says) in [
        (vec!["--items", "nope"], "no item 'nope'"),
        (vec!["--marked", "keep"], "is marked keep"),
        (vec!["--items", "1", "--size", "8K"], "has no size '8K'"),
    ] {
        let mut all = vec!["batch", "promote", dir.to_str().unwrap()];
        all.extend(args.iter());
        if !args.contains(&"--size") {
            all.extend(["--size", "2K"]);
        }
        let out = home.run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let runs_after = json(&home.run(&["batch", "list", "--json"]))["runs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        runs_before, runs_after,
        "nothing recorded for refused picks"
    );
    let out = home.run(&[
        "batch",
        "promote",
        dir.to_str().unwrap(),
        "--marked",
        "star",
        "--size",
        "4K",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let promoted = PathBuf::from(json(&out)["dir"].as_str().unwrap());
    let images: Vec<String> = names(&promoted)
        .into_iter()
        .filter(|n| n.ends_with(".jpg"))
        .collect();
    assert_eq!(images, vec!["004_back.jpg"]);
    assert_eq!(
        sidecar(&promoted.join("004_back.jpg"))["image"]["width"],
        4096
    );
}
