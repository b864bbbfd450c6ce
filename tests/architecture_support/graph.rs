//! The file-level import graph of `src/`: which file each `use` line and `crate::`/`super::`
//! path points at (through `pub use` re-exports to the defining file), and the cycles in it
//! that cross folders. Test code (`#[cfg(test)] mod … { … }` blocks and `*tests.rs` files) is
//! left out: it may reach anywhere.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use super::{code_only, ident_at, is_ident, module_path, rust_files, src_dir};

/// One path a file names, e.g. `crate::studio::{spec::GenerateSpec, self}` gives two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPath {
    pub line: usize,
    pub segments: Vec<String>,
    pub alias: Option<String>,
    /// Named in a `pub use` (or `pub(…) use`): a re-export, not a dependency of its own.
    pub reexport: bool,
}

/// One parsed file of `src/`.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path under `src/`, e.g. `studio/batch/file.rs`.
    pub relative: String,
    pub module: Vec<String>,
    pub paths: Vec<NamedPath>,
}

/// Every non-test file of `src/` with the files it imports.
#[derive(Debug)]
pub struct FileGraph {
    pub files: Vec<SourceFile>,
    pub edges: Vec<BTreeSet<usize>>,
}

/// The folder a file lives in: `studio/batch/file.rs` → `studio/batch`. A module's own
/// file belongs with its children: `sim/openai.rs` beside `sim/openai/` → `sim/openai`.
pub fn folder_of<'a>(relative: &'a str, all: &[SourceFile]) -> &'a str {
    let stem = relative.trim_end_matches(".rs");
    let has_children = all.iter().any(|f| {
        f.relative
            .strip_prefix(stem)
            .is_some_and(|rest| rest.starts_with('/'))
    });
    if has_children {
        return stem;
    }
    relative.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn is_test_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    name == "tests.rs" || name.ends_with("_tests.rs")
}

/// The code with `#[cfg(test)] mod name { … }` blocks blanked (line breaks kept).
pub fn without_test_modules(code: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mark: Vec<char> = MARK.chars().collect();
    let mut chars: Vec<char> = code.chars().collect();
    let starts: Vec<usize> = (0..chars.len())
        .filter(|&at| chars[at..].starts_with(&mark))
        .collect();
    for at in starts {
        let mut i = at + mark.len();
        // attributes between the cfg and the item, e.g. #[path = "x.rs"] (already blanked)
        loop {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if chars.get(i) == Some(&'#') {
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
                i += 1;
            } else {
                break;
            }
        }
        let (word, end) = ident_at(&chars, i);
        if word != "mod" {
            continue;
        }
        let (_, end) = ident_at(&chars, end);
        let open = (end..chars.len()).find(|&j| !chars[j].is_whitespace());
        let Some(open) = open.filter(|&j| chars[j] == '{') else {
            continue;
        };
        let mut depth = 0;
        let mut j = open;
        while j < chars.len() {
            match chars[j] {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if chars[j] != '\n' {
                chars[j] = ' ';
            }
            j += 1;
            if depth == 0 {
                break;
            }
        }
    }
    chars.into_iter().collect()
}

fn skip_spaces(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

/// One path of a use tree and the name it is imported as, if renamed.
type Leaf = (Vec<String>, Option<String>);

/// The paths of a use tree (or a path in code) starting at `i`; returns them and the end.
fn parse_tree(chars: &[char], mut i: usize) -> (Vec<Leaf>, usize) {
    let mut segments: Vec<String> = Vec::new();
    loop {
        i = skip_spaces(chars, i);
        match chars.get(i) {
            Some('{') => {
                let mut items = Vec::new();
                i += 1;
                loop {
                    i = skip_spaces(chars, i);
                    match chars.get(i) {
                        None => return (items, i),
                        Some('}') => return (items, i + 1),
                        Some(',') => i += 1,
                        _ => {
                            let (sub, end) = parse_tree(chars, i);
                            if end == i {
                                return (items, i + 1);
                            }
                            items.extend(sub.into_iter().map(|(tail, alias)| {
                                let mut full = segments.clone();
                                full.extend(tail);
                                (full, alias)
                            }));
                            i = end;
                        }
                    }
                }
            }
            Some('*') => {
                segments.push("*".into());
                return (vec![(segments, None)], i + 1);
            }
            _ => {}
        }
        let (name, end) = ident_at(chars, i);
        if name.is_empty() {
            return (vec![(segments, None)], i);
        }
        segments.push(name);
        i = end;
        let after = skip_spaces(chars, i);
        if chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':') {
            i = after + 2;
            continue;
        }
        let (word, end) = ident_at(chars, after);
        if word == "as" {
            let (alias, end) = ident_at(chars, end);
            return (vec![(segments, Some(alias))], end);
        }
        return (vec![(segments, None)], i);
    }
}

/// The child modules a file declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn child_modules(chars: &[char]) -> BTreeSet<String> {
    let mut children = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        let word_start = i == 0 || !is_ident(chars[i - 1]);
        if word_start && chars[i..].starts_with(&['m', 'o', 'd']) {
            let (word, end) = ident_at(chars, i);
            if word == "mod" {
                let (name, end) = ident_at(chars, end);
                let next = skip_spaces(chars, end);
                if !name.is_empty() && chars.get(next) == Some(&';') {
                    children.insert(name);
                }
                i = end;
                continue;
            }
        }
        i += 1;
    }
    children
}

