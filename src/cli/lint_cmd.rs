//! `peel lint PROMPT|FILE`: advice on a prompt, a prompt file or every item of a batch file.
//! Notes never fail the command; only unreadable input does (exit 2).

use std::io::Read;
use std::path::Path;

use serde_json::{Value, json};

use super::args::LintArgs;
use super::{Cli, CliError, Context};
use crate::studio::Roster;
use crate::studio::lint::{LintInput, LintNote, lint};

/// File extensions that mark an argument as a file rather than a prompt.
const FILE_EXTENSIONS: [&str; 5] = ["toml", "jsonl", "txt", "md", "prompt"];

/// One prompt to check, with where it came from.
#[derive(Debug, Clone, Default, PartialEq)]
struct Entry {
    label: String,
    line: Option<usize>,
    key: Option<String>,
    prompt: String,
    with: Option<Vec<String>>,
    model: Option<String>,
}

/// Checks the input and prints the notes.
pub fn run(cli: &Cli, args: LintArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let entries = read_input(&args.input)?;
    let mut roster: Vec<String> = roster_names(&ctx);
    roster.extend(args.with.iter().cloned());
    for entry in &entries {
        roster.extend(entry.with.iter().flatten().cloned());
    }
    let results: Vec<(Entry, Vec<LintNote>)> = entries
        .into_iter()
        .map(|entry| {
            let in_shot = entry.with.clone().unwrap_or_else(|| args.with.clone());
            let model = entry
                .model
                .clone()
                .or_else(|| args.model.clone())
                .or_else(|| ctx.settings.config.defaults.model.clone());
            let spec = model
                .and_then(|m| ctx.registry.resolve(&m).ok())
                .unwrap_or_else(|| ctx.registry.default_spec());
            let notes = lint(&LintInput {
                prompt: &entry.prompt,
                char_limit: Some(spec.prompt_char_limit()),
                roster: &roster,
                in_shot: &in_shot,
            });
            (entry, notes)
        })
        .collect();
    print(&results, args.json);
    Ok(())
}

/// Every anchor name in the roster; a store that cannot be read gives none (lint is advice).
fn roster_names(ctx: &Context) -> Vec<String> {
    let Ok(store) = ctx.store() else {
        return Vec::new();
    };
    Roster::new(store)
        .list()
        .map(|anchors| anchors.into_iter().map(|a| a.name).collect())
        .unwrap_or_default()
}

fn print(results: &[(Entry, Vec<LintNote>)], json: bool) {
    let total: usize = results.iter().map(|(_, n)| n.len()).sum();
    if json {
        let items: Vec<Value> = results
            .iter()
            .map(|(e, notes)| {
                json!({ "label": e.label, "line": e.line, "key": e.key, "prompt": e.prompt, "notes": notes })
            })
            .collect();
        println!("{}", json!({ "items": items, "notes": total }));
        return;
    }
    let many = results.len() > 1;
    for (entry, notes) in results {
        let prefix = if many {
            let mut where_ = entry.label.clone();
            if let Some(line) = entry.line {
                where_.push_str(&format!(" (line {line})"));
            }
            format!("{where_}: ")
        } else {
            String::new()
        };
        for note in notes {
            println!("{prefix}{}: {}", note.rule, note.message);
        }
    }
    let checked = if many {
        format!(" in {} prompts", results.len())
    } else {
        String::new()
    };
    match total {
        0 => eprintln!("peel: no notes{checked}"),
        1 => eprintln!("peel: 1 note{checked} (advice only; nothing is blocked)"),
        n => eprintln!("peel: {n} notes{checked} (advice only; nothing is blocked)"),
    }
}

fn unreadable(what: &str, reason: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("cannot read {what}: {reason}"))
}

fn read_input(input: &str) -> Result<Vec<Entry>, CliError> {
    if input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| unreadable("standard input", e))?;
        return Ok(vec![single("stdin", text)]);
    }
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
        return Ok(vec![single("prompt", input.to_string())]);
    }
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(input, e))?;
    match extension.as_deref() {
        Some("toml") => batch_toml(input, &text),
        Some("jsonl") => batch_jsonl(input, &text),
        _ => Ok(vec![single(input, text)]),
    }
}

fn single(label: &str, prompt: String) -> Entry {
    Entry {
        label: label.to_string(),
        prompt,
        ..Entry::default()
    }
}

fn strings(value: Option<&toml::Value>) -> Option<Vec<String>> {
    let items = value?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
    )
}

fn text_of(table: &toml::Table, key: &str) -> Option<String> {
    table.get(key)?.as_str().map(str::to_string)
}

