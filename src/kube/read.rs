//! How Kubernetes reads a YAML document: the reader every decision that matters is checked
//! against.
//!
//! `kubectl`, Helm and the API server cut a stream into documents with apimachinery's
//! `YAMLReader` (see [`crate::kube::stream`]) and turn each into JSON with `sigs.k8s.io/yaml`, which
//! decodes with go-yaml v2 into Go values and writes those with Go's JSON encoder. This module
//! reproduces that reading, ported from go-yaml 2.4's `decode.go`/`resolve.go` and
//! `sigs.k8s.io/yaml`'s `yaml.go`, and checked against them by the differential test in
//! `tests/oracle/goyaml.rs`. Parser events come from libyaml itself ([`crate::kube::libyaml`]), of
//! which go-yaml's scanner and parser are a port; it is independent of the editing tree in
//! [`crate::yaml`]. What it owns:
//!
//! - scalar resolution exactly as go-yaml's `resolve`: YAML 1.1 booleans and nulls from its
//!   table, Go's `ParseInt`/`ParseUint` (bases, `_` removed first), then its float syntax with
//!   `ParseFloat` (a float that overflows stays text: `123e4567`), timestamps kept as text,
//!   explicit tags checked as go-yaml checks them — [`resolve_plain`];
//! - Go's JSON numbers: a whole float below 1e21 is written without a dot (`1e3` is `1000`),
//!   NaN and infinities are refused;
//! - mapping keys as `sigs.k8s.io/yaml` writes them (`1e3` → `"1000"`, floats with float32
//!   precision, `true`), and Go's map semantics: a key given twice keeps its last value, two
//!   different keys that become one JSON key (`1` and `'1'`) are refused, because Kubernetes'
//!   result would depend on Go's map order;
//! - aliases, and `<<` merges in go-yaml's order (each merged mapping overwrites the keys set
//!   before it; in `<<: [*a, *b]` the earlier mapping wins), and its alias-ratio limit;
//! - only the first document of the text counts (go-yaml's `Unmarshal` reads no further);
//! - where go-yaml's scanner (a port of an older libyaml) differs from libyaml's, the text is
//!   patched so that libyaml reads what go-yaml reads (`{a:}`, `!x,`), or the document is
//!   refused where go-yaml refuses it (`\/` escapes, `?` inside a flow scalar).
//!
//! It must not guess: anything go-yaml refuses is refused here, and nothing else — except
//! what the tool refuses for its own safety (nesting deeper than [`crate::yaml::MAX_DEPTH`],
//! more than a million values built through aliases).

use super::scalar::*;
pub use super::scalar::{binary_text, resolve_plain, scalar, Scalar};
use crate::kube::libyaml::{Event, Parser, Style};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// A document Kubernetes could not read, or that this reader refuses as ambiguous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line inside the document text (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        f.write_str(&self.message)
    }
}

/// A Go map key's identity: which keys Go's map takes for the same one.
#[derive(Debug, Clone, Copy)]
enum KeyId {
    Str,
    Bool,
    Int,
    Float(f64),
}

impl KeyId {
    /// Go's `==` on two keys that give the same JSON key.
    fn same(self, other: KeyId) -> bool {
        match (self, other) {
            (KeyId::Str, KeyId::Str) | (KeyId::Bool, KeyId::Bool) | (KeyId::Int, KeyId::Int) => {
                true
            }
            (KeyId::Float(a), KeyId::Float(b)) => a == b,
            _ => false,
        }
    }
}

/// What a mapping knows of its keys beyond their JSON text: the keys that were not text, and
/// (for the tool's own output) which came from a merge. A key missing here was text given
/// explicitly, as nearly all are: they cost nothing.
#[derive(Debug, Clone, Default)]
struct Keys {
    ids: HashMap<String, (KeyId, bool)>,
}

/// The JSON key `sigs.k8s.io/yaml` makes of a Go key, and its identity.
fn key_of(key: Scalar) -> Result<(String, KeyId), String> {
    match key {
        Scalar::Str(s) => Ok((s, KeyId::Str)),
        Scalar::Bool(b) => Ok((b.to_string(), KeyId::Bool)),
        Scalar::Int(i) => Ok((i.to_string(), KeyId::Int)),
        Scalar::Float(f) => Ok((go_float32_key(f), KeyId::Float(f))),
        Scalar::UInt(u) => Ok((
            format!("{BAD_KEY}Unsupported map key of type: uint64, key: {u}\u{0}"),
            KeyId::Str,
        )),
        Scalar::Null => Ok((
            format!("{BAD_KEY}Unsupported map key of type: nil\u{0}"),
            KeyId::Str,
        )),
    }
}

