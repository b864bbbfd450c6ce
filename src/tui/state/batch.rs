//! A batch run started from the workbench: the form that plans it, and the run's progress
//! (its items appear in the Jobs pane like any other job, tagged with their key).

use std::path::PathBuf;

use super::input::LineInput;
use crate::studio::batch::BatchPlan;
use crate::studio::batch::interactive::{BatchEvent, RunSummary};
use crate::tui::strings;

/// The "run a batch file" form.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchForm {
    /// The file's path.
    pub path: LineInput,
    /// The plan of the file as last checked (None until checked, or after an edit).
    pub plan: Option<BatchPlan>,
    /// Why the file was refused (the validator's message, naming file, line and field).
    pub error: Option<String>,
    /// Waiting for the check.
    pub checking: bool,
    /// The user's home folder, for `~/`.
    pub home: Option<PathBuf>,
}

impl BatchForm {
    /// A form holding `path`.
    pub fn new(path: &str, home: Option<PathBuf>) -> Self {
        Self {
            path: LineInput::new(path),
            home,
            ..Self::default()
        }
    }

    /// The path typed, with `~/` expanded.
    pub fn file(&self) -> PathBuf {
        let text = self.path.text().trim();
        match (text.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => PathBuf::from(text),
        }
    }
}

/// The run in progress (or the last one).
#[derive(Debug, Clone, PartialEq)]
pub struct BatchProgress {
    /// Run id (for `peel batch resume`).
    pub run: i64,
    /// Output folder.
    pub dir: PathBuf,
    /// Items in the run.
    pub total: usize,
    /// Items saved.
    pub done: usize,
    /// Items failed for good.
    pub failed: usize,
    /// Spent so far, USD.
    pub spent_usd: f64,
    /// How it ended, once it has.
    pub ended: Option<String>,
}

impl BatchProgress {
    /// True while items may still finish.
    pub fn running(&self) -> bool {
        self.ended.is_none()
    }

    /// "batch 7 · 34/200 · 2 failed · $1.23".
    pub fn badge(&self) -> String {
        strings::batch::badge(
            self.run,
            (self.done, self.total, self.failed),
            self.spent_usd,
            self.ended.as_deref(),
        )
    }

    /// Applies a lane event; returns the job to tag with an item key, if it names one.
    pub fn apply(&mut self, event: &BatchEvent) -> Option<(i64, String)> {
        match event {
            BatchEvent::Started {
                run,
                dir,
                total,
                done,
                spent_usd,
                ..
            } => {
                *self = Self {
                    run: *run,
                    dir: dir.clone(),
                    total: *total,
                    done: *done,
                    failed: 0,
                    spent_usd: *spent_usd,
                    ended: None,
                };
            }
            BatchEvent::ItemStarted { index, key, job } => {
                return Some((*job, strings::batch::item_tag(index, key)));
            }
            BatchEvent::ItemDone { cost_usd, .. } => {
                self.done += 1;
                self.spent_usd += cost_usd;
            }
            BatchEvent::ItemFailed { .. } => self.failed += 1,
            BatchEvent::ItemRetrying { .. }
            | BatchEvent::BudgetReached { .. }
            | BatchEvent::Stopped { .. }
            | BatchEvent::Notice { .. } => {}
        }
        None
    }

    /// Records how the run ended.
    pub fn finish(&mut self, summary: &RunSummary) {
        self.done = summary.done;
        self.failed = summary.failed;
        self.spent_usd = summary.spent_usd;
        self.ended = Some(match &summary.stop_reason {
            Some(reason) => strings::batch::ended(&summary.state, reason),
            None => summary.state.clone(),
        });
    }

    /// A progress holder before the lane's first event.
    pub fn starting() -> Self {
        Self {
            run: 0,
            dir: PathBuf::new(),
            total: 0,
            done: 0,
            failed: 0,
            spent_usd: 0.0,
            ended: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::studio::StudioError;

    #[test]
    fn a_typed_path_expands_the_home_handed_in() {
        let form = BatchForm::new("~/runs/b.toml", Some(PathBuf::from("/home/mira")));
        assert_eq!(form.file(), PathBuf::from("/home/mira/runs/b.toml"));
        let homeless = BatchForm::new("~/runs/b.toml", None);
        assert_eq!(homeless.file(), PathBuf::from("~/runs/b.toml"));
        let plain = BatchForm::new(" b.toml ", Some(PathBuf::from("/home/mira")));
        assert_eq!(plain.file(), PathBuf::from("b.toml"));
    }

    #[test]
    fn progress_counts_items_and_tags_jobs() {
        let mut p = BatchProgress::starting();
        p.apply(&BatchEvent::Started {
            run: 7,
            dir: "/out/batch_1".into(),
            total: 3,
            done: 1,
            recovered: 0,
            spent_usd: 0.1,
        });
        let tag = p.apply(&BatchEvent::ItemStarted {
            index: 2,
            key: "fox".into(),
            job: 40,
        });
        assert_eq!(tag, Some((40, "2·fox".into())));
        p.apply(&BatchEvent::ItemDone {
            index: 2,
            key: "fox".into(),
            files: vec![],
            cost_usd: 0.2,
        });
        p.apply(&BatchEvent::ItemFailed {
            index: 3,
            key: "cat".into(),
            error: StudioError::Busy("x".into()),
        });
        assert_eq!((p.done, p.failed), (2, 1));
        assert!(p.running());
        assert_eq!(p.badge(), "batch 7 · 2/3 · 1 failed · $0.30");
    }
}
