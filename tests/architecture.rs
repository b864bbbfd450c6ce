//! Floors only lean down: reads every file under `src/` and fails on a reference from one
//! top-level module to another that `RULES` forbids. The rule is the table below; the map
//! that explains it is `ARCHITECTURE.md`.
//!
//! What counts as a reference: `use crate::x…`, `crate::{x, …}` groups, `crate::x::…` paths
//! anywhere in code, and `super::` chains that climb out of the top-level module. Comments,
//! strings and char literals are skipped.

mod architecture_support;

use std::collections::BTreeSet;
use std::path::Path;

use architecture_support::graph::FileGraph;
use architecture_support::{
    code_only, ident_at, is_ident, module_path, references, rust_files, src_dir,
};

/// The engine and the faces: no floor may reach up into them.
const ABOVE_THE_FLOORS: &[&str] = &["studio", "cli", "tui", "review", "mcp"];

/// Every top-level module of `src/` and what it must never reference. A new top-level
/// module needs a row here (the test says so), so its place in the house is a decision.
const RULES: &[(&str, &[&str])] = &[
    // floors: values, storage, transports, the simulator
    ("error", ABOVE_THE_FLOORS),
    ("fsio", ABOVE_THE_FLOORS),
    // string enums that keep values peel does not know yet
    ("open_enum", ABOVE_THE_FLOORS),
    // the process outliving its terminal: signals and logging, for every face
    ("hangup", ABOVE_THE_FLOORS),
    ("settings", ABOVE_THE_FLOORS),
    // display text helpers shared by every face
    ("text", ABOVE_THE_FLOORS),
    // the terminal the faces draw on: its image protocol (probe) and the colours (theme/)
    ("terminal", ABOVE_THE_FLOORS),
    ("models", ABOVE_THE_FLOORS),
    ("config", ABOVE_THE_FLOORS),
    ("store", ABOVE_THE_FLOORS),
    ("imaging", ABOVE_THE_FLOORS),
    // the client never knows about its stand-in
    ("api", &["studio", "cli", "tui", "review", "mcp", "sim"]),
    ("sim", ABOVE_THE_FLOORS),
    // the engine serves every face and knows none of them
    ("studio", &["cli", "tui", "review", "mcp"]),
    // faces: the CLI dispatches to the others, the workbench opens review
    ("cli", &[]),
    ("tui", &["mcp"]),
    ("review", &["cli", "tui", "mcp"]),
    // the MCP server is headless: it never draws
    ("mcp", &["tui", "review"]),
];

/// The crates that draw on or talk to the terminal, and the only top-level modules that
/// may use them: the faces that draw or set the terminal up, and the terminal floor.
const TERMINAL_CRATES: &[&str] = &["ratatui", "crossterm", "ratatui_image"];
const MAY_USE_THE_TERMINAL: &[&str] = &["tui", "review", "cli", "terminal"];

/// Reading the process environment (variables) is `config::Env`'s job alone.
const READS_THE_ENVIRONMENT: &[&str] = &["var", "var_os", "vars", "vars_os"];
const MAY_READ_THE_ENVIRONMENT: &[&str] = &["config"];

/// Files at the crate root that belong to no floor (the binary and the module list).
const ROOT_FILES: &[&str] = &["lib.rs", "main.rs"];

/// One forbidden reference found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` must not reference `{}`",
            self.file, self.line, self.from, self.to
        )
    }
}

fn forbidden_for(module: &str) -> Option<&'static [&'static str]> {
    RULES
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, forbidden)| *forbidden)
}

/// The forbidden references in one file's source, given its path under `src/`.
fn check_source(relative: &Path, source: &str) -> Vec<Violation> {
    let module = module_path(relative);
    let Some(top) = module.first() else {
        return Vec::new();
    };
    let forbidden = forbidden_for(top).unwrap_or(&[]);
    references(&code_only(source), &module)
        .into_iter()
        .filter(|(_, to)| forbidden.contains(&to.as_str()))
        .map(|(line, to)| Violation {
            file: relative.display().to_string(),
            line,
            from: top.clone(),
            to,
        })
        .collect()
}

