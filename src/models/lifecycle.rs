//! A model's lifecycle as data: its status, deprecation and shutdown dates and successor,
//! what that means on a given day, and the one notice a deprecated model earns.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// A model's status as Google's pages state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Status {
    /// Generally available.
    #[default]
    #[serde(rename = "ga")]
    Ga,
    /// A preview: may change or go away at short notice.
    #[serde(rename = "preview")]
    Preview,
    /// Still served, but Google names a successor.
    #[serde(rename = "deprecated")]
    Deprecated,
    /// No longer served.
    #[serde(rename = "shut down")]
    ShutDown,
}

impl Status {
    /// The name used in `models.toml` and `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ga => "ga",
            Self::Preview => "preview",
            Self::Deprecated => "deprecated",
            Self::ShutDown => "shut down",
        }
    }
}

/// Which file a registry entry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `assets/models.toml`, shipped with peel.
    #[default]
    Shipped,
    /// The user's own `models.toml`.
    User,
}

/// The lifecycle fields of one entry, image or text model alike.
#[derive(Debug, Clone, Copy)]
pub struct Lifecycle<'a> {
    /// Canonical id.
    pub id: &'a str,
    /// Human name.
    pub display_name: &'a str,
    /// Status as recorded.
    pub status: Status,
    /// Deprecation date (YYYY-MM-DD).
    pub deprecated_on: Option<&'a str>,
    /// Shutdown date (YYYY-MM-DD).
    pub shutdown_on: Option<&'a str>,
    /// The model to move to.
    pub successor: Option<&'a str>,
}

/// Today's date on this machine, the day lifecycle dates are compared with.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Parses a registry date (YYYY-MM-DD).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

impl Lifecycle<'_> {
    /// The status on `day`: a model past its shutdown date is shut down whatever was recorded.
    pub fn status_on(&self, day: NaiveDate) -> Status {
        if self.shut_down_by(day) {
            Status::ShutDown
        } else {
            self.status
        }
    }

    /// True when the shutdown date is on or before `day`.
    pub fn shut_down_by(&self, day: NaiveDate) -> bool {
        self.shutdown_on
            .and_then(parse_date)
            .is_some_and(|date| date <= day)
    }

    /// How the shutdown date reads on `day`: "shut down on …" once past, else "announced for …".
    pub fn shutdown_phrase(&self, day: NaiveDate) -> Option<String> {
        let date = self.shutdown_on?;
        Some(if self.shut_down_by(day) {
            format!("shut down on {date}")
        } else {
            format!("shutdown announced for {date}")
        })
    }

    /// Refuses a model that is shut down on `day`, naming its successor.
    pub fn check_served(&self, day: NaiveDate) -> Result<(), ValidationError> {
        if self.status_on(day) != Status::ShutDown {
            return Ok(());
        }
        let when = self
            .shutdown_on
            .map(|d| format!(" on {d}"))
            .unwrap_or_default();
        let instead = match self.successor {
            Some(next) => format!("Use its successor instead: --model {next}."),
            None => "Pick a current model with --model (see `peel models`).".to_string(),
        };
        Err(ValidationError::Invalid(format!(
            "{} ({}) was shut down{when}: the service no longer serves it. {instead}",
            self.id, self.display_name
        )))
    }

    /// The one notice a deprecated (still served) model earns on `day`, naming the successor
    /// and the flag to use.
    pub fn notice(&self, day: NaiveDate) -> Option<String> {
        if self.status_on(day) != Status::Deprecated {
            return None;
        }
        let since = self
            .deprecated_on
            .map(|d| format!(" since {d}"))
            .unwrap_or_default();
        let shutdown = self
            .shutdown_phrase(day)
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let instead = match self.successor {
            Some(next) => format!("; its successor is {next}: use --model {next}"),
            None => String::new(),
        };
        Some(format!(
            "{} ({}) is deprecated{since}{shutdown}{instead}",
            self.id, self.display_name
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).expect("a test date")
    }

    fn entry<'a>(status: Status, shutdown_on: Option<&'a str>) -> Lifecycle<'a> {
        Lifecycle {
            id: "old-model",
            display_name: "Old",
            status,
            deprecated_on: Some("2026-10-06"),
            shutdown_on,
            successor: Some("new-model"),
        }
    }

    #[test]
    fn a_date_past_shutdown_is_shut_down_whatever_was_recorded() {
        let old = entry(Status::Deprecated, Some("2026-10-02"));
        assert_eq!(old.status_on(day("2026-10-01")), Status::Deprecated);
        assert_eq!(old.status_on(day("2026-10-02")), Status::ShutDown);
        let err = old.check_served(day("2026-12-05")).unwrap_err().to_string();
        assert!(
            err.contains("shut down on 2026-10-02") && err.contains("--model new-model"),
            "{err}"
        );
        assert!(old.check_served(day("2026-09-30")).is_ok());
        assert_eq!(
            old.shutdown_phrase(day("2026-12-05")).as_deref(),
            Some("shut down on 2026-10-02")
        );
        assert_eq!(
            old.shutdown_phrase(day("2026-09-30")).as_deref(),
            Some("shutdown announced for 2026-10-02")
        );
    }

    #[test]
    fn only_a_served_deprecated_model_earns_a_notice() {
        let today = day("2026-12-05");
        let notice = entry(Status::Deprecated, None).notice(today).unwrap();
        assert!(
            notice.contains("deprecated since 2026-10-06")
                && notice.contains("use --model new-model"),
            "{notice}"
        );
        assert!(entry(Status::Ga, None).notice(today).is_none());
        assert!(
            entry(Status::Deprecated, Some("2026-10-02"))
                .notice(today)
                .is_none()
        );
    }

    #[test]
    fn statuses_read_as_written_in_models_toml() {
        #[derive(Deserialize)]
        struct Row {
            status: Status,
        }
        let row: Row = toml::from_str("status = \"shut down\"").unwrap();
        assert_eq!(row.status, Status::ShutDown);
        assert!(toml::from_str::<Row>("status = \"retired\"").is_err());
    }
}
