//! `generate` and `edit`: the same preparation the CLI does, run to the end, previews back.

use rmcp::model::CallToolResult;

use super::PeelServer;
use super::call::Call;
use super::params::{EditParams, GenerateParams};
use super::reply::{self, ToolResult};
use crate::store::Store;
use crate::studio::report::OnInterrupt;
use crate::studio::request::{self, EditTarget, GenRequest};
use crate::studio::{PreparedJob, StudioError, report, spec};

impl PeelServer {
    /// Validates, starts a session, runs every request, answers with paths and previews.
    pub(super) async fn generate_images(&self, params: GenerateParams, call: &Call) -> ToolResult {
        let ws = self.ws();
        let request = params.settings.request();
        let out_dir = self.out_dir(params.settings.out.as_deref());
        let count = params.count.unwrap_or(1);
        let refused = |e: StudioError| self.refused(&request, e);
        let spec =
            request::build_spec(ws, &params.prompt, &request, count, out_dir).map_err(refused)?;
        let mut jobs = spec::prepare(&spec, &ws.registry).map_err(|e| refused(e.into()))?;
        let notes =
            request::apply_backend(ws, &mut jobs, &request).map_err(|e| refused(e.into()))?;
        let store = ws.store().map_err(|e| refused(e.into()))?;
        let session = request::start_session(ws, &store, &params.prompt, &mut jobs)
            .map_err(|e| refused(e.into()))?;
        self.run(store, jobs, session, notes, call).await
    }

    /// One edit turn on a session, from its head or from the turn given; or, with
    /// `image_path`, a new session whose first turn edits that image.
    pub(super) async fn edit_image(&self, params: EditParams, call: &Call) -> ToolResult {
        let session = match (&params.session, &params.image_path) {
            (Some(session), None) => session.clone(),
            (None, Some(image)) => return self.reroot(&params, image, call).await,
            (Some(_), Some(_)) => {
                return Err(reply::refusal(
                    "give `session` (to continue a session) or `image_path` (to start one from an image file), not both",
                    self.offline(),
                ));
            }
            (None, None) => {
                return Err(reply::refusal(
                    "`edit` needs `session` (an id from `generate` or `history`) or `image_path` (an image file to start from)",
                    self.offline(),
                ));
            }
        };
        let ws = self.ws();
        let request = params.settings.request();
        let refused = |e: StudioError| self.refused(&request, e);
        let store = ws.store().map_err(|e| refused(e.into()))?;
        let id = request::resolve_session(&store, &session).map_err(refused)?;
        let target = EditTarget {
            session: &id,
            from: params.from,
            instruction: &params.instruction,
        };
        let out_dir = self.out_dir(params.settings.out.as_deref());
        let mut job = request::edit_job(ws, &store, target, &request, out_dir).map_err(refused)?;
        let notes = request::apply_backend(ws, std::slice::from_mut(&mut job), &request)
            .map_err(|e| refused(e.into()))?;
        self.run(store, vec![job], Some(id), notes, call).await
    }

    /// A new session from an image file: the same engine call as `peel edit IMAGE_PATH`.
    async fn reroot(&self, params: &EditParams, image: &str, call: &Call) -> ToolResult {
        let ws = self.ws();
        let request = request::reroot(&params.settings.request(), image.into());
        let refused = |e: StudioError| self.refused(&request, e);
        let out_dir = self.out_dir(params.settings.out.as_deref());
        let spec =
            request::build_spec(ws, &params.instruction, &request, 1, out_dir).map_err(refused)?;
        let mut jobs = spec::prepare(&spec, &ws.registry).map_err(|e| refused(e.into()))?;
        let notes =
            request::apply_backend(ws, &mut jobs, &request).map_err(|e| refused(e.into()))?;
        let store = ws.store().map_err(|e| refused(e.into()))?;
        let session = request::start_session(ws, &store, &params.instruction, &mut jobs)
            .map_err(|e| refused(e.into()))?;
        self.run(store, jobs, session, notes, call).await
    }

    /// A refusal with the CLI's words, including which preset was in force.
    fn refused(&self, request: &GenRequest, error: StudioError) -> CallToolResult {
        let mut message = error.to_string();
        if matches!(error, StudioError::Validation(_))
            && let Some(note) = request::preset_note(self.ws(), request.preset.as_deref())
        {
            message = format!("{message} {note}");
        }
        reply::refusal(message, self.offline())
    }

    /// Runs the jobs in a task of their own, so they finish and are saved even if the client
    /// goes away mid-call, reporting progress to the client and stopping when it cancels
    /// (paid work on the wire is still saved); answers when all have ended.
    async fn run(
        &self,
        store: Store,
        jobs: Vec<PreparedJob>,
        session: Option<String>,
        notes: Vec<&'static str>,
        call: &Call,
    ) -> ToolResult {
        let offline = self.offline();
        let shared = self.shared.clone();
        let guard = shared.in_flight.clone().read_owned().await;
        let progress = call.progress();
        let cancelled = call.cancelled.clone();
        let task = tokio::spawn(async move {
            let _guard = guard;
            let conn = shared.connection().await?;
            let work = report::Work {
                ws: &shared.ws,
                conn,
                store,
                jobs,
                session,
            };
            report::execute_with(
                work,
                |event| progress.image_event(event),
                cancelled.cancelled_owned(),
                OnInterrupt::KeepPaidWork,
            )
            .await
        });
        let report = match task.await {
            Ok(Ok(report)) => report,
            Ok(Err(e)) => return Err(reply::failed(&e, offline)),
            Err(e) => {
                return Err(reply::refusal(
                    format!("the job runner stopped: {e}"),
                    offline,
                ));
            }
        };
        let images = report.outputs().count();
        call.progress()
            .finish(format!("{images} image(s) saved"))
            .await;
        let result = reply::generated(&report, offline, &notes).await;
        Ok(result)
    }
}