/// Go's `SetMapIndex` on the decoded map, with the key's JSON text: a Go-equal key is
/// replaced (a float key takes the new key, so `-0` and `0` swap text), a different key with
/// the same text makes the result depend on Go's map order — marked with a [`BAD_KEY`] key
/// (`true` is returned), refused if the mapping is in the complete document.
fn set(
    map: &mut Map<String, Value>,
    keys: &mut Keys,
    name: String,
    id: KeyId,
    merged: bool,
    value: Value,
    unique_keys: bool,
) -> Result<bool, String> {
    // Nearly every key is text given explicitly, in a mapping with no other kind of key yet:
    // then all below comes to "refuse or replace a key given twice, else add it", done here
    // with one search of the map instead of two.
    if keys.ids.is_empty() && matches!(id, KeyId::Str) && !merged {
        return match map.entry(name) {
            serde_json::map::Entry::Vacant(v) => {
                v.insert(value);
                Ok(false)
            }
            serde_json::map::Entry::Occupied(o) if unique_keys => {
                Err(format!("duplicate key `{}`", o.key()))
            }
            serde_json::map::Entry::Occupied(mut o) => {
                o.insert(value);
                Ok(false)
            }
        };
    }
    if let Some(&(old, old_merged)) = keys
        .ids
        .get(&name)
        .or(map.contains_key(&name).then_some(&(KeyId::Str, false)))
    {
        if !old.same(id) {
            map.insert(
                format!("{BAD_KEY}the key `{name}` is given as two different keys (text and a number, or two numbers) that Kubernetes would keep in an unpredictable order\u{0}"),
                Value::Null,
            );
            return Ok(true);
        }
        if unique_keys && !old_merged && !merged {
            return Err(format!("duplicate key `{name}`"));
        }
    } else if let KeyId::Float(f) = id {
        if f == 0.0 {
            // Go's == takes -0 and 0 for one key, and its map then keeps the newer key. Only
            // a zero: a tiny float (`4e-308`) is written `0` too, as float32, but is
            // another key to Go.
            let other = if name == "0" { "-0" } else { "0" };
            if matches!(keys.ids.get(other), Some((KeyId::Float(g), _)) if *g == 0.0) {
                keys.ids.remove(other);
                map.remove(other);
            }
        }
    }
    let record = !matches!(id, KeyId::Str) || merged;
    if record {
        keys.ids.insert(name.clone(), (id, merged));
    } else if !keys.ids.is_empty() {
        keys.ids.remove(&name);
    }
    map.insert(name, value);
    Ok(false)
}

/// A finished node, as decoded so far.
enum Done {
    /// A scalar: its Go value, and whether it is the merge key `<<`.
    Scalar(Scalar, bool),
    /// A mapping, with its keys' identities (a merge needs them).
    Map(Map<String, Value>, Keys),
    /// A sequence, with the key identities of the mappings in it (for `<<: [...]`).
    Seq(Vec<Value>, Vec<Option<Keys>>),
    /// An alias.
    Alias(Anchored),
}

/// What an anchor names: scalars keep their Go value (an alias may be a key).
#[derive(Clone)]
enum Anchored {
    Scalar(Scalar),
    Map(Value, Keys),
    Seq(Value),
}

impl Done {
    fn into_value(self) -> Result<(Value, Option<Keys>), String> {
        Ok(match self {
            Done::Scalar(s, _) => (to_json(s)?, None),
            Done::Map(m, k) => (Value::Object(m), Some(k)),
            Done::Seq(items, _) => (Value::Array(items), None),
            Done::Alias(Anchored::Scalar(s)) => (to_json(s)?, None),
            Done::Alias(Anchored::Map(v, k)) => (v, Some(k)),
            Done::Alias(Anchored::Seq(v)) => (v, None),
        })
    }
}

enum Open {
    Seq {
        items: Vec<Value>,
        maps: Vec<Option<Keys>>,
        anchor: Option<(String, u64)>,
        cost: u64,
        flow: bool,
    },
    Map {
        map: Map<String, Value>,
        keys: Keys,
        /// The key read, waiting for its value; `Some(None)`-like merge keys are marked.
        key: Option<Done>,
        anchor: Option<(String, u64)>,
        cost: u64,
        flow: bool,
    },
}

/// Upper bound on values built through aliases, against alias bombs.
const ALIAS_BUDGET: usize = 1_000_000;

fn count(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count).sum::<usize>(),
        Value::Object(o) => 1 + o.values().map(count).sum::<usize>(),
        _ => 1,
    }
}

/// go-yaml's limit on aliasing: decoding fails once aliases make up too much of what was
/// decoded (`allowedAliasRatio` in decode.go).
struct AliasRatio {
    decoded: u64,
    aliased: u64,
}

impl AliasRatio {
    /// Counts `decoded` more decode calls, `aliased` of them through an alias, and checks the
    /// limit. Checking once after an alias's whole expansion is exact: during one, the ratio
    /// only grows and the allowance only shrinks.
    fn step(&mut self, decoded: u64, aliased: u64) -> Result<(), String> {
        self.decoded += decoded;
        self.aliased += aliased;
        if self.exceeded() {
            return Err("document contains excessive aliasing".into());
        }
        Ok(())
    }

    fn exceeded(&self) -> bool {
        let allowed = if self.decoded <= 400_000 {
            0.99
        } else if self.decoded >= 4_000_000 {
            0.10
        } else {
            0.99 - 0.89 * ((self.decoded - 400_000) as f64 / 3_600_000.0)
        };
        self.aliased > 100
            && self.decoded > 1000
            && self.aliased as f64 / self.decoded as f64 > allowed
    }
}

