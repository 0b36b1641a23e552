//! The provider catalogue: every fact about ClearML's SSO providers and options, as data.
//!
//! ClearML documents its SSO setup per identity provider: a provider key (`keycloak`,
//! `azure_ad`…) under `oauth_client` or `saml_client`, the options each one reads and from
//! which configuration tree (`secure` for credentials and the default company, `services` for
//! the rest), the callback URL to register, and the claims the provider must return. This file
//! holds all of it: provider keys, options and their value types, which options hold
//! credentials, value rules (a `base_url` ends with `/`, a metadata file must be mounted),
//! example values, how URLs are derived from a few inputs (`url` + `realm`, an Okta domain…),
//! the key ClearML's own pages misprint, and the steps on the identity-provider side.
//!
//! Adding a provider or an option means adding a row here; nothing else in the crate lists
//! provider keys, option names or facts about them.

/// The two configuration trees ClearML reads SSO settings from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// `CLEARML__secure__…`: credentials and the default company.
    Secure,
    /// `CLEARML__services__…`: everything else.
    Services,
}

impl Section {
    /// The section as it appears in a variable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Secure => "secure",
            Section::Services => "services",
        }
    }

    /// Parses a (lower-cased) section name.
    pub fn parse(s: &str) -> Option<Section> {
        match s {
            "secure" => Some(Section::Secure),
            "services" => Some(Section::Services),
            _ => None,
        }
    }
}

/// OAuth/OIDC or SAML: the `<client_type>` part of a variable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// `oauth_client`
    OAuth,
    /// `saml_client`
    Saml,
}

impl Client {
    /// The client type as it appears in a variable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Client::OAuth => "oauth_client",
            Client::Saml => "saml_client",
        }
    }
}

/// The type of value an option holds (as ClearML reads it after HOCON parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A string.
    Str,
    /// `true` / `false`.
    Bool,
    /// A list of strings, written `["a","b"]`.
    List,
}

impl ValueType {
    /// How the type is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::Str => "a string",
            ValueType::Bool => "a boolean (true or false)",
            ValueType::List => "an array of strings",
        }
    }

    /// A placeholder value of this type, in TOML, for options without an example of their own.
    pub const fn example(self) -> &'static str {
        match self {
            ValueType::Str => "\"...\"",
            ValueType::Bool => "true",
            ValueType::List => "[\"clearml-admins\"]",
        }
    }
}

/// One option a provider block may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    /// Dotted name as used in the policy (`groups.admins`); `__`-joined in variable names.
    pub name: &'static str,
    /// Which configuration tree ClearML reads it from.
    pub section: Section,
    /// The value's type.
    pub value_type: ValueType,
    /// A credential: must come from a Secret unless the policy allows plaintext.
    pub secret: bool,
    /// ClearML appends paths to the value, so it must end with `/` (`base_url`); a value
    /// without it is corrected.
    pub trailing_slash: bool,
    /// A file path inside the apiserver container (`idp_metadata_file`): a volumeMount of the
    /// container must provide it.
    pub mounted_file: bool,
    /// Example value for `init`, in TOML.
    pub example: &'static str,
    /// One line for `explain` and for error messages.
    pub about: &'static str,
}

const fn opt(
    name: &'static str,
    section: Section,
    value_type: ValueType,
    about: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        section,
        value_type,
        secret: false,
        trailing_slash: false,
        mounted_file: false,
        example: value_type.example(),
        about,
    }
}

impl OptionSpec {
    /// The same option with its own example value (TOML).
    const fn with_example(mut self, example: &'static str) -> OptionSpec {
        self.example = example;
        self
    }
}

use Section::{Secure, Services};
use ValueType::{Bool, List, Str};

// Options both client types share: defined once.
const DEFAULT_COMPANY: OptionSpec = opt(
    "default_company",
    Secure,
    Str,
    "ClearML company ID new users join",
)
.with_example("\"d1bd92a3b039400cbafc60a7a5b1e52b\"");
const GROUPS_ENABLED: OptionSpec = opt(
    "groups.enabled",
    Services,
    Bool,
    "sync IdP group membership into ClearML groups",
);
const GROUPS_CLAIM: OptionSpec = opt(
    "groups.claim",
    Services,
    Str,
    "claim holding the user's groups (`groups` in ClearML's examples)",
)
.with_example("\"groups\"");
const GROUPS_ADMINS: OptionSpec = opt(
    "groups.admins",
    Services,
    List,
    "IdP groups whose members become ClearML admins",
);
const GROUPS_CASE_SENSITIVE: OptionSpec = opt(
    "groups.case_sensitive",
    Services,
    Bool,
    "group names compare case-sensitively",
);
const GROUPS_PROHIBIT: OptionSpec = opt(
    "groups.prohibit_user_signup_if_not_in_group",
    Services,
    Bool,
    "only users in at least one existing ClearML group may log in",
);

/// Every OAuth option ClearML documents, in the order they are emitted.
pub const OAUTH_OPTIONS: &[OptionSpec] = &[
    opt(
        "client_id",
        Secure,
        Str,
        "client ID registered in the identity provider",
    ),
    OptionSpec {
        secret: true,
        ..opt(
            "client_secret",
            Secure,
            Str,
            "client secret registered in the identity provider",
        )
    },
    OptionSpec {
        trailing_slash: true,
        ..opt(
            "base_url",
            Services,
            Str,
            "base URL of the identity provider (ends with /)",
        )
    },
    opt("authorize_url", Services, Str, "authorization endpoint"),
    opt("access_token_url", Services, Str, "token endpoint"),
    opt("audience", Services, Str, "Auth0 API audience"),
    DEFAULT_COMPANY,
    opt("display_name", Services, Str, "text of the login button"),
    opt(
        "identity_provider",
        Services,
        Str,
        "external IdP name inside a Cognito user pool",
    ),
    opt("code_challenge", Services, Bool, "use PKCE"),
    opt("code_challenge_method", Services, Str, "PKCE method, S256").with_example("\"S256\""),
    opt(
        "debug",
        Services,
        Bool,
        "SSO debug output in the server log",
    ),
    opt(
        "idp_logout",
        Services,
        Bool,
        "logging out of ClearML also logs out of the IdP",
    ),
    opt(
        "claims.name",
        Services,
        Str,
        "claim holding the user name (default `name`)",
    )
    .with_example("\"preferred_username\""),
    opt(
        "get_info_from_access_token",
        Services,
        Bool,
        "false: read user info from the userinfo endpoint",
    ),
    opt(
        "admin_role",
        Services,
        Str,
        "IdP role that marks ClearML admins (empty disables)",
    ),
    GROUPS_ENABLED,
    GROUPS_CLAIM,
    GROUPS_ADMINS,
    GROUPS_CASE_SENSITIVE,
    GROUPS_PROHIBIT,
];

