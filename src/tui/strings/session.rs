//! The edit session in words: its caption, what the next generation does, the turn strip.

/// An edit session, and the turn when it has one (`session <id> · turn <n>`).
pub fn turn(id: &str, turn: Option<usize>) -> String {
    match turn {
        Some(n) => format!("session {id} · turn {n}"),
        None => format!("session {id}"),
    }
}

/// What the next generation does: continue session `id` (making turn `turn`).
pub fn continues(id: &str, turn: Option<usize>) -> String {
    match turn {
        Some(n) => format!("continues session {id} · turn {n}"),
        None => format!("continues session {id}"),
    }
}

/// What the next generation does: join the session a pending first turn starts.
pub fn joins(id: &str) -> String {
    format!("joins session {id}")
}

/// What the next generation does: start a new session.
pub const NEXT_NEW: &str = "new session";

/// The turn strip: `turns: 1 › 2 › [3]  (forks: 1)  (next: 2)`.
pub fn strip(depth: usize, forks: usize, next: usize) -> String {
    let mut parts: Vec<String> = (1..depth).map(|n| n.to_string()).collect();
    parts.push(format!("[{depth}]"));
    let mut text = format!("turns: {}", parts.join(" › "));
    if forks > 0 {
        text.push_str(&format!("  (forks: {forks})"));
    }
    if next > 0 {
        text.push_str(&format!("  (next: {next})"));
    }
    text
}
