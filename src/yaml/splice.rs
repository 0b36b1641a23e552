//! Writing a corrected document as its original text with only the changed parts rewritten.
//!
//! [`emit`](super::emit) writes a whole tree anew: comments inside the document are lost,
//! folded (`>`) blocks come out as literal (`|`) ones, a chart's odd indentation is made
//! regular. [`splice`] instead compares the corrected tree with the tree as parsed and edits
//! the source text: an untouched node keeps its bytes; a changed scalar on one line is
//! replaced where it stands; a mapping entry or sequence item that was added, removed or
//! cannot be edited in place is written (by the emitter, at the indentation it stands at) over
//! exactly the lines it occupied. Where that is not possible (flow collections, anchors or
//! tags on an edited node, a block scalar to replace in place…) the edit moves up to the
//! enclosing entry or item; at the top it gives up, and the caller emits the whole document.
//!
//! The result must read back as exactly the corrected tree (values, tags, plain or quoted,
//! structure): otherwise the caller emits. [`splice`] reads it back with the tool's parser;
//! the render instead hands [`splice_text`]'s text to the one reading of it the proof makes
//! (as Kubernetes reads it), whose parser events [`ReadsAs`] follows against the tree, and asks
//! the tool's parser ([`reads_back`]) only where those events cannot settle it.
//!
//! Block YAML makes the line ranges exact: every line of a block mapping entry whose key
//! starts a line at column `k` — its value, continuation lines, block scalar content — is
//! indented deeper than `k`, except a sequence written at the key's own column (`key:\n- a`);
//! a sequence item at column `d` likewise owns the deeper lines after its `-`. Blank and
//! comment lines after the last owned line are left where they are.

use super::emit::{Ctx, Emitter, Layout};
use super::node::Node;
use super::parse::parse;
use super::scalar::{scalar_text, single_quoted, Place, Style};

/// The source text of `old` with the edits that make it `new`; `None` when the edit cannot
/// be made (or would not read back as `new`): the caller then emits the document anew.
pub fn splice(text: &str, old: &Node, new: &Node, layout: Layout) -> Option<String> {
    splice_text(text, old, new, layout).filter(|out| reads_back(out, new))
}

/// Whether `out` (a spliced text), read by the tool's parser, holds exactly `new`.
pub fn reads_back(out: &str, new: &Node) -> bool {
    matches!(parse(out), Ok(Some(back)) if reads_as(&back, new))
}

/// [`splice`]'s edits, not read back: the caller must check the text reads as `new`
/// ([`ReadsAs`], else [`reads_back`]) before it writes it.
pub fn splice_text(text: &str, old: &Node, new: &Node, layout: Layout) -> Option<String> {
    // Lines are counted at `\n`; the parser also ends one at a lone `\r`.
    let bytes = text.as_bytes();
    if memchr::memchr_iter(b'\r', bytes).any(|i| bytes.get(i + 1) != Some(&b'\n')) {
        return None;
    }
    let src = Source::new(text);
    let mut edits = Vec::new();
    let mut s = Splicer {
        src: &src,
        layout,
        edits: &mut edits,
        nl: if text.contains("\r\n") { "\r\n" } else { "\n" },
    };
    if !s.node(old, new) {
        return None;
    }
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = String::with_capacity(text.len() + 512);
    let mut at = 0;
    for (start, end, with) in edits {
        if start < at {
            return None; // overlapping edits: a bug to fall back from, never to write
        }
        out.push_str(&text[at..start]);
        out.push_str(&with);
        at = end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

/// One parser event of a reading of a spliced text, as [`ReadsAs`] follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen<'e> {
    /// A scalar without anchor or tag: its value (after escapes and folding), and whether it
    /// was written plain.
    Scalar {
        /// The value.
        value: &'e str,
        /// Written plain.
        plain: bool,
    },
    /// A sequence without anchor or tag starts.
    SeqStart,
    /// A sequence ends.
    SeqEnd,
    /// A mapping without anchor or tag starts.
    MapStart,
    /// A mapping ends.
    MapEnd,
    /// The stream or document starts or ends: nothing to compare.
    Document,
    /// Anything else (an alias, an anchor, a tag): [`ReadsAs`] does not follow anchors and
    /// tags, so the reading is not sure to be the tree.
    Other,
}

/// Follows a reader's events of a spliced text against the corrected tree, one node at a
/// time, and says whether they were exactly that tree as [`reads_back`] compares it: each
/// scalar's value, and its plainness unless the tool made it (the emitter writes a made scalar
/// plain only where that reads as a string); the same items and entries in the same order;
/// and no anchor, alias or tag on either side (where there is one, the events are not
/// enough: the caller asks [`reads_back`]).
pub struct ReadsAs<'n> {
    /// The tree's root, until its first event.
    root: Option<&'n Node>,
    /// The collections open, each with what it still holds.
    open: Vec<Open<'n>>,
    /// No event so far contradicted the tree.
    same: bool,
}

