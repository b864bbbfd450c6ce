//! Service tiers as the service checks them (service-2026-12.md §2): the request's
//! top-level `serviceTier` on generateContent (Gemini API and Vertex AI), `service_tier` on
//! an interaction, each refused when the model's registry `tiers` lack it; the Batch API
//! takes only `standard`. What a served tier is called on Vertex AI's `trafficType`.

use serde_json::Value;

use super::errors::SimError;
use super::schema::get;
use crate::models::{ModelSpec, Tier};

/// The values generateContent's `serviceTier` takes (google-genai's `ServiceTier`);
/// `unspecified` means standard.
const GENERATE_VALUES: &[&str] = &["unspecified", "standard", "flex", "priority"];

/// The values the Interactions API's `service_tier` enum takes (`deferred` is in the enum,
/// but no model lists it among its tiers, so it is refused per model).
pub const INTERACTIONS_VALUES: &[&str] = &["flex", "standard", "priority", "deferred"];

fn tier_named(name: &str) -> Option<Tier> {
    match name {
        "unspecified" | "standard" => Some(Tier::Standard),
        "flex" => Some(Tier::Flex),
        "priority" => Some(Tier::Priority),
        _ => None,
    }
}

/// The tier a generateContent body asks for (standard when it names none), checked
/// against the enum and against the model's tiers.
pub fn of_generate(body: &Value, model: &ModelSpec) -> Result<Tier, SimError> {
    let tier = requested(body)?;
    if !model.tiers.iter().any(|t| t == tier.as_str()) {
        return Err(SimError::bad_field(
            "service_tier",
            format!(
                "Service tier {} is not supported for models/{}. Supported service tiers: {}.",
                tier.as_str(),
                model.id,
                model.tiers.join(", ")
            ),
        ));
    }
    Ok(tier)
}

/// The tier a generateContent body asks for, checked against the enum only (text models
/// take every tier).
pub fn requested(body: &Value) -> Result<Tier, SimError> {
    let Some(value) = get(body, "service_tier") else {
        return Ok(Tier::Standard);
    };
    value
        .as_str()
        .filter(|v| GENERATE_VALUES.contains(v))
        .and_then(tier_named)
        .ok_or_else(|| {
            SimError::bad_field(
                "service_tier",
                format!(
                    "Invalid value at 'service_tier' (type.googleapis.com/google.ai.generativelanguage.v1beta.ServiceTier), {value}"
                ),
            )
        })
}

/// Checks an interaction's `service_tier` (already one of `INTERACTIONS_VALUES`) against
/// the model, worded as the Interactions API refuses a value.
pub fn of_interaction(value: &str, model: &ModelSpec) -> Result<Tier, SimError> {
    match tier_named(value) {
        Some(tier) if model.tiers.iter().any(|t| t == tier.as_str()) => Ok(tier),
        _ => Err(SimError::bad_field(
            "service_tier",
            format!(
                "service_tier \"{value}\" is not available for model {}; it takes: {}.",
                model.id,
                model.tiers.join(", ")
            ),
        )),
    }
}

/// Refuses a Batch API request that asks for a tier other than standard: a batch runs at
/// the Batch API's own price and pace. `at` names the request (`requests[3]`, a file line).
pub fn check_batch_request(request: &Value, at: &str) -> Result<(), SimError> {
    match requested(request) {
        Ok(Tier::Standard) => Ok(()),
        Ok(tier) => Err(SimError::bad_field(
            &format!("{at}.service_tier"),
            format!(
                "{at}: serviceTier \"{}\" is not supported in batch requests: the Batch API runs every request at its own price and pace. Remove serviceTier (or use \"standard\").",
                tier.as_str()
            ),
        )),
        Err(mut e) => {
            e.message = format!("{at}: {}", e.message);
            Err(e)
        }
    }
}

/// Vertex AI's `usageMetadata.trafficType` for a request served at `tier`.
pub fn traffic_type(tier: Tier) -> &'static str {
    match tier {
        Tier::Standard => "ON_DEMAND",
        Tier::Flex => "ON_DEMAND_FLEX",
        Tier::Priority => "ON_DEMAND_PRIORITY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Registry;
    use serde_json::json;

    #[test]
    fn generate_content_tiers_follow_the_enum_and_the_model() {
        let registry = Registry::shipped().unwrap();
        let current = registry.resolve("gemini-nano-banana-2.1").unwrap();
        let old = registry.resolve("gemini-2.5-flash-image").unwrap();
        assert_eq!(of_generate(&json!({}), current).unwrap(), Tier::Standard);
        assert_eq!(
            of_generate(&json!({"serviceTier": "flex"}), current).unwrap(),
            Tier::Flex
        );
        assert_eq!(
            of_generate(&json!({"service_tier": "unspecified"}), current).unwrap(),
            Tier::Standard
        );
        let turbo = of_generate(&json!({"serviceTier": "turbo"}), current).unwrap_err();
        assert!(turbo.message.contains("\"turbo\""), "{}", turbo.message);
        let upper = of_generate(&json!({"serviceTier": "FLEX"}), current);
        assert!(upper.is_err(), "the wire values are lowercase");
        let refused = of_generate(&json!({"serviceTier": "priority"}), old).unwrap_err();
        assert!(
            refused
                .message
                .contains("Supported service tiers: standard"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn deferred_is_in_the_enum_but_no_model_takes_it() {
        let registry = Registry::shipped().unwrap();
        let current = registry.resolve("gemini-nano-banana-2.1").unwrap();
        assert_eq!(of_interaction("priority", current).unwrap(), Tier::Priority);
        let deferred = of_interaction("deferred", current).unwrap_err();
        assert!(
            deferred.message.contains("standard, flex, priority"),
            "{}",
            deferred.message
        );
    }

    #[test]
    fn batch_requests_take_only_standard() {
        assert!(check_batch_request(&json!({"serviceTier": "standard"}), "requests[0]").is_ok());
        let err = check_batch_request(&json!({"serviceTier": "flex"}), "requests[2]").unwrap_err();
        assert!(
            err.message.starts_with("requests[2]: serviceTier \"flex\""),
            "{}",
            err.message
        );
        assert_eq!(traffic_type(Tier::Flex), "ON_DEMAND_FLEX");
    }
}
