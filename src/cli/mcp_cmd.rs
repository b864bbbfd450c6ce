//! `peel mcp`: serve the engine to coding agents over the Model Context Protocol.

use std::net::SocketAddr;

use super::args::Cli;
use super::context::Context;
use super::error::CliError;
use crate::cli::args::McpArgs;
use crate::mcp::{self, PeelServer};
use crate::studio::backend;

/// Serves until the client disconnects (stdio) or Ctrl-C (HTTP).
pub async fn run(cli: &Cli, args: McpArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let cwd = ctx
        .settings
        .env
        .cwd
        .clone()
        .ok_or_else(|| CliError::failed("io", "cannot read the working directory"))?;
    let server = PeelServer::new(ctx, cwd);
    if server.offline() {
        eprintln!("peel: {}", backend::OFFLINE_BANNER);
    }
    let served = match args.http {
        None => mcp::serve_stdio(server).await,
        Some(addr) => {
            mcp::check_loopback(addr).map_err(CliError::usage)?;
            let ready = |bound: SocketAddr| eprintln!("peel: MCP server on http://{bound}/mcp");
            mcp::serve_http(server, addr, ready).await
        }
    };
    served.map_err(|message| CliError::failed("mcp", message))
}
