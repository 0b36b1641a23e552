//! The loader's working state — the policy text, and the problems and notes found so far —
//! and the typed reads every table uses (a string, a list of strings, one of a set of choices,
//! globs, a table), each of which records a problem at the value's exact place when the value
//! is not what it must be.
//!
//! It must not know any table's keys or meaning: `load` (the root tables) and
//! `provider_table` (a provider's options) say what is read where.

use super::error::Problem;
use super::glob::Globs;
use super::suggest::did_you_mean;
use crate::catalogue;
use std::ops::Range;
use toml_edit::{Item, TableLike, Value as TomlValue};

/// A policy file being read: its text (for line and column) and what was found so far.
pub(super) struct Loader<'t> {
    pub(super) text: &'t str,
    pub(super) problems: Vec<Problem>,
    pub(super) notes: Vec<Problem>,
    /// Values still to fill in: errors for `parse`, to-do items for `parse_draft`.
    pub(super) placeholders: Vec<Problem>,
}

impl Loader<'_> {
    pub(super) fn at(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        let problem = self.problem(span, message, help);
        self.problems.push(problem);
    }

    /// Something normalised, not wrong: shown, and the policy still loads.
    pub(super) fn note(
        &mut self,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) {
        let note = self.problem(span, message, help);
        self.notes.push(note);
    }

    /// A placeholder (see `placeholder`): its own list, so that `parse_draft` can still load.
    pub(super) fn placeholder(
        &mut self,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) {
        let problem = self.problem(span, message, help);
        self.placeholders.push(problem);
    }

    pub(super) fn problem(
        &self,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Problem {
        let (line, column) = match span {
            Some(r) => {
                let before = &self.text[..r.start.min(self.text.len())];
                let line = before.matches('\n').count() + 1;
                // A byte-order mark opening the file is no column: editors do not show it.
                let before_line = before.rsplit('\n').next().unwrap_or_default();
                let before_line = if line == 1 {
                    before_line.trim_start_matches('\u{feff}')
                } else {
                    before_line
                };
                let column = before_line.chars().count() + 1;
                (line, column)
            }
            None => (0, 0),
        };
        Problem {
            line,
            column,
            message,
            help,
        }
    }

    pub(super) fn unknown(&mut self, table: &dyn TableLike, key: &str, what: &str, valid: &[&str]) {
        let span = table.key(key).and_then(|k| k.span());
        let help = did_you_mean(key, valid.iter().copied());
        self.at(span, format!("unknown key `{key}` in {what}"), Some(help));
    }

    pub(super) fn string(&mut self, item: &Item, what: &str) -> Option<String> {
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.at(
                    item.span(),
                    format!("{what} must be a string, found {}", type_name(item)),
                    None,
                );
                None
            }
        }
    }

    pub(super) fn strings(&mut self, item: &Item, what: &str) -> Option<Vec<String>> {
        let Some(array) = item.as_array() else {
            self.at(
                item.span(),
                format!(
                    "{what} must be an array of strings, found {}",
                    type_name(item)
                ),
                None,
            );
            return None;
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_string()),
                None => {
                    self.at(v.span(), format!("{what} must contain only strings"), None);
                    return None;
                }
            }
        }
        Some(out)
    }

    pub(super) fn choice<T: Copy>(
        &mut self,
        item: &Item,
        what: &str,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let s = self.string(item, what)?;
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let help = did_you_mean(&s, names.iter().copied());
        self.at(
            item.span(),
            format!("{what} = \"{s}\" is not one of {}", quote_all(&names)),
            Some(help),
        );
        None
    }

    pub(super) fn globs(&mut self, item: &Item, what: &str) -> Option<Globs> {
        let patterns = self.strings(item, what)?;
        match Globs::new(patterns) {
            Ok(g) => Some(g),
            Err((i, e)) => {
                let span = item
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|v| v.span());
                self.at(span, format!("invalid glob in {what}: {e}"), None);
                None
            }
        }
    }
}

fn quote_all(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) | Item::Value(TomlValue::InlineTable(_)) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            TomlValue::String(_) => "a string",
            TomlValue::Integer(_) => "an integer",
            TomlValue::Float(_) => "a float",
            TomlValue::Boolean(_) => "a boolean",
            TomlValue::Datetime(_) => "a date-time",
            TomlValue::Array(_) => "an array",
            TomlValue::InlineTable(_) => "a table",
        },
    }
}

pub(super) fn table<'i>(l: &mut Loader, item: &'i Item, what: &str) -> Option<&'i dyn TableLike> {
    let t = item.as_table_like();
    if t.is_none() {
        l.at(
            item.span(),
            format!("{what} must be a table, found {}", type_name(item)),
            None,
        );
    }
    t
}

/// Refuses an input's value: where it is, what is wrong, and what to write (`example`, TOML,
/// when the kind's rule has no better suggestion).
pub(super) fn input_error(
    l: &mut Loader,
    span: Option<Range<usize>>,
    table: &str,
    input: &catalogue::Input,
    raw: &str,
    e: catalogue::InputError,
    example: String,
) {
    let name = input.name;
    let (message, help) = match e {
        catalogue::InputError::Empty => (
            format!(
                "{table}.{name} ({}) is empty: nothing is left to build URLs from",
                input.about
            ),
            format!("write {name} = {example}"),
        ),
        catalogue::InputError::Invalid { why, write } => (
            // Quoted as TOML would (`\"`, `\\`, control characters escaped), so the value
            // shown is the one in the file, not a string that seems to end early.
            format!("{table}.{name} = {raw:?} {why}"),
            match write {
                Some(w) => format!("write {name} = {w:?}"),
                None => format!(
                    "write the {} alone, such as {name} = {example}",
                    input.about
                ),
            },
        ),
    };
    l.at(span, message, Some(help));
}
