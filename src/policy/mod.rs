//! The policy file (version 1): what a validated [`Policy`] holds, and the one way to get one,
//! [`parse`] (TOML → `Policy`, with `FILE:LINE:COLUMN` errors).
//!
//! This file owns the model: the policy's types, their defaults and the small rules on them
//! (which workloads and containers `[target]` selects, which Secret an `[secrets] external`
//! entry vouches for, how the notes and warnings are printed). Reading the file is `load` (the
//! root tables, and what the policy wants once read) and `provider_table` (one provider's
//! options, values and references), both over `loader` (places and typed reads); what is wrong
//! with a file is `error`; what the policy alone makes `render` report, whatever the
//! manifests, is `refusals`; what counts as a placeholder still to fill in (refused by
//! [`parse`], a to-do item for [`parse_draft`]) is `placeholder`, the one list. `glob` (the name
//! patterns) and `suggest` ("did you mean") are leaves that import nothing else from the crate.
//!
//! It must not read manifests or judge them: the policy says what is wanted; the corrections
//! (`correct`) and the proof (`verify`) apply it. The paths the rest of the crate uses
//! (`policy::parse`, `policy::Globs`, `policy::nearest`, `policy::PolicyError`…) are
//! re-exported here, so the files below are not part of the public API.

mod error;
mod glob;
mod load;
mod loader;
mod placeholder;
mod provider_table;
mod refusals;
mod suggest;
#[cfg(test)]
mod tests;

pub use error::{PolicyError, Problem};
pub use glob::Globs;
pub use load::{parse, parse_draft};
pub use placeholder::{why as placeholder_reason, DEFAULT_PLACEHOLDERS};
pub use provider_table::secret_reference_example;
pub(crate) use refusals::plaintext_help;
pub use refusals::policy_refusals;
pub use suggest::{nearest, nearest_typo};

use crate::catalogue::{OptionSpec, Provider};
use crate::clearml::values::Literal;
use error::format_problem;

/// Workload kinds that carry a pod template, searched by default: every kind the tool knows
/// the pod-spec path of ([`crate::kube::objects::POD_SPEC_PATHS`], the one table of workload kinds).
pub fn default_kinds() -> impl Iterator<Item = &'static str> + Clone {
    crate::kube::objects::POD_SPEC_PATHS
        .iter()
        .map(|(kind, _)| *kind)
}

/// `[target] workloads` when the policy leaves it out: the apiserver Deployment (not
/// `clearml-apiserver-asyncdelete`, which has no `apiserver` suffix).
pub const DEFAULT_WORKLOADS: &[&str] = &["*apiserver"];
/// `[target] containers` when the policy leaves it out: `clearml-apiserver` (public chart 5.0
/// on, and the Enterprise chart) and `clearml`, the apiserver container's name in the public
/// chart 2.0–4.4. Containers are only matched inside workloads `workloads` selects, so a
/// `clearml` container of any other Deployment is never touched.
pub const DEFAULT_CONTAINERS: &[&str] = &["*apiserver", "clearml"];

/// The values of `[enforce] mode`, as written in the policy.
pub const MODES: &[(&str, Mode)] = &[("fix", Mode::Fix), ("audit", Mode::Audit)];
/// The values of `[enforce] plaintext_secrets`.
pub const PLAINTEXT_CHOICES: &[(&str, Plaintext)] =
    &[("deny", Plaintext::Deny), ("allow", Plaintext::Allow)];
/// The values of `[enforce] unknown_providers`.
pub const UNKNOWN_PROVIDERS_CHOICES: &[(&str, UnknownProviders)] = &[
    ("warn", UnknownProviders::Warn),
    ("deny", UnknownProviders::Deny),
    ("remove", UnknownProviders::Remove),
];
/// The values of `[enforce] warnings`.
pub const WARNINGS_CHOICES: &[(&str, Warnings)] =
    &[("allow", Warnings::Allow), ("deny", Warnings::Deny)];
