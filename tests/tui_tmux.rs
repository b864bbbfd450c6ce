//! The workbench in a real terminal: tmux runs the built binary against the embedded
//! simulator, we type a prompt, press Ctrl+G, and read the screen back.

mod common;

use std::path::Path;
use std::process::Command;

use common::tmux::Tmux;

fn all_panes(screen: &str) -> bool {
    ["Prompt", "Anchors", "Jobs", "Preview"]
        .iter()
        .all(|pane| screen.contains(pane))
}

fn halfblock_cells(screen: &str) -> usize {
    screen.chars().filter(|c| matches!(c, '▀' | '▄')).count()
}

/// Starts the workbench in a fresh tmux server; returns it with the temp root and output dir.
fn start(tag: &str) -> (Tmux, tempfile::TempDir, std::path::PathBuf) {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = |name: &str| {
        let path = root.path().join(name);
        std::fs::create_dir_all(&path).expect("mkdir");
        path
    };
    let (config, _, _, out) = (dir("config"), dir("data"), dir("state"), dir("out"));
    std::fs::write(
        config.join("config.toml"),
        format!("[output]\ndir = \"{}\"\n", out.display()),
    )
    .expect("config");
    let tmux = launch(tag, root.path());
    (tmux, root, out)
}

/// Runs the workbench over the config, data and state dirs under `root` in a fresh tmux server.
fn launch(tag: &str, root: &Path) -> Tmux {
    launch_with(tag, root, "--image-protocol halfblocks")
}

/// Like `launch`, with `flags` before `--offline`.
fn launch_with(tag: &str, root: &Path, flags: &str) -> Tmux {
    let (config, data, state) = (root.join("config"), root.join("data"), root.join("state"));
    let command = format!(
        "env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=0 '{}' {flags} --offline; echo PEEL_EXITED=$?; sleep 60",
        config.display(),
        data.display(),
        state.display(),
        env!("CARGO_BIN_EXE_peel"),
    );
    Tmux::start(&format!("test-{tag}"), &command)
}

#[test]
fn the_workbench_generates_and_previews_in_a_real_terminal() {
    let (tmux, _root, out) = start("e2e");
    // Each wait names everything it needs: a capture can catch a frame half written.
    tmux.wait_for("the workbench with its four panes", |s| {
        s.contains("offline simulator — set GEMINI_API_KEY") && all_panes(s)
    });

    tmux.send(&["-l", "a lighthouse on a cliff at dusk"]);
    tmux.wait_for("the typed prompt", |s| {
        s.contains("a lighthouse on a cliff")
    });
    tmux.send(&["C-g"]);
    tmux.wait_for("the finished job and its image", |s| {
        s.contains("✓ #1") && s.contains("done") && halfblock_cells(s) > 100 && all_panes(s)
    });
    let images: Vec<_> = std::fs::read_dir(&out)
        .expect("output dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    assert_eq!(images.len(), 1, "one image in {}", out.display());
    assert!(is_jpeg(&images[0]), "interactions answer JPEG");

    tmux.send(&["C-q"]);
    let screen = tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));
    assert!(screen.contains("PEEL_EXITED=0"), "{screen}");
    assert!(
        !screen.contains("Anchors"),
        "the workbench is still drawn:\n{screen}"
    );
    assert!(!tmux.alternate_on(), "alternate screen left on");
}

#[test]
fn keys_typed_while_the_terminal_is_probed_all_reach_the_prompt() {
    let root = tempfile::tempdir().expect("temp dir");
    for dir in ["config", "data", "state"] {
        std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
    }
    // The default `auto` protocol: tmux answers the probe's DA1 but not its graphics query.
    let tmux = launch_with("probe", root.path(), "");
    tmux.send(&["-l", "hello "]);
    tmux.wait_for("the first frame", all_panes);
    tmux.send(&["-l", "world"]);
    let screen = tmux.wait_for("every typed key in the Prompt pane", |s| {
        s.contains("hello world")
    });
    assert!(screen.contains("11 chars"), "{screen}");
    tmux.send(&["F1"]);
    tmux.wait_for("the images line in the help overlay", |s| {
        // tmux answers DA1 itself: with sixel built in (3.4+) it carries sixel images.
        s.contains("images: halfblocks (inside tmux") || s.contains("images: sixel (detected)")
    });
}

#[test]
fn doctor_names_the_image_protocol_of_its_terminal() {
    let root = tempfile::tempdir().expect("temp dir");
    let command = format!(
        "env PEEL_CONFIG_DIR='{0}' PEEL_DATA_DIR='{0}' PEEL_STATE_DIR='{0}' '{1}' doctor --no-generate; sleep 60",
        root.path().display(),
        env!("CARGO_BIN_EXE_peel"),
    );
    let command = format!("tmux set -w window-style 'bg=#f0f0f0,fg=#000000'; {command}");
    let tmux = Tmux::start("doctor", &command);
    tmux.wait_for("the images and theme lines", |s| {
        (s.contains("images: halfblocks (inside tmux") || s.contains("images: sixel (detected)"))
            && s.contains("theme: light (auto: the terminal's background is #f0f0f0)")
    });
}

