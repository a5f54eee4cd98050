//! In-place editing of YAML a person wrote: set a value, add or remove a
//! sequence item, add or remove a mapping key, changing only the lines
//! concerned. Comments, blank lines, key order, quoting and the flow or
//! block style of everything else stay byte for byte. Edits work on the
//! byte ranges of [`tree`]'s nodes; new values are written in the style
//! of their neighbours (flow among flow items, block among block ones)
//! and a changed scalar keeps its quoting where its new value allows.

pub mod diff;
pub mod files;
mod render;
pub mod tree;
pub mod write;

use saphyr_parser::ScalarStyle;
use serde_json::Value;

use tree::{Layout, Node};

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The text is not YAML.
    #[error("line {line}, column {col}: {message}")]
    Syntax {
        line: usize,
        col: usize,
        message: String,
    },
    /// The document is empty.
    #[error("the document is empty")]
    Empty,
    /// The path names nothing in the document.
    #[error("`{path}` is not in the document")]
    Missing { path: String },
    /// The path goes through a value of another kind.
    #[error("`{path}` is not a {expected}")]
    Kind {
        path: String,
        expected: &'static str,
    },
}

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

impl From<&str> for Step {
    fn from(key: &str) -> Step {
        Step::Key(key.to_string())
    }
}

impl From<usize> for Step {
    fn from(index: usize) -> Step {
        Step::Index(index)
    }
}

/// The node at `path` is not what `step` needs: a mapping for a key, a
/// sequence for an index.
fn wrong_kind(path: &[Step], step: &Step) -> EditError {
    EditError::Kind {
        path: path_text(path),
        expected: match step {
            Step::Key(_) => "mapping",
            Step::Index(_) => "sequence",
        },
    }
}

/// A path as text, for messages: `users[3].email`.
pub fn path_text(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// A YAML document being edited.
#[derive(Debug, Clone)]
pub struct Document {
    text: String,
}

/// A node found by a path, with what an edit of it needs to know.
struct Found<'n> {
    node: &'n Node,
    /// Inside a flow collection: plain scalars may not hold `,[]{}`.
    in_flow: bool,
}

impl Document {
    /// Takes a document's text; it must be YAML.
    pub fn new(text: impl Into<String>) -> Result<Document, EditError> {
        let document = Document { text: text.into() };
        document.root()?;
        Ok(document)
    }

    /// The text as edited so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, given back.
    pub fn into_text(self) -> String {
        self.text
    }

    fn root(&self) -> Result<Node, EditError> {
        tree::parse(&self.text)
    }

    /// Sets the value at `path`: the node there is rewritten, or, when the
    /// last step is a key the mapping lacks, the key is added after the
    /// mapping's last entry.
    pub fn set(&mut self, path: &[Step], value: &Value) -> Result<(), EditError> {
        let root = self.root()?;
        let Some((last, parent_path)) = path.split_last() else {
            self.text = render::document(value);
            return Ok(());
        };
        let parent = find(&root, parent_path)?;
        match (parent.node, last) {
            (Node::Map { entries, .. }, Step::Key(key)) => {
                match entries.iter().position(|e| e.key == *key) {
                    Some(index) => self.replace_entry(parent.node, index, value, parent.in_flow),
                    None => self.insert_entry(parent.node, key, value),
                }
            }
            (Node::Seq { items, .. }, Step::Index(index)) if *index < items.len() => {
                self.replace_item(parent.node, *index, value, parent.in_flow);
                Ok(())
            }
            (Node::Seq { .. }, Step::Index(_)) => Err(EditError::Missing {
                path: path_text(path),
            }),
            (_, step) => Err(wrong_kind(parent_path, step)),
        }
    }

    /// Appends `value` to the sequence at `path`.
    pub fn push(&mut self, path: &[Step], value: &Value) -> Result<(), EditError> {
        self.push_all(path, std::slice::from_ref(value))
    }

