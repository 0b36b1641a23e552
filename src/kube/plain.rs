//! A cheap reader for plain block YAML, the form nearly all of Helm's output takes: the
//! parser events [`crate::kube::libyaml::Parser`] would give for a text, with the same marks,
//! spans and values, at a small share of libyaml's cost — or "not plain" when the text is not
//! in its subset, and the caller reads it the usual way.
//!
//! What it owns: deciding whether a text is in the subset, and the events of one that is. The
//! subset is strict and ASCII-only: block mappings and sequences (compact `- key: v` mappings,
//! sequences at their parent key's indentation), plain keys and values on one line, quoted
//! scalars on one line (double-quoted without escapes), `|` and `>` block scalars (no
//! indentation indicator), `[]`, `{}` and one-line flow sequences and mappings of simple
//! scalars, whole-line and trailing comments, one `---` at the very start. Everything else —
//! tabs, `\r`, non-ASCII or control bytes, anchors, aliases, tags, directives, `?` keys, other
//! scalars over several lines, empty `-` items, another `---` or `...`, deep nesting — is "not
//! plain", and so is what Kubernetes' reading may refuse though libyaml reads it: a plain
//! scalar go-yaml reads as NaN or an infinity (`.inf`), a plain key it reads as other than
//! text (`~`, `1`, `yes`, `<<`), so that a text taken holds nothing for
//! [`crate::kube::read::readable`] to refuse. What it must not do: guess. A text is taken only where the differential test
//! below (against libyaml, and saphyr-parser, which the tool's validation uses) shows the
//! events identical; anything unsure is left to libyaml. It knows nothing of Kubernetes'
//! reading itself (that is [`crate::kube::read`]'s, on these events).

use crate::kube::libyaml::{Event, Style};
use crate::kube::scalar::{plain_is_non_finite, plain_is_text};
use crate::yaml::TreeEvent;

/// The text is outside the subset.
struct NotPlain;

type Scan<T> = Result<T, NotPlain>;

/// Nesting beyond which a text is left to libyaml (well under what the readers allow).
const MAX_NESTING: usize = 64;

/// How far a key's `:` may be from the key's start (libyaml's limit is 1024 bytes; what is
/// near it is left to libyaml).
const SIMPLE_KEY_REACH: usize = 1000;

/// A libyaml mark: byte offset, 0-based line and column (the same for ASCII text).
#[derive(Debug, Clone, Copy)]
struct Mark {
    index: usize,
    line: usize,
    column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Single,
    Double,
    Literal,
    /// An empty plain scalar: a key with no value.
    Empty,
}

/// One event before its value is made (none is, when only checking).
enum Raw {
    StreamStart,
    StreamEnd,
    DocumentStart,
    DocumentEnd,
    MapStart(bool),
    MapEnd,
    SeqStart(bool),
    SeqEnd,
    Scalar {
        kind: Kind,
        span: (usize, usize),
        /// A literal scalar's value, when values are wanted.
        literal: String,
    },
}

/// Where the events go.
trait Sink {
    /// Whether values are wanted (literal scalars' are built only then).
    const VALUES: bool;
    fn event(&mut self, text: &str, raw: Raw, mark: Mark);
}

/// Checking only.
struct Check;

impl Sink for Check {
    const VALUES: bool = false;
    #[inline]
    fn event(&mut self, _: &str, _: Raw, _: Mark) {}
}

/// One event as [`crate::kube::libyaml::Parser`] gives it: the event, its (line, column) and
/// its start ([`crate::kube::libyaml::Parser::event_start`]).
pub type Located = (Event, usize, usize, usize);

struct Collect(Vec<Located>);

impl Sink for Collect {
    const VALUES: bool = true;
    fn event(&mut self, text: &str, raw: Raw, mark: Mark) {
        let event = match raw {
            Raw::StreamStart => Event::StreamStart,
            Raw::StreamEnd => Event::StreamEnd,
            Raw::DocumentStart => Event::DocumentStart,
            Raw::DocumentEnd => Event::DocumentEnd,
            Raw::MapStart(flow) => Event::MappingStart {
                anchor: None,
                flow,
                start: mark.index,
            },
            Raw::MapEnd => Event::MappingEnd,
            Raw::SeqStart(flow) => Event::SequenceStart {
                anchor: None,
                flow,
                start: mark.index,
            },
            Raw::SeqEnd => Event::SequenceEnd,
            Raw::Scalar {
                kind,
                span,
                literal,
            } => {
                let (value, style) = match kind {
                    Kind::Plain => (text[span.0..span.1].to_string(), Style::Plain),
                    Kind::Empty => (String::new(), Style::Plain),
                    Kind::Double => (
                        text[span.0 + 1..span.1 - 1].to_string(),
                        Style::DoubleQuoted,
                    ),
                    Kind::Single => {
                        let inside = &text[span.0 + 1..span.1 - 1];
                        // Most single-quoted scalars hold no quote: no searcher for `''`.
                        let value = if inside.contains('\'') {
                            inside.replace("''", "'")
                        } else {
                            inside.to_string()
                        };
                        (value, Style::Other)
                    }
                    Kind::Literal => (literal, Style::Other),
                };
                Event::Scalar {
                    anchor: None,
                    tag: None,
                    value,
                    style,
                    plain_implicit: matches!(kind, Kind::Plain | Kind::Empty),
                    span,
                }
            }
        };
        self.0.push((event, mark.line, mark.column, mark.index));
    }
}

/// Whether `text` is in the subset (nothing is built).
pub fn check(text: &str) -> bool {
    Scanner::new(text, Check).run().is_ok()
}

