//! What a batch will cost and how long it will take, before anything runs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::validate::{Batch, BatchItem};
use crate::models::{ALL_TIERS, Lane, Registry, Tier};

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
    /// The ways to run the file, side by side: the interactive lane at each tier every
    /// item's model takes, and the Batch API lane.
    pub ways: Vec<Way>,
}

/// One way to run a file, with what it costs and how long it takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Way {
    /// `standard`, `flex`, `priority`, `batch-api` or `vertex-batch`.
    pub way: String,
    /// `interactive`, `batch-api` (the Gemini Batch API) or `vertex-batch` (Vertex AI
    /// batch prediction, at the same batch price).
    pub lane: &'static str,
    /// The service tier (the Batch API lane runs at its own price).
    pub tier: Tier,
    /// Estimated cost in USD (priority at its ceiling, twice standard).
    pub cost_usd: f64,
    /// Expected latency, in words.
    pub latency: String,
    /// How to ask for it.
    pub how: String,
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
    /// True when the prices are the simulator's notional ones (offline).
    pub cost_simulated: bool,
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
    let ways = ways(batch, registry, rpm);
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
        ways,
    }
}

/// The interactive lane at each tier every item's model takes, then the two batch lanes
/// (a face keeps the one its backend offers).
fn ways(batch: &Batch, registry: &Registry, rpm: u32) -> Vec<Way> {
    let floor = human_duration(rate_bound(batch.items.len(), rpm));
    let mut out = Vec::new();
    for tier in ALL_TIERS {
        let taken = batch.items.iter().all(|item| {
            registry
                .resolve(&item.model)
                .is_ok_and(|m| m.check_tier(tier).is_ok())
        });
        if !taken {
            continue;
        }
        let cost: f64 = batch
            .items
            .iter()
            .map(|i| i.price_at(registry, Lane::Interactive, tier))
            .sum();
        out.push(Way {
            way: tier.as_str().to_string(),
            lane: "interactive",
            tier,
            cost_usd: round_usd(cost),
            latency: format!("{} per image; ≥ {floor} at {rpm}/min", tier.latency()),
            how: format!("peel batch run FILE --tier {tier}"),
        });
    }
    let batch_cost: f64 = batch
        .items
        .iter()
        .map(|i| i.price(registry, Lane::Batch))
        .sum();
    out.push(Way {
        way: "batch-api".into(),
        lane: "batch-api",
        tier: Tier::Standard,
        cost_usd: round_usd(batch_cost),
        latency: "up to 24 h for the whole file".into(),
        how: "peel batch submit FILE".into(),
    });
    out.push(Way {
        way: super::vertex::LANE.into(),
        lane: super::vertex::LANE,
        tier: Tier::Standard,
        cost_usd: round_usd(batch_cost),
        latency: "up to 24 h for the whole file".into(),
        how: "peel --backend vertex batch submit FILE --bucket gs://BUCKET/PREFIX".into(),
    });
    out
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
