//! How ClearML reads an environment variable: the name grammar and HOCON-safe values.
//!
//! ClearML's loader takes a variable only if its name starts with the
//! upper-case `CLEARML__` (or legacy `TRAINS__`), replaces `__` by `.`, lower-cases the path,
//! and parses `"{path}: {value}"` as HOCON with pyhocon. Two spellings that give the same
//! path are the same setting; a spelling ClearML ignores is a setting that silently isn't there.
//! docs/how-clearml-reads-sso.md explains these rules for users; numbers such as T9 name the
//! traps of docs/traps.md.

use crate::providers::{Client, Section, ValueType};

/// The prefix of a variable name, as ClearML would treat it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefix {
    /// `CLEARML__`: read.
    Clearml,
    /// `clearml__`, `Clearml__`…: not read (the loader's prefix test is case-sensitive).
    ClearmlWrongCase,
    /// `TRAINS__`: read, but any `CLEARML__` spelling of the same key wins.
    Trains,
    /// `ALLEGRO__` (old docs, T9) or `KLIQUE__` (a rebranded copy of the docs, T30): not read.
    Foreign(String),
}

/// Prefixes seen on SSO variables in the wild that ClearML does not read (traps T9 and T30,
/// docs/traps.md).
const FOREIGN_PREFIXES: &[&str] = &["ALLEGRO", "KLIQUE"];

/// A variable name that addresses an SSO setting, in any spelling ClearML or a user might use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoName {
    /// The prefix as written.
    pub prefix: Prefix,
    /// `secure` or `services`; `None` when the section is neither.
    pub section: Option<Section>,
    /// The section segment, lower-cased.
    pub section_text: String,
    /// The key ClearML builds below the section: lower-cased, dotted
    /// (`login.sso.oauth_client.keycloak.groups.admins`). Two names with the same path and
    /// section are the same setting.
    pub path: String,
    /// `(client type, provider key)` for a provider option; `None` for a switch of SSO as a
    /// whole (`login.sso.tenant_login`).
    pub provider: Option<(Client, String)>,
    /// The option below the provider (`groups.admins`), or the switch's name.
    pub option: String,
    /// The name had leading or trailing whitespace (T5: copied from the docs with a space).
    pub padded: bool,
}

/// Parses a variable name into an SSO setting, if it addresses one (in any spelling).
pub fn parse_name(raw: &str) -> Option<SsoName> {
    let name = raw.trim();
    // Most variables are not SSO settings: rule them out before allocating anything. Only
    // `sso` is looked for: ClearML turns `__` into `.`, so `login.sso` written with a dot
    // addresses the same setting as `login__sso`.
    const MARK: &[u8] = b"sso";
    if !name
        .as_bytes()
        .windows(MARK.len())
        .any(|w| w.eq_ignore_ascii_case(MARK))
    {
        return None;
    }
    let (head, rest) = name.split_once("__")?;
    let prefix = match head {
        "CLEARML" => Prefix::Clearml,
        "TRAINS" => Prefix::Trains,
        h if h.eq_ignore_ascii_case("clearml") => Prefix::ClearmlWrongCase,
        h if FOREIGN_PREFIXES.iter().any(|f| h.eq_ignore_ascii_case(f)) => {
            Prefix::Foreign(h.to_string())
        }
        _ => return None,
    };
    let lowered = rest.replace("__", ".").to_lowercase();
    let (section_text, path) = lowered.split_once('.')?;
    let below = path.strip_prefix("login.sso.")?;
    let (provider, option) = match below.split_once('.') {
        Some((client, rest)) if client == "oauth_client" || client == "saml_client" => {
            let client = if client == "oauth_client" {
                Client::OAuth
            } else {
                Client::Saml
            };
            let (provider, option) = rest.split_once('.')?;
            if provider.is_empty() || option.is_empty() {
                return None;
            }
            (Some((client, provider.to_string())), option.to_string())
        }
        Some(_) => return None,
        None if below.is_empty() => return None,
        None => (None, below.to_string()),
    };
    Some(SsoName {
        prefix,
        section: Section::parse(section_text),
        section_text: section_text.to_string(),
        path: path.to_string(),
        provider,
        option,
        padded: name.len() != raw.len(),
    })
}

impl SsoName {
    /// The catalogue entry for this variable's option, if ClearML documents it.
    pub fn option(&self) -> Option<&'static crate::providers::OptionSpec> {
        let options = match &self.provider {
            Some((client, _)) => crate::providers::options(*client),
            None => crate::providers::GLOBAL_OPTIONS,
        };
        options.iter().find(|o| o.name == self.option)
    }
}

