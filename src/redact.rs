//! What may be printed: the one place that decides it.
//!
//! Findings reach stderr, every `check` format, `--report` and Helm's own output; `diff`
//! prints manifests. Every value that could be a credential is kept out of them here:
//! - a finding quotes a value of an SSO setting only through [`shown`]: the value when the
//!   catalogue calls the option's values public and the provider is declared, else its shape;
//! - [`hide_stored_secrets`]: a value a Secret in the stream holds, quoted whole anywhere in a
//!   finding, is replaced;
//! - [`redact`] blanks, in a document as Kubernetes reads it ([`crate::kube::tree::as_read`]),
//!   every value under a Secret-like kind's data fields ([`SECRET_FIELDS`]), the value of
//!   every env entry whose name addresses an SSO option in any spelling (any prefix, section,
//!   case, surrounding whitespace) unless the catalogue says the option's values are public
//!   ([`catalogue::value_is_public`]), and any scalar, key or value, whose whole text (trimmed)
//!   is a [`Known`] secret value: one a Secret in the stream holds (`data` raw and decoded,
//!   `stringData`), or a literal of a credential option (`client_secret`) — so the policy's
//!   literal, too. Whole values only: a Secret holding `clearml` does not blank the word out
//!   of other text. (Values of other non-public options, such as a misspelled boolean, are
//!   blanked where they are but not everywhere: `true` would blank half a manifest.) A scalar
//!   ClearML reads as such a value, or as a HOCON list holding one, is blanked too.
//!
//! Because names and values are read as Kubernetes reads them (aliases expanded, `<<` merges
//! applied as go-yaml does, `!!binary` decoded), no spelling of a document can name a
//! credential past the redaction. This module decides; it formats no output of its own.
//!
//! Cost: one pass over each document plus hash-set look-ups and one automaton pass per scalar
//! for secrets inside it, linear in its size.

use crate::catalogue::{self, Client};
use crate::clearml::{
    names,
    values::{self, Reading},
};
use crate::kube::objects;
use crate::kube::sources::{self, Inventory};
use crate::pyhocon::Value as Hocon;
use crate::report::Finding;
use crate::yaml::{Node, Style};
use aho_corasick::{AhoCorasick, AhoCorasickKind};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What a sensitive scalar is replaced by.
pub const REDACTED: &str = "<redacted>";

/// Where Secret-like kinds keep values, as paths from the object.
pub const SECRET_FIELDS: &[(&str, &[&[&str]])] = &[
    ("Secret", &[&["data"], &["stringData"]]),
    (
        "SealedSecret",
        &[
            &["spec", "encryptedData"],
            &["spec", "template", "data"],
            &["spec", "template", "stringData"],
        ],
    ),
    ("ExternalSecret", &[&["spec", "target", "template", "data"]]),
    (
        "ClusterExternalSecret",
        &[&["spec", "externalSecretSpec", "target", "template", "data"]],
    ),
];

/// What a finding message may say about a value: the value itself, or only its shape.
pub enum Shown {
    /// The value, shown in backquotes.
    Value(String),
    /// A description without the content (`a 17-digit number`, `a list of 2 item(s)`).
    Shape(String),
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Value(v) => write!(f, "`{v}`"),
            Shown::Shape(s) => f.write_str(s),
        }
    }
}

impl Shown {
    /// The subject of a sentence: `` `value` ``, or "the value".
    pub fn subject(&self) -> String {
        match self {
            Shown::Value(v) => format!("`{v}`"),
            Shown::Shape(_) => "the value".into(),
        }
    }

    /// `` `value` `` to append to "the value", or nothing when only the shape may be shown.
    pub fn suffix(&self) -> String {
        match self {
            Shown::Value(v) => format!(" `{v}`"),
            Shown::Shape(_) => String::new(),
        }
    }
}

