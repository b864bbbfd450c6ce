//! peel installed like a tool: completion scripts that parse in their shells and call peel
//! back for live values, man pages that render, `--version` with the commit, and help text
//! on every command and argument.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use common::World;
use peel::models::Registry;

/// Whether `program` is installed (it starts); prints why a check is skipped when not.
fn have(program: &str, probe: &[&str], what: &str) -> bool {
    let found = Command::new(program).args(probe).output().is_ok();
    if !found {
        eprintln!("skipped: {what} ({program} is not installed)");
    }
    found
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The folder holding the peel binary under test, for a `PATH` that finds it first.
fn path_with_peel() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_peel")).parent().unwrap();
    let old = std::env::var("PATH").unwrap_or_default();
    format!("{}:{old}", bin.display())
}

/// Writes `peel completions SHELL` to a file in the world and returns its path.
fn script(world: &World, shell: &str) -> PathBuf {
    let text = stdout(&world.run(&["completions", shell]));
    let file = world.root.path().join(format!("peel.{shell}"));
    std::fs::write(&file, text).unwrap();
    file
}

/// Image model ids then aliases, as `peel models --json` reports them.
fn model_names(world: &World) -> Vec<String> {
    let listed = world.json(&["models"]);
    let models = listed["models"].as_array().unwrap();
    let mut names: Vec<String> = models
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    for m in models {
        for alias in m["aliases"].as_array().unwrap() {
            names.push(alias.as_str().unwrap().to_string());
        }
    }
    names
}

/// Asks peel for completions the way the bash script does: `COMPLETE=bash peel -- WORDS`,
/// completing the word at `index` (the last one).
fn complete(world: &World, words: &[&str]) -> Vec<String> {
    let out = world
        .peel()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    let text = stdout(&out);
    // Where a positional value is completed, the shell is offered the flags too; these
    // tests look at the values.
    let typing_a_flag = words.last().is_some_and(|w| w.starts_with('-'));
    text.lines()
        .filter(|l| !l.is_empty() && (typing_a_flag || !l.starts_with('-')))
        .map(str::to_string)
        .collect()
}

