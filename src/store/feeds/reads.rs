//! The rows of one calendar: a feed and its subject, then the subject's
//! shifts and out-of-office windows with everyone they name joined in, by
//! index. Each query is consistent in itself; see [`super`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};

use super::SubjectKey;
use crate::calendar::source::{
    AbsenceCover, AbsenceRecord, CalendarSource, GroupInfo, Person, Revision, ShiftRecord, Subject,
};
use crate::calendar::token::FeedToken;
use crate::store::engine::{Bind, Conn, Engine};

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
pub(super) async fn feed_subject<DB: Engine>(
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
pub(super) async fn named_subject<DB: Engine>(
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
pub(super) async fn read_source<DB: Engine>(
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
            "SELECT s.id, {}, s.starts_at, s.ends_at, {}, {} \
             FROM oncall_shifts s JOIN users u ON u.id = s.user_id \
             WHERE {shift_filter} = {p1} ORDER BY s.starts_at, s.id",
            GROUP_NAME.replace("{id}", "s.group_id"),
            SHIFT_REVISION,
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

// The small tables (groups, revisions) are read by correlated
// subqueries rather than joins: a statement is prepared once per
// connection, and PostgreSQL's generic plan for an `IN` list of many
// parameters expects as many rows and hashes the whole small table on
// every request (a sequential scan of 20,000 revisions, seen at 8–36 ms
// per query under load), where a subquery is one index lookup a row.

/// A group's name by the id column `{id}`.
const GROUP_NAME: &str = "(SELECT g.name FROM groups g WHERE g.id = {id})";

/// A shift's revision and when it was made (`s`).
const SHIFT_REVISION: &str = "(SELECT r.revision FROM calendar_shift_revisions r WHERE r.shift_id = s.id), \
     (SELECT r.revised_at FROM calendar_shift_revisions r WHERE r.shift_id = s.id)";

/// A window's columns, its owner's and its whole cover's (`o.*`, `c.*`).
fn window_columns() -> String {
    let revision =
        "FROM calendar_oof_revisions r WHERE r.user_id = w.user_id AND r.starts_at = w.starts_at";
    format!(
        "w.user_id, w.starts_at, w.ends_at, w.note, (SELECT r.revision {revision}), \
         (SELECT r.revised_at {revision}), {}, {}",
        person_columns("o"),
        person_columns("c")
    )
}

const WINDOW_JOINS: &str = "JOIN users o ON o.id = w.user_id \
     LEFT JOIN users c ON c.id = w.cover_user_id";

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
            "SELECT gc.user_id, gc.starts_at, {}, {} FROM oof_group_covers gc \
             JOIN users c ON c.id = gc.cover_user_id WHERE {}",
            GROUP_NAME.replace("{id}", "gc.group_id"),
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
