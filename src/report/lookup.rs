//! `roster show user|group` and `roster who-is-out` as text and JSON.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::review::plain;
use crate::lookup::{Absence, GroupCard, ShiftLine, UserCard, WhoIsOut};

/// JSON with the format version under `key`.
pub fn json<T: Serialize>(key: &str, value: &T) -> String {
    let mut text = serde_json::to_string_pretty(&json!({
        "format_version": crate::lookup::FORMAT_VERSION,
        key: value,
    }))
    .expect("lookups serialise");
    text.push('\n');
    text
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn span(from: DateTime<Utc>, until: DateTime<Utc>) -> String {
    format!("{} → {}", when(from), when(until))
}

fn covers(absence: &Absence) -> String {
    let list: Vec<String> = absence
        .covered_by
        .iter()
        .map(|c| match &c.group {
            None => format!("{} (all groups)", plain(&c.user)),
            Some(g) => format!("{} ({})", plain(&c.user), plain(g)),
        })
        .collect();
    if list.is_empty() {
        "nobody".into()
    } else {
        list.join(", ")
    }
}

fn note(absence: &Absence) -> String {
    absence
        .note
        .as_deref()
        .map_or(String::new(), |n| format!(" — {}", plain(n)))
}

fn shifts(out: &mut String, shifts: &[ShiftLine], who: fn(&ShiftLine) -> &str) {
    if shifts.is_empty() {
        out.push_str("Shifts: none ahead\n");
        return;
    }
    out.push_str("Shifts:\n");
    for s in shifts {
        let _ = writeln!(out, "  {}  {}", span(s.starts_at, s.ends_at), plain(who(s)));
    }
}

/// One person, for people.
pub fn user_text(card: &UserCard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} {} <{}>",
        plain(&card.username),
        plain(&card.first_name),
        plain(&card.last_name),
        plain(&card.email)
    );
    let mut status = plain(&card.status);
    if card.owner {
        status.push_str(", account owner");
    }
    if card.protected {
        status.push_str(", protected");
    }
    if !card.managed {
        status.push_str(", not managed by roster");
    }
    let _ = writeln!(out, "  status:     {status}");
    let _ = writeln!(out, "  type:       {}", card.user_type);
    let _ = writeln!(out, "  roles:      {}", plain(&card.roles.join(", ")));
    let _ = writeln!(
        out,
        "  time zone:  {}",
        card.time_zone.as_deref().map_or("none".into(), plain)
    );
    if let Some(locale) = &card.locale {
        let _ = writeln!(out, "  locale:     {}", plain(locale));
    }
    let _ = writeln!(out, "  language:   {}", card.language);
    if let Some(id) = &card.external_id {
        let _ = writeln!(out, "  external id: {}", plain(id));
    }
    let invitation = match &card.invitation {
        None => "none recorded".to_string(),
        Some(i) => match i.state {
            "accepted" => format!("accepted {}", i.accepted_at.map(when).unwrap_or_default()),
            "expired" => format!("expired {} without being accepted", when(i.expires_at)),
            _ => format!(
                "pending, sent {}, expires {}",
                when(i.sent_at),
                when(i.expires_at)
            ),
        },
    };
    let _ = writeln!(out, "  invitation: {invitation}");
    let _ = writeln!(
        out,
        "  signed in:  {}",
        card.last_sign_in.map_or("never".into(), when)
    );
    if card.groups.is_empty() {
        out.push_str("Groups: none\n");
    } else {
        out.push_str("Groups:\n");
        for m in &card.groups {
            let roles = if m.roles.is_empty() {
                "member".to_string()
            } else {
                m.roles.join(", ")
            };
            let _ = writeln!(out, "  {}: {roles}", plain(&m.group));
        }
    }
    if card.contact_methods.is_empty() {
        out.push_str("Contact methods: none\n");
    } else {
        out.push_str("Contact methods (notification order):\n");
        for (i, m) in card.contact_methods.iter().enumerate() {
            let mut state = Vec::new();
            if !m.enabled {
                state.push("disabled".to_string());
            }
            if let Some(v) = &m.verification {
                state.push(if crate::lookup::is_blocking(v) {
                    format!("{v}: not used until fixed")
                } else {
                    v.clone()
                });
            }
            let state = if state.is_empty() {
                String::new()
            } else {
                format!("  ({})", state.join(", "))
            };
            let _ = writeln!(out, "  {}. {}  {}{state}", i + 1, m.method, plain(&m.value));
        }
    }
    if !card.push_devices.is_empty() {
        let devices: Vec<String> = card
            .push_devices
            .iter()
            .map(|d| format!("{} (since {})", plain(&d.device), when(d.registered_at)))
            .collect();
        let _ = writeln!(out, "Push devices: {}", devices.join(", "));
    }
    if card.out_of_office.is_empty() {
        out.push_str("Out of office: not ahead\n");
    } else {
        out.push_str("Out of office:\n");
        for a in &card.out_of_office {
            let _ = writeln!(
                out,
                "  {}  covered by {}{}",
                span(a.from, a.until),
                covers(a),
                note(a)
            );
        }
    }
    if !card.covering.is_empty() {
        out.push_str("Covers for:\n");
        for a in &card.covering {
            let groups: Vec<String> = a
                .covered_by
                .iter()
                .map(|c| c.group.as_deref().map_or("all groups".into(), plain))
                .collect();
            let _ = writeln!(
                out,
                "  {}  {} ({})",
                span(a.from, a.until),
                plain(&a.user),
                groups.join(", ")
            );
        }
    }
    shifts(&mut out, &card.shifts, |s| &s.group);
    if !card.api_tokens.is_empty() {
        let tokens: Vec<String> = card
            .api_tokens
            .iter()
            .map(|t| format!("{} (created {})", plain(&t.name), when(t.created_at)))
            .collect();
        let _ = writeln!(out, "API tokens: {}", tokens.join(", "));
    }
    out
}

