//! `story` and `check`: storyboards and the consistency check for agents, on the engine the
//! CLI uses. Each runs in a task of its own, so paid-for work finishes and is saved even if
//! the client goes away mid-call.

use std::path::{Path, PathBuf};

use rmcp::model::CallToolResult;

use super::call::{Call, Tally};
use super::params::{CheckParams, StoryParams};
use super::reply::{self, ToolResult};
use super::{PeelServer, resources};
use crate::studio::StudioError;
use crate::studio::batch::interactive::{self, InteractiveLane, LaneOptions};
use crate::studio::batch::story_sheet;
use crate::studio::{check, story};

impl PeelServer {
    /// Runs a story file frame by frame; answers with `peel story --json`'s body.
    pub(super) async fn make_story(&self, params: StoryParams, call: &Call) -> ToolResult {
        let ws = self.ws();
        let offline = self.offline();
        let loaded = story::load_checked(ws, Path::new(&params.file))
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let store = ws
            .store()
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let parent = self.out_dir(params.out.as_deref());
        let tier = params
            .tier
            .as_deref()
            .map(crate::settings::parse_tier)
            .transpose()
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let (run, _) =
            story::create(&store, &loaded, &parent).map_err(|e| reply::failed(&e, offline))?;
        let store_for_links = store.clone();
        drop(loaded);
        let shared = self.shared.clone();
        let guard = shared.in_flight.clone().read_owned().await;
        let progress = call.progress();
        let cancelled = call.cancelled.clone();
        let task = tokio::spawn(async move {
            let _guard = guard;
            let conn = shared.connection().await?;
            let lane = InteractiveLane {
                client: conn.client.clone(),
                registry: shared.ws.registry.clone(),
                store: store.clone(),
                label: conn.label.clone(),
                forward: None,
            };
            let options = LaneOptions {
                tier,
                fallback: None,
                concurrency: 1,
                rpm: shared.ws.settings.config.batch.rpm.max(1),
                budget: None,
            };
            let mut tally = Tally::default();
            interactive::run_keeping_paid_work(&lane, run, options, cancelled, |event| {
                progress.batch_event(&mut tally, &event)
            })
            .await?;
            let row = store
                .batch_run(run)?
                .ok_or_else(|| StudioError::Internal(format!("run {run} left the store")))?;
            story_sheet::report(&store, &row)
        });
        let report = joined(task.await, offline)?;
        call.progress().finish("story finished").await;
        let summary = format!(
            "story {}: {} of {} frames done · ${:.3} · {} (story.json, sheet.png)",
            report.run,
            report.frames.iter().filter(|f| f.state == "done").count(),
            report.frames.len(),
            report.cost_usd,
            report.dir.display()
        );
        let body =
            serde_json::to_value(&report).map_err(|e| reply::refusal(e.to_string(), offline))?;
        let mut result = reply::body(Some(summary), body, offline);
        reply::add_links(
            &mut result,
            resources::run_links(&store_for_links, report.run),
        );
        if report.state != "done" {
            result.is_error = Some(true);
        }
        Ok(result)
    }

    /// Scores images against their anchors; answers with `peel check --json`'s body.
    pub(super) async fn check_images(&self, params: CheckParams, call: &Call) -> ToolResult {
        let ws = self.ws();
        let offline = self.offline();
        let paths: Vec<PathBuf> = params.paths.iter().map(|p| self.out_dir(Some(p))).collect();
        let store = ws
            .store()
            .map_err(|e| reply::refusal(e.to_string(), offline))?;
        let plan = check::plan(
            &store,
            &ws.registry,
            &ws.settings.config.check,
            &paths,
            params.with.as_deref(),
        )
        .map_err(|e| reply::failed(&e, offline))?;
        let plan = match params.tier.as_deref() {
            Some(text) => crate::settings::parse_tier(text)
                .map_err(StudioError::from)
                .and_then(|tier| plan.at_tier(tier))
                .map_err(|e| reply::failed(&e, offline))?,
            None => plan,
        };
        let shared = self.shared.clone();
        let guard = shared.in_flight.clone().read_owned().await;
        let progress = call.progress();
        let task = tokio::spawn(async move {
            let _guard = guard;
            let conn = shared.connection().await?;
            check::usable_on(&conn.label)?;
            let total = plan.targets.len() as f64;
            let mut checked = 0.0;
            check::run(&conn.client, &store, &plan, |image| {
                checked += 1.0;
                progress.say_at(
                    format!("{checked} of {total} checked: {}", image.path.display()),
                    checked,
                    total,
                );
            })
            .await
        });
        let report = joined(task.await, offline)?;
        call.progress().finish("check finished").await;
        let summary = format!(
            "{} checked, {} drifted (below {}) · ${:.4}",
            report.images.len(),
            report.drifted().len(),
            report.warn_below,
            report.cost_usd
        );
        let body = report.json();
        Ok(reply::body(Some(summary), body, offline))
    }
}

/// The task's answer, or the tool error saying why there is none.
fn joined<T>(
    result: Result<Result<T, StudioError>, tokio::task::JoinError>,
    offline: bool,
) -> Result<T, CallToolResult> {
    match result {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(reply::failed(&e, offline)),
        Err(e) => Err(reply::refusal(format!("the task stopped: {e}"), offline)),
    }
}