/// libyaml's events for `text`, from `StreamStart` to `StreamEnd`, or `None` when the text is
/// not in the subset.
pub fn events(text: &str) -> Option<Vec<Located>> {
    let mut s = Scanner::new(text, Collect(Vec::with_capacity(text.len() / 8)));
    s.run().ok()?;
    Some(s.sink.0)
}

/// One event of a reading of `text` as [`crate::yaml::FromEvents`] builds the editing tree
/// from it (`None`: a reading starts). A quoted or block scalar is told apart by its first
/// byte, which libyaml's style does not say.
pub fn tree_event<'e>(event: Option<&'e Event>, text: &[u8]) -> TreeEvent<'e> {
    let Some(event) = event else {
        return TreeEvent::Reading;
    };
    match event {
        Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {
            TreeEvent::Document
        }
        Event::SequenceStart {
            anchor: None,
            flow,
            start,
        } => TreeEvent::Start {
            seq: true,
            flow: *flow,
            at: *start,
        },
        Event::MappingStart {
            anchor: None,
            flow,
            start,
        } => TreeEvent::Start {
            seq: false,
            flow: *flow,
            at: *start,
        },
        Event::SequenceEnd | Event::MappingEnd => TreeEvent::End,
        Event::Scalar {
            anchor: None,
            tag: None,
            value,
            style,
            span,
            ..
        } => TreeEvent::Scalar {
            value,
            style: match style {
                Style::Plain => crate::yaml::Style::Plain,
                Style::DoubleQuoted => crate::yaml::Style::Double,
                Style::Other if text.get(span.0) == Some(&b'\'') => crate::yaml::Style::Single,
                Style::Other => crate::yaml::Style::Block,
            },
            at: span.0,
        },
        _ => TreeEvent::Other,
    }
}

/// The scanner's claim for one document's text, checked against the real parsers: `Ok(taken)`
/// where it holds — the text was left alone, or it was taken and libyaml gives the very same
/// events, marks and event starts, saphyr-parser accepts it, and checking and reading take the
/// same texts, and Kubernetes' reader accepts it — and what differs where it does not. The one judge of the differential test,
/// the `plain` fuzz target and `examples/plain_attack.rs`.
pub fn verdict(text: &str) -> Result<bool, String> {
    // As Kubernetes' reading hands texts over: each line ends in a line feed.
    let read_text = if text.is_empty() || text.ends_with('\n') {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(format!("{text}\n"))
    };
    let checked = check(text);
    let Some(got) = events(&read_text) else {
        return match checked {
            true => Err("checking takes it, reading does not".into()),
            false => Ok(false),
        };
    };
    if !checked {
        return Err("reading takes it, checking does not".into());
    }
    for t in [text, &read_text] {
        if let Err(e) = crate::yaml::validate(t) {
            return Err(format!("taken, but saphyr refuses it: {e:?}"));
        }
    }
    let mut parser = crate::kube::libyaml::Parser::new(&read_text);
    for (i, got) in got.iter().enumerate() {
        let (event, line, column) = parser
            .next_event()
            .map_err(|e| format!("taken, but libyaml refuses it at event {i}: {}", e.problem))?;
        let want = (event, line, column, parser.event_start());
        if *got != want {
            return Err(format!(
                "event {i}: the scanner's {got:?}, libyaml's {want:?}"
            ));
        }
    }
    // The editing tree built from the events, as the tool builds it for a targeted document
    // (`read_doc`), is saphyr's; or the builder is not sure and saphyr builds it.
    let mut build = crate::yaml::FromEvents::new(text);
    build.see(tree_event(None, read_text.as_bytes()));
    for (event, ..) in &got {
        build.see(tree_event(Some(event), read_text.as_bytes()));
    }
    if let Some(tree) = build.tree() {
        match crate::yaml::parse(text) {
            Ok(Some(parsed)) if parsed == tree => {}
            parsed => {
                return Err(format!(
                    "the tree from the events is {tree:?}, saphyr's {parsed:?}"
                ))
            }
        }
    }
    // Each event was libyaml's: ending at the stream's end, they are all of libyaml's.
    if !matches!(got.last(), Some((Event::StreamEnd, ..))) {
        return Err("the scanner's events end before the stream's end".into());
    }
    // A document `check` takes is passed through unread (`read::readable`): Kubernetes'
    // reading of it must not be a refusal.
    match crate::kube::read::read(&read_text) {
        Ok(_) => Ok(true),
        Err(e) => Err(format!("taken, but Kubernetes' reader refuses it: {e}")),
    }
}

/// A key on its line: its span, how it is written, and where its `:` is.
type Key = ((usize, usize), Kind, usize);

/// An open block collection.
#[derive(Clone, Copy)]
struct Block {
    map: bool,
    /// libyaml's indentation for it (an indentless sequence has its mapping's).
    indent: usize,
    indentless: bool,
}

struct Scanner<'a, S> {
    text: &'a str,
    b: &'a [u8],
    sink: S,
    stack: Vec<Block>,
    /// The mark after the `:` of the top mapping's key that has no value yet.
    pending: Option<Mark>,
    /// Start of the line being read, and its number.
    line_start: usize,
    line: usize,
    /// Its end (its `\n`, or the end of the text).
    line_end: usize,
    started: bool,
    root_done: bool,
}

/// Bytes that cannot start a plain scalar here (`-` is looked at apart).
fn indicator(c: u8) -> bool {
    matches!(
        c,
        b'?' | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
            | b'-'
    )
}