enum Open<'n> {
    Seq(std::slice::Iter<'n, Node>),
    Map {
        entries: std::slice::Iter<'n, (Node, Node)>,
        /// The value of the entry whose key was just seen.
        value: Option<&'n Node>,
    },
}

impl<'n> ReadsAs<'n> {
    /// A check of a reading against `new`.
    pub fn new(new: &'n Node) -> Self {
        ReadsAs {
            root: Some(new),
            open: Vec::new(),
            same: true,
        }
    }

    /// The node of the tree the next node event must be.
    fn next_node(&mut self) -> Option<&'n Node> {
        match self.open.last_mut() {
            None => self.root.take(),
            Some(Open::Seq(items)) => items.next(),
            Some(Open::Map { entries, value }) => value.take().or_else(|| {
                let (k, v) = entries.next()?;
                *value = Some(v);
                Some(k)
            }),
        }
    }

    /// Takes the next event of the reading.
    pub fn see(&mut self, seen: Seen<'_>) {
        if !self.same {
            return;
        }
        self.same = match seen {
            Seen::Document => true,
            Seen::Other => false,
            Seen::Scalar { value, plain } => match self.next_node() {
                Some(
                    n @ Node::Scalar {
                        value: want,
                        style,
                        line,
                        ..
                    },
                ) => {
                    n.props() == (None, 0)
                        && want == value
                        && (*line == 0 || (*style == Style::Plain) == plain)
                }
                _ => false,
            },
            Seen::SeqStart => match self.next_node() {
                Some(n @ Node::Seq { items, .. }) if n.props() == (None, 0) => {
                    self.open.push(Open::Seq(items.iter()));
                    true
                }
                _ => false,
            },
            Seen::MapStart => match self.next_node() {
                Some(n @ Node::Map { entries, .. }) if n.props() == (None, 0) => {
                    self.open.push(Open::Map {
                        entries: entries.iter(),
                        value: None,
                    });
                    true
                }
                _ => false,
            },
            Seen::SeqEnd => {
                matches!(self.open.pop(), Some(Open::Seq(items)) if items.len() == 0)
            }
            Seen::MapEnd => matches!(
                self.open.pop(),
                Some(Open::Map { entries, value: None }) if entries.len() == 0
            ),
        };
    }

    /// Whether the events seen were exactly the tree, root to end.
    pub fn same(&self) -> bool {
        self.same && self.root.is_none() && self.open.is_empty()
    }
}

/// Line starts of a text, for turning a parser position (line, column in characters) into a
/// byte offset.
struct Source<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Source { text, starts }
    }

    /// Byte offset of 1-based `line`, 0-based character `col`.
    fn offset(&self, line: usize, col: usize) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        let by = rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i);
        let at = start + by;
        // The column must lie on that line.
        (!self.text[start..at].contains('\n')).then_some(at)
    }

    fn line_start(&self, offset: usize) -> usize {
        self.text[..offset].rfind('\n').map_or(0, |i| i + 1)
    }

    fn line_end(&self, offset: usize) -> usize {
        memchr::memchr(b'\n', &self.text.as_bytes()[offset..])
            .map_or(self.text.len(), |i| offset + i + 1)
    }

    /// The end of the lines a node starting at `first` (on its line, after whatever precedes it
    /// there) owns: the following lines indented deeper than `indent` — and, with
    /// `own_dash`, lines at `indent` starting with `-` (a sequence written at its key's column)
    /// — up to the last such line; blank and comment lines count only between owned lines.
    fn owned_end(&self, first: usize, indent: usize, own_dash: bool) -> usize {
        let mut end = self.line_end(first);
        let mut at = end;
        while at < self.text.len() {
            let next = self.line_end(at);
            let line = self.text[at..next].trim_end_matches(['\n', '\r']);
            let content = line.trim_start_matches(' ');
            let depth = line.len() - content.len();
            if content.trim().is_empty() || content.starts_with('#') {
                // Pending: owned only if an owned line follows.
            } else if depth > indent
                || own_dash && depth == indent && (content == "-" || content.starts_with("- "))
            {
                end = next;
            } else {
                break;
            }
            at = next;
        }
        end
    }
}

/// Where an entry or item starts, and whether it starts its line.
#[derive(Clone, Copy)]
struct Unit {
    start: usize,
    /// Where its first character (the key, or the item's `-`) is.
    first: usize,
    /// Column of its first character.
    indent: usize,
    /// Something else precedes it on its first line (`- ` of the item a mapping is in).
    inline: bool,
    /// A sequence written at its key's column belongs to it.
    own_dash: bool,
}

