//! The command line: every subcommand and flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{BackendKind, Overrides, Transport};

/// peel — a terminal workbench for Google's Nano Banana image models.
///
/// Run with no command to open the workbench. Without an API key, peel uses its
/// offline simulator; set GEMINI_API_KEY for real images.
#[derive(Debug, Parser)]
#[command(name = "peel", version, about, long_about)]
pub struct Cli {
    /// Use this config file instead of the one in the config directory.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use the offline simulator even when an API key is set.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Which service to use: gemini (API key), vertex (Vertex AI) or openai (a gateway).
    #[arg(long, global = true, value_enum, value_name = "BACKEND")]
    pub backend: Option<BackendKind>,
    /// How interactive jobs reach the Gemini API: interactions (default) or generate-content.
    #[arg(long, global = true, value_enum, value_name = "TRANSPORT")]
    pub transport: Option<Transport>,
    /// Workbench theme: dark, light, high-contrast, or one from the config dir.
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
    Batch(super::batch::BatchArgs),
    /// Print images, or a contact sheet of a folder, straight to the terminal (no TUI).
    View(super::view::ViewArgs),
    /// Review a batch folder as a thumbnail grid: preview, marks, compare, re-run.
    Review(super::review_cmd::ReviewArgs),
}

impl Cli {
    /// What the global flags change about settings resolution.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            offline: self.offline,
            backend: self.backend,
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
    /// Number of requests to run concurrently.
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
    /// Model id or alias (see `peel models`).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Aspect ratio, e.g. 16:9.
    #[arg(long, short)]
    pub aspect: Option<String>,
    /// Image size: 512, 1K, 2K or 4K, as the model allows.
    #[arg(long, short)]
    pub size: Option<String>,
    /// Seed; with --count each request uses seed+1, seed+2, … (see --seed-mode)
    #[arg(long)]
    pub seed: Option<i64>,
    /// How --count requests get seeds: random, fixed (all the same) or increment (default).
    #[arg(long, value_name = "MODE", value_parser = ["random", "fixed", "increment"])]
    pub seed_mode: Option<String>,
    /// Start from a named preset (see `peel preset list`); flags given here override it.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Safety threshold, e.g. harassment=block_only_high or HARM_CATEGORY_HATE_SPEECH=OFF; repeat for several.
    #[arg(long, value_name = "CATEGORY=THRESHOLD")]
    pub safety: Vec<String>,
    /// Reference image (png, jpeg or webp); repeat for several.
    #[arg(long = "ref", value_name = "FILE")]
    pub refs: Vec<PathBuf>,
    /// Thinking level.
    #[arg(long, value_parser = ["minimal", "high"])]
    pub thinking: Option<String>,
    /// Google Search grounding.
    #[arg(long, value_parser = ["off", "web", "image"])]
    pub grounding: Option<String>,
    /// Put roster anchors in shot: --with Mira,Red-Mug (repeatable).
    #[arg(long = "with", value_name = "NAME[,NAME...]")]
    pub with: Vec<String>,
    /// Who may appear in images (Vertex AI only).
    #[arg(long, value_name = "WHO", value_parser = ["allow_all", "allow_adult", "allow_none"])]
    pub person_generation: Option<String>,
    /// Output folder.
    #[arg(long, short, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of paths.
    #[arg(long)]
    pub json: bool,
}

impl GenFlags {
    /// The settings a preset can hold, as given on the command line.
    pub fn setting_flags(&self) -> SettingFlags {
        SettingFlags {
            model: self.model.clone(),
            aspect: self.aspect.clone(),
            size: self.size.clone(),
            seed: self.seed,
            seed_mode: self.seed_mode.clone(),
            thinking: self.thinking.clone(),
            grounding: self.grounding.clone(),
            safety: self.safety.clone(),
            with: (!self.with.is_empty()).then(|| crate::studio::shot::parse_with(&self.with)),
        }
    }
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
    /// Seed (the first one, in increment mode).
    #[arg(long)]
    pub seed: Option<i64>,
    /// How seeds are chosen: random, fixed or increment.
    #[arg(long, value_name = "MODE", value_parser = ["random", "fixed", "increment"])]
    pub seed_mode: Option<String>,
    /// Thinking level.
    #[arg(long, value_parser = ["minimal", "high"])]
    pub thinking: Option<String>,
    /// Google Search grounding.
    #[arg(long, value_parser = ["off", "web", "image"])]
    pub grounding: Option<String>,
    /// Safety threshold, e.g. harassment=block_only_high; repeat for several.
    #[arg(long, value_name = "CATEGORY=THRESHOLD")]
    pub safety: Vec<String>,
    /// Anchors in shot, by name (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub with: Option<Vec<String>>,
}

/// `peel preset`
#[derive(Debug, Args)]
pub struct PresetArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: PresetAction,
}

