//! Calendar feeds: issuing and revoking feed tokens, and the targeted
//! reads one calendar needs — a person's or a group's rows only, by index,
//! in three or four queries, never the whole directory — so a feed request
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
        Lookup::Token(token) => feed_subject(&mut conn, token).await,
        Lookup::Key(key) => named_subject(&mut conn, key).await,
    }
    .map_err(&failed)?;
    match subject {
        Some(subject) => Ok(Some(
            read_source(&mut conn, subject).await.map_err(&failed)?,
        )),
        None => Ok(None),
    }
}

/// Columns of a person, for `users` as `alias`.
fn person_columns(alias: &str) -> String {
    ["id", "username", "first_name", "last_name", "time_zone"]
        .map(|c| format!("{alias}.{c}"))
        .join(", ")
}

/// The person in the five columns from `at`; `None` when the id is NULL
/// (an outer join that found nobody).
fn person<DB: Engine>(row: &DB::Row, at: usize) -> Result<Option<Person>, sqlx::Error> {
    let Some(id) = DB::opt_int(row, at)? else {
        return Ok(None);
    };
    Ok(Some(Person {
        id,
        username: DB::text(row, at + 1)?,
        first_name: DB::text(row, at + 2)?,
        last_name: DB::text(row, at + 3)?,
        time_zone: DB::opt_text(row, at + 4)?,
    }))
}

/// The group in the three columns from `at`, if the id is not NULL.
fn group<DB: Engine>(row: &DB::Row, at: usize) -> Result<Option<GroupInfo>, sqlx::Error> {
    let Some(id) = DB::opt_int(row, at)? else {
        return Ok(None);
    };
    Ok(Some(GroupInfo {
        id,
        name: DB::text(row, at + 1)?,
        description: DB::opt_text(row, at + 2)?,
    }))
}

/// The subject of a working feed whose secret matches, read with the feed.
async fn feed_subject<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    token: &FeedToken,
) -> Result<Option<Subject>, sqlx::Error> {
    let sql = format!(
        "SELECT f.secret_hash, {}, g.id, g.name, g.description FROM calendar_feeds f \
         LEFT JOIN users u ON u.id = f.user_id LEFT JOIN groups g ON g.id = f.group_id \
         WHERE f.selector = {} AND f.revoked_at IS NULL",
        person_columns("u"),
        DB::placeholder(1)
    );
    let mut found = None;
    conn.each_row(sql, vec![Bind::Text(token.selector.clone())], |row| {
        found = Some((
            DB::text(row, 0)?,
            person::<DB>(row, 1)?,
            group::<DB>(row, 6)?,
        ));
        Ok(())
    })
    .await?;
    Ok(match found {
        Some((hash, user, group)) if token.matches(&hash) => match (user, group) {
            (Some(user), _) => Some(Subject::User(user)),
            (None, Some(group)) => Some(Subject::Group(group)),
            (None, None) => None,
        },
        _ => None,
    })
}

/// The subject of a key, if it exists.
async fn named_subject<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    key: &SubjectKey,
) -> Result<Option<Subject>, sqlx::Error> {
    let p = DB::placeholder(1);
    let users = format!("SELECT {} FROM users u WHERE", person_columns("u"));
    let groups = "SELECT g.id, g.name, g.description FROM groups g WHERE";
    let (sql, bind) = match key {
        SubjectKey::UserName(name) => (
            format!("{users} u.username = {p}"),
            Bind::Text(name.to_lowercase()),
        ),
        SubjectKey::UserId(id) => (format!("{users} u.id = {p}"), Bind::Int(*id)),
        SubjectKey::GroupName(name) => (format!("{groups} g.name = {p}"), Bind::Text(name.clone())),
        SubjectKey::GroupId(id) => (format!("{groups} g.id = {p}"), Bind::Int(*id)),
    };
    let is_user = matches!(key, SubjectKey::UserName(_) | SubjectKey::UserId(_));
    let mut found = None;
    conn.each_row(sql, vec![bind], |row| {
        found = if is_user {
            person::<DB>(row, 0)?.map(Subject::User)
        } else {
            group::<DB>(row, 0)?.map(Subject::Group)
        };
        Ok(())
    })
    .await?;
    Ok(found)
}