#[test]
fn sigterm_restores_the_terminal() {
    let (tmux, _root, _out) = start("term");
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    let shell = tmux.pane_pid().to_string();
    let child = Command::new("pgrep")
        .args(["-P", &shell, "-x", "peel"])
        .output()
        .expect("pgrep runs");
    let pid = String::from_utf8_lossy(&child.stdout).trim().to_string();
    assert!(!pid.is_empty(), "the peel process under the shell");
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs")
            .success()
    );
    let screen = tmux.wait_for("the shell after SIGTERM", |s| s.contains("PEEL_EXITED="));
    assert!(
        !screen.contains("Anchors"),
        "the workbench is still drawn:\n{screen}"
    );
    assert!(!tmux.alternate_on(), "alternate screen left on");
}

/// Runs `peel ARGS --json` against the same dirs as the workbench and parses its output.
fn peel_json(root: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_peel"))
        .env("PEEL_CONFIG_DIR", root.join("config"))
        .env("PEEL_DATA_DIR", root.join("data"))
        .env("PEEL_STATE_DIR", root.join("state"))
        .args(args)
        .arg("--json")
        .output()
        .expect("peel runs");
    assert!(output.status.success(), "peel {args:?}: {output:?}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("peel {args:?} printed no JSON ({e}): {output:?}"))
}

#[test]
fn two_ctrl_g_make_a_two_turn_edit_session() {
    let (tmux, root, _out) = start("session");
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    tmux.send(&["-l", "a lighthouse on a cliff at dusk"]);
    tmux.wait_for("the typed prompt", |s| {
        s.contains("a lighthouse on a cliff")
    });
    tmux.send(&["C-g"]);
    tmux.wait_for("the first turn", |s| {
        s.contains("✓ #1") && s.contains("turn 1")
    });
    tmux.send(&["C-l"]);
    tmux.send(&["-l", "make the sky stormy"]);
    tmux.wait_for("the typed instruction", |s| {
        s.contains("make the sky stormy")
    });
    tmux.send(&["C-g"]);
    tmux.wait_for("the second turn", |s| {
        s.contains("✓ #2") && s.contains("turn 2") && s.contains("turns: 1 › [2]")
    });
    tmux.send(&["C-q"]);
    tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));

    let list = peel_json(root.path(), &["session", "list"]);
    let sessions = list["sessions"].as_array().expect("a session list");
    assert_eq!(sessions.len(), 1, "{list}");
    assert_eq!(sessions[0]["turns"], 2, "{list}");
    let id = sessions[0]["id"].as_str().expect("a session id");
    let show = peel_json(root.path(), &["session", "show", id]);
    let turns = show["session"]["turns"].as_array().expect("turns");
    assert_eq!(turns.len(), 2, "{show}");
    assert!(turns[0]["parent"].is_null(), "{show}");
    assert_eq!(turns[1]["parent"], turns[0]["id"], "{show}");
    assert_eq!(turns[1]["instruction"], "make the sky stormy", "{show}");
    drop(tmux);

    // A fresh workbench names the shown job's session but starts a new one until the user
    // chooses that session (selecting its job).
    let again = launch("session-again", root.path());
    again.wait_for("the shown job's session, and a new session next", |s| {
        s.contains(&format!("#2 · session {id} · turn 2"))
            && s.contains("Ctrl+G: new session")
            && !s.contains("turns: 1 › [2]")
    });
    again.send(&["Tab", "Down", "Up"]);
    again.wait_for("the session chosen", |s| {
        s.contains(&format!("Ctrl+G: continues session {id} · turn 3"))
            && s.contains("turns: 1 › [2]")
    });
}

/// True for a JPEG file (what the Interactions API answers).
fn is_jpeg(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| b.starts_with(b"\xff\xd8"))
}

