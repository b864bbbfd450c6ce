//! The review grid in a real terminal: tmux runs the binary, keys go in with send-keys,
//! and the test waits for screen text (never a fixed sleep). Marks must reach the manifest.

mod batch_support;
#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;

use batch_support::*;
use tmux::Tmux;

fn manifest_marks(dir: &Path) -> Vec<(String, String)> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            Some((
                i["file"].as_str()?.to_string(),
                i["mark"].as_str()?.to_string(),
            ))
        })
        .collect()
}

/// The folder of a finished run of `items` items at 512 px.
fn finished_run(home: &Home, items: usize) -> std::path::PathBuf {
    let file = home.write("b.toml", &simple_batch(items, "512"));
    let run = home.run(&[
        "batch",
        "run",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--rpm",
        "6000",
        "--json",
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    std::path::PathBuf::from(json(&run)["dir"].as_str().unwrap())
}

/// The shell line running `peel review DIR` in `home`.
fn review_command(home: &Home, dir: &Path) -> String {
    format!(
        "exec env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=0 '{}' --image-protocol halfblocks review '{}'",
        home.path("config").display(),
        home.path("data").display(),
        home.path("state").display(),
        env!("CARGO_BIN_EXE_peel"),
        dir.display()
    )
}

/// The mark drawn two columns left of `name` on the screen ('?' when `name` is not shown).
fn mark_before(screen: &str, name: &str) -> char {
    screen
        .lines()
        .find_map(|line| {
            let at = line.find(name)?;
            let before: Vec<char> = line[..at].chars().collect();
            (before.len() >= 2 && before[before.len() - 1] == ' ').then(|| before[before.len() - 2])
        })
        .unwrap_or('?')
}

/// Items 1, 2 and 3 marked star, reject and keep: each mark is read right before its own
/// caption on the real screen, at a narrow and a wide width.
#[test]
fn each_mark_sits_by_its_own_thumbnail_in_the_real_terminal() {
    let home = Home::new();
    home.config("");
    let dir = finished_run(&home, 4);
    let command = review_command(&home, &dir);
    let tmux = Tmux::start("review-marks", &command);
    tmux.wait_for_all(&["001_k0.jpg", "002_k1.jpg", "003_k2.jpg"]);
    tmux.send(&["s", "l", "n", "l", "y"]);
    tmux.wait_for_all(&["★1 ✓1 ✗1"]);
    for width in [120usize, 80] {
        tmux.run(&["resize-window", "-t", "peel", "-x", &width.to_string()]);
        // The grid's frame spans the whole width once the resize is drawn.
        let screen = tmux.wait_for(&format!("the grid at {width} columns"), |s| {
            s.lines().last().is_some_and(|l| l.contains("★1 ✓1 ✗1"))
                && s.lines().all(|l| l.chars().count() <= width)
                && s.lines()
                    .any(|l| l.starts_with('┌') && l.chars().count() >= width - 1)
                && s.contains("001_k0")
        });
        for (mark, name) in [('★', "001_k0"), ('✗', "002_k1"), ('✓', "003_k2")] {
            if screen.contains(name) {
                assert_eq!(
                    mark_before(&screen, name),
                    mark,
                    "{name} at {width}:\n{screen}"
                );
            }
        }
        assert_eq!(
            mark_before(&screen, "004_k3"),
            ' ',
            "item 4 is unmarked:\n{screen}"
        );
    }
    tmux.send(&["q"]);
}

#[test]
fn review_grid_navigates_marks_filters_and_compares() {
    let home = Home::new();
    home.config("");
    let dir = finished_run(&home, 7);
    let command = review_command(&home, &dir);
    let tmux = Tmux::start("review", &command);
    tmux.wait_for_all(&[
        "review · batch_",
        "1/7 · all",
        "001_k0.jpg",
        "item number 0",
    ]);
    tmux.send(&["s"]);
    tmux.wait_for_all(&["★1 ✓0 ✗0"]);
    tmux.send(&["l", "n"]);
    tmux.wait_for_all(&["★1 ✓0 ✗1"]);
    tmux.send(&["j", "y"]);
    // Down a row from 2 in a 3-wide grid is 5.
    tmux.wait_for_all(&["★1 ✓1 ✗1", "5/7"]);
    tmux.send(&["f"]);
    tmux.wait_for("the starred filter hiding unstarred images", |s| {
        s.contains("1/1 · starred") && !s.contains("002_k1.jpg")
    });
    tmux.send(&["f", "f"]);
    tmux.wait_for_all(&["· rejected"]);
    tmux.send(&["f", "f", "f"]);
    tmux.wait_for_all(&["· all"]);
    tmux.send(&["c", "l", "c"]);
    tmux.wait_for_all(&["c or Esc: back to the grid"]);
    tmux.send(&["Escape"]);
    tmux.wait_for_all(&["y keep"]);
    // Promote the selected image to a new anchor: it lands in the roster.
    tmux.send(&["a"]);
    tmux.wait_for_all(&["promote to anchor"]);
    tmux.send(&["object Red Mug", "Enter"]);
    tmux.wait_for_all(&["is now a reference of object 'Red Mug' (1 refs)"]);
    let roster = json(&home.run(&["roster", "list", "--json"]));
    assert!(roster.to_string().contains("Red Mug"), "{roster}");
    // Re-run the last item (007): a new image joins it, in the grid and the manifest.
    tmux.send(&["G", "r"]);
    tmux.wait_for_all(&["item 7 re-ran: 007_k6-2.jpg", "7/8"]);
    assert!(dir.join("007_k6-2.jpg").exists() && dir.join("007_k6-2.jpg.json").exists());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["items"][6]["files"],
        serde_json::json!(["007_k6.jpg", "007_k6-2.jpg"])
    );
    assert_eq!(
        manifest_marks(&dir),
        vec![
            ("001_k0.jpg".to_string(), "star".to_string()),
            ("002_k1.jpg".to_string(), "reject".to_string()),
            ("005_k4.jpg".to_string(), "keep".to_string()),
        ]
    );
    tmux.send(&["q"]);
    tmux.wait_closed("the review after q");
    assert!(
        home.path("data/thumbs").exists(),
        "thumbnails are cached on disk"
    );
    // Reopened, the review shows the saved marks.
    tmux.open(&command);
    tmux.wait_for_all(&["★1 ✓1 ✗1"]);
    tmux.send(&["q"]);
}

#[test]
fn shift_p_promotes_the_starred_picks_bigger_from_the_grid() {
    let home = Home::new();
    home.config("");
    let dir = finished_run(&home, 3);
    let tmux = Tmux::start("review-promote", &review_command(&home, &dir));
    tmux.wait_for_all(&["review · batch_", "1/3 · all"]);
    tmux.send(&["P"]);
    tmux.wait_for_all(&["mark some first"]);
    tmux.send(&["l", "s"]);
    tmux.wait_for_all(&["★1 ✓0 ✗0"]);
    tmux.send(&["P"]);
    tmux.wait_for_all(&["render them at size"]);
    tmux.send(&["-l", "2K"]);
    tmux.send(&["Enter"]);
    let promoted = format!("{}-2K", dir.display());
    tmux.wait_for("the promoted folder named in the status line", |s| {
        s.contains("promoted: ") && s.contains("-2K")
    });
    let names = names(std::path::Path::new(&promoted));
    assert!(names.contains(&"002_k1.jpg".to_string()), "{names:?}");
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".jpg")).count(),
        1,
        "{names:?}"
    );
}

