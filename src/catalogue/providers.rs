//! Every identity provider ClearML knows: its key, client type, options, inputs and
//! derivations, aliases and identity-provider steps — the table the rest of the crate looks
//! providers up in.

use super::derive::*;
use super::options::*;

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
    /// `(field, template)`: what the provider's OpenID discovery document must say, for the
    /// fields ClearML's login relies on besides `authorize_url` and `access_token_url` (whose
    /// values are the options'; see [`DISCOVERY_OPTIONS`]). `issuer` is where the document is
    /// fetched from (`<issuer>/.well-known/openid-configuration`). Templates as in `derived`;
    /// a provider without inputs uses them as written. Read by `clearml-sso probe` only.
    pub discovery: &'static [(&'static str, &'static str)],
    /// What `init` writes for this provider's inputs and the options whose value depends on the
    /// provider, winning over the option's own example: placeholders in `<…>` showing the
    /// form (`<your-org>.okta.com`), which every command but `explain` refuses until they are
    /// filled in (`policy::placeholder_reason`), never a value a render would accept.
    pub examples: &'static [(&'static str, &'static str)],
    /// The input whose value the discovery document may write as the tenant's ID (a GUID)
    /// when the policy gives a domain (Entra ID's). Read by `clearml-sso probe` only.
    pub discovery_tenant: Option<&'static str>,
    /// Claims the identity provider must return.
    pub claims: &'static str,
    /// Identity-provider-side steps, besides registering the callback URL.
    pub setup: &'static [&'static str],
}

pub(super) const fn input(name: &'static str, kind: InputKind, about: &'static str) -> Input {
    Input {
        name,
        default: None,
        about,
        kind,
        pasted: &[],
        optional: false,
    }
}

impl Input {
    /// The same input with the URLs people paste instead of it.
    const fn pasted(mut self, pasted: &'static [&'static str]) -> Input {
        self.pasted = pasted;
        self
    }

    /// The same input, optional ([`Input::optional`]).
    const fn optional(mut self) -> Input {
        self.optional = true;
        self
    }
}

pub(super) const CREDENTIALS: &[&str] = &["client_id", "client_secret"];

pub(super) const ENDPOINTS: &[&str] = &[
    "client_id",
    "client_secret",
    "authorize_url",
    "access_token_url",
];

pub(super) const OAUTH: Provider = Provider {
    key: "",
    title: "",
    client: Client::OAuth,
    required: ENDPOINTS,
    optional: &["default_company"],
    inputs: &[],
    derived: &[],
    variants: &[],
    discovery: &[],
    discovery_tenant: None,
    examples: &[],
    claims: "user ID, email, name",
    setup: &[],
};

