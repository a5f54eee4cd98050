//! The YAML events the typed reader reads: collections opening and closing,
//! and scalars with whether they were quoted. Only what a roster document
//! written in plain YAML produces: anchors, aliases, tags and second
//! documents are [`Unsupported`] here and left to the full reader
//! ([`super::parse`]), which reports them with their places.

use std::borrow::Cow;

use saphyr_parser::{Event as ParserEvent, Parser, ScalarStyle};

/// One YAML event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A mapping opens; keys and values follow in turn.
    MapStart,
    /// The mapping closes.
    MapEnd,
    /// A sequence opens.
    SeqStart,
    /// The sequence closes.
    SeqEnd,
    /// A scalar's text (after unquoting and folding) and its style.
    Scalar(Cow<'a, str>, Style),
}

/// How a scalar was written, as far as its meaning depends on it: a plain
/// scalar may be a number, a boolean or null; any other is text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// Quoted, or a block scalar (`|`, `>`).
    Quoted,
}

/// A document this module leaves to the full reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported;

/// The events of `text` as saphyr's parser reads it, or [`Unsupported`]
/// for a syntax error, an anchor, an alias, a tag, a second document or a
/// scalar holding a control character (the full reader reports those).
pub fn parse(text: &str) -> Result<Vec<Event<'_>>, Unsupported> {
    let mut events = Vec::new();
    let mut documents = 0;
    for item in Parser::new_from_str(text) {
        let (event, _) = item.map_err(|_| Unsupported)?;
        events.push(match event {
            ParserEvent::StreamStart
            | ParserEvent::StreamEnd
            | ParserEvent::DocumentEnd
            | ParserEvent::Nothing => continue,
            ParserEvent::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(Unsupported);
                }
                continue;
            }
            ParserEvent::Alias(_) => return Err(Unsupported),
            ParserEvent::MappingStart(anchor, tag) | ParserEvent::SequenceStart(anchor, tag)
                if anchor != 0 || tag.is_some() =>
            {
                return Err(Unsupported);
            }
            ParserEvent::MappingStart(..) => Event::MapStart,
            ParserEvent::SequenceStart(..) => Event::SeqStart,
            ParserEvent::MappingEnd => Event::MapEnd,
            ParserEvent::SequenceEnd => Event::SeqEnd,
            ParserEvent::Scalar(_, _, anchor, tag) if anchor != 0 || tag.is_some() => {
                return Err(Unsupported);
            }
            ParserEvent::Scalar(text, ..) if super::control_character(&text).is_some() => {
                return Err(Unsupported);
            }
            ParserEvent::Scalar(text, style, ..) => Event::Scalar(
                text,
                if style == ScalarStyle::Plain {
                    Style::Plain
                } else {
                    Style::Quoted
                },
            ),
        });
    }
    Ok(events)
}
