//! What a client attaches to one tool call: a progress token (progress notifications go
//! back, a few a second) and the right to cancel it with `notifications/cancelled`.
//!
//! Only an explicit cancel stops work: rmcp also cancels a call's own token when the client
//! disconnects, and a dropped connection is not a decision to cancel, so calls are stopped
//! through tokens of our own, fired from `on_cancelled`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::RoleServer;
use rmcp::model::{ProgressNotificationParam, ProgressToken, RequestId};
use rmcp::service::{Peer, RequestContext};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::store::Store;
use crate::studio::StudioEvent;
use crate::studio::batch::interactive::BatchEvent;

/// The least time between two progress notifications (a final one always goes).
const PROGRESS_GAP: Duration = Duration::from_millis(250);

/// The calls of one MCP session that can still be cancelled, by request id.
#[derive(Clone, Default)]
pub struct Cancels {
    calls: Arc<Mutex<HashMap<RequestId, CancellationToken>>>,
}

impl Cancels {
    /// Fires the token of call `id`, if it is still running.
    pub fn cancel(&self, id: &RequestId) {
        if let Some(token) = lock(&self.calls).get(id) {
            tracing::info!("the client cancelled call {id}");
            token.cancel();
        }
    }

    /// Registers call `id`; the token is fired only by an explicit cancel.
    fn register(&self, id: RequestId) -> CancellationToken {
        let token = CancellationToken::new();
        lock(&self.calls).insert(id, token.clone());
        token
    }

    fn forget(&self, id: &RequestId) {
        lock(&self.calls).remove(id);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// One running tool call: its cancel token and its progress channel.
pub struct Call {
    id: RequestId,
    cancels: Cancels,
    /// Fired when the client cancels this call.
    pub cancelled: CancellationToken,
    progress: Progress,
}

impl Call {
    /// Starts tracking the call `context` describes.
    pub fn begin(cancels: &Cancels, context: &RequestContext<RoleServer>) -> Self {
        let id = context.id.clone();
        let (cancelled, progress) = if let Some(task) = context.extensions.get::<TaskSink>() {
            // A task's own token stops it; its progress goes to the task, not the client.
            (
                task.cancel.clone(),
                Progress::to(Target::Task(task.clone())),
            )
        } else {
            let progress = match context.meta.get_progress_token() {
                Some(token) => Progress::to(Target::Client(context.peer.clone(), token)),
                None => Progress::none(),
            };
            (cancels.register(id.clone()), progress)
        };
        Self {
            id,
            cancels: cancels.clone(),
            cancelled,
            progress,
        }
    }

    /// Where this call's progress goes.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.cancels.forget(&self.id);
    }
}

/// A step of progress: out of how much, what is happening, and (for the last) who waits
/// for it to be on its way.
#[derive(Debug)]
struct Step {
    /// Items done, for counted work (else the notifications are numbered).
    at: Option<f64>,
    total: Option<f64>,
    message: String,
    sent: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Where a call's progress goes.
enum Target {
    /// `notifications/progress` to the client, under its token.
    Client(Peer<RoleServer>, ProgressToken),
    /// The status message of a task (`tasks/get` shows it).
    Task(TaskSink),
}

impl Target {
    /// Sends one step; false once the other end is gone.
    async fn deliver(&self, progress: f64, step: Step) -> bool {
        match self {
            Self::Client(peer, token) => {
                let mut param = ProgressNotificationParam::new(token.clone(), progress);
                param.total = step.total;
                param.message = Some(step.message);
                peer.notify_progress(param).await.is_ok()
            }
            Self::Task(sink) => {
                if let Err(e) = sink.store.set_task_message(&sink.id, &step.message) {
                    tracing::warn!("task {}: {e}", sink.id);
                }
                true
            }
        }
    }
}

/// What a tool run as a task carries in its request's extensions: the task's row (its
/// progress becomes the status message) and the token `tasks/cancel` fires.
#[derive(Clone)]
pub struct TaskSink {
    /// The store holding the task.
    pub store: Store,
    /// The task id.
    pub id: String,
    /// Fired by `tasks/cancel`.
    pub cancel: CancellationToken,
}

/// How long the result waits for the last progress notification to go out.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// Sends progress notifications for one call; cheap to clone, a no-op without a token.
#[derive(Clone)]
pub struct Progress {
    steps: Option<mpsc::UnboundedSender<Step>>,
}

impl Progress {
    /// Progress that goes nowhere (the client sent no token).
    pub fn none() -> Self {
        Self { steps: None }
    }

