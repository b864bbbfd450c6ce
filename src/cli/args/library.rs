//! Arguments of the commands that look after what peel keeps and knows: presets, lint,
//! sessions, models, history, the simulator, the config file and the roster.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::SettingFlags;

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
#[command(args_conflicts_with_subcommands = true)]
pub struct ModelsArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask the backend which models it serves, beside the registry.
    #[arg(long)]
    pub remote: bool,
    /// Add or remove a model of your own.
    #[command(subcommand)]
    pub action: Option<ModelsAction>,
}

/// `peel models add|rm`
#[derive(Debug, Subcommand)]
pub enum ModelsAction {
    /// Add a model the service released after this peel: its capabilities and prices are
    /// copied from a known model into your models.toml (prices marked unverified).
    Add {
        /// The model id, as `peel models --remote` lists it.
        id: String,
        /// The known model to copy (id or alias).
        #[arg(long, value_name = "KNOWN")]
        like: String,
        /// A display name (default: the id).
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
    },
    /// Remove a model you added (models shipped with peel cannot be removed).
    Rm {
        /// The model id.
        id: String,
    },
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
    /// Pin an anchor in shot: sent with every generation, named in the prompt or not.
    Pin {
        /// Anchor name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Unpin an anchor: in shot only where a prompt names it.
    Unpin {
        /// Anchor name.
        name: String,
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
            | Self::Pin { json, .. }
            | Self::Unpin { json, .. }
            | Self::Promote { json, .. } => *json,
            Self::Export { .. } | Self::Import { .. } => false,
        }
    }
}
