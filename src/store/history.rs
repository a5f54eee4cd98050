//! The apply history: who applied what, when, from which revision.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::engine::{Bind, Conn, Engine};

/// One apply, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Sequence number.
    pub id: i64,
    /// The config's revision (commit), when known.
    pub revision: Option<String>,
    /// Who applied.
    pub actor: String,
    /// When the apply started.
    pub started_at: DateTime<Utc>,
    /// When it committed.
    pub finished_at: DateTime<Utc>,
    /// SHA-256 of the plan applied.
    pub plan_digest: String,
    /// Objects created.
    pub creates: i64,
    /// Objects updated.
    pub updates: i64,
    /// Objects replaced.
    pub replaces: i64,
    /// Objects deleted.
    pub deletes: i64,
    /// What changed: one line per change (`+ user alice`).
    pub changes: Vec<String>,
}

pub(super) async fn insert<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    entry: &HistoryEntry,
) -> Result<i64, sqlx::Error> {
    let columns = [
        "revision",
        "actor",
        "started_at",
        "finished_at",
        "plan_digest",
        "creates",
        "updates",
        "replaces",
        "deletes",
        "summary",
    ];
    let placeholders: Vec<String> = (1..=columns.len()).map(DB::placeholder).collect();
    let sql = format!(
        "INSERT INTO roster_applies ({}) VALUES ({}) RETURNING id",
        columns.join(", "),
        placeholders.join(", ")
    );
    let binds = vec![
        Bind::OptText(entry.revision.clone()),
        Bind::Text(entry.actor.clone()),
        Bind::Time(entry.started_at),
        Bind::Time(entry.finished_at),
        Bind::Text(entry.plan_digest.clone()),
        Bind::Int(entry.creates),
        Bind::Int(entry.updates),
        Bind::Int(entry.replaces),
        Bind::Int(entry.deletes),
        Bind::Text(serde_json::to_string(&entry.changes).expect("strings serialize")),
    ];
    let mut id = 0;
    conn.each_row(sql, binds, |row| {
        id = DB::int(row, 0)?;
        Ok(())
    })
    .await?;
    Ok(id)
}

pub(super) async fn list<DB: Engine>(
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let mut entries = Vec::new();
    conn.each_row(
        "SELECT id, revision, actor, started_at, finished_at, plan_digest, creates, updates, replaces, deletes, summary \
         FROM roster_applies ORDER BY id",
        Vec::new(),
        |row| {
            let changes = serde_json::from_str(&DB::text(row, 10)?).unwrap_or_default();
            entries.push(HistoryEntry {
                id: DB::int(row, 0)?,
                revision: DB::opt_text(row, 1)?,
                actor: DB::text(row, 2)?,
                started_at: DB::time(row, 3)?,
                finished_at: DB::time(row, 4)?,
                plan_digest: DB::text(row, 5)?,
                creates: DB::int(row, 6)?,
                updates: DB::int(row, 7)?,
                replaces: DB::int(row, 8)?,
                deletes: DB::int(row, 9)?,
                changes,
            });
            Ok(())
        },
    )
    .await?;
    Ok(entries)
}
