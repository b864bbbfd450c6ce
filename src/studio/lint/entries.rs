//! What `lint` checks: a prompt, a text file holding one, or every item of a batch file,
//! each linted against the roster and its model's prompt limit.

use std::path::{Path, PathBuf};

use super::{LintInput, LintNote, lint};
use crate::error::ValidationError;
use crate::settings::Field;
use crate::studio::batch::file::{self, Format};
use crate::studio::batch::settings::Source;
use crate::studio::batch::validate::resolve_settings;
use crate::studio::batch::{BatchError, Checks};
use crate::studio::workspace::Workspace;
use crate::studio::{Roster, shot};

/// File extensions that mark an argument as a file rather than a prompt.
const FILE_EXTENSIONS: [&str; 5] = ["toml", "jsonl", "txt", "md", "prompt"];

/// One prompt to check, with where it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    /// "prompt", the file name, or "item N (matrix: …)".
    pub label: String,
    /// The item's line in a batch file.
    pub line: Option<usize>,
    /// The item's key in a batch file.
    pub key: Option<String>,
    /// The prompt text.
    pub prompt: String,
    /// Anchors in shot, as the batch file's layers set them.
    pub with: Option<Vec<String>>,
    /// The model, as the batch file's layers set it.
    pub model: Option<String>,
}

/// What the argument names.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A prompt (given, or from a text file).
    Text(Entry),
    /// A batch file (`.toml`, `.jsonl`, `.ndjson`).
    Batch(PathBuf),
}

