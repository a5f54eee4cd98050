//! Calendar feeds: issuing and revoking feed tokens, and the targeted
//! reads one calendar needs — a person's or a group's rows only, by index,
//! in one read transaction, never the whole directory — so a feed request
//! costs the same in a directory of 100 or of 100,000 people.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::Pool;

use super::engine::{Bind, Conn, Counters, Engine};
use super::{Pools, Store, StoreError};
use crate::calendar::source::{
    AbsenceCover, AbsenceRecord, CalendarSource, GroupInfo, Person, Revision, ShiftRecord, Subject,
};
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
        let key = key.clone();
        with_pool!(self, pool => source_with(pool.clone(), self.counters.clone(), None, key).await)
    }

    /// The calendar source behind a feed token; `None` when the token is
    /// unknown, revoked or wrong, or its subject is gone — all alike.
    pub async fn feed_source(
        &self,
        token: &FeedToken,
    ) -> Result<Option<CalendarSource>, StoreError> {
        let (token, key) = (Some(token.clone()), SubjectKey::UserId(0));
        with_pool!(self, pool => source_with(pool.clone(), self.counters.clone(), token, key).await)
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

async fn source_with<DB: Engine>(
    pool: Pool<DB>,
    counter: Arc<Counters>,
    token: Option<FeedToken>,
    key: SubjectKey,
) -> Result<Option<CalendarSource>, StoreError> {
    let failed = StoreError::query("reading a calendar");
    let mut tx = pool.begin_with(DB::BEGIN_READ).await.map_err(&failed)?;
    let mut conn = Conn::<DB> {
        conn: &mut tx,
        counter: &counter,
    };
    let key = match &token {
        Some(token) => match feed_subject(&mut conn, token).await.map_err(&failed)? {
            Some(key) => key,
            None => return Ok(None),
        },
        None => key,
    };
    let source = read_source(&mut conn, &key).await.map_err(&failed)?;
    tx.rollback().await.map_err(&failed)?;
    Ok(source)
}

/// The subject of a working feed whose secret matches.
async fn feed_subject<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    token: &FeedToken,
) -> Result<Option<SubjectKey>, sqlx::Error> {
    let sql = format!(
        "SELECT secret_hash, user_id, group_id FROM calendar_feeds WHERE selector = {} AND revoked_at IS NULL",
        DB::placeholder(1)
    );
    let mut found = None;
    conn.each_row(sql, vec![Bind::Text(token.selector.clone())], |row| {
        found = Some((
            DB::text(row, 0)?,
            DB::opt_int(row, 1)?,
            DB::opt_int(row, 2)?,
        ));
        Ok(())
    })
    .await?;
    Ok(match found {
        Some((hash, user, group)) if token.matches(&hash) => match (user, group) {
            (Some(user), _) => Some(SubjectKey::UserId(user)),
            (None, Some(group)) => Some(SubjectKey::GroupId(group)),
            (None, None) => None,
        },
        _ => None,
    })
}

const PERSON_COLUMNS: &str = "id, username, first_name, last_name, time_zone";

fn person<DB: Engine>(row: &DB::Row) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: DB::int(row, 0)?,
        username: DB::text(row, 1)?,
        first_name: DB::text(row, 2)?,
        last_name: DB::text(row, 3)?,
        time_zone: DB::opt_text(row, 4)?,
    })
}

/// Reads what the calendar of `key` shows.
async fn read_source<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    key: &SubjectKey,
) -> Result<Option<CalendarSource>, sqlx::Error> {
    let Some((is_user, id)) = subject_id(conn, key).await? else {
        return Ok(None);
    };
    let p1 = DB::placeholder(1);
    let (subject, members, shift_filter) = if is_user {
        let people = people(conn, &[id]).await?;
        let Some(me) = people.into_values().next() else {
            return Ok(None);
        };
        (Subject::User(me), Vec::new(), "s.user_id")
    } else {
        let mut group = None;
        conn.each_row(
            format!("SELECT id, name, description FROM groups WHERE id = {p1}"),
            vec![Bind::Int(id)],
            |row| {
                group = Some(GroupInfo {
                    id: DB::int(row, 0)?,
                    name: DB::text(row, 1)?,
                    description: DB::opt_text(row, 2)?,
                });
                Ok(())
            },
        )
        .await?;
        let Some(group) = group else {
            return Ok(None);
        };
        let mut members = Vec::new();
        conn.each_row(
            format!("SELECT user_id FROM group_members WHERE group_id = {p1} ORDER BY user_id"),
            vec![Bind::Int(id)],
            |row| {
                members.push(DB::int(row, 0)?);
                Ok(())
            },
        )
        .await?;
        (Subject::Group(group), members, "s.group_id")
    };

    let mut shifts = Vec::new();
    conn.each_row(
        format!(
            "SELECT s.id, g.name, s.user_id, s.starts_at, s.ends_at, r.revision, r.revised_at \
             FROM oncall_shifts s JOIN groups g ON g.id = s.group_id \
             LEFT JOIN calendar_shift_revisions r ON r.shift_id = s.id \
             WHERE {shift_filter} = {p1} ORDER BY s.starts_at, s.id"
        ),
        vec![Bind::Int(id)],
        |row| {
            shifts.push(ShiftRecord {
                id: DB::int(row, 0)?,
                group: DB::text(row, 1)?,
                user_id: DB::int(row, 2)?,
                starts_at: DB::time(row, 3)?,
                ends_at: DB::time(row, 4)?,
                revision: revision::<DB>(row, 5)?,
            });
            Ok(())
        },
    )
    .await?;

    let absences = absences(conn, is_user, id).await?;

    let mut ids: BTreeSet<i64> = members.iter().copied().collect();
    ids.extend(shifts.iter().map(|s| s.user_id));
    for absence in &absences {
        ids.insert(absence.user_id);
        match &absence.cover {
            AbsenceCover::AllGroups(cover) => {
                ids.insert(*cover);
            }
            AbsenceCover::PerGroup(map) => ids.extend(map.values().copied()),
        }
    }
    if let Subject::User(me) = &subject {
        ids.insert(me.id);
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    let people = people(conn, &ids).await?;
    Ok(Some(CalendarSource {
        subject,
        people,
        members,
        shifts,
        absences,
    }))
}

fn revision<DB: Engine>(row: &DB::Row, at: usize) -> Result<Option<Revision>, sqlx::Error> {
    Ok(match DB::opt_int(row, at)? {
        Some(sequence) => Some(Revision {
            sequence,
            revised_at: DB::time(row, at + 1)?,
        }),
        None => None,
    })
}

/// The people with these ids.
async fn people<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    ids: &[i64],
) -> Result<BTreeMap<i64, Person>, sqlx::Error> {
    let mut people = BTreeMap::new();
    for chunk in ids.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "SELECT {PERSON_COLUMNS} FROM users WHERE {}",
            Conn::<DB>::in_list("id", chunk.len(), 0)
        );
        let binds = chunk.iter().map(|id| Bind::Int(*id)).collect();
        conn.each_row(sql, binds, |row| {
            let person = person::<DB>(row)?;
            people.insert(person.id, person);
            Ok(())
        })
        .await?;
    }
    Ok(people)
}

