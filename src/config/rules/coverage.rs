//! Out-of-office coverage: windows of one user do not overlap; every cover
//! exists, is active, is someone else, can be reached, sits in the group it
//! covers; and a cover who is out at the same time is covered in turn,
//! without the chain coming back to where it started.

use super::chains::{ChainProblem, Chains};
use super::references::{unknown_group, unknown_user};
use super::{Context, Index};
use crate::diagnostic::Diagnostic;
use crate::model::directory::{Cover, OofWindow};
use crate::model::vocab::UserStatus;

pub(super) fn check(cx: &Context<'_>, index: &Index<'_>, out: &mut Vec<Diagnostic>) {
    let groups_of = &index.groups_of;
    let mut chains = Chains::new(&index.users);
    for (username, user) in &cx.directory.users {
        if user.out_of_office.is_empty() {
            continue;
        }
        let (file, pointer) = cx.user_at(username);
        overlaps(cx, username, &user.out_of_office, out);
        for (i, window) in user.out_of_office.iter().enumerate() {
            // Pointers are made only for a finding: most windows have none.
            let window_pointer = || cx.oof_pointer(username, &pointer, i);
            let mut cover_ok = true;
            let covers: Vec<(Option<&str>, &str)> = match &window.cover {
                Cover::AllGroups(cover) => vec![(None, cover.as_str())],
                Cover::PerGroup(map) => map
                    .iter()
                    .map(|(g, u)| (Some(g.as_str()), u.as_str()))
                    .collect(),
            };
            for (group, cover) in covers {
                let cover_pointer = || match group {
                    None => format!("{}/covered_by", window_pointer()),
                    Some(g) => format!(
                        "{}/covered_by/{}",
                        window_pointer(),
                        g.replace('~', "~0").replace('/', "~1")
                    ),
                };
                cover_ok &= check_cover(
                    cx,
                    index,
                    username,
                    group,
                    cover,
                    (file, &cover_pointer),
                    out,
                );
            }
            if !cover_ok {
                continue;
            }
            let relevant: Vec<Option<&str>> = match &window.cover {
                Cover::PerGroup(map) => map.keys().map(|g| Some(g.as_str())).collect(),
                Cover::AllGroups(_) => match groups_of.get(username.as_str()) {
                    Some(groups) => groups.iter().map(|g| Some(*g)).collect(),
                    None => vec![None],
                },
            };
            for group in relevant {
                if let Some(problem) = chains.follow(username, group, window) {
                    let at = format!("{}/covered_by", window_pointer());
                    match problem {
                        ChainProblem::Cycle(path) => {
                            if let Some(path) = path {
                                out.push(
                                    Diagnostic::error(
                                        "roster::oof::cycle",
                                        format!("out-of-office covers go round in a circle: {}", path.join(" → ")),
                                    )
                                    .at_value(file, at, "this cover is out too, and the chain comes back")
                                    .with_help("at least one person in the chain must be in, or covered by someone outside it"),
                                );
                            }
                        }
                        ChainProblem::Uncovered { cover, group } => {
                            let scope =
                                group.map_or(String::new(), |g| format!(" for group `{g}`"));
                            out.push(
                                Diagnostic::error(
                                    "roster::oof::cover-away",
                                    format!("cover `{cover}` is out of office at the same time, with no cover{scope}"),
                                )
                                .at_value(file, at, "this cover is away during the window")
                                .with_help(format!(
                                    "choose another cover, or give `{cover}`'s overlapping window a cover{scope}"
                                )),
                            );
                        }
                    }
                    break;
                }
            }
        }
    }
}

