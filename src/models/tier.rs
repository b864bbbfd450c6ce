//! Service tiers: `standard`, `flex` (half price, minutes of latency, sheddable) and
//! `priority` (a premium; downgraded to standard above a dynamic cap). What each costs
//! relative to standard is here; which models take which tier is data in `models.toml`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A service tier a request asks for (and the interaction echoes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Full price, seconds to minutes.
    #[default]
    Standard,
    /// Half price, minutes of latency, may be shed when standard traffic surges.
    Flex,
    /// 75–100 % more, non-sheddable.
    Priority,
}

/// Every tier, in the order they are offered.
pub const ALL_TIERS: [Tier; 3] = [Tier::Standard, Tier::Flex, Tier::Priority];

impl Tier {
    /// The wire and file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Flex => "flex",
            Self::Priority => "priority",
        }
    }

    /// The factor on the standard price used for estimates and budgets: priority is
    /// estimated at its ceiling (2×) so a budget is never overrun by it.
    pub fn estimate_factor(self) -> f64 {
        match self {
            Self::Standard => 1.0,
            Self::Flex => 0.5,
            Self::Priority => 2.0,
        }
    }

    /// The factor on the standard price recorded for a request the service served at this
    /// tier (priority at the top of Google's 75–100 % premium).
    pub fn charge_factor(self) -> f64 {
        self.estimate_factor()
    }

    /// Expected latency, in words, for plans.
    pub fn latency(self) -> &'static str {
        match self {
            Self::Standard => "seconds to minutes",
            Self::Flex => "minutes (1–15 min)",
            Self::Priority => "seconds",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tier {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ALL_TIERS
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                format!("unknown service tier '{text}'. Allowed: standard, flex, priority.")
            })
    }
}

/// The tiers a registry entry takes when its entry names none.
pub(super) fn standard_only() -> Vec<String> {
    vec![Tier::Standard.as_str().to_string()]
}

/// Checks that model `model`, which takes `tiers`, takes `tier`, naming the ones it does.
pub(super) fn check_tier(
    model: &str,
    tiers: &[String],
    tier: Tier,
) -> Result<(), crate::error::ValidationError> {
    if tiers.iter().any(|t| t == tier.as_str()) {
        return Ok(());
    }
    Err(crate::error::ValidationError::Unsupported {
        what: "service tier",
        given: tier.as_str().to_string(),
        model: model.to_string(),
        allowed: tiers.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_by_name_and_refuse_the_rest() {
        assert_eq!("flex".parse::<Tier>(), Ok(Tier::Flex));
        assert_eq!(" Priority ".parse::<Tier>(), Ok(Tier::Priority));
        let err = "turbo".parse::<Tier>().unwrap_err();
        assert!(err.contains("turbo") && err.contains("standard, flex, priority"));
    }

    #[test]
    fn flex_is_half_and_priority_is_estimated_at_twice() {
        assert_eq!(Tier::Flex.estimate_factor(), 0.5);
        assert_eq!(Tier::Priority.estimate_factor(), 2.0);
        assert_eq!(Tier::Standard.charge_factor(), 1.0);
    }
}