#[test]
fn completion_scripts_parse_in_their_shells() {
    let world = World::new();
    // How each shell checks a script without running it; {} is the script's path.
    let shells: &[(&str, &str, &[&str])] = &[
        ("bash", "bash", &["-n", "{}"]),
        ("zsh", "zsh", &["-n", "{}"]),
        ("fish", "fish", &["--no-execute", "{}"]),
        ("elvish", "elvish", &["-compileonly", "{}"]),
        (
            "powershell",
            "pwsh",
            &[
                "-NoProfile",
                "-c",
                "$null = [ScriptBlock]::Create((Get-Content -Raw '{}'))",
            ],
        ),
    ];
    let mut checked = 0;
    for (shell, program, check) in shells {
        let file = script(&world, shell);
        let text = std::fs::read_to_string(&file).unwrap();
        // Every script calls peel back for its values: it runs `COMPLETE=<shell> peel`.
        assert!(
            text.contains("COMPLETE") && text.contains(shell) && text.contains("peel"),
            "{shell} script does not call peel back:\n{text}"
        );
        if !have(
            program,
            &["-c", "exit 0"],
            &format!("parsing the {shell} script"),
        ) {
            continue;
        }
        let path = file.display().to_string();
        let out = Command::new(program)
            .args(check.iter().map(|a| a.replace("{}", &path)))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{program} {check:?} refused the {shell} script: {}\n{text}",
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    eprintln!("{checked} shells parsed their script");
}

#[test]
fn the_bash_script_asks_peel_for_the_registrys_models() {
    if !have("bash", &["-c", "exit 0"], "bash completion end to end") {
        return;
    }
    let world = World::new();
    let file = script(&world, "bash");
    // What bash does on Tab after `peel generate "a cat" --model `: set COMP_WORDS and
    // COMP_CWORD, call the registered function, read COMPREPLY.
    let driver = format!(
        r#"source {script}
complete -p peel >/dev/null || {{ echo "not registered"; exit 3; }}
COMP_WORDS=(peel generate "a cat" --model "")
COMP_CWORD=4
_clap_complete_peel peel "" --model 2>/dev/null
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script = file.display()
    );
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(&driver).env("PATH", path_with_peel());
    for (k, v) in &world.env {
        bash.env(k, v);
    }
    let text = stdout(&bash.current_dir(world.root.path()).output().unwrap());
    let offered: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(offered, model_names(&world), "bash offered:\n{text}");
}

#[test]
fn the_fish_script_asks_peel_for_ratios_of_the_named_model() {
    if !have("fish", &["-c", "exit 0"], "fish completion end to end") {
        return;
    }
    let world = World::new();
    let file = script(&world, "fish");
    let registry = Registry::shipped().unwrap();
    let spec = registry
        .models
        .values()
        .min_by_key(|m| m.aspect_ratios.len())
        .unwrap();
    let mut fish = Command::new("fish");
    fish.args(["--no-config", "-c"])
        .arg(format!(
            "source {}; complete -C 'peel generate x --model {} --aspect '",
            file.display(),
            spec.id
        ))
        .env("PATH", path_with_peel())
        .env("HOME", world.root.path())
        .env("XDG_CONFIG_HOME", world.root.path().join("xdg"))
        .current_dir(world.root.path());
    for (k, v) in &world.env {
        fish.env(k, v);
    }
    let text = stdout(&fish.output().unwrap());
    // fish prints `value<TAB>help`.
    let offered: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(offered, spec.aspect_ratios, "fish offered:\n{text}");
}

#[test]
fn completion_offers_models_aliases_ratios_and_sizes_from_the_registry() {
    let world = World::new();
    let names = model_names(&world);
    assert_eq!(
        complete(&world, &["peel", "generate", "x", "--model", ""]),
        names
    );
    // The same list wherever a model is named.
    for words in [
        &["peel", "edit", "abc", "make it blue", "-m", ""][..],
        &["peel", "preset", "save", "p", "--model", ""],
        &["peel", "doctor", "--model", ""],
        &["peel", "lint", "a prompt", "--model", ""],
    ] {
        assert_eq!(complete(&world, words), names, "{words:?}");
    }
    // A prefix narrows it.
    let registry = Registry::shipped().unwrap();
    let alias = registry
        .models
        .values()
        .flat_map(|m| &m.aliases)
        .next()
        .unwrap();
    let prefix = &alias[..alias.len() - 1];
    let narrowed = complete(&world, &["peel", "generate", "x", "--model", prefix]);
    assert!(narrowed.contains(alias), "{narrowed:?}");
    assert!(
        narrowed.iter().all(|n| n.starts_with(prefix)),
        "{narrowed:?}"
    );
    // Ratios and sizes follow the model typed before them, by id or alias.
    for spec in registry.models.values() {
        let name = spec.aliases.first().unwrap_or(&spec.id);
        let ratios = complete(
            &world,
            &["peel", "generate", "x", "-m", name, "--aspect", ""],
        );
        assert_eq!(ratios, spec.aspect_ratios, "ratios of {name}");
        let sizes = complete(
            &world,
            &["peel", "generate", "x", "--model", &spec.id, "-s", ""],
        );
        if !spec.fixed_size {
            let want: Vec<&str> = spec.sizes.iter().map(|s| s.name.as_str()).collect();
            assert_eq!(sizes, want, "sizes of {}", spec.id);
        }
    }
    // Subcommands come from the same definitions.
    let top = complete(&world, &["peel", ""]);
    for sub in ["generate", "completions", "man", "batch"] {
        assert!(top.contains(&sub.to_string()), "{sub} missing from {top:?}");
    }
}

#[test]
fn completion_offers_presets_anchors_and_sessions_of_this_data_dir() {
    let world = World::new();
    let data = world.root.path().join("data");
    // Nothing to offer yet, and asking does not make a store.
    assert!(complete(&world, &["peel", "session", "show", ""]).is_empty());
    assert!(complete(&world, &["peel", "generate", "x", "--with", ""]).is_empty());
    assert_eq!(
        std::fs::read_dir(&data).unwrap().count(),
        0,
        "completion wrote to the data dir"
    );

    stdout(&world.run(&["preset", "save", "poster", "--aspect", "2:3"]));
    stdout(&world.run(&[
        "roster",
        "add",
        "character",
        "Mira",
        "--desc",
        "orange jacket",
    ]));
    stdout(&world.run(&["roster", "add", "object", "Red-Mug"]));
    world.json(&["generate", "a lighthouse at dusk"]);
    let sessions = world.json(&["session", "list"]);
    assert_eq!(
        sessions["sessions"].as_array().unwrap().len(),
        1,
        "{sessions}"
    );
    let session = sessions["sessions"][0]["id"].as_str().unwrap().to_string();

    assert_eq!(
        complete(&world, &["peel", "generate", "x", "--preset", ""]),
        ["poster"]
    );
    assert_eq!(
        complete(&world, &["peel", "preset", "show", "po"]),
        ["poster"]
    );
    assert_eq!(
        complete(&world, &["peel", "generate", "x", "--with", ""]),
        ["Mira", "Red-Mug"]
    );
    assert_eq!(
        complete(&world, &["peel", "generate", "x", "--with", "Mira,"]),
        ["Mira,Red-Mug"]
    );
    assert_eq!(
        complete(&world, &["peel", "roster", "rm", "R"]),
        ["Red-Mug"]
    );
    assert_eq!(
        complete(&world, &["peel", "session", "show", ""]),
        std::slice::from_ref(&session)
    );
    let edit = complete(&world, &["peel", "edit", &session[..3]]);
    assert_eq!(
        edit,
        [session],
        "edit offers the session (no file starts so)"
    );
}

#[test]
fn the_man_pages_cover_every_command_and_render() {
    let world = World::new();
    let top = stdout(&world.run(&["man"]));
    assert!(
        top.contains("\n.TH peel 1 "),
        "{}",
        &top[..top.len().min(300)]
    );
    let dir = world.root.path().join("man1");
    let listed = stdout(&world.run(&["man", "--dir", dir.to_str().unwrap()]));

    // One page per command, named after its path: peel.1, peel-batch-run.1, …
    fn pages(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        out.push(format!("{prefix}.1"));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            pages(sub, &format!("{prefix}-{}", sub.get_name()), out);
        }
    }
    let mut want = Vec::new();
    pages(&peel::cli::Cli::command(), "peel", &mut want);
    want.sort();
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, want);
    assert_eq!(listed.lines().count(), want.len());
    assert_eq!(std::fs::read_to_string(dir.join("peel.1")).unwrap(), top);

    if have("mandoc", &["-V"], "mandoc -T lint of the man pages") {
        for page in &want {
            let out = Command::new("mandoc")
                .args(["-T", "lint", "-W", "warning"])
                .arg(dir.join(page))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "mandoc -T lint {page}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    if have("man", &["--version"], "man -l of the man pages") {
        let out = Command::new("man")
            .arg("-l")
            .arg(dir.join("peel-generate.1"))
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        let text = stdout(&out);
        assert!(text.contains("--aspect"), "{text}");
        assert!(text.contains("Generate images from a prompt"), "{text}");
    }
}

