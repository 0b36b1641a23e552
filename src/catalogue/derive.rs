//! The inputs a provider's settings are derived from (a Keycloak `url` and `realm`, an Okta
//! domain…), how each is checked and normalized, and the derivation's types. The providers
//! that use them are [`super::providers`]'s.

use super::options::*;

/// What a derivation input is: each kind has one rule for what is accepted as written, what
/// is normalised (with a note) and what is refused. Every provider's inputs use these kinds,
/// and so does `[sso] webapp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A host name (`acme.okta.com`, optionally `:port`); the templates add `https://`.
    /// `https://` typed in front is dropped (a note says so); another scheme, a path, a query
    /// or a space is refused.
    Host,
    /// An absolute `https://` or `http://` URL (`https://sso.example.com`, a path is allowed);
    /// trailing `/`s are dropped. A URL without a scheme is refused (`sso.example.com` could
    /// be http or https).
    Url,
    /// One URL path segment (a realm, an authorization server ID): no `/`, space, `?` or `#`.
    Segment,
    /// An Azure tenant: a tenant ID (GUID), a domain (`acme.onmicrosoft.com`), or
    /// `common`, `organizations`, `consumers`.
    Tenant,
}

/// An input the policy gives so that the tool can derive URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// Key in the provider table.
    pub name: &'static str,
    /// Value used when the policy leaves it out (`None`: the input is needed).
    pub default: Option<&'static str>,
    /// What it is, for messages.
    pub about: &'static str,
    /// What values are accepted and how they are normalised.
    pub kind: InputKind,
    /// URLs the identity provider shows (issuers) that people paste instead of the bare
    /// value, as templates over the provider's inputs: `{url}/realms/{realm}`. A value that
    /// matches one (trailing `/` aside) is split into the inputs it names, with a note; an
    /// input it names that the policy gives with another value is refused.
    pub pasted: &'static [&'static str],
}

/// The value of an input as it goes into a URL template, and what was changed to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The value for the templates.
    pub value: String,
    /// Set when the value differs from what was written in more than trailing `/`s.
    pub note: Option<String>,
}

/// Why an input's value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// Nothing left once normalised (`""`, `"https://"`).
    Empty,
    /// Not of the input's kind: `why` completes "`name = "…"` …"; `write` is the value to
    /// write instead, when there is one.
    Invalid {
        /// What is wrong, lower-case, no subject.
        why: String,
        /// The value to write instead.
        write: Option<String>,
    },
}

pub(super) fn invalid(why: impl Into<String>, write: Option<String>) -> InputError {
    InputError::Invalid {
        why: why.into(),
        write,
    }
}

/// The tenant names Microsoft's endpoints accept besides IDs and domains.
pub(super) const AZURE_TENANT_WORDS: &[&str] = &["common", "organizations", "consumers"];

pub(super) fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl InputKind {
    /// The form of a value, for what to fill in: `a host name (no https://)`.
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::Host => "a host name (no `https://`, no path)",
            InputKind::Url => "an `https://` URL",
            InputKind::Segment => "one URL path segment (no `/`)",
            InputKind::Tenant => {
                "a tenant ID (a GUID), a domain (`<name>.onmicrosoft.com`), or `common`, `organizations`, `consumers`"
            }
        }
    }

    /// The kind's rule applied to `raw`, as written in the policy.
    pub fn normalize(self, raw: &str) -> Result<Normalized, InputError> {
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            let squeezed: String = raw.split_whitespace().collect::<Vec<_>>().join("");
            let write = (self != InputKind::Segment && !squeezed.is_empty()).then_some(squeezed);
            return Err(invalid("contains a space or a control character", write));
        }
        // Trailing `/`s go (the templates add their own), but not those of a bare scheme.
        let trimmed = match raw.split_once("://") {
            Some((scheme, rest)) if !scheme.contains('/') => {
                &raw[..scheme.len() + 3 + rest.trim_end_matches('/').len()]
            }
            _ => raw.trim_end_matches('/'),
        };
        let plain = |value: &str| {
            Ok(Normalized {
                value: value.to_string(),
                note: None,
            })
        };
        match self {
            InputKind::Host => {
                let (host, note) = match trimmed.split_once("://") {
                    Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (
                        rest.trim_end_matches('/'),
                        Some(format!(
                            "is read as the host `{rest}`: the derived URLs add https:// themselves"
                        )),
                    ),
                    Some((scheme, rest)) => {
                        let host = rest.split('/').next().unwrap_or_default();
                        return Err(invalid(
                            format!("is a {scheme}:// address; this input is a host name and the derived URLs are https://"),
                            (!host.is_empty()).then(|| host.to_string()),
                        ));
                    }
                    None => (trimmed, None),
                };
                if host.is_empty() {
                    return Err(InputError::Empty);
                }
                if let Some(at) = host.find(['/', '?', '#', '@']) {
                    let write = (at > 0).then(|| host[..at].to_string());
                    return Err(invalid(
                        format!(
                            "is not a host name alone (`{}` follows the host)",
                            &host[at..]
                        ),
                        write,
                    ));
                }
                Ok(Normalized {
                    value: host.to_string(),
                    note,
                })
            }
            InputKind::Url => {
                if trimmed.is_empty() {
                    return Err(InputError::Empty);
                }
                let split = raw.split_once("://");
                let Some((scheme, rest)) = split.map(|(s, r)| (s, r.trim_end_matches('/'))) else {
                    return Err(invalid(
                        "has no scheme (https:// or http://)",
                        Some(format!("https://{trimmed}")),
                    ));
                };
                if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                    return Err(invalid(
                        format!("has the scheme {scheme}://; a URL here is https:// or http://"),
                        Some(format!("https://{rest}")),
                    ));
                }
                if rest.is_empty() {
                    return Err(InputError::Empty);
                }
                if rest.starts_with('/') {
                    return Err(invalid("has no host after the scheme", None));
                }
                if rest.contains(['?', '#']) {
                    let base = trimmed.split(['?', '#']).next().unwrap_or_default();
                    return Err(invalid(
                        "has a query or fragment",
                        Some(base.trim_end_matches('/').to_string()),
                    ));
                }
                plain(trimmed)
            }
            InputKind::Segment | InputKind::Tenant => {
                if trimmed.is_empty() {
                    return Err(InputError::Empty);
                }
                if trimmed.contains(['/', '?', '#']) {
                    return Err(invalid(
                        "is not one URL path segment (it has `/`, `?` or `#`)",
                        None,
                    ));
                }
                // `.` and `..` are path steps, not names: the URL would point elsewhere.
                if trimmed.chars().all(|c| c == '.') {
                    return Err(invalid("is a path step (`.` or `..`), not a name", None));
                }
                if self == InputKind::Tenant
                    && !(is_guid(trimmed)
                        || trimmed.contains('.')
                        || AZURE_TENANT_WORDS.contains(&trimmed))
                {
                    return Err(invalid(
                        "is neither a tenant ID (a GUID), a domain (`<name>.onmicrosoft.com`) nor one of `common`, `organizations`, `consumers`",
                        None,
                    ));
                }
                plain(trimmed)
            }
        }
    }
}

