//! What one answer cost: from its token counts at the tier that served it (the
//! interaction's echo, else the tier asked for), else the list price per image; and whether
//! the price is the simulator's notional one.

use serde_json::{Value, json};

use crate::api::outcome::Outcome;
use crate::models::{Lane, ModelSpec, Tier};

/// The tier that served a request: what the service echoed, else what was asked for.
pub fn served_tier(echo: Option<&str>, asked: Tier) -> Tier {
    echo.and_then(|t| t.parse().ok()).unwrap_or(asked)
}

/// The cost in USD of `outcome` from `model` at size `size` on `lane`, served at `tier`.
pub fn cost(model: &ModelSpec, outcome: &Outcome, size: &str, lane: Lane, tier: Tier) -> f64 {
    if outcome.usage.image_output_tokens > 0 {
        model.cost_from_usage_at(&outcome.usage, lane, tier)
    } else {
        model.image_price_at(Some(size), lane, tier) * outcome.images.len() as f64
    }
}

/// The sidecar fields that say how an answer was priced.
pub fn sidecar_fields(tier: Tier, simulated: bool) -> Value {
    if simulated {
        json!({"tier": tier, "cost_simulated": true})
    } else {
        json!({"tier": tier})
    }
}

/// A cost as shown to people: `$0.068`, or `$0.068 (simulated)` for the simulator's
/// notional price.
pub fn show(usd: f64, simulated: bool) -> String {
    if simulated {
        format!("${usd:.3} (simulated)")
    } else {
        format!("${usd:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_echo_wins_over_what_was_asked() {
        assert_eq!(
            served_tier(Some("standard"), Tier::Priority),
            Tier::Standard
        );
        assert_eq!(served_tier(None, Tier::Flex), Tier::Flex);
        assert_eq!(served_tier(Some("deferred"), Tier::Flex), Tier::Flex);
    }

    #[test]
    fn simulated_prices_say_so() {
        assert_eq!(show(0.0675, true), "$0.068 (simulated)");
        assert_eq!(show(0.0675, false), "$0.068");
        assert_eq!(sidecar_fields(Tier::Flex, true)["cost_simulated"], true);
        assert!(
            sidecar_fields(Tier::Flex, false)
                .get("cost_simulated")
                .is_none()
        );
    }
}
