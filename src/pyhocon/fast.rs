//! The two shapes of text whose reading is certain without running the grammar: what ClearML
//! builds from an ordinary variable, `path: value`, with a plain dotted path and one plain
//! value ([`read`], [`read_at`]); and a config file of one-line statements of such values with
//! no key repeated ([`read_file`]). Each rule below is the grammar's (`parse.rs`) outcome on
//! that shape, derived by hand; `tests/oracle/pyhocon.rs` proves the variable shortcut against
//! pyhocon itself (its generator weights this shape and its near misses, and the run counts
//! how many cases took it), and the unit tests in `tests.rs` compare `read_at` with `read` and
//! `read_file` with the grammar. Any text not exactly of these shapes goes through the full
//! reading.

use super::{pystr, Value};

/// The most parts of a path taken here (pyhocon's own limit is far above; see
/// [`super::MAX_KEY_PARTS`]).
const MAX_PARTS: usize = 16;
/// The most digits of an integer taken here (Python converts up to 4300).
const MAX_DIGITS: usize = 100;

/// A path part: `key_char`s that `parse_key` neither splits on nor keeps quoted, so the part
/// is its own text, and `tree_parser`'s `"part"` quoting reads back as it.
fn part_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// A character of the plain word taken here: `unquoted_string` takes it (none of
/// `` ^`+?!@*&"[{]}#,=$\ `` nor a space), and none of them starts a comment, a
/// substitution, an object or a list inside the word.
fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':')
}

