//! Anchor rows: the roster's characters and objects.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};

/// An anchor as written to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorRecord {
    /// Unique name (case-insensitive).
    pub name: String,
    /// "character" or "object".
    pub kind: String,
    /// Visual identifiers in words.
    pub description: String,
    /// Reference image files.
    pub refs: Vec<PathBuf>,
    /// Pinned in shot by the user (column `in_shot`, kept for older peel versions); an
    /// unpinned anchor is in shot only where a prompt names it.
    pub pinned: bool,
}

/// An anchor as read back, with its row id.
#[derive(Debug, Clone, PartialEq)]
pub struct AnchorRow {
    /// Row id.
    pub id: i64,
    /// The stored fields.
    pub record: AnchorRecord,
}

/// Why an anchor write was refused by the database.
#[derive(Debug, Clone, PartialEq)]
pub enum AnchorWriteError {
    /// Another anchor already has this name.
    DuplicateName,
    /// Anything else.
    Store(StoreError),
}

const SELECT: &str = "SELECT id, name, kind, description, refs_json, in_shot FROM anchors";

impl Store {
    /// Every anchor, oldest first.
    pub fn anchors(&self) -> Result<Vec<AnchorRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("{SELECT} ORDER BY id"))
            .map_err(|e| self.error(e))?;
        let rows = stmt.query_map([], read_row).map_err(|e| self.error(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))
    }

    /// One anchor by name, ignoring case.
    pub fn anchor(&self, name: &str) -> Result<Option<AnchorRow>, StoreError> {
        let conn = self.lock();
        conn.query_row(
            &format!("{SELECT} WHERE name = ?1"),
            params![name],
            read_row,
        )
        .optional()
        .map_err(|e| self.error(e))
    }

    /// Adds an anchor and returns its id.
    pub fn insert_anchor(&self, record: &AnchorRecord) -> Result<i64, AnchorWriteError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO anchors (name, kind, description, refs_json, in_shot, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                record.name,
                record.kind,
                record.description,
                refs_json(&record.refs),
                record.pinned,
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ],
        )
        .map_err(|e| self.write_error(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Replaces the fields of anchor `id`; false when there is no such anchor.
    pub fn update_anchor(&self, id: i64, record: &AnchorRecord) -> Result<bool, AnchorWriteError> {
        let conn = self.lock();
        let changed = conn
            .execute(
                "UPDATE anchors SET name = ?2, kind = ?3, description = ?4, refs_json = ?5, in_shot = ?6
                 WHERE id = ?1",
                params![
                    id,
                    record.name,
                    record.kind,
                    record.description,
                    refs_json(&record.refs),
                    record.pinned
                ],
            )
            .map_err(|e| self.write_error(e))?;
        Ok(changed > 0)
    }

    /// Deletes an anchor by name; false when there was none.
    pub fn delete_anchor(&self, name: &str) -> Result<bool, StoreError> {
        let conn = self.lock();
        let changed = conn
            .execute("DELETE FROM anchors WHERE name = ?1", params![name])
            .map_err(|e| self.error(e))?;
        Ok(changed > 0)
    }

    fn write_error(&self, e: rusqlite::Error) -> AnchorWriteError {
        let unique = matches!(
            &e,
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        );
        if unique {
            AnchorWriteError::DuplicateName
        } else {
            AnchorWriteError::Store(self.error(e))
        }
    }
}

fn refs_json(refs: &[PathBuf]) -> String {
    serde_json::to_string(refs).unwrap_or_else(|_| "[]".into())
}

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<AnchorRow> {
    let refs: String = row.get(4)?;
    Ok(AnchorRow {
        id: row.get(0)?,
        record: AnchorRecord {
            name: row.get(1)?,
            kind: row.get(2)?,
            description: row.get(3)?,
            refs: serde_json::from_str(&refs).unwrap_or_default(),
            pinned: row.get(5)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str) -> AnchorRecord {
        AnchorRecord {
            name: name.into(),
            kind: "character".into(),
            description: "red scarf".into(),
            refs: vec!["/r/a.png".into()],
            pinned: true,
        }
    }

    #[test]
    fn anchors_round_trip_and_names_are_unique_ignoring_case() {
        let store = Store::in_memory().unwrap();
        let id = store.insert_anchor(&record("Mira")).unwrap();
        assert_eq!(
            store.insert_anchor(&record("mira")),
            Err(AnchorWriteError::DuplicateName)
        );
        let row = store.anchor("MIRA").unwrap().unwrap();
        assert_eq!((row.id, row.record.clone()), (id, record("Mira")));
        let mut changed = record("Mira");
        changed.pinned = false;
        changed.refs.clear();
        assert!(store.update_anchor(id, &changed).unwrap());
        assert_eq!(store.anchors().unwrap()[0].record, changed);
        assert!(store.delete_anchor("mIrA").unwrap());
        assert!(!store.delete_anchor("Mira").unwrap());
        assert!(store.anchors().unwrap().is_empty());
    }
}