/// Reads what the calendar of `subject` shows, names joined in, so that a
/// person's calendar takes three queries (four with per-group covers).
async fn read_source<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    subject: Subject,
) -> Result<CalendarSource, sqlx::Error> {
    let p1 = DB::placeholder(1);
    let mut people = BTreeMap::new();
    let mut members = Vec::new();
    let (id, is_user, shift_filter) = match &subject {
        Subject::User(me) => {
            people.insert(me.id, me.clone());
            (me.id, true, "s.user_id")
        }
        Subject::Group(group) => {
            conn.each_row(
                format!(
                    "SELECT {} FROM group_members m JOIN users u ON u.id = m.user_id \
                     WHERE m.group_id = {p1} ORDER BY u.id",
                    person_columns("u")
                ),
                vec![Bind::Int(group.id)],
                |row| {
                    if let Some(member) = person::<DB>(row, 0)? {
                        members.push(member.id);
                        people.insert(member.id, member);
                    }
                    Ok(())
                },
            )
            .await?;
            (group.id, false, "s.group_id")
        }
    };

    let mut shifts = Vec::new();
    conn.each_row(
        format!(
            "SELECT s.id, g.name, s.starts_at, s.ends_at, r.revision, r.revised_at, {} \
             FROM oncall_shifts s JOIN groups g ON g.id = s.group_id JOIN users u ON u.id = s.user_id \
             LEFT JOIN calendar_shift_revisions r ON r.shift_id = s.id \
             WHERE {shift_filter} = {p1} ORDER BY s.starts_at, s.id",
            person_columns("u")
        ),
        vec![Bind::Int(id)],
        |row| {
            let Some(person) = person::<DB>(row, 6)? else {
                return Ok(());
            };
            shifts.push(ShiftRecord {
                id: DB::int(row, 0)?,
                group: DB::text(row, 1)?,
                user_id: person.id,
                starts_at: DB::time(row, 2)?,
                ends_at: DB::time(row, 3)?,
                revision: revision::<DB>(row, 4)?,
            });
            people.insert(person.id, person);
            Ok(())
        },
    )
    .await?;

    let absences = match is_user {
        true => absences(conn, Owners::User(id), &mut people).await?,
        false => absences(conn, Owners::Members(&members), &mut people).await?,
    };
    Ok(CalendarSource {
        subject,
        people,
        members,
        shifts,
        absences,
    })
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

/// A window's columns, its owner's and its whole cover's (`o.*`, `c.*`).
fn window_columns() -> String {
    format!(
        "w.user_id, w.starts_at, w.ends_at, w.note, r.revision, r.revised_at, {}, {}",
        person_columns("o"),
        person_columns("c")
    )
}

const WINDOW_JOINS: &str = "JOIN users o ON o.id = w.user_id \
     LEFT JOIN users c ON c.id = w.cover_user_id \
     LEFT JOIN calendar_oof_revisions r ON r.user_id = w.user_id AND r.starts_at = w.starts_at";

/// Ids for an `IN (…)` list, the last repeated up to a power of two (at
/// most `max`): the database then prepares and plans a handful of
/// statement shapes once, rather than one per group size on every
/// connection.
fn padded(ids: &[i64], max: usize) -> Vec<i64> {
    let Some(last) = ids.last() else {
        return Vec::new();
    };
    let size = ids.len().next_power_of_two().max(4).min(max.max(ids.len()));
    let mut list = ids.to_vec();
    list.resize(size.max(ids.len()), *last);
    list
}

/// Whose windows a calendar shows.
enum Owners<'a> {
    /// A user's own and those they cover.
    User(i64),
    /// A group's members' (their ids, read before).
    Members(&'a [i64]),
}

/// A user's own windows and those they cover (whole or for a group), or
/// a group's members' windows, each with its per-group covers; everyone
/// they name goes into `people`.
async fn absences<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    owners: Owners<'_>,
    people: &mut BTreeMap<i64, Person>,
) -> Result<Vec<AbsenceRecord>, sqlx::Error> {
    let (p1, p2, p3) = (DB::placeholder(1), DB::placeholder(2), DB::placeholder(3));
    let columns = window_columns();
    let queries = match owners {
        // Three indexed reads rather than one OR, which would scan.
        Owners::User(id) => vec![(
            format!(
                "SELECT {columns} FROM oof_windows w {WINDOW_JOINS} WHERE w.user_id = {p1} \
                 UNION SELECT {columns} FROM oof_windows w {WINDOW_JOINS} WHERE w.cover_user_id = {p2} \
                 UNION SELECT {columns} FROM oof_group_covers gc \
                 JOIN oof_windows w ON w.user_id = gc.user_id AND w.starts_at = gc.starts_at {WINDOW_JOINS} \
                 WHERE gc.cover_user_id = {p3}"
            ),
            vec![Bind::Int(id), Bind::Int(id), Bind::Int(id)],
        )],
        // By the members' ids: a join with the membership table lets
        // PostgreSQL read every window to hash them.
        Owners::Members(ids) => padded(ids, DB::MAX_PARAMS)
            .chunks(DB::MAX_PARAMS)
            .map(|chunk| {
                (
                    format!(
                        "SELECT {columns} FROM oof_windows w {WINDOW_JOINS} WHERE {}",
                        Conn::<DB>::in_list("w.user_id", chunk.len(), 0)
                    ),
                    chunk.iter().map(|id| Bind::Int(*id)).collect(),
                )
            })
            .collect(),
    };
    let mut windows = Vec::new();
    for (sql, binds) in queries {
        absence_rows(conn, sql, binds, &mut windows, people).await?;
    }
    covers(conn, &mut windows, people).await?;
    windows.sort_by_key(|w| (w.from, w.user_id));
    Ok(windows)
}

