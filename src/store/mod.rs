//! The live directory database: SQLite (a file, the default) or PostgreSQL,
//! roster's own migrations, loading the whole snapshot in a fixed number of
//! queries (`load`), and writing a change set (`write`) inside an
//! apply's locked transaction ([`lock`]).
//!
//! Everything engine-specific sits in [`engine`]; the rows of every table
//! are named once in [`tables`]; the rest is written once.

pub mod change_set;
mod copy_in;
mod copy_text;
pub mod engine;
pub mod history;
mod load;
pub mod lock;
pub mod migrate;
mod sqlite_rows;
pub mod tables;
pub mod url;
mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::Either;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, Pool, Postgres, Sqlite};

pub use change_set::ChangeSet;
use engine::{Conn, Engine};
pub use engine::{Counters, EngineKind};
pub use history::HistoryEntry;
pub use lock::{LockError, LockOptions, Locked, Session};
pub use migrate::{Migration, MigrationStatus};
pub use url::DatabaseUrl;

use crate::model::live::LiveSnapshot;

/// Something went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or opened.
    #[error("cannot open the database at {location}")]
    Connect {
        location: String,
        #[source]
        source: sqlx::Error,
    },
    /// A newer roster migrated this database.
    #[error(
        "the database at {location} was migrated by a newer roster (migration {version}, {description}); this roster knows migrations up to {known}"
    )]
    NewerDatabase {
        location: String,
        version: i64,
        description: String,
        known: i64,
    },
    /// An applied migration differs from the one shipped.
    #[error(
        "migration {version} ({description}) applied to {location} differs from the one this roster ships"
    )]
    ModifiedMigration {
        location: String,
        version: i64,
        description: String,
    },
    /// A migration failed (and was rolled back).
    #[error("migration {version} failed")]
    Migration {
        version: i64,
        #[source]
        source: sqlx::Error,
    },
    /// A value in the database roster cannot read: one the platform wrote
    /// outside roster's vocabulary or range.
    #[error("the live directory holds a value roster cannot read: {message}")]
    Unreadable { message: String },
    /// A change names an object the directory does not have.
    #[error("{object} does not exist in the live directory")]
    Missing {
        object: crate::model::live::ObjectKey,
    },
    /// Rows refer to users or groups that are gone: deleted with foreign
    /// keys off, which the database would otherwise have refused.
    #[error("the live directory is inconsistent: {message}")]
    Inconsistent { message: String },
    /// A statement failed.
    #[error("database error while {doing}")]
    Query {
        doing: &'static str,
        #[source]
        source: sqlx::Error,
    },
}

impl StoreError {
    /// Wraps a driver error with what roster was doing.
    pub(crate) fn query(doing: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
        move |source| StoreError::Query { doing, source }
    }
}

enum Pools {
    Sqlite(Pool<Sqlite>),
    Postgres(Pool<Postgres>),
}

/// Runs `$body` with `$pool` bound to the engine's pool, typed per engine.
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pools {
            Pools::Sqlite($pool) => $body,
            Pools::Postgres($pool) => $body,
        }
    };
}

// After `with_pool!`, which it uses.
mod feeds;
pub use feeds::{IssuedFeed, SubjectKey};

/// An open live directory database.
pub struct Store {
    pools: Pools,
    url: DatabaseUrl,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// How long a statement waits for a lock held by another writer.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long opening a PostgreSQL database may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a PostgreSQL pool may take to connect before a direct attempt
/// is made to learn why it has not.
const PROBE_AFTER: Duration = Duration::from_millis(250);

impl Store {
    /// Opens the database, creating a SQLite file on first use. Does not
    /// migrate; see [`Store::open_ready`].
    pub async fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        Store::open_with(url, 2, false).await
    }