/// The one way a finding message gets a value of an SSO setting: the value only when the
/// catalogue says the option's values are public ([`catalogue::value_is_public`]) and the
/// provider is one the policy declares; otherwise only its shape. Findings reach stderr,
/// every `check` format, `--report` and Helm's own output, so a credential — or a value of a
/// misspelled option or an unknown provider, which may be one — must never be in them.
pub fn shown(value: &str, provider: Option<(Client, &str)>, option: &str, declared: bool) -> Shown {
    let reading = clearml_reading(value);
    if reading.sets_other_keys() {
        // Whatever the option, such a value may carry another setting's credential.
        return Shown::Shape("a value that sets other keys".into());
    }
    let one_value = reading.value().is_some();
    if declared && catalogue::value_is_public(provider, option) && one_value {
        return Shown::Value(value.to_string());
    }
    let t = value.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    Shown::Shape(match reading.value() {
        _ if t.is_empty() => "an empty value".into(),
        _ if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) => {
            format!("a {}-digit number", digits.len())
        }
        Some(Hocon::List(items)) => format!("a list of {} item(s)", items.len()),
        _ if t.starts_with('[') => "a list".into(),
        Some(Hocon::Bool(_)) => "a boolean".into(),
        Some(Hocon::Int(_) | Hocon::Float(_) | Hocon::Duration(_)) => "a number".into(),
        _ => "a string".into(),
    })
}

/// How ClearML reads `value` as a variable's value ([`values::reading`], the one reading),
/// with every `${X}` defined ([`values::reading_any_env`]).
fn clearml_reading(value: &str) -> Reading {
    values::reading_any_env("k", value)
}

/// Whether pyhocon reads `"{path}: {value}"` as exactly one value at the path (no object, no
/// other key): only then can the value be quoted, even for an option whose values are public,
/// since text that ClearML reads as more keys may carry another option's credential. A value
/// pyhocon fails on is not one. `${X}` is read with every variable defined: pyhocon puts an
/// environment value in as a string, never as keys.
pub fn reads_as_one_value(value: &str) -> bool {
    clearml_reading(value).value().is_some()
}

/// A finding quotes the value of an option the catalogue calls public (a `base_url`, a claim);
/// a chart may still have put a credential there — the value a Secret in the stream holds,
/// pasted into the wrong variable. Such a value, wherever a message or help quotes it whole
/// (between backquotes or quotes, also as an item of a HOCON list), is not shown.
pub fn hide_stored_secrets(findings: &mut [Finding], inventory: &Inventory) {
    let values = inventory
        .sources
        .iter()
        .filter(|s| s.kind.is_secret())
        .flat_map(|s| s.values.iter().map(|(_, v)| v.text_for_judging()));
    // The findings' texts, joined: a value none of them holds is in no one of them, and most
    // runs quote no stored value, so each value is looked for once here (a plain substring
    // test, nothing built) and a searcher built only for the few found.
    let mut all = String::new();
    for f in findings.iter() {
        all.push_str(&f.message);
        all.push('\n');
        all.push_str(f.help.as_deref().unwrap_or_default());
        all.push('\n');
    }
    let Some(hider) = Hider::new(values, &all) else {
        return;
    };
    for f in findings {
        hider.hide(&mut f.message);
        if let Some(help) = &mut f.help {
            hider.hide(help);
        }
    }
}

/// What replaces a stored secret value in a finding's text.
const HIDDEN: &str = "(not shown: a value a Secret in the stream holds)";

/// Hides secret values in a text. Every occurrence of every value is found in the text as it
/// was, and the union of those ranges is replaced at once: replacing one value at a time let a
/// value that overlaps another (`id-1111` and `1111-secret` in `id-1111-secret`) lose its shared
/// part to the first and stay partly shown.
struct Hider<'a> {
    values: Vec<&'a str>,
    /// Each value's searcher, built once for every message and help.
    finders: Vec<memchr::memmem::Finder<'a>>,
}

impl<'a> Hider<'a> {
    /// The hider of those of `values` that `texts` (every text it will be given, joined)
    /// holds; None when there is nothing to hide.
    fn new(values: impl Iterator<Item = &'a str>, texts: &str) -> Option<Self> {
        let mut values: Vec<&str> = values.map(str::trim).filter(|v| !v.is_empty()).collect();
        values.sort_unstable();
        values.dedup();
        values.retain(|v| texts.contains(v));
        let finders = values
            .iter()
            .map(|v| memchr::memmem::Finder::new(v.as_bytes()))
            .collect();
        (!values.is_empty()).then_some(Self { values, finders })
    }

