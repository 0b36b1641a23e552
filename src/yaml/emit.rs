//! Writing a tree back as YAML: the layout a document uses ([`Layout`]) and the emitter;
//! how each scalar is written is [`super::scalar`]'s. It writes; it never decides what a
//! document should hold.

use super::node::Node;
use super::scalar::{scalar_text, Place};
use std::fmt::Write as _;

/// Layout choices for writing a changed document, taken from the document itself so that
/// a chart's own style (indent width, sequences indented under their key or not) is kept.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Spaces per nesting level.
    pub indent: usize,
    /// `key:\n  - item` (true) or kyaml's `key:\n- item` (false).
    pub indent_sequences: bool,
}

impl Layout {
    /// Guesses the layout from a document's text: the first `key:` line followed by a
    /// deeper line tells the indent; the first `key:` followed by `- ` tells the sequence style.
    pub fn detect(text: &str) -> Layout {
        let mut layout = Layout {
            indent: 2,
            indent_sequences: false,
        };
        let (mut found_indent, mut found_seq) = (false, false);
        // Each line with the next, read only as far as the answer: both are found within the
        // first few lines of most documents.
        let mut lines = text.lines().peekable();
        while let Some(a) = lines.next() {
            let Some(&b) = lines.peek() else { break };
            let a = a.trim_end();
            if !a.ends_with(':') || a.trim_start().starts_with('#') {
                continue;
            }
            let ia = a.len() - a.trim_start().len();
            let ib = b.len() - b.trim_start().len();
            let b_is_item = b.trim_start().starts_with("- ") || b.trim() == "-";
            if b_is_item && !found_seq {
                layout.indent_sequences = ib > ia;
                found_seq = true;
            } else if !b_is_item && !found_indent && ib > ia {
                layout.indent = (ib - ia).clamp(1, 8);
                found_indent = true;
            }
            if found_indent && found_seq {
                break;
            }
        }
        layout
    }
}

/// Writes a node as a block-style YAML document body (no `---`), ending with a newline.
pub fn emit(node: &Node, layout: Layout) -> String {
    let mut out = String::new();
    let mut e = Emitter {
        out: &mut out,
        layout,
        seq_indented: None,
    };
    e.node(node, 0, Ctx::Root);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Ctx {
    Root,
    MapValue,
    SeqItem,
}

pub(super) struct Emitter<'a> {
    pub(super) out: &'a mut String,
    pub(super) layout: Layout,
    /// Whether the sequence about to be written as a mapping value was indented under its
    /// key in the source (known for parsed nodes; `None` falls back to the layout).
    pub(super) seq_indented: Option<bool>,
}