/// Whether `input` is a prompt, a text file holding one, or a batch file (stdin is the face's).
pub fn classify(input: &str) -> Result<Input, ValidationError> {
    let path = Path::new(input);
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let looks_like_file = !input.contains(char::is_whitespace)
        && extension
            .as_deref()
            .is_some_and(|e| FILE_EXTENSIONS.contains(&e));
    if !path.is_file() {
        if looks_like_file {
            return Err(unreadable(input, "no such file"));
        }
        return Ok(Input::Text(single("prompt", input.to_string())));
    }
    if Format::of(path).is_ok() {
        return Ok(Input::Batch(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(input, e))?;
    Ok(Input::Text(single(input, text)))
}

/// An entry for a prompt read whole.
pub fn single(label: &str, prompt: String) -> Entry {
    Entry {
        label: label.to_string(),
        prompt,
        ..Entry::default()
    }
}

/// Every entry of `input` (a batch file's presets are the ones nearest it).
pub fn entries_of(ws: &Workspace, input: Input) -> Result<Vec<Entry>, ValidationError> {
    match input {
        Input::Text(entry) => Ok(vec![entry]),
        Input::Batch(path) => {
            let presets = ws.presets_for(&path)?;
            let checks = Checks {
                registry: &ws.registry,
                config: &ws.settings.config.defaults,
                presets: &presets,
                anchors: None,
            };
            batch_entries(&path, &checks)
        }
    }
}

/// Lints each entry: anchors in shot are the entry's own `with`, else `with`, else (nothing
/// said) the roster's anchors in shot for its prompt, pinned or named; the model is the
/// entry's, else `model`, else `[defaults]`, else the registry's default.
pub fn lint_entries(
    ws: &Workspace,
    entries: Vec<Entry>,
    with: &[String],
    model: Option<&str>,
) -> Vec<(Entry, Vec<LintNote>)> {
    let anchors = roster_anchors(ws);
    let mut roster: Vec<String> = anchors.iter().map(|a| a.name.clone()).collect();
    roster.extend(with.iter().cloned());
    for entry in &entries {
        roster.extend(entry.with.iter().flatten().cloned());
    }
    entries
        .into_iter()
        .map(|entry| {
            let in_shot = match (&entry.with, with.is_empty()) {
                (Some(own), _) => own.clone(),
                (None, false) => with.to_vec(),
                (None, true) => shot::names_in_shot(&anchors, &entry.prompt),
            };
            let model = entry
                .model
                .clone()
                .or_else(|| model.map(str::to_string))
                .or_else(|| ws.settings.config.defaults.model.clone());
            let spec = model
                .and_then(|m| ws.registry.resolve(&m).ok())
                .unwrap_or_else(|| ws.registry.default_spec());
            let notes = lint(&LintInput {
                prompt: &entry.prompt,
                char_limit: Some(spec.prompt_char_limit()),
                roster: &roster,
                in_shot: &in_shot,
            });
            (entry, notes)
        })
        .collect()
}

/// The roster; a store that cannot be read gives none (lint is advice).
fn roster_anchors(ws: &Workspace) -> Vec<crate::studio::Anchor> {
    let Ok(store) = ws.store() else {
        return Vec::new();
    };
    Roster::new(store).list().unwrap_or_default()
}

/// A refusal naming what could not be read and why.
pub fn unreadable(what: &str, reason: impl std::fmt::Display) -> ValidationError {
    ValidationError::Invalid(format!("cannot read {what}: {reason}"))
}

/// One entry per item of a batch file (matrices expanded), read and stacked with presets
/// exactly as `peel batch` does. `model` and `with` are what the file's layers set; the
/// config's `[defaults]` are left to the caller, below `--model`.
pub fn batch_entries(path: &Path, checks: &Checks) -> Result<Vec<Entry>, ValidationError> {
    let raw = file::read(path).map_err(|e| refused(path, &e))?;
    let settings = resolve_settings(&raw, checks).map_err(|e| refused(path, &e))?;
    let entries = raw
        .items
        .iter()
        .zip(settings)
        .enumerate()
        .map(|(n, ((item, origin), settings))| {
            let mut label = format!("item {}", n + 1);
            if let Some(combination) = &origin.combination {
                label.push_str(&format!(" (matrix: {combination})"));
            }
            let model = match settings.source(Field::Model) {
                Source::Config => None,
                _ => settings.settings.model.clone(),
            };
            Entry {
                label,
                line: origin.line,
                key: item.key.clone(),
                prompt: item.prompt.clone().unwrap_or_default(),
                with: settings.settings.with.clone(),
                model,
            }
        })
        .collect();
    Ok(entries)
}

/// A batch file that cannot be read, each problem with its line.
fn refused(path: &Path, error: &BatchError) -> ValidationError {
    let problems: Vec<String> = error
        .issues
        .iter()
        .map(|issue| {
            let mut place = Vec::new();
            if let Some(line) = issue.line {
                place.push(format!("line {line}"));
            }
            if let Some(item) = issue.item {
                place.push(format!("item {item}"));
            }
            if let Some(field) = &issue.field {
                place.push(format!("field `{field}`"));
            }
            if place.is_empty() {
                issue.message.clone()
            } else {
                format!("{}: {}", place.join(", "), issue.message)
            }
        })
        .collect();
    unreadable(&path.display().to_string(), problems.join("\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DefaultsSection;
    use crate::models::Registry;
    use crate::studio::preset::{PresetBook, ProjectFile};

    const PRESETS: &str = "[presets.pro]\nmodel = \"nano-banana-pro\"\nwith = [\"Tom\"]\n";

    fn read_batch(name: &str, text: &str) -> Result<Vec<Entry>, ValidationError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let registry = Registry::shipped().unwrap();
        let config = DefaultsSection {
            model: Some("nano-banana-2".into()),
            ..DefaultsSection::default()
        };
        let file = ProjectFile::parse(PRESETS, Path::new("config.toml")).unwrap();
        let presets =
            PresetBook::from_parts(&file.presets, Path::new("config.toml"), None).unwrap();
        let checks = Checks {
            registry: &registry,
            config: &config,
            presets: &presets,
            anchors: None,
        };
        batch_entries(&path, &checks)
    }

    /// The message of a refused file.
    fn refusal(name: &str, text: &str) -> String {
        let err = read_batch(name, text).unwrap_err();
        assert!(matches!(err, ValidationError::Invalid(_)));
        err.to_string()
    }

    #[test]
    fn toml_batches_give_one_entry_per_item_and_matrix_combination() {
        let text = "[defaults]\nwith = [\"Mira\"]\nmodel = \"nano-banana-pro\"\n\n[[item]]\nkey = \"a\"\nprompt = \"Mira at the door\"\n\n[[item]]\nprompt = \"Tom\"\nwith = []\n\n[matrix]\nprompt = \"a {style} mug\"\n[matrix.vars]\nstyle = [\"ink\", \"oil\"]\n";
        let entries = read_batch("b.toml", text).unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].line, Some(5));
        assert_eq!(entries[0].key.as_deref(), Some("a"));
        assert_eq!(entries[0].with, Some(vec!["Mira".to_string()]));
        assert_eq!(entries[0].model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(entries[1].with, Some(vec![]));
        assert_eq!(entries[1].line, Some(9));
        assert_eq!(entries[2].label, "item 3 (matrix: style=ink)");
        assert_eq!(entries[3].prompt, "a oil mug");
        assert!(read_batch("b.toml", "[retry]\nattempts = 1\n").is_err());
        assert!(read_batch("b.toml", "[[item]\n").is_err());
    }

    #[test]
    fn jsonl_batches_read_defaults_and_name_bad_lines() {
        let text = "{\"defaults\": {\"with\": [\"Mira\"], \"model\": \"nano-banana-pro\"}}\n\n{\"prompt\": \"a fox\", \"key\": \"f\"}\n{\"prompt\": \"a mug\", \"with\": []}\n";
        let entries = read_batch("b.jsonl", text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].line, Some(3));
        assert_eq!(entries[0].with, Some(vec!["Mira".to_string()]));
        assert_eq!(entries[0].model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(entries[1].with, Some(vec![]));
        let err = refusal("b.jsonl", "{\"prompt\": \"ok\"}\n{oops\n");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn presets_supply_model_and_anchors_and_unknown_ones_are_refused() {
        let text = "[defaults]\npreset = \"pro\"\n[[item]]\nprompt = \"Tom waves\"\n";
        let entries = read_batch("b.toml", text).unwrap();
        assert_eq!(entries[0].model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(entries[0].with, Some(vec!["Tom".to_string()]));
        let plain = read_batch("b.jsonl", "{\"prompt\": \"x\"}\n").unwrap();
        assert_eq!(
            plain[0].model, None,
            "the config's model is left to the caller"
        );
        let err = refusal("b.toml", "[[item]]\nprompt = \"x\"\npreset = \"nope\"\n");
        assert!(
            err.contains("line 3, item 1, field `preset`: unknown preset 'nope'")
                && err.contains("pro (user)"),
            "{err}"
        );
    }

    #[test]
    fn plain_arguments_are_prompts_and_missing_files_are_refused() {
        let prompt = |input: &str| match classify(input).unwrap() {
            Input::Text(entry) => entry.prompt,
            Input::Batch(path) => panic!("{} is not a batch file", path.display()),
        };
        assert_eq!(prompt("a sign that says OPEN"), "a sign that says OPEN");
        assert_eq!(prompt("fox."), "fox.");
        let err = classify("/no/such/prompts.toml").unwrap_err().to_string();
        assert!(err.contains("no such file"), "{err}");
    }
}