/// Reads windows with their owners and whole covers.
async fn absence_rows<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    sql: String,
    binds: Vec<Bind>,
    windows: &mut Vec<AbsenceRecord>,
    people: &mut BTreeMap<i64, Person>,
) -> Result<(), sqlx::Error> {
    conn.each_row(sql, binds, |row| {
        let (owner, cover) = (person::<DB>(row, 6)?, person::<DB>(row, 11)?);
        let Some(owner) = owner else { return Ok(()) };
        windows.push(AbsenceRecord {
            user_id: owner.id,
            from: DB::time(row, 1)?,
            until: DB::time(row, 2)?,
            note: DB::opt_text(row, 3)?,
            cover: match &cover {
                Some(cover) => AbsenceCover::AllGroups(cover.id),
                None => AbsenceCover::PerGroup(BTreeMap::new()),
            },
            revision: revision::<DB>(row, 4)?,
        });
        people.insert(owner.id, owner);
        if let Some(cover) = cover {
            people.insert(cover.id, cover);
        }
        Ok(())
    })
    .await
}

/// Fills in the per-group covers of the windows that have them.
async fn covers<DB: Engine>(
    conn: &mut Conn<'_, DB>,
    windows: &mut [AbsenceRecord],
    people: &mut BTreeMap<i64, Person>,
) -> Result<(), sqlx::Error> {
    let owners: BTreeSet<i64> = windows
        .iter()
        .filter(|w| matches!(w.cover, AbsenceCover::PerGroup(_)))
        .map(|w| w.user_id)
        .collect();
    let owners: Vec<i64> = owners.into_iter().collect();
    let owners = padded(&owners, DB::MAX_PARAMS);
    let mut covers: BTreeMap<(i64, DateTime<Utc>), BTreeMap<String, i64>> = BTreeMap::new();
    for chunk in owners.chunks(DB::MAX_PARAMS) {
        let sql = format!(
            "SELECT gc.user_id, gc.starts_at, g.name, {} FROM oof_group_covers gc \
             JOIN groups g ON g.id = gc.group_id JOIN users c ON c.id = gc.cover_user_id WHERE {}",
            person_columns("c"),
            Conn::<DB>::in_list("gc.user_id", chunk.len(), 0)
        );
        let binds = chunk.iter().map(|id| Bind::Int(*id)).collect();
        conn.each_row(sql, binds, |row| {
            let Some(cover) = person::<DB>(row, 3)? else {
                return Ok(());
            };
            covers
                .entry((DB::int(row, 0)?, DB::time(row, 1)?))
                .or_default()
                .insert(DB::text(row, 2)?, cover.id);
            people.insert(cover.id, cover);
            Ok(())
        })
        .await?;
    }
    for window in windows.iter_mut() {
        if let AbsenceCover::PerGroup(map) = &mut window.cover
            && let Some(found) = covers.remove(&(window.user_id, window.from))
        {
            *map = found;
        }
    }
    Ok(())
}
