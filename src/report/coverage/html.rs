//! The coverage report as one self-contained HTML page: a timeline
//! picture (SVG) per group showing who is paged when, absences and their
//! covers, shifts, and gaps in red; then each gap's reasons in words.
//! No script, no external resource: it reads from a file or an email.
//! The page is well-formed XML as well as HTML, so tools can parse it.

use std::fmt::Write;

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{
    ReportOptions, between, counts, duration, gap_headline, gap_length, reason, subject, summary,
};
use crate::coverage::{Coverage, Duty, GapKind, GroupCoverage};

const WIDTH: f64 = 1100.0;
const LABEL: f64 = 130.0;
const RIGHT: f64 = 16.0;
const AXIS: f64 = 30.0;
const PAGED: f64 = 34.0;
const ROW: f64 = 20.0;
const GAP_ROW: f64 = 16.0;

/// Renders the page.
pub fn html(coverage: &Coverage, options: &ReportOptions) -> String {
    let mut out = String::new();
    let c = counts(coverage);
    let period = coverage.period;
    let title = if c.with_gaps == 0 {
        "every group is reachable".to_string()
    } else {
        format!("{} of {} groups have gaps", c.with_gaps, c.groups)
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>roster coverage: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(out, "<header>\n<h1>On-call coverage</h1>");
    let _ = writeln!(
        out,
        "<p class=\"subject\">{} · {} ({})</p>",
        esc(&subject(options).replace('`', "")),
        esc(&between(period.from, period.until)),
        esc(&duration((period.until - period.from).num_seconds()))
    );
    let status = if c.with_gaps == 0 { "ok" } else { "bad" };
    let _ = writeln!(
        out,
        "<div class=\"cards\"><div class=\"card\"><b>{}</b> groups</div>\
         <div class=\"card {status}\"><b>{}</b> with gaps</div>\
         <div class=\"card {status}\"><b>{}</b> gaps</div></div>",
        c.groups, c.with_gaps, c.gaps
    );
    let _ = writeln!(out, "{}\n</header>\n<main>", legend());
    // Groups that need attention first, each set by name.
    let mut groups: Vec<&GroupCoverage> = coverage.groups.iter().collect();
    groups.sort_by_key(|g| (g.gaps.is_empty(), g.group.clone()));
    if groups.len() > 1 {
        let _ = writeln!(out, "<nav><ul>");
        for group in &groups {
            let mark = if group.gaps.is_empty() { "ok" } else { "bad" };
            let _ = writeln!(
                out,
                "<li class=\"{mark}\"><a href=\"#{}\">{}</a></li>",
                anchor(&group.group),
                esc(&group.group)
            );
        }
        let _ = writeln!(out, "</ul></nav>");
    }
    for group in groups {
        section(&mut out, coverage, group);
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>{} Times in UTC; each person's active hours are read in their own time zone.</footer>\n</body>\n</html>",
        esc(&summary(coverage))
    );
    out
}

fn section(out: &mut String, coverage: &Coverage, group: &GroupCoverage) {
    let ok = group.gaps.is_empty();
    let _ = writeln!(
        out,
        "<section class=\"group {}\" id=\"{}\">",
        if ok { "ok" } else { "bad" },
        anchor(&group.group)
    );
    let badge = if ok {
        "<span class=\"badge ok\">reachable throughout</span>".to_string()
    } else {
        let n = group.gaps.len();
        format!(
            "<span class=\"badge bad\">{n} gap{}</span>",
            if n == 1 { "" } else { "s" }
        )
    };
    let _ = writeln!(out, "<h2>{} {badge}</h2>", esc(&group.group));
    timeline(out, coverage, group);
    if !ok {
        let _ = writeln!(out, "<ol class=\"gaps\">");
        for gap in &group.gaps {
            let _ = writeln!(
                out,
                "<li><b>{}</b> ({}): {}<ul>",
                esc(&between(gap.from, gap.until)),
                esc(&gap_length(gap)),
                code(&gap_headline(gap))
            );
            for r in &gap.reasons {
                let _ = writeln!(out, "<li>{}</li>", code(&reason(r)));
            }
            let _ = writeln!(out, "</ul></li>");
        }
        let _ = writeln!(out, "</ol>");
    }
    let _ = writeln!(out, "</section>");
}

/// The group's timeline picture.
fn timeline(out: &mut String, coverage: &Coverage, group: &GroupCoverage) {
    let from = coverage.period.from;
    let until = coverage.period.until;
    let chart = WIDTH - LABEL - RIGHT;
    let total = (until - from).num_seconds().max(1) as f64;
    let x = |t: DateTime<Utc>| {
        LABEL + ((t - from).num_seconds() as f64 / total * chart).clamp(0.0, chart)
    };
    let absent: Vec<&str> = dedup(group.absences.iter().map(|a| a.user.as_str()));
    let on_shift: Vec<&str> = dedup(group.shifts.iter().map(|s| s.user.as_str()));
    let height =
        AXIS + PAGED + 6.0 + GAP_ROW + 6.0 + ROW * (absent.len() + on_shift.len()) as f64 + 8.0;
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(&format!("Coverage timeline of {}", group.group))
    );
    let _ = writeln!(
        out,
        "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.45\"/></pattern></defs>"
    );

    // Days: weekend shading, ticks and labels.
    let mut day = from
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    if day < from {
        day += Duration::days(1);
    }
    let days = (until - from).num_days().max(1);
    let every = if days > 45 {
        7
    } else if days > 16 {
        2
    } else {
        1
    };
    let bottom = height - 4.0;
    let mut shade = from;
    while shade < until {
        let next = (shade.date_naive() + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .min(until);
        if shade.weekday().number_from_monday() >= 6 {
            let _ = writeln!(
                out,
                "<rect class=\"weekend\" x=\"{:.1}\" y=\"{AXIS}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                x(shade),
                x(next) - x(shade),
                bottom - AXIS
            );
        }
        shade = next;
    }
    let mut i = 0;
    while day <= until {
        let px = x(day);
        let _ = writeln!(
            out,
            "<line class=\"tick\" x1=\"{px:.1}\" y1=\"{:.1}\" x2=\"{px:.1}\" y2=\"{bottom:.1}\"/>",
            AXIS - 6.0
        );
        if i % every == 0 && day < until {
            let label = if day.day() == 1 || i == 0 {
                day.format("%-d %b").to_string()
            } else {
                day.format("%a %-d").to_string()
            };
            let _ = writeln!(
                out,
                "<text class=\"day\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                px + 3.0,
                AXIS - 10.0,
                esc(&label)
            );
        }
        day += Duration::days(1);
        i += 1;
    }

    // Who is paged.
    let top = AXIS;
    row_label(out, top, PAGED, "paged");
    for paged in &group.paged {
        let (x0, x1) = (x(paged.from), x(paged.until));
        let covered = paged.answered_by != paged.user;
        let role = match paged.duty {
            Duty::Shift => "on shift",
            Duty::Primary => "primary",
            Duty::Secondary => "secondary",
        };
        let tip = if covered {
            format!(
                "{} answers for {} ({role}), {}",
                paged.answered_by,
                paged.user,
                between(paged.from, paged.until)
            )
        } else {
            format!(
                "{} ({role}), {}",
                paged.user,
                between(paged.from, paged.until)
            )
        };
        let _ = writeln!(
            out,
            "<g class=\"paged\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{PAGED}\" fill=\"{}\"/>{}",
            esc(&tip),
            (x1 - x0).max(0.5),
            colour(&paged.answered_by),
            if covered {
                format!(
                    "<rect x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{PAGED}\" fill=\"url(#hatch)\"/>",
                    (x1 - x0).max(0.5)
                )
            } else {
                String::new()
            }
        );
        let name = if covered {
            format!("{} for {}", paged.answered_by, paged.user)
        } else {
            paged.answered_by.clone()
        };
        label_inside(out, x0, x1, top + PAGED / 2.0 + 4.0, &name, "on-colour");
        let _ = writeln!(out, "</g>");
    }
    for gap in group
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::NobodyReachable)
    {
        let (x0, x1) = (x(gap.from), x(gap.until));
        let _ = writeln!(
            out,
            "<g class=\"gap\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{PAGED}\"/>",
            esc(&format!(
                "nobody can be reached, {}",
                between(gap.from, gap.until)
            )),
            (x1 - x0).max(1.0)
        );
        label_inside(out, x0, x1, top + PAGED / 2.0 + 4.0, "nobody", "on-gap");
        let _ = writeln!(out, "</g>");
    }

    // Every gap on a row of its own, so short ones stay visible.
    let top = AXIS + PAGED + 6.0;
    row_label(out, top, GAP_ROW, "gaps");
    let _ = writeln!(
        out,
        "<rect class=\"lane\" x=\"{LABEL}\" y=\"{top:.1}\" width=\"{chart:.1}\" height=\"{GAP_ROW}\"/>"
    );
    for gap in &group.gaps {
        let (x0, x1) = (x(gap.from), x(gap.until));
        let class = match gap.kind {
            GapKind::NobodyReachable => "gap",
            GapKind::UncoveredAbsence { .. } => "gap absence",
        };
        let _ = writeln!(
            out,
            "<rect class=\"{class}\" x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{GAP_ROW}\"><title>{}</title></rect>",
            (x1 - x0).max(2.0),
            esc(&format!(
                "{}: {}",
                between(gap.from, gap.until),
                gap_headline(gap).replace('`', "")
            ))
        );
    }

    // Absences and their covers, one row per person.
    let mut top = AXIS + PAGED + 6.0 + GAP_ROW + 6.0;
    for user in &absent {
        row_label(out, top, ROW - 4.0, &format!("{user} out"));
        for absence in group.absences.iter().filter(|a| a.user == *user) {
            let (x0, x1) = (x(absence.from), x(absence.until));
            let (class, text) = match &absence.cover {
                Some(cover) => ("absence", format!("covered by {cover}")),
                None => ("absence uncovered", "no cover".to_string()),
            };
            let note = absence
                .note
                .as_ref()
                .map_or(String::new(), |n| format!(" ({n})"));
            let _ = writeln!(
                out,
                "<g class=\"{class}\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\"/>",
                esc(&format!(
                    "{user} out {}{note}, {text}",
                    between(absence.from, absence.until)
                )),
                (x1 - x0).max(1.0),
                ROW - 4.0
            );
            label_inside(out, x0, x1, top + ROW / 2.0 + 2.0, &text, "on-absence");
            let _ = writeln!(out, "</g>");
        }
        top += ROW;
    }
    for user in &on_shift {
        row_label(out, top, ROW - 4.0, &format!("{user} shift"));
        for shift in group.shifts.iter().filter(|s| s.user == *user) {
            let (x0, x1) = (x(shift.from), x(shift.until));
            let _ = writeln!(
                out,
                "<g class=\"shift\"><title>{}</title><rect x=\"{x0:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"{}\"/>",
                esc(&format!(
                    "{user} on shift {}",
                    between(shift.from, shift.until)
                )),
                (x1 - x0).max(1.0),
                ROW - 4.0,
                colour(user)
            );
            label_inside(out, x0, x1, top + ROW / 2.0 + 2.0, "on shift", "on-colour");
            let _ = writeln!(out, "</g>");
        }
        top += ROW;
    }
    let _ = writeln!(out, "</svg>");
}