/// `peel preset …`
#[derive(Debug, Subcommand)]
pub enum PresetAction {
    /// List the presets in force (user config.toml and the project's peel.toml).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one preset's settings and the file it comes from.
    Show {
        /// The preset's name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Save the given settings as a preset, keeping the file's comments and other content.
    Save(Box<PresetSaveArgs>),
}

/// `peel preset save`
#[derive(Debug, Args)]
pub struct PresetSaveArgs {
    /// The preset's name (letters, digits, - and _).
    pub name: String,
    /// Write to the project's peel.toml (the nearest one up from here, else ./peel.toml)
    /// instead of the user's config.toml.
    #[arg(long)]
    pub project: bool,
    /// Replace a preset of the same name in that file.
    #[arg(long)]
    pub force: bool,
    /// Start from this preset; the flags given override it.
    #[arg(long, value_name = "NAME")]
    pub from: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The settings to save.
    #[command(flatten)]
    pub settings: SettingFlags,
}

/// `peel lint`
#[derive(Debug, Args)]
pub struct LintArgs {
    /// A prompt, a text file holding one, a batch file (.toml or .jsonl), or - for stdin.
    pub input: String,
    /// Anchors in shot, by name (comma-separated); batch items' own `with` wins.
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    pub with: Vec<String>,
    /// Model whose prompt length limit applies (default: [defaults] model, then the registry's).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `peel session`
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SessionAction,
}

/// `peel session …`
#[derive(Debug, Subcommand)]
pub enum SessionAction {
    /// List sessions, newest first.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show a session's turn tree.
    Show {
        /// Session id or unique prefix.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write a session's images (in turn order) and session.json into a folder.
    Export {
        /// Session id or unique prefix.
        id: String,
        /// Destination folder (created; must be empty if it exists).
        dir: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Undo: step the session's head back to the parent turn (the undone turn stays in the tree).
    Undo {
        /// Session id or unique prefix.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete a session (its saved output images stay).
    Rm {
        /// Session id or unique prefix.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `peel models`
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask the backend which models it serves instead of printing the registry.
    #[arg(long)]
    pub remote: bool,
}

/// `peel history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only jobs whose prompt or model contains this text.
    #[arg(long)]
    pub search: Option<String>,
    /// At most this many jobs, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
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
    /// Requests per minute before answering 429.
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Faults to inject, e.g. "503:2,429@0.1" (kinds: 429, 429-free-tier, 500, 503, truncated, html, slow, image-safety, prompt-blocked, no-image; standing: no-background, no-interactions).
    #[arg(long)]
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
}

/// `peel config`
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// What to do with the config.
    #[command(subcommand)]
    pub action: ConfigAction,
}

/// `peel config …`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print where the config file is.
    Path,
    /// Print the effective configuration (keys redacted).
    Show,
    /// Write a commented starter config.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
}

impl PresetAction {
    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        match self {
            Self::List { json } | Self::Show { json, .. } => *json,
            Self::Save(args) => args.json,
        }
    }
}

impl SessionAction {
    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        match self {
            Self::List { json }
            | Self::Show { json, .. }
            | Self::Export { json, .. }
            | Self::Rm { json, .. }
            | Self::Undo { json, .. } => *json,
        }
    }
}

/// `peel roster`
#[derive(Debug, Args)]
pub struct RosterArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: RosterAction,
}

/// `peel roster …`
#[derive(Debug, Subcommand)]
pub enum RosterAction {
    /// Add a character (at most five) or an object.
    Add {
        /// character or object.
        kind: String,
        /// The anchor's name, as used in prompts.
        name: String,
        /// Visual identifiers to restate in every shot ("orange puffer jacket, natural hair").
        #[arg(long, default_value = "")]
        desc: String,
        /// Reference image (png, jpeg or webp); repeat for several.
        #[arg(long = "ref", value_name = "FILE")]
        refs: Vec<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the roster.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one anchor.
    Show {
        /// Anchor name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove an anchor.
    Rm {
        /// Anchor name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Make an image (any output) a reference of an anchor, creating the anchor if needed.
    Promote {
        /// The image file.
        image: PathBuf,
        /// The anchor's name.
        name: String,
        /// Kind, when the anchor does not exist yet: character or object.
        #[arg(long)]
        kind: Option<String>,
        /// Visual identifiers, when the anchor does not exist yet.
        #[arg(long, default_value = "")]
        desc: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the roster to a TOML file.
    Export {
        /// Destination file.
        file: PathBuf,
    },
    /// Add (or update) anchors from a TOML file written by `export`.
    Import {
        /// Source file.
        file: PathBuf,
    },
}

impl RosterAction {
    /// Whether JSON output was asked for.
    pub fn json(&self) -> bool {
        match self {
            Self::Add { json, .. }
            | Self::List { json }
            | Self::Show { json, .. }
            | Self::Rm { json, .. }
            | Self::Promote { json, .. } => *json,
            Self::Export { .. } | Self::Import { .. } => false,
        }
    }
}
