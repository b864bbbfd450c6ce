//! `peel batch …` flags.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `peel batch`
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: BatchAction,
}

/// `peel batch …`
#[derive(Debug, Subcommand)]
pub enum BatchAction {
    /// Check a batch file and show items, images, cost on each lane and duration.
    Plan(PlanArgs),
    /// Run a batch file on the interactive lane (resumable).
    Run(RunArgs),
    /// Finish an interrupted or stopped run.
    Resume(ResumeArgs),
    /// List runs (both lanes) with their ids, states and output folders.
    List(ListArgs),
    /// Submit a batch file to the Gemini Batch API, or on Vertex AI to batch prediction
    /// (half price, results within 24 h).
    Submit(SubmitArgs),
    /// Show a Batch API job's state and counts.
    Status(NameArgs),
    /// Wait for a Batch API job to finish, polling with backoff.
    Wait(NameArgs),
    /// Save a finished Batch API job's images, sidecars and manifest.
    Fetch(FetchArgs),
    /// Cancel a Batch API job.
    Cancel(NameArgs),
    /// Re-render chosen items of a run bigger (same prompt, model, seed, anchors and
    /// references) into a sibling folder `<dir>-<size>/` that keeps the `NNN_<key>` names.
    Promote(PromoteArgs),
}

/// Which review mark `--marked` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MarkArg {
    /// Items marked keep.
    Keep,
    /// Items marked star.
    Star,
}

/// `peel batch promote`
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("pick").required(true).args(["items", "marked"])))]
pub struct PromoteArgs {
    /// The run's output folder (path or bare name) or its id.
    pub dir: String,
    /// Items by index or key, comma-separated (`1,3` or `hero,wide`).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub items: Vec<String>,
    /// Every item marked `keep` or `star` in `peel review`.
    #[arg(long, value_enum)]
    pub marked: Option<MarkArg>,
    /// The size to render them at (e.g. 2K or 4K).
    #[arg(long, value_name = "S")]
    pub size: String,
    /// Lane settings.
    #[command(flatten)]
    pub lane: LaneArgs,
}

/// Flags shared by the interactive lane.
#[derive(Debug, Clone, Args)]
pub struct LaneArgs {
    /// Requests in flight at once (default: `[batch] concurrency`).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Requests per minute to keep to (default: `[batch] rpm`).
    #[arg(long, value_name = "N")]
    pub rpm: Option<u32>,
    /// Stop starting new items once this much (USD) would be spent.
    #[arg(long, value_name = "USD")]
    pub budget: Option<f64>,
    /// Service tier for every item (over the file's `tier`): standard, flex or priority.
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Re-send a shed flex item at this tier after its window instead of failing: standard.
    #[arg(long, value_name = "TIER")]
    pub fallback: Option<String>,
    /// Print one JSON object at the end instead of a progress bar.
    #[arg(long)]
    pub json: bool,
    /// Record the run, then return: a detached peel process runs it (`peel wait --run`).
    #[arg(long)]
    pub detach: bool,
}

/// `peel batch plan`
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The batch file (.toml or .jsonl).
    pub file: PathBuf,
    /// Requests per minute to plan for (default: `[batch] rpm`).
    #[arg(long, value_name = "N")]
    pub rpm: Option<u32>,
    /// Requests in flight at once (default: `[batch] concurrency`).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `peel batch run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The batch file (.toml or .jsonl).
    pub file: PathBuf,
    /// Folder in which the run's `batch_YYYYmmdd_HHMMSS/` folder is made.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Lane settings.
    #[command(flatten)]
    pub lane: LaneArgs,
}

/// `peel batch resume`
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Run id (from `peel batch list`) or its output folder.
    pub run: String,
    /// Lane settings (the budget defaults to the run's own).
    #[command(flatten)]
    pub lane: LaneArgs,
}

/// `peel batch list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Ask the Batch API for its jobs instead of listing local runs.
    #[arg(long)]
    pub remote: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `peel batch submit`
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The batch file (.toml or .jsonl).
    pub file: PathBuf,
    /// Upload the requests as a JSONL file through the Files API even when they fit inline.
    #[arg(long)]
    pub via_file: bool,
    /// Vertex AI: where the batch's input and results go, `gs://BUCKET/PREFIX` (default:
    /// `batch_bucket` under [vertex]).
    #[arg(long, value_name = "gs://BUCKET/PREFIX")]
    pub bucket: Option<String>,
    /// Folder in which the run's `batch_YYYYmmdd_HHMMSS/` folder is made.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Wait for the job and fetch its results in this process (needed with the embedded
    /// simulator, which forgets jobs when peel exits).
    #[arg(long)]
    pub wait: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// A Batch API job named by `batches/…`, its bare id, or a local run id.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// `batches/ID`, `ID`, or the run id from `peel batch list`.
    pub name: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `peel batch fetch`
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// `batches/ID`, `ID`, or the run id from `peel batch list`.
    pub name: String,
    /// Folder in which the run's folder is made (default: the one given at submit).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
