//! Safety settings: `CATEGORY=THRESHOLD` in the wire spelling or a friendly one, checked
//! against what the Gemini API takes, kept one threshold per category.
//!
//! These thresholds govern the text-side harm filters. They never switch off the image
//! output filter: `IMAGE_SAFETY` fires whatever they say.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ValidationError;
use crate::settings::{HarmBlockThreshold, HarmCategory, SafetySetting};

/// The categories the Gemini API takes, in the order peel lists and sends them.
pub const CATEGORIES: [HarmCategory; 5] = [
    HarmCategory::Harassment,
    HarmCategory::HateSpeech,
    HarmCategory::SexuallyExplicit,
    HarmCategory::DangerousContent,
    HarmCategory::CivicIntegrity,
];

/// The thresholds the Gemini API takes, strictest first.
pub const THRESHOLDS: [HarmBlockThreshold; 5] = [
    HarmBlockThreshold::BlockLowAndAbove,
    HarmBlockThreshold::BlockMediumAndAbove,
    HarmBlockThreshold::BlockOnlyHigh,
    HarmBlockThreshold::BlockNone,
    HarmBlockThreshold::Off,
];

const CATEGORY_PREFIX: &str = "HARM_CATEGORY_";

/// The friendly name of a category: "harassment", "dangerous-content", …
pub fn short_name(category: &HarmCategory) -> String {
    let wire = category.as_str();
    wire.strip_prefix(CATEGORY_PREFIX)
        .unwrap_or(wire)
        .to_ascii_lowercase()
        .replace('_', "-")
}

/// The friendly name of a threshold: "block_only_high", "off", …
pub fn threshold_name(threshold: &HarmBlockThreshold) -> String {
    threshold.as_str().to_ascii_lowercase()
}

fn normalise(text: &str) -> String {
    text.trim().to_ascii_uppercase().replace(['-', ' '], "_")
}

