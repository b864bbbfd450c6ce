//! `peel edit`: continue a session, fork it with --from, or re-root from an image file.

use std::path::Path;

use super::args::EditArgs;
use super::generate::{execute, spec_from_flags, title};
use super::{Cli, CliError, Context, layers};
use crate::store::Store;
use crate::studio::spec::{self, SessionLink};

/// Runs one edit turn.
pub async fn run(cli: &Cli, args: EditArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    if looks_like_file(&args.target) {
        return reroot(&ctx, store, &args).await;
    }
    let id = resolve_session(&store, &args.target)?;
    let Some(session) = store.session(&id)? else {
        return Err(CliError::usage(format!(
            "session {id} disappeared; run `peel session list`"
        )));
    };
    let Some(parent) = args.from.or(session.head) else {
        return Err(CliError::usage(format!(
            "session {id} has no finished turn to continue; generate into it first or re-root from an image"
        )));
    };
    let spec = spec_from_flags(&ctx, &args.instruction, &args.flags, 1)?;
    let job = spec::prepare_edit(
        &spec,
        &ctx.registry,
        &session,
        parent,
        &crate::studio::blobs::Blobs::new(store.blob_dir()),
    )
    .map_err(|e| layers::explain(&ctx, &args.flags, e))?;
    execute(&ctx, store, vec![job], &args.flags, Some(id)).await
}

/// A new session whose first user turn carries the image as a reference (no signature needed).
async fn reroot(ctx: &Context, store: Store, args: &EditArgs) -> Result<(), CliError> {
    let mut flags = args.flags.clone();
    flags.refs.insert(0, args.target.clone().into());
    let spec = spec_from_flags(ctx, &args.instruction, &flags, 1)?;
    let mut jobs =
        spec::prepare(&spec, &ctx.registry).map_err(|e| layers::explain(ctx, &args.flags, e))?;
    let session = store.create_session(&title(&args.instruction), &jobs[0].settings.model)?;
    for job in &mut jobs {
        job.session = Some(SessionLink {
            session_id: session.clone(),
            parent: None,
        });
    }
    execute(ctx, store, jobs, &flags, Some(session)).await
}

fn looks_like_file(target: &str) -> bool {
    let path = Path::new(target);
    path.is_file()
        || target.contains(std::path::MAIN_SEPARATOR)
        || path.extension().is_some_and(|e| {
            matches!(
                e.to_string_lossy().to_lowercase().as_str(),
                "png" | "jpg" | "jpeg" | "webp"
            )
        })
}

/// Finds a session from an id or unique prefix, or says what to do.
pub fn resolve_session(store: &Store, target: &str) -> Result<String, CliError> {
    let matches = store.resolve_session(target)?;
    match matches.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CliError::usage(format!(
            "no session matches '{target}'. Run `peel session list` to see sessions, or pass an image file to start one."
        ))),
        many => Err(CliError::usage(format!(
            "'{target}' matches several sessions ({}); give more characters",
            many.join(", ")
        ))),
    }
}
