//! Seed modes: how the requests of one command (or the items of one batch) get their seeds.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// How seeds are chosen for the requests of one command (or the items of one batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeedMode {
    /// Every request gets its own random seed; takes no seed.
    Random,
    /// Every request uses the same seed (the one given, else one random pick).
    Fixed,
    /// Seeds count up from the one given (else from a random start): seed, seed+1, …
    #[default]
    Increment,
}

impl SeedMode {
    /// Parses "random", "fixed" or "increment".
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "random" => Ok(Self::Random),
            "fixed" => Ok(Self::Fixed),
            "increment" => Ok(Self::Increment),
            other => Err(ValidationError::Invalid(format!(
                "seed mode '{other}' is not one of: random, fixed, increment"
            ))),
        }
    }

    /// The name used in flags, presets and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Random => "random",
            Self::Fixed => "fixed",
            Self::Increment => "increment",
        }
    }

    /// The seeds for `count` requests; refuses a seed in random mode.
    pub fn seeds(self, seed: Option<i64>, count: u32) -> Result<Vec<i64>, ValidationError> {
        let random = || rand::random_range(0..i32::MAX as i64);
        let seeds = match (self, seed) {
            (Self::Random, Some(seed)) => {
                return Err(ValidationError::Invalid(format!(
                    "seed mode random takes no seed, but seed {seed} was given; \
                     use --seed-mode fixed or increment, or drop the seed"
                )));
            }
            (Self::Random, None) => (0..count).map(|_| random()).collect(),
            (Self::Fixed, seed) => vec![seed.unwrap_or_else(random); count as usize],
            (Self::Increment, seed) => {
                let base = seed.unwrap_or_else(random);
                (0..count).map(|i| base + i as i64).collect()
            }
        };
        Ok(seeds.into_iter().map(wrap_seed).collect())
    }
}

/// Keeps a seed inside the wire's int32 range.
pub fn wrap_seed(seed: i64) -> i64 {
    seed.rem_euclid(i32::MAX as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_choose_seeds() {
        assert_eq!(
            SeedMode::Increment.seeds(Some(41), 3).unwrap(),
            vec![41, 42, 43]
        );
        assert_eq!(SeedMode::Fixed.seeds(Some(7), 3).unwrap(), vec![7, 7, 7]);
        let fixed = SeedMode::Fixed.seeds(None, 2).unwrap();
        assert_eq!(fixed[0], fixed[1]);
        let start = SeedMode::Increment.seeds(None, 2).unwrap();
        assert_eq!((start[1] - start[0]).rem_euclid(i32::MAX as i64), 1);
        assert_eq!(SeedMode::Random.seeds(None, 4).unwrap().len(), 4);
        let err = SeedMode::Random.seeds(Some(1), 1).unwrap_err().to_string();
        assert!(err.contains("random takes no seed"), "{err}");
        assert_eq!(
            SeedMode::Increment.seeds(Some(i32::MAX as i64), 1).unwrap(),
            vec![0]
        );
    }

    #[test]
    fn names_round_trip() {
        for mode in [SeedMode::Random, SeedMode::Fixed, SeedMode::Increment] {
            assert_eq!(SeedMode::parse(mode.as_str()).unwrap(), mode);
        }
        assert!(
            SeedMode::parse("sometimes")
                .unwrap_err()
                .to_string()
                .contains("random, fixed, increment")
        );
    }
}