impl Emitter<'_> {
    fn props(&mut self, node: &Node, ctx: Ctx) -> bool {
        let props = props_text(node);
        if props.is_empty() {
            return false;
        }
        if ctx != Ctx::Root {
            self.out.push(' ');
        }
        self.out.push_str(&props);
        true
    }

    /// Writes `node` whose first line continues the current line (after `key:` or `- `).
    pub(super) fn node(&mut self, node: &Node, indent: usize, ctx: Ctx) {
        let had_props = self.props(node, ctx);
        match node {
            Node::Alias(id) => {
                if ctx != Ctx::Root {
                    self.out.push(' ');
                }
                let _ = write!(self.out, "*a{id}");
                self.out.push('\n');
            }
            Node::Scalar { .. } => {
                let block_indent = match ctx {
                    Ctx::SeqItem => indent,
                    Ctx::MapValue | Ctx::Root => indent + self.layout.indent,
                };
                let text = node.scalar_text(Place::Block, block_indent);
                if !text.is_empty() && (ctx != Ctx::Root || had_props) {
                    self.out.push(' ');
                }
                self.out.push_str(&text);
                if !text.ends_with('\n') {
                    self.out.push('\n');
                }
            }
            Node::Seq { flow: true, .. } | Node::Map { flow: true, .. }
                if let Some(text) = node.flow_text() =>
            {
                if ctx != Ctx::Root || had_props {
                    self.out.push(' ');
                }
                self.out.push_str(&text);
                self.out.push('\n');
            }
            Node::Seq { items, .. } if items.is_empty() => {
                self.out.push_str(if ctx == Ctx::Root && !had_props {
                    "[]\n"
                } else {
                    " []\n"
                })
            }
            Node::Map { entries, .. } if entries.is_empty() => {
                self.out.push_str(if ctx == Ctx::Root && !had_props {
                    "{}\n"
                } else {
                    " {}\n"
                })
            }
            Node::Seq { items, .. } => {
                let indented = self
                    .seq_indented
                    .take()
                    .unwrap_or(self.layout.indent_sequences);
                let item_indent = match ctx {
                    Ctx::MapValue if indented => indent + self.layout.indent,
                    Ctx::MapValue | Ctx::Root | Ctx::SeqItem => indent,
                };
                // A nested sequence that starts on the `- ` line of its parent item.
                let mut inline = ctx == Ctx::SeqItem && !had_props;
                if inline {
                    self.out.push(' ');
                } else if ctx != Ctx::Root || had_props {
                    self.out.push('\n');
                }
                for item in items {
                    if !inline {
                        self.pad(item_indent);
                    }
                    inline = false;
                    self.out.push('-');
                    self.node(item, item_indent + 2, Ctx::SeqItem);
                }
            }
            Node::Map { entries, .. } => {
                let key_indent = match ctx {
                    Ctx::Root => 0,
                    Ctx::MapValue => indent + self.layout.indent,
                    Ctx::SeqItem => indent,
                };
                let mut inline = ctx == Ctx::SeqItem && !had_props;
                if ctx == Ctx::SeqItem && inline {
                    self.out.push(' ');
                } else if ctx != Ctx::Root || had_props {
                    self.out.push('\n');
                }
                for (key, value) in entries {
                    if !inline {
                        self.pad(key_indent);
                    }
                    inline = false;
                    self.entry(key, value, key_indent);
                }
            }
        }
    }

    /// Writes one mapping entry whose key starts at the current position (already padded to
    /// `key_indent`).
    pub(super) fn entry(&mut self, key: &Node, value: &Node, key_indent: usize) {
        if self.key(key) {
            // An explicit key (`? key`): its `:` goes on a line of its own.
            self.out.push('\n');
            self.pad(key_indent);
        }
        self.out.push(':');
        self.seq_indented = match (key, value.items().first().and_then(Node::content_col)) {
            // `- ` precedes the first item's content: compare the dash with the key.
            (Node::Scalar { line, col, .. }, Some(item)) if *line != 0 && item >= 2 => {
                Some(item - 2 > *col)
            }
            _ => None,
        };
        self.node(value, key_indent, Ctx::MapValue);
    }

    /// Writes a mapping key; returns whether it used the explicit `? key` form (complex keys,
    /// empty ones, and ones too long for an implicit key), after which `:` needs its own line.
    fn key(&mut self, key: &Node) -> bool {
        if let Node::Alias(id) = key {
            // The space keeps `:` out of the alias name (YAML 1.2 allows `:` in one).
            let _ = write!(self.out, "*a{id} ");
            return false;
        }
        let mut text = props_text(key);
        if !text.is_empty() {
            text.push(' ');
        }
        let body = match key {
            Node::Scalar { .. } => key.scalar_text(Place::Key, 0),
            // Complex keys never occur in Kubernetes manifests; write them as one flow line.
            other => flow(other),
        };
        text.push_str(&body);
        if matches!(key, Node::Scalar { .. }) && !body.is_empty() && implicit_key_ok(&text) {
            self.out.push_str(&text);
            return false;
        }
        self.out.push('?');
        if !text.is_empty() {
            self.out.push(' ');
            self.out.push_str(&text);
        }
        true
    }

    pub(super) fn pad(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }
}

/// Whether `written` (a key's text with its properties) may be an implicit key. YAML limits
/// implicit keys to 1024 characters; readers count characters (PyYAML) or bytes, so bytes
/// are compared, with room to spare.
pub(super) fn implicit_key_ok(written: &str) -> bool {
    written.len() < 1000 && !written.is_empty()
}