fn batch_toml(name: &str, text: &str) -> Result<Vec<Entry>, CliError> {
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| unreadable(name, e.to_string().trim()))?;
    let empty = toml::Table::new();
    let defaults = doc
        .get("defaults")
        .and_then(|d| d.as_table())
        .unwrap_or(&empty);
    let item_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[item]]"))
        .map(|(i, _)| i + 1)
        .collect();
    let entry = |label: String, line: Option<usize>, table: &toml::Table| Entry {
        label,
        line,
        key: text_of(table, "key"),
        prompt: text_of(table, "prompt").unwrap_or_default(),
        with: strings(table.get("with")).or_else(|| strings(defaults.get("with"))),
        model: text_of(table, "model").or_else(|| text_of(defaults, "model")),
    };
    let items = doc
        .get("item")
        .and_then(|i| i.as_array())
        .cloned()
        .unwrap_or_default();
    let mut entries: Vec<Entry> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let table = item.as_table().unwrap_or(&empty);
            entry(format!("item {}", i + 1), item_lines.get(i).copied(), table)
        })
        .collect();
    let matrices = match doc.get("matrix") {
        Some(toml::Value::Table(t)) => vec![t.clone()],
        Some(toml::Value::Array(a)) => a.iter().filter_map(|v| v.as_table().cloned()).collect(),
        _ => Vec::new(),
    };
    for (i, matrix) in matrices.iter().enumerate() {
        let label = if matrices.len() > 1 {
            format!("matrix {}", i + 1)
        } else {
            "matrix".to_string()
        };
        entries.push(entry(label, None, matrix));
    }
    if entries.is_empty() {
        return Err(unreadable(
            name,
            "it has no [[item]] prompts or [matrix] to check (is it a batch file?)",
        ));
    }
    Ok(entries)
}

fn batch_jsonl(name: &str, text: &str) -> Result<Vec<Entry>, CliError> {
    let mut defaults = serde_json::Map::new();
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let value: Value = serde_json::from_str(trimmed)
            .map_err(|e| unreadable(name, format!("line {}: {e}", index + 1)))?;
        let Some(object) = value.as_object() else {
            return Err(unreadable(
                name,
                format!("line {}: not a JSON object", index + 1),
            ));
        };
        if let Some(found) = object.get("defaults").and_then(Value::as_object)
            && !object.contains_key("prompt")
        {
            defaults = found.clone();
            continue;
        }
        let text_of = |key: &str| {
            object
                .get(key)
                .or_else(|| {
                    defaults
                        .get(key)
                        .filter(|_| key != "prompt" && key != "key")
                })
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let with = object
            .get("with")
            .or_else(|| defaults.get("with"))
            .and_then(|w| {
                w.as_array().map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
            });
        entries.push(Entry {
            label: format!("item {}", entries.len() + 1),
            line: Some(index + 1),
            key: text_of("key"),
            prompt: text_of("prompt").unwrap_or_default(),
            with,
            model: text_of("model"),
        });
    }
    if entries.is_empty() {
        return Err(unreadable(name, "it has no lines with a \"prompt\""));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_batches_give_one_entry_per_item_and_matrix() {
        let text = "[defaults]\nwith = [\"Mira\"]\nmodel = \"nano-banana-pro\"\n\n[[item]]\nkey = \"a\"\nprompt = \"Mira at the door\"\n\n[[item]]\nprompt = \"Tom\"\nwith = []\n\n[matrix]\nprompt = \"a {style} mug\"\n[matrix.vars]\nstyle = [\"ink\"]\n";
        let entries = batch_toml("b.toml", text).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].line, Some(5));
        assert_eq!(entries[0].key.as_deref(), Some("a"));
        assert_eq!(entries[0].with, Some(vec!["Mira".to_string()]));
        assert_eq!(entries[0].model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(entries[1].with, Some(vec![]));
        assert_eq!(entries[1].line, Some(9));
        assert_eq!(entries[2].label, "matrix");
        assert!(batch_toml("b.toml", "[retry]\nattempts = 1\n").is_err());
        assert!(batch_toml("b.toml", "[[item]\n").is_err());
    }

    #[test]
    fn jsonl_batches_read_defaults_and_name_bad_lines() {
        let text = "{\"defaults\": {\"with\": [\"Mira\"], \"model\": \"nano-banana-pro\"}}\n\n{\"prompt\": \"a fox\", \"key\": \"f\"}\n{\"prompt\": \"a mug\", \"with\": []}\n";
        let entries = batch_jsonl("b.jsonl", text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].line, Some(3));
        assert_eq!(entries[0].with, Some(vec!["Mira".to_string()]));
        assert_eq!(entries[0].model.as_deref(), Some("nano-banana-pro"));
        assert_eq!(entries[1].with, Some(vec![]));
        let err = batch_jsonl("b.jsonl", "{\"prompt\": \"ok\"}\n{oops\n").unwrap_err();
        assert!(err.message.contains("line 2"), "{}", err.message);
    }

    #[test]
    fn plain_arguments_are_prompts_and_missing_files_are_refused() {
        let entries = read_input("a sign that says OPEN").unwrap();
        assert_eq!(entries[0].prompt, "a sign that says OPEN");
        let entries = read_input("fox.").unwrap();
        assert_eq!(entries[0].prompt, "fox.");
        let err = read_input("/no/such/prompts.toml").unwrap_err();
        assert_eq!(err.code, 2);
        assert!(err.message.contains("no such file"), "{}", err.message);
    }
}