/// The path below the section for a provider option: `login.sso.<client>.<provider>.<option>`.
pub fn provider_path(client: Client, provider: &str, option: &str) -> String {
    format!("login.sso.{}.{provider}.{option}", client.as_str())
}

/// The path below the section for a switch of SSO as a whole: `login.sso.<name>`.
pub fn global_path(name: &str) -> String {
    format!("login.sso.{name}")
}

/// The one spelling the tool writes: `CLEARML__<section>__` + the path with `.` → `__`.
pub fn canonical_name(section: Section, path: &str) -> String {
    format!("CLEARML__{}__{}", section.as_str(), path.replace('.', "__"))
}

/// A value as ClearML ends up holding it after HOCON parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum Hocon {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A number (kept as text; ClearML would hold an int or float).
    Number(String),
    /// `null`.
    Null,
    /// A list.
    List(Vec<Hocon>),
    /// A `${…}` substitution: ClearML fails to start on it.
    Substitution(String),
    /// Anything this reader does not model (ClearML may reject or misread it).
    Unreadable(&'static str),
}

/// Characters that end or break an unquoted HOCON string in pyhocon 0.3.x
/// (its `unquoted_string` pattern), plus whitespace.
const UNQUOTED_FORBIDDEN: &[char] = &[
    '^', '`', '+', '?', '!', '@', '*', '&', '"', '[', '{', ']', '}', '#', ',', '=', '$', '\\',
];

fn looks_numeric(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    // pyhocon's number pattern uses Python's `\d`, which matches every Unicode digit (`٣`, `🯲`).
    s.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c.is_numeric())
}

fn is_keyword(s: &str) -> bool {
    ["true", "false", "null", "yes", "no", "on", "off", "include"]
        .iter()
        .any(|k| s.eq_ignore_ascii_case(k))
}

/// Writes a string so that HOCON reads it back unchanged: bare when that is safe,
/// otherwise double-quoted with JSON escapes.
pub fn hocon_string(s: &str) -> String {
    // Only plain ASCII goes bare: pyhocon's patterns are Unicode-aware in ways (digits, spaces)
    // that are not worth second-guessing; anything else is quoted.
    let bare = !s.is_empty()
        && s.is_ascii()
        && !s.contains(UNQUOTED_FORBIDDEN)
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && !looks_numeric(s)
        && !is_keyword(s)
        // `//` starts a comment in HOCON; pyhocon reads `scheme://` inside a bare string
        // as text, but nothing else.
        && s.matches("//").count() == s.matches("://").count();
    if bare {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("strings serialize")
    }
}

/// A list of strings as HOCON: every item quoted, `["a","b"]`.
pub fn hocon_list(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|i| serde_json::to_string(i).expect("strings serialize"))
        .collect();
    format!("[{}]", quoted.join(","))
}

/// Reads a variable's value the way pyhocon would, for the shapes SSO options take.
pub fn read(text: &str) -> Hocon {
    let t = strip_comment(text).trim();
    if t.is_empty() {
        return Hocon::Str(String::new());
    }
    if let Some(inner) = t.strip_prefix('[') {
        let Some(inner) = inner.strip_suffix(']') else {
            return Hocon::Unreadable("a list without its closing ]");
        };
        let items: Vec<Hocon> = split_list(inner).iter().map(|i| read(i)).collect();
        if let Some(bad) = items.iter().find(|i| matches!(i, Hocon::Unreadable(_))) {
            return bad.clone();
        }
        return Hocon::List(items);
    }
    if t.starts_with('"') {
        return match serde_json::from_str::<String>(t) {
            Ok(s) => Hocon::Str(s),
            Err(_) => Hocon::Unreadable("a quoted string that does not close properly"),
        };
    }
    // Unquoted `${…}` is a substitution (ClearML fails on an unknown one); quoted, it is text.
    if t.contains("${") {
        return Hocon::Substitution(t.to_string());
    }
    if t.eq_ignore_ascii_case("true") {
        return Hocon::Bool(true);
    }
    if t.eq_ignore_ascii_case("false") {
        return Hocon::Bool(false);
    }
    if t.eq_ignore_ascii_case("null") {
        return Hocon::Null;
    }
    if looks_numeric(t) {
        return Hocon::Number(t.to_string());
    }
    if !bare_word_ok(t) {
        return Hocon::Unreadable("a character HOCON does not accept unquoted");
    }
    // pyhocon joins whitespace-separated bare words back into one string.
    Hocon::Str(t.to_string())
}

