//! Reading `src/` for the architecture tests: module paths, code without comments and
//! literals, the `crate::` and `super::` references a file makes, and the files themselves.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod graph;

/// The module path of a file under `src/`: `store/jobs.rs` → `[store, jobs]`,
/// `store/mod.rs` → `[store]`, `config.rs` → `[config]`.
pub fn module_path(relative: &Path) -> Vec<String> {
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
pub fn code_only(source: &str) -> String {
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

pub fn is_raw_start(chars: &[char], i: usize) -> bool {
    let before_is_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
    !before_is_ident && chars.get(i + 1 + hashes) == Some(&'"')
}

pub fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier starting at `at` (after skipping spaces), and where it ends.
pub fn ident_at(code: &[char], mut at: usize) -> (String, usize) {
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
pub fn group_heads(code: &[char], open: usize) -> Vec<String> {
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
pub fn references(code: &str, module: &[String]) -> Vec<(usize, String)> {
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

pub fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
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

pub fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}
