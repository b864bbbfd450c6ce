//! `peel history`: past jobs from the store.

use super::args::Cli;
use super::args::HistoryArgs;
use super::context::Context;
use super::error::CliError;
use crate::store::JobFilter;
use crate::studio::collect;

/// Lists jobs, newest first, after collecting jobs a dead peel process left running on the
/// service.
pub async fn run(cli: &Cli, args: HistoryArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    match collect::collect_orphans(&ctx.settings, &ctx.registry, &store).await {
        Ok(report) => {
            for line in report.lines() {
                eprintln!("peel: {line}");
            }
        }
        Err(e) => {
            eprintln!("peel: warning: jobs left running on the service were not collected: {e}")
        }
    }
    let jobs = store.jobs(&JobFilter {
        search: args.search,
        limit: args.limit,
    })?;
    if args.json {
        println!("{}", serde_json::json!({ "jobs": jobs }));
        return Ok(());
    }
    if jobs.is_empty() {
        println!("no jobs yet — try `peel generate \"a red fox in snow\"`");
        return Ok(());
    }
    for job in jobs {
        let when = job
            .created_at
            .get(..16)
            .unwrap_or(&job.created_at)
            .replace('T', " ");
        let detail = match (&job.error_kind, job.outputs.first()) {
            (Some(kind), _) => format!("[{kind}]"),
            (None, Some(path)) => path.clone(),
            (None, None) => String::new(),
        };
        let cost = crate::studio::pricing::show(job.cost_usd, job.cost_simulated);
        let tier = match job.tier.as_deref() {
            Some(tier) if tier != "standard" => format!(" {tier}"),
            _ => String::new(),
        };
        println!(
            "{:>5}  {when}  {:<9} {:<10} {:<24} {cost:<8}{tier} {}  {}",
            job.id,
            job.state,
            job.backend.as_deref().unwrap_or("?"),
            job.model,
            truncate(&job.prompt, 40),
            detail
        );
    }
    Ok(())
}

fn truncate(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max {
        return format!("{line:<max$}");
    }
    let cut: String = line.chars().take(max - 1).collect();
    format!("{cut}…")
}