/// A finished story of three frames at 512 px; frame 3 leaves its anchor out.
fn finished_story(home: &Home) -> std::path::PathBuf {
    home.config("[batch]\nrpm = 6000");
    let reference = home.path("mira.png");
    let mut image = image::RgbImage::from_pixel(64, 64, image::Rgb([230, 40, 160]));
    for y in 32..64 {
        for x in 0..64 {
            image.put_pixel(x, y, image::Rgb([20, 120, 90]));
        }
    }
    image.save(&reference).unwrap();
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
    let file = home.write(
        "heist.toml",
        "[defaults]\nwith = [\"Mira\"]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n\
         [[frame]]\nkey = \"door\"\nprompt = \"Mira at the door\"\n\
         [[frame]]\nkey = \"vault\"\nprompt = \"Mira in the vault\"\n\
         [[frame]]\nkey = \"empty\"\nprompt = \"an empty alley\"\nwith = []\n",
    );
    let story = home.run(&[
        "story",
        file.to_str().unwrap(),
        "--out",
        home.out().to_str().unwrap(),
        "--json",
    ]);
    assert!(story.status.success(), "{}", stderr(&story));
    std::path::PathBuf::from(json(&story)["dir"].as_str().unwrap())
}

#[test]
fn a_story_opens_as_a_strip_and_checked_frames_show_their_badges() {
    let home = Home::new();
    let dir = finished_story(&home);
    let tmux = Tmux::start("story", &review_command(&home, &dir));
    tmux.wait_for_all(&[
        "story · story_heist_",
        "1/3 · all",
        "01_door.jpg",
        "03_empty.jpg",
    ]);
    // Keep frames 1 and 2, then C checks the kept frames against the anchors they name.
    tmux.send(&["y", "l", "y", "C"]);
    let checked = tmux.wait_for("score badges under frames 1 and 2", |s| {
        s.lines().any(|l| {
            l.contains("01_door.jpg")
                && l.contains("02_vault.jpg")
                && l.contains("03_empty.jpg")
                && l.matches(" 9").count() >= 2
        })
    });
    assert!(
        checked.contains("consistency (gemini-3.6-flash)"),
        "{checked}"
    );
    tmux.send(&["q"]);
    tmux.wait_closed("the review after q");

    // Frame 3 was made without Mira: checked against her, it drifts.
    let out = home.run(&[
        "check",
        dir.join("03_empty.jpg").to_str().unwrap(),
        "--with",
        "Mira",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tmux = Tmux::start("story2", &review_command(&home, &dir));
    tmux.wait_for_all(&["story · story_heist_", "03_empty.jpg"]);
    tmux.send(&["f", "f", "f", "f", "f"]);
    let drifted = tmux.wait_for_all(&["1/1 · drifted", "drifted: "]);
    assert!(!drifted.contains("01_door.jpg"), "{drifted}");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("01_door.jpg.json")).unwrap()).unwrap();
    assert!(
        sidecar["consistency"]["anchors"][0]["score"]
            .as_u64()
            .unwrap()
            >= 70,
        "{sidecar}"
    );
    tmux.send(&["q"]);
    tmux.wait_closed("the second review");
}
