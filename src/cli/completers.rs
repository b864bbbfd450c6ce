//! Completion values for arguments that name something peel knows: models, ratios and
//! sizes (the registry, with the user's `models.toml`), presets (`config.toml` and the
//! project's `peel.toml`), anchors, sessions and runs (the store), themes (shipped and the
//! config dir's). They are read from local files when Tab is pressed, never from the
//! network; a source that cannot be read offers nothing.
//!
//! Which argument takes which kind of value is one table, [`kind_of`], matched on the
//! subcommand path and the argument's id, so a `--model` added to any command later
//! completes model ids without a change here.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::Command;
use clap_complete::engine::{
    ArgValueCompleter, CompletionCandidate, PathCompleter, ValueCompleter,
};

use crate::config::{Env, Overrides, Paths};
use crate::models::Registry;
use crate::store::Store;
use crate::studio::workspace::Workspace;

/// Longest help text shown beside a candidate, in columns.
const HELP_WIDTH: usize = 60;

/// What an argument's value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An image model id or alias.
    Model,
    /// An aspect ratio (those of the model named by `--model`, else any model's).
    Aspect,
    /// An image size (the named model's, else any model's).
    Size,
    /// A preset name.
    Preset,
    /// Anchor names, comma-separated.
    Anchors,
    /// One anchor name.
    Anchor,
    /// A session id.
    Session,
    /// A session id or an image file.
    SessionOrFile,
    /// A batch run id (any lane).
    Run,
    /// A batch run id on the Batch API lane.
    RemoteRun,
    /// A workbench theme.
    Theme,
}

/// The kind of value the argument `id` of the command at `path` (subcommand names below
/// `peel`) takes, if it names something.
pub fn kind_of(path: &[&str], id: &str) -> Option<Kind> {
    let kind = match (path, id) {
        (_, "model") => Kind::Model,
        (_, "aspect") => Kind::Aspect,
        (_, "size") => Kind::Size,
        (_, "preset") | (["preset", "save"], "from") | (["preset", "show"], "name") => Kind::Preset,
        (_, "with") => Kind::Anchors,
        (["roster", "show" | "rm" | "promote"], "name") => Kind::Anchor,
        (["session", _], "id") => Kind::Session,
        (["edit"], "target") => Kind::SessionOrFile,
        (["batch", "resume"], "run") | (["batch", "promote"], "dir") => Kind::Run,
        (["batch", "status" | "wait" | "fetch" | "cancel"], "name") => Kind::RemoteRun,
        ([], "theme") => Kind::Theme,
        _ => return None,
    };
    Some(kind)
}

/// `cmd` with a value completer on every argument [`kind_of`] names, in every subcommand.
pub fn attach(cmd: Command) -> Command {
    attach_at(cmd, &mut Vec::new())
}

fn attach_at(cmd: Command, path: &mut Vec<String>) -> Command {
    let here: Vec<&str> = path.iter().map(String::as_str).collect();
    // In place: `mut_arg` would move the argument last, and a positional's place is its
    // index (`peel edit TARGET INSTRUCTION` would swap).
    let mut cmd = cmd.mut_args(|arg| match kind_of(&here, arg.get_id().as_str()) {
        Some(kind) => arg.add(ArgValueCompleter::new(Values(kind))),
        None => arg,
    });
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in subcommands {
        path.push(name.clone());
        cmd = cmd.mut_subcommand(&name, |sub| attach_at(sub, path));
        path.pop();
    }
    cmd
}

/// The completer attached to an argument of one [`Kind`].
struct Values(Kind);

impl ValueCompleter for Values {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        let Some(current) = current.to_str() else {
            return Vec::new();
        };
        let line = TypedLine::from_process();
        let local = Local::new(Env::from_process(), line.value_of("config", None));
        let mut found = candidates(self.0, current, &line, &local);
        if self.0 == Kind::SessionOrFile {
            found.extend(PathCompleter::file().complete(OsStr::new(current)));
        }
        found
    }
}

/// The candidates of `kind` that start with `current`.
fn candidates(
    kind: Kind,
    current: &str,
    line: &TypedLine,
    local: &Local,
) -> Vec<CompletionCandidate> {
    let model = line.value_of("model", Some('m'));
    let registry = || local.registry().into_iter();
    let all = match kind {
        Kind::Model => registry().flat_map(|r| models(&r)).collect(),
        Kind::Aspect => registry().flat_map(|r| ratios(&r, model)).collect(),
        Kind::Size => registry().flat_map(|r| sizes(&r, model)).collect(),
        Kind::Preset => local.presets(),
        Kind::Anchor => local.anchors(),
        Kind::Anchors => return listed(current, local.anchors()),
        Kind::Session | Kind::SessionOrFile => local.sessions(),
        Kind::Run => local.runs(false),
        Kind::RemoteRun => local.runs(true),
        Kind::Theme => local.themes(),
    };
    starting_with(current, all)
}

