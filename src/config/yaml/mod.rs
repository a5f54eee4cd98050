//! YAML text → a JSON value plus the source position of every node.
//!
//! Most files never come here: [`fast`] reads plain YAML into [`events`]
//! for the typed reader. This is the full reader, for a file the fast way
//! does not vouch for and for placing findings: saphyr's parser emits
//! events with spans; this receiver builds the `serde_json::Value` that the
//! schema check and serde read, and beside it a [`Node`] tree with the span
//! of every value and every mapping key. Building both in one pass (rather
//! than through saphyr's `MarkedYaml` tree) avoids a second copy of the
//! document and lets a duplicated key report both of its places instead of
//! stopping at the first.

pub mod events;
pub mod fast;

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr::Scalar;
use saphyr_parser::{
    Event, Parser, ScalarStyle, ScanError, Span as ParserSpan, SpannedEventReceiver, Tag,
};
use serde_json::{Map, Number, Value};

pub use crate::diagnostic::{Pos, Span};

fn to_span(span: ParserSpan) -> Span {
    Span {
        start: pos(span.start),
        end: pos(span.end),
    }
}

fn pos(marker: saphyr_parser::Marker) -> Pos {
    Pos {
        line: to_u32(marker.line()),
        col: to_u32(marker.col()),
    }
}

/// A count as a position component (saturating: no file has 4 billion lines).
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The position of a value and, inside mappings and sequences, of its children.
#[derive(Debug, Clone)]
pub enum Node {
    /// A scalar. `coerced` is set when a plain (unquoted) scalar was read as
    /// a number, boolean or null, which matters when a string was expected.
    Scalar { span: Span, coerced: bool },
    /// A sequence and its items, in order.
    Seq { span: Span, items: Vec<Node> },
    /// A mapping and its entries, in the order of the JSON object's keys.
    Map { span: Span, entries: Vec<Entry> },
}

/// A mapping entry: where its key is written, and its value.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key's span.
    pub key: Span,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The span of the whole node.
    pub fn span(&self) -> Span {
        match self {
            Node::Scalar { span, .. } | Node::Seq { span, .. } | Node::Map { span, .. } => *span,
        }
    }
}

/// What a JSON pointer designates in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// The value's span.
    pub value: Span,
    /// The key's span when the value is a mapping entry.
    pub key: Option<Span>,
    /// Whether the value is an unquoted scalar read as a non-string.
    pub coerced: bool,
}

/// Finds the node a JSON pointer designates, walking the value beside its
/// positions. Returns the deepest node found when the pointer goes further
/// than the document (a missing key points at its would-be parent).
pub fn locate(value: &Value, root: &Node, pointer: &str) -> Located {
    let mut value = value;
    let mut node = root;
    let mut key = None;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match (value, node) {
            (Value::Object(map), Node::Map { entries, .. }) => map
                .iter()
                .position(|(k, _)| *k == token)
                .and_then(|i| Some((map.get_index_value(i)?, entries.get(i)?)))
                .map(|(v, entry)| (v, &entry.value, Some(entry.key))),
            (Value::Array(items), Node::Seq { items: nodes, .. }) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| Some((items.get(i)?, nodes.get(i)?)))
                .map(|(v, n)| (v, n, None)),
            _ => None,
        };
        match next {
            Some((v, n, k)) => {
                value = v;
                node = n;
                key = k;
            }
            None => break,
        }
    }
    let coerced = matches!(node, Node::Scalar { coerced: true, .. });
    Located {
        value: node.span(),
        key,
        coerced,
    }
}

/// Index access on a JSON object, in key order.
trait IndexValue {
    fn get_index_value(&self, index: usize) -> Option<&Value>;
}

impl IndexValue for Map<String, Value> {
    fn get_index_value(&self, index: usize) -> Option<&Value> {
        self.values().nth(index)
    }
}

/// A parsed YAML file.
#[derive(Debug)]
pub struct Parsed {
    /// The document as JSON; `null` for an empty file.
    pub value: Value,
    /// Where every node of `value` is written.
    pub positions: Node,
    /// Problems that did not stop parsing.
    pub problems: Vec<YamlProblem>,
}