/// Printable ASCII and `\n` only: no tab, `\r`, control byte, BOM or other character. In
/// blocks without an early exit, which the compiler turns into vector compares: a byte at a
/// time this was most of a check's cost.
fn printable(b: &[u8]) -> bool {
    let bad = |c: u8| u8::from(c != b'\n' && !(0x20..0x7f).contains(&c));
    let mut blocks = b.chunks_exact(64);
    for block in &mut blocks {
        if block.iter().fold(0u8, |acc, &c| acc | bad(c)) != 0 {
            return false;
        }
    }
    blocks.remainder().iter().all(|&c| bad(c) == 0)
}

/// What a plain key's first byte says of it, as go-yaml's resolve table sees it: text for
/// sure, maybe a word of the table (no word is longer than 5 bytes), maybe a number, maybe `<<`.
const TEXT: u8 = 0;
const WORD: u8 = 1;
const NUMBER: u8 = 2;
const MERGE: u8 = 3;
const KEY_START: [u8; 256] = {
    let mut t = [TEXT; 256];
    let words = b"yYnNtTfFoO~";
    let mut i = 0;
    while i < words.len() {
        t[words[i] as usize] = WORD;
        i += 1;
    }
    let numbers = b"+-.0123456789";
    let mut i = 0;
    while i < numbers.len() {
        t[numbers[i] as usize] = NUMBER;
        i += 1;
    }
    t[b'<' as usize] = MERGE;
    t
};

fn flow_plain_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'/' | b'=' | b'+' | b'@')
}