#[test]
fn floors_only_lean_down() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 100, "expected the whole tree under {src:?}");
    let violations: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).ok()?;
            let source = std::fs::read_to_string(path).ok()?;
            Some(check_source(relative, &source))
        })
        .flatten()
        .map(|v| v.to_string())
        .collect();
    assert!(
        violations.is_empty(),
        "a lower floor reaches up (see RULES in tests/architecture.rs and ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

/// Paths into `crates` a file's code names (`ratatui::…`, `use crossterm::…`), by line.
fn crate_uses(code: &str, crates: &[&str]) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let line_of = |at: usize| chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == ':');
        if starts && is_ident(chars[i]) {
            let (name, end) = ident_at(&chars, i);
            if crates.contains(&name.as_str()) && chars[end..].starts_with(&[':', ':']) {
                found.push((line_of(i), name));
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    found
}

/// Reads of the environment (`std::env::var…`, or `env::var…` after `use std::env`), by line.
fn environment_reads(code: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let line_of = |at: usize| chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    for (at, _) in code.match_indices("env::") {
        let before = code[..at].chars().last();
        if before.is_some_and(is_ident) {
            continue;
        }
        let start = code[..at].chars().count() + 5;
        let (name, _) = ident_at(&chars, start);
        if READS_THE_ENVIRONMENT.contains(&name.as_str()) {
            found.push((line_of(start), format!("env::{name}")));
        }
    }
    found
}

/// Every file of `src/` outside `allowed` top-level modules where `find` finds something.
fn outside(allowed: &[&str], find: impl Fn(&str) -> Vec<(usize, String)>) -> Vec<String> {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for path in &files {
        let Ok(relative) = path.strip_prefix(&src) else {
            continue;
        };
        let top = module_path(relative).first().cloned().unwrap_or_default();
        if allowed.contains(&top.as_str()) {
            continue;
        }
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        for (line, what) in find(&code_only(&source)) {
            found.push(format!("{}:{line}: {what}", relative.display()));
        }
    }
    found
}

#[test]
fn only_the_faces_and_the_terminal_floor_use_the_terminal_crates() {
    let found = outside(MAY_USE_THE_TERMINAL, |code| {
        crate_uses(code, TERMINAL_CRATES)
    });
    assert!(
        found.is_empty(),
        "ratatui, crossterm and ratatui-image belong to {MAY_USE_THE_TERMINAL:?} (STYLE.md rule 1):\n{}",
        found.join("\n")
    );
}

#[test]
fn only_config_env_reads_the_environment() {
    let found = outside(MAY_READ_THE_ENVIRONMENT, environment_reads);
    assert!(
        found.is_empty(),
        "only config::Env reads environment variables; hand the value in (STYLE.md rule 21):\n{}",
        found.join("\n")
    );
}

#[test]
fn terminal_crates_and_environment_reads_are_found_in_code_only() {
    let code = code_only(
        "use ratatui::style::Color;\nfn f() { crossterm::terminal::size(); }\n\
         // ratatui::x in a comment\nconst S: &str = \"crossterm::y\";\nuse my_ratatui::Z;\n\
         fn g() { ratatui_image::picker::Picker::new(); }",
    );
    let uses = crate_uses(&code, TERMINAL_CRATES);
    let names: Vec<&str> = uses.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["ratatui", "crossterm", "ratatui_image"]);
    assert_eq!(uses[2].0, 6);
    let reads = environment_reads(&code_only(
        "let a = std::env::var(\"HOME\");\nlet b = env::var_os(\"TMUX\");\n\
         let c = std::env::current_exe();\nlet d = myenv::var(1);\n// std::env::var(\"X\")",
    ));
    assert_eq!(
        reads,
        [(1, "env::var".to_string()), (2, "env::var_os".to_string())]
    );
}

#[test]
fn every_top_level_module_has_a_row() {
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(src_dir())
        .expect("src/ is readable")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if ROOT_FILES.contains(&name.as_str()) {
            continue;
        }
        if entry.path().is_dir() || name.ends_with(".rs") {
            modules.insert(name.trim_end_matches(".rs").to_string());
        }
    }
    let missing: Vec<&String> = modules
        .iter()
        .filter(|m| forbidden_for(m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "top-level modules without a row in RULES (tests/architecture.rs): {missing:?}"
    );
    assert!(modules.contains("studio") && modules.contains("store"));
}

