//! Who answers for a person in a group, second by second: the person while
//! they are in and reachable, else — while out of office — whoever their
//! cover for that group answers for, following chains of covers. At any
//! moment each person has at most one window, so the chain from a person is
//! a path that either ends at someone who is in, or goes round in a circle
//! (nobody answers). The answer is the least fixed point of
//! `answers(p) = own(p) ∪ ⋃ window ∩ answers(cover)`, computed once per
//! (person, group) in dependency order, with a work list for circles.

use std::collections::HashMap;

use super::reach::{self, Verifications};
use super::spans::{Labelled, Span, SpanSet};
use crate::model::Directory;
use crate::model::directory::{OofWindow, User};

/// A person's index among the directory's users, in name order.
pub(super) type Person = u32;

type Node<'a> = (Person, &'a str);

/// Everything the analysis needs about people, computed on demand once.
pub(super) struct Resolver<'a> {
    pub(super) range: Span,
    pub(super) users: Vec<&'a User>,
    index: HashMap<&'a str, Person>,
    pub(super) verifications: Verifications<'a>,
    reach: Vec<Option<SpanSet>>,
    /// Out-of-office windows within the range, disjoint, by start.
    pub(super) away: Vec<Vec<(Span, &'a OofWindow)>>,
    away_set: Vec<SpanSet>,
    plain: Vec<Option<Labelled<Person>>>,
    answers: HashMap<Node<'a>, Labelled<Person>>,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(
        directory: &'a Directory,
        verifications: Verifications<'a>,
        range: Span,
    ) -> Resolver<'a> {
        let users: Vec<&User> = directory.users.values().collect();
        let index = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.username.as_str(), i as Person))
            .collect();
        let mut away = Vec::with_capacity(users.len());
        let mut away_set = Vec::with_capacity(users.len());
        for user in &users {
            let windows = windows_within(user, range);
            away_set.push(SpanSet::from_spans(
                windows.iter().map(|(s, _)| *s).collect(),
            ));
            away.push(windows);
        }
        Resolver {
            range,
            plain: vec![None; users.len()],
            reach: vec![None; users.len()],
            users,
            index,
            verifications,
            away,
            away_set,
            answers: HashMap::new(),
        }
    }

    /// The index of a username, if the directory has them.
    pub(super) fn person(&self, username: &str) -> Option<Person> {
        self.index.get(username).copied()
    }

    /// The username of an index.
    pub(super) fn name(&self, person: Person) -> &'a str {
        &self.users[person as usize].username
    }

    /// When the person is out of office, within the range.
    pub(super) fn away_set(&self, person: Person) -> &SpanSet {
        &self.away_set[person as usize]
    }

    /// When the person can be reached by themselves.
    pub(super) fn reach(&mut self, person: Person) -> &SpanSet {
        let i = person as usize;
        if self.reach[i].is_none() {
            let set = reach::reachable(self.users[i], &self.verifications, self.range);
            self.reach[i] = Some(set);
        }
        self.reach[i].as_ref().expect("just computed")
    }

    /// Who answers for `person` in `group`, and when.
    pub(super) fn answers(&mut self, person: Person, group: &'a str) -> &Labelled<Person> {
        if self.away[person as usize].is_empty() {
            self.ensure_plain(person);
            return self.plain[person as usize].as_ref().expect("just computed");
        }
        if !self.answers.contains_key(&(person, group)) {
            self.resolve((person, group));
        }
        &self.answers[&(person, group)]
    }

    fn ensure_plain(&mut self, person: Person) {
        if self.plain[person as usize].is_none() {
            let set = self.reach(person).clone();
            self.plain[person as usize] = Some(Labelled::uniform(&set, person));
        }
    }

    /// The cover a window names for a group, if it names one the directory has.
    pub(super) fn cover(&self, window: &OofWindow, group: &str) -> Option<Person> {
        window.cover.for_group(group).and_then(|c| self.person(c))
    }

    /// Resolves `start` and every (person, group) its covers lead to that
    /// is not resolved yet: depth first, then in post-order, so that each
    /// node's covers are known before it unless they form a circle.
    fn resolve(&mut self, start: Node<'a>) {
        let mut order: Vec<Node<'a>> = Vec::new();
        let mut position: HashMap<Node<'a>, usize> = HashMap::new();
        let mut preds: HashMap<Node<'a>, Vec<Node<'a>>> = HashMap::new();
        let mut on_path: HashMap<Node<'a>, ()> = HashMap::new();
        let mut stack: Vec<(Node<'a>, usize)> = vec![(start, 0)];
        on_path.insert(start, ());
        while let Some((node, next)) = stack.last_mut() {
            let (person, group) = *node;
            let windows = &self.away[person as usize];
            if *next < windows.len() {
                let window = windows[*next].1;
                *next += 1;
                let node = *node;
                let Some(cover) = self.cover(window, group) else {
                    continue;
                };
                if self.away[cover as usize].is_empty() {
                    self.ensure_plain(cover);
                    continue;
                }
                let child = (cover, group);
                preds.entry(child).or_default().push(node);
                if self.answers.contains_key(&child)
                    || position.contains_key(&child)
                    || on_path.contains_key(&child)
                {
                    continue;
                }
                on_path.insert(child, ());
                stack.push((child, 0));
            } else {
                let node = *node;
                stack.pop();
                on_path.remove(&node);
                position.insert(node, order.len());
                order.push(node);
            }
        }
        let mut values: HashMap<Node<'a>, Labelled<Person>> = HashMap::new();
        let mut circular = false;
        for (i, &node) in order.iter().enumerate() {
            let (value, late) = self.compute(node, &values, &position, i);
            circular |= late;
            values.insert(node, value);
        }
        if circular {
            // Covers in a circle: grow the values until nothing changes.
            let mut queue: std::collections::VecDeque<Node<'a>> = order.iter().copied().collect();
            let mut queued: HashMap<Node<'a>, ()> = order.iter().map(|n| (*n, ())).collect();
            while let Some(node) = queue.pop_front() {
                queued.remove(&node);
                let (value, _) = self.compute(node, &values, &position, usize::MAX);
                if values.get(&node) != Some(&value) {
                    values.insert(node, value);
                    for pred in preds.get(&node).into_iter().flatten() {
                        if position.contains_key(pred) && queued.insert(*pred, ()).is_none() {
                            queue.push_back(*pred);
                        }
                    }
                }
            }
        }
        self.answers.extend(values);
    }

    /// The answers for `node` from what is known of its covers, and whether
    /// a cover was still to come in this pass (a circle).
    fn compute(
        &mut self,
        node: Node<'a>,
        values: &HashMap<Node<'a>, Labelled<Person>>,
        position: &HashMap<Node<'a>, usize>,
        at: usize,
    ) -> (Labelled<Person>, bool) {
        let (person, group) = node;
        self.reach(person);
        let own = self.reach[person as usize]
            .as_ref()
            .expect("just computed")
            .subtract(&self.away_set[person as usize]);
        let mut pieces: Vec<(Span, Person)> = own.spans().iter().map(|s| (*s, person)).collect();
        let mut late = false;
        for &(span, window) in &self.away[person as usize] {
            let Some(cover) = self.cover(window, group) else {
                continue;
            };
            let cover_answers = if self.away[cover as usize].is_empty() {
                self.plain[cover as usize].as_ref()
            } else {
                let child = (cover, group);
                if position.get(&child).is_some_and(|&p| p >= at) {
                    late = true;
                }
                values.get(&child).or_else(|| self.answers.get(&child))
            };
            if let Some(cover_answers) = cover_answers {
                pieces.extend(cover_answers.restrict(&SpanSet::of(span)));
            }
        }
        (Labelled::from_disjoint(pieces), late)
    }
}

/// A user's windows that overlap the range, clipped to it, made disjoint
/// (a later window starts where an earlier one ends, as the platform would
/// route by the first), by start.
fn windows_within(user: &User, range: Span) -> Vec<(Span, &OofWindow)> {
    let mut windows: Vec<(Span, &OofWindow)> = user
        .out_of_office
        .iter()
        .map(|w| {
            (
                Span::new(reach::seconds(w.from), reach::seconds(w.until)).meet(range),
                w,
            )
        })
        .filter(|(s, _)| !s.is_empty())
        .collect();
    windows.sort_by_key(|(s, _)| (s.from, s.until));
    let mut out: Vec<(Span, &OofWindow)> = Vec::with_capacity(windows.len());
    for (mut span, window) in windows {
        if let Some((last, _)) = out.last() {
            span.from = span.from.max(last.until);
        }
        if !span.is_empty() {
            out.push((span, window));
        }
    }
    out
}
