//! `peel session list|show|export|rm`.

use std::path::Path;

use serde_json::json;

use super::args::Cli;
use super::args::{SessionAction, SessionArgs};
use super::context::Context;
use super::edit::resolve_session;
use super::error::CliError;
use crate::fsio::write_atomic;
use crate::imaging;
use crate::store::Store;
use crate::store::session_types::{Session, TurnId};
use crate::studio::blobs::Blobs;
use crate::studio::session;

/// Dispatches a session action.
pub fn run(cli: &Cli, args: SessionArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    match args.action {
        SessionAction::List { json } => list(&store, json),
        SessionAction::Show { id, json } => show(&store, &id, json),
        SessionAction::Export { id, dir, json } => export(&store, &id, &dir, json),
        SessionAction::Undo { id, json } => undo(&store, &id, json),
        SessionAction::Rm { id, json } => {
            let id = resolve_session(&store, &id)?;
            store.delete_session(&id)?;
            if json {
                println!("{}", json!({ "removed": id }));
            } else {
                println!("removed session {id} (its saved images stay where they are)");
            }
            Ok(())
        }
    }
}

fn load(store: &Store, target: &str) -> Result<Session, CliError> {
    let id = resolve_session(store, target)?;
    store
        .session(&id)?
        .ok_or_else(|| CliError::usage(format!("session {id} disappeared")))
}

fn list(store: &Store, json: bool) -> Result<(), CliError> {
    let sessions = store.sessions()?;
    if json {
        println!("{}", json!({ "sessions": sessions }));
        return Ok(());
    }
    if sessions.is_empty() {
        println!("no sessions yet — `peel generate \"...\"` starts one");
    }
    for s in sessions {
        let when = s
            .created_at
            .get(..16)
            .unwrap_or(&s.created_at)
            .replace('T', " ");
        println!(
            "{}  {when}  {:<24} {:>3} turn(s)  {}",
            s.id, s.model, s.turns, s.title
        );
    }
    Ok(())
}

fn show(store: &Store, target: &str, json: bool) -> Result<(), CliError> {
    let session = load(store, target)?;
    if json {
        println!("{}", json!({ "session": session }));
        return Ok(());
    }
    println!(
        "session {} · {} · {}",
        session.id, session.model, session.title
    );
    print_branch(&session, None, "");
    Ok(())
}

fn print_branch(session: &Session, parent: Option<TurnId>, indent: &str) {
    let children = session.children(parent);
    for (i, turn) in children.iter().enumerate() {
        let last = i + 1 == children.len();
        let (branch, carry) = if parent.is_none() {
            ("", "")
        } else if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        let head = if session.head == Some(turn.id) {
            "  ← head"
        } else {
            ""
        };
        let output = turn
            .outputs
            .first()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        println!(
            "{indent}{branch}[{}] {}  {output}{head}",
            turn.id, turn.instruction
        );
        print_branch(session, Some(turn.id), &format!("{indent}{carry}"));
    }
}

fn export(store: &Store, target: &str, dir: &Path, json: bool) -> Result<(), CliError> {
    let session = load(store, target)?;
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(CliError::usage(format!(
            "{} is not empty; export into a new or empty folder",
            dir.display()
        )));
    }
    let disk = |e: std::io::Error| {
        CliError::failed("disk", format!("cannot write {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(disk)?;
    let blobs = Blobs::new(store.blob_dir());
    let mut files = Vec::new();
    for (index, turn) in session.turns.iter().enumerate() {
        for (n, blob) in session::final_images(&turn.model).into_iter().enumerate() {
            let bytes = blobs
                .get(blob)
                .map_err(|e| CliError::failed("disk", e.to_string()))?;
            let suffix = if n == 0 {
                String::new()
            } else {
                format!("-{}", n + 1)
            };
            let name = format!(
                "{:03}_turn{}{suffix}.{}",
                index + 1,
                turn.id,
                imaging::extension_for(&blob.mime)
            );
            write_atomic(&dir.join(&name), &bytes)
                .map_err(|e| CliError::failed("disk", e.to_string()))?;
            files.push(json!({ "turn": turn.id, "parent": turn.parent, "file": name, "instruction": turn.instruction }));
        }
    }
    let manifest = json!({ "session": session, "files": files });
    let text = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CliError::failed("disk", e.to_string()))?;
    write_atomic(&dir.join("session.json"), &text)
        .map_err(|e| CliError::failed("disk", e.to_string()))?;
    if json {
        println!("{}", json!({ "dir": dir, "files": files }));
    } else {
        println!(
            "exported {} image(s) and session.json to {}",
            files.len(),
            dir.display()
        );
    }
    Ok(())
}

fn undo(store: &Store, target: &str, json: bool) -> Result<(), CliError> {
    let session = load(store, target)?;
    let Some(head) = session.head.and_then(|h| session.turn(h)) else {
        return Err(CliError::usage(format!(
            "session {} has no turn to undo",
            session.id
        )));
    };
    let Some(parent) = head.parent else {
        return Err(CliError::usage(format!(
            "turn {} is the first turn of session {}; there is nothing before it",
            head.id, session.id
        )));
    };
    store.set_session_head(&session.id, Some(parent))?;
    if json {
        println!(
            "{}",
            json!({ "session": session.id, "head": parent, "undone": head.id })
        );
    } else {
        println!(
            "session {} is back at turn {parent}; turn {} stays in the tree",
            session.id, head.id
        );
    }
    Ok(())
}