/// The values of `[secrets] check`.
pub const CHECK_CHOICES: &[(&str, CheckScope)] =
    &[("sso", CheckScope::Sso), ("all", CheckScope::All)];

/// How `value` is written in the policy, from one of the choice tables above.
pub fn choice_name<T: PartialEq>(choices: &[(&'static str, T)], value: T) -> &'static str {
    choices
        .iter()
        .find(|(_, v)| *v == value)
        .map(|(n, _)| *n)
        .expect("every value has a name in its table")
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Where it came from, for messages.
    pub source: String,
    /// Which containers carry the SSO settings.
    pub target: Target,
    /// How strictly to enforce.
    pub enforce: Enforce,
    /// Secrets that exist outside the rendered stream.
    pub secrets: SecretsPolicy,
    /// `[config_files]`: config directories the policy vouches for.
    pub config_files: ConfigFilesPolicy,
    /// The providers, in file order.
    pub providers: Vec<ProviderPolicy>,
    /// `[sso]`: switches for SSO as a whole.
    pub sso: SsoPolicy,
    /// Every env setting the policy produces, in emission order (providers, then switches).
    pub desired: Vec<Desired>,
    /// What was normalised while loading (`domain = "https://x"` read as the host, a
    /// `base_url` given its `/`…), in file order: the CLI shows them as `FILE:LINE:COLUMN: note:`.
    pub notes: Vec<Problem>,
    /// What loads but probably is not what was meant (an `[secrets] external` entry the policy
    /// never reads); the policy still loads. `render`, `check` and `diff` report each as an
    /// `unused-external` finding, `explain` and `values` as `FILE:LINE:COLUMN: warning:`.
    pub warnings: Vec<Problem>,
    /// Values still to fill in (placeholders, see `placeholder`), in file order: always empty
    /// in a policy from [`parse`], which refuses them; [`parse_draft`] (for `explain`) lists
    /// them here as to-do items.
    pub placeholders: Vec<Problem>,
}

/// `[sso]`.
#[derive(Debug, Clone, Default)]
pub struct SsoPolicy {
    /// `tenant_login`, `allow_settings_providers` with their values.
    pub switches: Vec<(&'static OptionSpec, bool)>,
    /// The ClearML web app's address, for callback URLs in `explain`.
    pub webapp: Option<String>,
}

/// One env variable the policy wants on every target container.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    /// The option.
    pub option: &'static OptionSpec,
    /// The provider, or `None` for an `[sso]` switch.
    pub provider: Option<&'static Provider>,
    /// ClearML's key below the section (`login.sso.oauth_client.keycloak.base_url`).
    pub path: String,
    /// The canonical variable name.
    pub name: String,
    /// The value.
    pub value: Value,
    /// Derived from inputs rather than written out.
    pub derived: bool,
    /// Short label for messages: `keycloak.groups.admins`, `sso.tenant_login`.
    pub label: String,
}

impl Policy {
    /// The notes as the CLI prints them (one `FILE:LINE:COLUMN: note: …` per note, each line
    /// ending in a newline; empty when there are none).
    pub fn notes_text(&self) -> String {
        self.problems_text("note", &self.notes)
    }

    /// The warnings in the same form (`FILE:LINE:COLUMN: warning: …`), for `explain` and
    /// `values`, which print no findings; `render`, `check` and `diff` report each as an
    /// `unused-external` finding instead (see `correct::policy_refusals`), so that it is
    /// counted, in every format and `--report`, and refused under `warnings = "deny"`.
    pub fn warnings_text(&self) -> String {
        self.problems_text("warning", &self.warnings)
    }

    /// The placeholders still to fill in, in the same form (`FILE:LINE:COLUMN: to-do: …`).
    pub fn placeholders_text(&self) -> String {
        self.problems_text("to-do", &self.placeholders)
    }

    fn problems_text(&self, level: &str, problems: &[Problem]) -> String {
        let mut out = String::new();
        for p in problems {
            out.push_str(&format_problem(&self.source, level, p));
            out.push('\n');
        }
        out
    }
}

/// `[target]`.
#[derive(Debug, Clone)]
pub struct Target {
    /// Globs on `metadata.name` of workloads.
    pub workloads: Globs,
    /// Globs on `spec.containers[].name`.
    pub containers: Globs,
    /// Globs on `metadata.name` to skip.
    pub exclude: Globs,
    /// Workload kinds searched.
    pub kinds: Vec<String>,
}

impl Default for Target {
    /// The target when the policy has no `[target]`.
    fn default() -> Self {
        let globs = |p: &[&str]| {
            Globs::new(p.iter().map(|s| s.to_string()).collect()).expect("valid default")
        };
        Target {
            workloads: globs(DEFAULT_WORKLOADS),
            containers: globs(DEFAULT_CONTAINERS),
            exclude: globs(&[]),
            kinds: default_kinds().map(str::to_string).collect(),
        }
    }
}

impl Target {
    /// Whether a workload of this kind and name is targeted (its containers are then matched
    /// against `containers`). The one place this rule is written.
    pub fn selects_workload(&self, kind: &str, name: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
            && self.workloads.is_match(name)
            && !self.exclude.is_match(name)
    }

    /// Whether a container (of a selected workload) is targeted.
    pub fn selects_container(&self, name: &str) -> bool {
        self.containers.is_match(name)
    }
}

/// `[enforce] mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Inject missing settings and correct wrong ones.
    Fix,
    /// Change nothing; every drift is an error.
    Audit,
}

/// `[enforce] plaintext_secrets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plaintext {
    /// A credential written as a literal is an error.
    Deny,
    /// Allowed.
    Allow,
}

/// `[enforce] unknown_providers`: SSO variables for providers the policy does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownProviders {
    /// Keep them, with a warning.
    Warn,
    /// Fail.
    Deny,
    /// Remove them.
    Remove,
}

