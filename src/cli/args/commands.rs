//! The flags of the commands whose work lives in a file of its own (`check`, `review`,
//! `view`, `wait`, `completions`, `mcp`, `story`, `man`, `sim`): declared here so the
//! command line's shape never imports the commands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::batch::LaneArgs;
use crate::sim;

/// `peel check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Images, or batch or story folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Anchors to check every image against (default: those its sidecar names).
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub with: Option<Vec<String>>,
    /// Service tier of the questions: standard, flex (half price) or priority.
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Plan (and refuse bad input) here, then return: a detached peel process asks.
    #[arg(long)]
    pub detach: bool,
}

/// `peel review`
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// A batch run folder (or any folder of images).
    pub dir: PathBuf,
}

/// `peel view`
#[derive(Debug, Args)]
pub struct ViewArgs {
    /// Image files, or folders to show as contact sheets.
    #[arg(required = true, value_name = "DIR|FILE")]
    pub paths: Vec<PathBuf>,
    /// Thumbnails per row in a contact sheet.
    #[arg(long, default_value_t = 4)]
    pub columns: u32,
    /// Width in terminal cells (default: the terminal's width).
    #[arg(long, value_name = "CELLS")]
    pub width: Option<u32>,
    /// Always draw with coloured blocks (no kitty / iTerm2 graphics).
    #[arg(long)]
    pub blocks: bool,
}

/// `peel wait`
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Job ids (as `--detach` or `peel history` print them).
    pub jobs: Vec<String>,
    /// A run of any lane: id, folder, or Batch API name (repeatable).
    #[arg(long = "run", value_name = "RUN")]
    pub runs: Vec<String>,
    /// Everything this data folder has in flight (detached processes included).
    #[arg(long)]
    pub all: bool,
    /// Give up after this many seconds (exit 124).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `peel completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print the script for.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: ShellArg,
}

/// Shells peel prints a completion script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// Bash 4.4 or later (older: without sorting).
    Bash,
    /// Zsh, after `compinit`.
    Zsh,
    /// Fish.
    Fish,
    /// Elvish.
    Elvish,
    /// PowerShell (pwsh).
    Powershell,
}

/// `peel mcp`
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve streamable HTTP at http://ADDR/mcp instead of stdio (loopback only, e.g. 127.0.0.1:8765).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<SocketAddr>,
}

/// `peel story`
#[derive(Debug, Args)]
pub struct StoryArgs {
    /// The story file (.toml): `[defaults]`, then `[[frame]]` tables in order.
    pub file: PathBuf,
    /// Folder the story's own folder is made in (default: the output folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Make frame N again (new seed) in the newest story from FILE; old files are kept as NN_<key>.vK.<ext>.
    #[arg(long, value_name = "N")]
    pub reroll: Option<usize>,
    /// With --reroll: every frame after N too (each carries the frame before it).
    #[arg(long, requires = "reroll")]
    pub onward: bool,
    /// Requests per minute, budget and --json, as for `peel batch run`.
    #[command(flatten)]
    pub lane: LaneArgs,
}

/// `peel man`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write peel.1 and one page per subcommand (peel-generate.1, …) into this folder
    /// (created if needed) instead of printing peel.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `peel sim`
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8089)]
    pub port: u16,
    /// Accept only this key (default: any non-empty key).
    #[arg(long)]
    pub key: Option<String>,
    /// Fixed latency in milliseconds (default: realistic, 1–7 s by size).
    #[arg(long)]
    pub latency_ms: Option<u64>,
    /// Extra latency of a request served at the flex tier, in milliseconds (the service
    /// takes minutes; kept short here).
    #[arg(long, value_name = "MS", default_value_t = sim::DEFAULT_FLEX_LATENCY.as_millis() as u64)]
    pub flex_latency_ms: u64,
    /// Requests per minute before answering 429.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Faults to inject: comma-separated KIND (every request), KIND:N (the first N) or
    /// KIND@P (probability P), e.g. "payment_required:1,503@0.1,shed". Kinds: 429,
    /// 429-free-tier, 500, 503, truncated, html, slow, image-safety, prompt-blocked,
    /// no-image; the Interactions API's codes invalid_request, failed_precondition,
    /// parameter_unknown, out_of_range, authentication, payment_required,
    /// permission_denied, not_found, model_not_found, already_exists, aborted,
    /// rate_limit_exceeded, too_many_requests, quota_exceeded, cancelled, api_error,
    /// unimplemented, service_unavailable, deadline_exceeded (each in that API's own
    /// envelope and status; generateContent answers Google's equivalent, and has none for
    /// payment_required); shed (a flex request answers 503), priority-downgrade (a priority
    /// request is served at standard); standing: no-background, no-interactions.
    #[arg(long, verbatim_doc_comment)]
    pub faults: Option<String>,
    /// Service-account email the token endpoint (/token) accepts (default: any).
    #[arg(long, value_name = "EMAIL")]
    pub client_email: Option<String>,
    /// Lifetime of access tokens from /token, in seconds.
    #[arg(long, default_value_t = 3600, value_name = "SECS")]
    pub token_lifetime_secs: u64,
    /// The only Vertex AI project served (default: any).
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Keep the latest N generation requests whole, served at GET /_peel/requests (for tests).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub record: usize,
    /// The day models' shutdown dates are compared with, YYYY-MM-DD (default: today); a
    /// model shut down by then is answered as not found.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
    /// A Cloud Storage bucket that exists from the start (repeatable).
    #[arg(long = "bucket", value_name = "NAME")]
    pub buckets: Vec<String>,
    /// A bucket that exists but refuses every write with 403 (repeatable; for tests).
    #[arg(long = "read-only-bucket", value_name = "NAME")]
    pub read_only_buckets: Vec<String>,
    /// Cloud Storage answers without credentials, as an emulator does (for clients with
    /// STORAGE_EMULATOR_HOST set).
    #[arg(long)]
    pub storage_emulator: bool,
}
