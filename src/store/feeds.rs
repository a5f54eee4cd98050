//! Calendar feeds: issuing and revoking feed tokens, and the targeted
//! reads one calendar needs — a person's or a group's rows only, by index,
//! in three or four queries, never the whole directory — so a feed request
//! costs the same in a directory of 100 or of 100,000 people.

mod reads;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::Pool;

use super::engine::{Bind, Conn, Counters, Engine};
use super::{Pools, Store, StoreError};
use crate::calendar::source::CalendarSource;
use crate::calendar::token::FeedToken;

/// Whose calendar, by name (the command line) or by row id (a feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectKey {
    /// A user by username (any case).
    UserName(String),
    /// A group by name.
    GroupName(String),
    /// A user by row id.
    UserId(i64),
    /// A group by row id.
    GroupId(i64),
}

impl std::fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SubjectKey::UserName(name) => write!(f, "user `{name}`"),
            SubjectKey::GroupName(name) => write!(f, "group `{name}`"),
            SubjectKey::UserId(id) => write!(f, "user #{id}"),
            SubjectKey::GroupId(id) => write!(f, "group #{id}"),
        }
    }
}

/// A feed just issued.
#[derive(Debug)]
pub struct IssuedFeed {
    /// The token, to be shown once.
    pub token: FeedToken,
    /// Feeds of the same person or group that still work, this one included.
    pub active: u64,
}

impl Store {
    /// The calendar source of a user or group; `None` when there is none
    /// of that name.
    pub async fn calendar_source(
        &self,
        key: &SubjectKey,
    ) -> Result<Option<CalendarSource>, StoreError> {
        let lookup = Lookup::Key(key.clone());
        with_pool!(self, pool => source_with(pool.clone(), self.counters.clone(), lookup).await)
    }

    /// The calendar source behind a feed token; `None` when the token is
    /// unknown, revoked or wrong, or its subject is gone — all alike.
    pub async fn feed_source(
        &self,
        token: &FeedToken,
    ) -> Result<Option<CalendarSource>, StoreError> {
        let lookup = Lookup::Token(token.clone());
        with_pool!(self, pool => source_with(pool.clone(), self.counters.clone(), lookup).await)
    }

    /// Issues a new feed for a user or group; `None` when there is none of
    /// that name. Feeds issued before keep working.
    pub async fn issue_feed(
        &self,
        key: &SubjectKey,
        now: DateTime<Utc>,
    ) -> Result<Option<IssuedFeed>, StoreError> {
        with_pool!(self, pool => issue_with(pool, &self.counters, key, now).await)
    }

    /// Withdraws every working feed of a user or group; returns how many,
    /// or `None` when there is no user or group of that name.
    pub async fn revoke_feeds(
        &self,
        key: &SubjectKey,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, StoreError> {
        with_pool!(self, pool => revoke_with(pool, &self.counters, key, now).await)
    }

    /// Whether the database answers (a health check).
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_pool!(self, pool => ping_with(pool.clone(), self.counters.clone()).await)
    }
}

async fn ping_with<DB: Engine>(pool: Pool<DB>, counter: Arc<Counters>) -> Result<(), StoreError> {
    let mut connection = pool
        .acquire()
        .await
        .map_err(StoreError::query("connecting"))?;
    Conn::<DB> {
        conn: &mut connection,
        counter: &counter,
    }
    .run("SELECT 1", Vec::new())
    .await
    .map(|_| ())
    .map_err(StoreError::query("checking the database"))
}

/// `users.id` or `groups.id` of a key, if the row exists.
async fn subject_id<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    key: &SubjectKey,
) -> Result<Option<(bool, i64)>, sqlx::Error> {
    let p = DB::placeholder(1);
    let (is_user, sql, bind) = match key {
        SubjectKey::UserName(name) => (
            true,
            format!("SELECT id FROM users WHERE username = {p}"),
            Bind::Text(name.to_lowercase()),
        ),
        SubjectKey::UserId(id) => (
            true,
            format!("SELECT id FROM users WHERE id = {p}"),
            Bind::Int(*id),
        ),
        SubjectKey::GroupName(name) => (
            false,
            format!("SELECT id FROM groups WHERE name = {p}"),
            Bind::Text(name.clone()),
        ),
        SubjectKey::GroupId(id) => (
            false,
            format!("SELECT id FROM groups WHERE id = {p}"),
            Bind::Int(*id),
        ),
    };
    let mut found = None;
    conn.each_row(sql, vec![bind], |row| {
        found = Some(DB::int(row, 0)?);
        Ok(())
    })
    .await?;
    Ok(found.map(|id| (is_user, id)))
}

