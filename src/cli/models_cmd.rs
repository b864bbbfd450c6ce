//! `peel models`: the registry (with each model's lifecycle, tiers and where its prices come
//! from), what the backend serves beside it, and models of the user's own.

use serde_json::{Value, json};

use super::args::Cli;
use super::args::{ModelsAction, ModelsArgs};
use super::context::Context;
use super::error::CliError;
use crate::models::{ModelSpec, Origin, Registry, Status, TextModelSpec, today, user_file};
use crate::studio::backend;

/// Prints the registry, or (with --remote) what the backend serves; adds or removes a
/// user model.
pub async fn run(cli: &Cli, args: ModelsArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    match args.action {
        Some(ModelsAction::Add { id, like, name }) => add(&ctx, &id, &like, name.as_deref()),
        Some(ModelsAction::Rm { id }) => remove(&ctx, &id),
        None if args.remote => remote(&ctx, args.json).await,
        None => {
            list(&ctx.registry, args.json);
            Ok(())
        }
    }
}

fn add(ctx: &Context, id: &str, like: &str, name: Option<&str>) -> Result<(), CliError> {
    let path = ctx.settings.paths.models_file();
    let added = user_file::add_like(&path, &ctx.registry, id, like, name)?;
    println!("{}", added.id);
    eprintln!(
        "peel: added {} to {} with the capabilities of {}; its prices are copied from {} and unverified — check them against Google's pricing page. Use it with --model {}.",
        added.id,
        path.display(),
        added.like,
        added.like,
        added.id
    );
    Ok(())
}

fn remove(ctx: &Context, id: &str) -> Result<(), CliError> {
    let path = ctx.settings.paths.models_file();
    user_file::remove(&path, &ctx.registry, id)?;
    eprintln!("peel: removed {id} from {}", path.display());
    Ok(())
}

/// One image model as `--json` shows it: the registry entry with its status on today's
/// date, whether its price is verified, and its output format per transport.
fn model_json(registry: &Registry, m: &ModelSpec) -> Value {
    let mut body = serde_json::to_value(m).unwrap_or_default();
    body["status"] = json!(m.lifecycle().status_on(today()));
    body["price_unverified"] = json!(m.price_unverified());
    body["user"] = json!(m.origin == Origin::User);
    body["output_mime_by_transport"] = json!({
        "interactions": registry.interactions_output_mime,
        "generate_content": m.output_mime,
    });
    body
}

fn text_model_json(m: &TextModelSpec) -> Value {
    let mut body = serde_json::to_value(m).unwrap_or_default();
    body["status"] = json!(m.lifecycle().status_on(today()));
    body["user"] = json!(m.origin == Origin::User);
    body
}

