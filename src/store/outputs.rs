//! Saved outputs, one by one: each job's images numbered from 1, newest job first, in pages.

use rusqlite::params;

use super::{Store, StoreError};

/// One saved image: the `n`th output (from 1) of job `job`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputRef {
    /// The job that made it.
    pub job: i64,
    /// Its place among the job's outputs, from 1.
    pub n: usize,
    /// Where it was saved.
    pub path: String,
    /// When the job was created (RFC 3339).
    pub created_at: String,
    /// The job's prompt.
    pub prompt: String,
}

/// Where a page of outputs starts: output `n` of job `job` and everything older.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputCursor {
    /// The job.
    pub job: i64,
    /// The output within it, from 1.
    pub n: usize,
}

impl OutputCursor {
    /// The cursor's text form, `JOB.N`.
    pub fn to_text(self) -> String {
        format!("{}.{}", self.job, self.n)
    }

    /// Reads `JOB.N`; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Self> {
        let (job, n) = text.split_once('.')?;
        Some(Self {
            job: job.parse().ok()?,
            n: n.parse().ok().filter(|n| *n >= 1)?,
        })
    }
}

/// A page of outputs and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputPage {
    /// Newest job first; a job's outputs in order.
    pub outputs: Vec<OutputRef>,
    /// The start of the next page, if there is more.
    pub next: Option<OutputCursor>,
}

impl Store {
    /// Up to `size` outputs from `from` (the newest when `None`), newest job first.
    pub fn output_page(
        &self,
        from: Option<OutputCursor>,
        size: usize,
    ) -> Result<OutputPage, StoreError> {
        let conn = self.lock();
        let below = from.map_or(i64::MAX, |c| c.job);
        // Every job read has at least one output, so `size + 1` jobs fill the page and say
        // whether there is more.
        let mut stmt = conn
            .prepare(
                "SELECT id, outputs_json, created_at, prompt FROM jobs
                 WHERE id <= ?1 AND outputs_json != '[]' ORDER BY id DESC LIMIT ?2",
            )
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map(params![below, (size + 1) as i64], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(|e| self.error(e))?;
        let mut page = OutputPage::default();
        for row in rows {
            let (job, outputs, created_at, prompt) = row.map_err(|e| self.error(e))?;
            let paths: Vec<String> = serde_json::from_str(&outputs).unwrap_or_default();
            let first = from.filter(|c| c.job == job).map_or(1, |c| c.n);
            for (index, path) in paths.into_iter().enumerate() {
                let n = index + 1;
                if n < first {
                    continue;
                }
                if page.outputs.len() == size {
                    page.next = Some(OutputCursor { job, n });
                    return Ok(page);
                }
                page.outputs.push(OutputRef {
                    job,
                    n,
                    path,
                    created_at: created_at.clone(),
                    prompt: prompt.clone(),
                });
            }
        }
        Ok(page)
    }

    /// The `n`th output (from 1) of job `job`, if it has one.
    pub fn output(&self, job: i64, n: usize) -> Result<Option<OutputRef>, StoreError> {
        let Some(row) = self.job(job)? else {
            return Ok(None);
        };
        Ok(n.checked_sub(1)
            .and_then(|i| row.outputs.get(i).cloned())
            .map(|path| OutputRef {
                job,
                n,
                path,
                created_at: row.created_at.clone(),
                prompt: row.prompt.clone(),
            }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{JobRecord, JobUpdate};

    fn job_with(store: &Store, outputs: &[&str]) -> i64 {
        let id = store
            .insert_job(&JobRecord {
                prompt: format!("p{}", outputs.len()),
                model: "m".into(),
                ..JobRecord::default()
            })
            .unwrap();
        if !outputs.is_empty() {
            store
                .update_job(
                    id,
                    &JobUpdate::Done {
                        outputs: outputs.iter().map(|s| s.to_string()).collect(),
                        cost_usd: 0.0,
                        response_id: None,
                        elapsed_ms: 1,
                    },
                )
                .unwrap();
        }
        id
    }

    #[test]
    fn pages_run_newest_job_first_and_split_a_job_where_they_must() {
        let store = Store::in_memory().unwrap();
        let a = job_with(&store, &["a1", "a2", "a3"]);
        job_with(&store, &[]);
        let c = job_with(&store, &["c1", "c2"]);
        let first = store.output_page(None, 3).unwrap();
        let names: Vec<_> = first.outputs.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(names, ["c1", "c2", "a1"]);
        assert_eq!(first.outputs[0].job, c);
        assert_eq!(first.outputs[2].n, 1);
        let next = first.next.unwrap();
        assert_eq!(next, OutputCursor { job: a, n: 2 });
        let cursor = OutputCursor::parse(&next.to_text()).unwrap();
        let second = store.output_page(Some(cursor), 3).unwrap();
        let names: Vec<_> = second.outputs.iter().map(|o| o.path.as_str()).collect();
        assert_eq!(names, ["a2", "a3"]);
        assert_eq!(second.next, None);
    }

    #[test]
    fn one_output_is_found_by_job_and_number_from_one() {
        let store = Store::in_memory().unwrap();
        let a = job_with(&store, &["a1", "a2"]);
        assert_eq!(store.output(a, 2).unwrap().unwrap().path, "a2");
        assert_eq!(store.output(a, 0).unwrap(), None);
        assert_eq!(store.output(a, 3).unwrap(), None);
        assert_eq!(store.output(a + 5, 1).unwrap(), None);
        assert_eq!(OutputCursor::parse("x.1"), None);
        assert_eq!(OutputCursor::parse("4.0"), None);
    }
}
