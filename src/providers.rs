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
            "path of the IdP metadata XML inside the apiserver container",
        )
        .with_example("\"/opt/clearml/config/default/metadata.xml\"")
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

/// An input the policy gives so that the tool can derive URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// Key in the provider table.
    pub name: &'static str,
    /// Value used when the policy leaves it out (`None`: the input is needed).
    pub default: Option<&'static str>,
    /// What it is, for messages.
    pub about: &'static str,
    /// A host name: a scheme and slashes the user typed are stripped.
    pub host: bool,
}

impl Input {
    /// The value as it goes into a URL template: a host loses the `https://` (or `http://`)
    /// and slashes typed around it; any other input loses its trailing slashes (the templates
    /// add their own).
    pub fn normalize(&self, raw: &str) -> String {
        if self.host {
            raw.trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_matches('/')
                .to_string()
        } else {
            raw.trim_end_matches('/').to_string()
        }
    }
}

/// Why [`Provider::derive`] cannot derive the URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeriveError {
    /// Some inputs are given, this one is not, and it has no default.
    Missing(&'static Input),
    /// This input is empty once normalized (`""`, `"https://"`): the URLs would be broken.
    Empty(&'static Input),
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
    /// Example string values for `init` specific to this provider (inputs, and options whose
    /// value depends on the provider); they win over the option's own example.
    pub examples: &'static [(&'static str, &'static str)],
    /// Claims the identity provider must return.
    pub claims: &'static str,
    /// Identity-provider-side steps, besides registering the callback URL.
    pub setup: &'static [&'static str],
}

const fn input(name: &'static str, about: &'static str) -> Input {
    Input {
        name,
        default: None,
        about,
        host: false,
    }
}

const fn host(name: &'static str, about: &'static str) -> Input {
    Input {
        name,
        default: None,
        about,
        host: true,
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
        inputs: &[input("url", "Keycloak server URL"), input("realm", "Keycloak realm name")],
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
        inputs: &[host("domain", "Auth0 tenant domain")],
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
            host("domain", "Okta domain"),
            Input { name: "authorization_server", default: Some("default"), about: "Okta authorization server ID", host: false },
        ],
        derived: &[
            ("base_url", "https://{domain}/oauth2/{authorization_server}/"),
            ("authorize_url", "https://{domain}/oauth2/{authorization_server}/v1/authorize"),
            ("access_token_url", "https://{domain}/oauth2/{authorization_server}/v1/token"),
        ],
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
        inputs: &[input("tenant", "Azure tenant ID or domain")],
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
        inputs: &[host("domain", "Cognito user-pool domain")],
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
    /// when no input is given; once one is, every input without a default is needed. Returns
    /// every derived option with its value, in template order; the caller lets an option the
    /// policy sets explicitly win.
    pub fn derive(
        &self,
        given: &[(&str, &str)],
    ) -> Result<Vec<(&'static OptionSpec, String)>, DeriveError> {
        let given: Vec<(&str, &str)> = given
            .iter()
            .copied()
            .filter(|(n, _)| self.input(n).is_some())
            .collect();
        if given.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<(&str, String)> = Vec::new();
        for input in self.inputs {
            let value = match given.iter().find(|(n, _)| *n == input.name) {
                Some((_, raw)) => input.normalize(raw),
                None => input
                    .default
                    .ok_or(DeriveError::Missing(input))?
                    .to_string(),
            };
            if value.is_empty() {
                return Err(DeriveError::Empty(input));
            }
            values.push((input.name, value));
        }
        Ok(self
            .derived
            .iter()
            .map(|(option, template)| {
                let mut url = template.to_string();
                for (name, value) in &values {
                    url = url.replace(&format!("{{{name}}}"), value);
                }
                let option = self.option(option).expect("catalogue is consistent");
                (option, url)
            })
            .collect())
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
            for (_, template) in p.derived {
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
        let got: Vec<(&str, &str)> = got.iter().map(|(o, v)| (o.name, v.as_str())).collect();
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
        let got = okta.derive(&[("domain", "https://x.okta.com/")]).unwrap();
        assert_eq!(got[0].1, "https://x.okta.com/oauth2/default/");
        // Nothing given, nothing derived; a needed input missing or empty is an error.
        assert_eq!(kc.derive(&[]), Ok(Vec::new()));
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