#[test]
fn version_names_the_commit_when_built_from_git() {
    let world = World::new();
    let version = stdout(&world.run(&["--version"]));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(manifest)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let in_checkout = git(&["rev-parse", "--show-toplevel"])
        .is_some_and(|top| Path::new(&top).canonicalize().ok() == manifest.canonicalize().ok());
    let want = match git(&["rev-parse", "--short", "HEAD"]).filter(|_| in_checkout) {
        Some(commit) => format!("peel {} ({commit})\n", env!("CARGO_PKG_VERSION")),
        None => format!("peel {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(version, want);
    assert_eq!(stdout(&world.run(&["-V"])), want);
}

#[test]
fn every_command_and_argument_has_help_text() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let blank = |s: Option<&clap::builder::StyledStr>| {
            s.is_none_or(|s| s.to_string().trim().is_empty())
        };
        if blank(cmd.get_about()) {
            missing.push(format!("{path}: the command has no help"));
        }
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            if blank(arg.get_help()) {
                missing.push(format!("{path}: argument {} has no help", arg.get_id()));
            }
            // Values of an enum are documented one by one: when one says what it means,
            // every one must (a plain list like ["off", "web", "image"] has no help at all).
            let values = arg.get_possible_values();
            if values.iter().any(|v| v.get_help().is_some()) {
                for value in values.iter().filter(|v| v.get_help().is_none()) {
                    missing.push(format!(
                        "{path}: value {} of {} has no help",
                        value.get_name(),
                        arg.get_id()
                    ));
                }
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = Vec::new();
    walk(&peel::cli::Cli::command(), "peel", &mut missing);
    assert!(
        missing.is_empty(),
        "help text missing:\n{}",
        missing.join("\n")
    );
}
