//! A small editable YAML tree that remembers how every scalar was written.
//!
//! `serde_yaml` would resolve `0644` to 644 and forget that `"on"` was quoted; re-emitting
//! from its values could change what Kubernetes (a YAML 1.1 reader) sees. This tree keeps each
//! scalar's text and style, so a changed document is written back with every untouched scalar
//! spelled exactly as the chart spelled it. The emitter does not keep comments inside a
//! document: a changed document is normally written by [`splice`] instead, which keeps the
//! source text of everything the correction leaves alone and uses the emitter only for what it
//! rewrites. Untouched documents never pass through here at all.

mod emit;
mod splice;

pub use emit::{double_quoted, emit, plain_safe, Context, Layout};
use emit::{implicit_key_ok, scalar_text, Place};
pub use splice::splice;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// Deepest nesting accepted; deeper input is rejected instead of overflowing the stack.
pub const MAX_DEPTH: usize = 512;

/// How a scalar was written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Unquoted.
    Plain,
    /// `'single'`.
    Single,
    /// `"double"`.
    Double,
    /// `|` or `>` block scalar.
    Block,
}

/// A YAML node with the source facts needed to write it back faithfully.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar: its value, how it was written, and its tag if any.
    Scalar {
        /// The scalar's value (after unescaping and folding).
        value: String,
        /// The style it was written in.
        style: Style,
        /// Explicit tag, already formatted (`!!str`, `!custom`).
        tag: Option<String>,
        /// Anchor id (0 = none).
        anchor: usize,
        /// 1-based line in the document text (0 for nodes the tool made).
        line: usize,
        /// 0-based column where it starts.
        col: usize,
    },
    /// A sequence.
    Seq {
        /// Items in order.
        items: Vec<Node>,
        /// Explicit tag.
        tag: Option<String>,
        /// Anchor id (0 = none).
        anchor: usize,
        /// 1-based line.
        line: usize,
        /// Written in flow style (`[a, b]`).
        flow: bool,
    },
    /// A mapping, entries in source order.
    Map {
        /// Key/value pairs in order.
        entries: Vec<(Node, Node)>,
        /// Explicit tag.
        tag: Option<String>,
        /// Anchor id (0 = none).
        anchor: usize,
        /// 1-based line.
        line: usize,
        /// Written in flow style (`{a: b}`).
        flow: bool,
    },
    /// `*alias` to an anchor id.
    Alias(usize),
}

/// A parse failure with its 1-based line and column inside the document text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

fn format_tag(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("!<{}{}>", tag.handle, tag.suffix)
    }
}

/// The parser's events for one document's text, scanner errors as [`ParseError`]s, and a
/// second document in the text refused (the stream splitter hands over one at a time).
fn events(text: &str) -> impl Iterator<Item = Result<(Event<'_>, Span), ParseError>> {
    let mut documents = 0;
    Parser::new_from_str(text).map(move |item| {
        let (event, span) = item.map_err(|e| ParseError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        })?;
        if let Event::DocumentStart(_) = event {
            documents += 1;
            if documents > 1 {
                return Err(ParseError {
                    line: span.start.line(),
                    column: span.start.col() + 1,
                    message: "a second document where one was expected".into(),
                });
            }
        }
        Ok((event, span))
    })
}

/// Checks that a document is well-formed YAML without building a tree (for documents the
/// tool only passes through).
pub fn validate(text: &str) -> Result<(), ParseError> {
    events(text).try_for_each(|e| e.map(drop))
}

/// The character at a parser position (the parser counts characters, not bytes; `ascii`
/// says whether the two are the same for this text).
fn char_at(text: &str, ascii: bool, index: usize) -> Option<char> {
    if ascii {
        text.as_bytes().get(index).map(|b| *b as char)
    } else {
        text.chars().nth(index)
    }
}

/// Parses one document's text. `Ok(None)` for a document with no content (empty or comments).
pub fn parse(text: &str) -> Result<Option<Node>, ParseError> {
    let mut stack: Vec<Node> = Vec::new();
    let mut keys: Vec<Option<Node>> = Vec::new();
    let mut root: Option<Node> = None;
    let ascii = text.is_ascii();
    for item in events(text) {
        let (event, span) = item?;
        let line = span.start.line();
        let node = match event {
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::Nothing => continue,
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                let (Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag)) = event
                else {
                    unreachable!("matched above")
                };
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError {
                        line,
                        column: span.start.col() + 1,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
                let tag = tag.map(|t| format_tag(&t));
                let flow = matches!(char_at(text, ascii, span.start.index()), Some('[' | '{'));
                stack.push(if is_seq {
                    Node::Seq {
                        items: Vec::new(),
                        tag,
                        anchor,
                        line,
                        flow,
                    }
                } else {
                    Node::Map {
                        entries: Vec::new(),
                        tag,
                        anchor,
                        line,
                        flow,
                    }
                });
                keys.push(None);
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                keys.pop();
                match stack.pop() {
                    Some(node) => node,
                    None => continue,
                }
            }
            Event::Alias(id) => Node::Alias(id),
            Event::Scalar(value, style, anchor, tag) => Node::Scalar {
                value: value.into_owned(),
                style: match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::Single,
                    ScalarStyle::DoubleQuoted => Style::Double,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                },
                tag: tag.map(|t| format_tag(&t)),
                anchor,
                line,
                col: span.start.col(),
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Node::Seq { items, .. }) => items.push(node),
            Some(Node::Map { entries, .. }) => {
                let slot = keys.last_mut().expect("a key slot per open mapping");
                match slot.take() {
                    None => {
                        // Duplicate keys make it ambiguous which value Kubernetes would use.
                        if let Some(k) = node.as_str() {
                            if entries.iter().any(|(e, _)| e.as_str() == Some(k)) {
                                return Err(ParseError {
                                    line,
                                    column: span.start.col() + 1,
                                    message: format!("duplicate key `{k}`"),
                                });
                            }
                        }
                        *slot = Some(node)
                    }
                    Some(key) => entries.push((key, node)),
                }
            }
            Some(_) => unreachable!("only collections are pushed"),
        }
    }
    Ok(root)
}