/// Keeps the candidates that start with `current`.
fn starting_with(current: &str, all: Vec<Candidate>) -> Vec<CompletionCandidate> {
    all.into_iter()
        .filter(|c| c.value.starts_with(current))
        .map(Candidate::into_completion)
        .collect()
}

/// A comma-separated list (`Mira,Red-Mug`): completes the last name, keeping the ones
/// before it and leaving out names already listed.
fn listed(current: &str, all: Vec<Candidate>) -> Vec<CompletionCandidate> {
    let (done, last) = match current.rfind(',') {
        Some(at) => current.split_at(at + 1),
        None => ("", current),
    };
    let given: Vec<&str> = done.split(',').map(str::trim).collect();
    let fresh = all
        .into_iter()
        .filter(|c| !given.iter().any(|g| g.eq_ignore_ascii_case(&c.value)))
        .collect();
    starting_with(last, fresh)
        .into_iter()
        .map(|c| c.add_prefix(done))
        .collect()
}

/// One value with an optional line of help.
#[derive(Debug, Clone, PartialEq)]
struct Candidate {
    value: String,
    help: Option<String>,
}

impl Candidate {
    fn new(value: impl Into<String>, help: impl Into<String>) -> Self {
        let help = crate::text::truncate(&help.into(), HELP_WIDTH);
        Self {
            value: value.into(),
            help: (!help.is_empty()).then_some(help),
        }
    }

    fn into_completion(self) -> CompletionCandidate {
        CompletionCandidate::new(self.value).help(self.help.map(Into::into))
    }
}

/// Image model ids (help: the display name), then their aliases.
fn models(registry: &Registry) -> Vec<Candidate> {
    let ids = registry
        .models
        .values()
        .map(|m| Candidate::new(&m.id, &m.display_name));
    let aliases = registry.models.values().flat_map(|m| {
        m.aliases
            .iter()
            .map(|a| Candidate::new(a, format!("{} ({})", m.display_name, m.id)))
    });
    ids.chain(aliases).collect()
}

/// The ratios of `model` when it is a known model (help: pixels at its default size),
/// else every model's, those not every model allows marked with the ones that do.
fn ratios(registry: &Registry, model: Option<&str>) -> Vec<Candidate> {
    if let Some(spec) = model.and_then(|m| registry.resolve(m).ok()) {
        return spec
            .aspect_ratios
            .iter()
            .map(|r| {
                let help = spec
                    .pixels(r, &spec.default_size)
                    .map(|(w, h)| format!("{w}×{h} at {}", spec.default_size))
                    .unwrap_or_default();
                Candidate::new(r, help)
            })
            .collect();
    }
    union(registry, |spec| spec.aspect_ratios.clone())
}

/// The sizes `model` takes (help: the price of one image), else every model's.
fn sizes(registry: &Registry, model: Option<&str>) -> Vec<Candidate> {
    if let Some(spec) = model.and_then(|m| registry.resolve(m).ok()) {
        return spec
            .sizes
            .iter()
            .filter(|s| !spec.fixed_size || s.name == spec.default_size)
            .map(|s| Candidate::new(&s.name, format!("${:.3} an image", s.usd)))
            .collect();
    }
    union(registry, |spec| {
        // A fixed-size model takes no size but its own label; it is no choice to offer.
        if spec.fixed_size {
            Vec::new()
        } else {
            spec.sizes.iter().map(|s| s.name.clone()).collect()
        }
    })
}

/// The values `of` gives for any model, the default model's first; a value not every
/// such model takes says which do, or which do not when those are fewer.
fn union(
    registry: &Registry,
    of: impl Fn(&crate::models::ModelSpec) -> Vec<String>,
) -> Vec<Candidate> {
    let default = registry.default_spec();
    let specs: Vec<_> = std::iter::once(default)
        .chain(registry.models.values().filter(|m| m.id != default.id))
        .map(|spec| (spec, of(spec)))
        .filter(|(_, values)| !values.is_empty())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for (_, values) in &specs {
        for value in values {
            if !seen.contains(value) {
                seen.push(value.clone());
            }
        }
    }
    seen.into_iter()
        .map(|value| {
            let takers: Vec<&str> = specs
                .iter()
                .filter(|(_, values)| values.contains(&value))
                .map(|(spec, _)| spec.id.as_str())
                .collect();
            let others: Vec<&str> = specs
                .iter()
                .map(|(spec, _)| spec.id.as_str())
                .filter(|id| !takers.contains(id))
                .collect();
            // Name the shorter list: the few models that take it, or the few that do not.
            let help = if others.is_empty() {
                String::new()
            } else if takers.len() <= others.len() {
                format!("only {}", takers.join(", "))
            } else {
                format!("not {}", others.join(", "))
            };
            Candidate::new(value, help)
        })
        .collect()
}