impl Unit {
    /// The end of its lines ([`Source::owned_end`]): found only for the units an edit needs,
    /// since it reads every line the unit holds.
    fn end(&self, src: &Source) -> usize {
        src.owned_end(self.first, self.indent, self.own_dash)
    }
}

struct Splicer<'s, 'a> {
    src: &'s Source<'a>,
    layout: Layout,
    edits: &'s mut Vec<(usize, usize, String)>,
    nl: &'static str,
}

impl Splicer<'_, '_> {
    fn edit(&mut self, start: usize, end: usize, text: String) {
        let text = if self.nl == "\n" {
            text
        } else {
            text.replace('\n', self.nl)
        };
        self.edits.push((start, end, text));
    }

    /// Edits `old`'s text into `new`'s in place; `false` when that cannot be done here (the
    /// caller rewrites the enclosing entry or item, or gives up).
    fn node(&mut self, old: &Node, new: &Node) -> bool {
        // Read the same (an entry the tool wrote anew as it was): the source text stays. (Equal
        // trees are the same: one walk, not an equality test first and then this.)
        if same(old, new) {
            return true;
        }
        if old.props() != (None, 0) || new.props() != old.props() {
            return false;
        }
        let mark = self.edits.len();
        let done = match (old, new) {
            (Node::Scalar { .. }, Node::Scalar { .. }) => self.scalar(old, new),
            (Node::Map { flow: false, .. }, Node::Map { .. }) => self.map(old, new),
            (Node::Seq { flow: false, .. }, Node::Seq { .. }) => self.seq(old, new),
            _ => false,
        };
        if !done {
            // Whatever was edited inside is rewritten with the enclosing entry or item.
            self.edits.truncate(mark);
        }
        done
    }

    /// A scalar on one line, replaced where it stands by one on one line.
    fn scalar(&mut self, old: &Node, new: &Node) -> bool {
        let (
            Node::Scalar {
                value,
                style,
                line,
                col,
                ..
            },
            Node::Scalar {
                value: new_value,
                style: new_style,
                line: new_line,
                ..
            },
        ) = (old, new)
        else {
            return false;
        };
        if value.is_empty() || value.contains('\n') {
            return false;
        }
        let Some(start) = self.src.offset(*line, *col) else {
            return false;
        };
        let text = &self.src.text[start..];
        let len = match style {
            Style::Plain => text.starts_with(value.as_str()).then_some(value.len()),
            Style::Single => {
                let written = single_quoted(value);
                text.starts_with(&written).then_some(written.len())
            }
            Style::Double => double_quoted_len(text),
            Style::Block => None,
        };
        let Some(len) = len else {
            return false;
        };
        let with = scalar_text(new_value, *new_style, *new_line != 0, Place::Block, 0);
        if with.contains('\n') {
            return false;
        }
        self.edit(start, start + len, with);
        true
    }

    /// The lines of a block mapping's entry at `i`.
    fn entry_unit(&self, key: &Node, value: &Node) -> Option<Unit> {
        let Node::Scalar { line, col, .. } = key else {
            return None;
        };
        if *line == 0 || key.props() != (None, 0) {
            return None;
        }
        let start = self.src.offset(*line, *col)?;
        let inline = prefix_kind(&self.src.text[self.src.line_start(start)..start])?;
        // A sequence written at its key's column belongs to the entry.
        let own_dash = matches!(value, Node::Seq { flow: false, .. });
        Some(Unit {
            start: if inline {
                start
            } else {
                self.src.line_start(start)
            },
            first: start,
            indent: *col,
            inline,
            own_dash,
        })
    }