/// `&a1 !!str`: a node's anchor and tag as written before it (empty when it has neither).
fn props_text(node: &Node) -> String {
    let (tag, anchor) = node.props();
    let mut out = String::new();
    if anchor != 0 {
        let _ = write!(out, "&a{anchor}");
    }
    if let Some(tag) = tag {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(tag);
    }
    out
}

/// A compact flow rendering used only for complex mapping keys (any node, any style).
fn flow(node: &Node) -> String {
    let mut out = props_text(node);
    if !out.is_empty() {
        out.push(' ');
    }
    match node {
        Node::Scalar { .. } => out.push_str(&node.scalar_text(Place::Flow, 0)),
        Node::Alias(id) => {
            let _ = write!(out, "*a{id}");
        }
        Node::Seq { items, .. } => {
            let items: Vec<String> = items.iter().map(flow).collect();
            let _ = write!(out, "[{}]", items.join(", "));
        }
        Node::Map { entries, .. } => {
            let entries: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let key = flow(k);
                    // An explicit `?` lifts the implicit-key length limit, inside flow too.
                    let explicit = if implicit_key_ok(&key) { "" } else { "? " };
                    format!("{explicit}{key} : {}", flow(v))
                })
                .collect();
            let _ = write!(out, "{{{}}}", entries.join(", "));
        }
    }
    out
}

