//! `[api] transport` / `--transport`: which API the Gemini backend's interactive jobs use.

use serde::{Deserialize, Serialize};

/// How interactive jobs reach the Gemini API (Vertex AI and gateways ignore it).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, Default, Hash,
)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    /// The Interactions API (`/interactions`): history kept on the server, the default.
    #[default]
    Interactions,
    /// The legacy `models/{m}:generateContent` call.
    GenerateContent,
}

impl Transport {
    /// "interactions" or "generate-content", as in the config and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interactions => "interactions",
            Self::GenerateContent => "generate-content",
        }
    }

    /// Parses the config/flag spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "interactions" => Some(Self::Interactions),
            "generate-content" => Some(Self::GenerateContent),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_through_toml() {
        #[derive(Deserialize)]
        struct T {
            transport: Transport,
        }
        let t: T = toml::from_str("transport = \"generate-content\"").unwrap();
        assert_eq!(t.transport, Transport::GenerateContent);
        assert!(toml::from_str::<T>("transport = \"grpc\"").is_err());
        for t in [Transport::Interactions, Transport::GenerateContent] {
            assert_eq!(Transport::parse(t.as_str()), Some(t));
        }
    }
}