/// Something wrong with the YAML itself.
#[derive(Debug, Clone, PartialEq)]
pub enum YamlProblem {
    /// The text is not YAML; nothing else in the file can be read.
    Syntax { at: Pos, message: String },
    /// A key appears twice in one mapping; the first value is kept.
    DuplicateKey {
        key: String,
        first: Span,
        second: Span,
    },
    /// The file holds more than one YAML document; only the first is read.
    ExtraDocument { at: Span },
    /// A tag roster does not understand.
    UnsupportedTag { tag: String, at: Span },
    /// A mapping key that is itself a mapping or a sequence.
    ComplexKey { at: Span },
    /// A number JSON cannot hold (`.nan`, `.inf`).
    NotANumber { at: Span },
    /// An alias to an anchor that does not exist, or too many expansions.
    BadAlias { at: Span, message: String },
    /// A control character (other than tab and line breaks) in a scalar,
    /// such as `"\0"` or `"\e"`: the databases cannot store NUL, and no
    /// name or value needs the others.
    ControlCharacter { character: char, at: Span },
}

/// The first control character in `text` other than tab, line feed and
/// carriage return: C0, DEL and C1.
pub fn control_character(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// At most this many nodes may be produced by alias expansion per file.
const ALIAS_BUDGET: usize = 100_000;

/// Parses one YAML file.
pub fn parse(text: &str) -> Result<Parsed, YamlProblem> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, true).map_err(syntax)?;
    let (value, positions) = builder.root.unwrap_or((
        Value::Null,
        Node::Scalar {
            span: Span::default(),
            coerced: false,
        },
    ));
    Ok(Parsed {
        value,
        positions,
        problems: builder.problems,
    })
}

fn syntax(error: ScanError) -> YamlProblem {
    YamlProblem::Syntax {
        at: pos(*error.marker()),
        message: error.info().to_string(),
    }
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, Node)>,
    root: Option<(Value, Node)>,
    problems: Vec<YamlProblem>,
    documents: usize,
    alias_nodes: usize,
}

enum Frame {
    Seq {
        anchor: usize,
        start: Pos,
        values: Vec<Value>,
        nodes: Vec<Node>,
    },
    Map {
        anchor: usize,
        start: Pos,
        map: Map<String, Value>,
        entries: Vec<Entry>,
        key: KeyState,
    },
}

/// Where a mapping is between its keys and values.
enum KeyState {
    /// The next node is a key.
    Awaiting,
    /// The key has been read; the next node is its value.
    Ready(String, Span),
    /// The key was unusable; the next node is its value, to be dropped.
    SkipValue,
}

