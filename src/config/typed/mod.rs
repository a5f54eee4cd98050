//! The typed reader: YAML events straight into a [`Document`], checking
//! every constraint of the JSON Schema on the way — without building a
//! JSON value, a tree of positions or running the schema validator.
//!
//! It answers only "this is the document" or [`Refused`]: a document it
//! refuses (anything the schema or serde would refuse, and YAML it leaves
//! to the full reader: duplicate keys, collections as keys) goes through
//! the full stages, which say what is wrong and where. A property test
//! holds it to the schema: for random documents, the typed reader accepts
//! exactly when the schema check and deserialization do, with the same
//! [`Document`].

pub(crate) mod constraints;
mod document;
mod user;

use std::borrow::Cow;

use saphyr::Scalar;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, StrDeserializer};

use super::yaml::events::{Event, Style};
use crate::model::document::Document;

/// The document is not one the typed reader vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused;

/// Reads a document from its events.
pub fn read(events: &[Event<'_>]) -> Result<Document, Refused> {
    let mut reader = Reader { events, at: 0 };
    let document = document::document(&mut reader)?;
    if reader.at != events.len() {
        return Err(Refused);
    }
    Ok(document)
}

/// A cursor over a document's events.
pub(super) struct Reader<'e, 'a> {
    events: &'e [Event<'a>],
    at: usize,
}

/// What a plain scalar means in YAML's core schema, as far as a roster
/// document cares.
enum Plain<'e> {
    Text(&'e str),
    Integer(i64),
    Boolean(bool),
    Other,
}

impl<'e, 'a> Reader<'e, 'a> {
    fn next(&mut self) -> Result<&'e Event<'a>, Refused> {
        let event = self.events.get(self.at).ok_or(Refused)?;
        self.at += 1;
        Ok(event)
    }

    /// Opens a mapping.
    fn map(&mut self) -> Result<(), Refused> {
        match self.next()? {
            Event::MapStart => Ok(()),
            _ => Err(Refused),
        }
    }

    /// Whether the next value is a mapping (without reading it).
    fn at_map(&self) -> bool {
        matches!(self.events.get(self.at), Some(Event::MapStart))
    }

    /// The next key of an open mapping, or `None` at its end. A key is
    /// compared as written, whatever its style.
    fn key(&mut self) -> Result<Option<&'e str>, Refused> {
        match self.next()? {
            Event::MapEnd => Ok(None),
            Event::Scalar(text, _) => Ok(Some(text)),
            _ => Err(Refused),
        }
    }

    /// A sequence, each item read by `item`.
    fn seq<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, Refused>,
    ) -> Result<Vec<T>, Refused> {
        match self.next()? {
            Event::SeqStart => {}
            _ => return Err(Refused),
        }
        let mut items = Vec::new();
        loop {
            if let Some(Event::SeqEnd) = self.events.get(self.at) {
                self.at += 1;
                return Ok(items);
            }
            items.push(item(self)?);
        }
    }

    fn scalar(&mut self) -> Result<(&'e str, Style), Refused> {
        match self.next()? {
            Event::Scalar(text, style) => Ok((text, *style)),
            _ => Err(Refused),
        }
    }

    fn plain(text: &'e str) -> Plain<'e> {
        if text.is_empty() {
            return Plain::Other;
        }
        match Scalar::parse_from_cow(Cow::Borrowed(text)) {
            Scalar::String(_) => Plain::Text(text),
            Scalar::Integer(i) => Plain::Integer(i),
            Scalar::Boolean(b) => Plain::Boolean(b),
            Scalar::Null | Scalar::FloatingPoint(_) => Plain::Other,
        }
    }

    /// A scalar that YAML reads as text.
    fn str(&mut self) -> Result<&'e str, Refused> {
        match self.scalar()? {
            (text, Style::Quoted) => Ok(text),
            (text, Style::Plain) => match Self::plain(text) {
                Plain::Text(text) => Ok(text),
                _ => Err(Refused),
            },
        }
    }

    /// A text scalar, owned.
    fn string(&mut self) -> Result<String, Refused> {
        self.str().map(str::to_string)
    }

    /// A text scalar of `min..=max` characters.
    fn string_of_length(&mut self, min: usize, max: usize) -> Result<String, Refused> {
        let text = self.str()?;
        let length = text.chars().count();
        if length < min || length > max {
            return Err(Refused);
        }
        Ok(text.to_string())
    }

    /// A whole number in `min..=max`.
    fn integer(&mut self, min: i64, max: i64) -> Result<i64, Refused> {
        match self.scalar()? {
            (text, Style::Plain) => match Self::plain(text) {
                Plain::Integer(i) if (min..=max).contains(&i) => Ok(i),
                _ => Err(Refused),
            },
            _ => Err(Refused),
        }
    }

    /// A whole number in `min..=max`, as a `u32`.
    fn u32_in(&mut self, min: u32, max: u32) -> Result<u32, Refused> {
        let n = self.integer(i64::from(min), i64::from(max))?;
        u32::try_from(n).map_err(|_| Refused)
    }

    fn boolean(&mut self) -> Result<bool, Refused> {
        match self.scalar()? {
            (text, Style::Plain) => match Self::plain(text) {
                Plain::Boolean(b) => Ok(b),
                _ => Err(Refused),
            },
            _ => Err(Refused),
        }
    }

    /// One of the words of a vocabulary type, by its serde name.
    fn word<T: DeserializeOwned>(&mut self) -> Result<T, Refused> {
        let text = self.str()?;
        T::deserialize(StrDeserializer::<ValueError>::new(text)).map_err(|_| Refused)
    }

    /// A list of text scalars.
    fn strings(&mut self) -> Result<Vec<String>, Refused> {
        self.seq(Self::string)
    }
}

/// Sets a field read from a mapping once; a key written twice is refused.
fn once<T>(slot: &mut Option<T>, value: T) -> Result<(), Refused> {
    if slot.is_some() {
        return Err(Refused);
    }
    *slot = Some(value);
    Ok(())
}