fn list(registry: &Registry, json_out: bool) {
    if json_out {
        let models: Vec<Value> = registry
            .models
            .values()
            .map(|m| model_json(registry, m))
            .collect();
        let text_models: Vec<Value> = registry.text_models.values().map(text_model_json).collect();
        println!(
            "{}",
            json!({
                "default": registry.default_model,
                "models": models,
                "default_text_model": registry.default_text_model,
                "text_models": text_models,
            })
        );
        return;
    }
    let day = today();
    for m in registry.models.values() {
        let default = if m.id == registry.default_model {
            "  (default)"
        } else {
            ""
        };
        let yours = if m.origin == Origin::User {
            "  [yours]"
        } else {
            ""
        };
        println!("{} — {}{default}{yours}", m.id, m.display_name);
        println!("  status:    {}", status_line(m.lifecycle(), day));
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
        let price = match (&m.price_source, m.price_unverified()) {
            (Some(source), true) => format!("UNVERIFIED ({source})"),
            (Some(source), false) => source.clone(),
            (None, _) => "no source recorded".into(),
        };
        println!("  prices:    {price}");
        println!("  tiers:     {}", m.tiers.join(", "));
        let r = m.references;
        println!(
            "  refs:      characters {} · objects {} · images {}",
            r.characters, r.objects, r.images
        );
        let thinking = if m.thinking_levels.is_empty() {
            "fixed".into()
        } else {
            let default = m
                .default_thinking
                .as_ref()
                .map(|d| format!(" (default {d})"))
                .unwrap_or_default();
            format!("{}{default}", m.thinking_levels.join(", "))
        };
        let grounding = if m.grounding.is_empty() {
            "none".into()
        } else {
            m.grounding.join(", ")
        };
        println!("  thinking:  {thinking} · grounding: {grounding}");
        let output = if m.interactions {
            format!(
                "{} on the Interactions API, {} on generateContent",
                short_mime(&registry.interactions_output_mime),
                short_mime(&m.output_mime)
            )
        } else {
            format!("{} (generateContent only)", short_mime(&m.output_mime))
        };
        println!("  output:    {output}");
        println!();
    }
    for m in registry.text_models.values() {
        let default = if m.id == registry.default_text_model {
            "  (default for peel check)"
        } else {
            ""
        };
        println!("{} — {} (text){default}", m.id, m.display_name);
        println!("  status:    {}", status_line(m.lifecycle(), day));
        println!(
            "  prices:    ${:.2} / ${:.2} per 1M tokens in / out · tiers: {}",
            m.prices.input_per_million,
            m.prices.output_per_million,
            m.tiers.join(", ")
        );
        println!();
    }
}

fn short_mime(mime: &str) -> String {
    mime.strip_prefix("image/")
        .unwrap_or(mime)
        .to_ascii_uppercase()
}

fn status_line(life: crate::models::Lifecycle<'_>, day: chrono::NaiveDate) -> String {
    let mut line = life.status_on(day).as_str().to_string();
    if let Some(since) = life.deprecated_on {
        line.push_str(&format!(" · deprecated on {since}"));
    }
    if let Some(phrase) = life.shutdown_phrase(day) {
        line.push_str(&format!(" · {phrase}"));
    }
    if let Some(next) = life.successor
        && life.status_on(day) != Status::Ga
    {
        line.push_str(&format!(" · successor {next} (--model {next})"));
    }
    line
}

/// What the backend serves, beside the registry: models peel does not know and registry
/// models the service no longer lists.
async fn remote(ctx: &Context, json_out: bool) -> Result<(), CliError> {
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    if conn.label.is_simulator() {
        eprintln!("peel: {}", backend::OFFLINE_BANNER);
    }
    let listed = conn
        .client
        .list_models()
        .await
        .map_err(crate::studio::StudioError::from);
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    let listed = listed?;
    let registry = &ctx.registry;
    let bare = |name: &str| name.rsplit('/').next().unwrap_or(name).to_string();
    let known = |id: &str| registry.resolve(id).is_ok() || registry.resolve_text(id).is_ok();
    let served: Vec<String> = listed.iter().map(|m| bare(&m.name)).collect();
    let not_served: Vec<&str> = registry
        .models
        .keys()
        .chain(registry.text_models.keys())
        .map(String::as_str)
        .filter(|id| !served.iter().any(|s| s == id))
        .collect();
    if json_out {
        let models: Vec<Value> = listed
            .iter()
            .map(|m| {
                let id = bare(&m.name);
                let mut body = serde_json::to_value(m).unwrap_or_default();
                body["in_registry"] = json!(known(&id));
                body
            })
            .collect();
        println!("{}", json!({ "models": models, "not_served": not_served }));
        return Ok(());
    }
    for m in &listed {
        let id = bare(&m.name);
        let methods = m.supported_generation_methods.join(", ");
        let mark = if known(&id) {
            String::new()
        } else {
            "  [not in peel's registry: whether it makes images is known once added — `peel models add ID --like KNOWN`]".into()
        };
        println!("{:<40} {methods}{mark}", m.name);
    }
    for id in &not_served {
        println!("{id:<40} [not served: in peel's registry, but the service does not list it]");
    }
    Ok(())
}
