//! The command line: every subcommand and flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{BackendKind, Overrides, Transport};

pub mod batch;
mod commands;
mod library;

pub use commands::*;
pub use library::*;

/// The help heading of the options every command takes.
const GLOBAL_HEADING: &str = "Global options";

/// peel — a terminal workbench for Google's Nano Banana image models.
///
/// Run with no command to open the workbench. Without an API key, peel uses its
/// offline simulator; set GEMINI_API_KEY for real images.
#[derive(Debug, Parser)]
#[command(name = "peel", version = env!("PEEL_VERSION"), about, long_about)]
pub struct Cli {
    /// Use this config file instead of the one in the config directory.
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL_HEADING)]
    pub config: Option<PathBuf>,
    /// Use the offline simulator even when an API key is set.
    #[arg(long, global = true, help_heading = GLOBAL_HEADING)]
    pub offline: bool,
    /// Which service to use: gemini (API key), vertex (Vertex AI) or openai (a gateway).
    #[arg(long, global = true, value_enum, value_name = "BACKEND", help_heading = GLOBAL_HEADING)]
    pub backend: Option<BackendKind>,
    /// How interactive jobs reach the Gemini API: interactions (default) or generate-content.
    #[arg(long, global = true, value_enum, value_name = "TRANSPORT", help_heading = GLOBAL_HEADING)]
    pub transport: Option<Transport>,
    /// Theme: auto (light or dark from the terminal's background), dark, light, high-contrast, or one from the config dir.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// How the workbench draws images.
    #[arg(long, value_enum, value_name = "PROTOCOL")]
    pub image_protocol: Option<ImageProtocolArg>,
    /// What to do (default: open the workbench).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Image protocols for the preview pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImageProtocolArg {
    /// Ask the terminal.
    Auto,
    /// Kitty graphics.
    Kitty,
    /// Sixel.
    Sixel,
    /// iTerm2 inline images.
    Iterm2,
    /// Unicode half blocks (works everywhere).
    Halfblocks,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate images from a prompt (starts a session).
    Generate(GenerateArgs),
    /// Continue a session with an instruction, fork it, or start one from an image.
    Edit(EditArgs),
    /// List, show, export or delete sessions.
    Session(SessionArgs),
    /// List the models peel knows, with what each allows and costs.
    Models(ModelsArgs),
    /// List past jobs.
    History(HistoryArgs),
    /// Run the offline Gemini API simulator on 127.0.0.1.
    Sim(SimArgs),
    /// Show or create the configuration file.
    Config(ConfigArgs),
    /// List, show or save named presets of generation settings.
    Preset(PresetArgs),
    /// Check a prompt, a prompt file or a batch file for habits that make output unreliable.
    Lint(LintArgs),
    /// Manage the roster of consistent characters and objects.
    Roster(RosterArgs),
    /// Check the configured backend end to end and say what to fix.
    Doctor(DoctorArgs),
    /// Run many prompts from a batch file: plan, run, resume, or the Gemini Batch API.
    Batch(batch::BatchArgs),
    /// Make a storyboard: frames in order, each carrying the one before; --reroll N redoes one.
    Story(StoryArgs),
    /// Score how well images keep their anchors' identity (a Gemini text model judges).
    Check(CheckArgs),
    /// Print images, or a contact sheet of a folder, straight to the terminal (no TUI).
    View(ViewArgs),
    /// Review a batch folder as a thumbnail grid: preview, marks, compare, re-run.
    Review(ReviewArgs),
    /// Serve peel to coding agents over the Model Context Protocol (stdio, or --http on loopback).
    Mcp(McpArgs),
    /// Wait until jobs or runs are saved (exit 0), one ended otherwise (1) or time ran out (124).
    Wait(WaitArgs),
    /// Carry on work handed over by another peel process (started by peel itself).
    #[command(name = "carry-on", hide = true)]
    CarryOn,
    /// Print the shell completion script (bash, zsh, fish, elvish or powershell).
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per command into a folder with --dir.
    Man(ManArgs),
}