impl Node {
    /// A flow collection written back on one line in flow style, when every child allows it
    /// (scalars, nested flow collections; keys short enough to be implicit keys).
    pub(super) fn flow_text(&self) -> Option<String> {
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

    /// A scalar's text for `place` (see [`scalar_text`](super::scalar::scalar_text)); nodes made by the tool (line 0)
    /// are judged anew, never trusted to be plain-safe because they were asked to be plain.
    pub(super) fn scalar_text(&self, place: Place, block_indent: usize) -> String {
        match self {
            Node::Scalar {
                value, style, line, ..
            } => scalar_text(value, *style, *line != 0, place, block_indent),
            _ => unreachable!("scalar_text is only asked of scalars"),
        }
    }

    /// Source column of the first scalar this node starts with (`None` for made nodes).
    pub(super) fn content_col(&self) -> Option<usize> {
        match self {
            Node::Scalar { line, col, .. } => (*line != 0).then_some(*col),
            Node::Map { entries, .. } => entries.first().and_then(|(k, _)| k.content_col()),
            Node::Seq { items, .. } => items.first().and_then(Node::content_col),
            Node::Alias(_) => None,
        }
    }

    pub(super) fn props(&self) -> (Option<&str>, usize) {
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
    use crate::yaml::{parse, Style};

    fn roundtrip(src: &str) -> String {
        let node = parse(src).unwrap().unwrap();
        emit(&node, Layout::detect(src))
    }

    #[test]
    fn plain_scalars_keep_their_text() {
        let src = "a: 0644\nb: on\nc: 1e3\nd: ~\ne: 'yes'\nf: \"x\\ty\"\n";
        assert_eq!(
            roundtrip(src),
            "a: 0644\nb: on\nc: 1e3\nd: ~\ne: 'yes'\nf: \"x\\ty\"\n"
        );
    }

    #[test]
    fn nested_layout_kyaml_and_indented() {
        let kyaml =
            "spec:\n  containers:\n  - name: a\n    env:\n    - name: X\n      value: '1'\n";
        assert_eq!(roundtrip(kyaml), kyaml);
        let chart =
            "spec:\n  containers:\n    - name: a\n      args:\n        - --x\n        - - nested\n";
        assert_eq!(roundtrip(chart), chart);
    }

    #[test]
    fn each_sequence_keeps_its_own_indentation() {
        // The public ClearML chart mixes both styles in one document.
        let src =
            "c:\n  - name: a\n    ports:\n      - 80\n    env:\n    - name: X\n      value: '1'\n";
        let node = parse(src).unwrap().unwrap();
        assert_eq!(
            emit(
                &node,
                Layout {
                    indent: 2,
                    indent_sequences: false
                }
            ),
            src
        );
        assert_eq!(
            emit(
                &node,
                Layout {
                    indent: 2,
                    indent_sequences: true
                }
            ),
            src
        );
    }

    #[test]
    fn block_scalars_survive() {
        let src =
            "data:\n  a: |\n    line1\n    line2\n  b: |-\n    x\n  c: >\n    folded\n    text\n";
        let out = roundtrip(src);
        let again = parse(&out).unwrap().unwrap();
        assert_eq!(values(&again), values(&parse(src).unwrap().unwrap()));
        assert!(out.contains("a: |\n    line1\n    line2\n"));
    }

    #[test]
    fn reparsed_values_are_equal() {
        let src = "a: &x {b: [1, 'two', \"th\\nree\"], c: !!str 5}\nd: *x\ne: []\nf: {}\ng:\n";
        let out = roundtrip(src);
        let a = parse(src).unwrap().unwrap();
        let b = parse(&out).unwrap().unwrap();
        assert_eq!(values(&a), values(&b), "{out}");
    }

    fn values(n: &Node) -> String {
        match n {
            Node::Scalar { value, tag, .. } => format!("{tag:?}{value:?}"),
            Node::Alias(id) => format!("*{id}"),
            Node::Seq { items, .. } => format!(
                "[{}]",
                items.iter().map(values).collect::<Vec<_>>().join(",")
            ),
            Node::Map { entries, .. } => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}:{}", values(k), values(v)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    #[test]
    fn complex_empty_and_long_keys_stay_valid() {
        // Found by the render fuzzer: `? name: x` (a mapping as a key) was written unparseable.
        let long = "k".repeat(1500);
        for src in [
            "a:\n  ? name: keycloak-idp\n  k ey: client_secret\n".to_string(),
            "? [a, b]\n: c\n".to_string(),
            "? \n: empty key\n".to_string(),
            format!("? {long}\n: v\n"),
        ] {
            let out = roundtrip(&src);
            let (a, b) = (
                parse(&src).unwrap().unwrap(),
                parse(&out)
                    .unwrap_or_else(|e| panic!("{out}\n{e:?}"))
                    .unwrap(),
            );
            assert_eq!(values(&a), values(&b), "{out}");
        }
    }

    #[test]
    fn made_names_and_values_are_quoted_when_plain_would_misread() {
        let node = Node::map(vec![
            ("a", Node::plain("x #y")),
            ("b", Node::plain("x: yes")),
            ("c", Node::plain("yes")),
            ("d", Node::string("x\u{2028}y")),
            ("e", Node::plain("CLEARML__ok")),
        ]);
        let out = emit(&node, Layout::detect(""));
        assert_eq!(
            out,
            "a: \"x #y\"\nb: \"x: yes\"\nc: \"yes\"\nd: \"x\\Ly\"\ne: CLEARML__ok\n"
        );
    }

    #[test]
    fn keys_too_long_once_escaped_are_explicit() {
        // 300 characters, 1200 once escaped: over the 1024 an implicit key may have.
        let key = "\u{1}".repeat(300);
        let mut node = Node::map(vec![]);
        node.set(&key, Node::string("v"));
        let out = emit(&node, Layout::detect(""));
        assert!(out.starts_with("? \"\\x01"), "{out}");
        assert_eq!(parse(&out).unwrap().unwrap().get_str(&key), Some("v"));
    }

    #[test]
    fn block_scalars_only_when_the_content_allows() {
        let block = |value: &str| Node::Scalar {
            value: value.into(),
            style: Style::Block,
            tag: None,
            anchor: 0,
            line: 1,
            col: 0,
        };
        for (value, written) in [
            ("a\nb\n", "k: |\n  a\n  b\n"),
            (" lead\n", "k: \" lead\\n\"\n"),
            ("a\u{85}b\n", "k: \"a\\Nb\\n\"\n"),
            ("a\rb\n", "k: \"a\\rb\\n\"\n"),
            ("tail \n", "k: \"tail \\n\"\n"),
        ] {
            let node = Node::Map {
                entries: vec![(Node::plain("k"), block(value))],
                tag: None,
                anchor: 0,
                line: 0,
                flow: false,
            };
            assert_eq!(emit(&node, Layout::detect("")), written);
        }
    }
}
