//! `peel preset list|show|save`.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::args::Cli;
use super::args::{PresetAction, PresetArgs, PresetSaveArgs};
use super::context::Context;
use super::error::CliError;
use super::layers::layer_from_flags;
use crate::settings::SettingsLayer;
use crate::studio::GenerateSpec;
use crate::studio::preset::{PROJECT_FILE, Preset, PresetBook, PresetSource, save_preset};
use crate::studio::spec;

/// Runs a preset subcommand.
pub fn run(cli: &Cli, args: PresetArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    match args.action {
        PresetAction::List { json } => list(&ctx, json),
        PresetAction::Show { name, json } => show(&ctx, &name, json),
        PresetAction::Save(args) => save(&ctx, &args),
    }
}

fn preset_json(book: &PresetBook, preset: &Preset) -> Value {
    let overrides = book
        .shadowed(&preset.name)
        .map(|p| json!({ "source": p.source, "file": p.file }));
    json!({
        "name": preset.name,
        "source": preset.source,
        "file": preset.file,
        "settings": preset.settings,
        "overrides": overrides,
    })
}

fn list(ctx: &Context, json: bool) -> Result<(), CliError> {
    let book = ctx.presets()?;
    if json {
        let presets: Vec<Value> = book.iter().map(|p| preset_json(&book, p)).collect();
        let body = json!({
            "presets": presets,
            "user_file": ctx.config_file,
            "project_file": book.project_file(),
        });
        println!("{body}");
        return Ok(());
    }
    if book.iter().next().is_none() {
        eprintln!(
            "peel: no presets. Add [presets.NAME] to {} or to a {PROJECT_FILE} in your project, \
             or run `peel preset save NAME --model … --aspect …`.",
            ctx.config_file.display()
        );
        return Ok(());
    }
    let width = book.iter().map(|p| p.name.len()).max().unwrap_or(4);
    for preset in book.iter() {
        let overrides = if book.shadowed(&preset.name).is_some() {
            "  (overrides the user preset)"
        } else {
            ""
        };
        println!(
            "{:width$}  {:7}  {}{overrides}",
            preset.name,
            preset.source.as_str(),
            preset.settings.summary()
        );
    }
    eprintln!("peel: user presets: {}", ctx.config_file.display());
    if let Some(project) = book.project_file() {
        eprintln!("peel: project presets: {}", project.display());
    }
    Ok(())
}

fn show(ctx: &Context, name: &str, json: bool) -> Result<(), CliError> {
    let book = ctx.presets()?;
    let preset = book.require(name)?;
    if json {
        println!("{}", preset_json(&book, preset));
        return Ok(());
    }
    println!(
        "preset {} ({}: {})",
        preset.name,
        preset.source.as_str(),
        preset.file.display()
    );
    if let Some(shadowed) = book.shadowed(&preset.name) {
        println!(
            "  overrides the user preset of the same name in {}",
            shadowed.file.display()
        );
    }
    for (field, text) in preset.settings.entries() {
        println!("  {:10} {text}", field.as_str());
    }
    Ok(())
}

fn save(ctx: &Context, args: &PresetSaveArgs) -> Result<(), CliError> {
    let explicit = layer_from_flags(&args.settings)?;
    let base = match &args.from {
        Some(name) => ctx.presets()?.require(name)?.settings.clone(),
        None => SettingsLayer::default(),
    };
    let settings = explicit.over(&base);
    check_against_registry(ctx, &settings)?;
    let (file, source) = target(ctx, args.project)?;
    let outcome = save_preset(&file, source, &args.name, &settings, args.force)?;
    if args.json {
        let body = json!({
            "saved": args.name,
            "source": source,
            "file": outcome.file,
            "replaced": outcome.replaced,
            "created": outcome.created,
            "settings": settings,
        });
        println!("{body}");
    } else {
        let verb = if outcome.replaced {
            "replaced"
        } else {
            "saved"
        };
        println!(
            "{verb} preset {} in {}: {}",
            args.name,
            outcome.file.display(),
            settings.summary()
        );
    }
    let shadow = ctx.presets().ok().and_then(|book| {
        let active = book.get(&args.name)?;
        (active.file != outcome.file).then(|| active.file.clone())
    });
    if let Some(other) = shadow {
        eprintln!(
            "peel: note: the project preset '{}' in {} overrides this one while you work under it",
            args.name,
            other.display()
        );
    }
    Ok(())
}

/// Refuses a preset whose settings the registry would refuse (over `[defaults]`).
fn check_against_registry(ctx: &Context, settings: &SettingsLayer) -> Result<(), CliError> {
    let defaults = SettingsLayer::from_defaults(&ctx.settings.config.defaults)?;
    let mut probe = GenerateSpec {
        prompt: "preset check".into(),
        count: 1,
        ..GenerateSpec::default()
    };
    settings.over(&defaults).apply_to(&mut probe);
    spec::prepare(&probe, &ctx.registry)
        .map(drop)
        .map_err(|e| CliError::usage(format!("not saved: {e}")))
}

/// The file a save goes to: the user's config, or the nearest project file (else ./peel.toml).
fn target(ctx: &Context, project: bool) -> Result<(PathBuf, PresetSource), CliError> {
    if !project {
        return Ok((ctx.config_file.clone(), PresetSource::User));
    }
    let Some(cwd) = ctx.settings.env.cwd.as_deref() else {
        return Err(CliError::usage(
            "cannot tell the current folder, so there is no project to save into; save without --project",
        ));
    };
    let file =
        crate::studio::preset::find_project_file(cwd).unwrap_or_else(|| cwd.join(PROJECT_FILE));
    Ok((file, PresetSource::Project))
}