/// Every SAML option ClearML documents (SAML claims are attribute names or URIs the IdP
/// sends, so they get no example beyond `"..."`).
pub const SAML_OPTIONS: &[OptionSpec] = &[
    opt(
        "entity_id",
        Secure,
        Str,
        "SAML entity ID ClearML presents (usually `clearml`)",
    )
    .with_example("\"clearml\""),
    OptionSpec {
        mounted_file: true,
        ..opt(
            "idp_metadata_file",
            Secure,
            Str,
            "path of the IdP metadata XML inside the apiserver container (put it in apiserver.additionalConfigs: mounted at /opt/clearml/config by chart 7.0 and later)",
        )
        // The public chart's current mount (7.0+); `/opt/clearml/config/default` before.
        .with_example("\"/opt/clearml/config/metadata.xml\"")
    },
    DEFAULT_COMPANY,
    opt(
        "claims.object_id",
        Services,
        Str,
        "claim holding the user's unique ID",
    ),
    opt(
        "claims.name",
        Services,
        Str,
        "claim holding the display name",
    ),
    opt(
        "claims.email",
        Services,
        Str,
        "claim holding the e-mail address",
    ),
    opt(
        "claims.given_name",
        Services,
        Str,
        "claim holding the given name",
    ),
    opt("claims.surname", Services, Str, "claim holding the surname"),
    GROUPS_ENABLED,
    GROUPS_CLAIM,
    GROUPS_ADMINS,
    GROUPS_CASE_SENSITIVE,
    GROUPS_PROHIBIT,
];

/// Switches for SSO as a whole (`CLEARML__services__login__sso__<name>`), set under `[sso]`
/// in the policy; ClearML documents them with its multi-tenant login.
pub const GLOBAL_OPTIONS: &[OptionSpec] = &[
    opt("tenant_login", Services, Bool, "multi-tenant login mode"),
    opt(
        "allow_settings_providers",
        Services,
        Bool,
        "show global IdP configurations not tied to a tenant",
    ),
];

/// What the `[sso]` switches need besides the apiserver's variables, for `explain`.
pub const GLOBAL_SETUP: &str = "tenant_login users sign in at <webapp>/login/<tenant>; tenants and their IdPs are configured through the API (sso.save_provider_configuration), not through env variables.";

/// The webserver's variable multi-tenant login (`tenant_login = true`) needs, and its value.
/// It belongs to the *webserver* container (the chart's `webserver.extraEnvs`), which this
/// tool does not edit; `render` checks it on workloads [`WEBSERVER_WORKLOADS`] selects.
pub const WEBSERVER_PASSWORD_LOGIN: (&str, &str) = ("WEBSERVER__onlyPasswordLogin", "true");

/// Globs on `metadata.name` of the webserver workload checked for
/// [`WEBSERVER_PASSWORD_LOGIN`] (the public chart's Deployment `<fullname>-webserver`).
pub const WEBSERVER_WORKLOADS: &[&str] = &["*webserver"];

/// ClearML's list of e-mail domains allowed to sign up (`services` → `login.email_filters.allowed`).
/// Not an SSO provider option (it sits beside `login.sso`, and applies to every login), so the
/// policy does not set it; the tool checks that its value, where a target container sets it, is a
/// list ClearML reads as one (T11: the docs print it as a bare YAML list).
pub const EMAIL_FILTERS: (Section, &str) = (Section::Services, "login.email_filters.allowed");

/// The group-sync step every provider's checklist needs (Keycloak's own steps say it their
/// way): ClearML maps IdP groups only onto groups that exist, `services.auth.default_groups`
/// creates them when the apiserver starts.
pub const GROUP_SYNC_STEP: &str = "Group sync maps IdP groups only onto ClearML groups that exist: create each by hand (Settings -> Users & Groups) or at apiserver start with services.auth.default_groups (CLEARML__services__auth__default_groups__<name>, set in apiserver.extraEnvs; this policy does not set it)";

/// Names from ClearML's multi-tenant API that people put into env variable names by mistake,
/// with the env option they mean: the API calls the token endpoint `token_endpoint`, the env
/// variable calls it `access_token_url`.
pub const API_VOCABULARY: &[(&str, &str)] = &[
    ("authorization_endpoint", "authorize_url"),
    ("token_endpoint", "access_token_url"),
    ("logout_from_provider", "idp_logout"),
    ("claim_groups", "groups.claim"),
    ("group_enabled", "groups.enabled"),
    (
        "group_prohibit_user_login_if_not_in_group",
        "groups.prohibit_user_signup_if_not_in_group",
    ),
    ("claim_name", "claims.name"),
];

/// A provider key ClearML's own documentation misprints: variables written under `written`
/// are renamed to `meant` when the policy configures `meant` and not `written` (both keys are
/// real providers, so the rename needs the policy's word).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Misprint {
    /// Client type of both keys.
    pub client: Client,
    /// The key as misprinted.
    pub written: &'static str,
    /// The key meant.
    pub meant: &'static str,
    /// Which options the misprint is seen with.
    pub options: Affected,
    /// What happened, for the finding (`…, so renamed to NAME` follows).
    pub message: &'static str,
    /// Where the misprint comes from, for the finding's help.
    pub help: &'static str,
}

/// The options a [`Misprint`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affected {
    /// Every option of the misprinted key.
    All,
    /// Only these options (dotted names).
    Only(&'static [&'static str]),
}