/// Where go-yaml's scanner (a port of an older libyaml) reads differently from libyaml's:
/// in a flow collection a plain scalar ends at `?` (which then starts a key where none can
/// be, so go-yaml refuses the document), and a double-quoted scalar has no `\/` escape.
fn scanned_as_go_yaml(
    text: &str,
    style: Style,
    span: (usize, usize),
    in_flow: bool,
    value: &str,
) -> Result<(), String> {
    match style {
        Style::Plain if in_flow && value.contains('?') => {
            Err("did not find expected ',' or ']' (go-yaml ends a plain scalar at `?` inside [] and {})".into())
        }
        Style::DoubleQuoted => {
            let source = text.as_bytes().get(span.0..span.1).unwrap_or_default();
            let mut i = 0;
            while i < source.len() {
                if source[i] == b'\\' {
                    if source.get(i + 1) == Some(&b'/') {
                        return Err("found unknown escape character (go-yaml has no `\\/`)".into());
                    }
                    i += 2;
                } else {
                    i += 1;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// go-yaml's parser ends a document only after its scanner has read the token that follows
/// it, and more while that token could still be a key (`[a]\n"x" "\/"`): go-yaml refuses a
/// `\/` escape in a double-quoted scalar read there, though the document never holds it.
/// libyaml reads ahead exactly as far, and takes `\/`; so the rest of the text, from `end`
/// (where libyaml's document end starts), is read again with each `\/` as `\q`, an escape
/// libyaml refuses too. Elsewhere (plain, single-quoted or block text, comments, tags) `q`
/// reads as `/` does, so the tokens are the same and only such an escape makes a difference.
fn read_ahead_escape(text: &str, end: usize) -> Result<(), String> {
    let Some(rest) = text.get(end..).filter(|r| r.contains("\\/")) else {
        return Ok(());
    };
    let patched = format!("{}{}", &text[..end], rest.replace("\\/", "\\q"));
    let mut parser = Parser::new(&patched);
    loop {
        match parser.next_event() {
            Ok((Event::DocumentEnd | Event::StreamEnd, _, _)) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.index >= end => {
                return Err(format!(
                    "found unknown escape character (go-yaml has no `\\/`; its scanner reads on to line {} to end the document)",
                    e.line + 1
                ))
            }
            // Not this function's concern: the first reading decided.
            Err(_) => return Ok(()),
        }
    }
}

/// Whether a line is one apimachinery's YAML reader refuses the whole stream for: `---` at
/// its start, then something other than spaces or a comment.
fn bad_separator(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|rest| {
        let rest = rest.trim();
        !rest.is_empty() && !rest.starts_with('#')
    })
}

/// Where the first line [`bad_separator`] refuses starts. Only lines starting with `---` are
/// looked at, found with a substring search: a walk over every line cost more than the rest
/// of a small document's reading.
fn bad_separator_at(text: &str) -> Option<usize> {
    let line_at = |at: usize| {
        let rest = &text[at..];
        &rest[..memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len())]
    };
    std::iter::once(0)
        .chain(memchr::memmem::find_iter(text.as_bytes(), b"\n---").map(|i| i + 1))
        .find(|&at| bad_separator(line_at(at)))
}

/// Reads one document's text, as [`crate::kube::stream::split`] cuts it, as Kubernetes does.
/// `Ok(None)` for a document with no content. A text that holds more than one YAML document
/// is refused: Kubernetes' reader cuts only at `---` lines, and go-yaml reads the first
/// document of what it is given, so whatever follows a `...` line (or a `---` after a line
/// break that reader does not split on, a lone CR) would be silently dropped.
pub fn read(text: &str) -> Result<Option<Value>, ReadError> {
    read_keys(text, false, false, None, &mut false)
}

/// [`read`], showing `observe` every parser event it reads (`None` where a reading starts),
/// and saying whether the reading it returns was of the plain scanner's events
/// ([`crate::kube::plain::events`]): the editing tree of a document is built from them then
/// ([`crate::yaml::FromEvents`]).
pub fn read_observed(
    text: &str,
    observe: &mut dyn FnMut(Option<&Event>),
) -> (Result<Option<Value>, ReadError>, bool) {
    let mut plain = false;
    let reading = read_keys(text, false, false, Some(observe), &mut plain);
    (reading, plain)
}

/// The first YAML document of `text`, ignoring what follows it, as `sigs.k8s.io/yaml`'s
/// `Unmarshal` reads a whole file (Helm reads a values file so): the caller decides about the
/// documents after it.
pub fn read_first(text: &str) -> Result<Option<Value>, ReadError> {
    read_keys(text, false, true, None, &mut false)
}

/// Whether Kubernetes reads a document the tool passes through untouched, as [`read`]
/// decides, without building the reading for the plain block YAML nearly all documents are:
/// a text [`crate::kube::plain::check`] takes holds nothing `read` could refuse (its subset
/// leaves out what go-yaml or the JSON conversion refuses: NaN and infinities, keys that are
/// not text, a second document).
pub fn readable(text: &str) -> Result<(), ReadError> {
    if crate::kube::plain::check(text) {
        return Ok(());
    }
    read(text).map(drop)
}

/// [`read`], refusing a key written twice in one mapping: for the tool's own output, which
/// must also read back through the tool's parser (it refuses duplicate keys).
pub fn read_own_output(text: &str) -> Result<Option<Value>, ReadError> {
    read_keys(text, true, false, None, &mut false)
}

/// What is shown each parser event of a reading, and `None` where a reading starts (the text
/// is read again, patched, where go-yaml and libyaml differ; see `read_keys`).
type Observer<'a, 'o> = &'a mut (dyn FnMut(Option<&Event>) + 'o);

/// [`read_own_output`], showing `observe` every parser event it reads: one reading of the
/// tool's output then serves another check of it too ([`crate::verify::read_back`]).
pub fn read_own_output_observed(
    text: &str,
    observe: &mut dyn FnMut(Option<&Event>),
) -> Result<Option<Value>, ReadError> {
    read_keys(text, true, false, Some(observe), &mut false)
}

fn read_keys<'o>(
    text: &str,
    unique_keys: bool,
    first_only: bool,
    mut observe: Option<Observer<'_, 'o>>,
    plain_read: &mut bool,
) -> Result<Option<Value>, ReadError> {
    if let Some(at) = bad_separator_at(text) {
        return Err(ReadError {
            line: memchr::memchr_iter(b'\n', &text.as_bytes()[..at]).count() + 1,
            column: 1,
            message: "a `---` line with more than a comment after it: Kubernetes' YAML reader refuses the stream (invalid Yaml document separator)".into(),
        });
    }
    // go-yaml skips one byte-order mark at the start; libyaml, told the text is UTF-8, would
    // take it for content.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Kubernetes' reader hands go-yaml whole lines, each ending in a line feed.
    let text: Cow<str> = if text.is_empty() || text.ends_with('\n') {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{text}\n"))
    };
    // Where go-yaml's scanner reads on and libyaml's stops, the text is patched so that
    // libyaml reads what go-yaml reads, and read again:
    // - go-yaml takes a `:` before a flow indicator inside a plain scalar (`{a:}`) as text,
    //   where libyaml stops with "found unexpected ':'": each such `:` becomes a stand-in
    //   character that the text does not hold, given back as `:` in the values;
    // - go-yaml's tags take `,`, `[` and `]` (`!x,`), libyaml's end before them: each becomes
    //   its URI escape (`%2C`), which libyaml decodes into the same tag.
    // - go-yaml takes a byte-order mark after the first character for text, where libyaml
    //   skips one at the start of a line: each becomes a stand-in, given back as U+FEFF.
    let free = |taken: &[char]| {
        ('\u{e000}'..='\u{f8ff}').find(|c| !taken.contains(c) && !text.contains(*c))
    };
    let mut stand_ins: Vec<(char, char)> = Vec::new();
    let mut patched: Option<String> = None;
    if text.contains('\u{feff}') {
        let Some(c) = free(&[]) else {
            return Err(ReadError {
                line: 0,
                column: 0,
                message: "byte-order marks inside a text that uses every private-use character"
                    .into(),
            });
        };
        stand_ins.push((c, '\u{feff}'));
        patched = Some(text.replace('\u{feff}', c.encode_utf8(&mut [0; 4])));
    }
    for _ in 0..256 {
        let input = patched.as_deref().unwrap_or(&text);
        if let Some(o) = observe.as_deref_mut() {
            o(None);
        }
        // Plain block YAML (nearly all of Helm's output) is scanned for libyaml's events
        // without libyaml; a text outside that subset, or patched, is left to libyaml.
        let plain = patched
            .is_none()
            .then(|| crate::kube::plain::events(input))
            .flatten();
        *plain_read = plain.is_some();
        let read = match plain {
            Some(events) => read_events(
                input,
                Plain(events.into_iter(), 0),
                &stand_ins,
                unique_keys,
                first_only,
                observe.as_deref_mut(),
            ),
            None => read_events(
                input,
                Parser::new(input),
                &stand_ins,
                unique_keys,
                first_only,
                observe.as_deref_mut(),
            ),
        };
        let (at, with): (usize, Cow<str>) = match read {
            Err(Retry::Colon(at)) if input.as_bytes().get(at) == Some(&b':') => {
                let colon = stand_ins.iter().find(|(_, o)| *o == ':').map(|(c, _)| *c);
                let taken: Vec<char> = stand_ins.iter().map(|(c, _)| *c).collect();
                match colon.or_else(|| free(&taken)) {
                    Some(c) => {
                        if colon.is_none() {
                            stand_ins.push((c, ':'));
                        }
                        (at, Cow::Owned(c.to_string()))
                    }
                    None => break,
                }
            }
            Err(Retry::Tag(at)) => match input.as_bytes().get(at) {
                Some(b',') => (at, Cow::Borrowed("%2C")),
                Some(b'[') => (at, Cow::Borrowed("%5B")),
                Some(b']') => (at, Cow::Borrowed("%5D")),
                _ => break,
            },
            Err(Retry::Colon(_)) => break,
            Err(Retry::Fail(e)) => return Err(e),
            Ok(v) => return Ok(v),
        };
        let mut t = input.to_string();
        t.replace_range(at..at + 1, &with);
        patched = Some(t);
    }
    Err(ReadError {
        line: 0,
        column: 0,
        message: "the document reads differently in go-yaml and libyaml in too many places".into(),
    })
}

/// Why [`read_events`] stopped.
enum Retry {
    /// libyaml refused a `:` (at this byte) that go-yaml reads as text.
    Colon(usize),
    /// go-yaml's tag goes on at this byte (`,`, `[` or `]`) where libyaml's ended.
    Tag(usize),
    Fail(ReadError),
}

impl From<ReadError> for Retry {
    fn from(e: ReadError) -> Retry {
        Retry::Fail(e)
    }
}

/// Where a node starting at `start` has a tag that go-yaml reads further than libyaml: the
/// byte after libyaml's tag when it is `,`, `[` or `]` (go-yaml's tag characters, not
/// libyaml's).
fn longer_go_tag(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = start;
    if b.get(i) == Some(&b'&') {
        while b
            .get(i)
            .is_some_and(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            i += 1;
        }
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
    }
    if b.get(i) != Some(&b'!') || b.get(i + 1) == Some(&b'<') {
        return None;
    }
    i += 1;
    while b
        .get(i)
        .is_some_and(|&c| c.is_ascii_alphanumeric() || b"-_;/?:@&=+$.%!~*'()".contains(&c))
    {
        i += 1;
    }
    matches!(b.get(i), Some(b',' | b'[' | b']')).then_some(i)
}

/// Where [`read_events`] takes its events from: libyaml, or the same events scanned
/// beforehand by [`crate::kube::plain`].
trait Events {
    /// The next event and its 0-based (line, column), as [`Parser::next_event`].
    fn next_event(&mut self) -> Result<(Event, usize, usize), crate::kube::libyaml::Error>;
    /// As [`Parser::event_start`].
    fn event_start(&self) -> usize;
}

impl Events for Parser<'_> {
    fn next_event(&mut self) -> Result<(Event, usize, usize), crate::kube::libyaml::Error> {
        Parser::next_event(self)
    }
    fn event_start(&self) -> usize {
        Parser::event_start(self)
    }
}