impl Cli {
    /// What the global flags change about settings resolution.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            offline: self.offline,
            backend: self.backend,
            transport: self.transport,
        }
    }
}

/// `peel doctor`
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Model to check (default: the configured default).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Skip the test generation (the quota check makes one small image).
    #[arg(long)]
    pub no_generate: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `peel generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What the image should show.
    pub prompt: String,
    /// How many images to make: one request each, run concurrently (their seeds: see --seed).
    #[arg(long, short = 'n', default_value_t = 1)]
    pub count: u32,
    /// Generation settings.
    #[command(flatten)]
    pub flags: GenFlags,
}

/// `peel edit`
#[derive(Debug, Args)]
pub struct EditArgs {
    /// A session id (or unique prefix) to continue, or an image file to start a new session from.
    pub target: String,
    /// What to change ("make the sky more orange").
    pub instruction: String,
    /// Continue from this turn instead of the latest (forks a new branch).
    #[arg(long, value_name = "TURN")]
    pub from: Option<i64>,
    /// Generation settings.
    #[command(flatten)]
    pub flags: GenFlags,
}

/// Settings shared by `generate` and `edit`.
#[derive(Debug, Args, Clone)]
pub struct GenFlags {
    /// The settings a preset can hold.
    #[command(flatten)]
    pub settings: SettingFlags,
    /// Start from a named preset (see `peel preset list`); flags given here override it.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Reference image (png, jpeg or webp); repeat for several.
    #[arg(long = "ref", value_name = "FILE")]
    pub refs: Vec<PathBuf>,
    /// Who may appear in images (Vertex AI only).
    #[arg(long, value_name = "WHO", value_parser = ["allow_all", "allow_adult", "allow_none"])]
    pub person_generation: Option<String>,
    /// Output folder (default: [output] dir in config.toml, else a `peel` folder under your pictures folder, else ./peel-out).
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of paths.
    #[arg(long)]
    pub json: bool,
    /// Send, then return: a detached peel process saves the images (`peel wait` waits).
    #[arg(long)]
    pub detach: bool,
}

/// Settings a preset can hold, as flags.
#[derive(Debug, Args, Clone, Default)]
pub struct SettingFlags {
    /// Model id or alias (see `peel models`).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Aspect ratio, e.g. 16:9.
    #[arg(long, short)]
    pub aspect: Option<String>,
    /// Image size: 512, 1K, 2K or 4K, as the model allows.
    #[arg(long, short)]
    pub size: Option<String>,
    /// Seed: the first one in increment mode, every request's in fixed mode.
    #[arg(long)]
    pub seed: Option<i64>,
    /// How seeds are chosen: random (no seed), fixed (the same seed) or increment (seed, seed+1, …).
    #[arg(long, value_name = "MODE", value_parser = ["random", "fixed", "increment"])]
    pub seed_mode: Option<String>,
    /// Thinking level, as the model allows (`peel models`): e.g. minimal, medium, high.
    #[arg(long, value_name = "LEVEL")]
    pub thinking: Option<String>,
    /// Google Search grounding.
    #[arg(long, value_parser = ["off", "web", "image"])]
    pub grounding: Option<String>,
    /// Service tier: standard, flex (half price, minutes) or priority (a premium, seconds).
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Re-send a shed flex request at this tier after its window instead of failing: standard.
    #[arg(long, value_name = "TIER")]
    pub fallback: Option<String>,
    /// Safety threshold, e.g. harassment=block_only_high; repeat for several.
    #[arg(long, value_name = "CATEGORY=THRESHOLD")]
    pub safety: Vec<String>,
    /// Put roster anchors in shot: --with Mira,Red-Mug (repeatable).
    #[arg(long = "with", value_name = "NAME[,NAME...]")]
    pub with: Option<Vec<String>>,
}
