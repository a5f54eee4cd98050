//! Rows written in PostgreSQL's `COPY … FROM STDIN` text format: a line
//! per row, tab between columns, `\N` for NULL, backslash escapes for
//! backslash and control characters, `t`/`f` for booleans. PostgreSQL
//! takes rows this way several times faster than as a multi-row `INSERT`
//! of bound parameters, which it must parse and plan first.

use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Utc};

use super::engine::Bind;

/// `rows` as COPY text.
pub fn encode(rows: &[Vec<Bind>]) -> String {
    let mut text = String::with_capacity(rows.len() * 64);
    for row in rows {
        for (i, bind) in row.iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            field(&mut text, bind);
        }
        text.push('\n');
    }
    text
}

fn field(text: &mut String, bind: &Bind) {
    match bind {
        Bind::Int(v) | Bind::OptInt(Some(v)) => {
            let _ = write!(text, "{v}");
        }
        Bind::Text(v) | Bind::OptText(Some(v)) => escaped(text, v),
        Bind::Flag(v) => text.push(if *v { 't' } else { 'f' }),
        Bind::Time(v) | Bind::OptTime(Some(v)) => instant(text, *v),
        Bind::OptInt(None) | Bind::OptText(None) | Bind::OptTime(None) => text.push_str("\\N"),
    }
}

/// Text with the characters COPY gives a meaning escaped.
fn escaped(text: &mut String, value: &str) {
    let mut rest = value;
    while let Some(at) = rest.find(['\\', '\t', '\n', '\r']) {
        text.push_str(&rest[..at]);
        text.push_str(match rest.as_bytes()[at] {
            b'\\' => "\\\\",
            b'\t' => "\\t",
            b'\n' => "\\n",
            _ => "\\r",
        });
        rest = &rest[at + 1..];
    }
    text.push_str(rest);
}

/// An instant as PostgreSQL stores it: whole microseconds, cut as sqlx
/// cuts a bound value (towards PostgreSQL's epoch, 2000-01-01), so that
/// both ways of writing store the same value.
fn instant(text: &mut String, value: DateTime<Utc>) {
    let epoch = DateTime::from_timestamp(946_684_800, 0).expect("2000-01-01 is a valid instant");
    let cut = (value - epoch)
        .num_microseconds()
        .map_or(value, |micros| epoch + TimeDelta::microseconds(micros));
    let _ = write!(text, "{}", cut.format("%Y-%m-%d %H:%M:%S%.6f+00"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_value_is_written_as_copy_reads_it() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T10:00:00.123456789Z")
            .unwrap()
            .with_timezone(&Utc);
        let rows = vec![
            vec![
                Bind::Int(-7),
                Bind::OptInt(None),
                Bind::Text("tab\there\nnew\\line\rend".into()),
                Bind::OptText(None),
                Bind::Flag(true),
                Bind::Time(at),
                Bind::OptTime(None),
            ],
            vec![
                Bind::Int(0),
                Bind::OptInt(Some(42)),
                Bind::Text("Zoë 𝄞".into()),
                Bind::OptText(Some(String::new())),
                Bind::Flag(false),
                Bind::Time(at),
                Bind::OptTime(Some(at)),
            ],
        ];
        let text = encode(&rows);
        assert_eq!(
            text,
            "-7\t\\N\ttab\\there\\nnew\\\\line\\rend\t\\N\tt\t2026-11-22 10:00:00.123456+00\t\\N\n\
             0\t42\tZoë 𝄞\t\tf\t2026-11-22 10:00:00.123456+00\t2026-11-22 10:00:00.123456+00\n"
        );
        type Read = (
            i64,
            Option<i64>,
            String,
            Option<String>,
            String,
            String,
            Option<String>,
        );
        let read: Vec<Read> = super::super::copy_text::rows(&text).unwrap();
        assert_eq!(read[0].2, "tab\there\nnew\\line\rend");
        assert_eq!(read[0].3, None);
        assert_eq!(read[1].2, "Zoë 𝄞");
        assert_eq!(read[1].3.as_deref(), Some(""));
        assert_eq!(read[1].1, Some(42));
    }

    #[test]
    fn an_instant_before_postgres_epoch_is_cut_towards_it() {
        let at = DateTime::parse_from_rfc3339("1999-12-31T23:59:59.0000005Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut text = String::new();
        instant(&mut text, at);
        assert_eq!(text, "1999-12-31 23:59:59.000001+00");
    }
}
