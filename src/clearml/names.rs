//! How ClearML reads an environment variable's name: the name grammar.
//!
//! ClearML's loader takes a variable only if its name starts with the
//! upper-case `CLEARML__` (or legacy `TRAINS__`), replaces `__` by `.`, lower-cases the path,
//! and parses `"{path}: {value}"` as HOCON with pyhocon. Two spellings that give the same
//! path are the same setting; a spelling ClearML ignores is a setting that silently isn't there.
//! docs/how-clearml-reads-sso.md explains these rules for users; numbers such as T9 name the
//! traps of docs/traps.md. How the value is read is [`super::values`]'s.

use crate::catalogue::{Client, Section};

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
///
/// Its parts are ranges of one lower-cased, dotted copy of the name (one allocation per name:
/// each name is parsed several times per container), read through the methods below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoName {
    /// The prefix as written.
    pub prefix: Prefix,
    /// `secure` or `services`; `None` when the section is neither.
    pub section: Option<Section>,
    /// The name had leading or trailing whitespace (T5: copied from the docs with a space).
    pub padded: bool,
    /// The name after its prefix as ClearML reads it ([`dotted`]): `<section>.<path>`.
    lowered: String,
    /// Where the section segment ends in `lowered` (at its `.`).
    section_end: usize,
    /// The client type and where the provider key is in `lowered`, for a provider option.
    provider: Option<(Client, std::ops::Range<usize>)>,
    /// Where the option starts in `lowered` (it runs to the end).
    option_start: usize,
}

/// Whether ClearML's loader takes this variable at all: its name starts with `CLEARML__` or
/// `TRAINS__` (case-sensitive).
pub fn read_by_clearml(name: &str) -> bool {
    name.starts_with("CLEARML__") || name.starts_with("TRAINS__")
}

/// Whether an `envFrom` source with this `prefix` (the entry's `prefix`, `""` when none) can
/// bring in a variable ClearML's loader reads by its name alone: one starting with `CLEARML__`
/// or `TRAINS__` (case-sensitive `startswith`, so `clearml__` is not one), or
/// `CLEARML_CONFIG_DIR`/`TRAINS_CONFIG_DIR`. Every key is at least one character, so a name
/// the source brings in is the prefix and more. (Names ClearML reads only because a value or
/// folder refers to them, `${X}`, `$X`, `~`, are the loader's to tell:
/// [`crate::clearml::loader::Loaded::env_read`].)
pub fn prefix_reaches_loader(prefix: &str) -> bool {
    crate::clearml::loader::ENV_PREFIXES
        .iter()
        .any(|p| prefix.starts_with(p) || p.starts_with(prefix))
        || crate::clearml::files::CONFIG_DIR_VARIABLES
            .iter()
            .any(|n| n.len() > prefix.len() && n.starts_with(prefix))
}

/// Whether a name, once ClearML turns it into a config path and parses `<path>: <value>` as
/// HOCON, is only a key: letters, digits, `_`, `.` and `-`. Anything else (`:`, quotes,
/// braces, `//`, `#`, spaces…) is HOCON syntax inside the name and can set any other key.
/// `CLEARML__` alone, or `____` inside, leaves an empty key, which pyhocon cannot parse: every
/// key of [`config_path`]`(name)` (split at `.`) must be non-empty. That is checked without
/// building the path, in the same pass over the name (names are checked many times per
/// container): [`dotted`]'s left-to-right `__` and the name's own `.` both end a key, and
/// lower-casing ASCII keeps every key's length.
pub fn name_is_only_a_key(name: &str) -> bool {
    let b = name.as_bytes();
    // After a prefix (itself only key bytes), the keys count too.
    let rest = ["CLEARML__", "TRAINS__"]
        .iter()
        .find(|p| b.starts_with(p.as_bytes()))
        .map_or(0, |p| p.len());
    let keys = rest > 0;
    let (mut i, mut start) = (rest, rest);
    while i < b.len() {
        let end = match KEY_BYTES[usize::from(b[i])] {
            Key::Inside => {
                i += 1;
                continue;
            }
            Key::Dot => 1,
            Key::Underscore if b.get(i + 1) == Some(&b'_') => 2,
            Key::Underscore => {
                i += 1;
                continue;
            }
            Key::Not => return false,
        };
        if keys && i == start {
            return false;
        }
        i += end;
        start = i;
    }
    !keys || start < b.len()
}

/// What a byte is to [`name_is_only_a_key`]: letters, digits and `-` are inside a key, `.`
/// ends one, `_` is inside one unless a second `_` follows (then the two end it), anything
/// else is HOCON syntax.
#[derive(Clone, Copy)]
enum Key {
    Inside,
    Dot,
    Underscore,
    Not,
}

