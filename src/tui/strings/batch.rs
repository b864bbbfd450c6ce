//! What the workbench says about batch runs: the form, the run's progress and end, its
//! badge in the Jobs title and its items' tags.

/// The batch form was sent empty.
pub const PATH_NEEDED: &str = "type the path of a batch file (.toml or .jsonl)";

/// How a batch run that could not go on ended (in its badge).
pub const STOPPED: &str = "stopped";

/// Stop asked for a batch run that already ended.
pub const NOT_RUNNING: &str = "that batch run is no longer running";

/// The batch form was asked for while a run is going.
pub fn still_running(run: i64, done: usize, total: usize) -> String {
    format!(
        "batch {run} is still running ({done}/{total}); wait for it, or press c on one of its jobs to stop it"
    )
}

/// A checked batch file starts.
pub fn starting(file: &std::path::Path) -> String {
    format!("starting batch {} …", file.display())
}

/// The batch run's budget stopped new items.
pub fn budget_reached(spent_usd: f64, budget_usd: f64) -> String {
    format!("budget reached: ${spent_usd:.2} of ${budget_usd:.2} spent; no new items start")
}

/// A batch run ended (`unfinished`: it did not end done, and resume finishes it).
pub fn finished(
    run: i64,
    done: usize,
    total: usize,
    dir: &std::path::Path,
    unfinished: bool,
) -> String {
    let mut text = format!("batch {run}: {done}/{total} saved in {}", dir.display());
    if unfinished {
        text.push_str(&format!("; `peel batch resume {run}` finishes it"));
    }
    text.push_str(" · R on one of its jobs reviews it");
    text
}

/// A batch run could not start or went wrong.
pub fn failed(e: &str) -> String {
    format!("batch: {e}")
}

/// A batch run is asked to stop.
pub fn stopping(run: i64) -> String {
    format!(
        "stopping batch {run}: running items are cancelled; `peel batch resume {run}` finishes it later"
    )
}

/// A batch run's badge: "batch 7 · 34/200 · 2 failed · $1.23" (and how it ended).
pub fn badge(
    run: i64,
    (done, total, failed): (usize, usize, usize),
    spent_usd: f64,
    ended: Option<&str>,
) -> String {
    let mut text = format!("batch {run} · {done}/{total}");
    if failed > 0 {
        text.push_str(&format!(" · {failed} failed"));
    }
    text.push_str(&format!(" · ${spent_usd:.2}"));
    if let Some(ended) = ended {
        text.push_str(&format!(" · {ended}"));
    }
    text
}

/// A batch item's tag in the Jobs pane: its index and key.
pub fn item_tag(index: impl std::fmt::Display, key: &str) -> String {
    format!("{index}·{key}")
}

/// How a batch run ended, with the reason it stopped.
pub fn ended(state: &str, reason: &str) -> String {
    format!("{state} ({reason})")
}
