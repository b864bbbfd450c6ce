//! The Batch API lane for agents that queue big jobs: plan, submit, status, fetch. The server
//! keeps one connection, so even the embedded simulator remembers jobs between calls.

use std::path::Path;

use rmcp::model::CallToolResult;

use super::call::Call;
use super::params::{BatchFetchParams, BatchNameParams, BatchPlanParams, BatchSubmitParams};
use super::reply::{self, ToolResult};
use super::{PeelServer, resources};
use crate::api::backend::Feature;
use crate::store::{RunRow, Store};
use crate::studio::backend::{self, Connection};
use crate::studio::batch::lookup::{self, LookupError};
use crate::studio::batch::{plan, remote};

impl PeelServer {
    fn lookup_failed(&self, error: LookupError) -> CallToolResult {
        reply::refusal(error.to_string(), self.offline())
    }

    /// Items, images, cost on each lane and duration, as `peel batch plan --json`.
    pub(super) fn plan_batch(&self, params: BatchPlanParams) -> ToolResult {
        let ws = self.ws();
        let batch =
            lookup::load_checked(ws, Path::new(&params.file)).map_err(|e| self.lookup_failed(e))?;
        let cfg = &ws.settings.config.batch;
        let rpm = params.rpm.unwrap_or(cfg.rpm);
        let concurrency = params.concurrency.unwrap_or(cfg.concurrency);
        if rpm == 0 || concurrency == 0 {
            return Err(reply::refusal(
                "rpm and concurrency must be at least 1",
                self.offline(),
            ));
        }
        let p = plan(&batch, &ws.registry, rpm, concurrency);
        let summary = format!(
            "{} items, {} images: ${:.3} interactive · ${:.3} on the Batch API",
            p.items, p.images, p.interactive_usd, p.batch_usd
        );
        let body =
            serde_json::to_value(&p).map_err(|e| reply::refusal(e.to_string(), self.offline()))?;
        Ok(reply::body(Some(summary), body, self.offline()))
    }

    /// Sends a batch file to the Batch API (half price, results within 24 h).
    pub(super) async fn submit_batch(&self, params: BatchSubmitParams, call: &Call) -> ToolResult {
        let ws = self.ws();
        let offline = self.offline();
        backend::capabilities(&ws.settings)
            .require(Feature::BatchApi)
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let batch =
            lookup::load_checked(ws, Path::new(&params.file)).map_err(|e| self.lookup_failed(e))?;
        let store = ws
            .store()
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let conn = self.batch_connection().await?;
        let parent = self.out_dir(params.out.as_deref());
        call.progress().say(
            format!(
                "{} requests checked; uploading them to the Batch API",
                batch.items.len()
            ),
            None,
        );
        let sent = remote::submit(
            &conn.client,
            &ws.registry,
            &store,
            &batch,
            &parent,
            params.via_file,
        )
        .await
        .map_err(|e| reply::failed(&e, offline))?;
        call.progress()
            .finish(format!("{} created ({})", sent.name, sent.state))
            .await;
        let summary = format!(
            "submitted {} as run {}: {} requests, {} — check with batch_status, then batch_fetch (name \"{}\")",
            sent.name, sent.run, sent.requests, sent.state, sent.run
        );
        Ok(reply::body(
            Some(summary),
            lookup::submitted_json(&sent),
            offline,
        ))
    }

    /// A Batch API job's state and counts.
    pub(super) async fn batch_state(&self, params: BatchNameParams) -> ToolResult {
        let offline = self.offline();
        let (store, run, name) = self.find(&params.name)?;
        let conn = self.batch_connection().await?;
        let op = remote::refresh(&conn.client, &store, run.as_ref(), &name)
            .await
            .map_err(|e| reply::failed(&e, offline))?;
        let summary = format!("{}: {}", op.name, op.progress());
        Ok(reply::body(
            Some(summary),
            lookup::status_json(&op, run.as_ref(), remote::lane_of(&conn.client)),
            offline,
        ))
    }

    /// Saves a finished job's images, sidecars and manifest into its run folder.
    pub(super) async fn fetch_batch(&self, params: BatchFetchParams, call: &Call) -> ToolResult {
        let offline = self.offline();
        let (store, run, name) = self.find(&params.name)?;
        let Some(run) = run else {
            return Err(reply::refusal(
                format!(
                    "{name} is not tracked in this store, so peel does not know its items; fetch it from the machine that submitted it"
                ),
                offline,
            ));
        };
        let conn = self.batch_connection().await?;
        let op = remote::refresh(&conn.client, &store, Some(&run), &name)
            .await
            .map_err(|e| reply::failed(&e, offline))?;
        call.progress().say(
            format!("{}: {}; saving the results", op.name, op.progress()),
            None,
        );
        let ws = self.ws();
        let fetched = remote::fetch_results(&ws.settings, conn, &ws.registry, &store, &run, &op)
            .await
            .map_err(|e| reply::failed(&e, offline))?;
        call.progress()
            .finish(format!(
                "{} saved, {} already saved, {} failed · ${:.3}",
                fetched.saved, fetched.already, fetched.failed, fetched.cost_usd
            ))
            .await;
        let summary = format!(
            "{}: {} saved, {} already saved, {} failed · ${:.3} at batch prices · {}",
            op.name,
            fetched.saved,
            fetched.already,
            fetched.failed,
            fetched.cost_usd,
            Path::new(&run.out_dir).display()
        );
        let body = lookup::fetched_json(&run, &op, &fetched);
        let mut result = reply::body(Some(summary), body, offline);
        reply::add_links(&mut result, resources::run_links(&store, run.id));
        if fetched.failed > 0 {
            result.is_error = Some(true);
        }
        Ok(result)
    }

    fn find(&self, name: &str) -> Result<(Store, Option<RunRow>, String), CallToolResult> {
        let offline = self.offline();
        let store = self
            .ws()
            .store()
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let (run, name) = lookup::find_remote(&store, name).map_err(|e| self.lookup_failed(e))?;
        Ok((store, run, name))
    }

    async fn batch_connection(&self) -> Result<&Connection, CallToolResult> {
        self.shared
            .connection()
            .await
            .map_err(|e| reply::failed(&e, self.offline()))
    }
}
