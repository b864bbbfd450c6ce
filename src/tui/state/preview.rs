//! The Preview pane: which image is wanted and how far its decoding got. The decoded
//! image itself lives in the view's image slot, never here.

use std::path::PathBuf;

use crate::studio::JobId;

/// Progress of the previewed image.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewStatus {
    /// Nothing to show.
    Empty,
    /// Decoding off the UI task.
    Loading,
    /// Decoded; pixel size.
    Ready { width: u32, height: u32 },
    /// The file could not be read or decoded.
    Failed(String),
}

/// A job's image pinned as "A" for side-by-side compare with the selection ("B").
#[derive(Debug, Clone, PartialEq)]
pub struct Pinned {
    /// The job.
    pub job: JobId,
    /// Its image.
    pub path: PathBuf,
}

/// What the Preview pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewState {
    /// The job whose image is shown.
    pub job: Option<JobId>,
    /// The image file.
    pub path: Option<PathBuf>,
    /// How far loading got.
    pub status: PreviewStatus,
}

impl Default for PreviewState {
    fn default() -> Self {
        Self {
            job: None,
            path: None,
            status: PreviewStatus::Empty,
        }
    }
}

impl PreviewState {
    /// Asks for `path` of `job`; returns true when that is a change (a load must start).
    pub fn want(&mut self, job: Option<JobId>, path: Option<PathBuf>) -> bool {
        self.job = job;
        if self.path == path {
            return false;
        }
        self.status = if path.is_some() {
            PreviewStatus::Loading
        } else {
            PreviewStatus::Empty
        };
        self.path = path;
        true
    }

    /// Records a finished load of `path`; stale results are ignored.
    pub fn loaded(&mut self, path: &PathBuf, result: Result<(u32, u32), String>) -> bool {
        if self.path.as_ref() != Some(path) {
            return false;
        }
        self.status = match result {
            Ok((width, height)) => PreviewStatus::Ready { width, height },
            Err(e) => PreviewStatus::Failed(e),
        };
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_request_wins() {
        let mut p = PreviewState::default();
        assert!(p.want(Some(1), Some("/a.png".into())));
        assert!(!p.want(Some(1), Some("/a.png".into())));
        assert!(p.want(Some(2), Some("/b.png".into())));
        assert!(!p.loaded(&"/a.png".into(), Ok((1, 1))));
        assert_eq!(p.status, PreviewStatus::Loading);
        assert!(p.loaded(&"/b.png".into(), Ok((4, 3))));
        assert_eq!(
            p.status,
            PreviewStatus::Ready {
                width: 4,
                height: 3
            }
        );
    }
}