/// Whether pyhocon takes `t` as unquoted text: no forbidden character, except one escaped by
/// a backslash (pyhocon's pattern allows `\\.`).
fn bare_word_ok(t: &str) -> bool {
    let mut chars = t.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if chars.next().is_none() {
                return false;
            }
        } else if UNQUOTED_FORBIDDEN.contains(&c) {
            return false;
        }
    }
    true
}

/// Drops a ` # …` / ` // …` tail outside quotes, as HOCON does (T18).
pub fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'#' if !in_quotes => return &text[..i],
            // `//` inside a bare word (`a//b`, `https://`) is text to pyhocon; after
            // whitespace it starts a comment.
            b'/' if !in_quotes
                && bytes.get(i + 1) == Some(&b'/')
                && (i == 0 || bytes[i - 1].is_ascii_whitespace()) =>
            {
                return &text[..i]
            }
            _ => {}
        }
        i += 1;
    }
    text
}

fn split_list(inner: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut in_quotes, mut escaped) = (0, false, false);
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' | '\n' if !in_quotes => {
                out.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&inner[start..]);
    out.retain(|s| !s.trim().is_empty());
    out
}

/// Something in a variable's text that makes ClearML read other than what it seems to say,
/// or fail. The one place the tool decides how ClearML reads a value: the correction rules
/// only choose what to do about each (replace from the policy, fix in place, refuse).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueIssue {
    /// `${…}`: docker-compose syntax that reached the manifest; ClearML fails to start.
    Substitution,
    /// ClearML parses `<path>: <value>` as HOCON, so a `,` or a line break outside quotes and
    /// brackets (or an unbalanced bracket) makes the value set other keys too — any setting,
    /// a credential included.
    OtherKeys,
    /// A ` # …` (or ` // …`) tail that HOCON drops as a comment.
    CommentTail,
    /// HOCON cannot parse it; ClearML fails to start.
    Unparseable(&'static str),
    /// The option takes a list and the value is one bare string (`item`).
    NotAList {
        /// The string ClearML would read.
        item: String,
    },
    /// The option takes a boolean and the value is the *string* `"true"`/`"false"`.
    QuotedBoolean(bool),
    /// A boolean spelled other than `true`/`false` (`True`, `FALSE`).
    BooleanSpelling(bool),
    /// The option takes a string and ClearML would read a number.
    Number {
        /// The number as written.
        text: String,
    },
    /// The option's URL must end with `/` and does not.
    NoTrailingSlash {
        /// The URL as ClearML would read it.
        url: String,
    },
}

/// Whether ClearML, parsing `<path>: <text>` as HOCON, would get more than that one key: a
/// `,` or a line break at the top level (outside quotes, brackets and comments) followed by
/// more content, or a closing bracket that opens nothing. Applies to every variable ClearML
/// reads, SSO or not.
pub fn sets_other_keys(text: &str) -> bool {
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let mut separated = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                if separated {
                    return true;
                }
                // A quoted string (triple quotes are a run of quoted strings here: fine).
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '[' | '{' => {
                if separated {
                    return true;
                }
                depth += 1;
            }
            ']' | '}' => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return true,
            },
            '#' => {
                // A comment runs to the end of the line; the line break still separates.
                while chars.peek().is_some_and(|&n| n != '\n' && n != '\r') {
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                while chars.peek().is_some_and(|&n| n != '\n' && n != '\r') {
                    chars.next();
                }
            }
            ',' | '\n' | '\r' if depth == 0 => separated = true,
            c if c.is_whitespace() => {}
            _ if separated => return true,
            _ => {}
        }
    }
    depth != 0 && separated
}

/// How ClearML reads one variable's text for an option.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// What ClearML holds, as read from the text as it is.
    pub read: Hocon,
    /// What is wrong with it, in the order it was found.
    pub issues: Vec<ValueIssue>,
    /// The text that gives ClearML what the value means, when every issue can be fixed
    /// without guessing (`None` after `Substitution` or `Unparseable`).
    pub corrected: Option<String>,
}

