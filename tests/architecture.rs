//! Floors only lean down: reads every file under `src/` and fails on a reference from one
//! top-level module to another that `RULES` forbids. The rule is the table below; the map
//! that explains it is `ARCHITECTURE.md`.
//!
//! What counts as a reference: `use crate::x…`, `crate::{x, …}` groups, `crate::x::…` paths
//! anywhere in code, and `super::` chains that climb out of the top-level module. Comments,
//! strings and char literals are skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The engine and the faces: no floor may reach up into them.
const ABOVE_THE_FLOORS: &[&str] = &["studio", "cli", "tui", "review", "mcp"];

/// Every top-level module of `src/` and what it must never reference. A new top-level
/// module needs a row here (the test says so), so its place in the house is a decision.
const RULES: &[(&str, &[&str])] = &[
    // floors: values, storage, transports, the simulator
    ("error", ABOVE_THE_FLOORS),
    ("fsio", ABOVE_THE_FLOORS),
    // the process outliving its terminal: signals and logging, for every face
    ("hangup", ABOVE_THE_FLOORS),
    ("settings", ABOVE_THE_FLOORS),
    // display text helpers shared by every face
    ("text", ABOVE_THE_FLOORS),
    // colours for the faces that draw (workbench, review): themes, contrast, auto choice
    ("theme", ABOVE_THE_FLOORS),
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

/// The module path of a file under `src/`: `store/jobs.rs` → `[store, jobs]`,
/// `store/mod.rs` → `[store]`, `config.rs` → `[config]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// The source with comments, string and char literals blanked (line breaks kept).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && is_raw_start(&chars, i) {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            let body = i + 1 + hashes + 1;
            let mut j = body;
            while j < chars.len() {
                if chars[j] == '"' && chars[j + 1..].iter().take(hashes).all(|&h| h == '#') {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            chars[i..j.min(chars.len())]
                .iter()
                .for_each(|&x| out.push(blank(x)));
            i = j;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if let Some(&x) = chars.get(i) {
                    out.push(blank(x));
                }
                i += 1;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && next == Some('\\') {
            let end = chars
                .get(i + 3..)
                .and_then(|rest| rest.iter().position(|&x| x == '\''))
                .map_or(chars.len(), |p| i + 4 + p);
            chars[i..end].iter().for_each(|&x| out.push(blank(x)));
            i = end;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.push_str("   ");
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_raw_start(chars: &[char], i: usize) -> bool {
    let before_is_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
    !before_is_ident && chars.get(i + 1 + hashes) == Some(&'"')
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at `at` (after skipping spaces), and where it ends.
fn ident_at(code: &[char], mut at: usize) -> (String, usize) {
    while at < code.len() && code[at].is_whitespace() {
        at += 1;
    }
    let start = at;
    while at < code.len() && is_ident(code[at]) {
        at += 1;
    }
    (code[start..at].iter().collect(), at)
}

/// The first identifier of each top-level item of a `{a, b::c, d as e}` group opening at `open`.
fn group_heads(code: &[char], open: usize) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expecting = true;
    let mut i = open;
    while i < code.len() {
        match code[i] {
            '{' => {
                depth += 1;
                if depth == 1 {
                    expecting = true;
                }
                i += 1;
            }
            '}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => {
                expecting = true;
                i += 1;
            }
            c if depth == 1 && expecting && is_ident(c) => {
                let (name, end) = ident_at(code, i);
                heads.push(name);
                expecting = false;
                i = end;
            }
            c => {
                if depth == 1 && !c.is_whitespace() {
                    expecting = false;
                }
                i += 1;
            }
        }
    }
    heads
}

/// Top-level modules a file's code refers to, each with its 1-based line.
fn references(code: &str, module: &[String]) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let line_of = |at: usize| chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let word_start = i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '$');
        let rest = || chars[i..].iter().take(7).collect::<String>();
        if word_start && rest() == "crate::" {
            let after = i + 7;
            let (name, _) = ident_at(&chars, after);
            if name.is_empty() {
                let open = (after..chars.len()).find(|&j| !chars[j].is_whitespace());
                if let Some(open) = open.filter(|&j| chars[j] == '{') {
                    group_heads(&chars, open)
                        .into_iter()
                        .for_each(|head| found.push((line_of(i), head)));
                }
            } else {
                found.push((line_of(i), name));
            }
            i = after;
        } else if word_start && rest().starts_with("super::") {
            let mut ups = 0;
            let mut j = i;
            while chars[j..].iter().take(7).collect::<String>() == "super::" {
                ups += 1;
                j += 7;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
            }
            if ups >= module.len() {
                let (name, _) = ident_at(&chars, j);
                let climbed_to = &module[..module.len().saturating_sub(ups)];
                let target = climbed_to.first().cloned().unwrap_or(name);
                found.push((line_of(i), target));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
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

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
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
