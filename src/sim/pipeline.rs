//! One generate request, in two halves. `admit` is what the service checks at the door:
//! the model (404, also for one shut down today), the rate limit (429), the body (strict
//! schema, capabilities, signatures), the service tier against the model, and the faults
//! that refuse a request before any work (`payment_required`, `quota_exceeded`, …); a
//! priority request may be downgraded here. `serve` is the work: flex latency, the faults
//! that strike a running request (500, 503, `shed`, …), the deadline, and the rendering.
//! generateContent and the OpenAI paths run both at once; the Interactions API admits a
//! create before answering it, so a background or streamed create is refused with an HTTP
//! error while a failure during the run ends the interaction `failed`.

use std::time::{Duration, Instant};

use super::errors::SimError;
use super::fault_errors::{self, Site};
use super::faults::{Draw, FaultKind, FaultOutcome};
use super::generate::{Dialect, find_model, parse_body, prepare_in, render};
use super::request::GenRequest;
use super::{Latency, SimState, response, tiers};
use crate::models::{ModelSpec, Tier};

/// One generate request as `admit` takes it.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The API it came in on.
    pub dialect: &'a Dialect,
    /// API version in the path.
    pub version: &'a str,
    /// Model id or alias.
    pub model: &'a str,
    /// Method name for 404 messages.
    pub method: &'a str,
    /// How many images to make, instead of what the prompt asks for.
    pub image_count: Option<u32>,
    /// The client's `X-Server-Timeout`: answer 504 when the work would take longer.
    pub deadline: Option<Duration>,
    /// True when it came in on the Interactions API (which faults apply, how they word).
    pub interactions: bool,
}

/// What a generate request produced, before it is framed for the wire.
#[derive(Debug)]
pub enum Generated {
    /// A whole generateContent answer.
    Answer(serde_json::Value),
    /// The `html` fault: a 502 HTML page.
    Html,
    /// The `truncated` fault: this answer, cut off midway.
    Truncated(serde_json::Value),
}

/// A request the service took in, with everything decided at the door.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The model serving it (with the output type it answers in).
    pub spec: ModelSpec,
    /// The request as the renderer reads it.
    pub req: GenRequest,
    /// The tier it is served at (a downgraded priority request: standard).
    pub tier: Tier,
    dialect: Dialect,
    version: String,
    method: String,
    interactions: bool,
    outcome: FaultOutcome,
    started: Instant,
    delay: Duration,
    deadline: Option<Duration>,
}

/// Runs one generate request through admission and the work.
pub async fn run(state: &SimState, job: &Job<'_>, body: &[u8]) -> Result<Generated, SimError> {
    let admitted = admit(state, job, body, None).await?;
    serve(admitted).await
}

/// The checks at the door; an error is the answer to send (after its delay).
/// `output_mime` renders that type instead of the model's own (the Interactions API
/// answers JPEG).
pub async fn admit(
    state: &SimState,
    job: &Job<'_>,
    body: &[u8],
    output_mime: Option<&str>,
) -> Result<Admitted, SimError> {
    let started = Instant::now();
    let found = find_model(state, job.model, job.version, job.method)?;
    let spec = match output_mime {
        Some(mime) => ModelSpec {
            output_mime: mime.to_string(),
            ..found.clone()
        },
        None => found.clone(),
    };
    if let Some(limiter) = &state.limiter {
        let verdict = limiter
            .lock()
            .map_err(|_| SimError::internal())?
            .admit(Instant::now());
        if let Err(wait) = verdict {
            let limit = state.config.rpm.unwrap_or(0);
            return Err(SimError::rate_limited(&spec.id, limit, wait.as_secs_f64()));
        }
    }
    let value = parse_body(body)?;
    let mut req = prepare_in(state, job.dialect, job.version, &spec, &value)?;
    if let Some(count) = job.image_count {
        req.image_count = count;
    }
    let asked = tiers::of_generate(&value, &spec)?;
    let draw = Draw {
        interactions: job.interactions,
        tier: asked,
        batch_job: false,
    };
    let outcome = state
        .faults
        .lock()
        .map_err(|_| SimError::internal())?
        .next(draw, rand::random::<f64>);
    let tier = if outcome.downgrade {
        Tier::Standard
    } else {
        asked
    };
    let errs = outcome.fault.is_some_and(is_error_fault);
    let mut delay = match state.config.latency {
        Latency::Fixed(d) => d,
        Latency::Realistic if errs => Duration::from_millis(rand::random_range(100..400)),
        Latency::Realistic if req.think_hard => realistic(req.width, req.height).mul_f64(1.5),
        Latency::Realistic => realistic(req.width, req.height),
    };
    if tier == Tier::Flex && !errs {
        delay += state.config.flex_latency;
    }
    if outcome.slow {
        delay += state.config.slow_delay;
    }
    let admitted = Admitted {
        spec,
        req,
        tier,
        dialect: job.dialect.clone(),
        version: job.version.to_string(),
        method: job.method.to_string(),
        interactions: job.interactions,
        outcome,
        started,
        delay,
        deadline: job.deadline,
    };
    if let Some(kind) = outcome.fault.filter(|k| at_admission(*k))
        && let Some(error) = fault_errors::error_for(kind, &admitted.site())
    {
        sleep_until(started, delay).await;
        return Err(error);
    }
    Ok(admitted)
}