    fn hide(&self, text: &mut String) {
        let bytes = text.as_bytes();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for (v, finder) in self.values.iter().zip(&self.finders) {
            // Every occurrence, overlapping ones too (the search resumes one byte on): a
            // match starts on a character boundary, as the value is UTF-8.
            let mut from = 0;
            while let Some(i) = finder.find(&bytes[from..]).map(|i| i + from) {
                let end = i + v.len();
                if v.len() >= MIN_HIDDEN_INSIDE || stands_alone(text, i, end) {
                    ranges.push((i, end));
                }
                from = i + 1;
            }
        }
        if ranges.is_empty() {
            return;
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut done = 0;
        let mut ranges = ranges.into_iter().peekable();
        while let Some((start, mut end)) = ranges.next() {
            while let Some(&(s, e)) = ranges.peek() {
                if s > end {
                    break;
                }
                end = end.max(e);
                ranges.next();
            }
            out.push_str(&text[done..start]);
            out.push_str(HIDDEN);
            done = end;
        }
        out.push_str(&text[done..]);
        *text = out;
    }
}

/// Whether `text[start..end]` is quoted whole: a quote or backquote on each side, or, as an item
/// of a HOCON list, `[` or `,` before it and `,` or `]` after it (spaces between allowed).
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start]
        .trim_end_matches([' ', '\t'])
        .chars()
        .next_back();
    let after = text[end..].trim_start_matches([' ', '\t']).chars().next();
    let quote = |c: Option<char>| matches!(c, Some('`' | '\'' | '"'));
    (quote(text[..start].chars().next_back()) && quote(text[end..].chars().next()))
        || (matches!(before, Some('[' | ',')) && matches!(after, Some(',' | ']')))
}

/// How long a secret value must be to be hidden also where it is part of a longer text: a
/// shorter one (`admin`, `1234`) would hide ordinary words and names in every message.
pub const MIN_HIDDEN_INSIDE: usize = 8;

/// Values that are secret wherever they appear as a whole scalar (or, when long enough,
/// inside one).
#[derive(Debug, Default)]
pub struct Known {
    values: HashSet<String>,
    /// An automaton over the values of at least [`MIN_HIDDEN_INSIDE`] bytes, built at the first
    /// [`Known::contains`] after a change: one pass over a scalar finds whether any of them is
    /// inside it, where testing each value in turn made a stream of many distinct secrets
    /// quadratic (every scalar times every value).
    inside: OnceLock<Option<AhoCorasick>>,
}

impl Known {
    fn add(&mut self, value: &str) {
        let t = value.trim();
        if !t.is_empty() && !self.values.contains(t) {
            self.values.insert(t.to_string());
            if t.len() >= MIN_HIDDEN_INSIDE {
                self.inside = OnceLock::new();
            }
        }
    }

    /// Whether `value`, trimmed, is a known secret value, or holds one of at least
    /// [`MIN_HIDDEN_INSIDE`] characters (a password inside a connection string).
    pub fn contains(&self, value: &str) -> bool {
        let value = value.trim();
        if self.values.contains(value) {
            return true;
        }
        let long = || self.values.iter().filter(|k| k.len() >= MIN_HIDDEN_INSIDE);
        let inside = self.inside.get_or_init(|| {
            let patterns: Vec<&String> = long().collect();
            // No automaton when there is nothing to find; a build failure (only for sizes far
            // beyond any stream) falls back to testing each value.
            // A contiguous NFA, never a DFA: the DFA's build grows with the product of the
            // patterns' length and their alphabet (seconds for one 10,000-byte value, a minute
            // for 40,000); the NFA's is linear, and a scalar is searched once either way.
            (!patterns.is_empty())
                .then(|| {
                    AhoCorasick::builder()
                        .kind(Some(AhoCorasickKind::ContiguousNFA))
                        .build(patterns)
                        .ok()
                })
                .flatten()
        });
        match inside {
            Some(automaton) => automaton.is_match(value),
            None => long().any(|k| value.contains(k.as_str())),
        }
    }

