//! Why nobody answers: for a gap, the chain of reasons of each person who
//! would have been paged — out of office and covered by someone who is out
//! too, a cover named for other groups only, a circle of covers, a person
//! who is not active or whose contact methods cannot be used then.

use std::collections::BTreeSet;

use super::covers::{Person, Resolver};
use super::reach::{self, Unusable};
use super::spans::{Span, SpanSet};
use super::{MethodIssue, MethodProblem, Step, Unreachable};
use crate::model::vocab::UserStatus;

impl Resolver<'_> {
    /// Every chain of reasons why nobody answers for `person` in `group`
    /// during `span` (a time in which nobody does). Chains can be as long
    /// as the directory, so they are walked with a stack of their own, each
    /// step pointing at the one before it.
    pub(super) fn explain(&mut self, person: Person, group: &str, span: Span) -> Vec<Vec<Step>> {
        // (the step before, the person it passes to, this step)
        let mut links: Vec<(Option<usize>, Person, Step)> = Vec::new();
        let mut tasks: Vec<(Option<usize>, Person, Span)> = vec![(None, person, span)];
        let mut ends: Vec<(Option<usize>, Step)> = Vec::new();
        while let Some((before, person, span)) = tasks.pop() {
            let name = self.name(person).to_string();
            let mut at = before;
            let mut seen = false;
            while let Some(i) = at {
                let (previous, who, _) = &links[i];
                if *who == person {
                    seen = true;
                    break;
                }
                at = *previous;
            }
            if seen {
                ends.push((before, Step::Circle { back_to: name }));
                continue;
            }
            let inside = SpanSet::of(span).subtract(self.away_set(person));
            if !inside.is_empty() {
                let why = self.why_unreachable(person, &inside);
                ends.push((
                    before,
                    Step::Unreachable {
                        user: name.clone(),
                        why,
                    },
                ));
            }
            let windows: Vec<_> = self.away[person as usize]
                .iter()
                .filter(|(s, _)| !s.meet(span).is_empty())
                .map(|(s, w)| (s.meet(span), *w))
                .collect();
            for (part, window) in windows.into_iter().rev() {
                let named = window.cover.for_group(group).map(str::to_string);
                let step = Step::Away {
                    user: name.clone(),
                    from: window.from,
                    until: window.until,
                    cover: named.clone(),
                    note: window.note.clone(),
                };
                match named.as_deref().map(|c| (c, self.person(c))) {
                    None => ends.push((before, step)),
                    Some((cover, None)) => {
                        links.push((before, person, step));
                        let unknown = Step::Unknown {
                            user: cover.to_string(),
                        };
                        ends.push((Some(links.len() - 1), unknown));
                    }
                    Some((_, Some(cover))) => {
                        links.push((before, person, step));
                        tasks.push((Some(links.len() - 1), cover, part));
                    }
                }
            }
        }
        let mut out = BTreeSet::new();
        for (before, last) in ends {
            let mut chain = vec![last];
            let mut at = before;
            while let Some(i) = at {
                chain.push(links[i].2.clone());
                at = links[i].0;
            }
            chain.reverse();
            out.insert(chain);
        }
        out.into_iter().collect()
    }

    /// Why a person who is in cannot be reached at any moment of `when`.
    pub(super) fn why_unreachable(&mut self, person: Person, _when: &SpanSet) -> Unreachable {
        let user = self.users[person as usize];
        if user.status != UserStatus::Active {
            return Unreachable::Status {
                status: user.status,
            };
        }
        if user.contact_methods.is_empty() {
            return Unreachable::NoContactMethod;
        }
        let zone = reach::zone_of(user);
        let mut problems = Vec::new();
        for method in &user.contact_methods {
            let problem = match reach::unusable(&self.verifications, &user.username, method) {
                Some(Unusable::Disabled) => MethodProblem::Disabled,
                Some(Unusable::Unverified) => MethodProblem::Unverified,
                Some(Unusable::Bounced) => MethodProblem::Bounced,
                None => match &method.active_hours {
                    Some(hours) => MethodProblem::OutsideActiveHours {
                        days: hours.days.iter().map(|d| d.as_str().to_string()).collect(),
                        from: hours.from.clone(),
                        to: hours.to.clone(),
                        time_zone: zone.name().to_string(),
                    },
                    // Always usable: the person is reachable after all
                    // (only when `when` is empty).
                    None => continue,
                },
            };
            problems.push(MethodIssue {
                method: method.key().to_string(),
                problem,
            });
        }
        Unreachable::Methods { methods: problems }
    }
}