/// Provider keys ClearML's pages misprint.
///
/// ClearML's Azure AD page prints the default company as
/// `CLEARML__secure__login__sso__oauth_client__ad_oauth__default_company`; `ad_oauth` is the
/// separate Microsoft AD (AD FS) provider. Only `default_company` is renamed next to an
/// `azure_ad` policy, the one option the page misprints: any other `ad_oauth` variable (a
/// real AD FS client ID, secret or endpoint) is an undeclared provider's, reported as such and
/// never moved into the Azure block.
pub const MISPRINTS: &[Misprint] = &[Misprint {
    client: Client::OAuth,
    written: "ad_oauth",
    meant: "azure_ad",
    options: Affected::Only(&["default_company"]),
    message: "`ad_oauth` is the Microsoft AD provider; this policy configures Azure AD",
    help: "ClearML's Azure AD page prints `…__ad_oauth__default_company`; the Azure AD key is `azure_ad`",
}];

/// The misprint a variable of this client type, provider key and option (dotted,
/// lower-cased) may be, whatever the policy says.
pub fn misprint(client: Client, key: &str, option: &str) -> Option<&'static Misprint> {
    MISPRINTS.iter().find(|m| {
        m.client == client
            && m.written == key
            && match m.options {
                Affected::All => true,
                Affected::Only(names) => names.contains(&option),
            }
    })
}

/// What a derivation input is: each kind has one rule for what is accepted as written, what
/// is normalised (with a note) and what is refused. Every provider's inputs use these kinds,
/// and so does `[sso] webapp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A host name (`example.okta.com`, optionally `:port`); the templates add `https://`.
    /// `https://` typed in front is dropped (a note says so); another scheme, a path, a query
    /// or a space is refused.
    Host,
    /// An absolute `https://` or `http://` URL (`https://sso.example.com`, a path is allowed);
    /// trailing `/`s are dropped. A URL without a scheme is refused (`sso.example.com` could
    /// be http or https).
    Url,
    /// One URL path segment (a realm, an authorization server ID): no `/`, space, `?` or `#`.
    Segment,
    /// An Azure tenant: a tenant ID (GUID), a domain (`contoso.onmicrosoft.com`), or
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

fn invalid(why: impl Into<String>, write: Option<String>) -> InputError {
    InputError::Invalid {
        why: why.into(),
        write,
    }
}

/// The tenant names Microsoft's endpoints accept besides IDs and domains.
const AZURE_TENANT_WORDS: &[&str] = &["common", "organizations", "consumers"];

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

impl InputKind {
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
                        "is neither a tenant ID (a GUID), a domain (`contoso.onmicrosoft.com`) nor one of `common`, `organizations`, `consumers`",
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

/// Why [`Provider::derive`] cannot derive the URLs.
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

/// What [`Provider::derive`] produces.
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
    /// `(option, template)`, as [`Provider::derived`].
    pub derived: &'static [(&'static str, &'static str)],
    /// Other values people write for it, refused with `value` as the fix.
    pub stands_for: &'static [&'static str],
}

/// Matches `value` against `template` (`{name}` placeholders; a placeholder for which `wide`
/// is true may span `/`, others match one non-empty segment), returning the captures.
fn match_template(
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

/// One provider of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provider {
    /// The `<provider>` part of variable names and of the callback path.
    pub key: &'static str,
    /// Human name.
    pub title: &'static str,
    /// OAuth or SAML.
    pub client: Client,
    /// Options ClearML needs for a working login with this provider.
    pub required: &'static [&'static str],
    /// Further options ClearML documents for this provider; others are accepted (the key
    /// layout is shared) but not offered by `init`.
    pub optional: &'static [&'static str],
    /// Derivation inputs.
    pub inputs: &'static [Input],
    /// `(option, template)`: `{input}` placeholders are replaced by the inputs' values.
    pub derived: &'static [(&'static str, &'static str)],
    /// Templates used instead of `derived` when an input has a given value.
    pub variants: &'static [Variant],
    /// Example string values for `init` specific to this provider (inputs, and options whose
    /// value depends on the provider); they win over the option's own example.
    pub examples: &'static [(&'static str, &'static str)],
    /// Claims the identity provider must return.
    pub claims: &'static str,
    /// Identity-provider-side steps, besides registering the callback URL.
    pub setup: &'static [&'static str],
}

const fn input(name: &'static str, kind: InputKind, about: &'static str) -> Input {
    Input {
        name,
        default: None,
        about,
        kind,
        pasted: &[],
    }
}

impl Input {
    /// The same input with the URLs people paste instead of it.
    const fn pasted(mut self, pasted: &'static [&'static str]) -> Input {
        self.pasted = pasted;
        self
    }
}

const CREDENTIALS: &[&str] = &["client_id", "client_secret"];
const ENDPOINTS: &[&str] = &[
    "client_id",
    "client_secret",
    "authorize_url",
    "access_token_url",
];

const OAUTH: Provider = Provider {
    key: "",
    title: "",
    client: Client::OAuth,
    required: ENDPOINTS,
    optional: &["default_company"],
    inputs: &[],
    derived: &[],
    variants: &[],
    examples: &[],
    claims: "user ID, email, name",
    setup: &[],
};

const SAML: Provider = Provider {
    client: Client::Saml,
    required: &["entity_id", "idp_metadata_file"],
    optional: &[
        "default_company",
        "claims.object_id",
        "claims.name",
        "claims.email",
        "claims.given_name",
        "claims.surname",
    ],
    ..OAUTH
};

const KEYCLOAK_GROUPS: &[&str] = &[
    "For group sync (groups.enabled): in the ClearML client open Client Scopes -> the `<client>-dedicated` scope -> Add mapper -> By configuration -> Group membership",
    "Mapper name `groups`, Token claim name `groups`, turn OFF \"Full group path\", save",
    "Verify: Client details -> Client scopes -> Evaluate, pick a user with groups; the `groups` claim must appear in both the generated ID token and the generated user info",
    "Create, in ClearML, a group named like each Keycloak group to sync (group sync never creates groups): by hand under Settings -> Users & Groups, or at apiserver start with services.auth.default_groups (CLEARML__services__auth__default_groups__<name>, set in apiserver.extraEnvs; this policy does not set it)",
    "For role-based admins (admin_role): assign the role and make sure the `roles` claim is in the access token or user info",
];

