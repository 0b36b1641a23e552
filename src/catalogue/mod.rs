//! The provider catalogue: every fact about ClearML's SSO providers and options, as data.
//!
//! ClearML documents its SSO setup per identity provider: a provider key (`keycloak`,
//! `azure_ad`…) under `oauth_client` or `saml_client`, the options each one reads and from
//! which configuration tree (`secure` for credentials and the default company, `services` for
//! the rest), the callback URL to register, and the claims the provider must return. This module
//! holds all of it: provider keys, options and their value types, which options hold
//! credentials, value rules (a `base_url` ends with `/`, a metadata file must be mounted),
//! example values, how URLs are derived from a few inputs (`url` + `realm`, an Okta domain…),
//! the key ClearML's own pages misprint, and the steps on the identity-provider side.
//!
//! Adding a provider or an option means adding a row here; nothing else in the crate lists
//! provider keys, option names or facts about them.

mod derive;
mod options;
mod providers;
#[cfg(test)]
mod tests;

pub use derive::*;
pub use options::*;
pub use providers::*;
