//! `peel models`: the registry, or what the backend serves.

use super::args::ModelsArgs;
use super::{Cli, CliError, Context};
use crate::studio::backend;

/// Prints the registry (or, with --remote, the backend's model list).
pub async fn run(cli: &Cli, args: ModelsArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    if args.remote {
        let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
        if conn.label.is_simulator() {
            eprintln!("peel: {}", backend::OFFLINE_BANNER);
        }
        let models = conn
            .client
            .list_models()
            .await
            .map_err(crate::studio::StudioError::from)?;
        if args.json {
            println!("{}", serde_json::json!({ "models": models }));
        } else {
            for m in models {
                let methods = m.supported_generation_methods.join(", ");
                println!("{:<40} {}", m.name, methods);
            }
        }
        return Ok(());
    }
    let registry = &ctx.registry;
    if args.json {
        let models: Vec<_> = registry.models.values().collect();
        println!(
            "{}",
            serde_json::json!({ "default": registry.default_model, "models": models })
        );
        return Ok(());
    }
    for m in registry.models.values() {
        let default = if m.id == registry.default_model {
            "  (default)"
        } else {
            ""
        };
        println!("{} — {}{default}", m.id, m.display_name);
        if !m.aliases.is_empty() {
            println!("  aliases:   {}", m.aliases.join(", "));
        }
        println!("  ratios:    {}", m.aspect_ratios.join(" "));
        let sizes: Vec<String> = m
            .sizes
            .iter()
            .map(|s| format!("{} ${:.3} (batch ${:.3})", s.name, s.usd, s.batch_usd))
            .collect();
        let fixed = if m.fixed_size {
            "  [fixed; no --size]"
        } else {
            ""
        };
        println!("  sizes:     {}{fixed}", sizes.join(", "));
        let r = m.references;
        println!(
            "  refs:      characters {} · objects {} · images {}",
            r.characters, r.objects, r.images
        );
        let thinking = if m.thinking_levels.is_empty() {
            "fixed".into()
        } else {
            m.thinking_levels.join(", ")
        };
        let grounding = if m.grounding.is_empty() {
            "none".into()
        } else {
            m.grounding.join(", ")
        };
        println!(
            "  thinking:  {thinking} · grounding: {grounding} · output: {}",
            m.output_mime
        );
        if let Some(phrase) = m.lifecycle().shutdown_phrase(crate::models::today()) {
            println!("  shutdown:  {phrase}");
        }
        println!();
    }
    Ok(())
}
