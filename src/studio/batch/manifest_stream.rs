//! Rewriting a run's `manifest.json` straight from the store, a page of items at a time:
//! a 50,000-item run's rewrite holds one page in memory, not the run. Review marks already
//! in the file are kept; only marked items are remembered while the file is read.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::manifest::{MANIFEST, Manifest, ManifestItem, ManifestLock, Mark};
use crate::fsio::{OutputError, write_atomic_with};
use crate::store::{RunId, RunRow, Store};
use crate::studio::consistency::Consistency;

/// Items read from the store per page.
const PAGE: usize = 512;

/// What review and checks added to an item, kept when the run rewrites the file.
#[derive(Clone)]
struct Marks {
    mark: Option<Mark>,
    file_marks: BTreeMap<String, Mark>,
    file: Option<String>,
    consistency: Option<Consistency>,
}

/// Writes `dir/manifest.json` for `run` from the store, keeping marks the file holds, under
/// the manifest's lock.
pub fn write_from_store(store: &Store, run: &RunRow, dir: &Path) -> Result<PathBuf, OutputError> {
    let _lock = ManifestLock::acquire(dir)?;
    let path = dir.join(MANIFEST);
    let marks = read_marks(&path);
    let header = Manifest::header(run);
    let body = Streamed {
        header: &header,
        items: Pages {
            store,
            run: run.id,
            marks: &marks,
        },
    };
    write_atomic_with(&path, |out| {
        serde_json::to_writer_pretty(out, &body).map_err(std::io::Error::other)
    })?;
    Ok(path)
}

#[derive(Serialize)]
struct Streamed<'a> {
    #[serde(flatten)]
    header: &'a Manifest,
    items: Pages<'a>,
}

/// The run's items, read from the store page by page while they are written.
struct Pages<'a> {
    store: &'a Store,
    run: i64,
    marks: &'a HashMap<(usize, String), Marks>,
}

impl Serialize for Pages<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        let mut after = 0;
        loop {
            let page = self
                .store
                .batch_items_after(self.run, after, PAGE)
                .map_err(S::Error::custom)?;
            let Some(last) = page.last() else { break };
            after = last.index;
            for row in &page {
                let mut item = ManifestItem::from_row(row);
                if let Some(kept) = self.marks.get(&(item.index, item.key.clone())) {
                    item.mark = kept.mark;
                    item.file_marks = kept.file_marks.clone();
                    if kept.file == item.file {
                        item.consistency = kept.consistency.clone();
                    }
                }
                seq.serialize_element(&item)?;
            }
        }
        seq.end()
    }
}

/// The marks in the manifest at `path` (none when it is missing or unreadable).
fn read_marks(path: &Path) -> HashMap<(usize, String), Marks> {
    let Ok(file) = std::fs::File::open(path) else {
        return HashMap::new();
    };
    serde_json::from_reader::<_, MarksFile>(std::io::BufReader::new(file))
        .map(|f| f.items.0)
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct MarksFile {
    #[serde(default)]
    items: MarkedOnly,
}

#[derive(Deserialize)]
struct MarkEntry {
    index: usize,
    key: String,
    #[serde(default)]
    mark: Option<Mark>,
    #[serde(default)]
    file_marks: BTreeMap<String, Mark>,
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    consistency: Option<Consistency>,
}

/// Only the items that carry a mark, so reading a big unmarked manifest keeps nothing.
#[derive(Default)]
struct MarkedOnly(HashMap<(usize, String), Marks>);

impl<'de> Deserialize<'de> for MarkedOnly {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(MarkedVisitor)
    }
}

struct MarkedVisitor;

impl<'de> Visitor<'de> for MarkedVisitor {
    type Value = MarkedOnly;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of manifest items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MarkedOnly, A::Error> {
        let mut marked = HashMap::new();
        while let Some(entry) = seq.next_element::<MarkEntry>()? {
            if entry.mark.is_some() || !entry.file_marks.is_empty() || entry.consistency.is_some() {
                let kept = Marks {
                    mark: entry.mark,
                    file_marks: entry.file_marks,
                    file: entry.file,
                    consistency: entry.consistency,
                };
                marked.insert((entry.index, entry.key), kept);
            }
        }
        Ok(MarkedOnly(marked))
    }
}

/// Rewrites the manifest from the store, a page at a time; a failure is logged, the store
/// stays the truth.
pub fn write_manifest(store: &Store, run: RunId, dir: &Path) {
    match store.batch_run(run) {
        Ok(Some(row)) => {
            if let Err(e) = write_from_store(store, &row, dir) {
                tracing::error!("writing the manifest of run {run}: {e}");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!("reading run {run}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::{ItemUpdate, NewRun};

    /// More items than one page, so the writer crosses page boundaries.
    const ITEMS: usize = PAGE * 2 + 7;

    #[test]
    fn the_streamed_manifest_is_the_whole_manifest_and_keeps_marks() {
        let store = Store::in_memory().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = store
            .create_batch_run(&NewRun {
                lane: "interactive",
                state: "running",
                source: "b.toml",
                out_dir: &dir.path().display().to_string(),
                budget_usd: None,
                items: (1..=ITEMS)
                    .map(|i| (i, format!("k{i}"), "{}".into()))
                    .collect(),
            })
            .unwrap();
        let file = |i: usize| format!("{i:04}_k{i}.png");
        for i in [1, PAGE, PAGE + 1, ITEMS] {
            let done = ItemUpdate::Done {
                files: vec![file(i)],
                cost_usd: 0.25,
            };
            store.update_batch_item(id, i, &done).unwrap();
        }
        let run = store.batch_run(id).unwrap().unwrap();
        write_from_store(&store, &run, dir.path()).unwrap();
        let marked = Manifest::update(
            dir.path(),
            || unreachable!("the manifest exists"),
            |m| Ok(m.set_mark(&file(PAGE + 1), Some(Mark::Star))),
        )
        .unwrap();
        assert!(marked);

        store
            .update_batch_item(
                id,
                2,
                &ItemUpdate::Done {
                    files: vec![file(2)],
                    cost_usd: 0.5,
                },
            )
            .unwrap();
        let run = store.batch_run(id).unwrap().unwrap();
        write_from_store(&store, &run, dir.path()).unwrap();

        let back = Manifest::read(dir.path()).unwrap();
        let mut expected = Manifest::from_store(&run, &store.batch_items(id).unwrap());
        expected.set_mark(&file(PAGE + 1), Some(Mark::Star));
        assert_eq!(back.items.len(), ITEMS);
        assert_eq!(back, expected);
        assert_eq!(
            back.items[1].status, "done",
            "the second write saw the change"
        );
        assert_eq!(back.items[PAGE].mark, Some(Mark::Star), "the mark survived");
    }
}
