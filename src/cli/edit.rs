//! `peel edit`: continue a session, fork it with --from, or re-root from an image file.

use std::path::Path;

use super::args::Cli;
use super::args::EditArgs;
use super::context::Context;
use super::error::CliError;
use super::generate::{apply_backend_flags, execute, spec_from_flags, start_session};
use super::layers;
use crate::store::Store;
use crate::studio::request::{self, EditTarget};
use crate::studio::spec;

/// Runs one edit turn.
pub async fn run(cli: &Cli, args: EditArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    if looks_like_file(&args.target) {
        return reroot(&ctx, store, &args).await;
    }
    let id = resolve_session(&store, &args.target)?;
    let target = EditTarget {
        session: &id,
        from: args.from,
        instruction: &args.instruction,
    };
    let out_dir = ctx.settings.output_dir(args.flags.out.as_deref());
    let mut job = request::edit_job(&ctx, &store, target, &layers::request(&args.flags), out_dir)
        .map_err(|e| layers::explain(&ctx, &args.flags, e))?;
    apply_backend_flags(&ctx, std::slice::from_mut(&mut job), &args.flags)?;
    execute(&ctx, store, vec![job], &args.flags, Some(id)).await
}

/// A new session whose first user turn carries the image as a reference (no signature needed).
async fn reroot(ctx: &Context, store: Store, args: &EditArgs) -> Result<(), CliError> {
    let mut flags = args.flags.clone();
    flags.refs.insert(0, args.target.clone().into());
    let spec = spec_from_flags(ctx, &args.instruction, &flags, 1)?;
    let mut jobs =
        spec::prepare(&spec, &ctx.registry).map_err(|e| layers::explain(ctx, &args.flags, e))?;
    apply_backend_flags(ctx, &mut jobs, &flags)?;
    let session = start_session(ctx, &store, &args.instruction, &mut jobs)?;
    execute(ctx, store, jobs, &flags, session).await
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
    Ok(request::resolve_session(store, target)?)
}