impl Input {
    /// The value as it goes into a URL template, by the input's [`InputKind`].
    pub fn normalize(&self, raw: &str) -> Result<Normalized, InputError> {
        self.kind.normalize(raw)
    }
}

/// `[sso] webapp`: the web app's address, for the callback URLs. A URL input like any other.
pub const WEBAPP: Input = Input {
    name: "webapp",
    default: None,
    about: "ClearML web app address",
    kind: InputKind::Url,
    pasted: &[],
};

/// Why [`Provider::derive`](super::Provider::derive)(super::Provider::derive) cannot derive the URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeriveError {
    /// Some inputs are given, this one is not, and it has no default.
    Missing(&'static Input),
    /// This input is empty once normalized (`""`, `"https://"`): the URLs would be broken.
    Empty(&'static Input),
    /// This input's value is not of its kind ([`InputError::Invalid`]).
    Invalid {
        /// The input.
        input: &'static Input,
        /// What is wrong, lower-case, no subject.
        why: String,
        /// The value to write instead, when there is one.
        write: Option<String>,
    },
    /// `input` was written as a URL naming `other` (`url = ".../realms/a"`), and the policy
    /// gives `other` another value (`realm = "b"`).
    Conflict {
        /// The input written as a URL.
        input: &'static Input,
        /// The input the URL names.
        other: &'static Input,
        /// `other`'s value in the URL.
        in_url: String,
        /// `other`'s value as the policy gives it.
        given: String,
    },
}

/// What [`Provider::derive`](super::Provider::derive)(super::Provider::derive) produces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Derivation {
    /// Every derived option with its value, in template order.
    pub options: Vec<(&'static OptionSpec, String)>,
    /// What was normalised, per input as written: `(input, note)`.
    pub notes: Vec<(&'static Input, String)>,
}

/// Templates that replace a provider's `derived` when an input has a given value (Okta's
/// `authorization_server = "org"`: the org authorization server has no ID in its URLs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// The input.
    pub input: &'static str,
    /// Its value that selects these templates.
    pub value: &'static str,
    /// `(option, template)`, as [`Provider::derived`](super::Provider::derived).
    pub derived: &'static [(&'static str, &'static str)],
    /// Other values people write for it, refused with `value` as the fix.
    pub stands_for: &'static [&'static str],
}

/// Matches `value` against `template` (`{name}` placeholders; a placeholder for which `wide`
/// is true may span `/`, others match one non-empty segment), returning the captures.
pub(super) fn match_template(
    template: &str,
    value: &str,
    wide: &dyn Fn(&str) -> bool,
) -> Option<Vec<(String, String)>> {
    if template.is_empty() {
        return value.is_empty().then(Vec::new);
    }
    if let Some(rest) = template.strip_prefix('{') {
        let (name, after) = rest.split_once('}')?;
        // Longest capture first: a wide placeholder takes everything up to the last match.
        for end in (1..=value.len()).rev() {
            if !value.is_char_boundary(end) {
                continue;
            }
            let cap = &value[..end];
            if !wide(name) && cap.contains('/') {
                continue;
            }
            if let Some(mut caps) = match_template(after, &value[end..], wide) {
                caps.insert(0, (name.to_string(), cap.to_string()));
                return Some(caps);
            }
        }
        return None;
    }
    let literal_end = template.find('{').unwrap_or(template.len());
    let rest = value.strip_prefix(&template[..literal_end])?;
    match_template(&template[literal_end..], rest, wide)
}