/// [`Key`] of every byte, looked up rather than tested range by range (names are checked many
/// times per container, a byte at a time).
const KEY_BYTES: [Key; 256] = {
    let mut table = [Key::Not; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b'.' => Key::Dot,
            b'_' => Key::Underscore,
            b'-' => Key::Inside,
            _ if b.is_ascii_alphanumeric() => Key::Inside,
            _ => Key::Not,
        };
        c += 1;
    }
    table
};

/// The config path ClearML builds from a variable it reads (section included, lower-cased,
/// `__` as `.`): `secure.login.sso.oauth_client.google.client_secret`.
pub fn config_path(name: &str) -> Option<String> {
    let rest = name
        .strip_prefix("CLEARML__")
        .or_else(|| name.strip_prefix("TRAINS__"))?;
    Some(dotted(rest))
}

/// Python's `rest.replace("__", ".")`: every `__`, left to right and not overlapping, becomes
/// `.` (the loader lower-cases the result with Python's rules itself).
pub fn dunder_to_dot(rest: &str) -> String {
    replace_dunders(rest, false)
}

/// What ClearML makes of a variable name after its `CLEARML__`/`TRAINS__` prefix: every `__`
/// (left to right, not overlapping) becomes `.`, then it is lower-cased. The same as
/// `rest.replace("__", ".").to_lowercase()`, without a substring searcher per name (names
/// are checked many times per container); an ASCII name (all but a hostile few) is
/// lower-cased in the same pass.
pub fn dotted(rest: &str) -> String {
    if rest.is_ascii() {
        replace_dunders(rest, true)
    } else {
        dunder_to_dot(rest).to_lowercase()
    }
}

/// `rest` with every `__` (left to right, not overlapping) as `.`, and its ASCII letters
/// lower-cased if `lower`.
fn replace_dunders(rest: &str, lower: bool) -> String {
    // In place, in one copy of the name, lower-cased in the same pass (`dotted` made a second
    // pass, and a `Vec::push` per byte cost more than the bytes themselves; copying the pieces
    // between `__` found by `memchr` measured no cheaper on names of a few dozen bytes). `to`
    // never passes `from`: each `__` writes one byte for two.
    let mut out = rest.as_bytes().to_vec();
    let (mut from, mut to) = (0, 0);
    while from < out.len() {
        let c = out[from];
        if c == b'_' && out.get(from + 1) == Some(&b'_') {
            out[to] = b'.';
            from += 2;
        } else {
            out[to] = if lower { c.to_ascii_lowercase() } else { c };
            from += 1;
        }
        to += 1;
    }
    out.truncate(to);
    // Only ASCII `__` became ASCII `.`, and only ASCII letters changed case, so the bytes are
    // UTF-8 still; the fallback, the same by `str`, is never taken.
    String::from_utf8(out).unwrap_or_else(|_| {
        let replaced = rest.replace("__", ".");
        if lower {
            replaced.to_ascii_lowercase()
        } else {
            replaced
        }
    })
}

/// Whether `name` holds `sso` in any ASCII case: what every name addressing an SSO setting
/// holds (`login.sso` or `login__sso`), so most names are ruled out by it before anything is
/// built. An `s` found by `memchr` and the two bytes after it compared, rather than every
/// window of the name (each name is asked several times per container).
pub fn holds_sso(name: &str) -> bool {
    let bytes = name.as_bytes();
    memchr::memchr2_iter(b's', b'S', bytes).any(|i| {
        bytes
            .get(i + 1..i + 3)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"so"))
    })
}

/// Parses a variable name into an SSO setting, if it addresses one (in any spelling).
pub fn parse_name(raw: &str) -> Option<SsoName> {
    let name = raw.trim();
    // Most variables are not SSO settings: rule them out before allocating anything. Only
    // `sso` is looked for: ClearML turns `__` into `.`, so `login.sso` written with a dot
    // addresses the same setting as `login__sso`.
    if !holds_sso(name) {
        return None;
    }
    let bytes = name.as_bytes();
    // `split_once("__")`, without a substring searcher per name.
    let cut = memchr::memchr_iter(b'_', bytes).find(|&i| bytes.get(i + 1) == Some(&b'_'))?;
    let (head, rest) = (&name[..cut], &name[cut + 2..]);
    let prefix = match head {
        "CLEARML" => Prefix::Clearml,
        "TRAINS" => Prefix::Trains,
        h if h.eq_ignore_ascii_case("clearml") => Prefix::ClearmlWrongCase,
        h if FOREIGN_PREFIXES.iter().any(|f| h.eq_ignore_ascii_case(f)) => {
            Prefix::Foreign(h.to_string())
        }
        _ => return None,
    };
    let lowered = dotted(rest);
    let section_end = lowered.bytes().position(|c| c == b'.')?;
    let path_start = section_end + 1;
    const SSO: &str = "login.sso.";
    if !lowered[path_start..].starts_with(SSO) {
        return None;
    }
    let below_start = path_start + SSO.len();
    let below = &lowered[below_start..];
    let (provider, option_start) = match split_at_dot(below) {
        Some((segment, rest)) if segment == "oauth_client" || segment == "saml_client" => {
            let client = if segment == "oauth_client" {
                Client::OAuth
            } else {
                Client::Saml
            };
            let (provider, option) = split_at_dot(rest)?;
            if provider.is_empty() || option.is_empty() {
                return None;
            }
            let provider_start = below_start + segment.len() + 1;
            let provider_end = provider_start + provider.len();
            (
                Some((client, provider_start..provider_end)),
                provider_end + 1,
            )
        }
        Some(_) => return None,
        None if below.is_empty() => return None,
        None => (None, below_start),
    };
    Some(SsoName {
        prefix,
        section: Section::parse(&lowered[..section_end]),
        padded: name.len() != raw.len(),
        lowered,
        section_end,
        provider,
        option_start,
    })
}

