//! The editable tree: a YAML node with the source facts needed to write it back faithfully
//! (each scalar's text, style, tag, anchor and place), and the accessors and constructors the
//! rules use. It neither parses nor writes text.

use super::scalar::{plain_safe, Context, Style};

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
}
