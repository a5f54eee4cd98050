//! The live directory database: SQLite (a file, the default) or PostgreSQL,
//! roster's own migrations, loading the whole snapshot in a fixed number of
//! queries, and writing a change set in one transaction.
//!
//! Everything engine-specific sits in [`engine`]; the rest is written once.

pub mod engine;
mod load;
pub mod memory;
pub mod migrate;
pub mod url;
pub mod write;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Connection, Pool, Postgres, Sqlite};

pub use engine::EngineKind;
use engine::{Conn, Engine};
pub use migrate::{Migration, MigrationStatus};
pub use url::DatabaseUrl;
pub use write::ChangeSet;

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

/// An open live directory database.
pub struct Store {
    pools: Pools,
    url: DatabaseUrl,
    statements: Arc<AtomicU64>,
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

impl Store {
    /// Opens the database, creating a SQLite file on first use. Does not
    /// migrate; see [`Store::open_ready`].
    pub async fn open(url: &DatabaseUrl) -> Result<Store, StoreError> {
        let location = url.masked().to_string();
        let connect = |source| StoreError::Connect {
            location: location.clone(),
            source,
        };
        let pools = match url.engine() {
            EngineKind::Sqlite => {
                let options = SqliteConnectOptions::new()
                    .filename(url.sqlite_path())
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                let pool = SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(options)
                    .await
                    .map_err(connect)?;
                Pools::Sqlite(pool)
            }
            EngineKind::Postgres => {
                let options = PgConnectOptions::from_str(url.expose())
                    .map_err(connect)?
                    .application_name("roster");
                // One direct connection first: a pool retries until its
                // timeout and then reports only that it timed out, while this
                // says why (refused, unknown host, authentication).
                let probe = sqlx::PgConnection::connect_with(&options)
                    .await
                    .map_err(connect)?;
                probe.close().await.map_err(connect)?;
                let pool = PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(BUSY_TIMEOUT)
                    .connect_lazy_with(options);
                Pools::Postgres(pool)
            }
        };
        Ok(Store {
            pools,
            url: url.clone(),
            statements: Arc::new(AtomicU64::new(0)),
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
        self.statements.load(Ordering::Relaxed)
    }

    /// Applied and pending migrations.
    pub async fn status(&self) -> Result<MigrationStatus, StoreError> {
        with_pool!(self, pool => status_with(pool, &self.statements, self.location()).await)
    }

    /// Applies pending migrations, each in its own transaction; returns those applied.
    pub async fn migrate(&self, now: DateTime<Utc>) -> Result<Vec<Migration>, StoreError> {
        with_pool!(self, pool => migrate_with(pool, &self.statements, self.location(), now).await)
    }

    /// Loads the whole live snapshot in one read transaction, with a fixed
    /// number of queries. `bodies` also loads the last-applied bodies (drift).
    pub async fn load(&self, bodies: bool) -> Result<LiveSnapshot, StoreError> {
        with_pool!(self, pool => load_with(pool, &self.statements, bodies).await)
    }

    /// Writes a change set in one transaction.
    pub async fn write(&self, changes: &ChangeSet) -> Result<(), StoreError> {
        with_pool!(self, pool => write_with(pool, &self.statements, changes).await)
    }

    /// Runs a SQL script in one transaction: how tests and demos stand in
    /// for the platform (shifts, push devices, verification, invitations).
    pub async fn run_script(&self, sql: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => script_with(pool, &self.statements, sql).await)
    }

    /// Closes the connections.
    pub async fn close(self) {
        with_pool!(self, pool => pool.close().await)
    }
}

async fn status_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &AtomicU64,
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

async fn migrate_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &AtomicU64,
    location: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Migration>, StoreError> {
    let mut applied = Vec::new();
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
    counter: &AtomicU64,
    bodies: bool,
) -> Result<LiveSnapshot, StoreError> {
    let mut tx = pool
        .begin_with(DB::BEGIN_READ)
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

async fn write_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &AtomicU64,
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
    counter: &AtomicU64,
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
