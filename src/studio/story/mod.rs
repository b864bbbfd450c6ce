//! Storyboards (`peel story`): ordered frames sharing anchors, each frame carrying the
//! previous frame's final image as a labelled reference. A story is a run on the store's
//! queue with lane `story`: the interactive lane sends its frames one at a time, in order,
//! and starts none after a frame that failed, so it resumes like any run
//! (`peel batch resume`). Its folder `story_<name>_<stamp>/` holds `NN_<key>` frames with
//! sidecars, `manifest.json`, `story.json` and `sheet.png` (written by `batch::story_sheet` when the run ends).

mod file;
mod reroll;

#[cfg(test)]
mod tests;

pub use file::{MAX_FRAMES, is_story_file, load};
pub use reroll::{Reroll, latest_run, reroll};

use std::path::{Path, PathBuf};

use crate::store::{LANE_STORY, RunId, Store};
use crate::studio::StudioError;
use crate::studio::batch::Batch;
use crate::studio::batch::lookup::{LookupError, load_checked_with};
use crate::studio::batch::queue::{make_named_run_dir, record_run};
use crate::studio::output::slug;
use crate::studio::workspace::Workspace;

/// Loads a story file with the same checks as a batch file.
pub fn load_checked(ws: &Workspace, file: &Path) -> Result<Batch, LookupError> {
    load_checked_with(ws, file, load)
}

/// Records a validated story as a new run in a fresh `parent/story_<name>_<stamp>/`.
pub fn create(
    store: &Store,
    story: &Batch,
    parent: &Path,
) -> Result<(RunId, PathBuf), StudioError> {
    let name = story
        .path
        .file_stem()
        .map(|s| slug(&s.to_string_lossy()))
        .unwrap_or_else(|| "story".into());
    let dir = make_named_run_dir(parent, &format!("story_{name}"))?;
    record_run(store, story, dir, LANE_STORY, "running", None)
}