/// Judges `text` (a variable's value) as ClearML reads it for `option` (`None`: an option the
/// catalogue does not know, judged for syntax only). Pure: no finding, no message.
pub fn judge(text: &str, option: Option<&crate::providers::OptionSpec>) -> Judgement {
    let read_as_is = read(text);
    let mut issues = Vec::new();
    if sets_other_keys(text) {
        issues.push(ValueIssue::OtherKeys);
        return Judgement {
            read: read_as_is,
            issues,
            corrected: None,
        };
    }
    if text.contains("${") {
        issues.push(ValueIssue::Substitution);
        return Judgement {
            read: read_as_is,
            issues,
            corrected: None,
        };
    }
    let mut fixed = text.to_string();
    let stripped = strip_comment(&fixed).trim_end();
    if stripped != fixed.trim_end() {
        issues.push(ValueIssue::CommentTail);
        fixed = stripped.to_string();
    }
    let hocon = read(&fixed);
    if let Hocon::Unreadable(why) = hocon {
        issues.push(ValueIssue::Unparseable(why));
        return Judgement {
            read: read_as_is,
            issues,
            corrected: None,
        };
    }
    let ty = option.map(|o| o.value_type);
    let slash = option.is_some_and(|o| o.trailing_slash);
    match (ty, &hocon) {
        (Some(ValueType::List), Hocon::Str(s)) => {
            issues.push(ValueIssue::NotAList { item: s.clone() });
            fixed = hocon_list(std::slice::from_ref(s));
        }
        (Some(ValueType::Bool), Hocon::Str(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            let b = s.eq_ignore_ascii_case("true");
            issues.push(ValueIssue::QuotedBoolean(b));
            fixed = b.to_string();
        }
        (Some(ValueType::Bool), Hocon::Bool(b)) if fixed.trim() != b.to_string() => {
            issues.push(ValueIssue::BooleanSpelling(*b));
            fixed = b.to_string();
        }
        (Some(ValueType::Str), Hocon::Number(n)) => {
            issues.push(ValueIssue::Number { text: n.clone() });
            fixed = hocon_string(n);
        }
        (_, Hocon::Str(s)) if slash && !s.ends_with('/') && !s.is_empty() => {
            issues.push(ValueIssue::NoTrailingSlash { url: s.clone() });
            fixed = hocon_string(&format!("{s}/"));
        }
        _ => {}
    }
    Judgement {
        read: read_as_is,
        issues,
        corrected: Some(fixed),
    }
}

/// A policy value ClearML should end up holding, as the tool writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
    /// A list of strings.
    List(Vec<String>),
}

impl Literal {
    /// The variable text for this value: the HOCON form that reads back as exactly it.
    pub fn to_env(&self) -> String {
        match self {
            Literal::Str(s) => hocon_string(s),
            Literal::Bool(b) => b.to_string(),
            Literal::List(items) => hocon_list(items),
        }
    }

    /// The value ClearML holds for it.
    pub fn to_hocon(&self) -> Hocon {
        match self {
            Literal::Str(s) => Hocon::Str(s.clone()),
            Literal::Bool(b) => Hocon::Bool(*b),
            Literal::List(items) => Hocon::List(items.iter().cloned().map(Hocon::Str).collect()),
        }
    }

    /// Whether an existing variable text already gives ClearML this value, spelled canonically
    /// enough: booleans must be lower-case `true`/`false` (other spellings are normalised).
    pub fn matches(&self, text: &str) -> bool {
        match self {
            Literal::Bool(b) => text.trim() == b.to_string(),
            _ => read(text) == self.to_hocon(),
        }
    }