/// The catalogue: keys, required and documented options, derivations and IdP-side steps, as
/// ClearML's per-provider pages give them.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        key: "keycloak",
        title: "Keycloak",
        required: &["client_id", "client_secret", "base_url", "authorize_url", "access_token_url"],
        optional: &[
            "idp_logout", "claims.name", "default_company", "get_info_from_access_token", "admin_role",
            "groups.enabled", "groups.claim", "groups.admins", "groups.prohibit_user_signup_if_not_in_group",
        ],
        inputs: &[
            // The realm's issuer (`…/realms/clearml`) is what Keycloak shows as the endpoint.
            input("url", InputKind::Url, "Keycloak server URL").pasted(&["{url}/realms/{realm}"]),
            input("realm", InputKind::Segment, "Keycloak realm name"),
        ],
        derived: &[
            ("base_url", "{url}/realms/{realm}/"),
            ("authorize_url", "{url}/realms/{realm}/protocol/openid-connect/auth"),
            ("access_token_url", "{url}/realms/{realm}/protocol/openid-connect/token"),
        ],
        examples: &[("url", "https://sso.example.com"), ("realm", "clearml")],
        claims: "user ID (sub), email, user name (name, or preferred_username with claims.name)",
        setup: KEYCLOAK_GROUPS,
        ..OAUTH
    },
    Provider {
        key: "auth0",
        title: "Auth0",
        required: &["client_id", "client_secret", "base_url", "authorize_url", "access_token_url", "audience"],
        optional: &[],
        inputs: &[input("domain", InputKind::Host, "Auth0 tenant domain")],
        derived: &[
            ("base_url", "https://{domain}/"),
            ("authorize_url", "https://{domain}/authorize"),
            ("access_token_url", "https://{domain}/oauth/token"),
        ],
        examples: &[("domain", "example.eu.auth0.com"), ("audience", "https://example.eu.auth0.com/api/v2/")],
        claims: "user ID (sub), email, name",
        setup: &[
            "ClearML documents no Auth0 page: the callback follows the /callback_<provider> pattern of every other provider (inference)",
            "Create a Regular Web Application and allow the callback URL; `audience` is the identifier of the API the tokens are for",
        ],
        ..OAUTH
    },
    Provider {
        key: "okta",
        title: "Okta",
        required: &["client_id", "client_secret", "base_url", "authorize_url", "access_token_url"],
        optional: &[],
        inputs: &[
            // A custom authorization server's issuer is `https://{domain}/oauth2/{id}`.
            input("domain", InputKind::Host, "Okta domain")
                .pasted(&["https://{domain}/oauth2/{authorization_server}"]),
            Input {
                default: Some("default"),
                ..input("authorization_server", InputKind::Segment, "Okta authorization server ID, or `org`")
            },
        ],
        derived: &[
            ("base_url", "https://{domain}/oauth2/{authorization_server}/"),
            ("authorize_url", "https://{domain}/oauth2/{authorization_server}/v1/authorize"),
            ("access_token_url", "https://{domain}/oauth2/{authorization_server}/v1/token"),
        ],
        // The org authorization server: issuer `https://{domain}`, endpoints under
        // `/oauth2/v1/`; base_url is the issuer with its `/`, as for every other provider.
        variants: &[Variant {
            input: "authorization_server",
            value: "org",
            // `https://x.okta.com/oauth2/v1` pasted as the domain names the org server's
            // endpoint path, not a server ID.
            stands_for: &["v1"],
            derived: &[
                ("base_url", "https://{domain}/"),
                ("authorize_url", "https://{domain}/oauth2/v1/authorize"),
                ("access_token_url", "https://{domain}/oauth2/v1/token"),
            ],
        }],
        examples: &[("domain", "example.okta.com")],
        claims: "sub, email, name, email_verified",
        setup: &[
            "Assign the users (or groups) that may log in to the app",
            "The endpoints are listed in https://<domain>/oauth2/<server>/.well-known/openid-configuration",
        ],
        ..OAUTH
    },
    Provider {
        key: "azure_ad",
        title: "Azure AD (Microsoft Entra ID)",
        inputs: &[input("tenant", InputKind::Tenant, "Azure tenant ID or domain").pasted(&[
            // The v2 issuer, the authority, and the v1 issuer Azure shows.
            "https://login.microsoftonline.com/{tenant}/v2.0",
            "https://login.microsoftonline.com/{tenant}",
            "https://sts.windows.net/{tenant}",
        ])],
        derived: &[
            ("authorize_url", "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"),
            ("access_token_url", "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"),
        ],
        examples: &[("tenant", "contoso.onmicrosoft.com")],
        claims: "email, preferred_username, upn (in the access token)",
        setup: &[
            "Register the redirect URI (platform Web) and choose Access tokens to be issued by the authorization endpoint",
            "Create a client secret; use the OAuth 2.0 (v2) authorization and token endpoints",
            "The key is `azure_ad`; `ad_oauth` is the separate Microsoft AD provider (ClearML's Azure page misprints it)",
        ],
        ..OAUTH
    },
    Provider {
        key: "ad_oauth",
        title: "Microsoft AD (OAuth)",
        examples: &[
            ("authorize_url", "https://adfs.example.com/adfs/oauth2/authorize"),
            ("access_token_url", "https://adfs.example.com/adfs/oauth2/token"),
        ],
        claims: "preferred_username (user ID), upn (email), fullname (name)",
        ..OAUTH
    },
    Provider {
        key: "google",
        title: "Google",
        required: CREDENTIALS,
        claims: "openid, email, profile",
        setup: &[
            "Google Cloud Console -> APIs & Services -> Credentials -> Create credentials -> OAuth client ID, type Web application",
            "Add the callback as an Authorized redirect URI",
        ],
        ..OAUTH
    },
    Provider {
        key: "cognito",
        title: "AWS Cognito",
        optional: &["identity_provider", "default_company", "display_name"],
        inputs: &[input("domain", InputKind::Host, "Cognito user-pool domain")],
        derived: &[
            ("authorize_url", "https://{domain}/oauth2/authorize"),
            ("access_token_url", "https://{domain}/oauth2/token"),
        ],
        examples: &[("domain", "clearml.auth.eu-west-1.amazoncognito.com")],
        claims: "email, preferred_username (user-pool attributes)",
        setup: &[
            "App client: Confidential client with a client secret; grant type Authorization code grant",
            "OIDC scopes OpenID, Profile, Email; add the callback under Hosted UI -> Allowed callback URLs",
        ],
        ..OAUTH
    },
    Provider {
        key: "ping",
        title: "Ping Identity",
        optional: &[
            "code_challenge", "code_challenge_method", "default_company", "debug", "groups.enabled", "groups.claim",
            "groups.case_sensitive", "groups.admins", "groups.prohibit_user_signup_if_not_in_group",
        ],
        examples: &[
            ("authorize_url", "https://auth.pingone.com/ENV_ID/as/authorize"),
            ("access_token_url", "https://auth.pingone.com/ENV_ID/as/token"),
        ],
        claims: "user ID, email, user name (scopes openid, profile, email); group memberships for groups.*",
        setup: &["If PKCE is on in Ping, set code_challenge = true and code_challenge_method = \"S256\""],
        ..OAUTH
    },
    Provider {
        key: "duo",
        title: "Duo (SAML)",
        claims: "emailaddress, objectidentifier, displayname",
        setup: &["Entity ID `clearml`; ACS URL = the callback URL", "Mount the IdP metadata XML into the apiserver at idp_metadata_file"],
        ..SAML
    },
    Provider {
        key: "google_saml",
        title: "Google (SAML)",
        claims: "objectidentifier, displayname, emailaddress",
        setup: &["HTTP-Redirect binding", "Put the metadata XML under apiserver.additionalConfigs and point idp_metadata_file at it"],
        ..SAML
    },
    Provider {
        key: "jumpcloudsaml",
        title: "JumpCloud (SAML)",
        claims: "emailaddress, objectidentifier, displayname",
        setup: &["Entity ID `clearml`; the key has no separator (`jumpcloudsaml`)"],
        ..SAML
    },
    Provider {
        key: "microsoft_ad",
        title: "Microsoft AD / Azure (SAML)",
        optional: &[
            "default_company", "claims.object_id", "claims.name", "claims.email", "claims.given_name", "claims.surname",
            "groups.enabled", "groups.claim", "groups.admins", "groups.case_sensitive",
            "groups.prohibit_user_signup_if_not_in_group",
        ],
        claims: "emailaddress = user.mail, displayname = user.displayname, unique ID = user.principalname",
        setup: &["HTTP-Redirect binding", "Group name = first CN of the DN; groups are not created automatically"],
        ..SAML
    },
];

