//! The tool list: names, one-line descriptions and input schemas; each hands over to the
//! file that does the work. A refusal or failure is a tool error (`isError: true`).

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, tool, tool_router};

use super::PeelServer;
use super::call::Call;
use super::params::{
    BatchFetchParams, BatchNameParams, BatchPlanParams, BatchSubmitParams, CheckParams, EditParams,
    GenerateParams, HistoryParams, LintParams, RosterAddParams, SessionParams, StoryParams,
};
use super::reply::ToolResult;

/// A tool error is still a successful call at the protocol level.
fn answer(result: ToolResult) -> Result<CallToolResult, ErrorData> {
    Ok(result.unwrap_or_else(|refusal| refusal))
}

#[tool_router(vis = "pub(super)")]
impl PeelServer {
    #[tool(
        description = "Generate images from a prompt (starts a session). Returns each image's path, size and cost, the session id for `edit`, and a JPEG preview per image."
    )]
    async fn generate(
        &self,
        Parameters(params): Parameters<GenerateParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.generate_images(params, &call).await)
    }

    #[tool(
        description = "Continue a session with an instruction (from its latest turn, or fork from `from`). Same result shape as `generate`."
    )]
    async fn edit(
        &self,
        Parameters(params): Parameters<EditParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.edit_image(params, &call).await)
    }

    #[tool(
        description = "Make a storyboard from a story file: frames in order, each carrying the previous frame and the anchors in shot. Returns the folder, each frame's path, seed and cost (story.json and sheet.png are in the folder)."
    )]
    async fn story(
        &self,
        Parameters(params): Parameters<StoryParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.make_story(params, &call).await)
    }

    #[tool(
        description = "Score how well images (files, or a batch or story folder) keep the identity of their anchors (from each sidecar, or `with`): a text model answers 0-100 and a note per anchor; results also go into sidecars and manifests."
    )]
    async fn check(
        &self,
        Parameters(params): Parameters<CheckParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.check_images(params, &call).await)
    }

    #[tool(
        description = "Show a session's turns (tree, head, images) by id or unique prefix.",
        annotations(read_only_hint = true)
    )]
    async fn session_show(
        &self,
        Parameters(params): Parameters<SessionParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.show_session(params))
    }

    #[tool(
        description = "List the roster: consistent characters and objects to put in shot.",
        annotations(read_only_hint = true)
    )]
    async fn roster_list(&self) -> Result<CallToolResult, ErrorData> {
        answer(self.list_roster())
    }

    #[tool(
        description = "Add a character (at most five) or an object to the roster, with visual identifiers and reference images."
    )]
    async fn roster_add(
        &self,
        Parameters(params): Parameters<RosterAddParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.add_anchor(params))
    }

    #[tool(
        description = "List the models with their aliases, aspect ratios, sizes, reference limits and prices.",
        annotations(read_only_hint = true)
    )]
    async fn models(&self) -> Result<CallToolResult, ErrorData> {
        answer(self.list_models())
    }

    #[tool(
        description = "Check a prompt, a prompt file or a batch file for habits that make output unreliable (advice only).",
        annotations(read_only_hint = true)
    )]
    async fn lint(
        &self,
        Parameters(params): Parameters<LintParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.lint_notes(params))
    }

    #[tool(
        description = "Check a batch file and show its items, images, cost on each lane and duration.",
        annotations(read_only_hint = true)
    )]
    async fn batch_plan(
        &self,
        Parameters(params): Parameters<BatchPlanParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.plan_batch(params))
    }

    #[tool(
        description = "Submit a batch file to the Gemini Batch API (half price, results within 24 h); returns the run id."
    )]
    async fn batch_submit(
        &self,
        Parameters(params): Parameters<BatchSubmitParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.submit_batch(params, &call).await)
    }

    #[tool(
        description = "Show a Batch API job's state and counts.",
        annotations(read_only_hint = true)
    )]
    async fn batch_status(
        &self,
        Parameters(params): Parameters<BatchNameParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.batch_state(params).await)
    }

    #[tool(
        description = "Save a finished Batch API job's images, sidecars and manifest into its run folder."
    )]
    async fn batch_fetch(
        &self,
        Parameters(params): Parameters<BatchFetchParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let call = Call::begin(&self.cancels, &context);
        answer(self.fetch_batch(params, &call).await)
    }

    #[tool(
        description = "List past jobs, newest first, optionally only those matching a search.",
        annotations(read_only_hint = true)
    )]
    async fn history(
        &self,
        Parameters(params): Parameters<HistoryParams>,
    ) -> Result<CallToolResult, ErrorData> {
        answer(self.list_history(params).await)
    }
}
