//! Kill the binary with SIGKILL mid-run (twice), resume, and check that every item is in
//! the folder exactly once, nothing saved was requested again, and no temp file is left.

mod batch_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use batch_support::*;

const ITEMS: usize = 60;

fn pngs(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".jpg"))
                .count()
        })
        .unwrap_or(0)
}

/// Waits until the run folder holds at least `n` images, then SIGKILLs the child. The
/// runs are paced (`--rpm 240`: 60 items take at least 15 s however fast the machine), so
/// the kill always lands mid-run, even with the CPUs busy.
fn kill_after(mut child: std::process::Child, out: &Path, n: usize) -> PathBuf {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let dir = std::fs::read_dir(out)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.is_dir());
        if let Some(dir) = dir
            && pngs(&dir) >= n
        {
            child.kill().unwrap();
            child.wait().unwrap();
            return dir;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_then_resume_saves_every_item_exactly_once() {
    let home = Home::new();
    home.config("");
    let file = home.write("b.toml", &simple_batch(ITEMS, "512"));
    let child = home
        .cmd()
        .args(["batch", "run", file.to_str().unwrap(), "--out"])
        .arg(home.out())
        .args(["--rpm", "240", "--concurrency", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let dir = kill_after(child, &home.out(), 12);
    let list = json(&home.run(&["batch", "list", "--json"]));
    assert_eq!(list["runs"][0]["state"], "interrupted", "{list}");
    let id = list["runs"][0]["id"].to_string();

    // Resume, and kill the resumed process too.
    let child = home
        .cmd()
        .args(["batch", "resume", &id, "--rpm", "240", "--concurrency", "4"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let again = kill_after(child, &home.out(), 30);
    assert_eq!(again, dir);

    let out = home.run(&["batch", "resume", &id, "--rpm", "6000", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["done"], ITEMS as u64, "{report}");

    let files = names(&dir);
    assert!(
        files
            .iter()
            .all(|f| !f.contains(".tmp") && !f.starts_with('.')),
        "{files:?}"
    );
    let images: Vec<&String> = files.iter().filter(|f| f.ends_with(".jpg")).collect();
    let indexes: BTreeSet<&str> = images.iter().map(|f| &f[..3]).collect();
    assert_eq!((images.len(), indexes.len()), (ITEMS, ITEMS), "{files:?}");
    for image in &images {
        assert!(
            files.contains(&format!("{image}.json")),
            "sidecar of {image}"
        );
    }
    assert_eq!(
        files.len(),
        ITEMS * 2 + 2,
        "images, sidecars, the manifest and its lock file only: {files:?}"
    );
    assert!(
        files.contains(&"manifest.json.lock".to_string()),
        "{files:?}"
    );

    // Every saved image came from exactly one successful request, and each sidecar names it.
    let history = json(&home.run(&["history", "--json", "--limit", "1000"]));
    let jobs = history
        .as_array()
        .or(history["jobs"].as_array())
        .unwrap()
        .clone();
    let done: Vec<&serde_json::Value> = jobs.iter().filter(|j| j["state"] == "done").collect();
    let mut per_prompt: BTreeMap<String, usize> = BTreeMap::new();
    for job in &done {
        *per_prompt
            .entry(job["prompt"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(
        per_prompt.values().all(|n| *n == 1),
        "an item was requested again after it was saved: {per_prompt:?}"
    );
    assert_eq!(per_prompt.len(), ITEMS);
    let done_ids: BTreeSet<i64> = done.iter().map(|j| j["id"].as_i64().unwrap()).collect();
    for image in &images {
        let sidecar: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{image}.json"))).unwrap())
                .unwrap();
        assert!(
            done_ids.contains(&sidecar["job_id"].as_i64().unwrap()),
            "{image}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["state"], "done");
    assert!(
        manifest["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "done")
    );
}
