//! A fast reader for the plain YAML that roster documents are written in:
//! block mappings and sequences indented with spaces, one-line flow
//! collections (`{ user: alice, roles: [primary] }`), plain, single- and
//! double-quoted scalars, comments. It produces the same [`Event`]s as
//! saphyr's parser ([`super::events::parse`]) about ten times faster, and
//! refuses ([`Unsupported`]) anything else — tabs, carriage returns, block
//! scalars, multi-line scalars and flows, escapes, anchors, aliases, tags,
//! quoted or unusual keys, empty values, a second document, any text it
//! does not read with certainty — which then goes to saphyr. A property
//! test holds the two readers to the same events on every text this one
//! accepts.

use std::borrow::Cow;

use super::events::{Event, Style, Unsupported};

/// Deeper flow collections are left to saphyr.
const MAX_FLOW_DEPTH: usize = 16;
/// Deeper block nesting is left to saphyr.
const MAX_BLOCK_DEPTH: usize = 64;

/// The events of `text`, or [`Unsupported`] when it is not in the subset
/// this reader reads with certainty.
pub fn parse(text: &str) -> Result<Vec<Event<'_>>, Unsupported> {
    check_characters(text)?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        events: Vec::with_capacity(text.len() / 12),
        depth: 0,
    };
    reader.document()?;
    Ok(reader.events)
}

/// Refuses characters whose handling this reader does not share with
/// saphyr for certain: tabs, carriage returns, other control characters,
/// the byte order mark, and Unicode line and paragraph separators.
fn check_characters(text: &str) -> Result<(), Unsupported> {
    let bytes = text.as_bytes();
    if bytes.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f) {
        return Err(Unsupported);
    }
    if !text.is_ascii()
        && text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        })
    {
        return Err(Unsupported);
    }
    Ok(())
}

/// A content line: where it starts and how far it is indented.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Offset of the line's first byte.
    start: usize,
    /// Spaces before its first character.
    indent: usize,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Where reading continues: the start of a line, or inside the line
    /// being read.
    pos: usize,
    events: Vec<Event<'a>>,
    depth: usize,
}

fn is_key_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

impl<'a> Reader<'a> {
    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    /// Whether `at` ends a token: a space, the end of the line or of the text.
    fn ends_token(&self, at: usize) -> bool {
        matches!(self.byte(at), None | Some(b' ' | b'\n'))
    }

