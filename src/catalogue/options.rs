//! The options ClearML's SSO providers read: sections, client types, value types, each
//! option's facts, the global switches, and the key ClearML's own pages misprint. Data and
//! the lookups over it; nothing here knows a manifest or the policy.

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

pub(super) const fn opt(
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

pub(super) const DEFAULT_COMPANY: OptionSpec = opt(
    "default_company",
    Secure,
    Str,
    "ClearML company ID new users join",
)
.with_example("\"d1bd92a3b039400cbafc60a7a5b1e52b\"");

pub(super) const GROUPS_ENABLED: OptionSpec = opt(
    "groups.enabled",
    Services,
    Bool,
    "sync IdP group membership into ClearML groups",
);

pub(super) const GROUPS_CLAIM: OptionSpec = opt(
    "groups.claim",
    Services,
    Str,
    "claim holding the user's groups (`groups` in ClearML's examples)",
)
.with_example("\"groups\"");

pub(super) const GROUPS_ADMINS: OptionSpec = opt(
    "groups.admins",
    Services,
    List,
    "IdP groups whose members become ClearML admins",
);

pub(super) const GROUPS_CASE_SENSITIVE: OptionSpec = opt(
    "groups.case_sensitive",
    Services,
    Bool,
    "group names compare case-sensitively",
);

pub(super) const GROUPS_PROHIBIT: OptionSpec = opt(
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

impl OptionSpec {
    /// Whether this option's values may be shown (in findings and diffs): it holds no
    /// credential and ClearML reads it from `services` — URLs, switches, claims, group names,
    /// display names. `secure` options (client ID, default company, SAML entity and metadata
    /// path) are treated like the credential they sit next to.
    pub const fn value_is_public(&self) -> bool {
        !self.secret && matches!(self.section, Section::Services)
    }
}

/// The options of a client type.
pub fn options(client: Client) -> &'static [OptionSpec] {
    match client {
        Client::OAuth => OAUTH_OPTIONS,
        Client::Saml => SAML_OPTIONS,
    }
}