#[test]
fn a_floor_reaching_up_is_caught_in_every_spelling() {
    let store = Path::new("store/jobs.rs");
    let cases = [
        "use crate::studio::session::Turn;",
        "use crate::{error::ValidationError, studio::spec::SeedMode};",
        "use crate::{\n    api::wire::Part,\n    tui::strings,\n};",
        "fn f() { let _ = crate::studio::output::write_atomic(p, b); }",
        "impl From<crate::cli::Cli> for Job {}",
        "use super::super::studio::spec::GenerateSpec;",
        "pub use crate::mcp::Server;",
    ];
    for case in cases {
        let found = check_source(store, case);
        assert_eq!(found.len(), 1, "not caught once: {case}\n{found:?}");
        assert_eq!(found[0].from, "store");
    }
    let found = check_source(store, "use crate::api::wire::Part;\nuse crate::studio::X;");
    assert_eq!(found[0].line, 2);
    assert_eq!(found[0].to, "studio");
}

#[test]
fn allowed_edges_comments_and_strings_pass() {
    let cases = [
        (
            "store/jobs.rs",
            "use crate::api::wire::Part;\nuse super::Store;\nuse crate::{error, models::Registry};",
        ),
        (
            "store/jobs.rs",
            "// was crate::studio::session::Turn\n/// see `crate::tui`",
        ),
        ("store/jobs.rs", "/* crate::cli /* nested */ crate::tui */"),
        ("store/jobs.rs", "const A: &str = \"crate::studio::x\";"),
        (
            "store/jobs.rs",
            "const A: &str = r#\"crate::studio \"quoted\" \"#; fn f<'a>(x: &'a str) {}",
        ),
        ("store/jobs.rs", "let c = '\"'; let d = crate::api::x;"),
        (
            "store/jobs.rs",
            "let q = '\\''; use crate::models::Registry;",
        ),
        (
            "studio/runner.rs",
            "use crate::store::Store; use super::spec;",
        ),
        (
            "tui/app.rs",
            "use crate::review::ReviewExit; use crate::cli::Cli;",
        ),
        ("cli/mcp_cmd.rs", "use crate::mcp::serve;"),
        (
            "mcp/tools.rs",
            "use crate::studio::Studio; use crate::store::Store;",
        ),
        (
            "store/jobs.rs",
            "use my_crate::studio; let notcrate::tui = 1;",
        ),
    ];
    for (file, case) in cases {
        let found = check_source(Path::new(file), case);
        assert!(
            found.is_empty(),
            "wrongly caught in {file}: {case}\n{found:?}"
        );
    }
}

#[test]
fn the_engine_and_the_mcp_face_have_their_own_rules() {
    let found = check_source(
        Path::new("studio/batch/plan.rs"),
        "use crate::tui::strings;",
    );
    assert_eq!(found.len(), 1);
    let found = check_source(Path::new("mcp/server.rs"), "use crate::tui::strings;");
    assert_eq!(found.len(), 1);
    let found = check_source(Path::new("api/client.rs"), "use crate::sim::Simulator;");
    assert_eq!(found.len(), 1);
    let found = check_source(Path::new("review/app.rs"), "use crate::cli::Cli;");
    assert_eq!(found.len(), 1);
}

#[test]
fn module_paths_follow_the_file_layout() {
    assert_eq!(module_path(Path::new("store/mod.rs")), vec!["store"]);
    assert_eq!(module_path(Path::new("config.rs")), vec!["config"]);
    assert_eq!(
        module_path(Path::new("studio/batch/file.rs")),
        vec!["studio", "batch", "file"]
    );
}

/// The floors from the bottom up: a floor may reference only the floors listed before it,
/// so no arrow between floors runs up and none closes a loop.
const FLOOR_ORDER: &[&str] = &[
    "error",
    "fsio",
    "text",
    "open_enum",
    "models",
    "settings",
    "config",
    "hangup",
    "terminal",
    "api",
    "imaging",
    "store",
    "sim",
];