impl<'a, S: Sink> Scanner<'a, S> {
    fn new(text: &'a str, sink: S) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            sink,
            stack: Vec::new(),
            pending: None,
            line_start: 0,
            line: 0,
            line_end: 0,
            started: false,
            root_done: false,
        }
    }

    fn mark(&self, index: usize) -> Mark {
        Mark {
            index,
            line: self.line,
            column: index - self.line_start,
        }
    }

    fn emit(&mut self, raw: Raw, mark: Mark) {
        self.sink.event(self.text, raw, mark);
    }

    fn scalar(&mut self, kind: Kind, span: (usize, usize), mark: Mark) {
        self.emit(
            Raw::Scalar {
                kind,
                span,
                literal: String::new(),
            },
            mark,
        );
    }

    fn end_of_line(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.b[from..]).map_or(self.b.len(), |i| from + i)
    }

    fn run(&mut self) -> Scan<()> {
        let b = self.b;
        if !printable(b) {
            return Err(NotPlain);
        }
        self.emit(Raw::StreamStart, self.mark(0));
        let mut pos = 0;
        if b.starts_with(b"---") && matches!(b.get(3), None | Some(b'\n' | b' ')) {
            self.line_end = self.end_of_line(0);
            self.trailer(3)?;
            self.emit(Raw::DocumentStart, self.mark(0));
            self.started = true;
            pos = self.line_end + 1;
            self.line = 1;
        }
        while pos < b.len() {
            self.line_start = pos;
            self.line_end = self.end_of_line(pos);
            let mut p = pos;
            // Indentation eight spaces at a time, then byte by byte.
            while p + 8 <= self.line_end && b[p..p + 8] == *b"        " {
                p += 8;
            }
            while p < self.line_end && b[p] == b' ' {
                p += 1;
            }
            if p == self.line_end || b[p] == b'#' {
                pos = self.line_end + 1;
                self.line += 1;
                continue;
            }
            if p == pos && (b[p..].starts_with(b"---") || b[p..].starts_with(b"...")) {
                return Err(NotPlain);
            }
            // The content line; a literal scalar reads on and says where to go on.
            match self.content(p)? {
                Some((next, line)) => {
                    pos = next;
                    self.line = line;
                }
                None => {
                    pos = self.line_end + 1;
                    self.line += 1;
                }
            }
        }
        // libyaml's stream end: after everything, on a new line if the last had content.
        let last_start = b.iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
        let lines = memchr::memchr_iter(b'\n', b).count();
        let end = Mark {
            index: b.len(),
            line: lines + usize::from(last_start < b.len()),
            column: 0,
        };
        if let Some(m) = self.pending.take() {
            self.scalar(Kind::Empty, (m.index, m.index), m);
        }
        while let Some(top) = self.stack.pop() {
            self.emit(if top.map { Raw::MapEnd } else { Raw::SeqEnd }, end);
        }
        if self.started {
            if !self.root_done {
                self.scalar(Kind::Empty, (end.index, end.index), end);
            }
            self.emit(Raw::DocumentEnd, end);
        }
        self.emit(Raw::StreamEnd, end);
        Ok(())
    }

    fn dash(&self, p: usize) -> bool {
        self.b[p] == b'-' && (p + 1 == self.line_end || self.b[p + 1] == b' ')
    }

    fn open(&mut self, map: bool, indent: usize, indentless: bool, at: usize) -> Scan<()> {
        if self.stack.len() >= MAX_NESTING {
            return Err(NotPlain);
        }
        self.stack.push(Block {
            map,
            indent,
            indentless,
        });
        let m = self.mark(at);
        self.emit(
            if map {
                Raw::MapStart(false)
            } else {
                Raw::SeqStart(false)
            },
            m,
        );
        Ok(())
    }

    /// A line whose content starts at `p`. `Some((next line's start, its number))` when it
    /// read further than its own line.
    fn content(&mut self, p: usize) -> Scan<Option<(usize, usize)>> {
        let c = p - self.line_start;
        let here = self.mark(p);
        let dash = self.dash(p);
        while let Some(&top) = self.stack.last() {
            if top.indent > c || (top.indent == c && top.indentless && !dash) {
                if let Some(m) = self.pending.take() {
                    self.scalar(Kind::Empty, (m.index, m.index), m);
                }
                self.emit(if top.map { Raw::MapEnd } else { Raw::SeqEnd }, here);
                self.stack.pop();
            } else {
                break;
            }
        }
        match self.stack.last().copied() {
            None => {
                if self.root_done {
                    return Err(NotPlain);
                }
                if !self.started {
                    self.emit(Raw::DocumentStart, here);
                    self.started = true;
                }
                self.root_done = true;
                self.open(!dash, c, false, p)?;
            }
            Some(top) if top.indent == c => {
                if top.map {
                    if dash {
                        if self.pending.take().is_none() {
                            return Err(NotPlain);
                        }
                        self.open(false, c, true, p)?;
                    } else if let Some(m) = self.pending.take() {
                        self.scalar(Kind::Empty, (m.index, m.index), m);
                    }
                } else if !dash {
                    return Err(NotPlain);
                }
            }
            Some(_) => {
                if self.pending.take().is_none() {
                    return Err(NotPlain);
                }
                self.open(!dash, c, false, p)?;
            }
        }
        if dash {
            self.item(p)
        } else {
            self.key_line(p)
        }
    }

    /// A `-` item at `p`.
    fn item(&mut self, p: usize) -> Scan<Option<(usize, usize)>> {
        let b = self.b;
        let mut q = p + 1;
        while q < self.line_end && b[q] == b' ' {
            q += 1;
        }
        if q == self.line_end || b[q] == b'#' || self.dash(q) {
            return Err(NotPlain);
        }
        if let Some(key) = self.key_at(q)? {
            self.open(true, q - self.line_start, false, q)?;
            return self.key_value(q, key);
        }
        self.value(q)
    }

    /// The key starting at `q`, if it is one: its span and where its `:` is.
    fn key_at(&self, q: usize) -> Scan<Option<Key>> {
        let b = self.b;
        let end = self.line_end;
        let (span, kind, i) = match b[q] {
            b'\'' | b'"' => {
                let close = self.quoted_end(q)?;
                let mut i = close;
                while i < end && b[i] == b' ' {
                    i += 1;
                }
                let kind = if b[q] == b'"' {
                    Kind::Double
                } else {
                    Kind::Single
                };
                ((q, close), kind, i)
            }
            c if indicator(c) => return Ok(None),
            _ => {
                let mut i = q;
                loop {
                    if i == end {
                        return Ok(None);
                    }
                    match b[i] {
                        b':' if i + 1 == end || b[i + 1] == b' ' => break,
                        b'#' if b[i - 1] == b' ' => return Ok(None),
                        _ => i += 1,
                    }
                }
                if b[i - 1] == b' ' {
                    return Err(NotPlain);
                }
                ((q, i), Kind::Plain, i)
            }
        };
        if i < end && b[i] == b':' && (i + 1 == end || b[i + 1] == b' ') {
            // libyaml forgets a possible key once its scanner is 1024 bytes past the key's
            // start, and then refuses the `:`: keep well inside that.
            if i - q > SIMPLE_KEY_REACH {
                return Err(NotPlain);
            }
            if kind == Kind::Plain {
                self.plain_key(span)?;
            }
            Ok(Some((span, kind, i)))
        } else {
            Ok(None)
        }
    }

    /// A plain key must read as text, and not be the merge key `<<`: the JSON conversion
    /// refuses a null key (`~`) or one above Go's int64 (`18446744073709551615`), and a key of
    /// another type may clash with a text key (`1` and `'1'`) — for [`crate::kube::read`] to
    /// decide. On every key: most are let through by their first byte alone.
    #[inline(always)]
    fn plain_key(&self, span: (usize, usize)) -> Scan<()> {
        let key = &self.b[span.0..span.1];
        let text = match KEY_START[usize::from(key[0])] {
            TEXT => true,
            WORD => key.len() > 5 || plain_is_text(key),
            MERGE => key != b"<<",
            _ => plain_is_text(key),
        };
        if text {
            Ok(())
        } else {
            Err(NotPlain)
        }
    }

    /// A plain value go-yaml reads as NaN or an infinity is left to [`crate::kube::read`]:
    /// JSON cannot hold it (unless a later value of the same key replaces it).
    #[inline(always)]
    fn plain_value(&self, span: (usize, usize)) -> Scan<()> {
        if matches!(self.b[span.0], b'.' | b'+' | b'-')
            && plain_is_non_finite(&self.b[span.0..span.1])
        {
            return Err(NotPlain);
        }
        Ok(())
    }

    /// Where the one-line quoted scalar starting at `q` ends (after its closing quote).
    fn quoted_end(&self, q: usize) -> Scan<usize> {
        let b = self.b;
        let quote = b[q];
        let mut i = q + 1;
        loop {
            if i >= self.line_end {
                return Err(NotPlain);
            }
            match b[i] {
                b'\\' if quote == b'"' => return Err(NotPlain),
                c if c == quote => {
                    if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Ok(i + 1);
                }
                _ => i += 1,
            }
        }
    }

    /// A line of a mapping whose key starts at `q`.
    fn key_line(&mut self, q: usize) -> Scan<Option<(usize, usize)>> {
        match self.key_at(q)? {
            Some(key) => self.key_value(q, key),
            None => Err(NotPlain),
        }
    }

    /// The key found at `q`, and its value.
    fn key_value(&mut self, q: usize, (span, kind, colon): Key) -> Scan<Option<(usize, usize)>> {
        let m = self.mark(q);
        self.scalar(kind, span, m);
        let b = self.b;
        let mut r = colon + 1;
        while r < self.line_end && b[r] == b' ' {
            r += 1;
        }
        if r == self.line_end || b[r] == b'#' {
            self.pending = Some(self.mark(colon + 1));
            return Ok(None);
        }
        self.value(r)
    }

    /// Spaces, then the end of the line or a comment.
    fn trailer(&self, mut i: usize) -> Scan<()> {
        let b = self.b;
        let from = i;
        while i < self.line_end && b[i] == b' ' {
            i += 1;
        }
        if i == self.line_end || (b[i] == b'#' && i > from) {
            Ok(())
        } else {
            Err(NotPlain)
        }
    }

    /// A value starting at `r`, on the line of its key or `-`.
    fn value(&mut self, r: usize) -> Scan<Option<(usize, usize)>> {
        let b = self.b;
        let m = self.mark(r);
        match b[r] {
            b'\'' | b'"' => {
                let close = self.quoted_end(r)?;
                self.trailer(close)?;
                let kind = if b[r] == b'"' {
                    Kind::Double
                } else {
                    Kind::Single
                };
                self.scalar(kind, (r, close), m);
                Ok(None)
            }
            b'|' | b'>' => self.literal(r),
            b'[' | b'{' => {
                self.flow(r)?;
                Ok(None)
            }
            b'-' if !self.dash(r) => self.plain(r),
            c if indicator(c) => Err(NotPlain),
            _ => self.plain(r),
        }
    }

    fn plain(&mut self, r: usize) -> Scan<Option<(usize, usize)>> {
        let b = self.b;
        let end = self.line_end;
        let mut i = r;
        while i < end {
            match b[i] {
                b':' if i + 1 == end || b[i + 1] == b' ' => return Err(NotPlain),
                b'#' if b[i - 1] == b' ' => break,
                _ => i += 1,
            }
        }
        while b[i - 1] == b' ' {
            i -= 1;
        }
        self.plain_value((r, i))?;
        let m = self.mark(r);
        self.scalar(Kind::Plain, (r, i), m);
        Ok(None)
    }

    /// A simple scalar inside a flow collection at `i`: quoted on one line, or plain of
    /// [`flow_plain_char`]s. Returns where it ends.
    fn flow_scalar(&mut self, i: usize) -> Scan<usize> {
        let b = self.b;
        let (kind, stop) = match b[i] {
            b'"' => (Kind::Double, self.quoted_end(i)?),
            b'\'' => (Kind::Single, self.quoted_end(i)?),
            c if c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/') => {
                let mut j = i;
                while j < self.line_end && flow_plain_char(b[j]) {
                    j += 1;
                }
                self.plain_value((i, j))?;
                (Kind::Plain, j)
            }
            _ => return Err(NotPlain),
        };
        let m = self.mark(i);
        self.scalar(kind, (i, stop), m);
        Ok(stop)
    }

    /// A one-line flow collection at `r`: `[]`, `{}`, a sequence of simple scalars, or a
    /// mapping of simple scalars written `key: value`.
    fn flow(&mut self, r: usize) -> Scan<()> {
        let b = self.b;
        let end = self.line_end;
        let map = b[r] == b'{';
        let close = if map { b'}' } else { b']' };
        let m = self.mark(r);
        self.emit(
            if map {
                Raw::MapStart(true)
            } else {
                Raw::SeqStart(true)
            },
            m,
        );
        let skip = |mut i: usize| {
            while i < end && b[i] == b' ' {
                i += 1;
            }
            i
        };
        let mut i = skip(r + 1);
        if i < end && b[i] != close {
            loop {
                if i >= end {
                    return Err(NotPlain);
                }
                let key = i;
                i = self.flow_scalar(i)?;
                if map && !matches!(b[key], b'"' | b'\'') {
                    self.plain_key((key, i))?;
                }
                if map {
                    // `key: value`, the colon right after the key, within a key's reach.
                    if !(i + 1 < end && b[i] == b':' && b[i + 1] == b' ')
                        || i - key > SIMPLE_KEY_REACH
                    {
                        return Err(NotPlain);
                    }
                    i = skip(i + 1);
                    if i >= end {
                        return Err(NotPlain);
                    }
                    i = self.flow_scalar(i)?;
                }
                i = skip(i);
                if i >= end {
                    return Err(NotPlain);
                }
                if b[i] == b',' {
                    i = skip(i + 1);
                    if i >= end || b[i] == close {
                        return Err(NotPlain);
                    }
                } else if b[i] == close {
                    break;
                } else {
                    return Err(NotPlain);
                }
            }
        }
        if i >= end {
            return Err(NotPlain);
        }
        let m = self.mark(i);
        self.emit(if map { Raw::MapEnd } else { Raw::SeqEnd }, m);
        self.trailer(i + 1)
    }

    /// A block scalar whose `|` or `>` is at `h`: libyaml's `yaml_parser_scan_block_scalar`,
    /// on ASCII text with `\n` line breaks. Returns where the line that
    /// ends it starts, and its number.
    fn literal(&mut self, h: usize) -> Scan<Option<(usize, usize)>> {
        let b = self.b;
        let len = b.len();
        let mark = self.mark(h);
        let folded = b[h] == b'>';
        let mut leading_blank = false;
        let mut i = h + 1;
        // -1 strip, 0 clip, 1 keep
        let chomp: i8 = match b.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 0,
        };
        if i < self.line_end && b[i] != b' ' {
            return Err(NotPlain);
        }
        self.trailer(i)?;
        let parent = self.stack.last().map_or(-1, |t| t.indent as isize);
        let mut p = (self.line_end + 1).min(len);
        let mut line = self.line + 1;
        let mut line_start = p;
        let mut value = String::new();
        let mut trailing = 0usize;
        let mut leading_break = false;
        let mut end = p;
        let mut indent = 0usize;
        // yaml_parser_scan_block_scalar_breaks
        let breaks = |p: &mut usize,
                      line: &mut usize,
                      line_start: &mut usize,
                      end: &mut usize,
                      trailing: &mut usize,
                      indent: &mut usize| {
            let mut max_indent = 0;
            *end = *p;
            loop {
                while (*indent == 0 || *p - *line_start < *indent) && *p < len && b[*p] == b' ' {
                    *p += 1;
                }
                max_indent = max_indent.max(*p - *line_start);
                if *p < len && b[*p] == b'\n' {
                    *trailing += 1;
                    *p += 1;
                    *line += 1;
                    *line_start = *p;
                    *end = *p;
                } else {
                    break;
                }
            }
            if *indent == 0 {
                *indent = (max_indent as isize).max(parent + 1).max(1) as usize;
            }
        };
        breaks(
            &mut p,
            &mut line,
            &mut line_start,
            &mut end,
            &mut trailing,
            &mut indent,
        );
        while p - line_start == indent && p < len {
            let trailing_blank = b[p] == b' ';
            if S::VALUES {
                if folded && leading_break && !leading_blank && !trailing_blank {
                    // Lines folded into one: a space, unless blank lines came between.
                    if trailing == 0 {
                        value.push(' ');
                    }
                } else if leading_break {
                    value.push('\n');
                }
                for _ in 0..trailing {
                    value.push('\n');
                }
            }
            leading_break = false;
            trailing = 0;
            leading_blank = trailing_blank;
            let s = p;
            p = memchr::memchr(b'\n', &b[p..]).map_or(len, |e| p + e);
            if S::VALUES {
                value.push_str(&self.text[s..p]);
            }
            if p < len {
                leading_break = true;
                p += 1;
                line += 1;
                line_start = p;
            }
            breaks(
                &mut p,
                &mut line,
                &mut line_start,
                &mut end,
                &mut trailing,
                &mut indent,
            );
        }
        if S::VALUES {
            if chomp != -1 && leading_break {
                value.push('\n');
            }
            if chomp == 1 {
                for _ in 0..trailing {
                    value.push('\n');
                }
            }
        }
        self.emit(
            Raw::Scalar {
                kind: Kind::Literal,
                span: (h, end),
                literal: value,
            },
            mark,
        );
        // A line ending the block scalar deeper than its parent (a comment, say) after blank
        // lines: libyaml reads on, saphyr refuses some ("wrongly indented line in block
        // scalar"); left to libyaml.
        if p < len && (p - line_start) as isize > parent {
            return Err(NotPlain);
        }
        // At the end of the text the last line read was content: nothing is left.
        Ok(Some((if p >= len { len } else { line_start }, line)))
    }
}

