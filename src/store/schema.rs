//! Schema migrations, applied in order and tracked in `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

/// Each entry moves the schema one version forward.
const MIGRATIONS: &[&str] = &[
    // 1: jobs
    "CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        state TEXT NOT NULL,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        aspect TEXT,
        size TEXT,
        seed INTEGER,
        request_json TEXT NOT NULL,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        cost_usd REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_kind TEXT,
        error_message TEXT,
        response_id TEXT,
        elapsed_ms INTEGER
    );
    CREATE INDEX jobs_created ON jobs(created_at);",
    // 2: sessions and turns
    "CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        title TEXT NOT NULL,
        model TEXT NOT NULL,
        head_turn INTEGER
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES turns(id),
        created_at TEXT NOT NULL,
        instruction TEXT NOT NULL,
        user_json TEXT NOT NULL,
        model_json TEXT NOT NULL,
        outputs_json TEXT NOT NULL DEFAULT '[]',
        job_id INTEGER
    );
    CREATE INDEX turns_session ON turns(session_id);
    CREATE TABLE uploads (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        uri TEXT NOT NULL,
        mime TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );",
    // 3: anchors (the roster)
    "CREATE TABLE anchors (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        kind TEXT NOT NULL CHECK (kind IN ('character', 'object')),
        description TEXT NOT NULL DEFAULT '',
        refs_json TEXT NOT NULL DEFAULT '[]',
        in_shot INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL
    );",
    // 4: batch runs (both lanes) and their items: the crash-safe queue
    "CREATE TABLE batch_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        lane TEXT NOT NULL,
        state TEXT NOT NULL,
        stop_reason TEXT,
        source TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        budget_usd REAL,
        remote_name TEXT UNIQUE,
        remote_state TEXT,
        input_mode TEXT
    );
    CREATE TABLE batch_items (
        run_id INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        key TEXT NOT NULL,
        item_json TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        job_id INTEGER,
        files_json TEXT NOT NULL DEFAULT '[]',
        cost_usd REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        error_kind TEXT,
        error_message TEXT,
        updated_at TEXT,
        PRIMARY KEY (run_id, idx)
    );",
    // 5: interactions: per-model transport and background memory; interaction ids
    "CREATE TABLE model_transports (
        model TEXT PRIMARY KEY,
        generate_content_reason TEXT,
        no_background_reason TEXT,
        updated_at TEXT NOT NULL
    );
    ALTER TABLE turns ADD COLUMN interaction_id TEXT;
    ALTER TABLE jobs ADD COLUMN interaction_id TEXT;",
    // 6: job owners (pid + process start time) and a change counter the live Jobs pane reads
    "ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
    ALTER TABLE jobs ADD COLUMN owner_start INTEGER;
    ALTER TABLE jobs ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX jobs_rev ON jobs(rev);",
    // 7: indexes for stores of 100,000 jobs and 50,000-item runs: the unfinished jobs every
    // start and collect reads, and a run's counts by state
    "CREATE INDEX jobs_unfinished ON jobs(state) WHERE state IN ('queued', 'sending');
    CREATE INDEX batch_items_state ON batch_items(run_id, state);",
    // 8: where a job's images go, so a process other than its sender can collect them
    "ALTER TABLE jobs ADD COLUMN landing TEXT;",
    // 9: consistency checks: each question to a text model, recorded before it is sent
    "CREATE TABLE checks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        image TEXT NOT NULL,
        anchor TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        score INTEGER,
        note TEXT,
        cost_usd REAL NOT NULL DEFAULT 0,
        error TEXT
    );
    CREATE INDEX checks_image ON checks(image);",
    // 10: how a job was priced and who answered: the tier that served it, whether its cost
    // is the simulator's notional price, the backend it was sent to
    "ALTER TABLE jobs ADD COLUMN tier TEXT;
    ALTER TABLE jobs ADD COLUMN cost_simulated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE jobs ADD COLUMN backend TEXT;",
    // 11 (anchors in shot by name): `in_shot` now means pinned by the user; adding an anchor
    // used to set it on every row, so every existing anchor starts unpinned (in shot only
    // where a prompt names it).
    "UPDATE anchors SET in_shot = 0;",
    // 12: durable hand-offs. What a job was sent with (backend, base URL, transport), so
    // collection asks that service; turns numbered from 1 within their session; detached
    // peel processes carrying work after their parent returned the shell.
    "ALTER TABLE jobs ADD COLUMN sent_backend TEXT;
    ALTER TABLE jobs ADD COLUMN sent_base_url TEXT;
    ALTER TABLE jobs ADD COLUMN sent_transport TEXT;
    ALTER TABLE turns ADD COLUMN number INTEGER;
    UPDATE turns SET number = (SELECT COUNT(*) FROM turns t
        WHERE t.session_id = turns.session_id AND t.id <= turns.id);
    CREATE UNIQUE INDEX turns_number ON turns(session_id, number);
    CREATE TABLE carriers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        pid INTEGER NOT NULL,
        started INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        what TEXT NOT NULL,
        finished_at TEXT,
        exit_code INTEGER
    );",
    // 13: MCP tasks (long tool calls a client polls), kept so they outlive the client's
    // connection and the server.
    "CREATE TABLE mcp_tasks (
        id TEXT PRIMARY KEY,
        tool TEXT NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT,
        payload_json TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        owner_pid INTEGER,
        owner_start INTEGER
    );",
    // 14: Vertex AI batch prediction runs: each step recorded before it is taken, so a
    // killed submit resumes without a second upload or a second job.
    "CREATE TABLE vertex_batches (
        run_id INTEGER PRIMARY KEY REFERENCES batch_runs(id) ON DELETE CASCADE,
        token TEXT NOT NULL,
        model TEXT NOT NULL,
        bucket TEXT NOT NULL,
        prefix TEXT NOT NULL,
        input_size INTEGER,
        input_crc32c TEXT,
        upload_session TEXT,
        uploaded INTEGER NOT NULL DEFAULT 0,
        create_sent_at TEXT,
        job_name TEXT,
        output_dir TEXT,
        fetched_json TEXT NOT NULL DEFAULT '[]'
    );",
];

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    // Each step reads the version inside a write transaction, so two processes creating
    // the same new store apply every migration once between them.
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let Some(sql) = MIGRATIONS.get(current.max(0) as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", current.max(0) + 1)?;
        tx.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }

    fn plan(conn: &Connection, sql: &str) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    }

    #[test]
    fn the_queries_that_grow_with_the_store_use_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let unfinished = plan(
            &conn,
            "SELECT id FROM jobs WHERE state IN ('queued', 'sending')",
        );
        assert!(unfinished.contains("jobs_unfinished"), "{unfinished}");
        let collect = plan(
            &conn,
            "SELECT id FROM jobs WHERE interaction_id IS NOT NULL AND state IN ('queued', 'sending') ORDER BY id",
        );
        assert!(collect.contains("jobs_unfinished"), "{collect}");
        let history = plan(&conn, "SELECT id FROM jobs ORDER BY id DESC LIMIT 50");
        assert!(!history.contains("TEMP B-TREE"), "{history}");
        let changed = plan(
            &conn,
            "SELECT id FROM jobs WHERE rev > 5 ORDER BY rev LIMIT 50",
        );
        assert!(changed.contains("jobs_rev"), "{changed}");
        let done = plan(
            &conn,
            "SELECT COUNT(*) FROM batch_items WHERE run_id = 1 AND state = 'done'",
        );
        assert!(done.contains("batch_items_state"), "{done}");
    }

    #[test]
    fn migration_12_numbers_existing_turns_within_their_sessions() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..11] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 11).unwrap();
        conn.execute_batch(
            "INSERT INTO sessions (id, created_at, title, model) VALUES ('a', 't', 'a', 'm'), ('b', 't', 'b', 'm');
             INSERT INTO turns (session_id, created_at, instruction, user_json, model_json) VALUES
               ('a', 't', 'a1', '{}', '{}'), ('b', 't', 'b1', '{}', '{}'),
               ('a', 't', 'a2', '{}', '{}'), ('b', 't', 'b2', '{}', '{}'), ('b', 't', 'b3', '{}', '{}');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT instruction, number FROM turns ORDER BY id")
            .unwrap();
        let numbers: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want = [("a1", 1), ("b1", 1), ("a2", 2), ("b2", 2), ("b3", 3)];
        assert_eq!(
            numbers,
            want.iter()
                .map(|(i, n)| (i.to_string(), *n))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn anchors_stored_before_pinning_existed_migrate_unpinned() {
        let mut conn = Connection::open_in_memory().unwrap();
        let pinning = MIGRATIONS
            .iter()
            .position(|m| m.starts_with("UPDATE anchors SET in_shot = 0"))
            .unwrap();
        for sql in &MIGRATIONS[..pinning] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", pinning as i64)
            .unwrap();
        conn.execute(
            "INSERT INTO anchors (name, kind, description, refs_json, in_shot, created_at)
             VALUES ('Mira', 'character', '', '[]', 1, '2026-01-01T00:00:00Z')",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let pinned: bool = conn
            .query_row("SELECT in_shot FROM anchors WHERE name = 'Mira'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(!pinned, "an anchor added before pinning is unpinned");
        // Pinning afterwards holds: the migration ran once.
        conn.execute("UPDATE anchors SET in_shot = 1", []).unwrap();
        migrate(&mut conn).unwrap();
        let pinned: bool = conn
            .query_row("SELECT in_shot FROM anchors", [], |r| r.get(0))
            .unwrap();
        assert!(pinned);
    }

    #[test]
    fn processes_creating_one_new_store_at_once_all_open_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("peel.db");
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || crate::store::Store::open(&path).map(|_| ()))
            })
            .collect();
        for opener in openers {
            opener
                .join()
                .unwrap()
                .expect("every opener sees a whole schema");
        }
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
    }
}