/// `[enforce] warnings`: whether a warning (something corrected or worth a look) passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    /// The render succeeds, with the warning reported.
    Allow,
    /// Every warning fails the render, for teams that enforce the policy rather than have
    /// the tool correct drift (`--deny-warnings` sets it from the command line).
    Deny,
}

/// `[enforce]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enforce {
    /// Fix or audit.
    pub mode: Mode,
    /// Credentials as literals.
    pub plaintext_secrets: Plaintext,
    /// SSO variables of undeclared providers.
    pub unknown_providers: UnknownProviders,
    /// Whether warnings fail the render.
    pub warnings: Warnings,
}

impl Default for Enforce {
    /// `[enforce]` when the policy leaves it out: fix, no plaintext credentials, warn about
    /// undeclared providers, let warnings pass.
    fn default() -> Self {
        Enforce {
            mode: Mode::Fix,
            plaintext_secrets: Plaintext::Deny,
            unknown_providers: UnknownProviders::Warn,
            warnings: Warnings::Allow,
        }
    }
}

/// `[config_files]`.
#[derive(Debug, Clone, Default)]
pub struct ConfigFilesPolicy {
    /// `trust_unseen`: volumeMount paths (cleaned, absolute) at ClearML's config directories
    /// whose `*.conf` files the tool cannot see and the policy's author vouches set no SSO
    /// setting. Such a mount is then a warning (`unseen-config-file-trusted`), not a refusal.
    pub trust_unseen: Vec<String>,
}

impl ConfigFilesPolicy {
    /// Whether the volumeMount at `mount_path` is listed (compared cleaned).
    pub fn trusts(&self, mount_path: &str) -> bool {
        let clean = crate::paths::clean_path(mount_path);
        self.trust_unseen.contains(&clean)
    }
}