    /// [`Store::open`] with up to `connections` connections at a time (a
    /// server answering many readers at once); `mapped` has SQLite read the
    /// file through memory mapping rather than a system call per page,
    /// which a long-running reader of scattered rows gains from.
    pub async fn open_with(
        url: &DatabaseUrl,
        connections: u32,
        mapped: bool,
    ) -> Result<Store, StoreError> {
        let location = url.masked().to_string();
        let connect = |source| StoreError::Connect {
            location: location.clone(),
            source,
        };
        let pools = match url.engine() {
            EngineKind::Sqlite => {
                // SQLite creates the file but not its folder, and then says
                // only that it is "unable to open database file".
                let path = std::path::Path::new(url.sqlite_path());
                if let Some(folder) = path.parent()
                    && !folder.as_os_str().is_empty()
                    && !folder.is_dir()
                {
                    return Err(connect(sqlx::Error::Configuration(
                        format!("the folder `{}` does not exist", folder.display()).into(),
                    )));
                }
                let options = SqliteConnectOptions::new()
                    .filename(url.sqlite_path())
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT)
                    // SQLite runs on a worker thread that hands rows over a
                    // channel; a deep channel saves a thread switch per row
                    // when the whole directory is read.
                    .row_buffer_size(8192);
                let options = match mapped {
                    true => options.pragma("mmap_size", "1073741824"),
                    false => options,
                };
                let pool = SqlitePoolOptions::new()
                    .max_connections(connections)
                    .connect_with(options)
                    .await
                    .map_err(connect)?;
                Pools::Sqlite(pool)
            }
            EngineKind::Postgres => {
                let options = PgConnectOptions::from_str(url.expose())
                    .map_err(connect)?
                    .application_name("roster");
                // A pool retries a refused connection until its timeout and
                // then says only that it timed out; a direct attempt says at
                // once why a database cannot be reached. It is made only when
                // the pool has not connected within a moment: a second
                // connection costs the server a backend and a TLS handshake,
                // a quarter of a small plan's time.
                let pool = PgPoolOptions::new()
                    .max_connections(connections)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options.clone());
                let probe = async {
                    tokio::time::sleep(PROBE_AFTER).await;
                    sqlx::PgConnection::connect_with(&options).await
                };
                let pool = match futures_util::future::select(Box::pin(probe), Box::pin(pool)).await
                {
                    Either::Left((Err(reason), _)) => return Err(connect(reason)),
                    Either::Left((Ok(probe), pool)) => {
                        let _ = probe.close().await;
                        pool.await.map_err(connect)?
                    }
                    Either::Right((Ok(pool), _)) => pool,
                    // Timed out retrying: the direct attempt says why.
                    Either::Right((Err(sqlx::Error::PoolTimedOut), probe)) => {
                        let reason = probe.await.err();
                        return Err(connect(reason.unwrap_or(sqlx::Error::PoolTimedOut)));
                    }
                    Either::Right((Err(error), _)) => return Err(connect(error)),
                };
                Pools::Postgres(pool)
            }
        };
        Ok(Store {
            pools,
            url: url.clone(),
            counters: Arc::new(Counters::default()),
        })
    }

    /// Opens the database and applies pending migrations: what every
    /// command but `db status` does on first use.
    pub async fn open_ready(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let store = Store::open(url).await?;
        store.migrate(Utc::now()).await?;
        Ok(store)
    }

    /// The engine.
    pub fn engine(&self) -> EngineKind {
        self.url.engine()
    }

    /// Where the database is, password masked.
    pub fn location(&self) -> &str {
        self.url.masked()
    }

    /// The URL (for redacting driver messages).
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// How many statements this store has run.
    pub fn statements(&self) -> u64 {
        self.counters.statements.load(Ordering::Relaxed)
    }

    /// The store's counters, to follow its progress from another thread.
    pub fn counters(&self) -> Arc<Counters> {
        self.counters.clone()
    }

    /// How many rows this store has inserted.
    pub fn rows_written(&self) -> u64 {
        self.counters.rows.load(Ordering::Relaxed)
    }

    /// Applied and pending migrations.
    pub async fn status(&self) -> Result<MigrationStatus, StoreError> {
        with_pool!(self, pool => status_with(pool, &self.counters, self.location()).await)
    }

    /// Whether the schema is exactly the shipped one, found without writing.
    pub async fn is_current(&self) -> bool {
        with_pool!(self, pool => is_current_with(pool, &self.counters).await)
    }

    /// Applies pending migrations, each in its own transaction; returns those applied.
    pub async fn migrate(&self, now: DateTime<Utc>) -> Result<Vec<Migration>, StoreError> {
        let applied = with_pool!(self, pool => migrate_with(pool, &self.counters, self.location(), now).await)?;
        if !applied.is_empty() {
            self.checkpoint().await;
        }
        Ok(applied)
    }

    /// Loads the whole live snapshot in one read transaction, with a fixed
    /// number of queries. `bodies` also loads the last-applied bodies (drift).
    pub async fn load(&self, bodies: bool) -> Result<LiveSnapshot, StoreError> {
        with_pool!(self, pool => load_with(pool, &self.counters, bodies).await)
    }

    /// The whole live snapshot when the schema is current, `None` when
    /// the database needs migrating (or cannot be reached: migrating says
    /// why). The check and the read share one connection: a connection
    /// handed back to the pool returns on a task of its own, and asking
    /// for the next one before it is back opens another (a TLS handshake
    /// on PostgreSQL).
    pub async fn load_if_current(&self, bodies: bool) -> Option<Result<LiveSnapshot, StoreError>> {
        with_pool!(self, pool => load_if_current_with(pool, &self.counters, bodies).await)
    }

    /// Loads the recorded bodies of `keys` into `snapshot` (loaded without
    /// bodies): drift reads the bodies of the objects it suspects only.
    pub async fn load_bodies(
        &self,
        snapshot: &mut LiveSnapshot,
        keys: &[crate::model::live::ObjectKey],
    ) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let bodies = with_pool!(self, pool => bodies_with(pool, &self.counters, keys).await)?;
        snapshot.managed.add_bodies(bodies);
        Ok(())
    }

    /// Writes a change set in one transaction.
    pub async fn write(&self, changes: &ChangeSet) -> Result<(), StoreError> {
        with_pool!(self, pool => write_with(pool, &self.counters, changes).await)?;
        self.checkpoint().await;
        Ok(())
    }

    /// The apply history, oldest first.
    pub async fn history(&self) -> Result<Vec<HistoryEntry>, StoreError> {
        with_pool!(self, pool => history_with(pool, &self.counters).await)
    }

    /// SQLite cannot say who holds its write lock, so an apply that holds it
    /// leaves a note beside the database file.
    fn lock_note_path(&self) -> std::path::PathBuf {
        std::path::PathBuf::from(format!("{}.apply-lock", self.url.sqlite_path()))
    }

    /// Runs a SQL script in one transaction: how tests and demos stand in
    /// for the platform (shifts, push devices, verification, invitations).
    pub async fn run_script(&self, sql: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => script_with(pool, &self.counters, sql).await)?;
        self.checkpoint().await;
        Ok(())
    }

    /// Moves what SQLite's write-ahead log holds into the database file, so
    /// that the file alone — copied, uploaded as a CI artifact — holds every
    /// committed change. Best effort: a reader in another process can keep
    /// part of the log from moving, and the data is committed either way.
    /// Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) {
        if let Pools::Sqlite(pool) = &self.pools {
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await;
        }
    }

    /// Closes the connections.
    pub async fn close(self) {
        with_pool!(self, pool => pool.close().await)
    }
}