fn overlaps(cx: &Context<'_>, username: &str, windows: &[OofWindow], out: &mut Vec<Diagnostic>) {
    if windows.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| (windows[i].from, windows[i].until));
    let (file, pointer) = cx.user_at(username);
    // After sorting by start, a window overlaps an earlier one exactly when
    // it starts before the latest end so far.
    let mut latest: Option<usize> = None;
    for &i in &order {
        if let Some(j) = latest {
            if windows[i].from < windows[j].until {
                out.push(
                    Diagnostic::error(
                        "roster::oof::overlap",
                        format!("out-of-office windows of `{username}` overlap"),
                    )
                    .at_value(
                        file,
                        format!("{}/from", cx.oof_pointer(username, &pointer, i)),
                        "starts before the other window ends",
                    )
                    .at_value(
                        file,
                        format!("{}/until", cx.oof_pointer(username, &pointer, j)),
                        "the other window ends here",
                    )
                    .with_help("merge the two windows, or move one so they do not overlap"),
                );
            }
            if windows[i].until > windows[j].until {
                latest = Some(i);
            }
        } else {
            latest = Some(i);
        }
    }
}

/// Checks one cover; false when it is unusable and further checks are moot.
/// `at` is where the cover is named: its file and pointer, made on demand.
fn check_cover(
    cx: &Context<'_>,
    index: &Index<'_>,
    username: &str,
    group: Option<&str>,
    cover: &str,
    at: (crate::config::source::FileId, &dyn Fn() -> String),
    out: &mut Vec<Diagnostic>,
) -> bool {
    let (file, cover_pointer) = at;
    let dir = cx.directory;
    if let Some(g) = group
        && !dir.groups.contains_key(g)
    {
        out.push(unknown_group(cx, g).at_key(file, cover_pointer(), "no such group"));
        return false;
    }
    if cover == username {
        out.push(
            Diagnostic::error(
                "roster::oof::self-cover",
                format!("`{username}` cannot cover their own absence"),
            )
            .at_value(file, cover_pointer(), "the user who is out")
            .with_help("choose a colleague as the cover"),
        );
        return false;
    }
    let Some(&cover_user) = index.users.get(cover) else {
        out.push(unknown_user(cx, cover).at_value(file, cover_pointer(), "no such user"));
        return false;
    };
    let cover_at = || cx.user_at(cover);
    let mut ok = true;
    if cover_user.status != UserStatus::Active {
        let (cover_file, cover_decl) = cover_at();
        out.push(
            Diagnostic::error(
                "roster::oof::cover-inactive",
                format!("cover `{cover}` is {}", cover_user.status),
            )
            .at_value(file, cover_pointer(), "cannot cover")
            .at_value(cover_file, format!("{cover_decl}/status"), "not active")
            .with_help("a cover must be an active user"),
        );
        ok = false;
    }
    if !cover_user.has_enabled_contact() {
        let (cover_file, cover_decl) = cover_at();
        out.push(
            Diagnostic::error(
                "roster::oof::cover-unreachable",
                format!("cover `{cover}` has no enabled contact method"),
            )
            .at_value(file, cover_pointer(), "cannot be notified")
            .at_key(cover_file, format!("{cover_decl}/email"), "declared here")
            .with_help(format!(
                "give `{cover}` an enabled contact method, or choose another cover"
            )),
        );
        ok = false;
    }
    if let Some(g) = group {
        let members = &dir.groups[g].members;
        if !members.contains_key(cover) {
            let (group_file, group_pointer) = cx.group_at(g);
            out.push(
                Diagnostic::error(
                    "roster::oof::cover-not-member",
                    format!("cover `{cover}` is not a member of group `{g}`"),
                )
                .at_value(file, cover_pointer(), "not in the group")
                .at_value(
                    group_file,
                    format!("{group_pointer}/name"),
                    "group declared here",
                )
                .with_help(format!(
                    "add `{cover}` to `{g}`, or choose a member of `{g}` as the cover"
                )),
            );
            ok = false;
        }
        if !members.contains_key(username) {
            out.push(
                Diagnostic::error(
                    "roster::oof::not-member",
                    format!("`{username}` is not a member of group `{g}`, so has nothing to be covered for there"),
                )
                .at_key(file, cover_pointer(), "not one of the user's groups")
                .with_help("name only groups the user belongs to, or use one cover for all groups"),
            );
            ok = false;
        }
    }
    ok
}
