//! What `peel generate` and `peel edit` say on stderr while jobs run: retries, notices,
//! failures, and (on a terminal only) one line with the model's latest thought headline.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::studio::StudioEvent;

/// Reports engine events for a CLI run.
pub struct JobProgress {
    json: bool,
    many: bool,
    thought: Option<ProgressBar>,
}

impl JobProgress {
    /// `json` keeps stderr to notices and the thought line; `many` prefixes job ids.
    pub fn new(json: bool, many: bool) -> Self {
        Self {
            json,
            many,
            thought: None,
        }
    }

    /// Hears one event.
    pub fn hear(&mut self, event: &StudioEvent) {
        let prefix = if self.many {
            format!("job {}: ", event.job_id())
        } else {
            String::new()
        };
        match event {
            StudioEvent::Thinking {
                headline: Some(headline),
                ..
            } => self.think(&format!("{prefix}thinking: {headline}")),
            StudioEvent::Notice { message, .. } => self.say(&format!("peel: {prefix}{message}")),
            StudioEvent::Retrying {
                delay,
                next_attempt,
                reason,
                ..
            } if !self.json => self.say(&format!(
                "peel: {prefix}retrying in {:.1} s (attempt {next_attempt}) — {reason}",
                delay.as_secs_f64()
            )),
            StudioEvent::Failed { error, .. } => {
                self.end();
                if !self.json {
                    eprintln!("peel: {prefix}failed: {error}");
                }
            }
            StudioEvent::Done { .. } | StudioEvent::Cancelled { .. } => self.end(),
            _ => {}
        }
    }

    fn think(&mut self, text: &str) {
        let line = self.thought.get_or_insert_with(|| {
            let line = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            line.set_style(style);
            line.enable_steady_tick(Duration::from_millis(120));
            line
        });
        line.set_message(text.to_string());
    }

    fn say(&self, text: &str) {
        match &self.thought {
            Some(line) => line.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    fn end(&mut self) {
        if let Some(line) = self.thought.take() {
            line.finish_and_clear();
        }
    }
}

impl Drop for JobProgress {
    fn drop(&mut self) {
        self.end();
    }
}
