//! An apply's transaction, step by step: a connection reserved for the
//! apply ([`Session`]), roster's write lock taken on it ([`Locked`]), the
//! live snapshot read under the lock, the change set written, the history
//! entry recorded and the whole committed — or, when the [`Locked`] is
//! dropped at any step, rolled back.
//!
//! The apply pipeline (`crate::apply`) takes these steps itself; the store
//! only knows how to take each one on either engine.

use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::{Pool, Postgres, Sqlite, Transaction};

use super::change_set::ChangeSet;
use super::engine::{Conn, Counters, Engine};
use super::history::{self, HistoryEntry};
use super::{Pools, Store, StoreError, load, write};
use crate::model::live::{LiveSnapshot, ObjectKey};

/// How an apply takes roster's write lock.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// How long to wait for another apply to finish.
    pub timeout: Duration,
    /// Who is asking, shown to whoever waits next.
    pub holder: String,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another apply holds the write lock.
    #[error("another apply holds the lock{}", holder.as_ref().map(|h| format!(": {h}")).unwrap_or_default())]
    Locked { holder: Option<String> },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A connection reserved for one apply.
pub struct Session {
    connection: SessionConnection,
    counters: Arc<Counters>,
    /// Where SQLite's lock note goes (PostgreSQL names its holder itself).
    note: Option<std::path::PathBuf>,
}

enum SessionConnection {
    Sqlite(PoolConnection<Sqlite>, Pool<Sqlite>),
    Postgres(PoolConnection<Postgres>, Pool<Postgres>),
}

/// An apply's transaction, holding roster's write lock until it is
/// committed or dropped (which rolls it back).
pub struct Locked<'s> {
    transaction: LockedTransaction<'s>,
    counters: &'s Counters,
    _note: Option<LockNote>,
}

enum LockedTransaction<'s> {
    Sqlite(Transaction<'s, Sqlite>),
    Postgres(Transaction<'s, Postgres>),
}

/// Runs `$body` with `$conn` bound to a counting connection on the locked
/// transaction, typed per engine.
macro_rules! on_transaction {
    ($locked:expr, $conn:ident => $body:expr) => {
        match &mut $locked.transaction {
            LockedTransaction::Sqlite(tx) => {
                let mut $conn = Conn::<Sqlite> {
                    conn: &mut *tx,
                    counter: $locked.counters,
                };
                $body
            }
            LockedTransaction::Postgres(tx) => {
                let mut $conn = Conn::<Postgres> {
                    conn: &mut *tx,
                    counter: $locked.counters,
                };
                $body
            }
        }
    };
}

impl Store {
    /// Reserves a connection for an apply.
    pub async fn session(&self) -> Result<Session, StoreError> {
        let connecting = StoreError::query("connecting");
        let connection = match &self.pools {
            Pools::Sqlite(pool) => {
                SessionConnection::Sqlite(pool.acquire().await.map_err(connecting)?, pool.clone())
            }
            Pools::Postgres(pool) => {
                SessionConnection::Postgres(pool.acquire().await.map_err(connecting)?, pool.clone())
            }
        };
        Ok(Session {
            connection,
            counters: self.counters.clone(),
            note: (self.engine() == super::EngineKind::Sqlite).then(|| self.lock_note_path()),
        })
    }
}

impl Session {
    /// Begins the apply's transaction and takes roster's write lock,
    /// waiting at most `options.timeout` for another apply to finish.
    pub async fn lock(&mut self, options: &LockOptions) -> Result<Locked<'_>, LockError> {
        let counters = &*self.counters;
        let note = self.note.as_deref();
        let transaction = match &mut self.connection {
            SessionConnection::Sqlite(connection, pool) => LockedTransaction::Sqlite(
                begin_locked(connection, pool, counters, options, note).await?,
            ),
            SessionConnection::Postgres(connection, pool) => LockedTransaction::Postgres(
                begin_locked(connection, pool, counters, options, note).await?,
            ),
        };
        Ok(Locked {
            transaction,
            counters,
            _note: note.map(|path| LockNote::write(path, &options.holder)),
        })
    }
}