    /// Appends every value of `values` to the sequence at `path`, in one
    /// edit (a long list costs one pass).
    pub fn push_all(&mut self, path: &[Step], values: &[Value]) -> Result<(), EditError> {
        if values.is_empty() {
            return Ok(());
        }
        let root = self.root()?;
        let found = find(&root, path)?;
        let Node::Seq {
            start,
            layout,
            items,
            ..
        } = found.node
        else {
            // `key:` with no value yet, or absent: make it the list.
            if let Node::Scalar {
                value: v, style, ..
            } = found.node
                && v.is_empty()
                && *style == ScalarStyle::Plain
            {
                return self.set(path, &Value::Array(values.to_vec()));
            }
            return Err(EditError::Kind {
                path: path_text(path),
                expected: "sequence",
            });
        };
        match (layout, items.last()) {
            (Layout::Flow, None) => {
                let end = found.node.content_end(&self.text);
                self.splice(*start, end, &render::inline(&Value::Array(values.to_vec())));
            }
            (Layout::Flow, Some(last)) => {
                let at = last.content_end(&self.text);
                let mut added = String::new();
                for value in values {
                    added.push_str(", ");
                    added.push_str(&render::flow_item(value));
                }
                self.splice(at, at, &added);
            }
            (Layout::Block, last) => {
                let last = last.expect("a block sequence has an item");
                let dash = dash_before(&self.text, last.start());
                let indent = column(&self.text, dash);
                let flow = matches!(
                    last,
                    Node::Map {
                        layout: Layout::Flow,
                        ..
                    } | Node::Seq {
                        layout: Layout::Flow,
                        ..
                    }
                );
                let mut added = String::new();
                for value in values {
                    added.push_str(&render::item(value, indent, flow));
                }
                let at = line_end(&self.text, found.node.content_end(&self.text));
                self.insert_lines(at, &added);
            }
        }
        Ok(())
    }

    /// Removes the mapping key or the sequence item at `path`.
    pub fn remove(&mut self, path: &[Step]) -> Result<(), EditError> {
        let root = self.root()?;
        let Some((last, parent_path)) = path.split_last() else {
            return Err(EditError::Missing {
                path: String::new(),
            });
        };
        let parent = find(&root, parent_path)?;
        let missing = || EditError::Missing {
            path: path_text(path),
        };
        // The last member of a block collection: the collection becomes
        // `[]` or `{}` on its key's line (a bare `key:` would read as null).
        let only = match (parent.node, last) {
            (
                Node::Map {
                    entries,
                    layout: Layout::Block,
                    ..
                },
                Step::Key(key),
            ) => (entries.len() == 1 && entries[0].key == *key).then(|| json_empty(false)),
            (
                Node::Seq {
                    items,
                    layout: Layout::Block,
                    ..
                },
                Step::Index(0),
            ) => (items.len() == 1).then(|| json_empty(true)),
            _ => None,
        };
        if let Some(empty) = only
            && !parent_path.is_empty()
        {
            return self.set(parent_path, &empty);
        }
        match (parent.node, last) {
            (
                Node::Map {
                    entries, layout, ..
                },
                Step::Key(key),
            ) => {
                let index = entries
                    .iter()
                    .position(|e| e.key == *key)
                    .ok_or_else(missing)?;
                let starts: Vec<usize> = entries.iter().map(|e| e.key_start).collect();
                let ends: Vec<usize> = entries
                    .iter()
                    .map(|e| e.value.content_end(&self.text).max(e.key_end))
                    .collect();
                self.remove_member(parent.node, *layout, &starts, &ends, index, "{}");
                Ok(())
            }
            (Node::Seq { items, layout, .. }, Step::Index(index)) => {
                if *index >= items.len() {
                    return Err(missing());
                }
                let starts: Vec<usize> = items
                    .iter()
                    .map(|item| match layout {
                        Layout::Flow => item.start(),
                        Layout::Block => dash_before(&self.text, item.start()),
                    })
                    .collect();
                let ends: Vec<usize> = items.iter().map(|i| i.content_end(&self.text)).collect();
                self.remove_member(parent.node, *layout, &starts, &ends, *index, "[]");
                Ok(())
            }
            (_, step) => Err(wrong_kind(parent_path, step)),
        }
    }