fn allowed_categories() -> String {
    CATEGORIES
        .iter()
        .map(short_name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn allowed_thresholds() -> String {
    THRESHOLDS
        .iter()
        .map(threshold_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses a category from `HARM_CATEGORY_HATE_SPEECH`, `hate-speech` or `hate_speech`.
pub fn parse_category(text: &str) -> Result<HarmCategory, ValidationError> {
    let upper = normalise(text);
    let bare = upper.strip_prefix(CATEGORY_PREFIX).unwrap_or(&upper);
    let wire = format!("{CATEGORY_PREFIX}{bare}");
    if let Some(found) = CATEGORIES.iter().find(|c| c.as_str() == wire) {
        return Ok(found.clone());
    }
    if bare.starts_with("IMAGE_") {
        return Err(ValidationError::Invalid(format!(
            "safety category '{}' is Vertex AI only; the Gemini API refuses the HARM_CATEGORY_IMAGE_* categories. \
             Use one of: {}.",
            text.trim(),
            allowed_categories()
        )));
    }
    Err(ValidationError::Invalid(format!(
        "safety category '{}' is not one the Gemini API takes. Use one of: {} (or the HARM_CATEGORY_* spelling).",
        text.trim(),
        allowed_categories()
    )))
}

/// Parses a threshold from `BLOCK_ONLY_HIGH`, `block_only_high`, `only-high`, `none` or `off`.
pub fn parse_threshold(text: &str) -> Result<HarmBlockThreshold, ValidationError> {
    let upper = normalise(text);
    let found = THRESHOLDS.iter().find(|t| {
        let wire = t.as_str();
        wire == upper || wire.strip_prefix("BLOCK_") == Some(upper.as_str())
    });
    found.cloned().ok_or_else(|| {
        ValidationError::Invalid(format!(
            "safety threshold '{}' is not one the Gemini API takes. Use one of: {}.",
            text.trim(),
            allowed_thresholds()
        ))
    })
}

/// Parses `CATEGORY=THRESHOLD`, as `--safety` takes it.
pub fn parse_setting(text: &str) -> Result<SafetySetting, ValidationError> {
    let Some((category, threshold)) = text.split_once('=') else {
        return Err(ValidationError::Invalid(format!(
            "--safety '{text}' needs the form CATEGORY=THRESHOLD, e.g. harassment=block_only_high. \
             Categories: {}. Thresholds: {}.",
            allowed_categories(),
            allowed_thresholds()
        )));
    };
    Ok(SafetySetting {
        category: parse_category(category)?,
        threshold: parse_threshold(threshold)?,
    })
}

/// One threshold per category; setting a category again replaces its threshold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyMap {
    entries: BTreeMap<usize, HarmBlockThreshold>,
}

impl SafetyMap {
    /// An empty map (the service's defaults apply).
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks settings from any source (flags, the TUI) and keeps the last per category.
    pub fn from_settings(settings: &[SafetySetting]) -> Result<Self, ValidationError> {
        let mut map = Self::new();
        for setting in settings {
            map.set(setting.clone())?;
        }
        Ok(map)
    }

    /// Parses `CATEGORY=THRESHOLD` texts, e.g. repeated `--safety` flags.
    pub fn parse_all<S: AsRef<str>>(texts: &[S]) -> Result<Self, ValidationError> {
        let mut map = Self::new();
        for text in texts {
            map.set(parse_setting(text.as_ref())?)?;
        }
        Ok(map)
    }

    /// Sets one category's threshold, refusing values the Gemini API does not take.
    pub fn set(&mut self, setting: SafetySetting) -> Result<(), ValidationError> {
        let index = category_index(&setting.category)?;
        let threshold = parse_threshold(setting.threshold.as_str())?;
        self.entries.insert(index, threshold);
        Ok(())
    }

    /// The threshold set for a category, if any.
    pub fn get(&self, category: &HarmCategory) -> Option<&HarmBlockThreshold> {
        let index = CATEGORIES.iter().position(|c| c == category)?;
        self.entries.get(&index)
    }

    /// True when no category is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// This map's thresholds, with `lower`'s for the categories this one leaves unset.
    pub fn over(&self, lower: &Self) -> Self {
        let mut entries = lower.entries.clone();
        entries.extend(self.entries.iter().map(|(k, v)| (*k, v.clone())));
        Self { entries }
    }

    /// The categories whose threshold here differs from `other`'s (unset counts as differing).
    pub fn differing(&self, other: &Self) -> Vec<HarmCategory> {
        self.entries
            .iter()
            .filter(|(k, v)| other.entries.get(k) != Some(v))
            .map(|(k, _)| CATEGORIES[*k].clone())
            .collect()
    }

    /// The wire settings, in category order.
    pub fn to_settings(&self) -> Vec<SafetySetting> {
        self.entries
            .iter()
            .map(|(k, threshold)| SafetySetting {
                category: CATEGORIES[*k].clone(),
                threshold: threshold.clone(),
            })
            .collect()
    }

    /// Friendly `(category, threshold)` pairs, e.g. `("harassment", "block_only_high")`.
    pub fn to_friendly(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|(k, t)| (short_name(&CATEGORIES[*k]), threshold_name(t)))
            .collect()
    }
}

fn category_index(category: &HarmCategory) -> Result<usize, ValidationError> {
    if let Some(index) = CATEGORIES.iter().position(|c| c == category) {
        return Ok(index);
    }
    let found = parse_category(category.as_str())?;
    CATEGORIES
        .iter()
        .position(|c| *c == found)
        .ok_or_else(|| ValidationError::Invalid(format!("unknown safety category {category}")))
}

impl Serialize for SafetyMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<String, String> = self.to_friendly().into_iter().collect();
        map.serialize(s)
    }
}