/// Whether `s` starts with `word`, ignoring ASCII case.
fn starts_caseless(s: &str, word: &str) -> bool {
    s.len() >= word.len() && s.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// The value of `text` when it is `path: value` of the plain shape, else `None` (read it
/// with the full grammar).
pub fn read(text: &str) -> Option<Value> {
    // The path runs to the first `:`. A path holds only `part_char`s and dots (none is a `:`),
    // so the first other byte must be that `:`: a config file's text, which this is tried on
    // too, is given up at its first such byte rather than searched for a `:`.
    let colon = text.bytes().position(|b| !(part_char(b) || b == b'.'))?;
    if text.as_bytes()[colon] != b':' {
        return None;
    }
    let (path, rest) = (&text[..colon], &text[colon + 1..]);
    if !plain_path(path) {
        return None;
    }
    let value = value(rest.trim_start_matches(' '))?;
    Some(
        path.rsplit('.')
            .fold(value, |v, k| Value::Object(vec![(k.to_string(), v)])),
    )
}

/// The value [`read`] gives at `path` for the text `"{path}: {value}"`, without building the
/// text or the tree around the value: `None` exactly when [`read`] gives `None` on that text.
/// (A path holding `:` never takes the shortcut there: the text's first `:` would end the path
/// early and leave `: ` inside the value, which no plain value holds; here its `:` fails the
/// part test.)
pub fn read_at(path: &str, value_text: &str) -> Option<Value> {
    if !plain_path(path) {
        return None;
    }
    value(value_text.trim_start_matches(' '))
}

/// Whether a path is of the plain shape: parts of `part_char`s joined by single dots, at most
/// [`MAX_PARTS`], the first not `include` (the root tries an include before an assignment).
/// One pass over the bytes: it runs on every variable.
fn plain_path(path: &str) -> bool {
    if starts_caseless(path, "include") {
        return false;
    }
    let mut parts = 1;
    let mut part_empty = true;
    for b in path.bytes() {
        if b == b'.' {
            if part_empty || parts == MAX_PARTS {
                return false;
            }
            parts += 1;
            part_empty = true;
        } else if part_char(b) {
            part_empty = false;
        } else {
            return false;
        }
    }
    !part_empty
}

/// One plain value that is the whole rest of the text.
fn value(v: &str) -> Option<Value> {
    let b = v.as_bytes();
    match b.first()? {
        // `quoted_string` on the whole rest, nothing to unescape (no `\`), nothing tab
        // expansion or a line break could change: the text between the quotes.
        b'"' => {
            let inner = v.strip_prefix('"')?.strip_suffix('"')?;
            let plain = !inner.contains(['"', '\\', '\n', '\r', '\t']);
            // `""` followed by `"` would be a triple quote; `"` alone has no end.
            (plain && v.len() >= 2).then(|| Value::String(inner.to_string()))
        }
        // A word of ASCII letters and digits that starts with a digit and is neither a
        // number nor a period to the grammar: `period` needs the rest after the leading
        // digits to be exactly a unit (nothing alphanumeric may follow the unit), `number`
        // needs the whole word to be digits with at most an exponent (`1e5`; nothing
        // alphanumeric may follow), no keyword starts with a digit, so `unquoted` takes the
        // whole word.
        b'0'..=b'9' if b.iter().any(|c| !c.is_ascii_digit()) => {
            if !b.iter().all(u8::is_ascii_alphanumeric) {
                return None;
            }
            let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
            let rest = &v[lead..];
            let exponent = rest.len() > 1
                && matches!(rest.as_bytes()[0], b'e' | b'E')
                && rest.as_bytes()[1..].iter().all(u8::is_ascii_digit);
            if exponent || super::parse::UNITS.contains(&rest) {
                return None;
            }
            Some(Value::String(v.to_string()))
        }
        // `number` at the end of the text: an ASCII integer, `int()`'s value.
        b'-' | b'0'..=b'9' => {
            let digits = v.strip_prefix('-').unwrap_or(v);
            if digits.is_empty()
                || digits.len() > MAX_DIGITS
                || !digits.bytes().all(|c| c.is_ascii_digit())
            {
                return None;
            }
            let n = pystr::normalize_digits(digits);
            Some(Value::Int(if v.starts_with('-') && n != "0" {
                format!("-{n}")
            } else {
                n
            }))
        }
        // A list of quoted strings with nothing to unescape, `["a"]` or `["a", "b"]`: `[`,
        // (no item empty, so no `""` that a `"` could make a triple quote),
        // each string then `,` and spaces, `]` at the end of the text (`list_expr` of
        // `quoted_string`s; no space before a `,` or the `]`, where a quoted string's trailing
        // space would be kept for a concatenation).
        b'[' => {
            let inner = v.strip_prefix('[')?.strip_suffix(']')?;
            let mut items = Vec::new();
            let mut rest = inner;
            loop {
                let body = rest.strip_prefix('"')?;
                let end = body.find('"')?;
                let s = &body[..end];
                // A blank item is dropped from the list (`[""]` is `[]`): each item holds a
                // visible ASCII character.
                if s.contains(['\\', '\n', '\r', '\t']) || !s.bytes().any(|c| c.is_ascii_graphic())
                {
                    return None;
                }
                items.push(Value::String(s.to_string()));
                rest = &body[end + 1..];
                if rest.is_empty() {
                    break;
                }
                rest = rest.strip_prefix(',')?.trim_start_matches(' ');
            }
            Some(Value::List(items))
        }
        // The keywords alone, and a word that none of them (nor `include`) starts: the
        // caseless keyword would match its prefix and concatenate (`true-north`).
        b'a'..=b'z' | b'A'..=b'Z' => match v {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ if ["true", "false", "null", "include"]
                .iter()
                .any(|k| starts_caseless(v, k))
                || !b.iter().copied().all(word_char) =>
            {
                None
            }
            _ => Some(Value::String(v.to_string())),
        },
        _ => None,
    }
}

/// A config file of the plain shape a chart writes, read without the grammar: lines, each
/// empty, a comment (`#` or `//` first, ASCII), `path { key: value, ... }` (or `path: {`…`}`)
/// on one line, or `path: value`; keys of `part_char`s (the path's dotted) that no keyword
/// starts and no two statements (no two keys of one object) share a first part of, so nothing
/// merges or overrides; each value an ASCII integer, `true`/`false`/`null`, or a quoted string
/// with nothing to unescape. `None` for anything else (read it with the full grammar). The
/// unit test `the_file_shortcut_is_the_grammar` compares it with the grammar on generated
/// files of this shape and its near misses.
pub fn read_file(text: &str) -> Option<Value> {
    // No control character but `\n` (tabs are expanded, `\r` and NEL end lines for some
    // readers), and no trailing space at the very end: there pyhocon may read a value on.
    if text.bytes().any(|b| (b < 0x20 && b != b'\n') || b == 0x7f)
        || text.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'])
        || text.ends_with(' ')
    {
        return None;
    }
    let mut out: Vec<(String, Value)> = Vec::new();
    for line in text.split('\n') {
        let line = line.trim_start_matches(' ');
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') || line.starts_with("//") {
            if !line.is_ascii() {
                return None;
            }
            continue;
        }
        let (key, value) = statement(line)?;
        if out.iter().any(|(k, _)| *k == key) {
            return None;
        }
        out.push((key, value));
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// A key (or path part) the file shortcut takes: `part_char`s, and no keyword (nor
/// `include`) starts it.
fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes().all(part_char)
        && !["true", "false", "null", "include"]
            .iter()
            .any(|w| starts_caseless(k, w))
}

/// One statement line of [`read_file`]: its first key and the value under it.
fn statement(line: &str) -> Option<(String, Value)> {
    let end = line
        .bytes()
        .position(|b| !(part_char(b) || b == b'.'))
        .unwrap_or(line.len());
    let path = &line[..end];
    let mut parts = Vec::new();
    for p in path.split('.') {
        if !plain_key(p) || parts.len() == MAX_PARTS {
            return None;
        }
        parts.push(p);
    }
    let rest = line[end..].trim_start_matches(' ');
    let value = if let Some(body) = rest.strip_prefix('{') {
        object(body)?
    } else {
        let v = rest.strip_prefix(':')?.trim_start_matches(' ');
        match v.strip_prefix('{') {
            Some(body) => object(body)?,
            None => {
                // The value is the rest of the line, with nothing after it.
                let (value, after) = scalar(v)?;
                if !after.is_empty() {
                    return None;
                }
                value
            }
        }
    };
    let (first, inner) = parts.split_first()?;
    let value = inner
        .iter()
        .rev()
        .fold(value, |v, k| Value::Object(vec![(k.to_string(), v)]));
    Some((first.to_string(), value))
}

/// The items of a one-line object after its `{`, through its `}` and the spaces after it.
fn object(body: &str) -> Option<Value> {
    let mut items: Vec<(String, Value)> = Vec::new();
    let mut s = body.trim_start_matches(' ');
    loop {
        let end = s.bytes().position(|b| !part_char(b)).unwrap_or(s.len());
        let key = &s[..end];
        if !plain_key(key) || items.iter().any(|(k, _)| k == key) {
            return None;
        }
        s = s[end..].trim_start_matches(' ').strip_prefix(':')?;
        let (value, after) = scalar(s.trim_start_matches(' '))?;
        items.push((key.to_string(), value));
        s = after.trim_start_matches(' ');
        if let Some(r) = s.strip_prefix(',') {
            s = r.trim_start_matches(' ');
            continue;
        }
        let r = s.strip_prefix('}')?;
        return r.bytes().all(|b| b == b' ').then_some(Value::Object(items));
    }
}

/// One value of [`read_file`] and the text after it, which must be empty or start with a
/// space, `,` or `}` (else the value would run on or concatenate).
fn scalar(s: &str) -> Option<(Value, &str)> {
    let ends = |rest: &str| rest.is_empty() || rest.starts_with([' ', ',', '}']);
    let b = s.as_bytes();
    let (value, len) = match b.first()? {
        b'"' => {
            let close = 1 + s[1..].find('"')?;
            let inner = &s[1..close];
            // `""` then `"` is a triple quote; a `\` needs unescaping.
            if inner.contains(['\\', '\n', '\r', '\t']) || (close == 1 && s[2..].starts_with('"')) {
                return None;
            }
            (Value::String(inner.to_string()), close + 1)
        }
        b'-' | b'0'..=b'9' => {
            let neg = b[0] == b'-';
            let start = usize::from(neg);
            let len = start
                + b[start..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .unwrap_or(b.len() - start);
            let digits = &s[start..len];
            if digits.is_empty() || digits.len() > MAX_DIGITS {
                return None;
            }
            let n = pystr::normalize_digits(digits);
            let v = Value::Int(if neg && n != "0" { format!("-{n}") } else { n });
            (v, len)
        }
        _ => {
            let (v, w) = [
                (Value::Bool(true), "true"),
                (Value::Bool(false), "false"),
                (Value::Null, "null"),
            ]
            .into_iter()
            .find(|(_, w)| s.starts_with(w))?;
            (v, w.len())
        }
    };
    let rest = &s[len..];
    ends(rest).then_some((value, rest))
}