async fn history_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("connecting"))?;
    history::list(&mut Conn::<DB> {
        conn: &mut connection,
        counter,
    })
    .await
    .map_err(StoreError::query("reading the history"))
}

async fn status_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    location: &str,
) -> Result<MigrationStatus, StoreError> {
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("connecting"))?;
    let mut conn = Conn::<DB> {
        conn: &mut connection,
        counter,
    };
    migrate::status(&mut conn, location).await
}

async fn is_current_with<DB: Engine>(pool: &Pool<DB>, counter: &Counters) -> bool {
    let Ok(mut connection) = pool.acquire().await else {
        return false;
    };
    migrate::is_current(&mut Conn::<DB> {
        conn: &mut connection,
        counter,
    })
    .await
}

async fn migrate_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    location: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Migration>, StoreError> {
    let mut applied = Vec::new();
    // Nothing pending is the common case: no lock needed to see that.
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("connecting"))?;
    if migrate::status(
        &mut Conn::<DB> {
            conn: &mut connection,
            counter,
        },
        location,
    )
    .await?
    .pending
    .is_empty()
    {
        return Ok(applied);
    }
    drop(connection);
    loop {
        // One transaction per migration, holding the write lock, so that two
        // processes on a fresh database migrate it once.
        let mut tx = pool
            .begin_with(DB::BEGIN_WRITE)
            .await
            .map_err(StoreError::query("starting a migration"))?;
        let mut conn = Conn::<DB> {
            conn: &mut tx,
            counter,
        };
        if let Some(lock) = DB::WRITE_LOCK {
            conn.run(lock, Vec::new())
                .await
                .map_err(StoreError::query("locking for migration"))?;
        }
        let status = migrate::status(&mut conn, location).await?;
        let Some(next) = status.pending.first() else {
            tx.rollback()
                .await
                .map_err(StoreError::query("finishing migrations"))?;
            return Ok(applied);
        };
        migrate::apply_one(&mut conn, next, now).await?;
        tx.commit().await.map_err(|source| StoreError::Migration {
            version: next.version,
            source,
        })?;
        applied.push(*next);
    }
}

