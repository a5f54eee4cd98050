//! Fresh databases for tests: a SQLite file in a temporary folder, or a
//! new PostgreSQL database on the local server, dropped afterwards.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;

/// The server tests create their databases on; override with
/// `ROSTER_TEST_POSTGRES` (a URL to a database the user may create others from).
pub fn postgres_admin_url() -> String {
    std::env::var("ROSTER_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// One engine's fresh database.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        name: String,
        url: String,
    },
}

/// Runs a future to completion on a runtime of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Runs SQL statements against the test database, as someone working on
/// the platform's side would.
pub fn sql(db: &TestDb, statements: &str) {
    block_on(async {
        let store = roster::store::Store::open(&db.database_url())
            .await
            .unwrap();
        store.run_script(statements).await.unwrap();
        store.close().await;
    });
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A new SQLite file (not created until first used).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("roster.db").display().to_string();
        TestDb::Sqlite { _dir: dir, url }
    }

    /// A new, empty PostgreSQL database. Fails loudly when the server is
    /// unreachable: the PostgreSQL half of the suite must really run.
    pub fn postgres() -> TestDb {
        let name = format!(
            "roster_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = postgres_admin_url();
        block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin}: {e}"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name}"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        });
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base)
            .to_string();
        TestDb::Postgres {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// Runs roster in `dir` against this database, without a cache.
    pub fn roster_in(&self, dir: &std::path::Path, args: &[&str]) -> crate::support::Run {
        crate::support::Roster::new(args)
            .current_dir(dir)
            .env("ROSTER_DATABASE_URL", self.url())
            .env("ROSTER_CACHE", "off")
            .run()
    }

    /// The database URL to give roster.
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    /// Whether an apply holds roster's write lock on this database, as
    /// anyone can see it from outside: the note beside a SQLite file, the
    /// advisory lock in PostgreSQL's `pg_locks`.
    pub fn apply_holds_the_lock(&self) -> bool {
        match self {
            TestDb::Sqlite { url, .. } => {
                std::path::Path::new(&format!("{url}.apply-lock")).exists()
            }
            TestDb::Postgres { name, .. } => block_on(async {
                let mut conn = sqlx::PgConnection::connect(&postgres_admin_url())
                    .await
                    .unwrap();
                let held: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                     WHERE l.locktype = 'advisory' AND l.granted \
                     AND l.classid = 29295 AND l.objid = 1937007986 AND d.datname = $1",
                )
                .bind(name)
                .fetch_one(&mut conn)
                .await
                .unwrap();
                let _ = conn.close().await;
                held > 0
            }),
        }
    }

    /// The parsed URL.
    pub fn database_url(&self) -> roster::store::DatabaseUrl {
        roster::store::DatabaseUrl::parse(self.url()).unwrap()
    }

    /// The names of the tables in the database; none when a SQLite file
    /// does not exist (looking does not create it).
    pub fn tables(&self) -> Vec<String> {
        use sqlx::Row;
        match self {
            TestDb::Sqlite { url, .. } => {
                if !std::path::Path::new(url).exists() {
                    return Vec::new();
                }
                block_on(async {
                    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{url}"))
                        .await
                        .unwrap();
                    let rows = sqlx::query(
                        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                    )
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                    rows.iter().map(|r| r.get::<String, _>(0)).collect()
                })
            }
            TestDb::Postgres { url, .. } => block_on(async {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                let rows = sqlx::query(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = 'public' ORDER BY table_name",
                )
                .fetch_all(&mut conn)
                .await
                .unwrap();
                rows.iter().map(|r| r.get::<String, _>(0)).collect()
            }),
        }
    }

    /// The single integer a query returns.
    pub fn count(&self, query: &'static str) -> i64 {
        use sqlx::Row;
        block_on(async {
            match self {
                TestDb::Sqlite { url, .. } => {
                    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite:{url}"))
                        .await
                        .unwrap();
                    sqlx::query(query)
                        .fetch_one(&mut conn)
                        .await
                        .unwrap()
                        .get::<i64, _>(0)
                }
                TestDb::Postgres { url, .. } => {
                    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                    sqlx::query(query)
                        .fetch_one(&mut conn)
                        .await
                        .unwrap()
                        .get::<i64, _>(0)
                }
            }
        })
    }

    /// Which engine.
    pub fn engine(&self) -> &'static str {
        match self {
            TestDb::Sqlite { .. } => "sqlite",
            TestDb::Postgres { .. } => "postgres",
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { name, .. } = self {
            let name = name.clone();
            // A thread of its own: a test may be dropping this inside a runtime.
            let _ = std::thread::spawn(move || {
                block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut conn)
                            .await;
                    }
                })
            })
            .join();
        }
    }
}

/// Defines `sqlite` and `postgres` tests running the same body, each with
/// a fresh database.
macro_rules! on_both_engines {
    ($(fn $name:ident($db:ident) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                fn run($db: crate::db::TestDb) $body

                #[test]
                fn sqlite() {
                    run(crate::db::TestDb::sqlite());
                }

                #[test]
                fn postgres() {
                    run(crate::db::TestDb::postgres());
                }
            }
        )*
    };
}
pub(crate) use on_both_engines;
