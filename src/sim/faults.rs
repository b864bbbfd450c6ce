//! Injected faults: error answers, broken bodies, slowness and content outcomes, parsed
//! from a spec such as `503:2,slow@0.3,payment_required:1`.
//!
//! Grammar: comma-separated tokens, each `KIND` (every request), `KIND:N` (only the first
//! N requests that reach it) or `KIND@P` (with probability P, 0 < P ≤ 1). Tokens are tried
//! in order and the first that fires decides the answer, so `503:2,500:1` gives 503, 503,
//! 500, then success. A fault that does not apply to a request (see below) lets it pass
//! without counting it.
//!
//! Kinds:
//! - `429`, `429-free-tier`, `500`, `503`: generateContent's classic answers (Google's RPC
//!   envelope); on the Interactions API they answer `rate_limit_exceeded`,
//!   `failed_precondition` (billing is not enabled: its documented example), `api_error`
//!   and `service_unavailable`.
//! - Each Interactions API code (service-2026-12.md §3): `invalid_request`,
//!   `failed_precondition`, `parameter_unknown`, `out_of_range`, `authentication`,
//!   `payment_required`, `permission_denied`, `not_found`, `model_not_found`,
//!   `already_exists`, `aborted`, `rate_limit_exceeded`, `too_many_requests`,
//!   `quota_exceeded`, `cancelled`, `api_error`, `unimplemented`, `service_unavailable`,
//!   `deadline_exceeded`. On the Interactions API each answers `{"error":{"code",
//!   "message"}}` with its documented HTTP status; on generateContent (Gemini API and
//!   Vertex AI) the same refusal in Google's RPC envelope (`fault_errors.rs`), except
//!   `payment_required`, which has no generateContent equivalent and applies to the
//!   Interactions API only. Refusals at the door (everything but `api_error`,
//!   `service_unavailable`, `deadline_exceeded`, `aborted`, `500`, `503`) answer a
//!   background or streamed create as an HTTP error; the others end the run `failed` with
//!   the code in `errors[]` (or a stream's `error` event).
//! - `shed`: a `flex` request is shed (503 `service_unavailable` / `UNAVAILABLE`); applies
//!   to flex requests only. `priority-downgrade`: a `priority` request is served at
//!   `standard` (the interaction echoes `standard`; Vertex AI's `trafficType` says
//!   `ON_DEMAND`); applies to priority requests only and combines with other faults.
//! - `truncated`, `html`, `slow` (extra delay; combines), `image-safety`,
//!   `prompt-blocked`, `no-image`.
//! - Standing: `no-background` / `no-interactions` (the Interactions API refuses
//!   background runs / every model).
//! - Vertex AI batch prediction (apply to job creations only): `batch-create-hang` (the
//!   job is created and runs, but the create's answer never comes, so a client can find
//!   it only by its labels) and `batch-job-fail` (the job fails after half its lines,
//!   with `error {code: 13}`; the lines done are written).

use std::fmt;

use super::codes::{ALL_CODES, ApiCode};
use crate::models::Tier;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 RESOURCE_EXHAUSTED with a RetryInfo delay.
    RateLimit,
    /// 429 with `limit: 0` and a `-FreeTier` quota id: billing not enabled.
    FreeTier,
    /// 500 INTERNAL.
    Internal,
    /// 503 UNAVAILABLE, "high demand".
    Unavailable,
    /// 200 with a JSON body cut off midway.
    Truncated,
    /// 502 with an HTML page.
    Html,
    /// Several extra seconds before answering (combines with other faults).
    Slow,
    /// A candidate with finishReason IMAGE_SAFETY and no image.
    ImageSafety,
    /// No candidates; promptFeedback.blockReason set.
    PromptBlocked,
    /// finishReason NO_IMAGE with text only.
    NoImage,
    /// Standing: the Interactions API refuses `background:true` for image models.
    NoBackground,
    /// Standing: the Interactions API refuses every model ("not supported on interactions").
    NoInteractions,
    /// A flex request is shed (503).
    Shed,
    /// A priority request is served at standard (combines with other faults).
    PriorityDowngrade,
    /// The Interactions API's answer with this code (or generateContent's equivalent).
    Api(ApiCode),
    /// A batch prediction job is created (and runs) but the create's answer never comes.
    BatchCreateHang,
    /// A batch prediction job fails after half its lines.
    BatchJobFail,
}