#[test]
fn a_batch_file_runs_into_the_jobs_pane_and_opens_in_review() {
    let (tmux, root, out) = start("batch");
    let file = root.path().join("shots.toml");
    std::fs::write(
        &file,
        "[defaults]\nsize = \"1K\"\n\n[[item]]\nkey = \"fox\"\nprompt = \"a red fox in fresh snow\"\n\n\
         [[item]]\nkey = \"owl\"\nprompt = \"a snowy owl at dusk\"\n\n\
         [[item]]\nkey = \"hare\"\nprompt = \"a hare on a frozen field\"\n",
    )
    .expect("batch file");
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    tmux.send(&["C-o"]);
    tmux.wait_for("the batch form", |s| s.contains("Run a batch file"));
    tmux.send(&["-l", &file.display().to_string()]);
    tmux.send(&["Enter"]);
    tmux.wait_for("the plan", |s| {
        s.contains("3 (3 images)") && s.contains("Enter: run it")
    });
    tmux.send(&["Enter"]);
    tmux.wait_for(
        "the finished run and its tagged items in the Jobs pane",
        |s| {
            s.contains("batch 1 · 3/3")
                && s.contains("· done")
                && ["[1·fox]", "[2·owl]", "[3·hare]"]
                    .iter()
                    .all(|tag| s.contains(tag))
        },
    );
    let run_dir = std::fs::read_dir(&out)
        .expect("output dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a run folder");
    for name in [
        "001_fox.jpg",
        "002_owl.jpg",
        "003_hare.jpg",
        "manifest.json",
    ] {
        assert!(
            run_dir.join(name).is_file(),
            "{name} in {}",
            run_dir.display()
        );
    }

    tmux.send(&["Tab"]);
    tmux.send(&["R"]);
    tmux.wait_for("the review grid", |s| {
        s.contains("review ·") && s.contains("001_fox.jpg")
    });
    tmux.send(&["y"]);
    tmux.wait_for("the mark", |s| s.contains("✓1"));
    tmux.send(&["q"]);
    tmux.wait_for("the workbench again", |s| {
        s.contains("back from review") && s.contains("Prompt") && s.contains("Anchors")
    });
    let manifest = std::fs::read_to_string(run_dir.join("manifest.json")).expect("manifest");
    assert!(manifest.contains("\"keep\""), "{manifest}");
    tmux.send(&["C-q"]);
    let screen = tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));
    assert!(screen.contains("PEEL_EXITED=0"), "{screen}");
}

#[test]
fn presets_request_preview_compare_and_promote_in_a_real_terminal() {
    let (tmux, root, _out) = start("craft");
    let config = root.path().join("config").join("config.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("\n[presets.wide]\naspect = \"16:9\"\nsize = \"2K\"\n");
    std::fs::write(&config, text).expect("config");
    drop(tmux);
    let tmux = launch("craft-presets", root.path());
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    tmux.send(&["F10"]);
    tmux.wait_for("the preset picker", |s| {
        s.contains("Presets") && s.contains("wide")
    });
    tmux.send(&["Enter"]);
    tmux.wait_for("the preset on the settings line", |s| {
        s.contains("wide") && s.contains("16:9") && s.contains("2K")
    });

    tmux.send(&["-l", "a red fox in fresh snow"]);
    tmux.wait_for("the typed prompt", |s| {
        s.contains("a red fox in fresh snow")
    });
    tmux.send(&["F9"]);
    tmux.wait_for("the request overlay", |s| {
        s.contains("Request to send")
            && s.contains("ratio 16:9 · 2K")
            && s.contains("this turn, in order")
    });
    tmux.send(&["Enter"]);
    tmux.wait_for("the first job", |s| s.contains("✓ #1"));
    tmux.send(&["C-g"]);
    tmux.wait_for("the second job", |s| s.contains("✓ #2"));

    tmux.send(&["Tab"]);
    tmux.send(&["v"]);
    tmux.wait_for("the pinned image", |s| s.contains("pinned as A"));
    tmux.send(&["Down"]);
    tmux.wait_for("the side-by-side compare", |s| {
        s.contains("A #2 (pinned)") && s.contains("B #1") && halfblock_cells(s) > 100
    });

    tmux.send(&["a"]);
    tmux.wait_for("the promote picker", |s| s.contains("Promote to anchor"));
    tmux.send(&["-l", "Mira"]);
    tmux.wait_for("a new anchor row", |s| s.contains("+ new character 'Mira'"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the anchor in the roster", |s| {
        s.contains("char Mira  1 img") && s.contains("a-red-fox")
    });
    tmux.send(&["C-q"]);
    tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));
    let roster = peel_json(root.path(), &["roster", "list"]);
    assert!(roster.to_string().contains("Mira"), "{roster}");
}

