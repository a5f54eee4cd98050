//! What differs between SQLite and PostgreSQL, behind one trait, so that
//! every query, load and write is written once, generically.
//!
//! Values cross the boundary as [`Bind`] (parameters) and through the typed
//! getters (results); placeholders come from [`Engine::placeholder`]. Every
//! statement goes through [`Conn`], which counts them.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Database, Postgres, Row, Sqlite};

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// SQLite, a file.
    Sqlite,
    /// PostgreSQL, a server.
    Postgres,
}

impl EngineKind {
    /// The engine's name.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Sqlite => "sqlite",
            EngineKind::Postgres => "postgres",
        }
    }
}

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// An integer.
    Int(i64),
    /// An integer or NULL.
    OptInt(Option<i64>),
    /// Text.
    Text(String),
    /// Text or NULL.
    OptText(Option<String>),
    /// A boolean.
    Flag(bool),
    /// An instant.
    Time(DateTime<Utc>),
    /// An instant or NULL.
    OptTime(Option<DateTime<Utc>>),
}

/// A whole table, as the engine gives it.
#[derive(Debug)]
pub enum TableRows<T> {
    /// Rows read already (SQLite, straight from its statement), or the
    /// row that could not be read.
    Read(Result<Vec<T>, String>),
    /// PostgreSQL's `COPY … TO STDOUT` text format (see [`super::copy_text`]),
    /// parsed by [`TableRows::rows`].
    Copy(String),
}

impl<T: serde::de::DeserializeOwned> TableRows<T> {
    /// Every row, each deserialized as `T` (a tuple or tuple struct).
    pub fn rows(self) -> Result<Vec<T>, String> {
        match self {
            TableRows::Read(rows) => rows,
            TableRows::Copy(text) => super::copy_text::rows(&text).map_err(|e| e.to_string()),
        }
    }
}

/// An engine: SQLite or PostgreSQL.
pub trait Engine: Database {
    /// Which one.
    const KIND: EngineKind;
    /// Most parameters one statement may carry (kept well under the engine's limit).
    const MAX_PARAMS: usize;
    /// Starts a transaction that reads one consistent snapshot.
    const BEGIN_READ: &'static str;
    /// Starts a transaction that will write, taking the write lock at once
    /// where the engine has one.
    const BEGIN_WRITE: &'static str;
    /// Takes roster's write lock inside a transaction, where the engine
    /// needs a statement for it; released at commit or rollback.
    const WRITE_LOCK: Option<&'static str>;

    /// The placeholder of the `n`th parameter (from 1).
    fn placeholder(n: usize) -> String;

    /// Statements that make the write lock wait at most `timeout_ms` and
    /// name `holder` to whoever waits for it: run on the connection before
    /// the transaction begins (`before`) and inside it (`inside`).
    fn lock_statements(timeout_ms: u64, holder: &str) -> (Vec<String>, Vec<String>);

    /// A statement run before a load, in its transaction, so that values
    /// come in the form [`Engine::table_rows`] reads.
    const LOAD_SETTINGS: Option<&'static str>;

    /// Every row of `SELECT columns FROM from`, without the driver's cost
    /// per cell: SQLite's read from its statement, PostgreSQL's as one
    /// COPY text to parse.
    fn table_rows<'c, T: serde::de::DeserializeOwned + Send + 'c>(
        conn: &'c mut Self::Connection,
        columns: &[&str],
        from: &str,
    ) -> impl Future<Output = Result<TableRows<T>, sqlx::Error>> + Send + 'c;

