//! `peel roster add|list|show|rm|promote|export|import`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::args::Cli;
use super::args::{RosterAction, RosterArgs};
use super::context::Context;
use super::error::CliError;
use crate::fsio::write_atomic;
use crate::studio::roster::AnchorChanges;
use crate::studio::roster_input;
use crate::studio::{Anchor, AnchorKind, Roster, RosterError};

/// Dispatches a roster action.
pub fn run(cli: &Cli, args: RosterArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let roster = Roster::new(ctx.store()?);
    match args.action {
        RosterAction::Add {
            kind,
            name,
            desc,
            refs,
            json,
        } => {
            let kind = parse_kind(&kind)?;
            let refs = checked_refs(&refs)?;
            let anchor = roster.add(kind, &name, &desc, refs).map_err(refused)?;
            report(&anchor, json, "added");
            if !json {
                println!(
                    "  in shot where a prompt names {0}; `peel roster pin {0}` sends it with every generation",
                    anchor.name
                );
            }
        }
        RosterAction::List { json } => list(&roster, json)?,
        RosterAction::Show { name, json } => {
            let anchor = find(&roster, &name)?;
            if json {
                println!("{}", json!({ "anchor": anchor }));
            } else {
                print_anchor(&anchor);
            }
        }
        RosterAction::Rm { name, json } => {
            let anchor = roster.remove(&name).map_err(refused)?;
            report(&anchor, json, "removed");
        }
        RosterAction::Promote {
            image,
            name,
            kind,
            desc,
            json,
        } => {
            let path = checked_refs(std::slice::from_ref(&image))?.remove(0);
            let anchor = match roster.add_reference(&name, path.clone()).map_err(refused)? {
                Some(extended) => extended,
                None => {
                    let Some(kind) = kind else {
                        return Err(CliError::usage(format!(
                            "there is no anchor named '{name}' yet; say what it is with --kind character|object (and --desc)"
                        )));
                    };
                    roster
                        .add(parse_kind(&kind)?, &name, &desc, vec![path])
                        .map_err(refused)?
                }
            };
            report(&anchor, json, "promoted into");
        }
        RosterAction::Pin { name, json } => {
            let anchor = roster.set_pinned(&name, true).map_err(refused)?;
            report(&anchor, json, "pinned");
        }
        RosterAction::Unpin { name, json } => {
            let anchor = roster.set_pinned(&name, false).map_err(refused)?;
            report(&anchor, json, "unpinned");
        }
        RosterAction::Export { file } => export(&roster, &file)?,
        RosterAction::Import { file } => import(&roster, &file)?,
    }
    Ok(())
}

fn parse_kind(text: &str) -> Result<AnchorKind, CliError> {
    Ok(roster_input::parse_kind(text)?)
}

fn refused(e: RosterError) -> CliError {
    match e {
        RosterError::Store(s) => CliError::failed("store", s.to_string()),
        other => CliError::usage(other.to_string()),
    }
}

/// Checks each reference image and returns absolute paths, so the roster works from any folder.
fn checked_refs(refs: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    Ok(roster_input::checked_refs(refs)?)
}

fn find(roster: &Roster, name: &str) -> Result<Anchor, CliError> {
    roster.get(name).map_err(refused)?.ok_or_else(|| {
        CliError::usage(format!(
            "no anchor is named '{name}'; `peel roster list` shows the roster"
        ))
    })
}

fn report(anchor: &Anchor, json: bool, verb: &str) {
    if json {
        println!("{}", json!({ "anchor": anchor }));
    } else {
        println!(
            "{verb} {} '{}' ({} reference image(s))",
            anchor.kind,
            anchor.name,
            anchor.refs.len()
        );
    }
}

fn list(roster: &Roster, json: bool) -> Result<(), CliError> {
    let anchors = roster.list().map_err(refused)?;
    if json {
        println!("{}", json!({ "anchors": anchors }));
        return Ok(());
    }
    if anchors.is_empty() {
        println!(
            "the roster is empty — `peel roster add character NAME --desc \"...\" --ref FILE`"
        );
    }
    for a in anchors {
        let shot = if a.pinned { "pinned" } else { "" };
        println!(
            "{:<10} {:<20} {:>2} ref(s)  {:<8} {}",
            a.kind.as_str(),
            a.name,
            a.refs.len(),
            shot,
            a.description
        );
    }
    Ok(())
}

