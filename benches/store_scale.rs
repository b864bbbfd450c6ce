//! The store at the size users reach: 100,000 jobs. Reads that grow with the store must
//! stay flat: a page of `peel history`, a search, the unfinished jobs every start and
//! collect reads, and the live Jobs pane's poll when nothing changed.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use peel::store::{JobFilter, JobRecord, JobUpdate, JobWatch, Store};

const JOBS: usize = 100_000;
/// Jobs left unfinished (the rest are done).
const UNFINISHED: usize = 10;

fn filled_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("peel.db")).expect("store opens");
    for n in 0..JOBS {
        let record = JobRecord {
            prompt: format!("product shot of mug number {n} on a white table"),
            model: "gemini-3.1-flash-image".into(),
            aspect: Some("1:1".into()),
            size: Some("1K".into()),
            seed: Some(n as i64),
            request_json: "{}".into(),
        };
        let id = store.insert_job(&record).expect("job inserted");
        if n < JOBS - UNFINISHED {
            let done = JobUpdate::Done {
                outputs: vec![format!("/out/mug-{n}.jpg")],
                cost_usd: 0.039,
                response_id: None,
                elapsed_ms: 1200,
            };
            store.update_job(id, &done).expect("job updated");
        }
    }
    store
}

fn store_scale(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = filled_store(dir.path());
    let mut group = c.benchmark_group("store_100k_jobs");
    group.bench_function("history_page", |b| {
        let filter = JobFilter {
            search: None,
            limit: 50,
        };
        b.iter(|| black_box(store.jobs(&filter).expect("history")))
    });
    group.bench_function("history_search", |b| {
        let filter = JobFilter {
            search: Some("mug number 4242 ".into()),
            limit: 50,
        };
        b.iter(|| black_box(store.jobs(&filter).expect("search")))
    });
    group.bench_function("unfinished_with_interactions", |b| {
        b.iter(|| black_box(store.jobs_with_interactions().expect("unfinished")))
    });
    group.bench_function("live_poll_idle", |b| {
        let mut watch = JobWatch::open(&store)
            .expect("watch opens")
            .expect("a file store is watchable");
        b.iter(|| black_box(watch.poll().expect("poll")))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = store_scale
}
criterion_main!(benches);
