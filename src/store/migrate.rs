//! roster's schema migrations: a tiny reconciler of its own. Migrations are
//! embedded per engine, recorded in `roster_migrations` with a checksum, each
//! applied in its own transaction; a database migrated by a newer roster, or
//! whose applied migrations differ from the shipped ones, is refused.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::engine::{Bind, Conn, Engine, EngineKind};

/// One schema migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Version, from 1, in order.
    pub version: i64,
    /// What it does.
    pub description: &'static str,
    /// The SQL.
    pub sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        description: "directory, platform state and bookkeeping",
        sql: include_str!("../../migrations/sqlite/0001_directory.sql"),
    },
    Migration {
        version: 2,
        description: "notification steps name existing contact methods",
        sql: include_str!("../../migrations/sqlite/0002_profile_step_methods.sql"),
    },
    Migration {
        version: 3,
        description: "platform-owned rows are never deleted through a cascade",
        sql: include_str!("../../migrations/sqlite/0003_platform_rows_kept.sql"),
    },
    Migration {
        version: 4,
        description: "calendar feeds and event revisions",
        sql: include_str!("../../migrations/sqlite/0004_calendar_feeds.sql"),
    },
    Migration {
        version: 5,
        description: "roster's settings: the self-service fields in force",
        sql: include_str!("../../migrations/sqlite/0005_roster_settings.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        description: "directory, platform state and bookkeeping",
        sql: include_str!("../../migrations/postgres/0001_directory.sql"),
    },
    Migration {
        version: 2,
        description: "notification steps name existing contact methods",
        sql: include_str!("../../migrations/postgres/0002_profile_step_methods.sql"),
    },
    Migration {
        version: 3,
        description: "platform-owned rows are never deleted through a cascade",
        sql: include_str!("../../migrations/postgres/0003_platform_rows_kept.sql"),
    },
    Migration {
        version: 4,
        description: "calendar feeds and event revisions",
        sql: include_str!("../../migrations/postgres/0004_calendar_feeds.sql"),
    },
    Migration {
        version: 5,
        description: "roster's settings: the self-service fields in force",
        sql: include_str!("../../migrations/postgres/0005_roster_settings.sql"),
    },
];

/// The migrations roster ships for an engine.
pub fn migrations(engine: EngineKind) -> &'static [Migration] {
    match engine {
        EngineKind::Sqlite => SQLITE,
        EngineKind::Postgres => POSTGRES,
    }
}

impl Migration {
    /// SHA-256 of the SQL, hex.
    pub fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A migration recorded as applied in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// Version.
    pub version: i64,
    /// Description as recorded.
    pub description: String,
    /// Checksum as recorded.
    pub checksum: String,
    /// When.
    pub applied_at: DateTime<Utc>,
}

/// Where a database stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Applied migrations, by version.
    pub applied: Vec<AppliedMigration>,
    /// Shipped migrations not yet applied.
    pub pending: Vec<Migration>,
}

impl PartialEq for Migration {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

impl Eq for Migration {}

pub(crate) const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS roster_migrations (
    version     BIGINT PRIMARY KEY,
    description TEXT   NOT NULL,
    checksum    TEXT   NOT NULL,
    applied_at  TEXT   NOT NULL
)";

/// Reads the applied migrations (creating the bookkeeping table if needed)
/// and checks them against the shipped ones.
pub(crate) async fn status<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    location: &str,
) -> Result<MigrationStatus, StoreError> {
    conn.run(BOOKKEEPING, Vec::new())
        .await
        .map_err(StoreError::query("preparing migrations"))?;
    let applied = applied(conn)
        .await
        .map_err(StoreError::query("reading migrations"))?;
    compare::<DB>(applied, location)
}

/// Whether the database has every shipped migration and nothing else,
/// found without writing anything (no bookkeeping table is created).
pub(crate) async fn is_current<DB: Engine>(conn: &mut Conn<'_, DB>) -> bool {
    match applied(conn).await {
        Ok(applied) => compare::<DB>(applied, "").is_ok_and(|s| s.pending.is_empty()),
        Err(_) => false,
    }
}

/// The migrations recorded as applied.
async fn applied<DB: Engine>(
    conn: &mut Conn<'_, DB>,
) -> Result<Vec<AppliedMigration>, sqlx::Error> {
    let mut applied = Vec::new();
    conn.each_row(
        "SELECT version, description, checksum, applied_at FROM roster_migrations ORDER BY version",
        Vec::new(),
        |row| {
            let applied_at = DB::text(row, 3)?;
            applied.push(AppliedMigration {
                version: DB::int(row, 0)?,
                description: DB::text(row, 1)?,
                checksum: DB::text(row, 2)?,
                applied_at: DateTime::parse_from_rfc3339(&applied_at)
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_default(),
            });
            Ok(())
        },
    )
    .await?;
    Ok(applied)
}

/// The applied migrations against the shipped ones.
fn compare<DB: Engine>(
    applied: Vec<AppliedMigration>,
    location: &str,
) -> Result<MigrationStatus, StoreError> {
    let shipped = migrations(DB::KIND);
    for record in &applied {
        match shipped.iter().find(|m| m.version == record.version) {
            None => {
                return Err(StoreError::NewerDatabase {
                    location: location.to_string(),
                    version: record.version,
                    description: record.description.clone(),
                    known: shipped.last().map_or(0, |m| m.version),
                });
            }
            Some(migration) if migration.checksum() != record.checksum => {
                return Err(StoreError::ModifiedMigration {
                    location: location.to_string(),
                    version: record.version,
                    description: record.description.clone(),
                });
            }
            Some(_) => {}
        }
    }
    let pending = shipped
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version == m.version))
        .copied()
        .collect();
    Ok(MigrationStatus { applied, pending })
}

/// Applies one migration and records it, on a connection inside a transaction.
pub(crate) async fn apply_one<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    migration: &Migration,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let failed = |source| StoreError::Migration {
        version: migration.version,
        source,
    };
    conn.run_script(migration.sql).await.map_err(failed)?;
    let sql = format!(
        "INSERT INTO roster_migrations (version, description, checksum, applied_at) VALUES ({}, {}, {}, {})",
        DB::placeholder(1),
        DB::placeholder(2),
        DB::placeholder(3),
        DB::placeholder(4)
    );
    let binds = vec![
        Bind::Int(migration.version),
        Bind::Text(migration.description.to_string()),
        Bind::Text(migration.checksum()),
        Bind::Text(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    ];
    conn.run(sql, binds).await.map_err(failed)?;
    Ok(())
}
