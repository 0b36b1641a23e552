//! The one shape of text whose reading is certain without running the grammar: what ClearML
//! builds from an ordinary variable, `path: value`, with a plain dotted path and one plain
//! value. Each rule below is the grammar's (`parse.rs`) outcome on that shape, derived by
//! hand; `tests/oracle/pyhocon.rs` proves the shortcut against pyhocon itself (its generator
//! weights this shape and its near misses, and the run counts how many cases took it). Any
//! text not exactly of this shape goes through the full reading.

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
    let colon = text.find(':')?;
    let (path, rest) = (&text[..colon], &text[colon + 1..]);
    // The path: parts of `part_char`s joined by single dots. Its first part is not
    // `include` (the root tries an include before an assignment).
    if path.is_empty() || starts_caseless(path, "include") {
        return None;
    }
    let mut parts = Vec::new();
    for p in path.split('.') {
        if p.is_empty() || !p.bytes().all(part_char) || parts.len() == MAX_PARTS {
            return None;
        }
        parts.push(p);
    }
    let value = value(rest.trim_start_matches(' '))?;
    Some(
        parts
            .iter()
            .rev()
            .fold(value, |v, k| Value::Object(vec![(k.to_string(), v)])),
    )
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