const KINDS: &[(&str, FaultKind)] = &[
    ("429", FaultKind::RateLimit),
    ("429-free-tier", FaultKind::FreeTier),
    ("500", FaultKind::Internal),
    ("503", FaultKind::Unavailable),
    ("truncated", FaultKind::Truncated),
    ("html", FaultKind::Html),
    ("slow", FaultKind::Slow),
    ("image-safety", FaultKind::ImageSafety),
    ("prompt-blocked", FaultKind::PromptBlocked),
    ("no-image", FaultKind::NoImage),
    ("no-background", FaultKind::NoBackground),
    ("no-interactions", FaultKind::NoInteractions),
    ("shed", FaultKind::Shed),
    ("priority-downgrade", FaultKind::PriorityDowngrade),
    ("batch-create-hang", FaultKind::BatchCreateHang),
    ("batch-job-fail", FaultKind::BatchJobFail),
];

impl FaultKind {
    /// The spec token for this kind.
    pub fn as_str(self) -> &'static str {
        if let Self::Api(code) = self {
            return code.as_str();
        }
        KINDS
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(name, _)| *name)
            .unwrap_or("?")
    }

    /// The kind a spec token names.
    fn parse(name: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, k)| *k)
            .or_else(|| ApiCode::parse(name).map(Self::Api))
    }
}

/// What a request is, for deciding which faults apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Draw {
    /// It came in on the Interactions API (not generateContent).
    pub interactions: bool,
    /// The service tier it asked for.
    pub tier: Tier,
    /// It creates a Vertex AI batch prediction job (only the `batch-*` faults apply).
    pub batch_job: bool,
}

impl Draw {
    /// Whether a fault of `kind` can fire on this request.
    fn applies(self, kind: FaultKind) -> bool {
        let batch_fault = matches!(kind, FaultKind::BatchCreateHang | FaultKind::BatchJobFail);
        if self.batch_job || batch_fault {
            return self.batch_job && batch_fault;
        }
        match kind {
            FaultKind::NoBackground | FaultKind::NoInteractions => false,
            FaultKind::Shed => self.tier == Tier::Flex,
            FaultKind::PriorityDowngrade => self.tier == Tier::Priority,
            FaultKind::Api(ApiCode::PaymentRequired) => self.interactions,
            _ => true,
        }
    }
}

/// When a fault fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// On every request that reaches it.
    Always,
    /// On the first N requests that reach it.
    First(u32),
    /// With this probability (0 < p ≤ 1).
    Chance(f64),
}

/// One fault with its trigger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// What happens.
    pub kind: FaultKind,
    /// When it happens.
    pub trigger: Trigger,
}

/// An ordered list of faults; the first one that fires decides the answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// The faults in spec order.
    pub faults: Vec<Fault>,
}

impl FaultSpec {
    /// Parses `KIND`, `KIND:N` or `KIND@P` tokens separated by commas (see the module docs).
    pub fn parse(spec: &str) -> Result<FaultSpec, String> {
        let mut faults = Vec::new();
        for token in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            faults.push(parse_token(token)?);
        }
        Ok(FaultSpec { faults })
    }

    /// True when no fault is configured.
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }

    /// True when a standing fault of this kind is configured (its trigger is ignored).
    pub fn has_standing(&self, kind: FaultKind) -> bool {
        self.faults.iter().any(|f| f.kind == kind)
    }
}

fn valid_kinds() -> String {
    let mut names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
    names.extend(ALL_CODES.iter().map(|c| c.as_str()));
    format!(
        "valid kinds: {} (each as KIND, KIND:N for the first N requests, or KIND@P with probability 0<P<=1)",
        names.join(", ")
    )
}