/// Whether the `use` at `at` is a re-export: `pub use` or `pub(…) use`.
fn is_reexport(chars: &[char], at: usize) -> bool {
    let before: String = chars[at.saturating_sub(40)..at].iter().collect();
    let trimmed = before.trim_end();
    trimmed.ends_with("pub") || (trimmed.ends_with(')') && trimmed.contains("pub("))
}

/// Every path the code names that starts at `crate`, `super`, `self` or a child module.
pub fn named_paths(code: &str) -> Vec<NamedPath> {
    let chars: Vec<char> = code.chars().collect();
    let children = child_modules(&chars);
    let line_of = |at: usize| chars[..at].iter().filter(|&&c| c == '\n').count() + 1;
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let word_start =
            i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '$' || chars[i - 1] == ':');
        if !word_start || !is_ident(chars[i]) {
            i += 1;
            continue;
        }
        let (word, end) = ident_at(&chars, i);
        if word == "use" {
            let reexport = is_reexport(&chars, i);
            let (paths, after) = parse_tree(&chars, end);
            for (segments, alias) in paths {
                let first = segments.first().map(String::as_str);
                let rooted = matches!(first, Some("crate" | "super" | "self"))
                    || first.is_some_and(|f| children.contains(f));
                if rooted {
                    found.push(NamedPath {
                        line: line_of(i),
                        segments,
                        alias,
                        reexport,
                    });
                }
            }
            i = after.max(end);
            continue;
        }
        let after = skip_spaces(&chars, end);
        let is_path = chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':');
        let rooted =
            matches!(word.as_str(), "crate" | "super" | "self") || children.contains(&word);
        if is_path && rooted {
            let (paths, after) = parse_tree(&chars, i);
            for (segments, alias) in paths {
                found.push(NamedPath {
                    line: line_of(i),
                    segments,
                    alias,
                    reexport: false,
                });
            }
            i = after.max(end);
            continue;
        }
        i = end;
    }
    found
}

impl FileGraph {
    /// Reads every file under `src/`.
    pub fn from_src() -> Self {
        let src = src_dir();
        let mut paths = Vec::new();
        rust_files(&src, &mut paths);
        paths.sort();
        let sources = paths
            .iter()
            .filter_map(|path| {
                let relative = path
                    .strip_prefix(&src)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/");
                let source = std::fs::read_to_string(path).ok()?;
                Some((relative, source))
            })
            .collect::<Vec<_>>();
        Self::from_sources(sources.iter().map(|(r, s)| (r.as_str(), s.as_str())))
    }