    fn end_of_line(&self, from: usize) -> usize {
        self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| from + i)
    }

    fn next_line_start(&self, from: usize) -> usize {
        let end = self.end_of_line(from);
        if end < self.bytes.len() { end + 1 } else { end }
    }

    /// The next line with content at or after `self.pos` (which is at a
    /// line start), skipping blank and comment lines; `None` at the end.
    fn peek_line(&self) -> Result<Option<Line>, Unsupported> {
        let mut start = self.pos;
        while start < self.bytes.len() {
            let indent = self.bytes[start..]
                .iter()
                .position(|&b| b != b' ')
                .unwrap_or(self.bytes.len() - start);
            match self.byte(start + indent) {
                None => return Ok(None),
                Some(b'\n' | b'#') => start = self.next_line_start(start),
                Some(_) => {
                    // Document markers at the start of a line end the
                    // document: left to saphyr.
                    if indent == 0
                        && (self.bytes[start..].starts_with(b"---")
                            || self.bytes[start..].starts_with(b"..."))
                    {
                        return Err(Unsupported);
                    }
                    return Ok(Some(Line { start, indent }));
                }
            }
        }
        Ok(None)
    }

    fn document(&mut self) -> Result<(), Unsupported> {
        // An optional `---` on the first content line.
        let mut start = 0;
        loop {
            let indent = self.bytes[start..]
                .iter()
                .position(|&b| b != b' ')
                .unwrap_or(self.bytes.len() - start);
            match self.byte(start + indent) {
                None => return Err(Unsupported),
                Some(b'\n' | b'#') => start = self.next_line_start(start),
                Some(_) => break,
            }
        }
        if self.bytes[start..].starts_with(b"---") {
            let after = start + 3;
            self.rest_of_line_is_empty(after)?;
            self.pos = self.next_line_start(after);
        } else {
            self.pos = start;
        }
        let line = self.peek_line()?.ok_or(Unsupported)?;
        if line.indent != 0 {
            return Err(Unsupported);
        }
        self.block_mapping(line.start, 0)?;
        match self.peek_line()? {
            None => Ok(()),
            Some(_) => Err(Unsupported),
        }
    }

    /// Accepts only spaces and a comment from `at` to the end of the line.
    fn rest_of_line_is_empty(&self, at: usize) -> Result<(), Unsupported> {
        let mut at = at;
        let mut spaced = false;
        while self.byte(at) == Some(b' ') {
            at += 1;
            spaced = true;
        }
        match self.byte(at) {
            None | Some(b'\n') => Ok(()),
            Some(b'#') if spaced => Ok(()),
            _ => Err(Unsupported),
        }
    }

    fn enter(&mut self) -> Result<(), Unsupported> {
        self.depth += 1;
        if self.depth > MAX_BLOCK_DEPTH {
            return Err(Unsupported);
        }
        Ok(())
    }

    /// A plain key at `at` followed by `:` and a space or the end of the
    /// line: the key's end (the colon's offset).
    fn key_at(&self, at: usize) -> Option<usize> {
        if !self.byte(at).is_some_and(is_key_start) {
            return None;
        }
        let mut end = at + 1;
        while self.byte(end).is_some_and(is_key_byte) {
            end += 1;
        }
        (self.byte(end) == Some(b':') && self.ends_token(end + 1)).then_some(end)
    }

    /// A block mapping whose first key starts at `first` (a line's content,
    /// or after a sequence's `- `), its keys in column `indent`.
    fn block_mapping(&mut self, first: usize, indent: usize) -> Result<(), Unsupported> {
        self.enter()?;
        self.events.push(Event::MapStart);
        let mut key_start = first;
        loop {
            let colon = self.key_at(key_start).ok_or(Unsupported)?;
            self.events.push(Event::Scalar(
                Cow::Borrowed(&self.text[key_start..colon]),
                Style::Plain,
            ));
            self.value_after_key(colon + 1, indent)?;
            match self.peek_line()? {
                Some(line) if line.indent == indent => {
                    key_start = line.start + line.indent;
                    if self.byte(key_start) == Some(b'-') {
                        // A sequence entry where a key belongs.
                        return Err(Unsupported);
                    }
                }
                Some(line) if line.indent > indent => return Err(Unsupported),
                _ => break,
            }
        }
        self.events.push(Event::MapEnd);
        self.depth -= 1;
        Ok(())
    }

    /// The value of a key whose colon ends before `at`, in a mapping of
    /// column `indent`: on the same line, or a block collection below.
    fn value_after_key(&mut self, at: usize, indent: usize) -> Result<(), Unsupported> {
        let mut at = at;
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        match self.byte(at) {
            None | Some(b'\n' | b'#') => {
                self.pos = self.next_line_start(at);
                self.block_below(indent)
            }
            Some(_) => self.inline_value(at),
        }
    }

    /// The collection that is a key's value, on the lines below it: a
    /// sequence (which may sit in the key's own column) or a mapping
    /// indented further. Anything else (an empty value, a scalar on the
    /// next line) is left to saphyr.
    fn block_below(&mut self, indent: usize) -> Result<(), Unsupported> {
        let line = self.peek_line()?.ok_or(Unsupported)?;
        let content = line.start + line.indent;
        if self.byte(content) == Some(b'-') && self.ends_token(content + 1) {
            if line.indent < indent {
                return Err(Unsupported);
            }
            self.block_sequence(line.indent)
        } else if line.indent > indent {
            self.block_mapping(content, line.indent)
        } else {
            Err(Unsupported)
        }
    }

    /// A block sequence whose `-` stand in column `indent`; `self.pos` is
    /// at the start of the line of the first.
    fn block_sequence(&mut self, indent: usize) -> Result<(), Unsupported> {
        self.enter()?;
        self.events.push(Event::SeqStart);
        loop {
            let line = self.peek_line()?.ok_or(Unsupported)?;
            let dash = line.start + line.indent;
            let mut at = dash + 1;
            while self.byte(at) == Some(b' ') {
                at += 1;
            }
            if at == dash + 1 {
                // `-` alone at the end of the line: the item is below.
                return Err(Unsupported);
            }
            match self.byte(at) {
                None | Some(b'\n' | b'#') => return Err(Unsupported),
                Some(b'-') if self.ends_token(at + 1) => return Err(Unsupported),
                _ => {}
            }
            if self.key_at(at).is_some() {
                let column = indent + (at - dash);
                self.block_mapping(at, column)?;
            } else {
                self.inline_value(at)?;
            }
            match self.peek_line()? {
                Some(line) if line.indent == indent => {
                    let content = line.start + line.indent;
                    if !(self.byte(content) == Some(b'-') && self.ends_token(content + 1)) {
                        // The parent mapping's next key, in this column.
                        break;
                    }
                }
                Some(line) if line.indent > indent => return Err(Unsupported),
                _ => break,
            }
        }
        self.events.push(Event::SeqEnd);
        self.depth -= 1;
        Ok(())
    }

    /// A value written on the line at `at` (its first character): a
    /// quoted or plain scalar or a flow collection, then nothing but a
    /// comment. Leaves `self.pos` at the next line.
    fn inline_value(&mut self, at: usize) -> Result<(), Unsupported> {
        let end = match self.bytes[at] {
            b'{' | b'[' => self.flow_node(at, 0)?,
            b'"' | b'\'' => self.quoted(at)?,
            _ => self.block_plain(at)?,
        };
        self.rest_of_line_is_empty(end)?;
        self.pos = self.next_line_start(end);
        Ok(())
    }

    /// Whether a plain scalar may start with the byte at `at`.
    fn plain_may_start(&self, at: usize) -> bool {
        match self.byte(at) {
            None => false,
            Some(b'-') => self.byte(at + 1).is_some_and(|b| b.is_ascii_alphanumeric()),
            Some(
                b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
                | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n',
            ) => false,
            Some(_) => true,
        }
    }

    /// A plain scalar in block context from `at` to the end of the line or
    /// a comment; refuses `: ` inside it (a key where none may be).
    fn block_plain(&mut self, at: usize) -> Result<usize, Unsupported> {
        if !self.plain_may_start(at) {
            return Err(Unsupported);
        }
        let line_end = self.end_of_line(at);
        let mut end = line_end;
        let mut i = at;
        while i < line_end {
            match self.bytes[i] {
                b'#' if self.bytes[i - 1] == b' ' => {
                    end = i;
                    break;
                }
                b':' if self.ends_token(i + 1) => return Err(Unsupported),
                _ => {}
            }
            i += 1;
        }
        let value = self.text[at..end].trim_end_matches(' ');
        self.events
            .push(Event::Scalar(Cow::Borrowed(value), Style::Plain));
        Ok(at + value.len())
    }

    /// A single- or double-quoted scalar that closes on its line; returns
    /// the offset after the closing quote.
    fn quoted(&mut self, at: usize) -> Result<usize, Unsupported> {
        let quote = self.bytes[at];
        let line_end = self.end_of_line(at);
        let mut i = at + 1;
        let mut doubled = false;
        loop {
            if i >= line_end {
                return Err(Unsupported);
            }
            match self.bytes[i] {
                b'\\' if quote == b'"' => return Err(Unsupported),
                b'\'' if quote == b'\'' && self.byte(i + 1) == Some(b'\'') => {
                    doubled = true;
                    i += 2;
                }
                b if b == quote => break,
                _ => i += 1,
            }
        }
        let inner = &self.text[at + 1..i];
        let value = if doubled {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        self.events.push(Event::Scalar(value, Style::Quoted));
        Ok(i + 1)
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }

    /// A node inside a flow collection (or the collection itself) at
    /// `at`; returns the offset after it.
    fn flow_node(&mut self, at: usize, depth: usize) -> Result<usize, Unsupported> {
        match self.byte(at) {
            Some(b'{') => self.flow_mapping(at, depth + 1),
            Some(b'[') => self.flow_sequence(at, depth + 1),
            Some(b'"' | b'\'') => self.quoted(at),
            _ => self.flow_plain(at),
        }
    }

    fn flow_mapping(&mut self, at: usize, depth: usize) -> Result<usize, Unsupported> {
        if depth > MAX_FLOW_DEPTH {
            return Err(Unsupported);
        }
        self.events.push(Event::MapStart);
        let mut at = self.skip_spaces(at + 1);
        if self.byte(at) == Some(b'}') {
            self.events.push(Event::MapEnd);
            return Ok(at + 1);
        }
        loop {
            let colon = self.key_at(at).ok_or(Unsupported)?;
            if self.byte(colon + 1) != Some(b' ') {
                return Err(Unsupported);
            }
            self.events.push(Event::Scalar(
                Cow::Borrowed(&self.text[at..colon]),
                Style::Plain,
            ));
            let value = self.skip_spaces(colon + 1);
            at = self.flow_node(value, depth)?;
            at = self.skip_spaces(at);
            match self.byte(at) {
                Some(b',') => {
                    at = self.skip_spaces(at + 1);
                    if self.byte(at) == Some(b'}') {
                        return Err(Unsupported);
                    }
                }
                Some(b'}') => break,
                _ => return Err(Unsupported),
            }
        }
        self.events.push(Event::MapEnd);
        Ok(at + 1)
    }

    fn flow_sequence(&mut self, at: usize, depth: usize) -> Result<usize, Unsupported> {
        if depth > MAX_FLOW_DEPTH {
            return Err(Unsupported);
        }
        self.events.push(Event::SeqStart);
        let mut at = self.skip_spaces(at + 1);
        if self.byte(at) == Some(b']') {
            self.events.push(Event::SeqEnd);
            return Ok(at + 1);
        }
        loop {
            at = self.flow_node(at, depth)?;
            at = self.skip_spaces(at);
            match self.byte(at) {
                Some(b',') => {
                    at = self.skip_spaces(at + 1);
                    if self.byte(at) == Some(b']') {
                        return Err(Unsupported);
                    }
                }
                Some(b']') => break,
                _ => return Err(Unsupported),
            }
        }
        self.events.push(Event::SeqEnd);
        Ok(at + 1)
    }

    /// A plain scalar inside a flow collection: up to a flow indicator;
    /// a colon or a comment inside one is left to saphyr.
    fn flow_plain(&mut self, at: usize) -> Result<usize, Unsupported> {
        if !self.plain_may_start(at) {
            return Err(Unsupported);
        }
        let mut end = at;
        loop {
            match self.byte(end) {
                None | Some(b'\n' | b':' | b'#') => return Err(Unsupported),
                Some(b',' | b'[' | b']' | b'{' | b'}') => break,
                // saphyr reads ` -` or ` ?` just before a flow indicator as
                // an entry or a key, not as the scalar's last character
                Some(b'-' | b'?')
                    if end > at
                        && self.bytes[end - 1] == b' '
                        && matches!(self.byte(end + 1), Some(b',' | b'[' | b']' | b'{' | b'}')) =>
                {
                    return Err(Unsupported);
                }
                Some(_) => end += 1,
            }
        }
        let value = self.text[at..end].trim_end_matches(' ');
        self.events
            .push(Event::Scalar(Cow::Borrowed(value), Style::Plain));
        Ok(at + value.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Event<'_> {
        Event::Scalar(Cow::Borrowed(s), Style::Plain)
    }

    #[test]
    fn reads_what_saphyr_reads() {
        let text = "# head\nversion: 1\nusers:\n  - email: a@x.example # note\n    roles: [app_admin, 'it''s']\n    contact_methods:\n    - { channel: sms, value: \"+49 1\" }\ngroups:\n- name: g\n";
        let fast = parse(text).unwrap();
        assert_eq!(fast, super::super::events::parse(text).unwrap());
        assert_eq!(fast[1], plain("version"));
        assert_eq!(fast[2], plain("1"));
    }

    #[test]
    fn leaves_the_rest_to_saphyr() {
        for text in [
            "a: |\n  x\n",
            "a: b\n  c\n",
            "a:\n",
            "a: &x b\n",
            "a: \"\\n\"\n",
            "a:\tb\n",
            "a: b\r\n",
            "- a\n",
            "a: b\n---\nc: d\n",
            "a: {b: c\n  }\n",
            "\"a\": b\n",
            "a: b: c\n",
            "a: {b: 1 -}\n",
            "a: {b: 1 -,c: d}\n",
            "a: [x -]\n",
            "a: [x -{}]\n",
        ] {
            assert_eq!(parse(text), Err(Unsupported), "{text:?}");
        }
    }
}