fn parse_token(token: &str) -> Result<Fault, String> {
    let (name, trigger) = if let Some((name, n)) = token.split_once(':') {
        let count = n
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| {
                format!("fault '{token}': the count after ':' must be a whole number of at least 1")
            })?;
        (name, Trigger::First(count))
    } else if let Some((name, p)) = token.split_once('@') {
        let p = p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|p| *p > 0.0 && *p <= 1.0)
            .ok_or_else(|| {
                format!(
                    "fault '{token}': the probability after '@' must be a number above 0 and at most 1"
                )
            })?;
        (name, Trigger::Chance(p))
    } else {
        (token, Trigger::Always)
    };
    let name = name.trim();
    let kind = FaultKind::parse(name).ok_or_else(|| {
        format!(
            "unknown fault kind '{name}' in '{token}'; {}",
            valid_kinds()
        )
    })?;
    Ok(Fault { kind, trigger })
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens: Vec<String> = self
            .faults
            .iter()
            .map(|fault| match fault.trigger {
                Trigger::Always => fault.kind.as_str().to_string(),
                Trigger::First(n) => format!("{}:{n}", fault.kind.as_str()),
                Trigger::Chance(p) => format!("{}@{p}", fault.kind.as_str()),
            })
            .collect();
        f.write_str(&tokens.join(","))
    }
}

/// What the faults decided for one request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultOutcome {
    /// The fault that replaces the normal answer, if any.
    pub fault: Option<FaultKind>,
    /// Whether to add the slow delay.
    pub slow: bool,
    /// Whether a priority request is served at standard.
    pub downgrade: bool,
}

/// Per-server fault counters.
#[derive(Debug)]
pub struct FaultState {
    spec: FaultSpec,
    reached: Vec<u32>,
}

impl FaultState {
    /// Fresh counters for `spec`.
    pub fn new(spec: FaultSpec) -> Self {
        let reached = vec![0; spec.faults.len()];
        Self { spec, reached }
    }