/// `[secrets]`.
#[derive(Debug, Clone)]
pub struct SecretsPolicy {
    /// Secrets (and ConfigMaps) created outside the release: `NAME` (any key) or `NAME/KEY`.
    pub external: Vec<External>,
    /// Values that are placeholders, not real secrets (case-insensitive globs). The defaults
    /// are borrowed: most policies keep them, and copying them costs more than reading one.
    pub placeholders: std::borrow::Cow<'static, Globs>,
    /// Which references of a target container must resolve.
    pub check: CheckScope,
    /// `trust_unseen_sources` (older name `trust_env_from`): Secrets and ConfigMaps the tool
    /// cannot see (outside the stream, an ExternalSecret's fetched values) that the policy's
    /// author vouches for: as an `envFrom` source, it sets no variable ClearML reads; read by
    /// a `valueFrom` into a variable ClearML reads, its value sets only that variable's key.
    /// Such a source is then a warning (`unseen-env-from-trusted`, `unseen-value-trusted`),
    /// not a refusal.
    pub trust_env_from: Vec<TrustedEnvFrom>,
}

/// One `[secrets] trust_unseen_sources` (`trust_env_from`) entry: `secret/NAME` or `configmap/NAME` (any namespace,
/// as `[secrets] external`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedEnvFrom {
    /// A Secret (`secretRef`), else a ConfigMap (`configMapRef`).
    pub secret: bool,
    /// Its name.
    pub name: String,
}

impl SecretsPolicy {
    /// Whether the policy vouches for the `envFrom` source `name` (a Secret when `secret`).
    pub fn trusts_env_from(&self, secret: bool, name: &str) -> bool {
        self.trust_env_from
            .iter()
            .any(|t| t.secret == secret && t.name == name)
    }
}

impl Default for SecretsPolicy {
    fn default() -> Self {
        SecretsPolicy {
            external: Vec::new(),
            placeholders: std::borrow::Cow::Borrowed(placeholder::default_globs()),
            check: CheckScope::Sso,
            trust_env_from: Vec::new(),
        }
    }
}

/// One `[secrets] external` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// Secret or ConfigMap name.
    pub name: String,
    /// The key it pins; `None`: any key.
    pub key: Option<String>,
}

impl External {
    /// Whether this entry vouches for `key` of `name` (`None`: the object as a whole, as an
    /// `envFrom` reads it): the name matches and the entry pins no key or that key.
    pub fn covers(&self, name: &str, key: Option<&str>) -> bool {
        self.name == name && (self.key.is_none() || self.key.as_deref() == key)
    }
}

/// `[secrets] check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckScope {
    /// Only references the SSO settings use.
    Sso,
    /// Every secretKeyRef, configMapKeyRef, envFrom source and Secret/ConfigMap volume of the
    /// target containers.
    All,
}

/// One `[providers.<key>]` table, with derived options filled in.
#[derive(Debug, Clone)]
pub struct ProviderPolicy {
    /// The catalogue entry.
    pub spec: &'static Provider,
    /// Every option the policy sets, in catalogue order.
    pub settings: Vec<Setting>,
    /// What the provider's discovery document must say, `(field, value)`, derived from the
    /// inputs ([`crate::catalogue::Derivation::discovery`]); empty when the policy gives no
    /// inputs. Only `clearml-sso probe` reads it.
    pub discovery: Vec<(&'static str, String)>,
    /// The derivation inputs' values as normalised (`("realm", "clearml")`); empty when the
    /// policy gives none. Only `clearml-sso probe` reads it.
    pub inputs: Vec<(&'static str, String)>,
}

/// One option's desired value.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The option.
    pub option: &'static OptionSpec,
    /// Its value.
    pub value: Value,
    /// Derived from inputs such as `url` + `realm` rather than written out.
    pub derived: bool,
}

/// A policy value: a literal or a reference to a Secret / ConfigMap key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A literal value.
    Literal(Literal),
    /// `{ secret = NAME, key = KEY }`
    Secret {
        /// Secret name.
        name: String,
        /// Key in the Secret.
        key: String,
    },
    /// `{ configmap = NAME, key = KEY }`
    ConfigMap {
        /// ConfigMap name.
        name: String,
        /// Key in the ConfigMap.
        key: String,
    },
}
