//! A fast check of phone numbers already written in E.164 form.
//!
//! `phonenumber` validates through one process-wide regex cache behind a
//! mutex, and that cache holds 100 expressions while the metadata has
//! thousands: a config with numbers from many countries recompiles
//! expressions over and over, on one core at a time. Numbers written as
//! `+` and digits (every number roster exports, and most that people write)
//! are checked here instead, against the same metadata compiled once per
//! country code, with the same rules as `phonenumber::is_valid`. Anything
//! this check is unsure of (a national prefix after the country code, a
//! number it finds invalid) goes the slow way, so its answer is only ever
//! "valid, already canonical" or "ask `phonenumber`"; a test holds the two
//! to the same answers over every example number of the metadata.
//!
//! The metadata comes per calling code from [`metadata`], loaded and
//! compiled for the codes a run meets only.

pub(crate) mod metadata;

use std::sync::OnceLock;

use phonenumber::metadata::loader::{Descriptor, Metadata};
use regex::{Regex, RegexBuilder};

/// A metadata pattern, compiled the first time a number needs it: a
/// country code such as +1 has 25 regions of a dozen patterns each, and a
/// run that meets one mobile number needs two or three of them.
struct Lazy {
    source: String,
    compiled: OnceLock<Option<Regex>>,
}

impl Lazy {
    fn new(source: &str) -> Lazy {
        Lazy {
            source: source.to_string(),
            compiled: OnceLock::new(),
        }
    }

    /// Whether the pattern matches from the first digit of `national`;
    /// `None` when it does not compile (the number is not vouched for).
    fn is_match(&self, national: &str) -> Option<bool> {
        let regex = self.compiled.get_or_init(|| compile(&self.source));
        regex.as_ref().map(|r| r.is_match(national))
    }

    /// Where the pattern matches `national`, if it does; `None` when it
    /// does not compile.
    fn find(&self, national: &str) -> Option<Option<(usize, usize)>> {
        let regex = self.compiled.get_or_init(|| compile(&self.source));
        regex
            .as_ref()
            .map(|r| r.find(national).map(|m| (m.start(), m.end())))
    }
}

/// A number pattern and the lengths it allows.
struct Pattern {
    regex: Lazy,
    lengths: Vec<u16>,
}

impl Pattern {
    fn new(descriptor: &Descriptor) -> Option<Pattern> {
        Some(Pattern {
            regex: Lazy::new(descriptor.national_number.as_deref()?),
            lengths: descriptor.possible_length.clone(),
        })
    }

    /// `phonenumber`'s `Descriptor::is_match`: a possible length, and the
    /// pattern matching from the first digit (compiled only when the
    /// length is possible). `None`: the pattern does not compile.
    fn is_match(&self, national: &str) -> Option<bool> {
        let length = u16::try_from(national.len()).unwrap_or(u16::MAX);
        if !self.lengths.is_empty() && !self.lengths.contains(&length) {
            return Some(false);
        }
        self.regex.is_match(national)
    }
}

/// Compiles a metadata pattern anchored at the start: "matches from the
/// first digit", which is what `phonenumber` asks of its matches. Numbers
/// reach it as ASCII digits, so `\d` is compiled as `[0-9]` (Unicode's
/// digits, which no such number holds, make a far larger automaton).
fn compile(pattern: &str) -> Option<Regex> {
    // The newline ends a comment the pattern may close with (whitespace
    // and comments are ignored in metadata patterns).
    RegexBuilder::new(&format!("^(?:{pattern}\n)"))
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        .ok()
}

/// One region's numbering plan.
struct Region {
    general: Pattern,
    /// Every number type; a number of any of them is valid.
    types: Vec<Pattern>,
    leading_digits: Option<Lazy>,
    national_prefix: Option<String>,
    prefix_for_parsing: Option<Lazy>,
    transforms_prefix: bool,
}