/// `s.split_once('.')` by a scan of its bytes: the segments of a name are a few bytes each,
/// shorter than the set-up of the `memchr` search `split_once` makes.
fn split_at_dot(s: &str) -> Option<(&str, &str)> {
    let dot = s.bytes().position(|c| c == b'.')?;
    Some((&s[..dot], &s[dot + 1..]))
}

impl SsoName {
    /// The section segment, lower-cased.
    pub fn section_text(&self) -> &str {
        &self.lowered[..self.section_end]
    }

    /// The key ClearML builds below the section: lower-cased, dotted
    /// (`login.sso.oauth_client.keycloak.groups.admins`). Two names with the same path and
    /// section are the same setting.
    pub fn path(&self) -> &str {
        &self.lowered[self.section_end + 1..]
    }

    /// `(client type, provider key)` for a provider option; `None` for a switch of SSO as a
    /// whole (`login.sso.tenant_login`).
    pub fn provider(&self) -> Option<(Client, &str)> {
        let (client, key) = self.provider.as_ref()?;
        Some((*client, &self.lowered[key.clone()]))
    }

    /// The config path ClearML builds from the name (section included), when its loader reads
    /// the name as written: a `CLEARML__` or `TRAINS__` prefix and no surrounding whitespace.
    /// [`config_path`] of the name, without building it again.
    pub fn config_path(&self) -> Option<&str> {
        let read = matches!(self.prefix, Prefix::Clearml | Prefix::Trains) && !self.padded;
        read.then_some(self.lowered.as_str())
    }

    /// The option below the provider (`groups.admins`), or the switch's name.
    pub fn option_name(&self) -> &str {
        &self.lowered[self.option_start..]
    }

    /// The catalogue entry for this variable's option, if ClearML documents it.
    pub fn option(&self) -> Option<&'static crate::catalogue::OptionSpec> {
        let options = match &self.provider {
            Some((client, _)) => crate::catalogue::options(*client),
            None => crate::catalogue::GLOBAL_OPTIONS,
        };
        options.iter().find(|o| o.name == self.option_name())
    }
}

// These three are built for every setting of every policy a run loads: joined, not
// `format!`ed (the formatting machinery costs several times the copying).

/// The path below the section for a provider option: `login.sso.<client>.<provider>.<option>`.
pub fn provider_path(client: Client, provider: &str, option: &str) -> String {
    ["login.sso.", client.as_str(), ".", provider, ".", option].concat()
}

/// The path below the section for a switch of SSO as a whole: `login.sso.<name>`.
pub fn global_path(name: &str) -> String {
    ["login.sso.", name].concat()
}