    fn map(&mut self, old: &Node, new: &Node) -> bool {
        let (Node::Map { entries: olds, .. }, Node::Map { entries: news, .. }) = (old, new) else {
            return false;
        };
        if news.is_empty() {
            return false; // `{}`, written with the entry
        }
        let Some(units) = olds
            .iter()
            .map(|(k, v)| self.entry_unit(k, v))
            .collect::<Option<Vec<Unit>>>()
        else {
            return false;
        };
        let Some(first) = units.first().copied() else {
            return false;
        };
        let src = self.src;
        let mut used = vec![false; olds.len()];
        let mut last: Option<usize> = None;
        // Where the next new entry goes: after the last entry kept so far (its unit, and its
        // end once found).
        let mut cursor: Option<(usize, Option<usize>)> = None;
        for (key, value) in news {
            let from = last.map_or(0, |l| l + 1);
            // The same key, or one the tool wrote anew with the same text.
            match (from..olds.len()).find(|&i| same(&olds[i].0, key)) {
                Some(i) => {
                    last = Some(i);
                    used[i] = true;
                    let u = units[i];
                    let mut end = None;
                    if !self.node(&olds[i].1, value) {
                        let text = self.entry_text(key, value, u.indent, u.inline);
                        let e = *end.insert(u.end(src));
                        self.edit(u.start, e, text);
                    }
                    cursor = Some((i, end));
                }
                None => {
                    let at = match &mut cursor {
                        Some((i, end)) => *end.get_or_insert_with(|| units[*i].end(src)),
                        // Before the first entry: only where that one starts its line.
                        None if !first.inline => first.start,
                        None => return false,
                    };
                    let mut text = String::new();
                    if at > 0 && !self.src.text[..at].ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&self.entry_text(key, value, first.indent, false));
                    self.edit(at, at, text);
                }
            }
        }
        for (i, u) in units.iter().enumerate() {
            if !used[i] {
                if u.inline {
                    return false; // the lines after it would lose their place
                }
                self.edit(u.start, u.end(src), String::new());
            }
        }
        true
    }

    /// The lines of a block sequence's item: from its `-`, which must start its line.
    fn item_unit(&self, item: &Node) -> Option<Unit> {
        let content = self.first_offset(item)?;
        let before = self.src.text[..content].trim_end_matches([' ', '\n', '\r']);
        if !before.ends_with('-') {
            return None;
        }
        let dash = before.len() - 1;
        let line_start = self.src.line_start(dash);
        let prefix = &self.src.text[line_start..dash];
        if !prefix.chars().all(|c| c == ' ') {
            return None;
        }
        Some(Unit {
            start: line_start,
            first: dash,
            indent: prefix.len(),
            inline: false,
            own_dash: false,
        })
    }

    /// Byte offset of a node's first character (its first key, its first item's `-`), for a
    /// parsed block node without properties.
    fn first_offset(&self, node: &Node) -> Option<usize> {
        if node.props() != (None, 0) {
            return None;
        }
        match node {
            Node::Scalar { line, col, .. } if *line != 0 => self.src.offset(*line, *col),
            Node::Map {
                entries,
                flow: false,
                ..
            } => self.first_offset(&entries.first()?.0),
            Node::Seq {
                items, flow: false, ..
            } => {
                let content = self.first_offset(items.first()?)?;
                let before = self.src.text[..content].trim_end_matches([' ', '\n', '\r']);
                before.ends_with('-').then(|| before.len() - 1)
            }
            // A flow collection starts at its bracket, before its first child.
            Node::Map { entries, .. } => self.bracket(self.first_offset(&entries.first()?.0)?),
            Node::Seq { items, .. } => self.bracket(self.first_offset(items.first()?)?),
            _ => None,
        }
    }

    /// The `{` or `[` that opens a flow collection whose first child starts at `child`.
    fn bracket(&self, child: usize) -> Option<usize> {
        let before = self.src.text[..child].trim_end_matches([' ', '\n', '\r']);
        before.ends_with(['{', '[']).then(|| before.len() - 1)
    }

    fn seq(&mut self, old: &Node, new: &Node) -> bool {
        let (Node::Seq { items: olds, .. }, Node::Seq { items: news, .. }) = (old, new) else {
            return false;
        };
        if news.is_empty() {
            return false; // `[]`, written with the entry
        }
        let Some(units) = olds
            .iter()
            .map(|i| self.item_unit(i))
            .collect::<Option<Vec<Unit>>>()
        else {
            return false;
        };
        let Some(first) = units.first().copied() else {
            return false;
        };
        let starts: Vec<Option<usize>> = olds.iter().map(|i| self.first_offset(i)).collect();
        let src = self.src;
        let mut used = vec![false; olds.len()];
        let mut last: Option<usize> = None;
        // Where the next new item goes: before the first item, or after the last item kept so
        // far (its unit, and its end once found).
        let mut cursor: Option<(usize, Option<usize>)> = None;
        for item in news {
            // The same item, or one edited in place (it starts where an old one started).
            let start = self.first_offset(item);
            let from = last.map_or(0, |l| l + 1);
            // The same item, one edited in place (it starts where an old one started), or an
            // entry the tool wrote anew for the same name (its first entry is the old one's).
            let found = (from..olds.len()).find(|&i| {
                olds[i] == *item
                    || match start {
                        Some(_) => starts[i] == start,
                        None => first_entry_same(&olds[i], item),
                    }
            });
            match found {
                Some(i) => {
                    last = Some(i);
                    used[i] = true;
                    let u = units[i];
                    let mut end = None;
                    if !self.node(&olds[i], item) {
                        let text = self.item_text(item, u.indent);
                        let e = *end.insert(u.end(src));
                        self.edit(u.start, e, text);
                    }
                    cursor = Some((i, end));
                }
                None => {
                    let at = match &mut cursor {
                        Some((i, end)) => *end.get_or_insert_with(|| units[*i].end(src)),
                        None => first.start,
                    };
                    let mut text = String::new();
                    if at > 0 && !self.src.text[..at].ends_with('\n') {
                        text.push('\n');
                    }
                    text.push_str(&self.item_text(item, first.indent));
                    self.edit(at, at, text);
                }
            }
        }
        for (i, u) in units.iter().enumerate() {
            if !used[i] {
                self.edit(u.start, u.end(src), String::new());
            }
        }
        true
    }

    /// A mapping entry as the emitter writes it, with its key at column `indent` (the first
    /// line unpadded when `inline`).
    fn entry_text(&self, key: &Node, value: &Node, indent: usize, inline: bool) -> String {
        let mut out = String::new();
        let mut e = Emitter {
            out: &mut out,
            layout: self.layout,
            seq_indented: None,
        };
        if !inline {
            e.pad(indent);
        }
        e.entry(key, value, indent);
        out
    }

    /// A sequence item as the emitter writes it, its `-` at column `indent`.
    fn item_text(&self, item: &Node, indent: usize) -> String {
        let mut out = String::new();
        let mut e = Emitter {
            out: &mut out,
            layout: self.layout,
            seq_indented: None,
        };
        e.pad(indent);
        e.out.push('-');
        e.node(item, indent + 2, Ctx::SeqItem);
        out
    }
}

