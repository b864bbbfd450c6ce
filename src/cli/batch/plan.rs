//! `peel batch plan FILE`: items, images, cost per lane, time under the request rate.

use super::{Cli, CliError, Context, load};
use crate::cli::args::batch::PlanArgs;
use std::io::Write;

use crate::models::Tier;
use crate::studio::batch::plan::{BatchPlan, PlanWithItems, human_duration, plan};
use crate::studio::{backend, pricing};

/// Validates the file and prints its plan.
pub fn run(cli: &Cli, args: PlanArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let batch = load(&ctx, &args.file)?;
    let cfg = &ctx.settings.config.batch;
    let rpm = args.rpm.unwrap_or(cfg.rpm);
    let concurrency = args.concurrency.unwrap_or(cfg.concurrency);
    if rpm == 0 || concurrency == 0 {
        return Err(CliError::usage(
            "--rpm and --concurrency must be at least 1",
        ));
    }
    let mut p = plan(&batch, &ctx.registry, rpm, concurrency);
    let caps = backend::capabilities(&ctx.settings);
    p.ways.retain(|w| match w.lane {
        "batch-api" => caps.supports_batch_api,
        "vertex-batch" => caps.supports_vertex_batch,
        _ => w.tier == Tier::Standard || caps.supports_service_tiers,
    });
    let simulated = matches!(
        ctx.settings.backend,
        crate::config::BackendChoice::EmbeddedSimulator { .. }
    );
    if args.json {
        let body = PlanWithItems {
            plan: &p,
            item_settings: &batch.items,
            cost_simulated: simulated,
        };
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        serde_json::to_writer(&mut out, &body)
            .map_err(|e| CliError::failed("internal", e.to_string()))?;
        writeln!(out).map_err(|e| CliError::failed("output", e.to_string()))?;
    } else {
        let batch_lane = if caps.supports_vertex_batch {
            "Vertex batch"
        } else {
            "Batch API"
        };
        print!("{}", render(&p, simulated, batch_lane));
    }
    Ok(())
}

/// The plan as a few human lines.
fn render(p: &BatchPlan, simulated: bool, batch_lane: &str) -> String {
    let usd = |v: f64| pricing::show(v, simulated);
    let mut out = format!("{}: {} items, {} images\n", p.file, p.items, p.images);
    for g in &p.groups {
        out.push_str(&format!(
            "  {:<28} {:>4} ×{:<6} ${:>9.3} interactive  ${:>9.3} {batch_lane}\n",
            g.model, g.size, g.items, g.interactive_usd, g.batch_usd
        ));
    }
    out.push_str("ways to run it:\n");
    for w in &p.ways {
        out.push_str(&format!(
            "  {:<12} {:>18}  {}  ({})\n",
            w.way,
            usd(w.cost_usd),
            w.latency,
            w.how
        ));
    }
    out.push_str(&format!(
        "cost: {} interactive as the file asks · {} on the {batch_lane} lane (half price, results within 24 h)\n",
        usd(p.interactive_usd),
        usd(p.batch_usd)
    ));
    let models: std::collections::BTreeSet<&str> =
        p.groups.iter().map(|g| g.model.as_str()).collect();
    if models.len() > 1 {
        out.push_str(
            "note: a batch job takes one model; `peel batch submit` needs one model in this file\n",
        );
    }
    out.push_str(&format!(
        "time: ≈ {} at {} requests/min with {} in flight (interactive lane; the request rate sets the floor)\n",
        human_duration(std::time::Duration::from_secs_f64(p.estimated_seconds)),
        p.rpm,
        p.concurrency
    ));
    out
}