/// [`crate::kube::plain::events`] handed out one by one, with the start of the last.
struct Plain(std::vec::IntoIter<crate::kube::plain::Located>, usize);

impl Events for Plain {
    fn next_event(&mut self) -> Result<(Event, usize, usize), crate::kube::libyaml::Error> {
        // The scan ends with `StreamEnd`, after which `read_events` asks no more.
        let (event, line, column, start) = self.0.next().unwrap_or((Event::StreamEnd, 0, 0, 0));
        self.1 = start;
        Ok((event, line, column))
    }
    fn event_start(&self) -> usize {
        self.1
    }
}

fn read_events<'o>(
    text: &str,
    mut parser: impl Events,
    stand_ins: &[(char, char)],
    unique_keys: bool,
    first_only: bool,
    mut observe: Option<Observer<'_, 'o>>,
) -> Result<Option<Value>, Retry> {
    let mut anchors: HashMap<String, (Anchored, u64)> = HashMap::new();
    // go-yaml names a node when it starts: a later node with the same anchor takes the name
    // even if it ends first. Each naming gets a number; a collection keeps the name at its end
    // only if no node took it since.
    let mut namings: HashMap<String, u64> = HashMap::new();
    let mut naming = 0u64;
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Value> = None;
    let mut budget = ALIAS_BUDGET;
    // Whether the document may hold what Go's JSON writing refuses (checked at its end).
    let mut unwritable_seen = false;
    let mut ratio = AliasRatio {
        decoded: 0,
        aliased: 0,
    };
    loop {
        let (event, line, column) = parser.next_event().map_err(|e| {
            if e.problem == "found unexpected ':'" {
                return Retry::Colon(e.index);
            }
            if e.problem == "did not find expected whitespace or line break"
                && matches!(text.as_bytes().get(e.index), Some(b',' | b'[' | b']'))
            {
                return Retry::Tag(e.index);
            }
            Retry::Fail(ReadError {
                line: e.line + 1,
                column: e.column + 1,
                message: e.problem,
            })
        })?;
        if let Some(o) = observe.as_deref_mut() {
            o(Some(&event));
        }
        let err = |message: String| ReadError {
            line: line + 1,
            column: column + 1,
            message,
        };
        // The decode calls this node costs go-yaml (its `decodeCount`), and what came from an
        // alias (its `aliasCount`).
        let (done, cost): (Done, u64) = match event {
            // go-yaml's Unmarshal reads the first document and nothing after it — but its
            // scanner has read ahead (see `read_ahead_escape`).
            Event::DocumentEnd => {
                let end = parser.event_start();
                read_ahead_escape(text, end).map_err(err)?;
                if !first_only {
                    second_document(text, end, line, &mut parser)?;
                }
                break;
            }
            Event::StreamEnd => break,
            Event::StreamStart => continue,
            Event::DocumentStart => {
                ratio.step(1, 0).map_err(err)?;
                continue;
            }
            Event::SequenceStart {
                anchor,
                flow,
                start,
            } => {
                if let Some(at) = longer_go_tag(text, start) {
                    return Err(Retry::Tag(at));
                }
                if stack.len() >= crate::yaml::MAX_DEPTH {
                    return Err(err("nesting too deep".into()).into());
                }
                // go-yaml decodes a merged sequence's items, not the sequence itself.
                let merged = matches!(
                    stack.last(),
                    Some(Open::Map {
                        key: Some(Done::Scalar(_, true)),
                        ..
                    })
                );
                let own = u64::from(!merged);
                ratio.step(own, 0).map_err(err)?;
                let anchor = anchor.map(|a| {
                    // An alias inside the node itself is a cycle to go-yaml.
                    anchors.remove(&a);
                    naming += 1;
                    namings.insert(a.clone(), naming);
                    (a, naming)
                });
                stack.push(Open::Seq {
                    items: Vec::new(),
                    maps: Vec::new(),
                    anchor,
                    cost: own,
                    flow,
                });
                continue;
            }
            Event::MappingStart {
                anchor,
                flow,
                start,
            } => {
                if let Some(at) = longer_go_tag(text, start) {
                    return Err(Retry::Tag(at));
                }
                if stack.len() >= crate::yaml::MAX_DEPTH {
                    return Err(err("nesting too deep".into()).into());
                }
                ratio.step(1, 0).map_err(err)?;
                let anchor = anchor.map(|a| {
                    anchors.remove(&a);
                    naming += 1;
                    namings.insert(a.clone(), naming);
                    (a, naming)
                });
                stack.push(Open::Map {
                    map: Map::new(),
                    keys: Keys::default(),
                    key: None,
                    anchor,
                    cost: 1,
                    flow,
                });
                continue;
            }
            Event::SequenceEnd => {
                let Some(Open::Seq {
                    items,
                    maps,
                    anchor,
                    cost,
                    ..
                }) = stack.pop()
                else {
                    return Err(err("unbalanced sequence".into()).into());
                };
                if let Some((a, _)) = anchor.filter(|(a, n)| namings.get(a) == Some(n)) {
                    anchors.insert(a, (Anchored::Seq(Value::Array(items.clone())), cost));
                }
                (Done::Seq(items, maps), cost)
            }
            Event::MappingEnd => {
                let Some(Open::Map {
                    map,
                    keys,
                    anchor,
                    cost,
                    ..
                }) = stack.pop()
                else {
                    return Err(err("unbalanced mapping".into()).into());
                };
                if let Some((a, _)) = anchor.filter(|(a, n)| namings.get(a) == Some(n)) {
                    anchors.insert(
                        a,
                        (
                            Anchored::Map(Value::Object(map.clone()), keys.clone()),
                            cost,
                        ),
                    );
                }
                (Done::Map(map, keys), cost)
            }
            Event::Alias(anchor) => {
                let (target, cost) = anchors
                    .get(&anchor)
                    .ok_or_else(|| err(format!("unknown anchor '{anchor}' referenced")))?
                    .clone();
                let size = match &target {
                    Anchored::Scalar(_) => 1,
                    Anchored::Map(v, _) | Anchored::Seq(v) => count(v),
                };
                budget = budget
                    .checked_sub(size)
                    .ok_or_else(|| err("excessive aliasing".into()))?;
                ratio.step(1 + cost, cost).map_err(err)?;
                (Done::Alias(target), 1 + cost)
            }
            Event::Scalar {
                anchor,
                tag,
                mut value,
                plain_implicit,
                style,
                span,
            } => {
                let in_flow = matches!(
                    stack.last(),
                    Some(Open::Seq { flow: true, .. } | Open::Map { flow: true, .. })
                );
                if let Some(at) = longer_go_tag(text, span.0) {
                    return Err(Retry::Tag(at));
                }
                for &(c, original) in stand_ins {
                    if value.contains(c) {
                        value = value.replace(c, original.encode_utf8(&mut [0; 4]));
                    }
                }
                scanned_as_go_yaml(text, style, span, in_flow, &value).map_err(err)?;
                let merge = value == "<<"
                    && (plain_implicit || tag.as_deref() == Some(MERGE))
                    && matches!(stack.last(), Some(Open::Map { key: None, .. }));
                let scalar = decode_scalar(tag.as_deref(), value, plain_implicit).map_err(err)?;
                unwritable_seen |= matches!(scalar, Scalar::Float(f) if !f.is_finite());
                if let Some(a) = anchor {
                    naming += 1;
                    namings.insert(a.clone(), naming);
                    anchors.insert(a, (Anchored::Scalar(scalar.clone()), 1));
                }
                // The merge key itself is never decoded.
                let own = u64::from(!merge);
                ratio.step(own, 0).map_err(err)?;
                (Done::Scalar(scalar, merge), own)
            }
        };
        match stack.last_mut() {
            None => root = Some(done.into_value().map_err(err)?.0),
            Some(Open::Seq {
                items,
                maps,
                cost: c,
                ..
            }) => {
                *c += cost;
                let (v, keys) = done.into_value().map_err(err)?;
                if let Some(k) = keys.filter(|k| !k.ids.is_empty()) {
                    maps.resize_with(items.len(), || None);
                    maps.push(Some(k));
                }
                items.push(v);
            }
            Some(Open::Map {
                map,
                keys,
                key,
                cost: c,
                ..
            }) => match key.take() {
                None => {
                    *c += cost;
                    *key = Some(done);
                }
                Some(Done::Scalar(_, true)) => {
                    *c += cost;
                    unwritable_seen |= merge(map, keys, done, unique_keys).map_err(err)?
                }
                Some(k) => {
                    *c += cost;
                    unwritable_seen |= matches!(
                        k,
                        Done::Scalar(Scalar::Null | Scalar::UInt(_), _)
                            | Done::Alias(Anchored::Scalar(Scalar::Null | Scalar::UInt(_)))
                    );
                    let (name, id) = match k {
                        Done::Scalar(s, _) | Done::Alias(Anchored::Scalar(s)) => key_of(s),
                        _ => Err("invalid map key: a mapping or a sequence".to_string()),
                    }
                    .map_err(err)?;
                    let (v, _) = done.into_value().map_err(err)?;
                    unwritable_seen |=
                        set(map, keys, name, id, false, v, unique_keys).map_err(err)?;
                }
            },
        }
    }
    if let Some(message) = root
        .as_ref()
        .filter(|_| unwritable_seen)
        .and_then(unwritable)
    {
        return Err(Retry::Fail(ReadError {
            line: 0,
            column: 0,
            message,
        }));
    }
    Ok(root)
}