async fn load_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("starting to read"))?;
    read_snapshot::<DB>(&mut connection, counter, bodies).await
}

async fn load_if_current_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    bodies: bool,
) -> Option<Result<LiveSnapshot, StoreError>> {
    let mut connection = pool.acquire().await.ok()?;
    let current = migrate::is_current(&mut Conn::<DB> {
        conn: &mut connection,
        counter,
    })
    .await;
    match current {
        true => Some(read_snapshot::<DB>(&mut connection, counter, bodies).await),
        false => None,
    }
}

/// The whole snapshot, in one read transaction on `connection`.
async fn read_snapshot<DB: Engine>(
    connection: &mut DB::Connection,
    counter: &Counters,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    let mut tx = sqlx::Connection::begin_with(connection, DB::BEGIN_READ)
        .await
        .map_err(StoreError::query("starting to read"))?;
    let snapshot = load::load(
        &mut Conn::<DB> {
            conn: &mut tx,
            counter,
        },
        bodies,
    )
    .await?;
    tx.rollback()
        .await
        .map_err(StoreError::query("finishing the read"))?;
    Ok(snapshot)
}

async fn bodies_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    keys: &[crate::model::live::ObjectKey],
) -> Result<Vec<(crate::model::live::ObjectKey, String)>, StoreError> {
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("connecting"))?;
    load::bodies(
        &mut Conn::<DB> {
            conn: &mut connection,
            counter,
        },
        keys,
    )
    .await
}

async fn write_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    changes: &ChangeSet,
) -> Result<(), StoreError> {
    let mut tx = pool
        .begin_with(DB::BEGIN_WRITE)
        .await
        .map_err(StoreError::query("starting to write"))?;
    write::write(
        &mut Conn::<DB> {
            conn: &mut tx,
            counter,
        },
        changes,
    )
    .await?;
    tx.commit().await.map_err(StoreError::query("committing"))?;
    Ok(())
}

async fn script_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    sql: &str,
) -> Result<(), StoreError> {
    let mut tx = pool
        .begin_with(DB::BEGIN_WRITE)
        .await
        .map_err(StoreError::query("starting the script"))?;
    Conn::<DB> {
        conn: &mut tx,
        counter,
    }
    .run_script(sql.to_string())
    .await
    .map_err(StoreError::query("running the script"))?;
    tx.commit()
        .await
        .map_err(StoreError::query("committing the script"))?;
    Ok(())
}