/// The provider with this key.
pub fn provider(key: &str) -> Option<&'static Provider> {
    PROVIDERS.iter().find(|p| p.key == key)
}

/// Every provider key, in catalogue order.
pub fn keys() -> impl Iterator<Item = &'static str> + Clone {
    PROVIDERS.iter().map(|p| p.key)
}

/// The provider keys as one comma-separated line, for help texts.
pub fn keys_line() -> String {
    keys().collect::<Vec<_>>().join(", ")
}

/// Names people give a provider that are not ClearML's key, with the key(s) they mean (several
/// when the name is ambiguous: "Microsoft" is Entra ID over OAuth, AD FS over OAuth, or AD over
/// SAML). A policy table or an `init` argument under one of these names is refused with the
/// right key; nothing is ever renamed on the strength of an alias.
pub const ALIASES: &[(&str, &[&str])] = &[
    ("azure", &["azure_ad"]),
    ("entra", &["azure_ad"]),
    ("entra_id", &["azure_ad"]),
    ("aws_cognito", &["cognito"]),
    ("adfs", &["ad_oauth"]),
    ("microsoft", &["azure_ad", "ad_oauth", "microsoft_ad"]),
    ("jumpcloud", &["jumpcloudsaml"]),
    ("pingidentity", &["ping"]),
];

/// The ClearML keys an alias stands for, if `name` is one ([`ALIASES`]).
pub fn alias(name: &str) -> Option<&'static [&'static str]> {
    ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(name))
        .map(|(_, keys)| *keys)
}

/// What to say about a provider name that is not a ClearML key: the key an alias means, with
/// its title (`ClearML's key is `azure_ad` (Azure AD (Microsoft Entra ID))`), or `None`.
pub fn alias_help(name: &str) -> Option<String> {
    let keys = alias(name)?;
    let described: Vec<String> = keys
        .iter()
        .map(|k| {
            let p = provider(k).expect("aliases name catalogue keys");
            format!("`{}` ({})", p.key, p.title)
        })
        .collect();
    Some(match described.as_slice() {
        [one] => format!("ClearML's key is {one}"),
        many => format!("ClearML's keys are {}", many.join(", ")),
    })
}

impl OptionSpec {
    /// Whether this option's values may be shown (in findings and diffs): it holds no
    /// credential and ClearML reads it from `services` — URLs, switches, claims, group names,
    /// display names. `secure` options (client ID, default company, SAML entity and metadata
    /// path) are treated like the credential they sit next to.
    pub const fn value_is_public(&self) -> bool {
        !self.secret && matches!(self.section, Section::Services)
    }
}

/// The one decision on whether a value of an SSO setting may be shown, for `provider`
/// (`None`: an `[sso]` switch) and `option` as a variable name spells them (lower-cased,
/// dotted): only for an option the catalogue documents for a provider it knows, with that
/// client type, and whose values are public ([`OptionSpec::value_is_public`]). A misspelled
/// option (`client_secrett`) or an unknown provider may be a credential, so it is never shown.
pub fn value_is_public(provider_key: Option<(Client, &str)>, option: &str) -> bool {
    let spec = match provider_key {
        Some((client, key)) => match provider(key) {
            Some(p) if p.client == client => p.option(option),
            _ => None,
        },
        None => GLOBAL_OPTIONS.iter().find(|o| o.name == option),
    };
    spec.is_some_and(OptionSpec::value_is_public)
}

/// The options of a client type.
pub fn options(client: Client) -> &'static [OptionSpec] {
    match client {
        Client::OAuth => OAUTH_OPTIONS,
        Client::Saml => SAML_OPTIONS,
    }
}

/// Callback URL to register in the identity provider: `<webapp>/callback_<key>`, without a
/// doubled `/` when the web app address ends with one.
pub fn callback_url(webapp: &str, key: &str) -> String {
    format!("{}/callback_{key}", webapp.trim_end_matches('/'))
}

