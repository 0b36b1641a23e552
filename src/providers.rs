//! The provider catalogue: every fact about ClearML's SSO providers and options, as data.
//!
//! Source: `shared/reference/clearml-sso-env.md` §2–§4 and §11. Adding a provider or an option
//! means adding a row here; nothing else in the crate lists provider keys or option names.

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

/// What kind of value an option holds (as ClearML reads it after HOCON parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    Str,
    /// `true` / `false`.
    Bool,
    /// A list of strings, written `["a","b"]`.
    List,
}

impl Kind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Bool => "a boolean (true or false)",
            Kind::List => "an array of strings",
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
    /// The value's kind.
    pub kind: Kind,
    /// A credential: must come from a Secret unless the policy allows plaintext.
    pub secret: bool,
    /// One line for `explain` and for error messages.
    pub about: &'static str,
}

const fn opt(name: &'static str, section: Section, kind: Kind, about: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        section,
        kind,
        secret: false,
        about,
    }
}

use Kind::{Bool, List, Str};
use Section::{Secure, Services};

// Options both client types share (reference §3, §5): defined once.
const DEFAULT_COMPANY: OptionSpec = opt(
    "default_company",
    Secure,
    Str,
    "ClearML company ID new users join",
);
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
);
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

/// Every OAuth option documented for ClearML (reference §3), in the order they are emitted.
pub const OAUTH_OPTIONS: &[OptionSpec] = &[
    opt(
        "client_id",
        Secure,
        Str,
        "client ID registered in the identity provider",
    ),
    OptionSpec {
        name: "client_secret",
        section: Secure,
        kind: Str,
        secret: true,
        about: "client secret registered in the identity provider",
    },
    opt(
        "base_url",
        Services,
        Str,
        "base URL of the identity provider (ends with /)",
    ),
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
    opt("code_challenge_method", Services, Str, "PKCE method, S256"),
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
    ),
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

/// Every SAML option documented for ClearML (reference §5, §11).
pub const SAML_OPTIONS: &[OptionSpec] = &[
    opt(
        "entity_id",
        Secure,
        Str,
        "SAML entity ID ClearML presents (usually `clearml`)",
    ),
    opt(
        "idp_metadata_file",
        Secure,
        Str,
        "path of the IdP metadata XML inside the apiserver container",
    ),
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
/// in the policy (reference §3, multi-tenant login).
pub const GLOBAL_OPTIONS: &[OptionSpec] = &[
    opt("tenant_login", Services, Bool, "multi-tenant login mode"),
    opt(
        "allow_settings_providers",
        Services,
        Bool,
        "show global IdP configurations not tied to a tenant",
    ),
];

/// Names from ClearML's multi-tenant API that people put into env variable names by mistake,
/// with the env option they mean (reference T23).
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
    /// Further options ClearML documents for this provider (reference §3); others are
    /// accepted (the key layout is shared) but not offered by `init`.
    pub optional: &'static [&'static str],
    /// Derivation inputs.
    pub inputs: &'static [Input],
    /// `(option, template)`: `{input}` placeholders are replaced by the inputs' values.
    pub derived: &'static [(&'static str, &'static str)],
    /// Example values (inputs and required literals) for `init`.
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
    examples: &[
        ("entity_id", "clearml"),
        (
            "idp_metadata_file",
            "/opt/clearml/config/default/metadata.xml",
        ),
    ],
    ..OAUTH
};

const KEYCLOAK_GROUPS: &[&str] = &[
    "For group sync (groups.enabled): in the ClearML client open Client Scopes -> the `<client>-dedicated` scope -> Add mapper -> By configuration -> Group membership",
    "Mapper name `groups`, Token claim name `groups`, turn OFF \"Full group path\", save",
    "Verify: Client details -> Client scopes -> Evaluate, pick a user with groups; the `groups` claim must appear in both the generated ID token and the generated user info",
    "Create, in ClearML, a group named like each Keycloak group to sync (groups are never created automatically)",
    "For role-based admins (admin_role): assign the role and make sure the `roles` claim is in the access token or user info",
];

/// The catalogue. Keys, options, derivations and IdP-side steps: reference §2–§5, §11.
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
            "The key is `azure_ad`; `ad_oauth` is the separate Microsoft AD provider (ClearML's Azure page misprints it, T1)",
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
        setup: &["Entity ID `clearml`; the key has no separator (`jumpcloudsaml`, T8)"],
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

/// Callback URL to register in the identity provider (reference §2; T29: no `//`).
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
                assert!(
                    p.input(name).is_some() || p.required.contains(name),
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
    fn callback_strips_trailing_slash() {
        assert_eq!(
            callback_url("https://app.x/", "keycloak"),
            "https://app.x/callback_keycloak"
        );
    }
}
