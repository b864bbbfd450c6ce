//! The Vertex batch lane's own commands: `submit` on Vertex AI (bucket from `--bucket` or
//! `[vertex] batch_bucket`) and `resume` of a submit that was stopped part-way. Status,
//! wait, fetch, cancel and list are the remote lanes' (`remote.rs`).

use super::remote::after_submit;
use super::{CliError, Context, load};
use crate::cli::args::batch::SubmitArgs;
use crate::store::{RunRow, Store};
use crate::studio::backend;
use crate::studio::batch::vertex::{self as vertex_lane, VertexLane};

/// `peel --backend vertex batch submit FILE [--bucket gs://BUCKET/PREFIX] [--wait] [--json]`
pub async fn submit(ctx: &Context, args: SubmitArgs) -> Result<(), CliError> {
    let bucket = vertex_lane::bucket_setting(
        args.bucket.as_deref(),
        vertex_lane::configured_bucket(&ctx.settings),
    )?;
    let batch = load(ctx, &args.file)?;
    let store = ctx.store()?;
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    let storage = vertex_lane::storage_for(&ctx.settings, &conn)?;
    let lane = VertexLane {
        client: &conn.client,
        storage: &storage,
        registry: &ctx.registry,
        store: &store,
    };
    let parent = ctx.settings.output_dir(args.out.as_deref());
    let sent = lane.submit(&batch, &parent, &bucket).await?;
    after_submit(ctx, &conn, &store, &sent, args.wait, args.json).await
}

/// `peel batch resume RUN` for a Vertex batch: continues its submit from the step it
/// reached (no second upload, no second job); a run already submitted says so.
pub async fn resume(
    ctx: &Context,
    store: Store,
    run: RunRow,
    json_out: bool,
) -> Result<(), CliError> {
    if run.remote_name.is_some() && run.state != "submitting" {
        return Err(CliError::usage(format!(
            "run {} is already submitted as {}: `peel batch wait {}` then `peel batch fetch {}`",
            run.id,
            run.remote_name.as_deref().unwrap_or_default(),
            run.id,
            run.id
        )));
    }
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    let storage = vertex_lane::storage_for(&ctx.settings, &conn)?;
    let lane = VertexLane {
        client: &conn.client,
        storage: &storage,
        registry: &ctx.registry,
        store: &store,
    };
    let sent = lane.advance(run.id).await?;
    after_submit(ctx, &conn, &store, &sent, false, json_out).await
}
