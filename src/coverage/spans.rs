//! Time as sorted, disjoint spans of seconds since the epoch: the whole
//! analysis works on change points, never on sampled minutes, so its cost
//! follows the number of events (windows, shifts, active hours), not the
//! length of the range.

/// A half-open interval `[from, until)` in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First second inside.
    pub from: i64,
    /// First second after.
    pub until: i64,
}

impl Span {
    /// A span; empty when `until <= from`.
    pub fn new(from: i64, until: i64) -> Span {
        Span { from, until }
    }

    /// Whether it holds no second.
    pub fn is_empty(self) -> bool {
        self.until <= self.from
    }

    /// The common part, possibly empty.
    pub fn meet(self, other: Span) -> Span {
        Span::new(self.from.max(other.from), self.until.min(other.until))
    }
}

/// A set of seconds as sorted, disjoint, non-touching spans.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanSet(Vec<Span>);

impl SpanSet {
    /// The empty set.
    pub fn empty() -> SpanSet {
        SpanSet(Vec::new())
    }

    /// One span (nothing when it is empty).
    pub fn of(span: Span) -> SpanSet {
        if span.is_empty() {
            SpanSet::empty()
        } else {
            SpanSet(vec![span])
        }
    }

    /// Spans in any order, overlapping or not.
    pub fn from_spans(mut spans: Vec<Span>) -> SpanSet {
        spans.retain(|s| !s.is_empty());
        spans.sort_unstable();
        let mut out: Vec<Span> = Vec::with_capacity(spans.len());
        for span in spans {
            match out.last_mut() {
                Some(last) if span.from <= last.until => last.until = last.until.max(span.until),
                _ => out.push(span),
            }
        }
        SpanSet(out)
    }

    /// The spans, sorted.
    pub fn spans(&self) -> &[Span] {
        &self.0
    }

    /// Whether it holds no second.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every second of `span` is in the set.
    #[cfg(test)]
    pub fn contains_span(&self, span: Span) -> bool {
        span.is_empty()
            || self
                .0
                .iter()
                .any(|s| s.from <= span.from && span.until <= s.until)
    }

    /// Whether the set shares a second with `span`.
    pub fn touches(&self, span: Span) -> bool {
        let i = self.0.partition_point(|s| s.until <= span.from);
        self.0.get(i).is_some_and(|s| s.from < span.until)
    }

    /// Both sets' seconds.
    pub fn union(&self, other: &SpanSet) -> SpanSet {
        if self.is_empty() {
            return other.clone();
        }
        if other.is_empty() {
            return self.clone();
        }
        let mut all = Vec::with_capacity(self.0.len() + other.0.len());
        all.extend_from_slice(&self.0);
        all.extend_from_slice(&other.0);
        SpanSet::from_spans(all)
    }

    /// The seconds in both.
    pub fn intersect(&self, other: &SpanSet) -> SpanSet {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = (self.0[i], other.0[j]);
            let meet = a.meet(b);
            if !meet.is_empty() {
                out.push(meet);
            }
            if a.until < b.until {
                i += 1;
            } else {
                j += 1;
            }
        }
        SpanSet(out)
    }

    /// The seconds of the set within `span`.
    pub fn clip(&self, span: Span) -> SpanSet {
        self.intersect(&SpanSet::of(span))
    }

    /// The seconds of the set that are not in `other`.
    pub fn subtract(&self, other: &SpanSet) -> SpanSet {
        if other.is_empty() {
            return self.clone();
        }
        let mut out = Vec::new();
        let mut j = 0;
        for &span in &self.0 {
            let mut from = span.from;
            while j < other.0.len() && other.0[j].until <= from {
                j += 1;
            }
            let mut k = j;
            while k < other.0.len() && other.0[k].from < span.until {
                let hole = other.0[k];
                if hole.from > from {
                    out.push(Span::new(from, hole.from));
                }
                from = from.max(hole.until);
                k += 1;
            }
            if from < span.until {
                out.push(Span::new(from, span.until));
            }
        }
        SpanSet(out)
    }

    /// Total seconds.
    #[cfg(test)]
    pub fn seconds(&self) -> i64 {
        self.0.iter().map(|s| s.until - s.from).sum()
    }
}