    /// Inserts `rows` into `table` with one `COPY … FROM STDIN` (see
    /// [`super::copy_in`]), giving the rows inserted; none where the
    /// engine has no COPY.
    fn copy_in<'c>(
        conn: &'c mut Self::Connection,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Bind>],
    ) -> Option<impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c>;

    /// Whether an error means the write lock was not obtained in time.
    fn is_lock_timeout(error: &sqlx::Error) -> bool;

    /// A query naming who holds the write lock, where the engine can tell.
    const LOCK_HOLDER: Option<&'static str>;

    /// Runs a statement, returning the number of rows it touched.
    fn run<'c>(
        conn: &'c mut Self::Connection,
        sql: String,
        binds: Vec<Bind>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c;

    /// Runs a query, handing each row to `each` as it arrives.
    fn each_row<'c, F>(
        conn: &'c mut Self::Connection,
        sql: String,
        binds: Vec<Bind>,
        each: F,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c
    where
        F: FnMut(&Self::Row) -> Result<(), sqlx::Error> + Send + 'c;

    /// Runs several statements without parameters (migrations).
    fn run_script<'c>(
        conn: &'c mut Self::Connection,
        sql: String,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c;

    /// Column `i` as an integer.
    fn int(row: &Self::Row, i: usize) -> Result<i64, sqlx::Error>;
    /// Column `i` as an integer or NULL.
    fn opt_int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error>;
    /// Column `i` as text.
    fn text(row: &Self::Row, i: usize) -> Result<String, sqlx::Error>;
    /// Column `i` as text or NULL.
    fn opt_text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error>;
    /// Column `i` as a boolean.
    fn flag(row: &Self::Row, i: usize) -> Result<bool, sqlx::Error>;
    /// Column `i` as an instant.
    fn time(row: &Self::Row, i: usize) -> Result<DateTime<Utc>, sqlx::Error>;
    /// Column `i` as an instant or NULL.
    fn opt_time(row: &Self::Row, i: usize) -> Result<Option<DateTime<Utc>>, sqlx::Error>;
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Int(v) => query.bind(v),
                Bind::OptInt(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
                Bind::OptText(v) => query.bind(v),
                Bind::Flag(v) => query.bind(v),
                Bind::Time(v) => query.bind(v),
                Bind::OptTime(v) => query.bind(v),
            };
        }
        query
    }};
}

macro_rules! engine {
    ($db:ty, $kind:expr, $max:expr, $read:expr, $write:expr, $lock:expr, $holder:expr, $placeholder:expr, $lock_statements:expr, $lock_code:expr, $settings:expr, $table_text:path, $copy_in:path) => {
        impl Engine for $db {
            const KIND: EngineKind = $kind;
            const MAX_PARAMS: usize = $max;
            const BEGIN_READ: &'static str = $read;
            const BEGIN_WRITE: &'static str = $write;
            const WRITE_LOCK: Option<&'static str> = $lock;
            const LOCK_HOLDER: Option<&'static str> = $holder;

            fn placeholder(n: usize) -> String {
                $placeholder(n)
            }

            fn lock_statements(timeout_ms: u64, holder: &str) -> (Vec<String>, Vec<String>) {
                $lock_statements(timeout_ms, holder)
            }

            const LOAD_SETTINGS: Option<&'static str> = $settings;

            fn table_rows<'c, T: serde::de::DeserializeOwned + Send + 'c>(
                conn: &'c mut Self::Connection,
                columns: &[&str],
                from: &str,
            ) -> impl Future<Output = Result<TableRows<T>, sqlx::Error>> + Send + 'c {
                $table_text(conn, columns.join(", "), from.to_string())
            }

            fn copy_in<'c>(
                conn: &'c mut Self::Connection,
                table: &str,
                columns: &[&str],
                rows: &[Vec<Bind>],
            ) -> Option<impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c> {
                $copy_in(conn, table, columns, rows)
            }

            fn is_lock_timeout(error: &sqlx::Error) -> bool {
                match error {
                    sqlx::Error::Database(e) => e.code().is_some_and(|c| $lock_code(c.as_ref())),
                    _ => false,
                }
            }

            fn run<'c>(
                conn: &'c mut Self::Connection,
                sql: String,
                binds: Vec<Bind>,
            ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c {
                async move {
                    let query = bind_all!(sqlx::query(AssertSqlSafe(sql)), binds);
                    Ok(query.execute(conn).await?.rows_affected())
                }
            }

            fn each_row<'c, F>(
                conn: &'c mut Self::Connection,
                sql: String,
                binds: Vec<Bind>,
                mut each: F,
            ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c
            where
                F: FnMut(&Self::Row) -> Result<(), sqlx::Error> + Send + 'c,
            {
                async move {
                    let query = bind_all!(sqlx::query(AssertSqlSafe(sql)), binds);
                    let mut rows = query.fetch(conn);
                    while let Some(row) = rows.try_next().await? {
                        each(&row)?;
                    }
                    Ok(())
                }
            }

            fn run_script<'c>(
                conn: &'c mut Self::Connection,
                sql: String,
            ) -> impl Future<Output = Result<(), sqlx::Error>> + Send + 'c {
                async move {
                    sqlx::raw_sql(AssertSqlSafe(sql)).execute(conn).await?;
                    Ok(())
                }
            }

            fn int(row: &Self::Row, i: usize) -> Result<i64, sqlx::Error> {
                row.try_get(i)
            }
            fn opt_int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error> {
                row.try_get(i)
            }
            fn text(row: &Self::Row, i: usize) -> Result<String, sqlx::Error> {
                row.try_get(i)
            }
            fn opt_text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error> {
                row.try_get(i)
            }
            fn flag(row: &Self::Row, i: usize) -> Result<bool, sqlx::Error> {
                row.try_get(i)
            }
            fn time(row: &Self::Row, i: usize) -> Result<DateTime<Utc>, sqlx::Error> {
                row.try_get(i)
            }
            fn opt_time(row: &Self::Row, i: usize) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
                row.try_get(i)
            }
        }
    };
}