const WINDOW_COLUMNS: &str =
    "w.user_id, w.starts_at, w.ends_at, w.cover_user_id, w.note, r.revision, r.revised_at";
const WINDOW_REVISIONS: &str =
    "LEFT JOIN calendar_oof_revisions r ON r.user_id = w.user_id AND r.starts_at = w.starts_at";

/// A user's own windows and those they cover (whole or for a group), or
/// a group's members' windows, each with its per-group covers.
async fn absences<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    is_user: bool,
    id: i64,
) -> Result<Vec<AbsenceRecord>, sqlx::Error> {
    let (p1, p2, p3) = (DB::placeholder(1), DB::placeholder(2), DB::placeholder(3));
    let (sql, binds) = if is_user {
        // Three indexed reads rather than one OR, which would scan.
        (
            format!(
                "SELECT {WINDOW_COLUMNS} FROM oof_windows w {WINDOW_REVISIONS} WHERE w.user_id = {p1} \
                 UNION SELECT {WINDOW_COLUMNS} FROM oof_windows w {WINDOW_REVISIONS} WHERE w.cover_user_id = {p2} \
                 UNION SELECT {WINDOW_COLUMNS} FROM oof_group_covers c \
                 JOIN oof_windows w ON w.user_id = c.user_id AND w.starts_at = c.starts_at {WINDOW_REVISIONS} \
                 WHERE c.cover_user_id = {p3}"
            ),
            vec![Bind::Int(id), Bind::Int(id), Bind::Int(id)],
        )
    } else {
        (
            format!(
                "SELECT {WINDOW_COLUMNS} FROM group_members m JOIN oof_windows w ON w.user_id = m.user_id \
                 {WINDOW_REVISIONS} WHERE m.group_id = {p1}"
            ),
            vec![Bind::Int(id)],
        )
    };
    let mut windows = Vec::new();
    conn.each_row(sql, binds, |row| {
        let cover = DB::opt_int(row, 3)?;
        windows.push(AbsenceRecord {
            user_id: DB::int(row, 0)?,
            from: DB::time(row, 1)?,
            until: DB::time(row, 2)?,
            note: DB::opt_text(row, 4)?,
            cover: match cover {
                Some(cover) => AbsenceCover::AllGroups(cover),
                None => AbsenceCover::PerGroup(BTreeMap::new()),
            },
            revision: revision::<DB>(row, 5)?,
        });
        Ok(())
    })
    .await?;
    let owners: BTreeSet<i64> = windows
        .iter()
        .filter(|w| matches!(w.cover, AbsenceCover::PerGroup(_)))
        .map(|w| w.user_id)
        .collect();
    let owners: Vec<i64> = owners.into_iter().collect();
    let mut covers: BTreeMap<(i64, DateTime<Utc>), BTreeMap<String, i64>> = BTreeMap::new();
    for chunk in owners.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "SELECT c.user_id, c.starts_at, g.name, c.cover_user_id FROM oof_group_covers c \
             JOIN groups g ON g.id = c.group_id WHERE {}",
            Conn::<DB>::in_list("c.user_id", chunk.len(), 0)
        );
        let binds = chunk.iter().map(|id| Bind::Int(*id)).collect();
        conn.each_row(sql, binds, |row| {
            covers
                .entry((DB::int(row, 0)?, DB::time(row, 1)?))
                .or_default()
                .insert(DB::text(row, 2)?, DB::int(row, 3)?);
            Ok(())
        })
        .await?;
    }
    for window in &mut windows {
        if let AbsenceCover::PerGroup(map) = &mut window.cover
            && let Some(found) = covers.remove(&(window.user_id, window.from))
        {
            *map = found;
        }
    }
    windows.sort_by_key(|w| (w.from, w.user_id));
    Ok(windows)
}