/// The one spelling the tool writes: `CLEARML__<section>__` + the path with `.` → `__`.
pub fn canonical_name(section: Section, path: &str) -> String {
    let section = section.as_str();
    let dots = path.bytes().filter(|&b| b == b'.').count();
    let mut out = String::with_capacity("CLEARML____".len() + section.len() + path.len() + dots);
    out.push_str("CLEARML__");
    out.push_str(section);
    out.push_str("__");
    // The pieces between the `.`s found by `memchr`, each copied whole (a `.` searcher per
    // piece, or a push per character, cost more than the copies).
    let mut start = 0;
    for dot in memchr::memchr_iter(b'.', path.as_bytes()) {
        out.push_str(&path[start..dot]);
        out.push_str("__");
        start = dot + 1;
    }
    out.push_str(&path[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_key_agrees_with_the_path_it_builds() {
        // Every name of up to 6 characters from an alphabet of key separators, key
        // characters and HOCON syntax, after each prefix: the check without the path agrees
        // with the path.
        let alphabet = ['a', 'B', '_', '.', '-', ':'];
        let mut names = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..6 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            all.extend(names.iter().cloned());
        }
        let mut empty_keys = 0;
        for rest in std::iter::once(String::new()).chain(all) {
            for prefix in ["CLEARML__", "TRAINS__", "CLEARML_", ""] {
                let name = format!("{prefix}{rest}");
                let by_path =
                    config_path(&name).is_none_or(|p| p.split('.').all(|s| !s.is_empty()));
                let chars_ok = name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
                assert_eq!(name_is_only_a_key(&name), chars_ok && by_path, "{name}");
                empty_keys += usize::from(!by_path);
            }
        }
        assert!(empty_keys > 1000, "{empty_keys}");
        assert!(!name_is_only_a_key("CLEARML__"));
        assert!(!name_is_only_a_key("CLEARML__a____b"));
        assert!(!name_is_only_a_key("CLEARML__a.__b"));
        assert!(name_is_only_a_key("CLEARML__a___b"));
        assert!(!name_is_only_a_key("CLEARML__a:b"));
    }

    #[test]
    fn envfrom_prefixes_that_reach_the_loader() {
        for reaches in [
            "",
            "C",
            "CLEARML",
            "CLEARML_",
            "CLEARML__",
            "CLEARML__SECURE__",
            "TRAINS_",
            "TRAINS__X",
            "CLEARML_CONFIG_",
            "TRAINS_CONFIG_DI",
        ] {
            assert!(prefix_reaches_loader(reaches), "{reaches:?}");
        }
        // Case-sensitive, and a name is the prefix and at least one more character.
        for not in [
            "clearml__",
            "Clearml__",
            "APP_",
            "CLEARML_X",
            "CLEARML_CONFIG_DIR",
            "TRAINS_CONFIG_DIR",
            "XCLEARML__",
        ] {
            assert!(!prefix_reaches_loader(not), "{not:?}");
        }
    }

    #[test]
    fn dotted_is_replace_then_lowercase() {
        for name in [
            "",
            "_",
            "__",
            "___",
            "____",
            "a__b",
            "A___B",
            "x__",
            "__x",
            "login__SSO__oauth_client",
            "\u{3a3}__\u{391}\u{3a3}",
            "\u{130}__X",
            "\u{e9}_\u{c9}__",
            "a_b_c",
        ] {
            assert_eq!(
                dotted(name),
                name.replace("__", ".").to_lowercase(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn dotted_spellings_are_the_same_setting() {
        let dotted =
            parse_name("CLEARML__secure__login.sso__oauth_client__google__client_secret").unwrap();
        let canonical =
            parse_name("CLEARML__secure__login__sso__oauth_client__google__client_secret").unwrap();
        assert_eq!(dotted.path(), canonical.path());
        assert_eq!(dotted.section, canonical.section);
        assert!(parse_name("CLEARML__services__ssoish").is_none());
    }

    #[test]
    fn names_that_leave_an_empty_key_are_not_keys() {
        assert!(!name_is_only_a_key("CLEARML__"));
        assert!(!name_is_only_a_key("CLEARML____x"));
        assert!(name_is_only_a_key("CLEARML__services__x"));
        assert!(name_is_only_a_key("MY_VAR"));
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
        assert_eq!(nested.option_name(), "groups.admins");
        assert_eq!(
            nested.path(),
            "login.sso.oauth_client.keycloak.groups.admins"
        );
        let global = parse_name("CLEARML__services__login__sso__tenant_login").unwrap();
        assert_eq!(
            (global.provider(), global.option_name()),
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
    fn an_sso_name_holds_the_config_path_clearml_builds() {
        let mut read = 0;
        for rest in [
            "secure__login__sso__oauth_client__keycloak__client_id",
            "SERVICES__Login__SSO__saml_client__x__groups.admins",
            "services__login.sso__tenant_login",
            "secure__login__sso__oauth_client__keycloak__client_id ",
            "\u{e9}__login__sso__oauth_client__k___x",
        ] {
            for prefix in [
                "CLEARML__",
                "TRAINS__",
                "clearml__",
                "ALLEGRO__",
                " CLEARML__",
            ] {
                let name = format!("{prefix}{rest}");
                let sso = parse_name(&name).unwrap();
                if let Some(path) = sso.config_path() {
                    assert_eq!(Some(path.to_string()), config_path(&name), "{name:?}");
                    read += 1;
                } else {
                    assert!(
                        !read_by_clearml(&name) || name.trim() != name,
                        "{name:?} is read as written"
                    );
                }
            }
        }
        assert_eq!(read, 8);
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
        // Every `.` becomes `__`, wherever it is and whatever is around it.
        for path in ["", ".", "a..b", ".a.", "é.ü.x", "no_dots", "a.b.c.d.e.f"] {
            assert_eq!(
                canonical_name(Section::Secure, path),
                format!("CLEARML__secure__{}", path.replace('.', "__")),
                "{path:?}"
            );
        }
    }
}