/// The advisory lock key roster's writers share on PostgreSQL ("roster"
/// in ASCII); the SQL above spells it out, and `pg_locks` shows it as
/// `classid` 29295, `objid` 1937007986.
pub const POSTGRES_LOCK_KEY: i64 = 0x726f_7374_6572;

/// Quotes text as an SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

engine!(
    Sqlite,
    EngineKind::Sqlite,
    30_000,
    "BEGIN",
    "BEGIN IMMEDIATE",
    None,
    None,
    |_| "?".to_string(),
    // SQLite's write lock is `BEGIN IMMEDIATE`; it waits `busy_timeout`.
    // Who holds it is written beside the database file by the store.
    |ms: u64, _holder: &str| (vec![format!("PRAGMA busy_timeout = {ms}")], Vec::new()),
    // SQLITE_BUSY, and its extended codes.
    |code: &str| code.parse::<i32>().is_ok_and(|c| c & 0xff == 5),
    None,
    sqlite_table_rows,
    sqlite_copy_in
);
engine!(
    Postgres,
    EngineKind::Postgres,
    60_000,
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    "BEGIN",
    Some("SELECT pg_advisory_xact_lock(125823003944306)"),
    Some(
        "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 29295 AND l.objid = 1937007986 LIMIT 1"
    ),
    |n| format!("${n}"),
    |ms: u64, holder: &str| {
        let inside = vec![
            format!("SET LOCAL application_name = {}", literal(holder)),
            // PostgreSQL reads 0 as "no timeout"; roster's 0 means "do not wait".
            format!("SET LOCAL lock_timeout = '{}ms'", ms.max(1)),
            "SELECT pg_advisory_xact_lock(125823003944306)".to_string(),
            "SET LOCAL lock_timeout = 0".to_string(),
        ];
        (Vec::new(), inside)
    },
    // lock_not_available
    |code: &str| code == "55P03",
    // Instants as `2026-11-22 10:00:00+00`, whatever the server's defaults.
    Some("SELECT set_config('datestyle', 'ISO', true), set_config('timezone', 'UTC', true)"),
    postgres_table_text,
    postgres_copy_in
);

/// A table's rows, read straight from SQLite's statement.
async fn sqlite_table_rows<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::SqliteConnection,
    columns: String,
    from: String,
) -> Result<TableRows<T>, sqlx::Error> {
    let sql = format!("SELECT {columns} FROM {from}");
    super::sqlite_rows::rows(conn, sql)
        .await
        .map(TableRows::Read)
}

/// A table in PostgreSQL's COPY text format.
async fn postgres_table_text<T>(
    conn: &mut sqlx::PgConnection,
    columns: String,
    from: String,
) -> Result<TableRows<T>, sqlx::Error> {
    let mut stream = conn
        .copy_out_raw(&format!("COPY (SELECT {columns} FROM {from}) TO STDOUT"))
        .await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.try_next().await? {
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes)
        .map(TableRows::Copy)
        .map_err(|e| sqlx::Error::Decode(e.into()))
}

/// SQLite has no COPY.
fn sqlite_copy_in(
    _conn: &mut sqlx::SqliteConnection,
    _table: &str,
    _columns: &[&str],
    _rows: &[Vec<Bind>],
) -> Option<std::future::Ready<Result<u64, sqlx::Error>>> {
    None
}