impl Region {
    fn new(meta: &Metadata) -> Option<Region> {
        // Any type makes a number valid, so the order only matters for
        // speed: the common types first.
        let types = [
            &meta.mobile,
            &meta.fixed_line,
            &meta.premium_rate,
            &meta.toll_free,
            &meta.shared_cost,
            &meta.voip,
            &meta.personal_number,
            &meta.pager,
            &meta.uan,
            &meta.voicemail,
        ]
        .into_iter()
        .flatten()
        .map(Pattern::new)
        .collect::<Option<Vec<_>>>()?;
        Some(Region {
            general: Pattern::new(meta.general.as_ref()?)?,
            types,
            leading_digits: meta.leading_digits.as_deref().map(Lazy::new),
            national_prefix: meta.national_prefix.clone(),
            prefix_for_parsing: meta.national_prefix_for_parsing.as_deref().map(Lazy::new),
            transforms_prefix: meta.national_prefix_transform_rule.is_some(),
        })
    }

    /// `phonenumber`'s `number_type(..) != Type::Unknown`; `None` when a
    /// pattern it needed does not compile.
    fn has_type(&self, national: &str) -> Option<bool> {
        if !self.general.is_match(national)? {
            return Some(false);
        }
        for kind in &self.types {
            if kind.is_match(national)? {
                return Some(true);
            }
        }
        Some(false)
    }

    /// Whether parsing could rewrite `national`: strip a national prefix or
    /// apply a transform rule; `None` when the pattern does not compile.
    fn may_rewrite(&self, national: &str) -> Option<bool> {
        if let Some(prefix) = &self.national_prefix
            && national.starts_with(prefix.as_str())
        {
            return Some(true);
        }
        match &self.prefix_for_parsing {
            Some(regex) => Some(
                regex
                    .find(national)?
                    .is_some_and(|(start, end)| start == 0 && (end > 0 || self.transforms_prefix)),
            ),
            None => Some(false),
        }
    }

    /// Whether `national` is this region's, by its leading digits or else
    /// its number types (`phonenumber`'s `source_for`).
    fn is_source_of(&self, national: &str) -> Option<bool> {
        match &self.leading_digits {
            Some(leading) => leading.is_match(national),
            None => self.has_type(national),
        }
    }
}

/// The regions of one country code, in `phonenumber`'s order; `None` when
/// some region's metadata lacks a pattern (then every number of the code
/// goes the slow way).
type Plan = Option<Vec<Region>>;

fn plan(position: usize) -> Option<&'static [Region]> {
    static PLANS: [OnceLock<Plan>; metadata::COUNT] = [const { OnceLock::new() }; metadata::COUNT];
    PLANS[position]
        .get_or_init(|| {
            metadata::country_at(position)
                .regions
                .iter()
                .map(Region::new)
                .collect()
        })
        .as_deref()
}

/// Whether `text` is a valid number already in canonical E.164 form;
/// `false` means "not known here", not "invalid".
pub fn is_valid_canonical(text: &str) -> bool {
    vouch(text).unwrap_or(false)
}

