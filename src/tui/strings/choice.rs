//! The settings a model may offer no choice of, in `strings::no_choice_of`.

/// Aspect ratios.
pub const ASPECT: &str = "aspect ratio";
/// Image sizes.
pub const SIZE: &str = "size";
/// Thinking levels.
pub const THINKING: &str = "thinking level";
/// Service tiers.
pub const TIER: &str = "service tier";
/// Search grounding.
pub const GROUNDING: &str = "search grounding";
