//! `peel batch list`: runs on both lanes with ids, states and output folders.

use serde_json::json;

use super::{Cli, CliError, Context};
use crate::cli::args::batch::ListArgs;
use crate::store::RunRow;
use crate::studio::batch::queue::is_locked;

/// Prints local runs, newest first.
pub fn run(cli: &Cli, args: &ListArgs) -> Result<(), CliError> {
    let ctx = Context::load(cli)?;
    let store = ctx.store()?;
    let locks = ctx.settings.paths.data_dir.join("locks");
    let runs = store.batch_runs(0)?;
    let state = |r: &RunRow| {
        if r.runs_here() && r.state == "running" && !is_locked(&locks, r.id) {
            "interrupted".to_string()
        } else {
            r.state.clone()
        }
    };
    if args.json {
        let list: Vec<_> = runs
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "lane": r.lane, "state": state(r), "stop_reason": r.stop_reason,
                    "created_at": r.created_at, "source": r.source, "dir": r.out_dir,
                    "items": r.items, "done": r.done, "failed": r.failed,
                    "spent_usd": (r.spent_usd * 1e6).round() / 1e6, "budget_usd": r.budget_usd,
                    "remote_name": r.remote_name, "remote_state": r.remote_state,
                })
            })
            .collect();
        println!("{}", json!({ "runs": list }));
        return Ok(());
    }
    if runs.is_empty() {
        eprintln!("peel: no batch runs yet; start one with `peel batch run FILE`");
        return Ok(());
    }
    println!(
        "{:>4}  {:<12} {:<12} {:>11} {:>6} {:>9}  folder",
        "id", "lane", "state", "done", "failed", "spent"
    );
    for r in &runs {
        let mut line = format!(
            "{:>4}  {:<12} {:<12} {:>11} {:>6} {:>9}  {}",
            r.id,
            r.lane,
            state(r),
            format!("{}/{}", r.done, r.items),
            r.failed,
            format!("${:.3}", r.spent_usd),
            r.out_dir
        );
        if let Some(name) = &r.remote_name {
            line.push_str(&format!("  ({name})"));
        }
        println!("{line}");
    }
    Ok(())
}