async fn issue_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    key: &SubjectKey,
    now: DateTime<Utc>,
) -> Result<Option<IssuedFeed>, StoreError> {
    let failed = StoreError::query("issuing a calendar feed");
    let token = FeedToken::generate().map_err(|e| StoreError::Query {
        doing: "issuing a calendar feed",
        source: sqlx::Error::Protocol(e.to_string()),
    })?;
    let mut tx = pool.begin_with(DB::BEGIN_WRITE).await.map_err(&failed)?;
    let mut conn = Conn::<DB> {
        conn: &mut tx,
        counter,
    };
    let Some((is_user, id)) = subject_id(&mut conn, key).await.map_err(&failed)? else {
        return Ok(None);
    };
    let column = if is_user { "user_id" } else { "group_id" };
    let sql = format!(
        "INSERT INTO calendar_feeds (selector, secret_hash, {column}, created_at) VALUES ({}, {}, {}, {})",
        DB::placeholder(1),
        DB::placeholder(2),
        DB::placeholder(3),
        DB::placeholder(4)
    );
    conn.run(
        sql,
        vec![
            Bind::Text(token.selector.clone()),
            Bind::Text(token.secret_hash()),
            Bind::Int(id),
            Bind::Time(now),
        ],
    )
    .await
    .map_err(&failed)?;
    let active = active_feeds(&mut conn, column, id).await.map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(Some(IssuedFeed { token, active }))
}

async fn active_feeds<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    column: &str,
    id: i64,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*) FROM calendar_feeds WHERE {column} = {} AND revoked_at IS NULL",
        DB::placeholder(1)
    );
    let mut count = 0;
    conn.each_row(sql, vec![Bind::Int(id)], |row| {
        count = DB::int(row, 0)?;
        Ok(())
    })
    .await?;
    Ok(u64::try_from(count).unwrap_or(0))
}

async fn revoke_with<DB: Engine>(
    pool: &Pool<DB>,
    counter: &Counters,
    key: &SubjectKey,
    now: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let failed = StoreError::query("revoking calendar feeds");
    let mut tx = pool.begin_with(DB::BEGIN_WRITE).await.map_err(&failed)?;
    let mut conn = Conn::<DB> {
        conn: &mut tx,
        counter,
    };
    let Some((is_user, id)) = subject_id(&mut conn, key).await.map_err(&failed)? else {
        return Ok(None);
    };
    let column = if is_user { "user_id" } else { "group_id" };
    let sql = format!(
        "UPDATE calendar_feeds SET revoked_at = {} WHERE {column} = {} AND revoked_at IS NULL",
        DB::placeholder(1),
        DB::placeholder(2)
    );
    let revoked = conn
        .run(sql, vec![Bind::Time(now), Bind::Int(id)])
        .await
        .map_err(&failed)?;
    tx.commit().await.map_err(&failed)?;
    Ok(Some(revoked))
}

/// How a calendar's subject is found.
enum Lookup {
    /// By a feed's token.
    Token(FeedToken),
    /// By name or id.
    Key(SubjectKey),
}

async fn source_with<DB: Engine>(
    pool: Pool<DB>,
    counter: Arc<Counters>,
    lookup: Lookup,
) -> Result<Option<CalendarSource>, StoreError> {
    let failed = StoreError::query("reading a calendar");
    // No transaction: each query is consistent in itself (names are joined
    // in), and BEGIN and ROLLBACK would be two more round trips on every
    // feed request; a write between the queries shows at the next poll.
    let mut connection = pool.acquire().await.map_err(&failed)?;
    let mut conn = Conn::<DB> {
        conn: &mut connection,
        counter: &counter,
    };
    let subject = match &lookup {
        Lookup::Token(token) => reads::feed_subject(&mut conn, token).await,
        Lookup::Key(key) => reads::named_subject(&mut conn, key).await,
    }
    .map_err(&failed)?;
    match subject {
        Some(subject) => Ok(Some(
            reads::read_source(&mut conn, subject)
                .await
                .map_err(&failed)?,
        )),
        None => Ok(None),
    }
}