impl<'input> SpannedEventReceiver<'input> for Builder {
    fn on_event(&mut self, event: Event<'input>, span: ParserSpan) {
        let span = to_span(span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents == 2 {
                    self.problems.push(YamlProblem::ExtraDocument { at: span });
                }
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_tag(tag.as_deref(), span);
                self.stack.push(Frame::Seq {
                    anchor,
                    start: span.start,
                    values: Vec::new(),
                    nodes: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.check_tag(tag.as_deref(), span);
                self.stack.push(Frame::Map {
                    anchor,
                    start: span.start,
                    map: Map::new(),
                    entries: Vec::new(),
                    key: KeyState::Awaiting,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Seq {
                    anchor,
                    start,
                    values,
                    nodes,
                }) = self.stack.pop()
                {
                    let span = Span {
                        start,
                        end: span.end,
                    };
                    self.finish(
                        Value::Array(values),
                        Node::Seq { span, items: nodes },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Map {
                    anchor,
                    start,
                    map,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    let span = Span {
                        start,
                        end: span.end,
                    };
                    self.finish(Value::Object(map), Node::Map { span, entries }, anchor);
                }
            }
            Event::Scalar(text, style, anchor, tag) => self.scalar(text, style, anchor, tag, span),
            Event::Alias(id) => self.alias(id, span),
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
    }
}

impl Builder {
    fn in_extra_document(&self) -> bool {
        self.documents > 1
    }

    fn check_tag(&mut self, tag: Option<&Tag>, span: Span) {
        if let Some(tag) = tag
            && !tag.is_yaml_core_schema()
        {
            self.problems.push(YamlProblem::UnsupportedTag {
                tag: tag.to_string(),
                at: span,
            });
        }
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<Cow<'_, Tag>>,
        span: Span,
    ) {
        if self.in_extra_document() {
            return;
        }
        if let Some(character) = control_character(&text) {
            self.problems.push(YamlProblem::ControlCharacter {
                character,
                at: span,
            });
        }
        if let Some(Frame::Map {
            key: key @ KeyState::Awaiting,
            ..
        }) = self.stack.last_mut()
        {
            *key = KeyState::Ready(text.into_owned(), span);
            return;
        }
        self.check_tag(tag.as_deref(), span);
        let plain = style == ScalarStyle::Plain;
        let (value, coerced) = match Scalar::parse_from_cow_and_metadata(text, style, tag.as_ref())
        {
            Some(Scalar::Null) => (Value::Null, plain),
            Some(Scalar::Boolean(b)) => (Value::Bool(b), plain),
            Some(Scalar::Integer(i)) => (Value::Number(i.into()), plain),
            Some(Scalar::FloatingPoint(f)) => match Number::from_f64(f.into_inner()) {
                Some(n) => (Value::Number(n), plain),
                None => {
                    self.problems.push(YamlProblem::NotANumber { at: span });
                    (Value::Null, plain)
                }
            },
            Some(Scalar::String(s)) => (Value::String(s.into_owned()), false),
            None => {
                // A core tag whose text does not fit it, such as `!!int abc`.
                let tag = tag.map(|t| t.to_string()).unwrap_or_default();
                self.problems
                    .push(YamlProblem::UnsupportedTag { tag, at: span });
                (Value::Null, false)
            }
        };
        self.finish(value, Node::Scalar { span, coerced }, anchor);
    }

    fn alias(&mut self, id: usize, span: Span) {
        if self.in_extra_document() {
            return;
        }
        let Some((value, node)) = self.anchors.get(&id).cloned() else {
            self.problems.push(YamlProblem::BadAlias {
                at: span,
                message: "this alias names no anchor".into(),
            });
            return;
        };
        self.alias_nodes += count_nodes(&node);
        if self.alias_nodes > ALIAS_BUDGET {
            if self.alias_nodes - count_nodes(&node) <= ALIAS_BUDGET {
                self.problems.push(YamlProblem::BadAlias {
                    at: span,
                    message: format!("aliases expand to more than {ALIAS_BUDGET} nodes"),
                });
            }
            return;
        }
        self.finish(value, node, 0);
    }

    /// Attaches a completed node to its parent, or makes it the document.
    fn finish(&mut self, value: Value, node: Node, anchor: usize) {
        if self.in_extra_document() {
            return;
        }
        if anchor > 0 {
            self.anchors.insert(anchor, (value.clone(), node.clone()));
        }
        match self.stack.last_mut() {
            None => self.root = Some((value, node)),
            Some(Frame::Seq { values, nodes, .. }) => {
                values.push(value);
                nodes.push(node);
            }
            Some(Frame::Map {
                map, entries, key, ..
            }) => match std::mem::replace(key, KeyState::Awaiting) {
                KeyState::Awaiting => {
                    // A collection in key position: keep parsing, drop the entry.
                    self.problems
                        .push(YamlProblem::ComplexKey { at: node.span() });
                    *key = KeyState::SkipValue;
                }
                KeyState::SkipValue => {}
                KeyState::Ready(name, key_span) => {
                    if map.contains_key(&name) {
                        let index = map.keys().position(|k| *k == name).unwrap_or(0);
                        let first = entries.get(index).map(|e| e.key).unwrap_or_default();
                        self.problems.push(YamlProblem::DuplicateKey {
                            key: name,
                            first,
                            second: key_span,
                        });
                    } else {
                        map.insert(name, value);
                        entries.push(Entry {
                            key: key_span,
                            value: node,
                        });
                    }
                }
            },
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    match node {
        Node::Scalar { .. } => 1,
        Node::Seq { items, .. } => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Node::Map { entries, .. } => {
            1 + entries.iter().map(|e| count_nodes(&e.value)).sum::<usize>()
        }
    }
}