/// Spans each labelled with a value, sorted and disjoint: who answers when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled<T>(Vec<(Span, T)>);

impl<T: Copy + PartialEq> Labelled<T> {
    /// Every span of `set` labelled `label`.
    pub fn uniform(set: &SpanSet, label: T) -> Labelled<T> {
        Labelled(set.spans().iter().map(|s| (*s, label)).collect())
    }

    /// Pieces that do not overlap one another, in any order.
    pub fn from_disjoint(mut pieces: Vec<(Span, T)>) -> Labelled<T> {
        pieces.retain(|(s, _)| !s.is_empty());
        pieces.sort_unstable_by_key(|(s, _)| s.from);
        let mut out: Vec<(Span, T)> = Vec::with_capacity(pieces.len());
        for (span, label) in pieces {
            match out.last_mut() {
                Some((last, l)) if *l == label && last.until == span.from => {
                    last.until = span.until
                }
                _ => out.push((span, label)),
            }
        }
        Labelled(out)
    }

    /// The pieces, sorted.
    #[cfg(test)]
    pub fn pieces(&self) -> &[(Span, T)] {
        &self.0
    }

    /// The pieces within `set`.
    pub fn restrict(&self, set: &SpanSet) -> Vec<(Span, T)> {
        let mut out = Vec::new();
        let other = set.spans();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.len() {
            let (a, label) = self.0[i];
            let b = other[j];
            let meet = a.meet(b);
            if !meet.is_empty() {
                out.push((meet, label));
            }
            if a.until < b.until {
                i += 1;
            } else {
                j += 1;
            }
        }
        out
    }

    /// The seconds labelled at all.
    pub fn support(&self) -> SpanSet {
        SpanSet::from_spans(self.0.iter().map(|(s, _)| *s).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(spans: &[(i64, i64)]) -> SpanSet {
        SpanSet::from_spans(spans.iter().map(|&(a, b)| Span::new(a, b)).collect())
    }

    #[test]
    fn spans_merge_sort_and_drop_empties() {
        assert_eq!(
            set(&[(5, 7), (1, 3), (3, 4), (6, 9), (10, 10)]),
            set(&[(1, 4), (5, 9)])
        );
        assert_eq!(set(&[(1, 4), (5, 9)]).spans().len(), 2);
    }

    #[test]
    fn set_operations() {
        let a = set(&[(0, 10), (20, 30)]);
        let b = set(&[(5, 25)]);
        assert_eq!(a.union(&b), set(&[(0, 30)]));
        assert_eq!(a.intersect(&b), set(&[(5, 10), (20, 25)]));
        assert_eq!(a.subtract(&b), set(&[(0, 5), (25, 30)]));
        assert_eq!(b.subtract(&a), set(&[(10, 20)]));
        assert_eq!(
            a.subtract(&set(&[(2, 3), (4, 6), (21, 22)])),
            set(&[(0, 2), (3, 4), (6, 10), (20, 21), (22, 30)])
        );
        assert!(a.contains_span(Span::new(21, 29)));
        assert!(!a.contains_span(Span::new(9, 21)));
        assert!(a.touches(Span::new(9, 21)));
        assert!(!a.touches(Span::new(10, 20)));
        assert_eq!(a.seconds(), 20);
    }

    #[test]
    fn labels_restrict_and_merge() {
        let l = Labelled::from_disjoint(vec![
            (Span::new(10, 20), 2),
            (Span::new(0, 10), 1),
            (Span::new(20, 30), 2),
        ]);
        assert_eq!(l.pieces(), &[(Span::new(0, 10), 1), (Span::new(10, 30), 2)]);
        assert_eq!(
            l.restrict(&set(&[(5, 12)])),
            vec![(Span::new(5, 10), 1), (Span::new(10, 12), 2)]
        );
        assert_eq!(l.support(), set(&[(0, 30)]));
    }
}
