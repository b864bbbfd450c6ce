//! The SQLite store (WAL): jobs, sessions, uploads and the roster.

mod batches;
mod carriers;
mod checks;
mod jobs;
mod mcp_tasks;
mod orphans;
mod outputs;
pub mod owner;
mod pricing;
mod roster;
mod schema;
pub mod session_types;
mod sessions;
mod transports;
mod uploads;
mod vertex_batches;
mod watch;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;
use thiserror::Error;

pub use batches::{ItemRow, ItemState, ItemUpdate, LANE_STORY, NewRun, RunId, RunRow};
pub use carriers::Carrier;
pub use checks::CheckId;
pub use jobs::{JobFilter, JobRecord, JobRow, JobUpdate};
pub use mcp_tasks::{TaskEnd, TaskRow};
pub use orphans::{Orphan, SentWith};
pub use outputs::{OutputCursor, OutputPage, OutputRef};
pub use roster::{AnchorRecord, AnchorRow, AnchorWriteError};
pub use sessions::{NewTurn, SessionSummary};
pub use transports::ModelTransport;
pub use uploads::UploadRow;
pub use vertex_batches::VertexBatchRow;
pub use watch::JobWatch;

/// A store failure.
#[derive(Debug, Error, Clone, PartialEq)]
#[error(
    "store {path}: {message}. If the file is damaged, move it aside and peel will start a new one."
)]
pub struct StoreError {
    /// The database file.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// A handle to the store; cheap to clone, safe to share across tasks.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating and migrating as needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let label = path.display().to_string();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| StoreError {
                path: label.clone(),
                message: e.to_string(),
            })?;
        }
        let conn = Connection::open(path).map_err(|e| StoreError {
            path: label.clone(),
            message: e.to_string(),
        })?;
        Self::init(conn, label)
    }

    /// An in-memory store for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|e| StoreError {
            path: ":memory:".into(),
            message: e.to_string(),
        })?;
        Self::init(conn, ":memory:".into())
    }

    fn init(mut conn: Connection, path: String) -> Result<Self, StoreError> {
        let wrap = |e: rusqlite::Error| StoreError {
            path: path.clone(),
            message: e.to_string(),
        };
        // The busy timeout first: two processes opening a new store at once wait for each
        // other's journal switch and migrations instead of failing.
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(wrap)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(wrap)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(wrap)?;
        schema::migrate(&mut conn).map_err(wrap)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// Where session images are kept: `blobs/` beside the database.
    pub fn blob_dir(&self) -> std::path::PathBuf {
        match Path::new(&self.path).parent() {
            Some(dir) if self.path != ":memory:" => dir.join("blobs"),
            _ => std::env::temp_dir().join(format!("peel-blobs-{}", std::process::id())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn error(&self, e: rusqlite::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }
}