fn print_anchor(a: &Anchor) {
    println!("{} ({})", a.name, a.kind);
    println!(
        "  identifiers: {}",
        if a.description.is_empty() {
            "—"
        } else {
            &a.description
        }
    );
    if a.pinned {
        println!(
            "  in shot:     yes, pinned (`peel roster unpin {}` leaves it to the prompt)",
            a.name
        );
    } else {
        println!(
            "  in shot:     where a prompt names {} (`peel roster pin {}` sends it always)",
            a.name, a.name
        );
    }
    for r in &a.refs {
        println!("  reference:   {}", r.display());
    }
}

/// The roster file format: `[[anchor]] name, kind, description, refs, pinned` (`in_shot`, the
/// old name, is read as `pinned`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterFile {
    #[serde(default)]
    anchor: Vec<AnchorEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnchorEntry {
    name: String,
    kind: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    refs: Vec<PathBuf>,
    #[serde(default, alias = "in_shot")]
    pinned: bool,
}

fn export(roster: &Roster, file: &Path) -> Result<(), CliError> {
    let anchors = roster.list().map_err(refused)?;
    let body = RosterFile {
        anchor: anchors
            .iter()
            .map(|a| AnchorEntry {
                name: a.name.clone(),
                kind: a.kind.as_str().into(),
                description: a.description.clone(),
                refs: a.refs.clone(),
                pinned: a.pinned,
            })
            .collect(),
    };
    let text =
        toml::to_string_pretty(&body).map_err(|e| CliError::failed("roster", e.to_string()))?;
    write_atomic(file, text.as_bytes()).map_err(|e| CliError::failed("disk", e.to_string()))?;
    println!("exported {} anchor(s) to {}", anchors.len(), file.display());
    Ok(())
}

fn import(roster: &Roster, file: &Path) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    let parsed: RosterFile = toml::from_str(&text)
        .map_err(|e| CliError::usage(format!("{}: {}", file.display(), e.to_string().trim())))?;
    // Check everything before changing anything.
    let mut checked = Vec::with_capacity(parsed.anchor.len());
    for (index, entry) in parsed.anchor.iter().enumerate() {
        let at = format!("{} anchor {} ('{}')", file.display(), index + 1, entry.name);
        let kind = AnchorKind::parse(&entry.kind).ok_or_else(|| {
            CliError::usage(format!(
                "{at}: kind '{}' is not character or object",
                entry.kind
            ))
        })?;
        let refs = checked_refs(&entry.refs)
            .map_err(|e| CliError::usage(format!("{at}: {}", e.message)))?;
        checked.push((entry, kind, refs));
    }
    let existing = roster.list().map_err(refused)?;
    let kept = existing
        .iter()
        .filter(|a| a.kind == AnchorKind::Character)
        .filter(|a| {
            !checked
                .iter()
                .any(|(e, _, _)| e.name.eq_ignore_ascii_case(&a.name))
        })
        .count();
    let incoming = checked
        .iter()
        .filter(|(_, k, _)| *k == AnchorKind::Character)
        .count();
    if kept + incoming > crate::studio::roster::MAX_CHARACTERS {
        return Err(CliError::usage(format!(
            "{} would leave the roster with {} characters; it keeps at most {}. Nothing was imported.",
            file.display(),
            kept + incoming,
            crate::studio::roster::MAX_CHARACTERS
        )));
    }
    let (mut added, mut updated) = (0, 0);
    for (entry, kind, refs) in checked {
        let anchor = match roster.get(&entry.name).map_err(refused)? {
            Some(existing) => {
                updated += 1;
                let changes = AnchorChanges {
                    kind: Some(kind),
                    description: Some(entry.description.clone()),
                    refs: Some(refs),
                    ..AnchorChanges::default()
                };
                roster.update(&existing.name, changes).map_err(refused)?
            }
            None => {
                added += 1;
                roster
                    .add(kind, &entry.name, &entry.description, refs)
                    .map_err(refused)?
            }
        };
        roster
            .set_pinned(&anchor.name, entry.pinned)
            .map_err(refused)?;
    }
    println!(
        "imported {} anchor(s): {added} added, {updated} updated",
        added + updated
    );
    Ok(())
}