    /// Collects the secret values of one document as Kubernetes reads it
    /// ([`crate::kube::read::read`]): its Secret-like objects' values and the literals of its
    /// credential env entries.
    pub fn collect(&mut self, root: &Value) {
        for object in objects::json_objects(root) {
            let kind = object
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some((_, paths)) = SECRET_FIELDS.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            for path in *paths {
                let field = path[path.len() - 1];
                let Some(node) = path.iter().try_fold(object, |v, step| v.get(step)) else {
                    continue;
                };
                let values: Vec<&Value> = match node {
                    Value::Object(o) => o.values().collect(),
                    other => vec![other],
                };
                for value in values {
                    self.add_all(value);
                    if let (true, Some(text)) =
                        (kind == "Secret" && field == "data", value.as_str())
                    {
                        // Decoded exactly as the API server would.
                        if let Some(b) = sources::decode_data(text.trim()) {
                            self.add(&String::from_utf8_lossy(&b));
                        }
                    }
                }
            }
        }
        self.collect_env(root);
    }

    /// Every scalar inside `value` (itself, or a collection's keys and values).
    fn add_all(&mut self, value: &Value) {
        match value {
            Value::String(s) => {
                self.add(s);
                // The string ClearML would read from an env value (`"x"`, `x # note`).
                if let Some(Hocon::String(s)) = values::read_one(s) {
                    self.add(&s);
                }
            }
            Value::Number(n) => self.add(&n.to_string()),
            Value::Bool(_) | Value::Null => {}
            Value::Array(items) => items.iter().for_each(|i| self.add_all(i)),
            Value::Object(o) => o.iter().for_each(|(k, v)| {
                self.add(k);
                self.add_all(v);
            }),
        }
    }

    /// The values of env entries (any mapping with a `name` and a `value`) whose name is a
    /// credential option's.
    fn collect_env(&mut self, value: &Value) {
        match value {
            Value::Object(o) => {
                let name = o.get("name").and_then(Value::as_str);
                if name
                    .and_then(env_option)
                    .is_some_and(|(_, o)| o.is_some_and(|o| o.secret))
                {
                    if let Some(v) = o.get("value") {
                        self.add_all(v);
                    }
                }
                o.values().for_each(|v| self.collect_env(v));
            }
            Value::Array(items) => items.iter().for_each(|i| self.collect_env(i)),
            _ => {}
        }
    }
}

/// The SSO setting an env entry's name addresses, if any, with the catalogue's entry for its
/// option.
fn env_option(name: &str) -> Option<(names::SsoName, Option<&'static catalogue::OptionSpec>)> {
    let sso = names::parse_name(name)?;
    let option = sso.option();
    Some((sso, option))
}

/// Whether an env entry named `name` (as Kubernetes reads it) has a value that must not
/// be shown. Only the value of an SSO option the catalogue calls public is shown: any other
/// variable may hold a credential the catalogue knows nothing of (a database connection
/// string with its password, a cloud key), so its value is never printed.
fn env_value_is_secret(name: Option<&str>) -> bool {
    let Some(name) = name else {
        return false;
    };
    match env_option(name) {
        Some((sso, _)) => {
            let provider = sso.provider();
            !catalogue::value_is_public(provider, sso.option_name())
        }
        None => true,
    }
}

/// Replaces a node by the marker, keeping its anchor (aliases to it stay valid) and position
/// (the emitter reads sequence indentation from positions). An alias shows no content.
fn blank(node: &mut Node) {
    let (anchor, line, col) = match node {
        Node::Alias(_) => return,
        Node::Scalar {
            anchor, line, col, ..
        } => (*anchor, *line, *col),
        // A collection's own position is not its content's column: let the layout decide.
        Node::Seq { anchor, .. } | Node::Map { anchor, .. } => (*anchor, 0, 0),
    };
    *node = Node::Scalar {
        value: REDACTED.into(),
        style: Style::Plain,
        tag: None,
        anchor,
        line,
        col,
    };
}

/// Replaces the secret fields' values of a Secret-like object by the marker.
fn blank_secret_fields(object: &mut Node) {
    let kind = object.get_str("kind").unwrap_or_default();
    let Some((_, paths)) = SECRET_FIELDS.iter().find(|(k, _)| *k == kind) else {
        return;
    };
    for path in *paths {
        let mut node = Some(&mut *object);
        for step in *path {
            node = node.and_then(|n| n.get_mut(step));
        }
        match node {
            Some(Node::Map { entries, .. }) => entries.iter_mut().for_each(|(_, v)| blank(v)),
            Some(other) => blank(other),
            None => {}
        }
    }
}

