//! `peel check PATH... [--with NAMES] [--json]`: how well each image keeps the identity of
//! the anchors it was made with, scored by a Gemini text model; results go into sidecars
//! and manifests (review shows them as badges).

use super::args::Cli;
use super::context::Context;
use super::error::CliError;
use crate::cli::args::CheckArgs;
use crate::settings::parse_tier;
use crate::studio::check::{self, CheckReport, ImageCheck};
use crate::studio::{backend, notices};

/// Plans (with its cost), asks and reports the check.
pub async fn run(cli: &Cli, args: CheckArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let plan = check::plan(
        &store,
        &ctx.registry,
        &ctx.settings.config.check,
        &args.paths,
        args.with.as_deref(),
    )?;
    let tier = args.tier.as_deref().map(parse_tier).transpose()?;
    let plan = match tier {
        Some(tier) => plan.at_tier(tier)?,
        None => plan,
    };
    if args.detach {
        check::usable_on(&backend::label_of(&ctx.settings))?;
        let mut handoff = ctx.hand_off();
        handoff.check = Some(crate::studio::detach::CheckWork {
            paths: args
                .paths
                .iter()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
                .collect(),
            with: args.with.clone(),
            tier,
        });
        return super::detach_cmd::hand_over(&store, handoff, &[], None, args.json);
    }
    let notices = notices::model_notices(&ctx.registry, [plan.model.id.as_str()]);
    if !args.json {
        for notice in &notices {
            eprintln!("peel: notice: {notice}");
        }
    }
    let conn = backend::connect(&ctx.settings, &ctx.registry).await?;
    check::usable_on(&conn.label)?;
    if !args.json {
        if conn.label.is_simulator() {
            eprintln!("peel: {}", backend::OFFLINE_BANNER);
        }
        eprintln!(
            "peel: checking {} image(s), {} question(s) to {} · about ${:.4}",
            plan.targets.len(),
            plan.questions,
            plan.model.id,
            plan.estimate_usd
        );
        for skipped in &plan.skipped {
            eprintln!("peel: skipped {}: {}", skipped.path.display(), skipped.why);
        }
    }
    let warn_below = plan.warn_below;
    let json_out = args.json;
    let report = check::run(&conn.client, &store, &plan, |image| {
        if !json_out {
            eprintln!("{}", line(image, warn_below));
        }
    })
    .await;
    if let Some(sim) = conn.simulator {
        sim.shutdown().await;
    }
    let report = report?;
    print(&report, args.json, &notices);
    let failed: Vec<&ImageCheck> = report.images.iter().filter(|i| i.error.is_some()).collect();
    if let Some(first) = failed.first() {
        return Err(CliError {
            code: 1,
            kind: "failed".into(),
            message: format!(
                "{} image(s) could not be fully checked; first: {}",
                failed.len(),
                first.error.as_deref().unwrap_or_default()
            ),
            json_printed: args.json,
        });
    }
    Ok(())
}

/// One image's line: its lowest score, flagged when drifted, and each anchor's note.
fn line(image: &ImageCheck, warn_below: u8) -> String {
    let name = image
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let scores: Vec<String> = image
        .anchors
        .iter()
        .map(|a| format!("{} {} — {}", a.name, a.score, a.note))
        .collect();
    let lowest = image.anchors.iter().map(|a| a.score).min();
    let flag = match lowest {
        Some(s) if s < warn_below => "! drifted",
        Some(_) => "✓",
        None => "✗",
    };
    let error = image
        .error
        .as_deref()
        .map(|e| format!(" (error: {e})"))
        .unwrap_or_default();
    format!("  {flag} {name}: {}{error}", scores.join("; "))
}

fn print(report: &CheckReport, json: bool, notices: &[String]) {
    if json {
        let mut body = report.json();
        body["notices"] = serde_json::json!(notices);
        println!("{body}");
        return;
    }
    let drifted = report.drifted();
    for path in &drifted {
        println!("{}", path.display());
    }
    eprintln!(
        "peel: {} checked, {} drifted (below {}) · ${:.4} · scores are in each sidecar's \"consistency\"",
        report.images.len(),
        drifted.len(),
        report.warn_below,
        report.cost_usd
    );
}