/// [`is_valid_canonical`], with `None` for a pattern that did not compile.
fn vouch(text: &str) -> Option<bool> {
    let Some(digits) = text.strip_prefix('+') else {
        return Some(false);
    };
    if !(8..=16).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        return Some(false);
    }
    let (code, position) = metadata::calling_code(digits)?;
    let regions = plan(position)?;
    let national = &digits[code.to_string().len()..];
    if national.len() < 2 {
        return Some(false);
    }
    for region in regions {
        if region.may_rewrite(national)? {
            return Some(false);
        }
    }
    // `phonenumber`'s `source_for`, then `is_valid` on the region found.
    let region = if regions.len() == 1 {
        regions.first()
    } else {
        let mut found = None;
        for region in regions {
            if region.is_source_of(national)? {
                found = Some(region);
                break;
            }
        }
        found
    };
    match region {
        Some(region) => region.has_type(national),
        None => Some(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::canonical::phone_by_parsing as phone;
    use phonenumber::metadata::DATABASE;

    /// Every example number of the metadata, as E.164, with variations:
    /// a digit more, a digit less, a digit changed, a national prefix put
    /// in front.
    fn candidates() -> Vec<String> {
        let mut out = Vec::new();
        for meta in DATABASE.iter() {
            let d = meta.descriptors();
            let examples = [
                Some(d.general()),
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.personal_number(),
                d.voip(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ];
            for example in examples.into_iter().flatten().filter_map(|d| d.example()) {
                let code = meta.country_code();
                out.push(format!("+{code}{example}"));
                out.push(format!("+{code}{example}7"));
                out.push(format!("+{code}{}", &example[..example.len() - 1]));
                let mut changed = example.to_string().into_bytes();
                let last = changed.len() - 1;
                changed[last] = b'0' + (changed[last] - b'0' + 5) % 10;
                out.push(format!("+{code}{}", String::from_utf8(changed).unwrap()));
                let mut first = example.to_string().into_bytes();
                first[0] = b'0' + (first[0] - b'0' + 3) % 10;
                out.push(format!("+{code}{}", String::from_utf8(first).unwrap()));
                if let Some(prefix) = meta.national_prefix() {
                    out.push(format!("+{code}{prefix}{example}"));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn agrees_with_phonenumber_on_every_example() {
        let candidates = candidates();
        assert!(candidates.len() > 5_000, "{} candidates", candidates.len());
        let mut fast = 0;
        for text in &candidates {
            if is_valid_canonical(text) {
                fast += 1;
                assert_eq!(
                    phone(text).as_deref(),
                    Ok(text.as_str()),
                    "{text} passed the fast check"
                );
            }
        }
        // The fast check must carry most valid numbers, or it is no use.
        let valid = candidates
            .iter()
            .filter(|t| phone(t).as_deref() == Ok(t.as_str()))
            .count();
        assert!(
            fast * 100 >= valid * 97,
            "{fast} of {valid} canonical valid numbers took the fast path"
        );
    }

    /// Spaces and punctuation put between the digits of `number`, as
    /// people write them, in a way chosen by `seed`.
    fn punctuated(number: &str, seed: usize) -> String {
        let marks = [" ", "-", ".", "/", " (", ") ", "", " - ", "--", "  "];
        let mut out = String::from("+");
        for (i, digit) in number[1..].chars().enumerate() {
            if i > 0 && (i * 7 + seed).is_multiple_of(3) {
                out.push_str(marks[(i + seed) % marks.len()]);
            }
            out.push(digit);
        }
        out
    }

    #[test]
    fn one_calling_code_parses_as_the_whole_metadata() {
        use crate::model::canonical::{phone as canonical, phone_by_parsing_everything as whole};
        for (i, number) in candidates().iter().enumerate() {
            let written = [
                number.clone(),
                punctuated(number, i),
                punctuated(number, i + 1),
                punctuated(number, i + 5),
            ];
            for text in written {
                assert_eq!(phone(&text), whole(&text), "{text}");
                assert_eq!(canonical(&text), whole(&text), "{text}");
            }
        }
        // A national prefix written after the calling code: `phonenumber`
        // drops it; so does the per-code metadata.
        for text in [
            "+44 (0)20 7946 0958",
            "+49 (0)30 1234567",
            "+33 (0)6 12 34 56 78",
        ] {
            assert_eq!(phone(text), whole(text), "{text}");
            assert_eq!(canonical(text), whole(text), "{text}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_vouch_for() {
        assert!(is_valid_canonical("+14155550132"));
        assert!(is_valid_canonical("+4915123456789"));
        assert!(!is_valid_canonical("+1 415 555 0132"));
        assert!(!is_valid_canonical("+11111111111"));
        assert!(!is_valid_canonical("4915123456789"));
        assert!(!is_valid_canonical("+49015123456789"));
        assert!(!is_valid_canonical("+999123456789"));
    }
}