impl<'de> Deserialize<'de> for SafetyMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(d)?;
        let mut map = Self::new();
        for (category, threshold) in raw {
            let setting = parse_category(&category)
                .and_then(|category| Ok((category, parse_threshold(&threshold)?)))
                .map_err(serde::de::Error::custom)?;
            map.set(SafetySetting {
                category: setting.0,
                threshold: setting.1,
            })
            .map_err(serde::de::Error::custom)?;
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_and_friendly_forms_parse() {
        let wire = parse_setting("HARM_CATEGORY_HARASSMENT=BLOCK_ONLY_HIGH").unwrap();
        assert_eq!(wire.category, HarmCategory::Harassment);
        assert_eq!(wire.threshold, HarmBlockThreshold::BlockOnlyHigh);
        let friendly = parse_setting("harassment=block_only_high").unwrap();
        assert_eq!(friendly, wire);
        let dashed = parse_setting("dangerous-content=off").unwrap();
        assert_eq!(dashed.category, HarmCategory::DangerousContent);
        assert_eq!(dashed.threshold, HarmBlockThreshold::Off);
        let short = parse_setting(" hate_speech = none ").unwrap();
        assert_eq!(short.category, HarmCategory::HateSpeech);
        assert_eq!(short.threshold, HarmBlockThreshold::BlockNone);
        assert_eq!(
            parse_threshold("medium-and-above").unwrap(),
            HarmBlockThreshold::BlockMediumAndAbove
        );
    }

    #[test]
    fn bad_values_are_refused_with_the_allowed_ones() {
        let err = parse_setting("harassment").unwrap_err().to_string();
        assert!(err.contains("CATEGORY=THRESHOLD"), "{err}");
        let err = parse_setting("violence=off").unwrap_err().to_string();
        assert!(
            err.contains("'violence'") && err.contains("dangerous-content"),
            "{err}"
        );
        let err = parse_setting("harassment=sometimes")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'sometimes'") && err.contains("block_only_high"),
            "{err}"
        );
        let err = parse_setting("HARM_CATEGORY_IMAGE_HATE=OFF")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Vertex AI only"), "{err}");
        let err = parse_setting("image-harassment=off")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Vertex AI only"), "{err}");
        let err = parse_setting("HARM_CATEGORY_UNSPECIFIED=OFF")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not one the Gemini API takes"), "{err}");
    }

    #[test]
    fn later_settings_replace_earlier_ones_and_layers_merge_per_category() {
        let map = SafetyMap::parse_all(&["harassment=off", "HARM_CATEGORY_HARASSMENT=BLOCK_NONE"])
            .unwrap();
        assert_eq!(map.to_settings().len(), 1);
        assert_eq!(
            map.get(&HarmCategory::Harassment),
            Some(&HarmBlockThreshold::BlockNone)
        );
        let lower =
            SafetyMap::parse_all(&["hate-speech=block_only_high", "harassment=off"]).unwrap();
        let merged = map.over(&lower);
        assert_eq!(
            merged.to_friendly(),
            vec![
                ("harassment".to_string(), "block_none".to_string()),
                ("hate-speech".to_string(), "block_only_high".to_string()),
            ]
        );
        assert_eq!(map.differing(&lower), vec![HarmCategory::Harassment]);
        assert!(lower.over(&SafetyMap::new()).differing(&lower).is_empty());
    }

    #[test]
    fn unknown_wire_values_from_other_faces_are_refused() {
        let setting = SafetySetting {
            category: HarmCategory::Other("HARM_CATEGORY_JAILBREAK".into()),
            threshold: HarmBlockThreshold::Off,
        };
        assert!(SafetyMap::from_settings(&[setting]).is_err());
        let setting = SafetySetting {
            category: HarmCategory::Harassment,
            threshold: HarmBlockThreshold::Other("MAYBE".into()),
        };
        assert!(SafetyMap::from_settings(&[setting]).is_err());
    }

    #[test]
    fn toml_tables_deserialise_and_name_bad_values() {
        #[derive(Deserialize)]
        struct T {
            safety: SafetyMap,
        }
        let t: T = toml::from_str("safety = { harassment = \"block_only_high\", HARM_CATEGORY_DANGEROUS_CONTENT = \"OFF\" }").unwrap();
        assert_eq!(t.safety.to_settings().len(), 2);
        let err = toml::from_str::<T>("safety = { harassment = \"loud\" }")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("'loud'"), "{err}");
        let json = serde_json::to_value(&t.safety).unwrap();
        assert_eq!(json["harassment"], "block_only_high");
        assert_eq!(json["dangerous-content"], "off");
    }
}