fn row_label(out: &mut String, top: f64, height: f64, text: &str) {
    let _ = writeln!(
        out,
        "<text class=\"row\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
        LABEL - 8.0,
        top + height / 2.0 + 4.0,
        esc(&shorten(text, 18))
    );
}

/// A label centred in `[x0, x1)` when it fits.
fn label_inside(out: &mut String, x0: f64, x1: f64, y: f64, text: &str, class: &str) {
    let room = ((x1 - x0 - 6.0) / 6.5).floor();
    if room < 3.0 {
        return;
    }
    let text = shorten(text, room as usize);
    let _ = write!(
        out,
        "<text class=\"{class}\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
        (x0 + x1) / 2.0,
        esc(&text)
    );
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn dedup<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for name in names {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A stable colour per person, from a palette that reads on white and
/// under dark text; red is kept for gaps.
fn colour(name: &str) -> &'static str {
    const PALETTE: [&str; 10] = [
        "#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#86bcb6", "#8cd17d",
        "#a0cbe8", "#d4a6c8",
    ];
    // FNV-1a: the same name gets the same colour on every run.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    PALETTE[(hash % PALETTE.len() as u32) as usize]
}

fn legend() -> String {
    format!(
        "<div class=\"legend\">\
         <span><i style=\"background:{}\"></i>a person answers (their colour)</span>\
         <span><i class=\"hatched\" style=\"background:{}\"></i>a cover answers for someone who is out</span>\
         <span><i class=\"gap\"></i>nobody can be reached</span>\
         <span><i class=\"absence-gap\"></i>someone is out and nobody covers them</span>\
         <span><i class=\"absence\"></i>out of office</span>\
         <span><i class=\"weekend\"></i>weekend</span></div>",
        colour("alice"),
        colour("bob")
    )
}

fn anchor(name: &str) -> String {
    let mut out = String::from("g-");
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else {
            let _ = write!(out, ".{:x}", c as u32);
        }
    }
    out
}