    /// Builds the graph from `(path under src/, source)` pairs.
    pub fn from_sources<'a>(sources: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let files: Vec<SourceFile> = sources
            .into_iter()
            .filter(|(relative, _)| !is_test_file(relative))
            .filter(|(relative, _)| !matches!(*relative, "lib.rs" | "main.rs"))
            .map(|(relative, source)| SourceFile {
                relative: relative.to_string(),
                module: module_path(Path::new(relative)),
                paths: named_paths(&without_test_modules(&code_only(source))),
            })
            .collect();
        let by_module: BTreeMap<Vec<String>, usize> = files
            .iter()
            .enumerate()
            .map(|(index, file)| (file.module.clone(), index))
            .collect();
        let mut graph = FileGraph {
            edges: vec![BTreeSet::new(); files.len()],
            files,
        };
        for from in 0..graph.files.len() {
            let targets: Vec<usize> = graph.files[from]
                .paths
                .iter()
                .filter(|p| !p.reexport)
                .filter_map(|p| graph.resolve(&by_module, from, &p.segments, 0))
                .filter(|&to| to != from)
                .collect();
            graph.edges[from].extend(targets);
        }
        graph
    }

    /// The absolute module path a path names from file `from`.
    fn absolute(&self, from: usize, segments: &[String]) -> Vec<String> {
        let module = &self.files[from].module;
        let mut base: Vec<String>;
        let mut rest = segments;
        match segments.first().map(String::as_str) {
            Some("crate") => {
                base = Vec::new();
                rest = &segments[1..];
            }
            Some("super") => {
                base = module.clone();
                while rest.first().map(String::as_str) == Some("super") {
                    base.pop();
                    rest = &rest[1..];
                }
            }
            Some("self") => {
                base = module.clone();
                rest = &segments[1..];
            }
            _ => base = module.clone(),
        }
        base.extend(rest.iter().filter(|s| *s != "self" && *s != "*").cloned());
        base
    }

    /// The file a path resolves to, following `pub use` re-exports to the defining file.
    fn resolve(
        &self,
        by_module: &BTreeMap<Vec<String>, usize>,
        from: usize,
        segments: &[String],
        depth: usize,
    ) -> Option<usize> {
        let absolute = self.absolute(from, segments);
        let (file, used) = (1..=absolute.len())
            .rev()
            .find_map(|n| by_module.get(&absolute[..n]).map(|&f| (f, n)))?;
        let Some(name) = absolute.get(used) else {
            return Some(file);
        };
        if depth < 8 {
            let reexport = self.files[file]
                .paths
                .iter()
                .find(|p| p.reexport && p.alias.as_ref().or(p.segments.last()) == Some(name));
            if let Some(reexport) = reexport {
                let mut target = reexport.segments.clone();
                target.extend(absolute[used + 1..].iter().cloned());
                if let Some(to) = self.resolve(by_module, file, &target, depth + 1) {
                    return Some(to);
                }
            }
        }
        Some(file)
    }

    fn index_of(&self, relative: &str) -> Option<usize> {
        self.files.iter().position(|f| f.relative == relative)
    }

    /// Whether `from` imports `to` (paths under `src/`).
    pub fn imports(&self, from: &str, to: &str) -> bool {
        match (self.index_of(from), self.index_of(to)) {
            (Some(f), Some(t)) => self.edges[f].contains(&t),
            _ => false,
        }
    }

    /// Strongly connected groups of files (Tarjan), each of more than one file.
    fn circles(&self) -> Vec<Vec<usize>> {
        struct Walk<'g> {
            graph: &'g FileGraph,
            index: Vec<Option<usize>>,
            low: Vec<usize>,
            on_stack: Vec<bool>,
            stack: Vec<usize>,
            next: usize,
            found: Vec<Vec<usize>>,
        }
        impl Walk<'_> {
            fn visit(&mut self, v: usize) {
                self.index[v] = Some(self.next);
                self.low[v] = self.next;
                self.next += 1;
                self.stack.push(v);
                self.on_stack[v] = true;
                for &w in &self.graph.edges[v] {
                    match self.index[w] {
                        None => {
                            self.visit(w);
                            self.low[v] = self.low[v].min(self.low[w]);
                        }
                        Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                        Some(_) => {}
                    }
                }
                if Some(self.low[v]) == self.index[v] {
                    let mut group = Vec::new();
                    while let Some(w) = self.stack.pop() {
                        self.on_stack[w] = false;
                        group.push(w);
                        if w == v {
                            break;
                        }
                    }
                    if group.len() > 1 {
                        self.found.push(group);
                    }
                }
            }
        }
        let n = self.files.len();
        let mut walk = Walk {
            graph: self,
            index: vec![None; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            next: 0,
            found: Vec::new(),
        };
        for v in 0..n {
            if walk.index[v].is_none() {
                walk.visit(v);
            }
        }
        walk.found
    }

    /// The shortest way from `start` back to `goal` inside `group`.
    fn shortest(&self, group: &BTreeSet<usize>, start: usize, goal: usize) -> Vec<usize> {
        let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = BTreeSet::from([start]);
        while let Some(v) = queue.pop_front() {
            if v == goal {
                let mut way = vec![goal];
                let mut at = goal;
                while let Some(&before) = came_from.get(&at) {
                    way.push(before);
                    at = before;
                }
                way.reverse();
                return way;
            }
            for &w in self.edges[v].iter().filter(|w| group.contains(w)) {
                if seen.insert(w) {
                    came_from.insert(w, v);
                    queue.push_back(w);
                }
            }
        }
        Vec::new()
    }

    /// One named cycle per circle of files that spans more than one folder, e.g.
    /// `tui/state/keys.rs → tui/msg.rs → tui/state/keys.rs`.
    pub fn cross_folder_cycles(&self) -> Vec<String> {
        let folder = |f: usize| folder_of(&self.files[f].relative, &self.files);
        self.circles()
            .into_iter()
            .filter_map(|group| {
                let members: BTreeSet<usize> = group.iter().copied().collect();
                let (from, to) = members.iter().find_map(|&u| {
                    self.edges[u]
                        .iter()
                        .find(|&&v| members.contains(&v) && folder(u) != folder(v))
                        .map(|&v| (u, v))
                })?;
                let mut cycle = vec![from];
                cycle.extend(self.shortest(&members, to, from));
                let names: Vec<&str> = cycle
                    .iter()
                    .map(|&f| self.files[f].relative.as_str())
                    .collect();
                Some(format!(
                    "{} (a circle of {} files)",
                    names.join(" → "),
                    members.len()
                ))
            })
            .collect()
    }
}