#[test]
fn a_running_pro_job_shows_its_thoughts_then_the_final_image() {
    let root = tempfile::tempdir().expect("temp dir");
    for dir in ["config", "data", "state", "out"] {
        std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
    }
    let out = root.path().join("out");
    std::fs::write(
        root.path().join("config/config.toml"),
        format!(
            "[output]\ndir = \"{}\"\n[defaults]\nmodel = \"nano-banana-pro\"\n",
            out.display()
        ),
    )
    .expect("config");
    let [config, data, state] = ["config", "data", "state"].map(|d| root.path().join(d));
    let command = format!(
        "env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=4000 '{}' --image-protocol halfblocks --offline; sleep 60",
        config.display(),
        data.display(),
        state.display(),
        env!("CARGO_BIN_EXE_peel"),
    );
    let tmux = Tmux::start("test-thinking", &command);
    tmux.wait_for("the workbench", all_panes);
    tmux.send(&["-l", "a lighthouse on a cliff at dusk"]);
    tmux.wait_for("the typed prompt", |s| {
        s.contains("a lighthouse on a cliff")
    });
    tmux.send(&["C-g"]);
    let thinking = tmux.wait_for("a thought headline while the job runs", |s| {
        s.contains("thinking: ")
    });
    assert!(!thinking.contains("✓ #1"), "still running:\n{thinking}");
    tmux.wait_for("the interim thought image before the job is done", |s| {
        s.contains("thinking: ") && halfblock_cells(s) > 100 && !s.contains("✓ #1")
    });
    let done = tmux.wait_for("the final image", |s| {
        s.contains("✓ #1") && halfblock_cells(s) > 100
    });
    assert!(
        !done.contains("thinking: "),
        "the headline goes with the job:\n{done}"
    );
}

#[test]
fn the_cli_progress_line_shows_the_latest_thought_on_a_terminal() {
    let root = tempfile::tempdir().expect("temp dir");
    let [config, data, state, out] = ["config", "data", "state", "out"].map(|d| {
        let path = root.path().join(d);
        std::fs::create_dir_all(&path).expect("mkdir");
        path
    });
    let command = format!(
        "env PEEL_CONFIG_DIR='{}' PEEL_DATA_DIR='{}' PEEL_STATE_DIR='{}' PEEL_SIM_LATENCY_MS=3000 '{}' generate 'a red fox in snow' --model nano-banana-pro --out '{}'; echo PEEL_EXITED=$?; sleep 60",
        config.display(),
        data.display(),
        state.display(),
        env!("CARGO_BIN_EXE_peel"),
        out.display(),
    );
    let tmux = Tmux::start("test-cli-thinking", &command);
    tmux.wait_for("the thought headline on the progress line", |s| {
        s.contains("thinking: ") && !s.contains("PEEL_EXITED")
    });
    let screen = tmux.wait_for("the command's end", |s| s.contains("PEEL_EXITED="));
    assert!(screen.contains("PEEL_EXITED=0"), "{screen}");
    assert!(screen.contains("a-red-fox-in-snow.jpg"), "{screen}");
    assert!(
        !screen.contains("thinking: "),
        "the line is cleared at the end:\n{screen}"
    );
}

#[test]
fn a_story_file_runs_from_the_workbench_and_opens_as_a_strip() {
    let (tmux, root, out) = start("story");
    let file = root.path().join("walk.toml");
    std::fs::write(
        &file,
        "[defaults]\nmodel = \"nano-banana-2\"\nsize = \"512\"\n\n[[frame]]\nkey = \"gate\"\nprompt = \"a fox at the garden gate\"\n\n\
         [[frame]]\nkey = \"path\"\nprompt = \"the fox on the garden path\"\n",
    )
    .expect("story file");
    tmux.wait_for("the workbench", |s| {
        s.contains("Prompt") && s.contains("Preview")
    });
    tmux.send(&["C-o"]);
    tmux.wait_for("the batch form", |s| s.contains("Run a batch file"));
    tmux.send(&["-l", &file.display().to_string()]);
    tmux.send(&["Enter"]);
    tmux.wait_for("the plan", |s| s.contains("Enter: run it"));
    tmux.send(&["Enter"]);
    tmux.wait_for("the finished story in the Jobs pane", |s| {
        s.contains("batch 1 · 2/2") && s.contains("· done")
    });
    let story_dir = std::fs::read_dir(&out)
        .expect("output dir")
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .expect("a story folder");
    let name = story_dir.file_name().unwrap().to_string_lossy().to_string();
    assert!(name.starts_with("story_walk_"), "{name}");
    for file in ["01_gate.jpg", "02_path.jpg", "story.json", "sheet.png"] {
        assert!(story_dir.join(file).is_file(), "{file} in {name}");
    }
    let sidecar = std::fs::read_to_string(story_dir.join("02_path.jpg.json")).expect("sidecar");
    assert!(
        sidecar.contains("\"previous_frame\": \"01_gate.jpg\""),
        "{sidecar}"
    );
    tmux.send(&["Tab"]);
    tmux.send(&["R"]);
    tmux.wait_for("the story strip", |s| {
        s.contains("story · story_walk_") && s.contains("01_gate.jpg") && s.contains("02_path.jpg")
    });
    tmux.send(&["q"]);
    tmux.wait_for("the workbench again", |s| s.contains("back from review"));
    tmux.send(&["C-q"]);
    tmux.wait_for("the shell after quitting", |s| s.contains("PEEL_EXITED="));
}
