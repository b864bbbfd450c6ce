//! Service tiers as settings: parsing `tier` and `fallback` values from flags, files and
//! tool arguments, with a message that says what is allowed. (`Tier` itself lives with the
//! prices it changes, in `models`.)

use crate::error::ValidationError;
use crate::models::Tier;

/// Reads a `tier` value: standard, flex or priority.
pub fn parse_tier(text: &str) -> Result<Tier, ValidationError> {
    text.parse::<Tier>().map_err(ValidationError::Invalid)
}

/// Reads a `fallback` value: only `standard` (the tier a shed flex request is re-sent at).
pub fn parse_fallback(text: &str) -> Result<Tier, ValidationError> {
    match parse_tier(text)? {
        Tier::Standard => Ok(Tier::Standard),
        other => Err(ValidationError::Invalid(format!(
            "fallback '{other}' is not possible: a shed flex request can only fall back to standard (--fallback standard)"
        ))),
    }
}

/// Refuses a fallback without flex: only a flex request is shed.
pub fn check_fallback(tier: Tier, fallback: Option<Tier>) -> Result<(), ValidationError> {
    if fallback.is_some() && tier != Tier::Flex {
        return Err(ValidationError::Invalid(format!(
            "--fallback standard only applies to flex requests (the tier is {tier}); add --tier flex or drop --fallback"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_and_fallbacks_say_what_is_allowed() {
        assert_eq!(parse_tier("flex"), Ok(Tier::Flex));
        let turbo = parse_tier("turbo").unwrap_err().to_string();
        assert!(turbo.contains("standard, flex, priority"), "{turbo}");
        assert_eq!(parse_fallback("standard"), Ok(Tier::Standard));
        assert!(parse_fallback("priority").is_err());
        assert!(check_fallback(Tier::Standard, Some(Tier::Standard)).is_err());
        assert!(check_fallback(Tier::Flex, Some(Tier::Standard)).is_ok());
    }
}