/// Escapes text for HTML and XML alike.
fn esc(text: &str) -> String {
    crate::report::escape::html(text)
}

/// Escaped text with its `code spans` as `<code>`.
fn code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

const STYLE: &str = "
:root { color-scheme: light; --red: #d62728; --orange: #f28e2b; --ink: #1f2933; --muted: #66727f; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: var(--ink); background: #f5f7fa; }
header, main, footer { max-width: 1160px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
.subject { margin: 0 0 14px; color: var(--muted); }
.cards { display: flex; gap: 12px; margin-bottom: 14px; }
.card { background: #fff; border-radius: 8px; padding: 10px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); color: var(--muted); }
.card b { display: block; font-size: 24px; color: var(--ink); }
.card.bad b { color: var(--red); }
.card.ok b { color: #2e7d32; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; color: var(--muted); margin-bottom: 12px; }
.legend i { display: inline-block; width: 22px; height: 12px; border-radius: 2px; vertical-align: -1px; margin-right: 6px; }
.legend i.gap { background: var(--red); }
.legend i.absence-gap { background: repeating-linear-gradient(45deg, var(--orange) 0 3px, #fff 3px 6px); }
.legend i.absence { background: #c3cad3; }
.legend i.weekend { background: #eef1f5; border: 1px solid #dde2e8; }
.legend i.hatched { background-image: repeating-linear-gradient(45deg, rgba(255,255,255,.45) 0 3px, transparent 3px 6px) !important; }
nav ul { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 6px; }
nav li a { display: inline-block; padding: 2px 10px; border-radius: 12px; background: #fff; text-decoration: none; color: var(--ink); border: 1px solid #dde2e8; font-size: 13px; }
nav li.bad a { border-color: var(--red); color: var(--red); }
section.group { background: #fff; border-radius: 10px; padding: 14px 18px 10px; margin: 14px 0; box-shadow: 0 1px 3px rgba(0,0,0,.08); border-left: 5px solid #2e7d32; overflow-x: auto; }
section.group.bad { border-left-color: var(--red); }
h2 { margin: 0 0 8px; font-size: 18px; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; vertical-align: 2px; margin-left: 6px; }
.badge.ok { background: #e6f4ea; color: #2e7d32; }
.badge.bad { background: #fdecea; color: var(--red); }
svg.timeline { display: block; max-width: 100%; height: auto; font-size: 11px; }
svg .weekend { fill: #eef1f5; }
svg .tick { stroke: #dde2e8; stroke-width: 1; }
svg .day { fill: var(--muted); font-size: 11px; }
svg .row { fill: var(--muted); text-anchor: end; font-size: 12px; }
svg .lane { fill: #f7f9fb; }
svg .gap, svg .gap rect { fill: var(--red); }
svg rect.gap.absence { fill: var(--orange); }
svg .absence rect { fill: #c3cad3; }
svg .absence.uncovered rect { fill: #f6c4a4; stroke: var(--orange); stroke-width: 1; }
svg text.on-colour, svg text.on-gap, svg text.on-absence { text-anchor: middle; font-size: 11px; pointer-events: none; }
svg text.on-colour { fill: #10161c; font-weight: 600; }
svg text.on-gap { fill: #fff; font-weight: 700; }
svg text.on-absence { fill: #2a323b; }
ol.gaps { margin: 8px 0 4px; padding-left: 22px; }
ol.gaps > li { margin-bottom: 6px; }
ol.gaps ul { margin: 2px 0 0; padding-left: 18px; color: #3b4651; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f0f2f5; padding: 0 3px; border-radius: 3px; }
footer { color: var(--muted); font-size: 13px; padding-bottom: 28px; }
";