pub(super) const SAML: Provider = Provider {
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

pub(super) const KEYCLOAK_GROUPS: &[&str] = &[
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
        // Keycloak's realm endpoints, all under the realm's OpenID Connect path.
        discovery: &[
            ("issuer", "{url}/realms/{realm}"),
            ("userinfo_endpoint", "{url}/realms/{realm}/protocol/openid-connect/userinfo"),
            ("jwks_uri", "{url}/realms/{realm}/protocol/openid-connect/certs"),
            ("end_session_endpoint", "{url}/realms/{realm}/protocol/openid-connect/logout"),
        ],
        examples: &[("url", "https://<keycloak-host>"), ("realm", "<realm>")],
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
        // Auth0's issuer ends with `/`; its end-session endpoint is published only when
        // RP-initiated logout is enabled for the tenant, so it is not expected.
        discovery: &[
            ("issuer", "https://{domain}/"),
            ("userinfo_endpoint", "https://{domain}/userinfo"),
            ("jwks_uri", "https://{domain}/.well-known/jwks.json"),
        ],
        examples: &[("domain", "<tenant>.<region>.auth0.com"), ("audience", "https://<tenant>.<region>.auth0.com/api/v2/")],
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
        discovery: &[
            ("issuer", "https://{domain}/oauth2/{authorization_server}"),
            ("userinfo_endpoint", "https://{domain}/oauth2/{authorization_server}/v1/userinfo"),
            ("jwks_uri", "https://{domain}/oauth2/{authorization_server}/v1/keys"),
            ("end_session_endpoint", "https://{domain}/oauth2/{authorization_server}/v1/logout"),
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
            discovery: &[
                ("issuer", "https://{domain}"),
                ("userinfo_endpoint", "https://{domain}/oauth2/v1/userinfo"),
                ("jwks_uri", "https://{domain}/oauth2/v1/keys"),
                ("end_session_endpoint", "https://{domain}/oauth2/v1/logout"),
            ],
        }],
        examples: &[("domain", "<your-org>.okta.com")],
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
        // The v2.0 endpoints. Entra ID's document names the tenant by its ID even when asked
        // by domain: `probe` accepts the ID in place of a domain (see `discovery_tenant`).
        discovery: &[
            ("issuer", "https://login.microsoftonline.com/{tenant}/v2.0"),
            ("userinfo_endpoint", "https://graph.microsoft.com/oidc/userinfo"),
            ("jwks_uri", "https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"),
            ("end_session_endpoint", "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/logout"),
        ],
        discovery_tenant: Some("tenant"),
        examples: &[("tenant", "<tenant-id-or-domain>")],
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
            ("authorize_url", "https://<adfs-host>/adfs/oauth2/authorize"),
            ("access_token_url", "https://<adfs-host>/adfs/oauth2/token"),
        ],
        claims: "preferred_username (user ID), upn (email), fullname (name)",
        ..OAUTH
    },
    Provider {
        key: "google",
        title: "Google",
        required: CREDENTIALS,
        // ClearML knows Google's endpoints itself; these are Google's published ones.
        discovery: &[
            ("issuer", "https://accounts.google.com"),
            ("authorization_endpoint", "https://accounts.google.com/o/oauth2/v2/auth"),
            ("token_endpoint", "https://oauth2.googleapis.com/token"),
            ("userinfo_endpoint", "https://openidconnect.googleapis.com/v1/userinfo"),
            ("jwks_uri", "https://www.googleapis.com/oauth2/v3/certs"),
        ],
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
        inputs: &[
            input("domain", InputKind::Host, "Cognito user-pool domain"),
            // The pool's discovery document lives under the pool ID, which the domain does not
            // give; only `probe` needs it.
            input("pool_id", InputKind::PoolId, "Cognito user-pool ID (read by `clearml-sso probe` only)")
                .optional(),
        ],
        derived: &[
            ("authorize_url", "https://{domain}/oauth2/authorize"),
            ("access_token_url", "https://{domain}/oauth2/token"),
        ],
        discovery: &[
            ("issuer", "https://cognito-idp.{pool_region}.amazonaws.com/{pool_id}"),
            ("userinfo_endpoint", "https://{domain}/oauth2/userInfo"),
            ("jwks_uri", "https://cognito-idp.{pool_region}.amazonaws.com/{pool_id}/.well-known/jwks.json"),
        ],
        examples: &[("domain", "<domain-prefix>.auth.<region>.amazoncognito.com"), ("pool_id", "<region>_<pool-id>")],
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
            ("authorize_url", "https://auth.pingone.com/<environment-id>/as/authorize"),
            ("access_token_url", "https://auth.pingone.com/<environment-id>/as/token"),
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

/// The options whose values a discovery document names too: `(option, field)`. `probe`
/// compares each with the document exactly, besides a provider's [`Provider::discovery`].
pub const DISCOVERY_OPTIONS: &[(&str, &str)] = &[
    ("authorize_url", "authorization_endpoint"),
    ("access_token_url", "token_endpoint"),
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

    /// The value (TOML) `init` writes for an option or input of this provider: the provider's
    /// own placeholder, else the option's example, else the input's default, else `"..."`.
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
            // A provider without inputs (Google) has fixed endpoints: its discovery facts hold
            // as written. Otherwise nothing is known without the inputs.
            let discovery = if self.inputs.is_empty() {
                self.discovery
                    .iter()
                    .map(|(f, t)| (*f, t.to_string()))
                    .collect()
            } else {
                Vec::new()
            };
            return Ok(Derivation {
                discovery,
                ..Derivation::default()
            });
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
                None if input.optional => continue,
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
                    if input.kind == InputKind::PoolId {
                        let region = n.value.split('_').next().unwrap_or_default();
                        values.push((POOL_REGION, region.to_string()));
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
        let variant = self.variants.iter().find(|v| {
            values
                .iter()
                .any(|(n, val)| *n == v.input && val == v.value)
        });
        // Each `{input}` is written once, not once per template; a template is copied again
        // only where it names the input.
        let marks: Vec<(String, &str)> = values
            .iter()
            .map(|(name, value)| (format!("{{{name}}}"), value.as_str()))
            .collect();
        let fill = |template: &str| {
            let mut url = template.to_string();
            for (mark, value) in &marks {
                if url.contains(mark.as_str()) {
                    url = url.replace(mark.as_str(), value);
                }
            }
            url
        };
        let options = variant
            .map_or(self.derived, |v| v.derived)
            .iter()
            .map(|(option, template)| {
                let option = self.option(option).expect("catalogue is consistent");
                (option, fill(template))
            })
            .collect();
        // A template naming an optional input the policy leaves out is not known.
        let discovery = variant
            .map_or(self.discovery, |v| v.discovery)
            .iter()
            .map(|(field, template)| (*field, fill(template)))
            .filter(|(_, value)| !value.contains('{'))
            .collect();
        Ok(Derivation {
            options,
            notes,
            discovery,
            inputs: values
                .into_iter()
                .filter(|(n, _)| *n != POOL_REGION)
                .collect(),
        })
    }
}

impl Provider {
    /// The URL options as [`Provider::derive`] would build them, from the inputs as written
    /// (defaults for those not given), unchecked and unsplit: for a draft policy whose inputs
    /// are still placeholders (`https://<your-org>.okta.com/oauth2/default/…`), which `explain`
    /// shows and nothing renders.
    pub fn derive_verbatim(&self, given: &[(&str, &str)]) -> Derivation {
        let value = |name: &str| {
            given
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.trim_end_matches('/').to_string())
                .or_else(|| self.input(name).and_then(|i| i.default).map(str::to_string))
        };
        let templates = self
            .variants
            .iter()
            .find(|v| value(v.input).as_deref() == Some(v.value))
            .map_or(self.derived, |v| v.derived);
        let options = templates
            .iter()
            .map(|(option, template)| {
                let mut url = template.to_string();
                for input in self.inputs {
                    if let Some(v) = value(input.name) {
                        url = url.replace(&format!("{{{}}}", input.name), &v);
                    }
                }
                let option = self.option(option).expect("catalogue is consistent");
                (option, url)
            })
            .collect();
        Derivation {
            options,
            ..Derivation::default()
        }
    }
}

pub(super) fn set(raw: &mut Vec<(&'static Input, String)>, input: &'static Input, value: String) {
    match raw.iter_mut().find(|(i, _)| i.name == input.name) {
        Some(slot) => slot.1 = value,
        None => raw.push((input, value)),
    }
}