/// Redacts a document as Kubernetes reads it ([`crate::kube::tree::as_read`]: no alias, no
/// merge) in place, and writes every collection in block style, so that both sides of a diff
/// are emitted alike.
pub fn redact(root: &mut Node, known: &Known) {
    for object in objects::objects_mut(root) {
        blank_secret_fields(object);
    }
    redact_node(root, known);
}

fn redact_node(node: &mut Node, known: &Known) {
    match node {
        Node::Scalar { value, .. } => {
            if value != REDACTED && holds_known(value, known) {
                blank(node);
            }
        }
        Node::Seq { items, flow, .. } => {
            *flow = false;
            items.iter_mut().for_each(|i| redact_node(i, known));
        }
        Node::Map { entries, flow, .. } => {
            *flow = false;
            // Decided before any key is touched (a key could itself be a known value).
            let name = entries
                .iter()
                .find(|(k, _)| k.as_str() == Some("name"))
                .and_then(|(_, v)| match objects::to_json(v) {
                    Value::String(s) => Some(s),
                    _ => None,
                });
            let secret_env = env_value_is_secret(name.as_deref());
            // A value ClearML reads as more than one value (other keys, an object) may carry
            // any setting's credential, whatever the variable's name.
            let read_by_clearml = name
                .as_deref()
                .is_some_and(|n| names::read_by_clearml(n.trim_start()));
            for (k, v) in entries.iter_mut() {
                let is_value = k.as_str() == Some("value");
                redact_node(k, known);
                let many = is_value
                    && read_by_clearml
                    && match objects::to_json(v) {
                        Value::String(s) => !reads_as_one_value(&s),
                        _ => false,
                    };
                if secret_env && is_value || many {
                    blank(v);
                } else {
                    redact_node(v, known);
                }
            }
        }
        Node::Alias(_) => {}
    }
}