    /// Removes member `index` of a collection whose members start and end
    /// at `starts` and `ends`; the last one leaves `empty` behind.
    fn remove_member(
        &mut self,
        collection: &Node,
        layout: Layout,
        starts: &[usize],
        ends: &[usize],
        index: usize,
        empty: &str,
    ) {
        let count = starts.len();
        if count == 1 {
            // A collection left empty is written `[]` or `{}`: a bare
            // `key:` would read as null.
            let start = match layout {
                Layout::Flow => collection.start(),
                Layout::Block => starts[0],
            };
            let end = collection.content_end(&self.text);
            match layout {
                Layout::Flow => self.splice(start, end, empty),
                Layout::Block => self.replace_block(start, end, empty),
            }
            return;
        }
        match layout {
            Layout::Flow if index + 1 < count => self.splice(starts[index], starts[index + 1], ""),
            Layout::Flow => self.splice(ends[index - 1], ends[index], ""),
            Layout::Block => {
                let start = starts[index];
                let line = line_start(&self.text, start);
                if self.text[line..start].trim().is_empty() {
                    let end = line_end(&self.text, ends[index]);
                    self.remove_lines(line, end);
                } else {
                    // The first key of a mapping that shares the line of
                    // its sequence's dash: the next key moves up.
                    self.splice(start, starts[index + 1], "");
                }
            }
        }
    }

    /// Rewrites the value of entry `index` of `map`.
    fn replace_entry(
        &mut self,
        map: &Node,
        index: usize,
        value: &Value,
        in_flow: bool,
    ) -> Result<(), EditError> {
        let Node::Map {
            entries, layout, ..
        } = map
        else {
            unreachable!("a mapping");
        };
        let entry = &entries[index];
        let in_flow = in_flow || *layout == Layout::Flow;
        if let Some(text) = self.inline_replacement(&entry.value, value, in_flow) {
            let (start, end) = self.value_range(&entry.value);
            let text = if start == end && !text.is_empty() {
                format!(" {text}")
            } else {
                text
            };
            self.splice(start, end, &text);
            return Ok(());
        }
        // A block value, or a value that becomes one: the entry is written
        // anew where it was.
        let end = entry.value.content_end(&self.text).max(entry.key_end);
        let indent = column(&self.text, entry.key_start);
        let key_text = &self.text[entry.key_start..entry.key_end];
        let rendered = render::entry(key_text, value, indent);
        self.replace_block(entry.key_start, end, rendered.trim_start());
        Ok(())
    }

    /// Rewrites item `index` of `seq`.
    fn replace_item(&mut self, seq: &Node, index: usize, value: &Value, in_flow: bool) {
        let Node::Seq { items, layout, .. } = seq else {
            unreachable!("a sequence");
        };
        let item = &items[index];
        let in_flow = in_flow || *layout == Layout::Flow;
        if let Some(text) = self.inline_replacement(item, value, in_flow) {
            let (start, end) = self.value_range(item);
            self.splice(start, end, &text);
            return;
        }
        let dash = dash_before(&self.text, item.start());
        let indent = column(&self.text, dash);
        let flow = matches!(
            item,
            Node::Map {
                layout: Layout::Flow,
                ..
            }
        );
        let rendered = render::item(value, indent, flow);
        let end = item.content_end(&self.text);
        self.replace_block(dash, end, rendered.trim_start());
    }

    /// The text that replaces `old` in place when `new` fits on its line:
    /// a scalar for a scalar (keeping its quoting), a flow collection for
    /// a flow collection. `None` when lines must be rewritten.
    fn inline_replacement(&self, old: &Node, new: &Value, in_flow: bool) -> Option<String> {
        match (old, new) {
            (Node::Scalar { .. }, Value::Array(_) | Value::Object(_)) => {
                let text = render::inline(new);
                (in_flow || text.len() <= 60).then_some(text)
            }
            (Node::Scalar { style, .. }, scalar) => Some(render::scalar(scalar, *style, in_flow)),
            (
                Node::Seq {
                    layout: Layout::Flow,
                    ..
                }
                | Node::Map {
                    layout: Layout::Flow,
                    ..
                },
                _,
            ) => Some(render::inline(new)),
            _ if in_flow => Some(render::inline(new)),
            _ => None,
        }
    }

