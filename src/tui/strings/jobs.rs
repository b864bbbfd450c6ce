//! The Jobs pane's words: its title, hints and the phase words (also in Preview and details).

/// Hint: cancel.
pub const HINT_CANCEL: &str = "cancel";
/// Hint: retry.
pub const HINT_RETRY: &str = "retry";
/// Hint: details.
pub const HINT_DETAILS: &str = "details";
/// Hint: reuse.
pub const HINT_REUSE: &str = "reuse";
/// A job with no aspect ratio set.
pub const AUTO_ASPECT: &str = "auto";
/// Phase: queued.
pub const QUEUED: &str = "queued";
/// Phase: sending (first attempt).
pub const SENDING: &str = "sending";
/// Phase: done.
pub const DONE: &str = "done";
/// Phase: failed, kind unknown.
pub const FAILED: &str = "failed";
/// Phase: blocked.
pub const BLOCKED_BY_SAFETY: &str = "blocked by safety";
/// `BLOCKED_BY_SAFETY` in a narrow column.
pub const BLOCKED: &str = "blocked";
/// Phase: cancelled.
pub const CANCELLED: &str = "cancelled";
/// Phase: interrupted.
pub const INTERRUPTED: &str = "interrupted";
/// How `retrying_in` starts.
pub const RETRYING_IN: &str = "retrying in ";

/// A batch run another process works on, in the title.
pub fn run_elsewhere(run: i64, done: usize, total: usize, failed: usize) -> String {
    let failed = if failed > 0 {
        format!(" ({failed} failed)")
    } else {
        String::new()
    };
    format!(" · batch {run} elsewhere {done}/{total}{failed}")
}

/// The title's count while jobs run (`batch`: the runs' badges).
pub fn running(jobs: usize, running: usize, batch: &str) -> String {
    format!("{jobs} · {running} running{batch}")
}

/// A price.
pub fn cost(usd: f64) -> String {
    format!("${usd:.3}")
}

/// A simulated (notional) price; the status bar says "(simulated)".
pub fn simulated_cost(usd: f64) -> String {
    format!("~${usd:.3}")
}

/// Phase: sending, a later attempt.
pub fn sending_attempt(attempt: u32) -> String {
    format!("sending ({attempt})")
}

/// Phase: waiting to retry.
pub fn retrying_in(secs: f64) -> String {
    format!("{RETRYING_IN}{secs:.0} s")
}

/// `retrying_in` in a narrow column.
pub fn retry_short(rest: &str) -> String {
    format!("retry {rest}")
}
