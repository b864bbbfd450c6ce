//! Injected faults for generateContent: error answers, broken bodies, slowness and
//! content outcomes, parsed from a spec such as `503:2,slow@0.3,image-safety`.
//!
//! Grammar: comma-separated tokens, each `KIND` (every request), `KIND:N` (only the first
//! N requests that reach it) or `KIND@P` (with probability P, 0 < P ≤ 1). Kinds: `429`,
//! `429-free-tier`, `500`, `503`, `truncated`, `html`, `slow`, `image-safety`,
//! `prompt-blocked`, `no-image`, and the standing `no-background` / `no-interactions` (the
//! Interactions API refuses background runs / every model). Tokens are tried in order and the first that fires decides
//! the answer, so `503:2,500:1` gives 503, 503, 500, then success; `slow` only adds delay
//! and combines with whatever else fires.

use std::fmt;

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
];

impl FaultKind {
    /// The spec token for this kind.
    pub fn as_str(self) -> &'static str {
        KINDS
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(name, _)| *name)
            .unwrap_or("?")
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

/// Faults that describe the service rather than fire on one request.
fn is_standing(kind: FaultKind) -> bool {
    matches!(kind, FaultKind::NoBackground | FaultKind::NoInteractions)
}

fn valid_kinds() -> String {
    let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
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
    let kind = KINDS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, k)| *k)
        .ok_or_else(|| {
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

    /// Decides the faults for the next generate request; `roll` draws a number in [0, 1).
    pub fn next(&mut self, mut roll: impl FnMut() -> f64) -> FaultOutcome {
        let mut outcome = FaultOutcome::default();
        for (fault, reached) in self.spec.faults.iter().zip(self.reached.iter_mut()) {
            if is_standing(fault.kind) {
                continue;
            }
            if outcome.fault.is_some() && fault.kind != FaultKind::Slow {
                continue;
            }
            if fault.kind == FaultKind::Slow && outcome.slow {
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
            if fault.kind == FaultKind::Slow {
                outcome.slow = true;
            } else {
                outcome.fault = Some(fault.kind);
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
        let kinds: Vec<_> = (0..4).map(|_| state.next(|| 0.0).fault).collect();
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
        let hit = state.next(|| 0.2);
        assert_eq!(
            hit,
            FaultOutcome {
                fault: Some(FaultKind::Html),
                slow: true
            }
        );
        let miss = state.next(|| 0.9);
        assert_eq!(miss.fault, None);
        assert!(miss.slow);
    }
}