    /// Where a value written on its line starts and ends; a block scalar
    /// starts at its `|` or `>`.
    fn value_range(&self, node: &Node) -> (usize, usize) {
        let end = node.content_end(&self.text);
        match node {
            Node::Scalar {
                start,
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => {
                let before = &self.text[..*start];
                let indicator = before.rfind(['|', '>']).unwrap_or(*start);
                (indicator, end)
            }
            other => (other.start(), end),
        }
    }

    /// Adds `key: value` after the last entry of `map`.
    fn insert_entry(&mut self, map: &Node, key: &str, value: &Value) -> Result<(), EditError> {
        let Node::Map {
            start,
            layout,
            entries,
            ..
        } = map
        else {
            unreachable!("a mapping");
        };
        let mut single = serde_json::Map::new();
        single.insert(key.to_string(), value.clone());
        match (layout, entries.last()) {
            (Layout::Flow, None) => {
                let end = map.content_end(&self.text);
                self.splice(*start, end, &render::inline(&Value::Object(single)));
            }
            (Layout::Flow, Some(last)) => {
                let at = last.value.content_end(&self.text).max(last.key_end);
                let text = format!(", {}: {}", render::key(key), render::flow_item(value));
                self.splice(at, at, &text);
            }
            (Layout::Block, first) => {
                // A block mapping has an entry: its key sets the indent.
                let indent = first.map_or(0, |entry| column(&self.text, entry.key_start));
                let at = line_end(&self.text, map.content_end(&self.text));
                let rendered = render::entry(&render::key(key), value, indent);
                self.insert_lines(at, &rendered);
            }
        }
        Ok(())
    }

    fn splice(&mut self, start: usize, end: usize, with: &str) {
        self.text.replace_range(start..end, with);
    }

    /// Inserts whole lines (`lines` ends in a newline) at the start of the
    /// line at `at`, which may be the end of a text without a final newline.
    fn insert_lines(&mut self, at: usize, lines: &str) {
        if at == self.text.len() && !self.text.is_empty() && !self.text.ends_with('\n') {
            let body = lines.strip_suffix('\n').unwrap_or(lines);
            self.text.push('\n');
            self.text.push_str(body);
        } else {
            self.text.insert_str(at, lines);
        }
    }

    /// Removes the lines from `start` (a line start) to `end` (just after a
    /// newline, or the end of the text).
    fn remove_lines(&mut self, start: usize, end: usize) {
        if end == self.text.len() && !self.text.ends_with('\n') && start > 0 {
            // The last line has no newline: the one before it goes instead.
            self.text.replace_range(start - 1..end, "");
        } else {
            self.text.replace_range(start..end, "");
        }
    }

    /// Replaces `start..end` with `with`, whose later lines carry their
    /// own indentation; what follows `end` on its line is kept.
    fn replace_block(&mut self, start: usize, end: usize, with: &str) {
        let with = with.strip_suffix('\n').unwrap_or(with);
        self.splice(start, end, with);
    }
}

fn json_empty(list: bool) -> Value {
    if list {
        Value::Array(Vec::new())
    } else {
        Value::Object(serde_json::Map::new())
    }
}

/// Follows `path` from `root`.
fn find<'n>(root: &'n Node, path: &[Step]) -> Result<Found<'n>, EditError> {
    let mut node = root;
    let mut in_flow = false;
    for (depth, step) in path.iter().enumerate() {
        in_flow |= matches!(
            node,
            Node::Map {
                layout: Layout::Flow,
                ..
            } | Node::Seq {
                layout: Layout::Flow,
                ..
            }
        );
        node = match (node, step) {
            (Node::Map { entries, .. }, Step::Key(key)) => {
                &entries
                    .iter()
                    .find(|e| e.key == *key)
                    .ok_or_else(|| EditError::Missing {
                        path: path_text(&path[..=depth]),
                    })?
                    .value
            }
            (Node::Seq { items, .. }, Step::Index(i)) => {
                items.get(*i).ok_or_else(|| EditError::Missing {
                    path: path_text(&path[..=depth]),
                })?
            }
            (_, step) => return Err(wrong_kind(&path[..depth], step)),
        };
    }
    Ok(Found { node, in_flow })
}

/// The `-` of the block sequence item starting at `start`.
fn dash_before(text: &str, start: usize) -> usize {
    let before = &text[..start];
    match before.trim_end().strip_suffix('-') {
        Some(rest) => rest.len(),
        None => start,
    }
}

/// The start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// Just after the newline ending the line holding the last byte before
/// `at` (a content end), or the end of the text.
fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    if at > 0 && text[..at].ends_with('\n') {
        return at;
    }
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// How many bytes `at` is from the start of its line (the indentation a
/// sibling written at `at` needs; indentation is ASCII).
fn column(text: &str, at: usize) -> usize {
    text[line_start(text, at)..at].chars().count()
}

#[cfg(test)]
mod tests;