impl Node {
    /// The value of a scalar, `None` for anything else.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The 1-based line where the node starts (0 for aliases).
    pub fn line(&self) -> usize {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
            Node::Alias(_) => 0,
        }
    }

    /// Value for `key` in a mapping (keys compared as scalar text).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map { entries, .. } => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Mutable value for `key` in a mapping.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match self {
            Node::Map { entries, .. } => entries
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Scalar text at `key`, for a mapping.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Seq { items, .. } => items,
            _ => &[],
        }
    }

    /// Sets `key` in a mapping, replacing its value or appending a new entry.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Some(slot) = self.get_mut(key) {
            *slot = value;
        } else if let Node::Map { entries, .. } = self {
            entries.push((Node::plain(key), value));
        }
    }

    /// A new scalar for keys and names the tool writes: plain when [`plain_safe`] says it
    /// reads back as this very string, double-quoted otherwise (a renamed env name may hold
    /// ` #`, `: yes` or a BOM, and a plain `yes` would be a boolean to Kubernetes).
    pub fn plain(value: &str) -> Node {
        let style = if plain_safe(value, Context::MADE) {
            Style::Plain
        } else {
            Style::Double
        };
        Node::Scalar {
            value: value.into(),
            style,
            tag: None,
            anchor: 0,
            line: 0,
            col: 0,
        }
    }

    /// A new quoted string scalar: always quoted, so YAML 1.1 readers see a string.
    pub fn string(value: &str) -> Node {
        Node::Scalar {
            value: value.into(),
            style: Style::Single,
            tag: None,
            anchor: 0,
            line: 0,
            col: 0,
        }
    }

    /// A new mapping from entries.
    pub fn map(entries: Vec<(&str, Node)>) -> Node {
        Node::Map {
            entries: entries
                .into_iter()
                .map(|(k, v)| (Node::plain(k), v))
                .collect(),
            tag: None,
            anchor: 0,
            line: 0,
            flow: false,
        }
    }

    /// A new sequence.
    pub fn seq(items: Vec<Node>) -> Node {
        Node::Seq {
            items,
            tag: None,
            anchor: 0,
            line: 0,
            flow: false,
        }
    }

    /// A flow collection written back on one line in flow style, when every child allows it
    /// (scalars, nested flow collections; keys short enough to be implicit keys).
    fn flow_text(&self) -> Option<String> {
        let (tag, anchor) = self.props();
        if tag.is_some() || anchor != 0 {
            return None;
        }
        match self {
            Node::Scalar { .. } => Some(self.scalar_text(Place::Flow, 0)),
            Node::Seq {
                items, flow: true, ..
            } => {
                let parts: Option<Vec<String>> = items.iter().map(Node::flow_text).collect();
                Some(format!("[{}]", parts?.join(", ")))
            }
            Node::Map {
                entries,
                flow: true,
                ..
            } => {
                let parts: Option<Vec<String>> = entries
                    .iter()
                    .map(|(k, v)| {
                        let key = k.flow_text().filter(|k| implicit_key_ok(k))?;
                        Some(format!("{key}: {}", v.flow_text()?))
                    })
                    .collect();
                Some(format!("{{{}}}", parts?.join(", ")))
            }
            _ => None,
        }
    }

    /// A scalar's text for `place` (see [`scalar_text`]); nodes made by the tool (line 0)
    /// are judged anew, never trusted to be plain-safe because they were asked to be plain.
    fn scalar_text(&self, place: Place, block_indent: usize) -> String {
        match self {
            Node::Scalar {
                value, style, line, ..
            } => scalar_text(value, *style, *line != 0, place, block_indent),
            _ => unreachable!("scalar_text is only asked of scalars"),
        }
    }

    /// Source column of the first scalar this node starts with (`None` for made nodes).
    fn content_col(&self) -> Option<usize> {
        match self {
            Node::Scalar { line, col, .. } => (*line != 0).then_some(*col),
            Node::Map { entries, .. } => entries.first().and_then(|(k, _)| k.content_col()),
            Node::Seq { items, .. } => items.first().and_then(Node::content_col),
            Node::Alias(_) => None,
        }
    }

    fn props(&self) -> (Option<&str>, usize) {
        match self {
            Node::Scalar { tag, anchor, .. }
            | Node::Seq { tag, anchor, .. }
            | Node::Map { tag, anchor, .. } => (tag.as_deref(), *anchor),
            Node::Alias(_) => (None, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = "[".repeat(100_000);
        let err = parse(&src).unwrap_err();
        assert!(
            err.message.contains("nesting") || err.message.contains("recursion"),
            "{err:?}"
        );
    }

    #[test]
    fn empty_and_comment_only_documents_have_no_root() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }
}