impl Locked<'_> {
    /// Reads the live snapshot under the lock (without recorded bodies).
    pub async fn load(&mut self) -> Result<LiveSnapshot, StoreError> {
        on_transaction!(self, conn => load::load(&mut conn, false).await)
    }

    /// Reads the recorded bodies of `keys` under the lock.
    pub async fn load_bodies(
        &mut self,
        keys: &[ObjectKey],
    ) -> Result<Vec<(ObjectKey, String)>, StoreError> {
        on_transaction!(self, conn => load::bodies(&mut conn, keys).await)
    }

    /// Writes a change set.
    pub async fn write(&mut self, changes: &ChangeSet) -> Result<(), StoreError> {
        on_transaction!(self, conn => write::write(&mut conn, changes).await)
    }

    /// Records the apply in the history and commits; returns the entry's id.
    pub async fn commit(mut self, entry: &HistoryEntry) -> Result<i64, StoreError> {
        let id = on_transaction!(self, conn => history::insert(&mut conn, entry)
            .await
            .map_err(StoreError::query("recording the apply"))?);
        let committing = StoreError::query("committing the apply");
        match self.transaction {
            LockedTransaction::Sqlite(tx) => tx.commit().await.map_err(committing)?,
            LockedTransaction::Postgres(tx) => tx.commit().await.map_err(committing)?,
        }
        Ok(id)
    }
}

/// Begins a write transaction on `connection` and takes the lock in it.
async fn begin_locked<'s, DB: Engine>(
    connection: &'s mut PoolConnection<DB>,
    pool: &Pool<DB>,
    counter: &Counters,
    options: &LockOptions,
    note: Option<&std::path::Path>,
) -> Result<Transaction<'s, DB>, LockError> {
    let failed = |doing| move |e: sqlx::Error| StoreError::Query { doing, source: e };
    let timeout_ms = u64::try_from(options.timeout.as_millis()).unwrap_or(u64::MAX);
    let (before, inside) = DB::lock_statements(timeout_ms, &options.holder);
    for statement in before {
        Conn::<DB> {
            conn: &mut *connection,
            counter,
        }
        .run(statement, Vec::new())
        .await
        .map_err(failed("preparing the lock"))?;
    }
    let mut tx = match sqlx::Connection::begin_with(&mut **connection, DB::BEGIN_WRITE).await {
        Ok(tx) => tx,
        Err(e) if DB::is_lock_timeout(&e) => {
            return Err(LockError::Locked {
                holder: note.and_then(LockNote::read),
            });
        }
        Err(e) => return Err(failed("starting the apply")(e).into()),
    };
    for statement in inside {
        let result = Conn::<DB> {
            conn: &mut tx,
            counter,
        }
        .run(statement, Vec::new())
        .await;
        match result {
            Ok(_) => {}
            Err(e) if DB::is_lock_timeout(&e) => {
                drop(tx);
                return Err(LockError::Locked {
                    holder: lock_holder(pool, counter).await,
                });
            }
            Err(e) => return Err(failed("taking the lock")(e).into()),
        }
    }
    Ok(tx)
}

/// Who holds the write lock, where the engine can say.
async fn lock_holder<DB: Engine>(pool: &Pool<DB>, counter: &Counters) -> Option<String> {
    let sql = DB::LOCK_HOLDER?;
    let mut connection = pool.acquire().await.ok()?;
    let mut holder = None;
    Conn::<DB> {
        conn: &mut connection,
        counter,
    }
    .each_row(sql, Vec::new(), |row| {
        let name = DB::opt_text(row, 0)?.unwrap_or_default();
        let pid = DB::int(row, 1).unwrap_or_default();
        holder = Some(if name.is_empty() {
            format!("database session {pid}")
        } else {
            name
        });
        Ok(())
    })
    .await
    .ok()?;
    holder
}

/// A note naming the apply that holds SQLite's write lock (SQLite cannot
/// say who holds it), removed when the apply ends, however it ends.
struct LockNote {
    path: std::path::PathBuf,
}

impl LockNote {
    fn write(path: &std::path::Path, holder: &str) -> LockNote {
        let _ = std::fs::write(path, format!("{}\n{holder}\n", std::process::id()));
        LockNote {
            path: path.to_path_buf(),
        }
    }

    /// The holder another apply's note names, if that process still runs.
    fn read(path: &std::path::Path) -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        let (pid, holder) = text.split_once('\n')?;
        let proc = std::path::Path::new("/proc");
        let alive = !proc.exists() || proc.join(pid.trim()).exists();
        alive.then(|| holder.trim().to_string())
    }
}

impl Drop for LockNote {
    fn drop(&mut self) {
        let ours = format!("{}\n", std::process::id());
        if std::fs::read_to_string(&self.path).is_ok_and(|t| t.starts_with(&ours)) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