#[cfg(test)]
mod tests {
    //! The differential: whenever the scanner takes a text, libyaml's events and marks are
    //! the same, and saphyr-parser (the tool's validation) accepts the text.
    use super::*;
    use crate::kube::libyaml::Parser;
    use proptest::prelude::*;
    use std::path::{Path, PathBuf};

    fn libyaml(text: &str) -> Result<Vec<Located>, String> {
        let mut p = Parser::new(text);
        let mut out = Vec::new();
        loop {
            let (e, line, column) = p.next_event().map_err(|e| e.problem)?;
            let end = e == Event::StreamEnd;
            out.push((e, line, column, p.event_start()));
            if end {
                return Ok(out);
            }
        }
    }

    /// Whether the scanner took `text`; panics where a parser reads a taken text otherwise.
    fn agree(text: &str) -> bool {
        verdict(text).unwrap_or_else(|e| panic!("{e}: {text:?}"))
    }

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                yaml_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(p);
            }
        }
    }

    /// Every document of every YAML fixture (tests/, examples/, fuzz seeds), as the tool
    /// hands it to a parser.
    fn fixture_documents() -> Vec<String> {
        let mut files = Vec::new();
        for dir in ["tests", "examples", "fuzz/seeds"] {
            yaml_files(&root().join(dir), &mut files);
        }
        assert!(files.len() > 100, "fixtures not found: {}", files.len());
        let mut docs = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            for d in crate::kube::stream::split(&text) {
                docs.push(d.parse_text().to_string());
            }
        }
        docs
    }

    fn bench_documents() -> Vec<String> {
        let text = std::fs::read_to_string(root().join("tests/fixtures/plain/bench-release.yaml"))
            .unwrap();
        crate::kube::stream::split(&text)
            .iter()
            .map(|d| d.parse_text().to_string())
            .collect()
    }

    #[test]
    fn bench_documents_are_plain() {
        let docs = bench_documents();
        assert_eq!(docs.len(), 27);
        for d in &docs {
            if !agree(d) {
                let lines: Vec<&str> = d.split_inclusive('\n').collect();
                let at = (1..=lines.len()).find(|&n| !check(&lines[..n].concat()));
                eprintln!(
                    "NOT PLAIN at {at:?}: {:?}",
                    at.map(|n| lines[n - 3..n].concat())
                );
            }
        }
        let taken = docs.iter().filter(|d| agree(d)).count();
        // Every document the bench generator writes (bench/bench.py `release`).
        assert_eq!(taken, docs.len());
        // And the editing tree of each is built from the events (`verdict` checks it is
        // saphyr's), as `read_doc` builds it for a targeted document: no second parse.
        for d in &docs {
            assert!(events_tree(d).is_some(), "{d}");
        }
    }

    /// The editing tree built from the scanner's events of `text`, if the builder is sure.
    fn events_tree(text: &str) -> Option<crate::yaml::Node> {
        // As Kubernetes' reading hands it over (see `verdict`).
        let read_text = if text.ends_with('\n') {
            text.to_string()
        } else {
            format!("{text}\n")
        };
        let mut build = crate::yaml::FromEvents::new(text);
        build.see(tree_event(None, read_text.as_bytes()));
        for (event, ..) in &events(&read_text)? {
            build.see(tree_event(Some(event), read_text.as_bytes()));
        }
        build.tree()
    }

    #[test]
    fn the_editing_tree_is_built_from_the_events_where_it_is_sure() {
        for (text, built) in [
            (
                "a: 1\nb:\n- c\n- 'd'\ne: |\n  f\ng: {h: \"i\"}\nj: []\nk:\n",
                true,
            ),
            ("---\n# c\nkind: A\n", true),
            // A key written twice, which the tool's parser refuses: left to it.
            ("a: 1\na: 2\n", false),
            ("a:\n  b: 1\n  'b': 2\n", false),
            // No content.
            ("# c\n", false),
        ] {
            assert!(agree(text) || !built, "{text:?}");
            assert_eq!(events_tree(text).is_some(), built, "{text:?}");
        }
    }

    #[test]
    fn fixture_documents_agree() {
        let docs = fixture_documents();
        let taken = docs.iter().filter(|d| agree(d)).count();
        eprintln!("{taken} of {} fixture documents taken", docs.len());
        // The fixtures are mostly edge cases on purpose; still, most are plain (307 of 396
        // when this was written).
        assert!(taken * 100 >= docs.len() * 70, "{taken} of {}", docs.len());
    }

    /// Texts where an earlier scanner disagreed (with a parser, or with itself), kept.
    const FOUND: &[&str] = &[
        // A block scalar's last line without a line break: checking read the line again as
        // content after the scalar and refused what reading (with the break added) took.
        "data:\n  services.conf: |\n\n    include \"/mnt/elsewhere/x.conf\"",
        // Found by an attack (tests/fixtures/attack-found/plain, with the keys past libyaml's
        // reach below): a comment ending a block scalar deeper than its parent after blank
        // lines, which saphyr refuses.
        "a: |\n  \n #c\n",
        "- |\n  x\n  \n #c\n",
    ];

    #[test]
    fn found_disagreements_stay_fixed() {
        for text in FOUND {
            agree(text);
        }
    }

    /// A key whose `:` is more than 1024 bytes past its start: libyaml refuses the text (it
    /// has forgotten the key), so the scanner must not take it; 1000 bytes and less it takes.
    #[test]
    fn keys_past_libyamls_reach_are_not_plain() {
        let far = [
            format!("\"a\"{:1022}: b\n", ""),
            format!("'a'{:1022}: b\n", ""),
            format!("a: {{{}: b}}\n", "k".repeat(1025)),
            format!("a: {{\"{}\": b}}\n", "k".repeat(1023)),
        ];
        for text in &far {
            assert!(libyaml(text).is_err(), "libyaml reads {text:?}");
            assert!(!check(text) && events(text).is_none(), "{text:?}");
        }
        let near = [
            format!("\"a\"{:990}: b\n", ""),
            format!("a: {{{}: b}}\n", "k".repeat(990)),
        ];
        for text in &near {
            assert!(check(text) && agree(text), "{text:?}");
        }
    }

    #[test]
    fn small_cases() {
        for (text, plain) in [
            ("a: 1\n", true),
            ("---\n# c\na: 1\n", true),
            ("---\n# c\n", true),
            ("# c\n", true),
            ("", true),
            (
                "a:\n- b\n- c: d\n  e: f\ng: |\n  x\n\n  y\n\nh: |-\n  z\ni: |+\n  w\n\n",
                true,
            ),
            (
                "a: [x, \"y\", 'z''']\nb: {}\nc: []\nd: 'q' # c\ne: {a: b, 'c': \"d\"}\n",
                true,
            ),
            ("a: {b: c:d}\n", false),
            ("a:\n  b:\nc:\n", true),
            ("- a\n- b\n", true),
            ("a: b\n  c\n", false),
            ("a: &x b\n", false),
            ("a: \"\\n\"\n", false),
            ("a: >\n  b\n  c\n\n  d\n   e\n  f\n", true),
            ("a: |2\n  b\n", false),
            ("a:\tb\n", false),
            ("a: b\n---\nc: d\n", false),
            // What Kubernetes' JSON conversion refuses is left to its reader.
            ("a: .inf\n", false),
            ("a: [1, -.INF]\n", false),
            ("~: a\n", false),
            ("a: {Null: 1}\n", false),
            ("18446744073709551615: a\n", false),
            ("1: a\n'1': b\n", false),
            ("<<: {a: 1}\n", false),
            ("a: .infx\n'~': a\nnullx: 1\nx: ~\n", true),
            ("a: 1\n...\nb: 2\n", false),
        ] {
            assert_eq!(agree(text), plain, "{text:?}");
        }
    }

    /// YAML-significant bytes the mutations insert.
    const SIGNIFICANT: &[u8] = b":-#'\"|>{}[],&*!? \n\t";

    #[derive(Debug, Clone)]
    enum Op {
        Insert(usize, u8),
        Replace(usize, u8),
        Delete(usize, usize),
        Indent(usize, i8),
        Duplicate(usize),
        Swap(usize, usize),
        Cut(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let at = any::<usize>();
        let byte = (0..SIGNIFICANT.len()).prop_map(|i| SIGNIFICANT[i]);
        prop_oneof![
            (at, byte.clone()).prop_map(|(a, b)| Op::Insert(a, b)),
            (at, byte).prop_map(|(a, b)| Op::Replace(a, b)),
            (at, 1usize..4).prop_map(|(a, n)| Op::Delete(a, n)),
            (at, -3i8..4).prop_map(|(a, n)| Op::Indent(a, n)),
            at.prop_map(Op::Duplicate),
            (at, at).prop_map(|(a, b)| Op::Swap(a, b)),
            at.prop_map(Op::Cut),
        ]
    }

    fn apply(text: &str, ops: &[Op]) -> String {
        let mut b = text.as_bytes().to_vec();
        for op in ops {
            let len = b.len().max(1);
            match *op {
                Op::Insert(a, c) => b.insert(a % (b.len() + 1), c),
                Op::Replace(a, c) => {
                    if !b.is_empty() {
                        b[a % len] = c;
                    }
                }
                Op::Delete(a, n) => {
                    let a = a % len;
                    b.drain(a.min(b.len())..(a + n).min(b.len()));
                }
                Op::Cut(a) => b.truncate(a % len),
                Op::Indent(..) | Op::Duplicate(_) | Op::Swap(..) => {
                    let s = String::from_utf8_lossy(&b).into_owned();
                    let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
                    let n = lines.len();
                    match *op {
                        Op::Indent(a, d) => {
                            let l = &mut lines[a % n];
                            if d > 0 {
                                l.insert_str(0, &" ".repeat(d as usize));
                            } else {
                                let k = l.len() - l.trim_start_matches(' ').len();
                                l.drain(..k.min((-d) as usize));
                            }
                        }
                        Op::Duplicate(a) => {
                            let l = lines[a % n].clone();
                            lines.insert(a % n, l);
                        }
                        Op::Swap(a, c) => lines.swap(a % n, c % n),
                        _ => unreachable!(),
                    }
                    b = lines.join("\n").into_bytes();
                }
            }
        }
        String::from_utf8_lossy(&b).into_owned()
    }

    fn window(doc: &str, start: usize, lines: usize) -> String {
        let all: Vec<&str> = doc.split_inclusive('\n').collect();
        let s = start % all.len();
        all[s..(s + lines).min(all.len())].concat()
    }

    /// Constructs of the subset side by side, so that mutations meet them all.
    const SEEDS: &[&str] = &[
        "---\n# Source: x\na:\n- b\n- c: 'd'\n  e: \"f\"\n  g:\n  - h\ni: |\n  j\n\n   k\n\nl: >-\n  m\n  n\n\n  o\no: {p: q, r: 's'}\nt: [u, \"v\"]\nw: []\nx: {}\n",
        "a:\n  b: |+\n    c\n\n  d:\n    - e # f\n    - g: h\n      i: j\n  k: l#m\n# n\no: p q  r\n",
        "- a\n- b: c\n  d: >\n    e\n     f\n    g\n- 'h'\n- [i, j]\n",
        "key: value\nother:\n  nested: -1\n  list:\n  - --flag=x\n  - a b\n  empty:\nlast: |-\n  text\n",
        // Near what Kubernetes' JSON conversion refuses (NaN, infinities, keys that are not
        // text), and some of it.
        "a: .inf\nb: x.nan\n~: c\nnull': d\n'1': e\n1 : f\ng: [.NaN, -.Inf]\n{h: 1}\nyes: i\n<<: {j: k}\n",
    ];

    /// Mutations of every document: the scanner must agree with libyaml and saphyr on each
    /// it takes, and take a fair share of them (else the test proves nothing).
    #[test]
    fn mutations_agree() {
        use proptest::test_runner::{Config, RngSeed, TestRunner};
        let mut docs: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
        docs.extend(bench_documents());
        docs.extend(fixture_documents());
        docs.retain(|d| !d.is_empty());
        // Fixed: 20,000 cases from seed 20. A longer hunt sets PLAIN_CASES and PLAIN_SEED
        // (300,000 cases from seed 7 found no disagreement when this was written).
        let cases = std::env::var("PLAIN_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(20_000);
        let mut runner = TestRunner::new(Config {
            cases,
            rng_seed: RngSeed::Fixed(
                std::env::var("PLAIN_SEED")
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(20),
            ),
            failure_persistence: None,
            ..Config::default()
        });
        let taken = std::cell::Cell::new(0u32);
        let built = std::cell::Cell::new(0u32);
        let strategy = (
            any::<usize>(),
            any::<usize>(),
            1usize..40,
            proptest::collection::vec(op(), 1..4),
        );
        let result = runner.run(&strategy, |(doc, start, lines, ops)| {
            // Seeds first and often: their constructs are the subset's edges.
            let doc = if doc % 4 == 0 {
                &docs[doc / 4 % SEEDS.len()]
            } else {
                &docs[doc % docs.len()]
            };
            // Mutations of a long document mostly land far from each other: a window of
            // its lines keeps a case small.
            let text = if start % 3 == 0 {
                doc.clone()
            } else {
                window(doc, start, lines)
            };
            let text = apply(&text, &ops);
            if agree(&text) {
                taken.set(taken.get() + 1);
                // `verdict` compared the editing tree from the events with saphyr's.
                if events_tree(&text).is_some() {
                    built.set(built.get() + 1);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        let (taken, built) = (taken.get(), built.get());
        eprintln!("{taken} of {cases} mutations taken, {built} trees built from the events");
        assert!(
            built * 4 >= taken,
            "only {built} of {taken} trees built from the events"
        );
        assert!(
            taken * 5 >= cases,
            "only {taken} of {cases} mutations taken"
        );
    }
}