/// What precedes a key on its line: `Some(false)` only spaces (the entry starts its line),
/// `Some(true)` the `- ` of one or more sequence items, `None` anything else (`? `, `--- `).
fn prefix_kind(prefix: &str) -> Option<bool> {
    let mut rest = prefix.trim_start_matches(' ');
    if rest.is_empty() {
        return Some(false);
    }
    while !rest.is_empty() {
        rest = rest.strip_prefix('-')?;
        let after = rest.trim_start_matches(' ');
        if after.len() == rest.len() {
            return None;
        }
        rest = after;
    }
    Some(true)
}

/// Length of a double-quoted scalar on one line starting at `text`'s first byte.
fn double_quoted_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => return Some(i + 1),
            '\n' | '\r' => return None,
            _ => {}
        }
    }
    None
}

/// Whether two mappings start with the same entry (an env entry's `name`).
fn first_entry_same(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::Map { entries: ea, .. }, Node::Map { entries: eb, .. }) => {
            match (ea.first(), eb.first()) {
                (Some((ka, va)), Some((kb, vb))) => same(ka, kb) && same(va, vb),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether the spliced text, read back, is the corrected tree: [`same`], except that a scalar
/// the tool made may come back quoted where the emitter had to quote it (in a flow collection);
/// the emitter writes a made scalar plain only where that reads as a string.
fn reads_as(back: &Node, new: &Node) -> bool {
    compare(back, new, true)
}

/// Whether two trees hold the same YAML: scalars with the same value, tag and plainness (the
/// YAML 1.1 type of a plain scalar depends on its text), collections with the same children,
/// the same anchors and aliases. Positions and block-versus-flow are not compared.
fn same(a: &Node, b: &Node) -> bool {
    compare(a, b, false)
}

fn compare(a: &Node, b: &Node, made_any_style: bool) -> bool {
    let same = |a: &Node, b: &Node| compare(a, b, made_any_style);
    if a.props() != b.props() {
        return false;
    }
    match (a, b) {
        (
            Node::Scalar {
                value: va,
                style: sa,
                ..
            },
            Node::Scalar {
                value: vb,
                style: sb,
                line: lb,
                ..
            },
        ) => {
            va == vb
                && (made_any_style && *lb == 0 || (*sa == Style::Plain) == (*sb == Style::Plain))
        }
        (Node::Seq { items: ia, .. }, Node::Seq { items: ib, .. }) => {
            ia.len() == ib.len() && ia.iter().zip(ib).all(|(x, y)| same(x, y))
        }
        (Node::Map { entries: ea, .. }, Node::Map { entries: eb, .. }) => {
            ea.len() == eb.len()
                && ea
                    .iter()
                    .zip(eb)
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (Node::Alias(x), Node::Alias(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `text`, applies `change` to a copy of the tree, splices.
    fn edited(text: &str, change: impl FnOnce(&mut Node)) -> (Option<String>, Node) {
        let old = crate::yaml::parse(text).unwrap().unwrap();
        let mut new = old.clone();
        change(&mut new);
        (splice(text, &old, &new, Layout::detect(text)), new)
    }

    fn env(root: &mut Node) -> &mut Vec<Node> {
        let spec = root.get_mut("spec").unwrap();
        let Some(Node::Seq { items, .. }) = spec.get_mut("containers") else {
            panic!("containers")
        };
        match items[0].get_mut("env") {
            Some(Node::Seq { items, .. }) => items,
            _ => panic!("env"),
        }
    }

    fn entry(name: &str, value: &str) -> Node {
        Node::map(vec![
            ("name", Node::plain(name)),
            ("value", Node::string(value)),
        ])
    }

    const CHART: &str = "\
# Source: c/templates/api.yaml
kind: Deployment
metadata:
   name: api        # odd indentation and a comment
   labels: { app: \"c\", tier: 'api' }
   annotations: {}
spec:
   note: >
     folded
     text
   containers:
   -   name: api
       args: [run]
       env:
       # the chart's own
       - name: A
         value: \"on\"
       - {name: B, value: 'x'}
       - name: C
         value: old   # wrong
       resources: {}
       command:
         - |
           echo start
";

    #[test]
    fn untouched_nodes_keep_their_text() {
        let (out, _) = edited(CHART, |root| {
            let env = env(root);
            env[2].set("value", Node::string("new"));
            env.push(entry("D", "d"));
        });
        assert_eq!(
            out.unwrap(),
            CHART.replace(
                "value: old   # wrong\n",
                "value: 'new'   # wrong\n       - name: D\n         value: 'd'\n"
            )
        );
    }

    #[test]
    fn an_entry_written_anew_keeps_the_lines_that_read_the_same() {
        // The tool replaces a corrected entry by a new node; its `name` line stays.
        let (out, _) = edited(CHART, |root| {
            let env = env(root);
            env[2] = entry("C", "new");
        });
        assert_eq!(
            out.unwrap(),
            CHART.replace("value: old   # wrong", "value: 'new'   # wrong")
        );
    }

    #[test]
    fn removed_items_and_entries_take_exactly_their_lines() {
        let (out, _) = edited(CHART, |root| {
            env(root).remove(0);
            let spec = root.get_mut("spec").unwrap();
            let Some(Node::Seq { items, .. }) = spec.get_mut("containers") else {
                panic!()
            };
            let Node::Map { entries, .. } = &mut items[0] else {
                panic!()
            };
            entries.retain(|(k, _)| k.as_str() != Some("resources"));
        });
        assert_eq!(
            out.unwrap(),
            CHART
                .replace("       - name: A\n         value: \"on\"\n", "")
                .replace("       resources: {}\n", "")
        );
    }

    #[test]
    fn a_new_env_list_goes_after_the_last_entry_and_a_flow_one_is_rewritten() {
        let text = "spec:\n  containers:\n  - name: api\n    image: x # pinned\n  - name: side\n";
        let (out, _) = edited(text, |root| {
            let spec = root.get_mut("spec").unwrap();
            let Some(Node::Seq { items, .. }) = spec.get_mut("containers") else {
                panic!()
            };
            items[0].set("env", Node::seq(vec![entry("A", "a")]));
        });
        assert_eq!(
            out.unwrap(),
            "spec:\n  containers:\n  - name: api\n    image: x # pinned\n    env:\n    - name: A\n      value: 'a'\n  - name: side\n"
        );
        let text = "spec:\n  containers:\n  - name: api\n    env: []\n    image: x # pinned\n";
        let (out, _) = edited(text, |root| {
            let spec = root.get_mut("spec").unwrap();
            let Some(Node::Seq { items, .. }) = spec.get_mut("containers") else {
                panic!()
            };
            let Some(Node::Seq { items, .. }) = items[0].get_mut("env") else {
                panic!()
            };
            items.push(entry("A", "a"));
        });
        assert_eq!(
            out.unwrap(),
            // The emitter's choice for a flow list given block items; the other lines stay.
            "spec:\n  containers:\n  - name: api\n    env:\n    - name: A\n      value: 'a'\n    image: x # pinned\n"
        );
    }

    #[test]
    fn crlf_documents_get_crlf_lines() {
        let text = CHART.replace('\n', "\r\n");
        let (out, _) = edited(&text, |root| env(root).push(entry("D", "d")));
        let out = out.unwrap();
        assert!(
            out.contains("\r\n       - name: D\r\n         value: 'd'\r\n       resources"),
            "{out}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'), "{out}");
    }

    #[test]
    fn what_cannot_be_spliced_is_left_to_the_emitter_or_read_back_exactly() {
        // A flow root: no edit in place.
        let (out, _) = edited("{a: 1, b: [x]}\n", |root| root.set("a", Node::string("2")));
        assert_eq!(out, None);
        // A kept block scalar (`|+`) whose trailing blank lines the insertion would change:
        // whatever is written reads back as the corrected tree.
        let text = "env:\n- name: A\n  value: |+\n    x\n\n";
        let (out, new) = edited(text, |root| {
            let Some(Node::Seq { items, .. }) = root.get_mut("env") else {
                panic!()
            };
            items.push(entry("B", "b"));
        });
        if let Some(out) = out {
            assert!(
                same(&crate::yaml::parse(&out).unwrap().unwrap(), &new),
                "{out}"
            );
        }
    }

    #[test]
    fn a_plain_word_yaml_reads_otherwise_is_rewritten_even_with_the_same_text() {
        // `on` plain is a boolean to Kubernetes; the tool's string "on" must not keep it.
        let (out, _) = edited("env:\n- name: A\n  value: on\n", |root| {
            let Some(Node::Seq { items, .. }) = root.get_mut("env") else {
                panic!()
            };
            items[0] = entry("A", "on");
        });
        assert_eq!(out.unwrap(), "env:\n- name: A\n  value: 'on'\n");
    }

    #[test]
    fn prefixes_before_a_key() {
        assert_eq!(prefix_kind("   "), Some(false));
        assert_eq!(prefix_kind("  - "), Some(true));
        assert_eq!(prefix_kind("- -   "), Some(true));
        assert_eq!(prefix_kind("--- "), None);
        assert_eq!(prefix_kind("? "), None);
    }

    /// Paths (child indices; a mapping's value by entry) to every node of a tree.
    fn paths(node: &Node, at: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        out.push(at.clone());
        let children: Vec<&Node> = match node {
            Node::Map { entries, .. } => entries.iter().map(|(_, v)| v).collect(),
            Node::Seq { items, .. } => items.iter().collect(),
            _ => Vec::new(),
        };
        for (i, c) in children.into_iter().enumerate() {
            at.push(i);
            paths(c, at, out);
            at.pop();
        }
    }

    fn at<'a>(node: &'a mut Node, path: &[usize]) -> &'a mut Node {
        path.iter().fold(node, |n, &i| match n {
            Node::Map { entries, .. } => &mut entries[i].1,
            Node::Seq { items, .. } => &mut items[i],
            _ => unreachable!("paths lead through collections"),
        })
    }

    /// `CHART` and a copy with random edits of the kinds a correction makes (values replaced,
    /// entries and items removed, added, written anew).
    fn randomly_edited(ops: &[(usize, u8, String)]) -> (Node, Node) {
        let old = crate::yaml::parse(CHART).unwrap().unwrap();
        let mut new = old.clone();
        for (pick, op, text) in ops {
            let mut all = Vec::new();
            paths(&new, &mut Vec::new(), &mut all);
            let path = &all[pick % all.len()];
            let node = at(&mut new, path);
            match (op, node) {
                (0, n @ Node::Scalar { .. }) => *n = Node::string(text),
                (1, Node::Map { entries, .. }) if !entries.is_empty() => {
                    entries.remove(pick % entries.len());
                }
                (1, Node::Seq { items, .. }) if !items.is_empty() => {
                    items.remove(pick % items.len());
                }
                (2, Node::Seq { items, .. }) => {
                    let i = pick % (items.len() + 1);
                    items.insert(i, entry(text, text));
                }
                (3, n @ Node::Map { .. }) => n.set(&format!("k{text}"), Node::string(text)),
                (4, Node::Seq { items, .. }) if !items.is_empty() => {
                    let i = pick % items.len();
                    let name = items[i].get_str("name").unwrap_or("x").to_string();
                    items[i] = entry(&name, text);
                }
                _ => {}
            }
        }
        (old, new)
    }

    #[test]
    fn the_events_of_the_tree_and_nothing_else() {
        let new = crate::yaml::parse("a: x\nb: [1, '2']\n").unwrap().unwrap();
        let check = |events: &[Seen]| {
            let mut c = ReadsAs::new(&new);
            events.iter().for_each(|e| c.see(*e));
            c.same()
        };
        let scalar = |value, plain| Seen::Scalar { value, plain };
        let mut events = vec![
            Seen::Document,
            Seen::MapStart,
            scalar("a", true),
            scalar("x", true),
            scalar("b", true),
            Seen::SeqStart,
            scalar("1", true),
            scalar("2", false),
            Seen::SeqEnd,
            Seen::MapEnd,
            Seen::Document,
        ];
        assert!(check(&events));
        // Quoted where the chart's scalar was plain; a missing end; one item more; an alias.
        let quoted = [&events[..3], &[scalar("x", false)], &events[4..]].concat();
        assert!(!check(&quoted));
        assert!(!check(&events[..9]));
        let more = [&events[..8], &[scalar("3", true)], &events[8..]].concat();
        assert!(!check(&more));
        events[6] = Seen::Other;
        assert!(!check(&events));
        // A scalar the tool made may come back quoted or plain.
        let made = Node::map(vec![("a", Node::string("x"))]);
        for plain in [true, false] {
            let mut c = ReadsAs::new(&made);
            for e in [
                Seen::MapStart,
                scalar("a", true),
                scalar("x", plain),
                Seen::MapEnd,
            ] {
                c.see(e);
            }
            assert!(c.same());
        }
    }

    /// A damaged splice `the_one_reading_is_sure_only_where_the_tools_parser_agrees` found,
    /// as (ops, cut, len, with): what Kubernetes reads as the tree while the tool's parser
    /// does not must not be sure.
    fn damaged_splice(ops: &[(usize, u8, &str)], cut: usize, len: usize, with: &str) {
        let ops: Vec<(usize, u8, String)> = ops
            .iter()
            .map(|(p, o, t)| (*p, *o, t.to_string()))
            .collect();
        let (old, new) = randomly_edited(&ops);
        let out = splice_text(CHART, &old, &new, Layout::detect(CHART)).unwrap();
        assert_eq!(
            crate::verify::read_back(&out, &new).1,
            reads_back(&out, &new)
        );
        let at = cut % (out.len() + 1);
        let mut damaged = out.clone();
        damaged.replace_range(at..(at + len).min(out.len()), with);
        let (reading, sure) = crate::verify::read_back(&damaged, &new);
        assert!(!sure || reads_back(&damaged, &new), "{damaged}");
        // The cases kept here are ones Kubernetes reads as the tree.
        assert!(reading.is_ok(), "{damaged}");
    }

    #[test]
    fn a_flow_mapping_continued_at_column_0_is_not_sure() {
        // `- {\nname: B, value: 'x'}`: libyaml reads the flow mapping; the tool's parser
        // refuses its second line, indented less than the sequence it is in.
        damaged_splice(&[(171, 0, "\"")], 823, 0, "\n");
    }

    #[test]
    fn a_line_break_in_a_flow_collection_or_a_quoted_scalar_is_not_sure() {
        // More the same proptest found unseeded: a line break into a flow collection or a
        // quoted scalar, its next line indented no deeper than the block around it.
        for (ops, cut) in [
            (&[(513, 0, " :\" '")][..], 880),
            (&[(707, 3, " ':::aa}"), (439, 3, "-:")], 1160),
            (&[(177, 1, "")], 620),
            (&[(277, 0, "")], 1578),
            (&[(1, 0, " aa")], 122),
            (&[(190, 3, "-a-:a'"), (369, 0, " }'")], 764),
        ] {
            damaged_splice(ops, cut, 0, "\n");
        }
    }

    proptest::proptest! {
        // Seeded, as the repository's other generated tests. What unseeded runs found is kept
        // above (`a_line_break_in_a_flow_collection_or_a_quoted_scalar_is_not_sure`); the
        // damage also writes tabs, brackets and block indicators, where libyaml is laxer.
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, rng_seed: proptest::test_runner::RngSeed::Fixed(17), ..Default::default() })]
        /// Random edits on a chart-like document: the splice, when it is made, reads — with
        /// serde_yaml, a reader independent of the tool — as the corrected tree written whole
        /// by the emitter; and never a panic.
        #[test]
        fn random_edits_read_back_as_the_emitted_tree(
            ops in proptest::collection::vec((0usize..1000, 0u8..5, "[a-z: #'\"{}\\-]{0,8}"), 1..6)
        ) {
            let (old, new) = randomly_edited(&ops);
            let layout = Layout::detect(CHART);
            if let Some(out) = splice(CHART, &old, &new, layout) {
                let read = |t: &str| serde_yaml::from_str::<serde_yaml::Value>(t).unwrap();
                proptest::prop_assert_eq!(
                    read(&out),
                    read(&crate::yaml::emit(&new, layout)),
                    "{}", out
                );
            }
        }

        /// The render's one reading of a splice ([`crate::verify::read_back`]) is sure that it
        /// holds the corrected tree exactly where the tool's parser reads it so ([`reads_back`])
        /// — and, on the splice damaged at random, sure only where the tool's parser agrees.
        #[test]
        fn the_one_reading_is_sure_only_where_the_tools_parser_agrees(
            ops in proptest::collection::vec((0usize..1000, 0u8..5, "[a-z: #'\"{}\\-]{0,8}"), 1..6),
            cut in 0usize..2000,
            len in 0usize..4,
            with in "[a-z: #'\"{}\\[\\],|>\t\\\\\n&*!-]{0,3}",
        ) {
            let (old, new) = randomly_edited(&ops);
            let layout = Layout::detect(CHART);
            if let Some(out) = splice_text(CHART, &old, &new, layout) {
                let (_, sure) = crate::verify::read_back(&out, &new);
                proptest::prop_assert_eq!(sure, reads_back(&out, &new), "{}", out);
                let at = cut % (out.len() + 1);
                let mut damaged = out.clone();
                damaged.replace_range(at..(at + len).min(out.len()), &with);
                if crate::verify::read_back(&damaged, &new).1 {
                    proptest::prop_assert!(reads_back(&damaged, &new), "{}", damaged);
                }
            }
        }
    }
}
