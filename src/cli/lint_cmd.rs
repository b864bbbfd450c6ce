//! `peel lint PROMPT|FILE`: advice on a prompt, a prompt file or every item of a batch file.
//! Notes never fail the command; only unreadable input does (exit 2).

use std::io::Read;

use serde_json::{Value, json};

use super::args::Cli;
use super::args::LintArgs;
use super::context::Context;
use super::error::CliError;
use crate::studio::lint::LintNote;
use crate::studio::lint::entries::{self, Entry, Input};

/// Checks the input and prints the notes.
pub fn run(cli: &Cli, args: LintArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let input = if args.input == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| entries::unreadable("standard input", e))?;
        Input::Text(entries::single("stdin", text))
    } else {
        entries::classify(&args.input)?
    };
    let entries = entries::entries_of(&ctx, input)?;
    let results = entries::lint_entries(&ctx, entries, &args.with, args.model.as_deref());
    print(&results, args.json);
    Ok(())
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