    /// The value type of this literal.
    pub fn value_type(&self) -> ValueType {
        match self {
            Literal::Str(_) => ValueType::Str,
            Literal::Bool(_) => ValueType::Bool,
            Literal::List(_) => ValueType::List,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_spellings_are_the_same_setting() {
        let dotted =
            parse_name("CLEARML__secure__login.sso__oauth_client__google__client_secret").unwrap();
        let canonical =
            parse_name("CLEARML__secure__login__sso__oauth_client__google__client_secret").unwrap();
        assert_eq!(dotted.path, canonical.path);
        assert_eq!(dotted.section, canonical.section);
        assert!(parse_name("CLEARML__services__ssoish").is_none());
    }

    #[test]
    fn values_that_set_other_keys() {
        for bad in [
            "x, secure.login.sso.oauth_client.google.client_secret: e",
            "x\nsecure.login.sso.oauth_client.google.client_secret: e",
            "x # c\nsecure.a: e",
            "{}\nsecure {login {a: e}}",
            "x } y {",
            "\"q\", b: c",
        ] {
            assert!(sets_other_keys(bad), "{bad:?}");
        }
        for good in [
            "https://x.example.com/a",
            "[\"a\", \"b\"]",
            "[a,\n b]",
            "{a: 1, b: 2}",
            "\"a, b: c\"",
            "x # a, b: c",
            "x,",
            "x\n",
            "",
        ] {
            assert!(!sets_other_keys(good), "{good:?}");
        }
    }

    #[test]
    fn names_in_every_spelling_address_the_same_setting() {
        let a =
            parse_name("CLEARML__secure__login__sso__oauth_client__keycloak__client_id").unwrap();
        let b =
            parse_name("CLEARML__SECURE__LOGIN__SSO__OAUTH_CLIENT__KEYCLOAK__CLIENT_ID").unwrap();
        assert_eq!(a, b);
        let lower =
            parse_name("clearml__secure__login__sso__oauth_client__keycloak__client_id").unwrap();
        assert_eq!(lower.prefix, Prefix::ClearmlWrongCase);
        let nested =
            parse_name("CLEARML__services__login__sso__oauth_client__keycloak__groups__admins")
                .unwrap();
        assert_eq!(nested.option, "groups.admins");
        assert_eq!(nested.path, "login.sso.oauth_client.keycloak.groups.admins");
        let global = parse_name("CLEARML__services__login__sso__tenant_login").unwrap();
        assert_eq!(
            (global.provider, global.option.as_str()),
            (None, "tenant_login")
        );
        let padded =
            parse_name("CLEARML__secure__login__sso__oauth_client__ping__client_secret ").unwrap();
        assert!(padded.padded);
        let foreign =
            parse_name("ALLEGRO__secure__login__sso__saml_client__microsoft_ad__entity_id")
                .unwrap();
        assert_eq!(foreign.prefix, Prefix::Foreign("ALLEGRO".into()));
        assert!(parse_name("CLEARML__apiserver__auth__fixed_users__enabled").is_none());
        assert!(parse_name("OTHER__secure__login__sso__oauth_client__x__y").is_none());
    }

    #[test]
    fn canonical_name_joins_nested_options() {
        assert_eq!(
            canonical_name(
                Section::Services,
                &provider_path(Client::OAuth, "keycloak", "groups.admins")
            ),
            "CLEARML__services__login__sso__oauth_client__keycloak__groups__admins"
        );
    }

    #[test]
    fn strings_are_quoted_only_when_needed() {
        assert_eq!(
            hocon_string("https://sso.example.com/realms/x/"),
            "https://sso.example.com/realms/x/"
        );
        assert_eq!(hocon_string("a?b=c"), "\"a?b=c\"");
        assert_eq!(hocon_string("s3cr#t"), "\"s3cr#t\"");
        assert_eq!(hocon_string("123e4567"), "\"123e4567\"");
        assert_eq!(hocon_string("true"), "\"true\"");
        assert_eq!(hocon_string("two words"), "\"two words\"");
        assert_eq!(hocon_string("a//b"), "\"a//b\"");
        assert_eq!(hocon_string(""), "\"\"");
        assert_eq!(hocon_list(&["a".into(), "b c".into()]), "[\"a\",\"b c\"]");
    }

    #[test]
    fn reading_matches_pyhocon_for_option_shapes() {
        assert_eq!(read("True"), Hocon::Bool(true));
        assert_eq!(read("\"true\""), Hocon::Str("true".into()));
        assert_eq!(
            read("[a, \"b\"]"),
            Hocon::List(vec![Hocon::Str("a".into()), Hocon::Str("b".into())])
        );
        assert_eq!(read("admins"), Hocon::Str("admins".into()));
        assert_eq!(read("https://x/y # note"), Hocon::Str("https://x/y".into()));
        assert!(matches!(read("${X}"), Hocon::Substitution(_)));
        assert!(matches!(read("true`"), Hocon::Unreadable(_)));
        assert_eq!(read("0123"), Hocon::Number("0123".into()));
    }

    #[test]
    fn literal_matching() {
        assert!(Literal::Bool(true).matches("true"));
        assert!(!Literal::Bool(true).matches("True"));
        assert!(!Literal::Bool(true).matches("\"true\""));
        assert!(Literal::Str("x y".into()).matches("\"x y\""));
        assert!(Literal::List(vec!["a".into()]).matches("[a]"));
        assert!(!Literal::List(vec!["a".into()]).matches("a"));
    }
}
