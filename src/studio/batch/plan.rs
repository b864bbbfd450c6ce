//! What a batch will cost and how long it will take, before anything runs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::validate::{Batch, BatchItem};
use crate::models::{Lane, Registry};

/// Items of one model and size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanGroup {
    /// Canonical model id.
    pub model: String,
    /// Size name.
    pub size: String,
    /// Items.
    pub items: usize,
    /// Interactive-lane cost in USD.
    pub interactive_usd: f64,
    /// Batch API cost in USD.
    pub batch_usd: f64,
}

/// A batch's size, price on each lane, and duration under the request rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchPlan {
    /// The file.
    pub file: String,
    /// Requests.
    pub items: usize,
    /// Images expected (one per request).
    pub images: usize,
    /// Estimated cost on the interactive lane.
    pub interactive_usd: f64,
    /// Estimated cost on the Batch API lane (half price).
    pub batch_usd: f64,
    /// Requests per minute the interactive lane keeps to.
    pub rpm: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Lower bound on interactive wall time set by the request rate, in seconds.
    pub estimated_seconds: f64,
    /// Breakdown by model and size.
    pub groups: Vec<PlanGroup>,
}

/// A plan with every item's resolved settings, as `peel batch plan --json` prints it;
/// it borrows the items, so a 50,000-item plan is not copied to be printed.
#[derive(Debug, Serialize)]
pub struct PlanWithItems<'a> {
    /// The summary.
    #[serde(flatten)]
    pub plan: &'a BatchPlan,
    /// Every item with its settings resolved, as it will be sent.
    pub item_settings: &'a [BatchItem],
}

/// Plans `batch` at `rpm` requests per minute with `concurrency` in flight.
pub fn plan(batch: &Batch, registry: &Registry, rpm: u32, concurrency: usize) -> BatchPlan {
    let mut groups: BTreeMap<(String, String), PlanGroup> = BTreeMap::new();
    for item in &batch.items {
        let group = groups
            .entry((item.model.clone(), item.size.clone()))
            .or_insert_with(|| PlanGroup {
                model: item.model.clone(),
                size: item.size.clone(),
                items: 0,
                interactive_usd: 0.0,
                batch_usd: 0.0,
            });
        group.items += 1;
        group.interactive_usd += item.price(registry, Lane::Interactive);
        group.batch_usd += item.price(registry, Lane::Batch);
    }
    let groups: Vec<PlanGroup> = groups
        .into_values()
        .map(|g| PlanGroup {
            interactive_usd: round_usd(g.interactive_usd),
            batch_usd: round_usd(g.batch_usd),
            ..g
        })
        .collect();
    let rpm = rpm.max(1);
    BatchPlan {
        file: batch.path.display().to_string(),
        items: batch.items.len(),
        images: batch.items.len(),
        interactive_usd: round_usd(groups.iter().map(|g| g.interactive_usd).sum()),
        batch_usd: round_usd(groups.iter().map(|g| g.batch_usd).sum()),
        rpm,
        concurrency: concurrency.max(1),
        estimated_seconds: rate_bound(batch.items.len(), rpm).as_secs_f64(),
        groups,
    }
}

/// Rounds to a millionth of a dollar, so sums print cleanly.
pub fn round_usd(usd: f64) -> f64 {
    (usd * 1e6).round() / 1e6
}

/// Time the rate limit alone needs to start `requests` requests: one every 60/rpm s.
pub fn rate_bound(requests: usize, rpm: u32) -> Duration {
    let gaps = requests.saturating_sub(1) as f64;
    Duration::from_secs_f64(gaps * 60.0 / rpm.max(1) as f64)
}

/// "1 h 02 min", "3 min 20 s", "12 s".
pub fn human_duration(d: Duration) -> String {
    let secs = d.as_secs_f64().round() as u64;
    match secs {
        s if s >= 3600 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min {:02} s", s / 60, s % 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_bound_counts_gaps() {
        assert_eq!(rate_bound(200, 600), Duration::from_secs_f64(19.9));
        assert_eq!(rate_bound(1, 10), Duration::ZERO);
        assert_eq!(human_duration(Duration::from_secs(3725)), "1 h 02 min");
        assert_eq!(human_duration(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(human_duration(Duration::from_millis(19_900)), "20 s");
    }
}
