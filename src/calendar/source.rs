//! What a calendar is made of, as read from the live directory for one
//! person or one group: the people it names, shifts, out-of-office windows
//! and their covers, each with the revision the database keeps for it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

/// A person a calendar names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Row id: stable across renames, so event UIDs are too.
    pub id: i64,
    /// Username.
    pub username: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// IANA time zone as written, if set.
    pub time_zone: Option<String>,
}

impl Person {
    /// "First Last", or the username when both names are empty.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        match name.trim() {
            "" => self.username.clone(),
            name => name.to_string(),
        }
    }

    /// "First Last (username)".
    pub fn full(&self) -> String {
        format!("{} ({})", self.display_name(), self.username)
    }
}

/// A group a calendar names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it does.
    pub description: Option<String>,
}

/// Whose calendar it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// One person's: their shifts, absences and the absences they cover.
    User(Person),
    /// One group's: its shifts and its members' absences with their covers.
    Group(GroupInfo),
}

/// How often the database saw a shift or window written, and when last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    /// 0 when first written, one more at every later write.
    pub sequence: i64,
    /// When it was last written.
    pub revised_at: DateTime<Utc>,
}

/// An on-call shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftRecord {
    /// Row id.
    pub id: i64,
    /// The group's name.
    pub group: String,
    /// Who is on call (a [`Person`] id).
    pub user_id: i64,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Its revision, when the database recorded one.
    pub revision: Option<Revision>,
}

/// Who covers an absence, by [`Person`] id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbsenceCover {
    /// One person for every group.
    AllGroups(i64),
    /// One person per group name; empty when nobody covers.
    PerGroup(BTreeMap<String, i64>),
}

impl AbsenceCover {
    /// Who covers `group`, if anyone.
    pub fn for_group(&self, group: &str) -> Option<i64> {
        match self {
            AbsenceCover::AllGroups(id) => Some(*id),
            AbsenceCover::PerGroup(map) => map.get(group).copied(),
        }
    }
}

/// An out-of-office window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceRecord {
    /// Whose (a [`Person`] id).
    pub user_id: i64,
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub until: DateTime<Utc>,
    /// Why.
    pub note: Option<String>,
    /// Who covers.
    pub cover: AbsenceCover,
    /// Its revision, when the database recorded one.
    pub revision: Option<Revision>,
}

/// Everything one calendar needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSource {
    /// Whose calendar.
    pub subject: Subject,
    /// Every person the shifts and absences name, by id.
    pub people: BTreeMap<i64, Person>,
    /// The group's members (a group's calendar), by id.
    pub members: Vec<i64>,
    /// Shifts: the person's own, or the group's.
    pub shifts: Vec<ShiftRecord>,
    /// Absences: the person's own and those they cover, or the members'.
    pub absences: Vec<AbsenceRecord>,
}

impl CalendarSource {
    /// The person with `id`, or a stand-in naming the id (a row the read
    /// did not return cannot happen inside one read transaction).
    pub fn person(&self, id: i64) -> Person {
        self.people.get(&id).cloned().unwrap_or_else(|| Person {
            id,
            username: format!("user #{id}"),
            first_name: String::new(),
            last_name: String::new(),
            time_zone: None,
        })
    }
}