/// The user's files: registry overrides, config and presets, the store, themes.
struct Local {
    env: Env,
    paths: Paths,
    config: Option<PathBuf>,
}

impl Local {
    fn new(env: Env, config: Option<&str>) -> Self {
        let paths = Paths::resolve(&env);
        Self {
            env,
            paths,
            config: config.map(PathBuf::from),
        }
    }

    /// The registry with the user's `models.toml`; the shipped one when that is malformed.
    fn registry(&self) -> Option<Registry> {
        Registry::load(Some(&self.paths.models_file()))
            .or_else(|_| Registry::shipped())
            .ok()
    }

    fn presets(&self) -> Vec<Candidate> {
        let Ok(workspace) = Workspace::open(
            self.env.clone(),
            self.config.as_deref(),
            Overrides::default(),
        ) else {
            return Vec::new();
        };
        let Ok(book) = workspace.presets() else {
            return Vec::new();
        };
        book.iter()
            .map(|p| Candidate::new(&p.name, p.source.as_str()))
            .collect()
    }

    /// The store, only when one exists: completing never creates a data directory.
    fn store(&self) -> Option<Store> {
        let file = self.paths.store_file();
        if !file.is_file() {
            return None;
        }
        Store::open(&file).ok()
    }

    fn anchors(&self) -> Vec<Candidate> {
        let Some(Ok(anchors)) = self.store().map(|s| s.anchors()) else {
            return Vec::new();
        };
        anchors
            .into_iter()
            .map(|a| {
                let help = if a.record.description.is_empty() {
                    a.record.kind.clone()
                } else {
                    format!("{}: {}", a.record.kind, a.record.description)
                };
                Candidate::new(a.record.name, help)
            })
            .collect()
    }

    fn sessions(&self) -> Vec<Candidate> {
        let Some(Ok(sessions)) = self.store().map(|s| s.sessions()) else {
            return Vec::new();
        };
        sessions
            .into_iter()
            .map(|s| Candidate::new(s.id, s.title))
            .collect()
    }

    fn runs(&self, remote_only: bool) -> Vec<Candidate> {
        let Some(Ok(runs)) = self.store().map(|s| s.batch_runs(0)) else {
            return Vec::new();
        };
        runs.into_iter()
            .filter(|r| !remote_only || r.remote_name.is_some())
            .map(|r| Candidate::new(r.id.to_string(), format!("{} · {}", r.state, r.out_dir)))
            .collect()
    }

    fn themes(&self) -> Vec<Candidate> {
        crate::terminal::theme::names(&self.paths.config_dir)
            .into_iter()
            .map(|name| Candidate::new(name, ""))
            .collect()
    }
}

/// The words of the command line being completed: what follows `--` in
/// `peel -- peel generate --model …`, the call the shell scripts make.
#[derive(Debug, Default)]
struct TypedLine {
    words: Vec<String>,
}

impl TypedLine {
    fn from_process() -> Self {
        Self::from_args(
            std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned()),
        )
    }

    fn from_args(args: impl IntoIterator<Item = String>) -> Self {
        let mut args = args.into_iter().skip_while(|a| a != "--");
        args.next();
        Self {
            words: args.collect(),
        }
    }

    /// The last value given to `--long` (`--long V`, `--long=V`, `-s V`, `-sV`), up to an
    /// escaping `--`.
    fn value_of(&self, long: &str, short: Option<char>) -> Option<&str> {
        let long_flag = format!("--{long}");
        let long_eq = format!("--{long}=");
        let short_flag = short.map(|c| format!("-{c}"));
        let mut found = None;
        let mut words = self.words.iter().skip(1);
        while let Some(word) = words.next() {
            if word == "--" {
                break;
            }
            if *word == long_flag || Some(word) == short_flag.as_ref() {
                found = words.next().map(String::as_str).or(found);
            } else if let Some(value) = word.strip_prefix(&long_eq) {
                found = Some(value);
            } else if let Some(value) = short_flag
                .as_deref()
                .and_then(|flag| word.strip_prefix(flag))
                .filter(|v| !v.is_empty() && !word.starts_with("--"))
            {
                found = Some(value);
            }
        }
        found
    }
}

#[cfg(test)]
#[path = "completers_tests.rs"]
mod tests;