    fn to(target: Target) -> Self {
        let (steps, mut received) = mpsc::unbounded_channel::<Step>();
        tokio::spawn(async move {
            let mut last_progress = 0.0f64;
            let mut last_sent: Option<Instant> = None;
            while let Some(mut step) = received.recv().await {
                // Keep only the newest step of a burst; the last one always goes.
                while step.sent.is_none()
                    && let Ok(next) = received.try_recv()
                {
                    step = next;
                }
                if step.sent.is_none()
                    && let Some(at) = last_sent
                {
                    let wait = PROGRESS_GAP.saturating_sub(at.elapsed());
                    tokio::time::sleep(wait).await;
                    while step.sent.is_none()
                        && let Ok(next) = received.try_recv()
                    {
                        step = next;
                    }
                }
                let done = step.sent.take();
                // Progress only ever goes up, as the protocol asks.
                let progress = step.at.unwrap_or(last_progress + 1.0);
                if progress <= last_progress {
                    continue;
                }
                last_progress = progress;
                let delivered = target.deliver(progress, step).await;
                if let Some(done) = done {
                    let _ = done.send(());
                }
                if !delivered {
                    break;
                }
                last_sent = Some(Instant::now());
            }
        });
        Self { steps: Some(steps) }
    }

    /// Reports `message`; `total` when the work has a known size.
    pub fn say(&self, message: impl Into<String>, total: Option<f64>) {
        if let Some(steps) = &self.steps {
            let _ = steps.send(Step {
                at: None,
                total,
                message: message.into(),
                sent: None,
            });
        }
    }

    /// Reports `message` for counted work: `at` of `total` done.
    pub fn say_at(&self, message: impl Into<String>, at: f64, total: f64) {
        if let Some(steps) = &self.steps {
            let _ = steps.send(Step {
                at: Some(at),
                total: Some(total),
                message: message.into(),
                sent: None,
            });
        }
    }

    /// Reports the end of the work and waits (briefly) until every notification is on its
    /// way, so none arrives after the result.
    pub async fn finish(&self, message: impl Into<String>) {
        let Some(steps) = &self.steps else { return };
        let (sent, on_its_way) = tokio::sync::oneshot::channel();
        let step = Step {
            at: None,
            total: None,
            message: message.into(),
            sent: Some(sent),
        };
        if steps.send(step).is_ok() {
            let _ = tokio::time::timeout(FLUSH_WAIT, on_its_way).await;
        }
    }

    /// What an image job's event says, if it is worth a notification.
    pub fn image_event(&self, event: &StudioEvent) {
        let message = match event {
            StudioEvent::Sending { id, attempt: 1 } => format!("job {id}: sent"),
            StudioEvent::Sending { id, attempt } => format!("job {id}: attempt {attempt}"),
            StudioEvent::Retrying { id, reason, .. } => format!("job {id}: retrying ({reason})"),
            StudioEvent::Thinking {
                id,
                headline: Some(headline),
                ..
            } => format!("job {id}: {headline}"),
            StudioEvent::Thinking {
                id, image: Some(_), ..
            } => format!("job {id}: an interim draft arrived"),
            StudioEvent::Done { id, outputs, .. } => {
                format!("job {id}: {} image(s) saved", outputs.len())
            }
            StudioEvent::Failed { id, error, .. } => format!("job {id}: failed: {error}"),
            StudioEvent::Cancelled { id } => format!("job {id}: cancelled"),
            _ => return,
        };
        self.say(message, None);
    }
}

/// Items done out of the run's total, and the cost so far, for a batch or story's progress.
#[derive(Debug, Default)]
pub struct Tally {
    total: usize,
    done: usize,
    failed: usize,
    spent_usd: f64,
}

impl Progress {
    /// Reports a batch or story item's end as "done / total" with the cost so far.
    pub fn batch_event(&self, tally: &mut Tally, event: &BatchEvent) {
        match event {
            BatchEvent::Started {
                total,
                done,
                spent_usd,
                ..
            } => {
                tally.total = *total;
                tally.done = *done;
                tally.spent_usd = *spent_usd;
                return;
            }
            BatchEvent::ItemDone { cost_usd, .. } => {
                tally.done += 1;
                tally.spent_usd += cost_usd;
            }
            BatchEvent::ItemFailed { .. } => tally.failed += 1,
            _ => return,
        }
        let failed = if tally.failed > 0 {
            format!(", {} failed", tally.failed)
        } else {
            String::new()
        };
        let message = format!(
            "{} of {} done{failed} · ${:.3} so far",
            tally.done, tally.total, tally.spent_usd
        );
        self.say_at(
            message,
            (tally.done + tally.failed) as f64,
            tally.total as f64,
        );
    }
}
