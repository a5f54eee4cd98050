//! Chains of covers: from a window, follow each cover who is out during
//! (part of) it to their own cover, and so on, until someone is in. The
//! walk stops at the first problem: a cover out with no cover for the
//! group, or a chain that comes back to someone already in it.
//!
//! Directories can hold chains thousands of people long, so the walk keeps
//! its own stack (no recursion), knows its path by a hash set, and
//! remembers what it learnt: a (person, group, interval) from which no
//! problem is reachable stays so whatever path leads there — a walk that
//! came back to an earlier node of a longer path would, following that
//! path's own windows, come back to this node too — and a node found on a
//! circle leads round the same circle again. Each person is walked about
//! once per window and group, not once per chain they sit in.

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::NameMap;
use crate::fast::{FastMap, FastSet};
use crate::model::directory::{Cover, OofWindow, User};

/// A problem at the end of a chain.
pub(super) enum ChainProblem {
    /// The chain comes back to someone already in it: the path, from the
    /// user whose window it is, ending with the repeated person; none when
    /// the same set of people was reported before (each once).
    Cycle(Option<Vec<String>>),
    /// Someone in the chain is out with no cover for the group.
    Uncovered {
        cover: String,
        group: Option<String>,
    },
}

type Interval = (DateTime<Utc>, DateTime<Utc>);

/// A person walked for a group over an interval.
type Node<'a> = (&'a str, Option<&'a str>, Interval);

/// A circle found once: its people in order (first repeated at the end),
/// and the set of them, shared by every node on it.
struct Ring<'a> {
    people: Vec<&'a str>,
    set: BTreeSet<&'a str>,
}

/// Walks chains of covers, remembering across walks.
pub(super) struct Chains<'a> {
    users: &'a NameMap<'a, &'a User>,
    clean: FastSet<Node<'a>>,
    on_ring: FastMap<Node<'a>, (Rc<Ring<'a>>, usize)>,
    reported: Vec<Rc<Ring<'a>>>,
    reported_sets: HashSet<BTreeSet<&'a str>>,
}

struct Frame<'a> {
    person: &'a str,
    during: Interval,
    next: usize,
}

impl<'a> Chains<'a> {
    /// Chains among `users` (by username).
    pub(super) fn new(users: &'a NameMap<'a, &'a User>) -> Chains<'a> {
        Chains {
            users,
            clean: FastSet::default(),
            on_ring: FastMap::default(),
            reported: Vec::new(),
            reported_sets: HashSet::new(),
        }
    }

    /// The first problem of the chain that starts at `username`'s `window`
    /// for `group` (all groups when none), if any not reported before.
    pub(super) fn follow(
        &mut self,
        username: &'a str,
        group: Option<&'a str>,
        window: &'a OofWindow,
    ) -> Option<ChainProblem> {
        let first = window.cover.for_group(group.unwrap_or_default())?;
        let mut path: Vec<&'a str> = vec![username];
        let mut on_path: FastSet<&'a str> = FastSet::default();
        on_path.insert(username);
        let mut frames: Vec<Frame<'a>> = Vec::new();
        let mut entering = Some((first, (window.from, window.until)));
        loop {
            if let Some((person, during)) = entering.take() {
                if on_path.contains(person) {
                    let start = path.iter().position(|p| *p == person).expect("on the path");
                    let ring = Rc::new(Ring {
                        people: path[start..].iter().copied().chain([person]).collect(),
                        set: path[start..].iter().copied().collect(),
                    });
                    // Frames are the path after the user whose window it is.
                    for (i, frame) in frames.iter().enumerate() {
                        if i + 1 >= start {
                            self.on_ring.insert(
                                (frame.person, group, frame.during),
                                (ring.clone(), i + 1 - start),
                            );
                        }
                    }
                    return self.cycle(&path, &ring, ring.people.len() - 1);
                }
                if let Some((ring, at)) = self.on_ring.get(&(person, group, during)).cloned() {
                    return self.cycle(&path, &ring, at);
                }
                if self.clean.contains(&(person, group, during)) {
                    continue;
                }
                if self.users.contains_key(person) {
                    path.push(person);
                    on_path.insert(person);
                    frames.push(Frame {
                        person,
                        during,
                        next: 0,
                    });
                }
                continue;
            }
            let frame = frames.last_mut()?;
            let user = self.users[frame.person];
            let during = frame.during;
            let away = user.out_of_office[frame.next..]
                .iter()
                .position(|w| w.from < during.1 && during.0 < w.until);
            match away {
                Some(offset) => {
                    let away = &user.out_of_office[frame.next + offset];
                    frame.next += offset + 1;
                    let next = match (&away.cover, group) {
                        (Cover::AllGroups(next), _) => Some(next.as_str()),
                        (Cover::PerGroup(map), Some(g)) => map.get(g).map(String::as_str),
                        (Cover::PerGroup(_), None) => None,
                    };
                    let Some(next) = next else {
                        return Some(ChainProblem::Uncovered {
                            cover: frame.person.to_string(),
                            group: group.map(str::to_string),
                        });
                    };
                    let overlap = (during.0.max(away.from), during.1.min(away.until));
                    entering = Some((next, overlap));
                }
                None => {
                    let done = frames.pop().expect("a frame");
                    path.pop();
                    on_path.remove(done.person);
                    self.clean.insert((done.person, group, done.during));
                }
            }
        }
    }

    /// The path so far, then round `ring` from its `at`-th person back to
    /// them: reported unless that set of people was reported before.
    fn cycle(&mut self, path: &[&'a str], ring: &Rc<Ring<'a>>, at: usize) -> Option<ChainProblem> {
        let known = Some(ChainProblem::Cycle(None));
        // Most often the path so far lies on the circle itself: then the
        // set is the circle's, known without building it.
        if path.iter().all(|p| ring.set.contains(p)) {
            if self.reported.iter().any(|r| Rc::ptr_eq(r, ring)) {
                return known;
            }
            if !self.reported_sets.insert(ring.set.clone()) {
                self.reported.push(ring.clone());
                return known;
            }
            self.reported.push(ring.clone());
        } else {
            let mut set: BTreeSet<&str> = ring.set.clone();
            set.extend(path.iter().copied());
            if !self.reported_sets.insert(set) {
                return known;
            }
        }
        let cycle_len = ring.people.len() - 1;
        let mut out: Vec<String> = path.iter().map(|p| p.to_string()).collect();
        let mut i = at;
        loop {
            let person = ring.people[i % cycle_len];
            out.push(person.to_string());
            if path.contains(&person) && out.len() > path.len() {
                break;
            }
            i += 1;
            if i > at + cycle_len {
                break;
            }
        }
        Some(ChainProblem::Cycle(Some(out)))
    }
}