#[test]
fn no_arrow_runs_up_between_floors() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for path in &files {
        let Ok(relative) = path.strip_prefix(&src) else {
            continue;
        };
        let module = module_path(relative);
        let Some(rank) = module
            .first()
            .and_then(|top| FLOOR_ORDER.iter().position(|f| f == top))
        else {
            continue;
        };
        let source = std::fs::read_to_string(path).unwrap_or_default();
        for (line, to) in references(&code_only(&source), &module) {
            let above = FLOOR_ORDER
                .iter()
                .position(|f| *f == to)
                .is_some_and(|r| r > rank);
            if above {
                upward.push(format!(
                    "{}:{line}: floor `{}` reaches up to `{to}`",
                    relative.display(),
                    FLOOR_ORDER[rank]
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "arrows running up between floors (order in FLOOR_ORDER, tests/architecture.rs):\n{}",
        upward.join("\n")
    );
}

#[test]
fn every_floor_has_a_place_in_the_order() {
    let floors = RULES.iter().filter(|(_, forbidden)| {
        ABOVE_THE_FLOORS
            .iter()
            .all(|upper| forbidden.contains(upper))
    });
    for (floor, _) in floors {
        assert!(
            FLOOR_ORDER.contains(floor),
            "`{floor}` is a floor in RULES but has no place in FLOOR_ORDER"
        );
    }
    assert!(FLOOR_ORDER.len() >= 12);
}

#[test]
fn no_import_cycle_crosses_folders() {
    let graph = FileGraph::from_src();
    assert!(graph.files.len() > 100, "expected the whole tree");
    let cycles = graph.cross_folder_cycles();
    assert!(
        cycles.is_empty(),
        "import cycles between files of different folders (break each, e.g. by moving the \
         shared piece down into a file both can import):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn a_cycle_across_folders_is_named_and_one_inside_a_folder_is_not() {
    let graph = FileGraph::from_sources([
        ("tui/mod.rs", "pub mod msg; pub mod state;"),
        ("tui/msg.rs", "use crate::tui::state::Focus;"),
        ("tui/state/mod.rs", "pub mod keys; pub use keys::Focus;"),
        (
            "tui/state/keys.rs",
            "pub enum Focus {}\nfn f() { crate::tui::msg::send(); }",
        ),
        ("api/a.rs", "use super::b::B; pub struct A;"),
        ("api/b.rs", "use super::a::A; pub struct B;"),
    ]);
    assert!(
        graph.imports("tui/msg.rs", "tui/state/keys.rs"),
        "a re-export leads to its file"
    );
    assert!(!graph.imports("tui/msg.rs", "tui/state/mod.rs"));
    let cycles = graph.cross_folder_cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(
        cycles[0].starts_with("tui/msg.rs → tui/state/keys.rs → tui/msg.rs")
            || cycles[0].starts_with("tui/state/keys.rs → tui/msg.rs → tui/state/keys.rs"),
        "{}",
        cycles[0]
    );
}

#[test]
fn the_graph_reads_groups_aliases_children_and_skips_tests() {
    let graph = FileGraph::from_sources([
        (
            "studio/mod.rs",
            "pub mod runner;\npub mod output;\npub use output::{Naming as OutputNaming};",
        ),
        (
            "studio/output.rs",
            "pub struct Naming;\n#[cfg(test)]\nmod tests { use crate::studio::runner::x; }",
        ),
        (
            "studio/runner.rs",
            "use crate::{studio::{OutputNaming, self}, store};\nfn f() { super::output::Naming; }",
        ),
        ("studio/runner_tests.rs", "use crate::studio::runner::x;"),
        ("store/mod.rs", "mod jobs;\nfn f() { jobs::list(); }"),
        ("store/jobs.rs", "pub fn list() {}"),
    ]);
    assert!(graph.imports("studio/runner.rs", "studio/output.rs"));
    assert!(graph.imports("studio/runner.rs", "store/mod.rs"));
    assert!(
        graph.imports("store/mod.rs", "store/jobs.rs"),
        "a child module named in code"
    );
    assert!(
        !graph.imports("studio/output.rs", "studio/runner.rs"),
        "test code is left out"
    );
    assert!(
        !graph
            .files
            .iter()
            .any(|f| f.relative.ends_with("_tests.rs"))
    );
}

/// The string literals of a file's code before its tests (comments skipped).
fn literals_before_tests(source: &str) -> Vec<(usize, String)> {
    let code = source.split("#[cfg(test)]").next().unwrap_or(source);
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        match chars[i] {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 2,
            '"' => {
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                found.push((line, text));
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Words a user reads: two words of letters side by side.
fn is_prose(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    words.windows(2).any(|pair| {
        pair.iter()
            .all(|w| w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()))
    })
}

#[test]
fn the_workbench_says_its_words_from_strings() {
    let tui = src_dir().join("tui");
    let mut files = Vec::new();
    rust_files(&tui.join("state"), &mut files);
    files.extend(["forms.rs", "jobs.rs"].map(|f| tui.join("view").join(f)));
    let mut prose = Vec::new();
    for path in files {
        let name = path.to_string_lossy().into_owned();
        if name.ends_with("tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        for (line, text) in literals_before_tests(&source) {
            if is_prose(&text) {
                prose.push(format!("{name}:{line}: \"{text}\""));
            }
        }
    }
    assert!(
        prose.is_empty(),
        "workbench text outside tui/strings.rs (STYLE rule 14):\n{}",
        prose.join("\n")
    );
    assert!(is_prose("no later turn to step forward to"));
    let found = literals_before_tests(
        "fn f() {\n    say(\"two words\"); // \"not this\"\n}\n#[cfg(test)]\nmod t { \"skip me\" }",
    );
    assert_eq!(found, [(2, "two words".to_string())]);
    assert!(!is_prose("{model} {} {}") && !is_prose("failed"));
}

/// Folders inside a module that must not reach into others: `(folder, forbidden folders)`.
const FOLDER_RULES: &[(&str, &[&str])] = &[
    // batches are the lower room: stories and the consistency check run on them
    ("studio/batch/", &["studio/story/", "studio/check/"]),
];

#[test]
fn folders_keep_to_their_rooms() {
    let graph = FileGraph::from_src();
    let mut reaches = Vec::new();
    for (from, file) in graph.files.iter().enumerate() {
        for (folder, forbidden) in FOLDER_RULES {
            if !file.relative.starts_with(folder) {
                continue;
            }
            for &to in &graph.edges[from] {
                let target = &graph.files[to].relative;
                if forbidden.iter().any(|f| target.starts_with(f)) {
                    reaches.push(format!("{} imports {target}", file.relative));
                }
            }
        }
    }
    assert!(reaches.is_empty(), "{}", reaches.join("\n"));
    assert!(
        graph
            .files
            .iter()
            .any(|f| f.relative.starts_with("studio/story/"))
    );
    assert!(
        graph
            .files
            .iter()
            .any(|f| f.relative.starts_with("studio/check/"))
    );
}

/// `pub use crate::…` lines allowed: an alias that names a role, not an old path.
const ALIASES: &[&str] = &["cli/context.rs"];

#[test]
fn no_old_path_is_kept_alive() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut kept = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(&src)
            .unwrap_or(&path)
            .display()
            .to_string();
        if ALIASES.contains(&relative.as_str()) {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&path).unwrap_or_default());
        for (number, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("pub use crate::") || line.starts_with("pub(crate) use crate::") {
                kept.push(format!("{relative}:{}: {line}", number + 1));
            }
        }
    }
    assert!(
        kept.is_empty(),
        "re-exports of another module's items (import them from their home instead):\n{}",
        kept.join("\n")
    );
}

/// Lines of code a file may hold before its tests (STYLE rule 3).
const MOST_LINES: usize = 500;

#[test]
fn files_keep_under_five_hundred_lines_before_their_tests() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    for path in files {
        let name = path.to_string_lossy().into_owned();
        if name.ends_with("tests.rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).unwrap_or_default();
        let lines = source
            .lines()
            .take_while(|line| line.trim() != "#[cfg(test)]")
            .count();
        if lines > MOST_LINES {
            long.push(format!("{name}: {lines} lines"));
        }
    }
    assert!(
        long.is_empty(),
        "split by job (STYLE rule 3):\n{}",
        long.join("\n")
    );
}

/// Lint waivers STYLE forbids: rule 17 (no leftover dead code) and rule 23 (a struct instead
/// of many arguments).
const FORBIDDEN_WAIVERS: &[&str] = &["allow(dead_code", "allow(clippy::too_many_arguments"];

#[test]
fn no_forbidden_lint_waiver() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut waived = Vec::new();
    for path in files {
        let code = code_only(&std::fs::read_to_string(&path).unwrap_or_default());
        for (number, line) in code.lines().enumerate() {
            let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            if FORBIDDEN_WAIVERS.iter().any(|w| compact.contains(w)) {
                waived.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(waived.is_empty(), "{}", waived.join("\n"));
}