impl Provider {
    /// The option with this dotted name, for this provider's client type.
    pub fn option(&self, name: &str) -> Option<&'static OptionSpec> {
        options(self.client).iter().find(|o| o.name == name)
    }

    /// Callback path to register in the identity provider.
    pub fn callback_path(&self) -> String {
        format!("/callback_{}", self.key)
    }

    /// The input with this name.
    pub fn input(&self, name: &str) -> Option<&'static Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The options derived from inputs, in template order.
    pub fn derived_options(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.derived.iter().map(|(o, _)| *o)
    }

    /// The example value (TOML) `init` writes for an option or input of this provider: the
    /// provider's own example, else the option's, else the input's default, else `"..."`.
    pub fn example(&self, name: &str) -> String {
        if let Some((_, v)) = self.examples.iter().find(|(n, _)| *n == name) {
            return format!("\"{v}\"");
        }
        if let Some(option) = self.option(name) {
            return option.example.to_string();
        }
        match self.input(name).and_then(|i| i.default) {
            Some(d) => format!("\"{d}\""),
            None => ValueType::Str.example().to_string(),
        }
    }

    /// Derives the URL options from the inputs the policy gives (`(input name, value as
    /// written)`; names that are not inputs of this provider are ignored). Nothing is derived
    /// when no input is given; once one is, every input without a default is needed.
    ///
    /// One rule for every provider: an input written as one of its `pasted` URLs is split
    /// into the inputs that URL names; each value then goes through its [`InputKind`]. What
    /// was normalised comes back as notes; what cannot be is an error naming the input.
    /// Returns every derived option with its value, in template order (a [`Variant`]'s
    /// templates when one applies); the caller lets an option the policy sets explicitly win.
    pub fn derive(&self, given: &[(&str, &str)]) -> Result<Derivation, DeriveError> {
        let given: Vec<(&'static Input, &str)> = given
            .iter()
            .filter_map(|(n, v)| self.input(n).map(|i| (i, *v)))
            .collect();
        if given.is_empty() {
            return Ok(Derivation::default());
        }
        let mut notes = Vec::new();
        // Values as written, then as split out of a pasted URL.
        let mut raw: Vec<(&'static Input, String)> =
            given.iter().map(|(i, v)| (*i, v.to_string())).collect();
        let wide = |name: &str| self.input(name).is_some_and(|i| i.kind == InputKind::Url);
        for (input, value) in &given {
            let written = value.trim_end_matches('/');
            // A pasted form's fixed part (`/realms/`) written with nothing after it, or in
            // another case (paths are case-sensitive): the URLs built from it would be wrong.
            for template in input.pasted {
                // Only a fixed part between two inputs (`{url}/realms/{realm}`).
                let pieces: Vec<&str> = template.split('{').collect();
                let between = pieces[..pieces.len().saturating_sub(1)]
                    .iter()
                    .filter_map(|p| p.split_once('}').map(|(_, lit)| lit));
                for part in between.filter(|p| p.starts_with('/')) {
                    let lower = written.to_ascii_lowercase();
                    let part_lower = part.to_ascii_lowercase();
                    let cut = part_lower.trim_end_matches('/');
                    let bad = if lower.ends_with(cut) {
                        Some(format!("ends in `{cut}` with nothing after it"))
                    } else if lower.contains(&part_lower) && !written.contains(part) {
                        Some(format!(
                            "has `{part}` in another case; URL paths are case-sensitive"
                        ))
                    } else {
                        None
                    };
                    if let Some(why) = bad {
                        return Err(DeriveError::Invalid {
                            input,
                            why,
                            write: None,
                        });
                    }
                }
            }
            let Some((template, caps)) = input
                .pasted
                .iter()
                .find_map(|t| match_template(t, written, &wide).map(|c| (t, c)))
            else {
                continue;
            };
            let mut read = Vec::new();
            for (name, cap) in caps {
                let other = self.input(&name).expect("catalogue is consistent");
                if other.name == input.name {
                    set(&mut raw, other, cap.clone());
                } else if let Some((_, mine)) = given.iter().find(|(i, _)| i.name == other.name) {
                    let same = match (other.normalize(mine), other.normalize(&cap)) {
                        (Ok(a), Ok(b)) => a.value == b.value,
                        _ => false,
                    };
                    if !same {
                        return Err(DeriveError::Conflict {
                            input,
                            other,
                            in_url: cap,
                            given: mine.to_string(),
                        });
                    }
                } else {
                    set(&mut raw, other, cap.clone());
                }
                read.push(format!("{} = \"{cap}\"", name));
            }
            notes.push((
                *input,
                format!(
                    "is a URL of the form `{}`: read as {}",
                    template,
                    read.join(", ")
                ),
            ));
        }
        let mut values: Vec<(&str, String)> = Vec::new();
        for input in self.inputs {
            let written = match raw.iter().find(|(i, _)| i.name == input.name) {
                Some((_, v)) => v.clone(),
                None => input
                    .default
                    .ok_or(DeriveError::Missing(input))?
                    .to_string(),
            };
            match input.normalize(&written) {
                Ok(n) => {
                    if let Some(note) = n.note {
                        notes.push((input, note));
                    }
                    values.push((input.name, n.value));
                }
                Err(InputError::Empty) => return Err(DeriveError::Empty(input)),
                Err(InputError::Invalid { why, write }) => {
                    return Err(DeriveError::Invalid { input, why, write })
                }
            }
        }
        // A variant's value in another case, or a word that stands for it (the org server's
        // `v1` URL segment): refused with the value to write.
        for v in self.variants {
            let Some((_, val)) = values.iter().find(|(n, _)| *n == v.input) else {
                continue;
            };
            let other_case = val != v.value && val.eq_ignore_ascii_case(v.value);
            if other_case || v.stands_for.iter().any(|w| val.eq_ignore_ascii_case(w)) {
                let input = self.input(v.input).expect("variants name inputs");
                return Err(DeriveError::Invalid {
                    input,
                    why: format!("looks like `{}` written another way", v.value),
                    write: Some(v.value.to_string()),
                });
            }
        }
        let templates = self
            .variants
            .iter()
            .find(|v| {
                values
                    .iter()
                    .any(|(n, val)| *n == v.input && val == v.value)
            })
            .map_or(self.derived, |v| v.derived);
        let options = templates
            .iter()
            .map(|(option, template)| {
                let mut url = template.to_string();
                for (name, value) in &values {
                    url = url.replace(&format!("{{{name}}}"), value);
                }
                let option = self.option(option).expect("catalogue is consistent");
                (option, url)
            })
            .collect();
        Ok(Derivation { options, notes })
    }
}

fn set(raw: &mut Vec<(&'static Input, String)>, input: &'static Input, value: String) {
    match raw.iter_mut().find(|(i, _)| i.name == input.name) {
        Some(slot) => slot.1 = value,
        None => raw.push((input, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_and_derived_option_is_in_the_option_table() {
        for p in PROVIDERS {
            for name in p.required.iter().chain(p.derived.iter().map(|(o, _)| o)) {
                assert!(p.option(name).is_some(), "{}: {name}", p.key);
            }
            for name in p.optional {
                assert!(p.option(name).is_some(), "{}: optional {name}", p.key);
            }
            for (name, _) in p.examples {
                let string_option = p.option(name).is_some_and(|o| o.value_type == Str);
                assert!(
                    p.input(name).is_some() || (p.required.contains(name) && string_option),
                    "{}: example {name}",
                    p.key
                );
            }
            let variants = p.variants.iter().flat_map(|v| v.derived);
            for v in p.variants {
                assert!(p.input(v.input).is_some(), "{}: variant {}", p.key, v.input);
            }
            for (_, template) in p.derived.iter().chain(variants) {
                for piece in template.split('{').skip(1) {
                    let name = piece.split('}').next().unwrap();
                    assert!(p.input(name).is_some(), "{}: {{{name}}}", p.key);
                }
            }
        }
    }

    #[test]
    fn secure_options_are_the_documented_three() {
        let secure: Vec<_> = OAUTH_OPTIONS
            .iter()
            .filter(|o| o.section == Secure)
            .map(|o| o.name)
            .collect();
        assert_eq!(secure, ["client_id", "client_secret", "default_company"]);
        let saml: Vec<_> = SAML_OPTIONS
            .iter()
            .filter(|o| o.section == Secure)
            .map(|o| o.name)
            .collect();
        assert_eq!(saml, ["entity_id", "idp_metadata_file", "default_company"]);
    }

    #[test]
    fn only_known_non_credential_options_have_public_values() {
        let oauth = |k: &str, o: &str| value_is_public(Some((Client::OAuth, k)), o);
        assert!(oauth("keycloak", "base_url"));
        assert!(oauth("keycloak", "groups.admins"));
        assert!(oauth("keycloak", "display_name"));
        assert!(value_is_public(None, "tenant_login"));
        // Credentials and everything in `secure`.
        assert!(!oauth("keycloak", "client_secret"));
        assert!(!oauth("keycloak", "client_id"));
        assert!(!oauth("keycloak", "default_company"));
        assert!(!value_is_public(
            Some((Client::Saml, "microsoft_ad")),
            "idp_metadata_file"
        ));
        // Misspelled options, unknown providers, a provider under the wrong client type.
        assert!(!oauth("keycloak", "client_secrett"));
        assert!(!oauth("keycloack", "base_url"));
        assert!(!value_is_public(
            Some((Client::Saml, "keycloak")),
            "base_url"
        ));
        assert!(!value_is_public(None, "client_secret"));
    }

    #[test]
    fn misprints_name_real_providers_and_options() {
        for m in MISPRINTS {
            let written = provider(m.written).expect("written is a provider");
            let meant = provider(m.meant).expect("meant is a provider");
            assert_eq!((written.client, meant.client), (m.client, m.client));
            if let Affected::Only(names) = m.options {
                for name in names {
                    assert!(meant.option(name).is_some(), "{name}");
                }
            }
        }
        let m = misprint(Client::OAuth, "ad_oauth", "default_company").unwrap();
        assert_eq!(m.meant, "azure_ad");
        // `ad_oauth` is a real provider: its own credentials and endpoints are not misprints.
        for option in [
            "client_id",
            "client_secret",
            "authorize_url",
            "access_token_url",
        ] {
            assert!(
                misprint(Client::OAuth, "ad_oauth", option).is_none(),
                "{option}"
            );
        }
        assert!(misprint(Client::Saml, "ad_oauth", "default_company").is_none());
        assert!(misprint(Client::OAuth, "azure_ad", "default_company").is_none());
    }

    #[test]
    fn aliases_point_at_catalogue_keys_and_are_not_keys() {
        for (name, keys) in ALIASES {
            assert!(provider(name).is_none(), "{name} is a key, not an alias");
            assert!(!keys.is_empty());
            for k in *keys {
                assert!(provider(k).is_some(), "{name} -> {k}");
            }
        }
        assert_eq!(
            alias_help("azure").unwrap(),
            "ClearML's key is `azure_ad` (Azure AD (Microsoft Entra ID))"
        );
        assert!(alias_help("Microsoft")
            .unwrap()
            .starts_with("ClearML's keys are `azure_ad`"));
        assert_eq!(alias_help("keycloak"), None);
    }

    #[test]
    fn value_rules_are_flags_on_the_options() {
        let flagged = |f: fn(&OptionSpec) -> bool| -> Vec<&str> {
            OAUTH_OPTIONS
                .iter()
                .chain(SAML_OPTIONS)
                .chain(GLOBAL_OPTIONS)
                .filter(|o| f(o))
                .map(|o| o.name)
                .collect()
        };
        assert_eq!(flagged(|o| o.trailing_slash), ["base_url"]);
        assert_eq!(flagged(|o| o.mounted_file), ["idp_metadata_file"]);
        assert_eq!(flagged(|o| o.secret), ["client_secret"]);
    }

    #[test]
    fn derive_fills_templates_from_normalized_inputs() {
        let kc = provider("keycloak").unwrap();
        let got = kc
            .derive(&[("url", "https://sso.example.com//"), ("realm", "clearml")])
            .unwrap();
        assert!(got.notes.is_empty(), "trailing slashes go silently");
        let got: Vec<(&str, &str)> = got
            .options
            .iter()
            .map(|(o, v)| (o.name, v.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("base_url", "https://sso.example.com/realms/clearml/"),
                (
                    "authorize_url",
                    "https://sso.example.com/realms/clearml/protocol/openid-connect/auth"
                ),
                (
                    "access_token_url",
                    "https://sso.example.com/realms/clearml/protocol/openid-connect/token"
                ),
            ]
        );
        // A host loses its scheme and slashes; a default fills a missing input.
        let okta = provider("okta").unwrap();
        for (domain, server) in [
            ("https://x.okta.com/oauth2/v1", None),
            ("x.okta.com", Some("ORG")),
        ] {
            let mut given = vec![("domain", domain)];
            given.extend(server.map(|s| ("authorization_server", s)));
            assert!(
                matches!(okta.derive(&given), Err(DeriveError::Invalid { ref write, .. }) if write.as_deref() == Some("org")),
                "{domain} {server:?}"
            );
        }
        let got = okta.derive(&[("domain", "https://x.okta.com/")]).unwrap();
        assert_eq!(got.options[0].1, "https://x.okta.com/oauth2/default/");
        assert_eq!(got.notes.len(), 1, "the scheme dropped is said");
        // Nothing given, nothing derived; a needed input missing or empty is an error.
        assert_eq!(kc.derive(&[]), Ok(Derivation::default()));
        assert_eq!(
            kc.derive(&[("url", "https://sso")]),
            Err(DeriveError::Missing(kc.input("realm").unwrap()))
        );
        assert_eq!(
            okta.derive(&[("domain", "https://")]),
            Err(DeriveError::Empty(okta.input("domain").unwrap()))
        );
    }

    #[test]
    fn input_kinds_normalise_or_refuse() {
        use InputKind::*;
        let ok = |k: InputKind, raw: &str| k.normalize(raw).map(|n| n.value);
        let bad = |k: InputKind, raw: &str| match k.normalize(raw) {
            Err(InputError::Invalid { write, .. }) => write,
            other => panic!("{raw}: {other:?}"),
        };
        assert_eq!(ok(Host, "x.okta.com"), Ok("x.okta.com".into()));
        assert_eq!(ok(Host, "https://x.okta.com/"), Ok("x.okta.com".into()));
        assert_eq!(ok(Host, "localhost:8443"), Ok("localhost:8443".into()));
        assert_eq!(bad(Host, "http://x.okta.com"), Some("x.okta.com".into()));
        assert_eq!(
            bad(Host, "x.okta.com/oauth2/aus1"),
            Some("x.okta.com".into())
        );
        assert_eq!(bad(Host, "x .okta.com"), Some("x.okta.com".into()));
        assert_eq!(Host.normalize("https://"), Err(InputError::Empty));
        assert_eq!(
            ok(Url, "https://sso.example.com/auth/"),
            Ok("https://sso.example.com/auth".into())
        );
        assert_eq!(ok(Url, "http://kc:8080"), Ok("http://kc:8080".into()));
        assert_eq!(
            bad(Url, "sso.example.com"),
            Some("https://sso.example.com".into())
        );
        assert_eq!(bad(Url, "ftp://sso"), Some("https://sso".into()));
        assert_eq!(bad(Url, "https://sso/?x=1"), Some("https://sso".into()));
        assert_eq!(bad(Url, "https:///x"), None);
        assert_eq!(Url.normalize("https://"), Err(InputError::Empty));
        assert_eq!(ok(Segment, "clearml/"), Ok("clearml".into()));
        assert_eq!(bad(Segment, "my realm"), None);
        assert_eq!(bad(Segment, "a/b"), None);
        assert_eq!(bad(Segment, ".."), None);
        assert_eq!(Segment.normalize(""), Err(InputError::Empty));
        for t in [
            "contoso.onmicrosoft.com",
            "organizations",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
        ] {
            assert_eq!(ok(Tenant, t), Ok(t.to_string()));
        }
        assert_eq!(bad(Tenant, "contoso"), None);
    }

    #[test]
    fn pasted_urls_split_into_inputs_and_variants_switch_templates() {
        let kc = provider("keycloak").unwrap();
        let got = kc
            .derive(&[("url", "https://sso/auth/realms/clearml/")])
            .unwrap();
        assert_eq!(got.options[0].1, "https://sso/auth/realms/clearml/");
        assert_eq!(got.notes.len(), 1);
        assert!(matches!(
            kc.derive(&[("url", "https://sso/realms/a"), ("realm", "b")]),
            Err(DeriveError::Conflict { ref in_url, ref given, .. }) if in_url == "a" && given == "b"
        ));
        // The fixed part with nothing after it, or in another case: refused, not doubled.
        for url in [
            "https://sso/realms/",
            "https://sso/realms//",
            "https://sso/REALMS/clearml",
        ] {
            assert!(
                matches!(
                    kc.derive(&[("url", url), ("realm", "x")]),
                    Err(DeriveError::Invalid { .. })
                ),
                "{url}"
            );
        }
        let okta = provider("okta").unwrap();
        let got = okta
            .derive(&[("domain", "https://x.okta.com/oauth2/aus1")])
            .unwrap();
        assert_eq!(
            got.options[1].1,
            "https://x.okta.com/oauth2/aus1/v1/authorize"
        );
        let got = okta
            .derive(&[("domain", "x.okta.com"), ("authorization_server", "org")])
            .unwrap();
        let urls: Vec<&str> = got.options.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://x.okta.com/",
                "https://x.okta.com/oauth2/v1/authorize",
                "https://x.okta.com/oauth2/v1/token"
            ]
        );
        let az = provider("azure_ad").unwrap();
        let got = az
            .derive(&[(
                "tenant",
                "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
            )])
            .unwrap();
        assert_eq!(
            got.options[0].1,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
        );
    }

    #[test]
    fn examples_come_from_provider_option_or_type() {
        let kc = provider("keycloak").unwrap();
        assert_eq!(kc.example("realm"), "\"clearml\"");
        assert_eq!(kc.example("claims.name"), "\"preferred_username\"");
        assert_eq!(kc.example("groups.admins"), "[\"clearml-admins\"]");
        assert_eq!(kc.example("admin_role"), "\"...\"");
        assert_eq!(
            provider("okta").unwrap().example("authorization_server"),
            "\"default\""
        );
        assert_eq!(provider("duo").unwrap().example("claims.name"), "\"...\"");
    }

    #[test]
    fn callback_strips_trailing_slash() {
        assert_eq!(
            callback_url("https://app.x/", "keycloak"),
            "https://app.x/callback_keycloak"
        );
    }
}