/// The work on an admitted request: its latency, the faults that strike while it runs,
/// the client's deadline and the rendering.
pub async fn serve(admitted: Admitted) -> Result<Generated, SimError> {
    let Admitted {
        ref spec,
        ref req,
        outcome,
        started,
        delay,
        ..
    } = admitted;
    if let Some(deadline) = admitted.deadline
        && delay > deadline
    {
        sleep_until(started, deadline).await;
        return Err(SimError::new(
            504,
            "DEADLINE_EXCEEDED",
            "Deadline expired before operation could complete.",
        ));
    }
    if let Some(error) = outcome
        .fault
        .and_then(|k| fault_errors::error_for(k, &admitted.site()))
    {
        sleep_until(started, delay).await;
        return Err(error);
    }
    if outcome.fault == Some(FaultKind::Html) {
        sleep_until(started, delay).await;
        return Ok(Generated::Html);
    }
    let content_fault = outcome.fault.filter(|k| {
        matches!(
            k,
            FaultKind::ImageSafety | FaultKind::PromptBlocked | FaultKind::NoImage
        )
    });
    let rendered = match content_fault {
        Some(_) => None,
        None => Some(render(req, spec).await?),
    };
    let mut answer = response::build(req, spec, rendered.as_ref(), content_fault);
    if matches!(admitted.dialect, Dialect::Vertex { .. }) && answer["usageMetadata"].is_object() {
        answer["usageMetadata"]["trafficType"] = tiers::traffic_type(admitted.tier).into();
    }
    sleep_until(started, delay).await;
    if outcome.fault == Some(FaultKind::Truncated) {
        return Ok(Generated::Truncated(answer));
    }
    Ok(Generated::Answer(answer))
}

impl Admitted {
    fn site(&self) -> Site<'_> {
        Site {
            dialect: &self.dialect,
            interactions: self.interactions,
            model: &self.spec.id,
            version: &self.version,
            method: &self.method,
        }
    }
}

/// Faults that answer with an error (and so take an error's short latency).
fn is_error_fault(kind: FaultKind) -> bool {
    matches!(
        kind,
        FaultKind::RateLimit
            | FaultKind::FreeTier
            | FaultKind::Internal
            | FaultKind::Unavailable
            | FaultKind::Html
            | FaultKind::Shed
            | FaultKind::Api(_)
    )
}

/// Faults the service answers at the door, before any work.
fn at_admission(kind: FaultKind) -> bool {
    match kind {
        FaultKind::RateLimit | FaultKind::FreeTier => true,
        FaultKind::Api(code) => code.at_admission(),
        _ => false,
    }
}

async fn sleep_until(started: Instant, delay: Duration) {
    let left = delay.saturating_sub(started.elapsed());
    if !left.is_zero() {
        tokio::time::sleep(left).await;
    }
}

/// A realistic answer time for an image of this many pixels.
pub fn realistic(width: u32, height: u32) -> Duration {
    let megapixels = width as f64 * height as f64 / 1e6;
    let (lo, hi) = if megapixels <= 0.4 {
        (0.5, 1.5)
    } else if megapixels <= 1.8 {
        (1.0, 3.0)
    } else if megapixels <= 6.0 {
        (2.0, 5.0)
    } else {
        (3.0, 7.0)
    };
    Duration::from_secs_f64(lo + (hi - lo) * rand::random::<f64>())
}