/// Refuses a document's text that goes on after its first YAML document ends (at `end`, on
/// 0-based `line`): Kubernetes would drop the rest without a word. Anything but comments,
/// blank lines and more `...` lines is such a rest — another document, or text go-yaml never
/// reads (a directive, a `]`); go-yaml v2's `Decoder` would find it, its `Unmarshal` does not
/// look. The error names the `...` line (or where the second document starts) and how many
/// lines would be dropped, never what they hold: it may be a Secret's.
fn second_document(
    text: &str,
    end: usize,
    line: usize,
    parser: &mut impl Events,
) -> Result<(), Retry> {
    let (at, column) = match parser.next_event() {
        Ok((Event::StreamEnd, ..)) => return Ok(()),
        Ok((_, l, c)) => (l, c),
        Err(e) => (e.line, e.column),
    };
    let lines = |from: usize| {
        let rest = text.get(from..).unwrap_or_default().trim_end_matches('\n');
        memchr::memchr_iter(b'\n', rest.as_bytes()).count() + 1
    };
    let rest_start =
        memchr::memchr(b'\n', &text.as_bytes()[end..]).map_or(text.len(), |i| end + i + 1);
    let message = if text.get(end..end + 3) == Some("...") {
        let dropped = lines(rest_start);
        ReadError {
            line: line + 1,
            column: 1,
            message: format!(
                "content after this `...` line: Kubernetes' YAML reader cuts documents only at `---`, and go-yaml reads the first document of what it is given, so the {dropped} line{} after it, to the end of this document, would be silently dropped (put `---` in place of `...` if they are another document)",
                if dropped == 1 { "" } else { "s" }
            ),
        }
    } else {
        ReadError {
            line: at + 1,
            column: column + 1,
            message: "a second YAML document starts here, after a line break Kubernetes' YAML reader does not cut at (a lone CR, NEL, U+2028 or U+2029): Kubernetes reads only the first document, and would silently drop the rest".into(),
        }
    };
    Err(Retry::Fail(message))
}