/// Rows as COPY text, sent to PostgreSQL.
fn postgres_copy_in<'c>(
    conn: &'c mut sqlx::PgConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Bind>],
) -> Option<impl Future<Output = Result<u64, sqlx::Error>> + Send + 'c> {
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let text = super::copy_in::encode(rows);
    Some(async move {
        let mut copy = conn.copy_in_raw(&statement).await?;
        copy.send(text.as_bytes()).await?;
        copy.finish().await
    })
}

/// What a store has done so far: for tests (queries per load) and for
/// progress bars (rows written).
#[derive(Debug, Default)]
pub struct Counters {
    /// Statements run.
    pub statements: AtomicU64,
    /// Rows inserted.
    pub rows: AtomicU64,
}

/// A connection (or transaction) that counts what is run on it.
pub struct Conn<'a, DB: Engine> {
    /// The connection.
    pub conn: &'a mut DB::Connection,
    /// The store's counters.
    pub counter: &'a Counters,
}

impl<DB: Engine> Conn<'_, DB> {
    /// Runs one statement.
    pub async fn run(
        &mut self,
        sql: impl Into<String>,
        binds: Vec<Bind>,
    ) -> Result<u64, sqlx::Error> {
        self.counter.statements.fetch_add(1, Ordering::Relaxed);
        DB::run(self.conn, sql.into(), binds).await
    }

    /// Reads a whole table (see [`Engine::table_rows`]).
    pub async fn table_rows<T: serde::de::DeserializeOwned + Send>(
        &mut self,
        columns: &[&str],
        from: &str,
    ) -> Result<TableRows<T>, sqlx::Error> {
        self.counter.statements.fetch_add(1, Ordering::Relaxed);
        DB::table_rows(self.conn, columns, from).await
    }

    /// Runs one query, row by row.
    pub async fn each_row<F>(
        &mut self,
        sql: impl Into<String>,
        binds: Vec<Bind>,
        each: F,
    ) -> Result<(), sqlx::Error>
    where
        F: FnMut(&DB::Row) -> Result<(), sqlx::Error> + Send,
    {
        self.counter.statements.fetch_add(1, Ordering::Relaxed);
        DB::each_row(self.conn, sql.into(), binds, each).await
    }

    /// Runs a script of statements without parameters.
    pub async fn run_script(&mut self, sql: impl Into<String>) -> Result<(), sqlx::Error> {
        self.counter.statements.fetch_add(1, Ordering::Relaxed);
        DB::run_script(self.conn, sql.into()).await
    }

    /// Inserts rows in as few statements as the engine allows: one `COPY`
    /// where the engine has it and nothing follows the rows (`suffix`),
    /// else `INSERT INTO table (columns) VALUES (…), (…) suffix` with as
    /// many rows as the parameter limit allows.
    pub async fn insert_rows(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Bind>>,
        suffix: &str,
    ) -> Result<u64, sqlx::Error> {
        if suffix.is_empty()
            && let Some(copy) = DB::copy_in(self.conn, table, columns, &rows)
        {
            self.counter.statements.fetch_add(1, Ordering::Relaxed);
            let touched = copy.await?;
            self.counter
                .rows
                .fetch_add(rows.len() as u64, Ordering::Relaxed);
            return Ok(touched);
        }
        let per_statement = (DB::MAX_PARAMS / columns.len()).max(1);
        let mut touched = 0;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Bind>> = rows.by_ref().take(per_statement).collect();
            let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            let mut binds = Vec::with_capacity(chunk.len() * columns.len());
            for (r, row) in chunk.into_iter().enumerate() {
                debug_assert_eq!(row.len(), columns.len());
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for (c, bind) in row.into_iter().enumerate() {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    binds.push(bind);
                    sql.push_str(&DB::placeholder(binds.len()));
                }
                sql.push(')');
            }
            sql.push_str(suffix);
            let rows = binds.len() / columns.len();
            touched += self.run(sql, binds).await?;
            self.counter.rows.fetch_add(rows as u64, Ordering::Relaxed);
        }
        Ok(touched)
    }

    /// `column IN (…)` with one placeholder per value, numbered after `offset`.
    pub fn in_list(column: &str, count: usize, offset: usize) -> String {
        let placeholders: Vec<String> = (1..=count).map(|i| DB::placeholder(offset + i)).collect();
        format!("{column} IN ({})", placeholders.join(", "))
    }
}
