//! Reading a document's text into the editable tree (saphyr's parser), refusing what the
//! tool will not edit (duplicate keys, nesting too deep). It never writes text.

use super::node::Node;
use super::scalar::Style;
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// Deepest nesting accepted; deeper input is rejected instead of overflowing the stack.
pub const MAX_DEPTH: usize = 512;

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