/// One group, for people.
pub fn group_text(card: &GroupCard) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}",
        plain(&card.name),
        card.description
            .as_deref()
            .map_or(String::new(), |d| format!(" — {}", plain(d)))
    );
    if !card.managed {
        out.push_str("  not managed by roster\n");
    }
    if card.members.is_empty() {
        out.push_str("Members: none\n");
    } else {
        out.push_str("Members:\n");
        // Escalation order: who is paged first comes first.
        for role in ["primary", "secondary", "manager", "member"] {
            if let Some(users) = card.members.get(role) {
                let names: Vec<String> = users.iter().map(|u| plain(u)).collect();
                let _ = writeln!(out, "  {role:<10} {}", names.join(", "));
            }
        }
    }
    shifts(&mut out, &card.shifts, |s| &s.user);
    if card.absences.is_empty() {
        out.push_str("Out of office: nobody ahead\n");
    } else {
        out.push_str("Out of office:\n");
        for a in &card.absences {
            let _ = writeln!(
                out,
                "  {}  {} {}, covered by {}{}",
                span(a.from, a.until),
                plain(&a.user),
                plain(&format!("({})", a.name)),
                covers(a),
                note(a)
            );
        }
    }
    out
}

/// Who is out, for people.
pub fn who_is_out_text(report: &WhoIsOut) -> String {
    let mut out = format!(
        "Out of office from {} to {}{}:\n",
        when(report.from),
        when(report.until),
        report
            .group
            .as_deref()
            .map_or(String::new(), |g| format!(" in {}", plain(g)))
    );
    if report.absences.is_empty() {
        out.push_str("  nobody\n");
        return out;
    }
    for a in &report.absences {
        let _ = writeln!(
            out,
            "  {}  {} ({})\n      covered by {}{}",
            span(a.from, a.until),
            plain(&a.user),
            plain(&a.name),
            covers(a),
            note(a)
        );
    }
    let _ = writeln!(
        out,
        "{} {} out.",
        report.absences.len(),
        if report.absences.len() == 1 {
            "window"
        } else {
            "windows"
        }
    );
    out
}
