//! The editing tree of a document rewritten to what Kubernetes reads: aliases expanded, `<<`
//! merges applied as go-yaml v2 applies them, a tagged scalar as its value — for a reader of
//! the tree (`diff`, the redaction) that must see what the API server sees, not how the
//! chart spelled it.
//!
//! The reading itself is [`crate::kube::read`]'s; this only carries it back into a tree,
//! keeping each node as the chart wrote it wherever the two agree (so a diff of it shows the
//! chart's spelling). Nothing here edits a document the tool writes.

use crate::kube::objects;
use crate::yaml::{Node, Style};
use serde_json::Value;
use std::collections::HashSet;

/// `tree` as Kubernetes reads it, `json` being [`crate::kube::read::read`] of the same text.
/// The result has no alias, anchor or `<<` key.
pub fn as_read(tree: &Node, json: &Value) -> Node {
    match (tree, json) {
        (
            Node::Scalar {
                value,
                style,
                tag: None,
                line,
                col,
                ..
            },
            _,
        ) if objects::to_json(tree) == *json => Node::Scalar {
            value: value.clone(),
            style: *style,
            tag: None,
            anchor: 0,
            line: *line,
            col: *col,
        },
        (
            Node::Seq {
                items, line, flow, ..
            },
            Value::Array(read),
        ) if items.len() == read.len() => Node::Seq {
            items: items.iter().zip(read).map(|(n, v)| as_read(n, v)).collect(),
            tag: None,
            anchor: 0,
            line: *line,
            flow: *flow,
        },
        (
            Node::Map {
                entries,
                line,
                flow,
                ..
            },
            Value::Object(read),
        ) => {
            let mut out = Vec::with_capacity(read.len());
            let mut seen: HashSet<&str> = HashSet::new();
            for (k, v) in entries {
                // An alias, a tag or the merge key: what it brings is added below, as read.
                let Some(key) = key_text(k) else { continue };
                let Some((key, read)) = read.get_key_value(key.as_str()) else {
                    continue;
                };
                if seen.insert(key) {
                    out.push((as_read(k, &Value::String(key.clone())), as_read(v, read)));
                }
            }
            for (key, v) in read.iter().filter(|(k, _)| !seen.contains(k.as_str())) {
                out.push((Node::plain(key), from_json(v)));
            }
            Node::Map {
                entries: out,
                tag: None,
                anchor: 0,
                line: *line,
                flow: *flow,
            }
        }
        _ => from_json(json),
    }
}

/// A mapping key of the tree as the JSON key Kubernetes makes of it (`true`, `12`), when it
/// is a plain or quoted scalar without a tag, and not the merge key.
fn key_text(key: &Node) -> Option<String> {
    let Node::Scalar {
        value,
        style,
        tag: None,
        ..
    } = key
    else {
        return None;
    };
    if *style == Style::Plain && value == "<<" {
        return None;
    }
    match objects::to_json(key) {
        Value::String(s) => Some(s),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

/// A tree of a JSON value, written so that Kubernetes reads it back as that value.
pub fn from_json(value: &Value) -> Node {
    json_node(value, 0)
}

/// [`from_json`], with each null, boolean and number scalar marked as written on
/// `scalar_line`: 0 is text the tool made (the emitter quotes it when its plain reading would
/// not be a string), another line is text a chart wrote (its plain YAML type is kept).
pub fn json_node(value: &Value, scalar_line: usize) -> Node {
    let plain = |text: String| Node::Scalar {
        value: text,
        style: Style::Plain,
        tag: None,
        anchor: 0,
        line: scalar_line,
        col: 0,
    };
    match value {
        Value::Null => plain("null".into()),
        Value::Bool(b) => plain(b.to_string()),
        Value::Number(n) => plain(n.to_string()),
        Value::String(s) => Node::plain(s),
        Value::Array(items) => Node::seq(items.iter().map(|v| json_node(v, scalar_line)).collect()),
        Value::Object(map) => Node::Map {
            entries: map
                .iter()
                .map(|(k, v)| (Node::plain(k), json_node(v, scalar_line)))
                .collect(),
            tag: None,
            anchor: 0,
            line: 0,
            flow: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::read::read;
    use crate::yaml::{emit, parse, Layout};

    fn round(text: &str) -> String {
        let tree = parse(text).unwrap().unwrap();
        let json = read(text).unwrap().unwrap();
        let out = emit(&as_read(&tree, &json), Layout::detect(text));
        assert_eq!(read(&out).unwrap().unwrap(), json, "{out}");
        out
    }

    #[test]
    fn aliases_and_merges_are_what_kubernetes_reads_and_the_rest_is_as_written() {
        assert_eq!(round("a: 'x'  # c\nb: [1, 2]\n"), "a: 'x'\nb: [1, 2]\n");
        // go-yaml v2: the merge overrides the key before it, the key after it wins.
        let out = round("a: &n {name: X}\nb:\n  name: HARMLESS\n  <<: *n\n  c: 1\n");
        assert!(out.contains("b:\n  name: X\n  c: 1\n"), "{out}");
        let out = round("a: &n V\nb: *n\n*n : k\n");
        assert!(out.contains("b: V\nV: k\n") && !out.contains('&'), "{out}");
        assert_eq!(round("a: !!binary aGk=\n"), "a: hi\n");
    }
}
