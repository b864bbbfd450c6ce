//! The agents' face: `peel mcp`, a Model Context Protocol server over the same engine as the
//! CLI. Tools are routed in `tools.rs`; each group of tools does its work in its own file.

mod batch;
mod call;
mod consistency;
mod library;
mod make;
mod params;
mod reply;
mod resources;
mod tasks;
mod tools;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CancelledNotificationParam,
    GetTaskParams, GetTaskResult, Implementation, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer};
use rmcp::{ServerHandler, ServiceExt, tool_handler};
use tokio::sync::{OnceCell, RwLock};
use tokio_util::sync::CancellationToken;

use crate::config::BackendChoice;
use crate::studio::StudioError;
use crate::studio::backend::{self, Connection};
use crate::studio::workspace::Workspace;

/// The folder outputs go to when a tool is given no `out`, under the working directory.
pub const DEFAULT_OUT_DIR: &str = "peel-out";

/// The MCP server: the workspace, one backend connection kept for the server's life (so the
/// embedded simulator remembers Batch API jobs between calls), and the tool router.
#[derive(Clone)]
pub struct PeelServer {
    shared: Arc<Shared>,
    /// This MCP session's calls that a `notifications/cancelled` can stop.
    cancels: call::Cancels,
    tool_router: ToolRouter<PeelServer>,
}

struct Shared {
    ws: Workspace,
    cwd: PathBuf,
    conn: OnceCell<Connection>,
    /// Each running generation holds a read guard; shutdown takes the write lock, so the
    /// process waits for paid-for work to be saved before it exits.
    in_flight: Arc<RwLock<()>>,
    /// Tasks this process runs, for `tasks/cancel`.
    tasks: tasks::Running,
}

impl PeelServer {
    /// A server over `ws`, saving into `peel-out/` under `cwd` unless a tool says otherwise.
    pub fn new(ws: Workspace, cwd: PathBuf) -> Self {
        Self {
            shared: Arc::new(Shared {
                ws,
                cwd,
                conn: OnceCell::new(),
                in_flight: Arc::new(RwLock::new(())),
                tasks: tasks::Running::default(),
            }),
            cancels: call::Cancels::default(),
            tool_router: Self::tool_router(),
        }
    }

    /// The same server for another MCP session (its own cancellable calls).
    fn for_session(&self) -> Self {
        Self {
            cancels: call::Cancels::default(),
            ..self.clone()
        }
    }

    fn ws(&self) -> &Workspace {
        &self.shared.ws
    }

    /// True when no key is configured (or `--offline`): the embedded simulator answers.
    pub fn offline(&self) -> bool {
        matches!(
            self.ws().settings.backend,
            BackendChoice::EmbeddedSimulator { .. }
        )
    }

    /// The server's instructions to the agent, naming the simulator when it is in use.
    pub fn instructions(&self) -> String {
        let mut text = String::from(
            "peel generates and edits images with Google's Nano Banana models. `generate` starts a session; \
             `edit` continues it (pass the session id it returned). Put consistent characters and objects \
             in the roster (`roster_add`) and in shot with `with`. Each image comes back as a path, its \
             size and cost, and a small JPEG preview; the full image stays on disk with a JSON sidecar. \
             `models` lists what each model allows and costs; `lint` checks a prompt before you spend; \
             the batch_* tools queue big jobs on the half-price Batch API.",
        );
        if self.offline() {
            text.push_str(&format!(
                " No API key is configured, so the {}: images are procedural placeholders and cost nothing.",
                backend::OFFLINE_BANNER
            ));
        }
        text
    }

    /// Where outputs go: `out` when given, else `peel-out/` in the working directory.
    fn out_dir(&self, out: Option<&str>) -> PathBuf {
        let dir = out.map_or_else(|| PathBuf::from(DEFAULT_OUT_DIR), PathBuf::from);
        if dir.is_absolute() {
            dir
        } else {
            self.shared.cwd.join(dir)
        }
    }

    /// Waits until every generation in flight has been saved.
    pub async fn drain(&self) {
        let _all = self.shared.in_flight.write().await;
    }
}

impl Shared {
    async fn connection(&self) -> Result<&Connection, StudioError> {
        self.conn
            .get_or_try_init(|| backend::connect(&self.ws.settings, &self.ws.registry))
            .await
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for PeelServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_tasks()
                .build(),
        )
        .with_server_info(Implementation::new("peel", env!("CARGO_PKG_VERSION")))
        .with_instructions(self.instructions())
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.list_outputs(request.as_ref().and_then(|r| r.cursor.as_deref()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call_or_task(request, context).await
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, ErrorData> {
        self.get_stored_task(&request.task_id)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.cancel_stored_task(&request.task_id)
    }

    async fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        _context: NotificationContext<RoleServer>,
    ) {
        if let Some(id) = &notification.request_id {
            self.cancels.cancel(id);
        }
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read_output(&request.uri).await.map(Into::into)
    }
}

/// Serves MCP on stdin/stdout until the client closes them, then waits for work in flight.
pub async fn serve_stdio(server: PeelServer) -> Result<(), String> {
    let running = server
        .clone()
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("the MCP client did not initialize: {e}"))?;
    let _ = running.waiting().await;
    server.drain().await;
    Ok(())
}

/// Refuses an address other clients on the network could reach (the server has no authentication).
pub fn check_loopback(addr: SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "--http takes a loopback address such as 127.0.0.1:8765 or [::1]:8765; {addr} is not one (peel's MCP server has no authentication)"
    ))
}

/// Serves MCP over streamable HTTP at `http://ADDR/mcp`; `addr` must be a loopback address.
/// The only `Host` values `--http` answers: a page that rebinds its own name to 127.0.0.1
/// still sends its own name.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The only browser origins `--http` answers (a request without `Origin`, from a program,
/// passes): a web page elsewhere cannot drive the server with a cross-site request.
const LOOPBACK_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

pub async fn serve_http(
    server: PeelServer,
    addr: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    check_loopback(addr)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}. Pick another port."))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let factory = server.clone();
    let stop = CancellationToken::new();
    let service = StreamableHttpService::new(
        move || Ok(factory.for_session()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default()
            .with_allowed_hosts(LOOPBACK_HOSTS)
            .with_allowed_origins(LOOPBACK_ORIGINS)
            .enforce_origin_validation()
            .with_cancellation_token(stop.child_token()),
    );
    let app = axum::Router::new().route_service("/mcp", service);
    ready(bound);
    // Ctrl-C ends the open MCP sessions too, so their event streams do not hold the server.
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| e.to_string())?;
    server.drain().await;
    Ok(())
}