    /// Decides the faults for the next generate request `draw` describes; `roll` draws a
    /// number in [0, 1). Faults that do not apply to it are passed over uncounted.
    pub fn next(&mut self, draw: Draw, mut roll: impl FnMut() -> f64) -> FaultOutcome {
        let mut outcome = FaultOutcome::default();
        for (fault, reached) in self.spec.faults.iter().zip(self.reached.iter_mut()) {
            if !draw.applies(fault.kind) {
                continue;
            }
            let settled = match fault.kind {
                FaultKind::Slow => outcome.slow,
                FaultKind::PriorityDowngrade => outcome.downgrade,
                _ => outcome.fault.is_some(),
            };
            if settled {
                continue;
            }
            *reached = reached.saturating_add(1);
            let fires = match fault.trigger {
                Trigger::Always => true,
                Trigger::First(n) => *reached <= n,
                Trigger::Chance(p) => roll() < p,
            };
            if !fires {
                continue;
            }
            match fault.kind {
                FaultKind::Slow => outcome.slow = true,
                FaultKind::PriorityDowngrade => outcome.downgrade = true,
                kind => outcome.fault = Some(kind),
            }
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_round_trips() {
        let spec = FaultSpec::parse(" 503:2, 500 ,slow@0.5,429-free-tier,no-image").unwrap();
        assert_eq!(spec.faults.len(), 5);
        assert_eq!(
            spec.faults[0],
            Fault {
                kind: FaultKind::Unavailable,
                trigger: Trigger::First(2)
            }
        );
        assert_eq!(spec.faults[2].trigger, Trigger::Chance(0.5));
        assert_eq!(spec.faults[3].kind, FaultKind::FreeTier);
        assert_eq!(
            spec.to_string(),
            "503:2,500,slow@0.5,429-free-tier,no-image"
        );
        assert!(FaultSpec::parse("").unwrap().is_empty());
    }

    #[test]
    fn errors_name_the_bad_token_and_the_valid_kinds() {
        let err = FaultSpec::parse("503,boom:3").unwrap_err();
        assert!(
            err.contains("'boom'") && err.contains("image-safety"),
            "{err}"
        );
        assert!(FaultSpec::parse("503:0").unwrap_err().contains("503:0"));
        assert!(
            FaultSpec::parse("503@1.5")
                .unwrap_err()
                .contains("probability")
        );
        assert!(FaultSpec::parse("503:x").is_err());
    }

    #[test]
    fn first_n_faults_run_in_sequence() {
        let mut state = FaultState::new(FaultSpec::parse("503:2,500:1").unwrap());
        let kinds: Vec<_> = (0..4)
            .map(|_| state.next(Draw::default(), || 0.0).fault)
            .collect();
        assert_eq!(
            kinds,
            vec![
                Some(FaultKind::Unavailable),
                Some(FaultKind::Unavailable),
                Some(FaultKind::Internal),
                None
            ]
        );
    }

    #[test]
    fn chance_and_slow_combine() {
        let mut state = FaultState::new(FaultSpec::parse("slow,html@0.5").unwrap());
        let hit = state.next(Draw::default(), || 0.2);
        assert_eq!(
            hit,
            FaultOutcome {
                fault: Some(FaultKind::Html),
                slow: true,
                downgrade: false,
            }
        );
        let miss = state.next(Draw::default(), || 0.9);
        assert_eq!(miss.fault, None);
        assert!(miss.slow);
    }

    #[test]
    fn the_interactions_codes_are_fault_kinds_by_their_own_names() {
        let spec =
            FaultSpec::parse("payment_required,quota_exceeded:1,rate_limit_exceeded@0.5,shed")
                .unwrap();
        assert_eq!(
            spec.faults[0].kind,
            FaultKind::Api(ApiCode::PaymentRequired)
        );
        assert_eq!(spec.faults[1].trigger, Trigger::First(1));
        assert_eq!(
            spec.to_string(),
            "payment_required,quota_exceeded:1,rate_limit_exceeded@0.5,shed"
        );
        let err = FaultSpec::parse("payment_needed").unwrap_err();
        assert!(
            err.contains("payment_required") && err.contains("priority-downgrade"),
            "{err}"
        );
    }

    #[test]
    fn faults_that_do_not_apply_let_a_request_pass_uncounted() {
        let interactions = Draw {
            interactions: true,
            tier: Tier::Standard,
            ..Draw::default()
        };
        let mut state = FaultState::new(FaultSpec::parse("payment_required:1").unwrap());
        assert_eq!(
            state.next(Draw::default(), || 0.0).fault,
            None,
            "generateContent has no payment_required"
        );
        assert_eq!(
            state.next(interactions, || 0.0).fault,
            Some(FaultKind::Api(ApiCode::PaymentRequired)),
            "the first interactions request meets it"
        );
        assert_eq!(state.next(interactions, || 0.0).fault, None);

        let flex = Draw {
            interactions: false,
            tier: Tier::Flex,
            ..Draw::default()
        };
        let mut state = FaultState::new(FaultSpec::parse("shed:1").unwrap());
        assert_eq!(state.next(Draw::default(), || 0.0).fault, None);
        assert_eq!(state.next(flex, || 0.0).fault, Some(FaultKind::Shed));
        assert_eq!(state.next(flex, || 0.0).fault, None);
    }

    #[test]
    fn batch_job_faults_fire_on_job_creations_only() {
        let job = Draw {
            batch_job: true,
            ..Draw::default()
        };
        let mut state = FaultState::new(FaultSpec::parse("batch-create-hang:1,500").unwrap());
        assert_eq!(
            state.next(Draw::default(), || 0.0).fault,
            Some(FaultKind::Internal)
        );
        assert_eq!(
            state.next(job, || 0.0).fault,
            Some(FaultKind::BatchCreateHang)
        );
        assert_eq!(
            state.next(job, || 0.0).fault,
            None,
            "500 is not a job fault"
        );
        assert_eq!(FaultKind::BatchJobFail.as_str(), "batch-job-fail");
    }

    #[test]
    fn a_priority_downgrade_combines_with_an_answer() {
        let priority = Draw {
            interactions: true,
            tier: Tier::Priority,
            ..Draw::default()
        };
        let mut state = FaultState::new(FaultSpec::parse("priority-downgrade,500:1").unwrap());
        let first = state.next(priority, || 0.0);
        assert!(first.downgrade);
        assert_eq!(first.fault, Some(FaultKind::Internal));
        let standard = state.next(Draw::default(), || 0.0);
        assert!(!standard.downgrade, "only priority requests are downgraded");
    }
}
