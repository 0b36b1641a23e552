//! Reading a document's text into the editable tree (saphyr's parser), refusing what the
//! tool will not edit (duplicate keys, nesting too deep); or building the same tree from
//! another reader's events where they are known to be saphyr's ([`FromEvents`]), so that a
//! text already scanned is not parsed again. It never writes text.

use super::node::Node;
use super::scalar::Style;
use saphyr_parser::input::SkipTabs;
use saphyr_parser::{Event, Input, Parser, ScalarStyle, Span, StrInput, Tag};

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

/// saphyr's input over a `&str` ([`StrInput`]), every method its own but for the size of the
/// lookahead buffer it reports. The scanner starts each plain scalar in a 32-byte string and
/// then reserves room for that many more bytes: [`StrInput`]'s 128 made every plain scalar
/// (most of a manifest) a second allocation, which was a tenth of a render. The scanner uses
/// the size only to batch its character loops and to choose between two equivalent ways of
/// skipping an indentation (a [`StrInput`] always has every character at hand), so the
/// events are the same.
struct Text<'a>(StrInput<'a>);

impl Input for Text<'_> {
    fn bufmaxlen(&self) -> usize {
        // The first character is pushed before the reservation: 1 + 31 fits in 32.
        31
    }
    fn lookahead(&mut self, count: usize) {
        self.0.lookahead(count)
    }
    fn buflen(&self) -> usize {
        self.0.buflen()
    }
    fn buf_is_empty(&self) -> bool {
        self.0.buf_is_empty()
    }
    fn raw_read_ch(&mut self) -> char {
        self.0.raw_read_ch()
    }
    fn raw_read_non_breakz_ch(&mut self) -> Option<char> {
        self.0.raw_read_non_breakz_ch()
    }
    fn skip(&mut self) {
        self.0.skip()
    }
    fn skip_n(&mut self, count: usize) {
        self.0.skip_n(count)
    }
    fn peek(&self) -> char {
        self.0.peek()
    }
    fn peek_nth(&self, n: usize) -> char {
        self.0.peek_nth(n)
    }
    fn peek_opt(&self) -> Option<char> {
        self.0.peek_opt()
    }
    fn look_ch(&mut self) -> char {
        self.0.look_ch()
    }
    fn next_char_is(&self, c: char) -> bool {
        self.0.next_char_is(c)
    }
    fn nth_char_is(&self, n: usize, c: char) -> bool {
        self.0.nth_char_is(n, c)
    }
    fn next_2_are(&self, c1: char, c2: char) -> bool {
        self.0.next_2_are(c1, c2)
    }
    fn next_3_are(&self, c1: char, c2: char, c3: char) -> bool {
        self.0.next_3_are(c1, c2, c3)
    }
    fn next_is_document_indicator(&self) -> bool {
        self.0.next_is_document_indicator()
    }
    fn next_is_document_start(&self) -> bool {
        self.0.next_is_document_start()
    }
    fn next_is_document_end(&self) -> bool {
        self.0.next_is_document_end()
    }
    fn skip_ws_to_eol(&mut self, skip_tabs: SkipTabs) -> (usize, Result<SkipTabs, &'static str>) {
        self.0.skip_ws_to_eol(skip_tabs)
    }
    fn next_can_be_plain_scalar(&self, in_flow: bool) -> bool {
        self.0.next_can_be_plain_scalar(in_flow)
    }
    fn next_is_blank_or_break(&self) -> bool {
        self.0.next_is_blank_or_break()
    }
    fn next_is_blank_or_breakz(&self) -> bool {
        self.0.next_is_blank_or_breakz()
    }
    fn next_is_blank(&self) -> bool {
        self.0.next_is_blank()
    }
    fn next_is_break(&self) -> bool {
        self.0.next_is_break()
    }
    fn next_is_breakz(&self) -> bool {
        self.0.next_is_breakz()
    }
    fn next_is_z(&self) -> bool {
        self.0.next_is_z()
    }
    fn next_is_flow(&self) -> bool {
        self.0.next_is_flow()
    }
    fn next_is_digit(&self) -> bool {
        self.0.next_is_digit()
    }
    fn next_is_alpha(&self) -> bool {
        self.0.next_is_alpha()
    }
    fn skip_while_non_breakz(&mut self) -> usize {
        self.0.skip_while_non_breakz()
    }
    fn skip_while_blank(&mut self) -> usize {
        self.0.skip_while_blank()
    }
    fn fetch_while_is_alpha(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_alpha(out)
    }
    fn fetch_while_is_yaml_non_space(&mut self, out: &mut String) -> usize {
        self.0.fetch_while_is_yaml_non_space(out)
    }
}