/// Whether a scalar is a known secret value, or holds one as ClearML reads it: a quoted
/// string, an item of a HOCON list (`["<the client secret>"]` pasted into the admin groups).
fn holds_known(value: &str, known: &Known) -> bool {
    fn hocon(h: &Hocon, known: &Known) -> bool {
        match h {
            Hocon::String(s) | Hocon::Int(s) => known.contains(s),
            Hocon::List(items) => items.iter().any(|i| hocon(i, known)),
            _ => false,
        }
    }
    // (No known value: no parse.)
    !known.values.is_empty()
        && (known.contains(value) || values::read_one(value).is_some_and(|v| hocon(&v, known)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What pyhocon reads as setting another key is never shown, even for a public option:
    /// `//` inside a token is no comment, an escaped quote in unquoted text is text, a `"""`
    /// string runs to its end.
    #[test]
    fn values_that_set_other_keys_are_never_shown() {
        let kc = Some((Client::OAuth, "keycloak"));
        let secret = "secure.login.sso.oauth_client.keycloak.client_secret";
        for v in [
            format!("https://hooks.example.com/, {secret}: \"attacker\""),
            format!("https://x/a\\\" , {secret}: attacker"),
            format!("\"\"\"https://x/\"\"\", {secret}: attacker"),
            format!("https://x/\n{secret}: attacker"),
            "{client_secret: attacker}".to_string(),
        ] {
            let s = shown(&v, kc, "base_url", true).to_string();
            assert_eq!(s, "a value that sets other keys", "{v:?}");
            assert!(!reads_as_one_value(&v), "{v:?}");
        }
        assert!(reads_as_one_value("https://x//y/"));
        assert!(reads_as_one_value("${X}"), "an env value is a string");
    }

    fn hidden(values: &[&str], text: &str) -> String {
        let mut t = text.to_string();
        if let Some(hider) = Hider::new(values.iter().copied(), text) {
            hider.hide(&mut t);
        }
        t
    }

    /// Two values that overlap in the text are both hidden whole, whichever is found first.
    #[test]
    fn overlapping_secret_values_are_hidden_whole() {
        for values in [
            ["clientAAAA-1111", "1111-BBBBsecret"],
            ["1111-BBBBsecret", "clientAAAA-1111"],
        ] {
            let t = hidden(&values, "value `clientAAAA-1111-BBBBsecret` differs");
            assert_eq!(t, format!("value `{HIDDEN}` differs"), "{values:?}");
        }
        // One value inside another, a value twice, overlapping occurrences of one value.
        let t = hidden(
            &["abcdefgh", "xxabcdefghyy"],
            "a `xxabcdefghyy` b abcdefgh c",
        );
        assert_eq!(t, format!("a `{HIDDEN}` b {HIDDEN} c"));
        let t = hidden(&["abababab"], "`ababababab`");
        assert_eq!(t, format!("`{HIDDEN}`"));
        let t = hidden(&["mot-de-passe-é"], "« mot-de-passe-é »");
        assert_eq!(t, format!("« {HIDDEN} »"));
    }

    /// A long Secret value (100,000 bytes of one letter, or of varied text) is found inside a
    /// scalar: the automaton is built in time linear in the values (a DFA took a minute for
    /// 40,000 bytes, tests/fixtures/attack-found/session7).
    #[test]
    fn a_secret_value_of_100_000_bytes_is_found_inside_a_scalar() {
        let varied: String = (0..100_000u32)
            .map(|i| char::from(b'a' + (i.wrapping_mul(2_654_435_761) >> 27) as u8 % 26))
            .collect();
        for value in ["z".repeat(100_000), varied] {
            let mut known = Known::default();
            known.add(&value);
            known.add("another-secret-value");
            assert!(known.contains(&format!("https://user:{value}@host/")));
            assert!(known.contains(&value));
            assert!(!known.contains(&value[1..50_000]));
        }
    }

    /// A short value is hidden only where it stands alone: quoted, or an item of a list.
    #[test]
    fn short_secret_values_are_hidden_where_they_stand_alone() {
        for text in [
            "`MARKER`",
            "'MARKER'",
            "\"MARKER\"",
            "`[MARKER]`",
            "`[a, MARKER ]`",
        ] {
            let t = hidden(&["MARKER"], text);
            assert!(!t.contains("MARKER"), "{text} -> {t}");
        }
        for text in ["`MARKERS`", "a MARKER b", "`[MARKER-x]`", "`-MARKER`"] {
            assert_eq!(hidden(&["MARKER"], text), text, "{text}");
        }
    }

    #[test]
    fn values_are_shown_only_for_public_options_of_declared_providers() {
        let kc = Some((Client::OAuth, "keycloak"));
        let text = |v: &str, p, o: &str, d| shown(v, p, o, d).to_string();
        assert_eq!(text("https://x/", kc, "base_url", true), "`https://x/`");
        assert_eq!(text("true", None, "tenant_login", true), "`true`");
        // Credentials, `secure` options, misspellings, undeclared or unknown providers.
        assert_eq!(
            text("98127364519283746", kc, "client_secret", true),
            "a 17-digit number"
        );
        assert_eq!(
            text("[\"a\",\"b\"]", kc, "client_id", true),
            "a list of 2 item(s)"
        );
        assert_eq!(text("s3cr3t", kc, "client_secrett", true), "a string");
        assert_eq!(text("https://x/", kc, "base_url", false), "a string");
        assert_eq!(
            text("True", Some((Client::OAuth, "keycloack")), "debug", true),
            "a boolean"
        );
        assert_eq!(text(" ", kc, "client_secret", true), "an empty value");
        assert_eq!(shown("x", kc, "client_secret", true).suffix(), "");
        assert_eq!(shown("x", kc, "client_secret", true).subject(), "the value");
        // A public option whose text pyhocon reads as more keys (the `//` is no comment).
        let injected = "https://hooks.example.com/, secure.login.sso.oauth_client.keycloak.client_secret: \"attacker\"";
        assert_eq!(
            text(injected, kc, "base_url", true),
            "a value that sets other keys"
        );
        assert_eq!(
            text("{a: attacker}", kc, "base_url", true),
            "a value that sets other keys"
        );
        assert_eq!(text("a@b", kc, "base_url", true), "a string");
    }
}