/// `<<` in go-yaml v2: the merged mapping is decoded into the current one, its keys
/// overwriting; in a list of mappings the earlier one wins, so they are applied last to first.
fn merge(
    map: &mut Map<String, Value>,
    keys: &mut Keys,
    from: Done,
    unique_keys: bool,
) -> Result<bool, String> {
    const WANT_MAP: &str = "map merge requires map or sequence of maps as the value";
    let sources: Vec<(Map<String, Value>, Keys)> = match from {
        Done::Map(m, k) => vec![(m, k)],
        Done::Alias(Anchored::Map(Value::Object(m), k)) => vec![(m, k)],
        Done::Seq(items, maps) => {
            let mut maps = maps.into_iter();
            let mut sources = Vec::with_capacity(items.len());
            for item in items {
                let k = maps.next().flatten().unwrap_or_default();
                match item {
                    Value::Object(m) => sources.push((m, k)),
                    _ => return Err(WANT_MAP.into()),
                }
            }
            sources.reverse();
            sources
        }
        _ => return Err(WANT_MAP.into()),
    };
    let mut poisoned = false;
    for (source, source_keys) in sources {
        for (name, v) in source {
            poisoned |= name.starts_with(BAD_KEY);
            let id = source_keys.ids.get(&name).map_or(KeyId::Str, |&(id, _)| id);
            poisoned |= set(map, keys, name, id, true, v, unique_keys)?;
        }
    }
    Ok(poisoned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(text: &str) -> Value {
        read(text).unwrap().unwrap()
    }

    #[test]
    fn yaml11_scalars() {
        let v = r("a: yes\nb: 'yes'\nc: 0x1F\nd: 1_000\ne: 0b101\nf: 017\ng: inf\nh: 2001-12-14\ni: 1e3\nj: ~\nk: 08\nl: 12345678901234567890\nm: -0o7\np: Off\nn: 1\n");
        assert_eq!(
            v,
            json!({"a": true, "b": "yes", "c": 31, "d": 1000, "e": 5, "f": 15, "g": "inf",
                   // whole floats reach the API server as Go's JSON writes them: no dot
                   "h": "2001-12-14", "i": 1000, "j": null, "k": 8,
                   "l": 12345678901234567890u64, "m": -7, "p": false, "false": 1})
        );
    }

    #[test]
    fn last_duplicate_key_wins() {
        assert_eq!(r("a: 1\nb: 2\na: 3\n"), json!({"a": 3, "b": 2}));
    }

    #[test]
    fn lone_cr_and_nel_are_line_breaks() {
        assert_eq!(r("a: 1\r# c\rb: 2\n"), json!({"a": 1, "b": 2}));
        assert_eq!(r("a: 1\n# c\u{85}b: 2\n"), json!({"a": 1, "b": 2}));
        assert_eq!(r("a: 1\n# c\u{2028}b: 2\n"), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn aliases_and_merges_in_go_yaml_v2_order() {
        let v = r("base: &b {x: 1, w: 1}\nbefore: {x: 2, <<: *b}\nafter: {<<: *b, x: 2}\nlist: {<<: [{z: 1}, {z: 2}]}\n");
        assert_eq!(v["before"], json!({"x": 1, "w": 1}));
        assert_eq!(v["after"], json!({"x": 2, "w": 1}));
        assert_eq!(v["list"], json!({"z": 1}));
        assert_eq!(r("a: &s [1]\nb: *s\n")["b"], json!([1]));
    }

    #[test]
    fn refusals() {
        assert!(read("a: .inf\n").is_err(), "JSON has no infinity");
        assert!(read("a: {1: x, '1': y}\n").is_err(), "ambiguous keys");
        assert!(read("1: a\n'1': b\n").is_err(), "ambiguous keys");
        assert!(read("? [a]\n: b\n").is_err());
        // go-yaml reads the first document of its text, nothing after it: Kubernetes would
        // drop the rest, so a document's text that goes on is refused; a values file is read
        // as Helm reads it.
        assert_eq!(
            read_first("a: 1\n---\nb: 2\n").unwrap(),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            read_first("a: 1\n...\n]]]\n").unwrap(),
            Some(json!({"a": 1}))
        );
        for (text, line) in [
            ("a: 1\n...\n]]]\n", 2),
            ("a: 1\n...\nb: 2\n", 2),
            ("a: 1\n... # c\n\nb: 2\n", 2),
            ("a: 1\n...\n%YAML 1.1\n", 2),
            ("a: 1\r---\rb: 2\n", 2),
        ] {
            let e = read(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}");
            assert!(e.message.contains("drop"), "{text:?}: {e}");
            assert_eq!(readable(text), Err(e), "{text:?}");
        }
        let e = read("a: 1\n...\nb: 2\nc: 3\n").unwrap_err();
        assert!(e.message.contains("the 2 lines after it"), "{e}");
        for text in ["a: 1\n...\n", "a: 1\n...\n# c\n\n...\n", "a: 1\n... # c\n"] {
            assert_eq!(r(text), json!({"a": 1}), "{text:?}");
        }
        assert!(
            read("a: 1\n--- x\n").is_err(),
            "Kubernetes' reader refuses the stream"
        );
        assert!(read("a: !!int x\n").is_err());
        for (text, line) in [
            ("--- x\n", 1),
            ("a: 1\nb: ---x\n---x\n", 3),
            ("a: |\n ---\n---  y\n", 3),
        ] {
            assert_eq!(read(text).unwrap_err().line, line, "{text:?}");
        }
        assert!(read_first("a: 1\n--- # c\n---\t\n").is_ok());
        assert!(read("<<: 1\n").is_err());
        let bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
        assert!(read(bomb).is_err());
    }

    #[test]
    fn key_types_through_merges() {
        let base = "a: &a {1: v0}\n";
        // Go's map keeps the integer key 1 and the text key "1" apart: which one JSON gets
        // depends on Go's map order, so the document is refused, whichever comes first.
        assert!(read(&format!("{base}b: {{<<: *a, '1': v1}}\n")).is_err());
        assert!(read(&format!("{base}b: {{'1': v1, <<: *a}}\n")).is_err());
        assert!(read("b: {true: 1, 'true': 2}\n").is_err());
        // The same Go key: the later value wins, a merge overwriting what came before it.
        assert_eq!(
            r(&format!("{base}b: {{1: v1, <<: *a}}\n"))["b"],
            json!({"1": "v0"})
        );
        assert_eq!(r("b: {1: 1, 0x1: 2}\n")["b"], json!({"1": 2}));
        assert_eq!(r("b: {'x': 1, x: 2}\n")["b"], json!({"x": 2}));
        // What is overwritten never reaches JSON.
        assert_eq!(
            r("a: {1: x, '1': y}\na: 2\nb: .inf\nb: 3\n"),
            json!({"a": 2, "b": 3})
        );
        assert!(read_own_output("b: {'x': 1, x: 2}\n").is_err());
        assert!(read_own_output(&format!("{base}b: {{<<: *a, 2: v1}}\n")).is_ok());
        assert!(read_own_output("b: {1: 1, 2: 2, 1: 3}\n").is_err());
    }

    #[test]
    fn keys_as_sigs_k8s_io_yaml_writes_them() {
        assert_eq!(
            r("1e3: a\n3.14159265358979: b\n1e6: c\n.inf: d\n1.5e-7: e\ntrue: f\n-0.0: g\n"),
            json!({"1000": "a", "3.1415927": "b", "1e+06": "c", ".inf": "d", "1.5e-07": "e",
                   "true": "f", "-0": "g"})
        );
        assert!(read("~: a\n").is_err());
        assert!(read("18446744073709551615: a\n").is_err());
    }

    #[test]
    fn floats_as_go_reads_and_writes_them() {
        assert_eq!(
            r("a: 123e4567\nb: 1e-400\nc: .1_5\nd: 1e20\ne: 18446744073709551616\nf: 0b-101\ng: 1e21\n"),
            json!({"a": "123e4567", "b": 0, "c": 0.15, "d": 1e20,
                   "e": 1.8446744073709552e19, "f": -5, "g": 1e21})
        );
    }

    #[test]
    fn scanner_differences_follow_go_yaml() {
        assert_eq!(r("a: {c:, d: 1}\n"), json!({"a": {"c:": null, "d": 1}}));
        assert_eq!(r("[!x, OFF, +494]\n"), json!(["OFF", 494]));
        assert_eq!(r("a: !x,y z\n"), json!({"a": "z"}));
        assert!(read("a: [a?b]\n").is_err());
        assert_eq!(r("a: a?b\n"), json!({"a": "a?b"}));
        assert!(read("a: \"\\/\"\n").is_err());
        // go-yaml's scanner reads the token after a document to end it, and more while that
        // token could be a key: a `\/` there refuses the document; not after `...`, nor in
        // other text.
        assert!(read("[a]\n\"\\/\"\n").is_err());
        assert!(read("{a: b}\n\"x\" \"\\/\"\n").is_err());
        assert!(read_first("[a]\n...\n\"\\/\"\n").is_ok());
        assert!(read_first("'a'\n\"x\": \"\\/\"\n").is_ok());
        // Those go on after their first document, which Kubernetes would drop.
        assert!(read("[a]\n...\n\"\\/\"\n").is_err());
        assert!(read_first("[a]\n\"\\\\/\"\n").is_ok());
        assert_eq!(r("a:\tb\n"), json!({"a": "b"}));
    }

    /// A text in kube::plain's subset is read from its events, not libyaml's: the reading's
    /// observer (the read-back check) sees one reading, of libyaml's very events.
    #[test]
    fn plain_texts_are_observed_as_libyaml_reads_them() {
        for text in [
            "---\n# Source: x\na: 1\nb:\n- c\n- d: |\n    e\n  f: [g, 'h']\n",
            "a:\n  b: >-\n    c\n    d\n  e: {f: \"g\"}\n",
        ] {
            assert!(crate::kube::plain::check(text), "{text:?}");
            let mut seen: Vec<Option<Event>> = Vec::new();
            read_own_output_observed(text, &mut |e| seen.push(e.cloned())).unwrap();
            let mut want = vec![None];
            let mut parser = Parser::new(text);
            loop {
                let (e, _, _) = parser.next_event().unwrap();
                let last = e == Event::DocumentEnd;
                want.push(Some(e));
                if last {
                    break;
                }
            }
            assert_eq!(seen, want, "{text:?}");
        }
    }

    /// What `readable` passes untouched without reading it (plain block YAML) holds nothing
    /// `read` refuses: NaN and infinities, keys that are not text, are left to `read`.
    #[test]
    fn readable_is_read_on_plain_texts() {
        for text in [
            "a: .inf\n",
            "a: -.Inf\n",
            "a: [1, .NaN]\n",
            "~: v\n",
            "null: v\n",
            "a:\n  b: {NULL: 1}\n",
            "18446744073709551615: v\n",
            "<<: 1\n",
            "1: a\n'1': b\n",
            "true: a\n'true': b\n",
        ] {
            assert!(!crate::kube::plain::check(text), "{text:?}");
            assert!(read(text).is_err(), "{text:?}");
            assert_eq!(readable(text), read(text).map(drop), "{text:?}");
        }
        for text in [
            "a: inf\n",
            "a: '.inf'\n",
            "'~': v\n",
            "x~: 1\n",
            "a: 1\na: .inf\na: 2\n",
        ] {
            assert!(readable(text).is_ok(), "{text:?}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(
            r("a: !!str 1\nb: !!int '2'\nc: !custom 3\nd: !!binary aGk=\n"),
            json!({"a": "1", "b": 2, "c": "3", "d": "hi"})
        );
    }
}