/// The parser's events for one document's text, scanner errors as [`ParseError`]s, and a
/// second document in the text refused (the stream splitter hands over one at a time).
fn events(text: &str) -> impl Iterator<Item = Result<(Event<'_>, Span), ParseError>> {
    let mut documents = 0;
    Parser::new(Text(StrInput::new(text))).map(move |item| {
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

/// One parser event as [`FromEvents`] takes it: a reader's event over a text, with byte
/// offsets into that text. The reader's own event type stays its own (this room imports no
/// reader but saphyr): the caller translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeEvent<'e> {
    /// A sequence (`seq`) or mapping without anchor or tag starts at byte `at`.
    Start {
        /// A sequence, not a mapping.
        seq: bool,
        /// Written `[…]` or `{…}`.
        flow: bool,
        /// Its first byte.
        at: usize,
    },
    /// The innermost open collection ends.
    End,
    /// A scalar without anchor or tag: its value (after escapes and folding), its style, its
    /// first byte (its quote or block indicator, if any).
    Scalar {
        /// The value.
        value: &'e str,
        /// How it was written.
        style: Style,
        /// Its first byte.
        at: usize,
    },
    /// The stream or document starts or ends: nothing to build.
    Document,
    /// A reading starts (the reader may read a text more than once).
    Reading,
    /// Anything else (an alias, an anchor, a tag): not built here.
    Other,
}

/// The editable tree built from another reader's events of a text, where they are known to
/// be saphyr's: the plain scanner's ([`crate::kube::plain`]) over a text it took, which
/// Kubernetes' reading of a document scans anyway, so the editing tree of a targeted document
/// costs no second parse. What [`parse`] would refuse or build otherwise (a key written twice,
/// an anchor, alias or tag, nesting past [`MAX_DEPTH`], a second reading, no content) makes
/// [`FromEvents::tree`] say "not sure", and the caller parses the text with [`parse`]. That
/// the tree is [`parse`]'s is checked by the plain scanner's differential
/// ([`crate::kube::plain::verdict`]) on every text it takes.
pub struct FromEvents<'t> {
    text: &'t [u8],
    stack: Vec<Node>,
    keys: Vec<Option<Node>>,
    root: Option<Node>,
    readings: usize,
    /// Something [`parse`] does that this does not: the tree is not sure.
    unsure: bool,
    /// An indentless block sequence (a mapping value at its key's column) was opened and its
    /// first item has not started: saphyr places such a sequence at that item, and takes it
    /// for a flow sequence when the item is a flow collection (it looks at the character
    /// where it placed the node).
    at_first_item: bool,
    /// The last place reached, its 1-based line and the offset where that line starts:
    /// events come in text order, so lines are counted once.
    at: usize,
    line: usize,
    line_start: usize,
}

impl<'t> FromEvents<'t> {
    /// A builder over the text the events' offsets point into.
    pub fn new(text: &'t str) -> Self {
        FromEvents {
            text: text.as_bytes(),
            stack: Vec::new(),
            keys: Vec::new(),
            root: None,
            readings: 0,
            // saphyr counts columns in characters, which are bytes only in ASCII (all the
            // plain scanner takes): checked once, not per node.
            unsure: !text.is_ascii(),
            at_first_item: false,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// The 1-based line and 0-based column of byte `at` (the text is ASCII: bytes are
    /// characters).
    fn place(&mut self, at: usize) -> (usize, usize) {
        if at < self.at {
            // Not in text order: counted again from the start.
            (self.at, self.line, self.line_start) = (0, 1, 0);
        }
        let to = at.min(self.text.len());
        let from = self.at.min(to);
        for i in memchr::memchr_iter(b'\n', &self.text[from..to]) {
            self.line += 1;
            self.line_start = from + i + 1;
        }
        self.at = at;
        (self.line, at - self.line_start)
    }

    /// Where saphyr places a block scalar whose indicator (`|`, `>`) is at `at`: at its first
    /// content character, past the header line, blank lines and the indentation (where the
    /// next line less indented starts, if none); at the indicator when the text ends first.
    fn block_content(&self, at: usize) -> usize {
        let Some(header) = memchr::memchr(b'\n', &self.text[at.min(self.text.len())..]) else {
            return at;
        };
        let mut i = at + header + 1;
        loop {
            while self.text.get(i) == Some(&b' ') {
                i += 1;
            }
            match self.text.get(i) {
                None => return at,
                Some(b'\n') => i += 1,
                Some(_) => return i,
            }
        }
    }

    /// Where the first item of an indentless sequence just opened starts: `(line, flow)` of
    /// the item, which become the sequence's.
    fn first_item(&mut self, line: usize, flow: bool) {
        if std::mem::take(&mut self.at_first_item) {
            if let Some(Node::Seq {
                line: l, flow: f, ..
            }) = self.stack.last_mut()
            {
                (*l, *f) = (line, flow);
            }
        }
    }

    /// Takes the next event.
    pub fn see(&mut self, event: TreeEvent) {
        if self.unsure {
            return;
        }
        let node = match event {
            TreeEvent::Reading => {
                self.readings += 1;
                self.unsure = self.readings > 1;
                return;
            }
            TreeEvent::Document => return,
            TreeEvent::Other => {
                self.unsure = true;
                return;
            }
            TreeEvent::Start { seq, flow, at } => {
                if self.stack.len() >= MAX_DEPTH {
                    self.unsure = true;
                    return;
                }
                let (line, col) = self.place(at);
                self.first_item(line, flow);
                let indentless = matches!(
                    (self.stack.last(), self.keys.last()),
                    (Some(Node::Map { flow: false, .. }), Some(Some(Node::Scalar { col: c, .. })))
                        if *c == col
                );
                self.at_first_item = seq && !flow && indentless;
                self.stack.push(if seq {
                    Node::Seq {
                        items: Vec::new(),
                        tag: None,
                        anchor: 0,
                        line,
                        flow,
                    }
                } else {
                    Node::Map {
                        entries: Vec::new(),
                        tag: None,
                        anchor: 0,
                        line,
                        flow,
                    }
                });
                self.keys.push(None);
                return;
            }
            TreeEvent::End => {
                if self.at_first_item {
                    // A block sequence with no item: not in saphyr's reading.
                    self.unsure = true;
                    return;
                }
                self.keys.pop();
                match self.stack.pop() {
                    Some(node) => node,
                    None => {
                        self.unsure = true;
                        return;
                    }
                }
            }
            TreeEvent::Scalar { value, style, at } => {
                let at = match style {
                    Style::Block => self.block_content(at),
                    // An empty value (`key:`): libyaml places it after the colon, saphyr at it.
                    Style::Plain if value.is_empty() => match at.checked_sub(1) {
                        Some(colon) if self.text.get(colon) == Some(&b':') => colon,
                        _ => {
                            self.unsure = true;
                            return;
                        }
                    },
                    _ => at,
                };
                let (line, col) = self.place(at);
                self.first_item(line, false);
                Node::Scalar {
                    value: value.to_string(),
                    style,
                    tag: None,
                    anchor: 0,
                    line,
                    col,
                }
            }
        };
        match self.stack.last_mut() {
            None if self.root.is_none() => self.root = Some(node),
            None => self.unsure = true,
            Some(Node::Seq { items, .. }) => items.push(node),
            Some(Node::Map { entries, .. }) => {
                let slot = self.keys.last_mut().expect("a key slot per open mapping");
                match slot.take() {
                    None => {
                        // `parse` refuses a key written twice: left to it.
                        if let Some(k) = node.as_str() {
                            if entries.iter().any(|(e, _)| e.as_str() == Some(k)) {
                                self.unsure = true;
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

    /// The tree, when it is sure to be [`parse`]'s; `None` when [`parse`] must read the text.
    /// A text that does not end in a line break is not sure: Kubernetes' reading, whose events
    /// these are, adds one, and a block scalar at the end then keeps another line break.
    pub fn tree(self) -> Option<Node> {
        let ends_a_line = self.text.last() == Some(&b'\n');
        (!self.unsure && ends_a_line && self.readings == 1 && self.stack.is_empty())
            .then_some(self.root)
            .flatten()
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

    /// Every event of saphyr's own `&str` input, and of [`Text`], up to the first error
    /// (which the parser would give again and again).
    fn both_inputs(text: &str) -> (String, String) {
        fn events<T: Input>(parser: Parser<'_, T>) -> String {
            let mut out = Vec::new();
            for item in parser {
                let failed = item.is_err();
                out.push(item);
                if failed {
                    break;
                }
            }
            format!("{out:?}")
        }
        let own = events(Parser::new_from_str(text));
        (own, events(Parser::new(Text(StrInput::new(text)))))
    }

    #[test]
    fn the_smaller_buffer_reads_every_text_the_same() {
        // The repository's manifests, and generated texts heavy in what the size touches:
        // plain scalars longer than it (multi-line, in flow), block scalars indented deeper,
        // and the characters that end or break them.
        let mut texts: Vec<String> = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures"
        ))];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
        assert!(texts.len() > 100, "{}", texts.len());
        let pieces = [
            "a",
            "é",
            "word-",
            "0123456789abcdef0123456789abcdef0123",
            " ",
            "  ",
            "\t",
            "\n",
            "\n  ",
            "\n",
            ": ",
            ":",
            "- ",
            "#",
            " #c",
            "[",
            "]",
            "{",
            "}",
            ",",
            "'",
            "\"",
            "|\n",
            ">-\n",
            "|2\n",
            "? ",
            "&x ",
            "*x",
            "!t ",
            "---\n",
            "...\n",
            "\\",
            "\r\n",
            "\u{85}",
            "\u{feff}",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..100_000 {
            let mut t = String::new();
            for _ in 0..next(40) {
                if next(6) == 0 {
                    t.push('\n');
                    t.push_str(&" ".repeat(next(70)));
                }
                t.push_str(pieces[next(pieces.len())]);
            }
            texts.push(t);
        }
        for indent in [0, 28, 29, 30, 31, 32, 60, 130] {
            let pad = " ".repeat(indent);
            texts.push(format!(
                "k:\n{pad}  v: |\n{pad}    one\n{pad}     two\n\n{pad}    three\n{pad}  w: x\n"
            ));
            texts.push(format!("k: |{}\n{pad}a\n{pad} b\n", indent.clamp(1, 9)));
            texts.push(format!(
                "k: {}\n{pad}{}\n",
                "x".repeat(indent),
                "y ".repeat(indent)
            ));
        }
        for text in &texts {
            let (own, ours) = both_inputs(text);
            assert_eq!(own, ours, "{text:?}");
        }
    }

    #[test]
    fn empty_and_comment_only_documents_have_no_root() {
        assert_eq!(parse("").unwrap(), None);
        assert_eq!(parse("# only a comment\n").unwrap(), None);
    }
}
