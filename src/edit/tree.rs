//! A YAML document's nodes with the byte range each is written in, read
//! from saphyr's parser events: what an edit needs to change one node and
//! leave every other byte alone.

use saphyr_parser::{Event, Parser, ScalarStyle, Span as ParserSpan, SpannedEventReceiver};

use super::EditError;

/// How a collection is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One item or entry per line, by indentation.
    Block,
    /// Between brackets or braces.
    Flow,
}

/// A node and where it is written. Offsets are byte offsets into the text.
#[derive(Debug, Clone)]
pub enum Node {
    /// A scalar: its text after unquoting, and its style.
    Scalar {
        start: usize,
        end: usize,
        value: String,
        style: ScalarStyle,
    },
    /// A sequence.
    Seq {
        start: usize,
        end: usize,
        layout: Layout,
        items: Vec<Node>,
    },
    /// A mapping; keys are scalars.
    Map {
        start: usize,
        end: usize,
        layout: Layout,
        entries: Vec<Entry>,
    },
}

/// A mapping entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key's text.
    pub key: String,
    /// Where the key starts.
    pub key_start: usize,
    /// Where the key ends.
    pub key_end: usize,
    /// The value.
    pub value: Node,
}

impl Node {
    /// Where the node starts.
    pub fn start(&self) -> usize {
        match self {
            Node::Scalar { start, .. } | Node::Seq { start, .. } | Node::Map { start, .. } => {
                *start
            }
        }
    }

    /// Where the node's own text ends: the last character of its last
    /// scalar or closing bracket, never the blank lines or comments after it.
    pub fn content_end(&self, text: &str) -> usize {
        match self {
            Node::Scalar { start, end, .. } => {
                let written = &text[*start..*end];
                start + written.trim_end().len()
            }
            Node::Seq {
                layout: Layout::Flow,
                start,
                end,
                ..
            }
            | Node::Map {
                layout: Layout::Flow,
                start,
                end,
                ..
            } => start + text[*start..*end].trim_end().len(),
            Node::Seq { start, items, .. } => items
                .iter()
                .map(|item| item.content_end(text))
                .max()
                .unwrap_or(*start),
            Node::Map { start, entries, .. } => entries
                .iter()
                .map(|entry| entry.value.content_end(text).max(entry.key_end))
                .max()
                .unwrap_or(*start),
        }
    }
}

/// Reads the first document of `text`.
pub fn parse(text: &str) -> Result<Node, EditError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        text,
        offsets,
        stack: Vec::new(),
        root: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|e| EditError::Syntax {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
    builder.root.ok_or(EditError::Empty)
}

/// Character index → byte offset (the parser counts characters).
struct CharOffsets {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let bytes = (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
        CharOffsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, index: usize) -> usize {
        match &self.bytes {
            None => index.min(self.len),
            Some(bytes) => bytes.get(index).copied().unwrap_or(self.len),
        }
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets,
    stack: Vec<Frame>,
    root: Option<Node>,
    documents: usize,
}

enum Frame {
    Seq {
        start: usize,
        layout: Layout,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        layout: Layout,
        entries: Vec<Entry>,
        key: Option<(String, usize, usize)>,
    },
}

impl Builder<'_> {
    fn layout_at(&self, start: usize) -> Layout {
        match self.text.as_bytes().get(start) {
            Some(b'[' | b'{') => Layout::Flow,
            _ => Layout::Block,
        }
    }

    fn finish(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => match node {
                    Node::Scalar {
                        value, start, end, ..
                    } => *key = Some((value, start, end)),
                    // A collection as a key: roster documents have none;
                    // keep it unusable rather than fail.
                    other => *key = Some((String::new(), other.start(), other.start())),
                },
                Some((name, key_start, key_end)) => {
                    let value = match node {
                        // `key:` with nothing after it: the parser places
                        // the empty value at the next token; place it
                        // right after the colon instead.
                        Node::Scalar {
                            start,
                            end,
                            value,
                            style,
                        } if start == end && value.is_empty() => {
                            let at = self.text[key_end..]
                                .find(':')
                                .map_or(key_end, |colon| key_end + colon + 1);
                            Node::Scalar {
                                start: at,
                                end: at,
                                value,
                                style,
                            }
                        }
                        other => other,
                    };
                    entries.push(Entry {
                        key: name,
                        key_start,
                        key_end,
                        value,
                    });
                }
            },
        }
    }
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_> {
    fn on_event(&mut self, event: Event<'input>, span: ParserSpan) {
        if self.documents > 1 {
            return;
        }
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index());
        match event {
            Event::DocumentStart(_) => self.documents += 1,
            Event::SequenceStart(..) => {
                let layout = self.layout_at(start);
                self.stack.push(Frame::Seq {
                    start,
                    layout,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(..) => {
                let layout = self.layout_at(start);
                self.stack.push(Frame::Map {
                    start,
                    layout,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    start: s,
                    layout,
                    items,
                }) = self.stack.pop()
                {
                    self.finish(Node::Seq {
                        start: s,
                        end,
                        layout,
                        items,
                    });
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    start: s,
                    layout,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    self.finish(Node::Map {
                        start: s,
                        end,
                        layout,
                        entries,
                    });
                }
            }
            Event::Scalar(value, style, ..) => self.finish(Node::Scalar {
                start,
                end,
                value: value.into_owned(),
                style,
            }),
            Event::Alias(_) => self.finish(Node::Scalar {
                start,
                end,
                value: String::new(),
                style: ScalarStyle::Plain,
            }),
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}
