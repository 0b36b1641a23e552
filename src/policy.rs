//! The policy file (version 1): TOML → a validated [`Policy`], with `FILE:LINE:COLUMN` errors.
//!
//! Parsed with `toml_edit`, which keeps the byte span of every key and value, so each
//! problem points at the exact place and, for a misspelled key, names the nearest valid one.
//! Every problem in the file is reported, not only the first.

use crate::clearml_env::{self, Literal};
use crate::providers::{self, DeriveError, OptionSpec, Provider, ValueType};
use globset::{GlobSet, GlobSetBuilder};
use std::fmt;
use std::ops::Range;
use toml_edit::{Item, TableLike, Value as TomlValue};

/// Workload kinds that carry a pod template, searched by default: every kind the tool knows
/// the pod-spec path of ([`crate::k8s::POD_SPEC_PATHS`], the one table of workload kinds).
pub fn default_kinds() -> impl Iterator<Item = &'static str> + Clone {
    crate::k8s::POD_SPEC_PATHS.iter().map(|(kind, _)| *kind)
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

    fn problems_text(&self, level: &str, problems: &[Problem]) -> String {
        let mut out = String::new();
        for p in problems {
            out.push_str(&format_problem(&self.source, level, p));
            out.push('\n');
        }
        out
    }

    /// `[secrets] external` entries (with their spans) that match nothing the policy reads,
    /// each as a warning naming the nearest reference. Only under `check = "sso"`: with
    /// `"all"` an entry may stand for a Secret the chart's own references read.
    fn unused_external(&self, loader: &Loader, spans: &[Option<Range<usize>>]) -> Vec<Problem> {
        if self.secrets.check != CheckScope::Sso {
            return Vec::new();
        }
        let reads: Vec<(&str, &str)> = self
            .desired
            .iter()
            .filter_map(|d| match &d.value {
                Value::Secret { name, key } | Value::ConfigMap { name, key } => {
                    Some((name.as_str(), key.as_str()))
                }
                Value::Literal(_) => None,
            })
            .collect();
        let mut out = Vec::new();
        for (entry, span) in self.secrets.external.iter().zip(spans) {
            let used = reads
                .iter()
                .any(|(name, key)| entry.covers(name, Some(key)));
            if used {
                continue;
            }
            let (written, candidates): (String, Vec<String>) = match &entry.key {
                Some(key) => (
                    format!("{}/{key}", entry.name),
                    reads.iter().map(|(n, k)| format!("{n}/{k}")).collect(),
                ),
                None => (
                    entry.name.clone(),
                    reads.iter().map(|(n, _)| n.to_string()).collect(),
                ),
            };
            let near = nearest(&written, candidates.iter().map(String::as_str));
            let mut names: Vec<&str> = reads.iter().map(|(n, _)| *n).collect();
            names.sort_unstable();
            names.dedup();
            let help = match near {
                Some(n) => format!("did you mean `{n}`?"),
                None if names.is_empty() => "the policy reads no Secret; remove the entry".into(),
                None => format!(
                    "the policy reads {}; an entry only vouches for a Secret of that name",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            out.push(loader.problem(
                span.clone(),
                format!(
                    "[secrets] external entry `{written}` matches no Secret or key the policy reads"
                ),
                Some(help),
            ));
        }
        out
    }

    fn compute_desired(&mut self) {
        let mut out = Vec::new();
        for p in &self.providers {
            for s in &p.settings {
                let path = clearml_env::provider_path(p.spec.client, p.spec.key, s.option.name);
                out.push(Desired {
                    option: s.option,
                    provider: Some(p.spec),
                    name: clearml_env::canonical_name(s.option.section, &path),
                    path,
                    value: s.value.clone(),
                    derived: s.derived,
                    label: format!("{}.{}", p.spec.key, s.option.name),
                });
            }
        }
        for (option, value) in &self.sso.switches {
            let path = clearml_env::global_path(option.name);
            out.push(Desired {
                option,
                provider: None,
                name: clearml_env::canonical_name(option.section, &path),
                path,
                value: Value::Literal(Literal::Bool(*value)),
                derived: false,
                label: format!("sso.{}", option.name),
            });
        }
        self.desired = out;
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

/// A list of glob patterns and their compiled matcher.
#[derive(Debug, Clone)]
pub struct Globs {
    /// The patterns as written.
    pub patterns: Vec<String>,
    matcher: Matcher,
}

/// How [`Globs`] match. Most policies (and every default) use only literal text and `*`:
/// those are matched directly, as globset's compiled regex would (`(?-u)^lit.*lit$`, `.`
/// matching any byte, `(?i)` folding ASCII letters only); compiling a GlobSet (regexes,
/// Aho-Corasick automata) costs more than a whole small render. Any other syntax is compiled.
#[derive(Debug, Clone)]
enum Matcher {
    /// Each pattern split at its `*`s.
    Simple {
        pieces: Vec<Vec<String>>,
        caseless: bool,
    },
    Set(GlobSet),
}

/// Whether globset reads `p` as literal text and single `*`s only (no `?`, classes,
/// alternations, escapes, path separators or `**`).
fn is_simple_glob(p: &str) -> bool {
    !p.contains("**") && !p.contains(['?', '[', ']', '{', '}', ',', '\\', '/'])
}

/// `text` matches `pieces` (a pattern split at its `*`s): the first piece starts it, the last
/// ends it, the others occur in order between them without overlapping.
fn simple_match(pieces: &[String], text: &str, caseless: bool) -> bool {
    let eq = |a: &[u8], b: &[u8]| {
        if caseless {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let text = text.as_bytes();
    let (first, last) = (pieces[0].as_bytes(), pieces[pieces.len() - 1].as_bytes());
    if pieces.len() == 1 {
        return eq(first, text);
    }
    if text.len() < first.len() + last.len()
        || !eq(first, &text[..first.len()])
        || !eq(last, &text[text.len() - last.len()..])
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        let piece = piece.as_bytes();
        if piece.is_empty() {
            continue;
        }
        // The leftmost occurrence leaves the most room for the pieces after it.
        match rest.windows(piece.len()).position(|w| eq(piece, w)) {
            Some(i) => rest = &rest[i + piece.len()..],
            None => return false,
        }
    }
    true
}

impl Globs {
    fn new(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, false)
    }

    fn new_caseless(patterns: Vec<String>) -> Result<Globs, (usize, String)> {
        Globs::build(patterns, true)
    }

    fn build(patterns: Vec<String>, caseless: bool) -> Result<Globs, (usize, String)> {
        if patterns.iter().all(|p| is_simple_glob(p)) {
            let pieces = patterns
                .iter()
                .map(|p| p.split('*').map(str::to_string).collect())
                .collect();
            let matcher = Matcher::Simple { pieces, caseless };
            return Ok(Globs { patterns, matcher });
        }
        let mut builder = GlobSetBuilder::new();
        for (i, p) in patterns.iter().enumerate() {
            builder.add(glob(p, caseless).map_err(|e| (i, e.kind().to_string()))?);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Globs {
            patterns,
            matcher: Matcher::Set(set),
        })
    }

    /// Whether any pattern matches `name`.
    pub fn is_match(&self, name: &str) -> bool {
        match &self.matcher {
            Matcher::Simple { pieces, caseless } => {
                pieces.iter().any(|p| simple_match(p, name, *caseless))
            }
            Matcher::Set(set) => set.is_match(name),
        }
    }
}

/// How a pattern is compiled (also the reference the simple matcher is tested against).
fn glob(pattern: &str, caseless: bool) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .case_insensitive(caseless)
        .literal_separator(false)
        .build()
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

/// `[secrets]`.
#[derive(Debug, Clone)]
pub struct SecretsPolicy {
    /// Secrets (and ConfigMaps) created outside the release: `NAME` (any key) or `NAME/KEY`.
    pub external: Vec<External>,
    /// Values that are placeholders, not real secrets (case-insensitive globs).
    pub placeholders: Globs,
    /// Which references of a target container must resolve.
    pub check: CheckScope,
}

impl Default for SecretsPolicy {
    fn default() -> Self {
        let defaults = DEFAULT_PLACEHOLDERS.iter().map(|p| p.to_string()).collect();
        SecretsPolicy {
            external: Vec::new(),
            placeholders: Globs::new_caseless(defaults).expect("valid defaults"),
            check: CheckScope::Sso,
        }
    }
}

/// Placeholders found in ClearML's docs and in charts (`<AUTH0_CLIENT_SECRET>`, `changeme`…).
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[
    "<*>",
    "changeme",
    "change_me",
    "change-me",
    "todo*",
    "replace*",
    "xxx*",
];

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

/// Everything wrong with a policy file.
#[derive(Debug, Clone)]
pub struct PolicyError {
    /// The file, as named to the user.
    pub source: String,
    /// One entry per problem, in file order.
    pub problems: Vec<Problem>,
}

/// One problem at a place in the policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line (0: the file as a whole).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

/// One problem as printed: `FILE:LINE:COLUMN: LEVEL: message`, then `  help: …`.
fn format_problem(source: &str, level: &str, p: &Problem) -> String {
    let mut out = if p.line == 0 {
        format!("{source}: {level}: {}", p.message)
    } else {
        format!("{source}:{}:{}: {level}: {}", p.line, p.column, p.message)
    };
    if let Some(help) = &p.help {
        out.push_str(&format!("\n  help: {help}"));
    }
    out
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            f.write_str(&format_problem(&self.source, "error", p))?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// Words longer than this get no suggestion: no key or option is near that long, and the edit
/// distance costs length × length.
const NEAREST_MAX_CHARS: usize = 64;

/// The nearest of `candidates` to a misspelled `word`, if one is close enough to be a typo.
/// Bounded whatever the input: an over-long word is not compared at all, and a candidate whose
/// length differs by more than the allowed distance is skipped unmeasured (the distance is at
/// least the difference in length), so a key of megabytes costs nothing.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    nearest_within(word, candidates, |len| (len / 3).max(2))
}

/// [`nearest`] for names that come in families of siblings — the keys of one Secret
/// (`apiserver_key`, `apiserver_secret`) — where only a typo of one or two edits is a near
/// miss; a looser match would offer a sibling for a key that is simply absent.
pub fn nearest_typo<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    nearest_within(word, candidates, |_| 2)
}

/// The nearest candidate within `limit(longer length)` edits (Damerau-Levenshtein).
fn nearest_within<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: impl Fn(usize) -> usize,
) -> Option<&'a str> {
    // Checked on bytes first, so a huge word is not even counted.
    if word.len() > 4 * NEAREST_MAX_CHARS {
        return None;
    }
    let chars = word.chars().count();
    if chars > NEAREST_MAX_CHARS {
        return None;
    }
    candidates
        .into_iter()
        .filter_map(|c| {
            let limit = limit(c.len().max(word.len()));
            if c.chars().count().abs_diff(chars) > limit {
                return None;
            }
            let d = strsim::damerau_levenshtein(word, c);
            (d <= limit).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match nearest(word, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => format!(
            "valid keys here: {}",
            candidates
                .into_iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

struct Loader<'t> {
    text: &'t str,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
}

impl Loader<'_> {
    fn at(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        let problem = self.problem(span, message, help);
        self.problems.push(problem);
    }

    /// Something normalised, not wrong: shown, and the policy still loads.
    fn note(&mut self, span: Option<Range<usize>>, message: String, help: Option<String>) {
        let note = self.problem(span, message, help);
        self.notes.push(note);
    }

    fn problem(
        &self,
        span: Option<Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> Problem {
        let (line, column) = match span {
            Some(r) => {
                let before = &self.text[..r.start.min(self.text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                (line, column)
            }
            None => (0, 0),
        };
        Problem {
            line,
            column,
            message,
            help,
        }
    }

    fn unknown(&mut self, table: &dyn TableLike, key: &str, what: &str, valid: &[&str]) {
        let span = table.key(key).and_then(|k| k.span());
        let help = did_you_mean(key, valid.iter().copied());
        self.at(span, format!("unknown key `{key}` in {what}"), Some(help));
    }

    fn string(&mut self, item: &Item, what: &str) -> Option<String> {
        match item.as_str() {
            Some(s) => Some(s.to_string()),
            None => {
                self.at(
                    item.span(),
                    format!("{what} must be a string, found {}", type_name(item)),
                    None,
                );
                None
            }
        }
    }

    fn strings(&mut self, item: &Item, what: &str) -> Option<Vec<String>> {
        let Some(array) = item.as_array() else {
            self.at(
                item.span(),
                format!(
                    "{what} must be an array of strings, found {}",
                    type_name(item)
                ),
                None,
            );
            return None;
        };
        let mut out = Vec::new();
        for v in array.iter() {
            match v.as_str() {
                Some(s) => out.push(s.to_string()),
                None => {
                    self.at(v.span(), format!("{what} must contain only strings"), None);
                    return None;
                }
            }
        }
        Some(out)
    }

    fn choice<T: Copy>(&mut self, item: &Item, what: &str, choices: &[(&str, T)]) -> Option<T> {
        let s = self.string(item, what)?;
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let help = did_you_mean(&s, names.iter().copied());
        self.at(
            item.span(),
            format!("{what} = \"{s}\" is not one of {}", quote_all(&names)),
            Some(help),
        );
        None
    }

    fn globs(&mut self, item: &Item, what: &str) -> Option<Globs> {
        let patterns = self.strings(item, what)?;
        match Globs::new(patterns) {
            Ok(g) => Some(g),
            Err((i, e)) => {
                let span = item
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|v| v.span());
                self.at(span, format!("invalid glob in {what}: {e}"), None);
                None
            }
        }
    }
}

fn quote_all(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) | Item::Value(TomlValue::InlineTable(_)) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            TomlValue::String(_) => "a string",
            TomlValue::Integer(_) => "an integer",
            TomlValue::Float(_) => "a float",
            TomlValue::Boolean(_) => "a boolean",
            TomlValue::Datetime(_) => "a date-time",
            TomlValue::Array(_) => "an array",
            TomlValue::InlineTable(_) => "a table",
        },
    }
}

const ROOT_KEYS: &[&str] = &[
    "version",
    "target",
    "enforce",
    "secrets",
    "sso",
    "providers",
];
const TARGET_KEYS: &[&str] = &["workloads", "containers", "exclude", "kinds"];
const ENFORCE_KEYS: &[&str] = &["mode", "plaintext_secrets", "unknown_providers", "warnings"];
const SECRETS_KEYS: &[&str] = &["external", "placeholders", "check"];

/// Parses and validates a policy. `source` names the file in messages.
pub fn parse(text: &str, source: &str) -> Result<Policy, PolicyError> {
    let fail = |problems| PolicyError {
        source: source.to_string(),
        problems,
    };
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let mut l = Loader {
                text,
                problems: Vec::new(),
                notes: Vec::new(),
            };
            l.at(e.span(), e.message().trim().to_string(), None);
            return Err(fail(l.problems));
        }
    };
    let mut l = Loader {
        text,
        problems: Vec::new(),
        notes: Vec::new(),
    };
    let root = doc.as_table();
    let mut policy = Policy {
        source: source.to_string(),
        target: Target::default(),
        enforce: Enforce::default(),
        secrets: SecretsPolicy::default(),
        providers: Vec::new(),
        sso: SsoPolicy::default(),
        desired: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    let mut external_spans: Vec<Option<Range<usize>>> = Vec::new();
    let mut has_version = false;
    for (key, item) in root.iter() {
        match key {
            "version" => {
                has_version = true;
                if item.as_integer() != Some(1) {
                    l.at(
                        item.span(),
                        "unsupported policy version; this tool reads `version = 1`".into(),
                        None,
                    );
                }
            }
            "target" => load_target(&mut l, item, &mut policy.target),
            "enforce" => load_enforce(&mut l, item, &mut policy.enforce),
            "secrets" => {
                let Some(t) = table(&mut l, item, "[secrets]") else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match k {
                        "external" => {
                            let entries = l.strings(v, "secrets.external").unwrap_or_default();
                            external_spans = v
                                .as_array()
                                .map(|a| a.iter().map(|e| e.span()).collect())
                                .unwrap_or_default();
                            policy.secrets.external = entries
                                .iter()
                                .map(|e| match e.split_once('/') {
                                    Some((name, key)) => External {
                                        name: name.into(),
                                        key: Some(key.into()),
                                    },
                                    None => External {
                                        name: e.clone(),
                                        key: None,
                                    },
                                })
                                .collect();
                        }
                        "placeholders" => {
                            let Some(list) = l.strings(v, "secrets.placeholders") else {
                                continue;
                            };
                            match Globs::new_caseless(list) {
                                Ok(g) => policy.secrets.placeholders = g,
                                Err((_, e)) => l.at(
                                    v.span(),
                                    format!("invalid glob in secrets.placeholders: {e}"),
                                    None,
                                ),
                            }
                        }
                        "check" => {
                            if let Some(c) = l.choice(v, "secrets.check", CHECK_CHOICES) {
                                policy.secrets.check = c;
                            }
                        }
                        _ => l.unknown(t, k, "[secrets]", SECRETS_KEYS),
                    }
                }
            }
            "sso" => load_sso(&mut l, item, &mut policy.sso),
            "providers" => {
                let Some(t) = table(&mut l, item, "[providers]") else {
                    continue;
                };
                for (k, v) in t.iter() {
                    match providers::provider(k) {
                        Some(spec) => {
                            if let Some(p) = load_provider(&mut l, spec, v) {
                                policy.providers.push(p);
                            }
                        }
                        None => match providers::alias_help(k) {
                            Some(help) => l.at(
                                t.key(k).and_then(|key| key.span()),
                                format!("`[providers.{k}]`: {help}"),
                                Some(format!(
                                    "a provider table's name is ClearML's provider key; one of: {}",
                                    providers::keys_line()
                                )),
                            ),
                            None => {
                                let keys: Vec<&str> = providers::keys().collect();
                                l.unknown(t, k, "[providers] (not a ClearML provider key)", &keys);
                            }
                        },
                    }
                }
            }
            _ => l.unknown(root, key, "the policy", ROOT_KEYS),
        }
    }
    if !has_version {
        l.at(
            Some(0..0),
            "missing `version = 1` at the top of the policy".into(),
            None,
        );
    }
    if policy.providers.is_empty() && policy.sso.switches.is_empty() && l.problems.is_empty() {
        l.at(
            None,
            "the policy declares no provider".into(),
            Some("add a table such as [providers.keycloak]; `clearml-sso init keycloak` prints a starter".into()),
        );
    }
    if l.problems.is_empty() {
        policy.compute_desired();
        policy.warnings = policy.unused_external(&l, &external_spans);
        l.notes.sort_by_key(|p| (p.line, p.column));
        policy.notes = l.notes;
        Ok(policy)
    } else {
        l.problems.sort_by_key(|p| (p.line, p.column));
        Err(fail(l.problems))
    }
}

fn table<'i>(l: &mut Loader, item: &'i Item, what: &str) -> Option<&'i dyn TableLike> {
    let t = item.as_table_like();
    if t.is_none() {
        l.at(
            item.span(),
            format!("{what} must be a table, found {}", type_name(item)),
            None,
        );
    }
    t
}

fn load_target(l: &mut Loader, item: &Item, target: &mut Target) {
    let Some(t) = table(l, item, "[target]") else {
        return;
    };
    for (k, v) in t.iter() {
        match k {
            "workloads" => {
                target.workloads = l
                    .globs(v, "target.workloads")
                    .unwrap_or(target.workloads.clone())
            }
            "containers" => {
                target.containers = l
                    .globs(v, "target.containers")
                    .unwrap_or(target.containers.clone())
            }
            "exclude" => {
                target.exclude = l
                    .globs(v, "target.exclude")
                    .unwrap_or(target.exclude.clone())
            }
            "kinds" => {
                let Some(kinds) = l.strings(v, "target.kinds") else {
                    continue;
                };
                for kind in &kinds {
                    if crate::k8s::pod_spec_path(kind).is_none() {
                        let help = did_you_mean(kind, default_kinds());
                        l.at(
                            v.span(),
                            format!(
                                "target.kinds: `{kind}` is not a workload kind this tool reads"
                            ),
                            Some(help),
                        );
                    }
                }
                target.kinds = kinds;
            }
            _ => l.unknown(t, k, "[target]", TARGET_KEYS),
        }
    }
}

fn load_sso(l: &mut Loader, item: &Item, sso: &mut SsoPolicy) {
    let Some(t) = table(l, item, "[sso]") else {
        return;
    };
    let mut valid: Vec<&str> = providers::GLOBAL_OPTIONS.iter().map(|o| o.name).collect();
    valid.push("webapp");
    for (k, v) in t.iter() {
        if k == "webapp" {
            let Some(raw) = l.string(v, "sso.webapp") else {
                continue;
            };
            let input = &providers::WEBAPP;
            match input.normalize(&raw) {
                Ok(n) => {
                    if let Some(note) = n.note {
                        l.note(v.span(), format!("sso.webapp = \"{raw}\" {note}"), None);
                    }
                    sso.webapp = Some(n.value);
                }
                Err(e) => input_error(
                    l,
                    v.span(),
                    "sso",
                    input,
                    &raw,
                    e,
                    "\"https://app.example.com\"".into(),
                ),
            }
        } else if let Some(option) = providers::GLOBAL_OPTIONS.iter().find(|o| o.name == k) {
            match v.as_bool() {
                Some(b) => sso.switches.push((option, b)),
                None => l.at(
                    v.span(),
                    format!(
                        "sso.{k} must be a boolean (true or false), found {}",
                        type_name(v)
                    ),
                    None,
                ),
            }
        } else {
            l.unknown(t, k, "[sso]", &valid);
        }
    }
}

fn load_enforce(l: &mut Loader, item: &Item, enforce: &mut Enforce) {
    let Some(t) = table(l, item, "[enforce]") else {
        return;
    };
    for (k, v) in t.iter() {
        match k {
            "mode" => {
                if let Some(m) = l.choice(v, "enforce.mode", MODES) {
                    enforce.mode = m;
                }
            }
            "plaintext_secrets" => {
                if let Some(p) = l.choice(v, "enforce.plaintext_secrets", PLAINTEXT_CHOICES) {
                    enforce.plaintext_secrets = p;
                }
            }
            "unknown_providers" => {
                if let Some(u) = l.choice(v, "enforce.unknown_providers", UNKNOWN_PROVIDERS_CHOICES)
                {
                    enforce.unknown_providers = u;
                }
            }
            "warnings" => {
                if let Some(w) = l.choice(v, "enforce.warnings", WARNINGS_CHOICES) {
                    enforce.warnings = w;
                }
            }
            _ => l.unknown(t, k, "[enforce]", ENFORCE_KEYS),
        }
    }
}

/// Option names that are valid directly under `prefix` (`""` for the provider table itself,
/// `"groups"` for its `groups` sub-table): leaves and the names of nested tables.
fn keys_under(options: &'static [OptionSpec], prefix: &str) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for o in options {
        let rest = if prefix.is_empty() {
            Some(o.name)
        } else {
            o.name
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix('.'))
        };
        if let Some(rest) = rest {
            let head = rest.split('.').next().expect("split yields one piece");
            if !keys.contains(&head) {
                keys.push(head);
            }
        }
    }
    keys
}

fn load_provider(l: &mut Loader, spec: &'static Provider, item: &Item) -> Option<ProviderPolicy> {
    let what = format!("[providers.{}]", spec.key);
    let t = table(l, item, &what)?;
    let before = l.problems.len();
    let mut explicit: Vec<Setting> = Vec::new();
    let mut inputs: Vec<GivenInput> = Vec::new();
    load_options(l, spec, t, "", &mut explicit, &mut inputs);
    if l.problems.len() > before {
        return None;
    }
    let given: Vec<(&str, &str)> = inputs.iter().map(|i| (i.name, i.value.as_str())).collect();
    let table_name = format!("providers.{}", spec.key);
    // The place of an input's value, or of the table when the input is not written.
    let place = |name: &str| {
        inputs
            .iter()
            .find(|i| i.name == name)
            .and_then(|i| i.span.clone())
            .or_else(|| item.span())
    };
    let written = |name: &str| {
        inputs
            .iter()
            .find(|i| i.name == name)
            .map_or(String::new(), |i| i.value.clone())
    };
    let derivation = match spec.derive(&given) {
        Ok(derivation) => derivation,
        Err(DeriveError::Missing(input)) => {
            let given = inputs
                .iter()
                .map(|i| format!("`{}`", i.name))
                .collect::<Vec<_>>()
                .join(", ");
            l.at(
                item.span()
                    .or_else(|| t.key(inputs[0].name).and_then(|k| k.span())),
                format!(
                    "{what}: `{}` ({}) is needed to derive the URLs from {given}",
                    input.name, input.about
                ),
                Some(format!("add {} = {}", input.name, spec.example(input.name))),
            );
            return None;
        }
        Err(err @ (DeriveError::Empty(_) | DeriveError::Invalid { .. })) => {
            let (input, e) = match err {
                DeriveError::Invalid { input, why, write } => {
                    (input, providers::InputError::Invalid { why, write })
                }
                DeriveError::Empty(input) | DeriveError::Missing(input) => {
                    (input, providers::InputError::Empty)
                }
                DeriveError::Conflict { input, .. } => (input, providers::InputError::Empty),
            };
            let example = spec.example(input.name);
            input_error(
                l,
                place(input.name),
                &table_name,
                input,
                &written(input.name),
                e,
                example,
            );
            return None;
        }
        Err(DeriveError::Conflict {
            input,
            other,
            in_url,
            given,
        }) => {
            l.at(
                place(input.name),
                format!(
                    "{table_name}.{} = \"{}\" names {} \"{in_url}\", but {table_name}.{} = \"{given}\"",
                    input.name,
                    written(input.name),
                    other.name,
                    other.name
                ),
                Some(format!(
                    "write `{}` without the `{}` part, and the {} once, in `{}`",
                    input.name, other.name, other.about, other.name
                )),
            );
            return None;
        }
    };
    for (input, note) in &derivation.notes {
        let subject = match inputs.iter().find(|i| i.name == input.name) {
            Some(i) => format!("{table_name}.{} = \"{}\"", i.name, i.value),
            None => format!("{table_name}.{}", input.name),
        };
        l.note(place(input.name), format!("{subject} {note}"), None);
    }
    let derived = derivation.options;
    let mut settings = explicit;
    for (option, url) in derived {
        if settings.iter().any(|s| s.option.name == option.name) {
            continue; // an explicit option wins over a derived one
        }
        settings.push(Setting {
            option,
            value: Value::Literal(Literal::Str(url)),
            derived: true,
        });
    }
    let missing: Vec<&str> = spec
        .required
        .iter()
        .copied()
        .filter(|r| !settings.iter().any(|s| s.option.name == *r))
        .collect();
    if !missing.is_empty() {
        let help = missing_help(spec, &missing);
        let span = item.span().or_else(|| {
            t.iter()
                .next()
                .and_then(|(k, _)| t.key(k))
                .and_then(|k| k.span())
        });
        l.at(
            span,
            format!(
                "{what} is missing {}, required for {} {} login",
                quote_list(&missing),
                article(spec.title),
                spec.title
            ),
            help,
        );
        return None;
    }
    let order = |s: &Setting| {
        providers::options(spec.client)
            .iter()
            .position(|o| o.name == s.option.name)
    };
    settings.sort_by_key(order);
    Some(ProviderPolicy { spec, settings })
}

/// What to write for each required option a provider table lacks: a credential as a Secret
/// reference, another option with its example, and URLs the provider derives by naming the
/// inputs they are derived from (only those: a missing `client_id` is not solved by a URL).
fn missing_help(spec: &'static Provider, missing: &[&str]) -> Option<String> {
    let (derivable, to_write): (Vec<&str>, Vec<&str>) = missing
        .iter()
        .partition(|m| spec.derived_options().any(|d| d == **m));
    let mut parts: Vec<String> = Vec::new();
    if !to_write.is_empty() {
        let lines: Vec<String> = to_write
            .iter()
            .map(|name| match spec.option(name) {
                Some(o) if o.secret => secret_reference_example(name),
                _ => format!("{name} = {}", spec.example(name)),
            })
            .collect();
        parts.push(format!("add {}", lines.join(", ")));
    }
    if !derivable.is_empty() {
        let inputs: Vec<String> = spec
            .inputs
            .iter()
            .map(|i| format!("`{}`", i.name))
            .collect();
        parts.push(format!(
            "{} can be derived: set {}",
            quote_list(&derivable),
            inputs.join(" and ")
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// How a policy reads an option from a Secret, as help text: `client_secret = { secret = "NAME",
/// key = "KEY" }`.
pub fn secret_reference_example(option: &str) -> String {
    format!("{option} = {{ secret = \"NAME\", key = \"KEY\" }}")
}

/// `a` or `an` before a provider's title (`an Okta login`, `an AWS Cognito login`).
fn article(title: &str) -> &'static str {
    if title.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    }
}

/// Refuses an input's value: where it is, what is wrong, and what to write (`example`, TOML,
/// when the kind's rule has no better suggestion).
fn input_error(
    l: &mut Loader,
    span: Option<Range<usize>>,
    table: &str,
    input: &providers::Input,
    raw: &str,
    e: providers::InputError,
    example: String,
) {
    let name = input.name;
    let (message, help) = match e {
        providers::InputError::Empty => (
            format!(
                "{table}.{name} ({}) is empty: nothing is left to build URLs from",
                input.about
            ),
            format!("write {name} = {example}"),
        ),
        providers::InputError::Invalid { why, write } => (
            // Quoted as TOML would (`\"`, `\\`, control characters escaped), so the value
            // shown is the one in the file, not a string that seems to end early.
            format!("{table}.{name} = {raw:?} {why}"),
            match write {
                Some(w) => format!("write {name} = {w:?}"),
                None => format!(
                    "write the {} alone, such as {name} = {example}",
                    input.about
                ),
            },
        ),
    };
    l.at(span, message, Some(help));
}

/// A derivation input as the policy writes it, with the place of its value.
struct GivenInput {
    name: &'static str,
    value: String,
    span: Option<Range<usize>>,
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn load_options(
    l: &mut Loader,
    spec: &'static Provider,
    t: &dyn TableLike,
    prefix: &str,
    settings: &mut Vec<Setting>,
    inputs: &mut Vec<GivenInput>,
) {
    let mut valid = keys_under(providers::options(spec.client), prefix);
    if prefix.is_empty() {
        valid.extend(spec.inputs.iter().map(|i| i.name));
    }
    for (k, v) in t.iter() {
        let name = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        if prefix.is_empty() {
            if let Some(input) = spec.input(k) {
                if let Some(value) = l.string(v, &format!("providers.{}.{k}", spec.key)) {
                    inputs.push(GivenInput {
                        name: input.name,
                        value,
                        span: v.span(),
                    });
                }
                continue;
            }
        }
        if let Some(option) = spec.option(&name) {
            if let Some(mut value) = load_value(l, spec, option, v) {
                // The rule a manifest's value gets (see clearml_env): ClearML appends paths.
                if let Value::Literal(Literal::Str(url)) = &mut value {
                    if option.trailing_slash && !url.is_empty() && !url.ends_with('/') {
                        l.note(
                            v.span(),
                            format!(
                                "providers.{}.{name} = \"{url}\" lacks the trailing `/` ClearML appends paths to: read as \"{url}/\"",
                                spec.key
                            ),
                            None,
                        );
                        url.push('/');
                    }
                }
                settings.push(Setting {
                    option,
                    value,
                    derived: false,
                });
            }
        } else if valid.contains(&k) {
            match v.as_table_like() {
                Some(sub) if !is_reference(v) => {
                    load_options(l, spec, sub, &name, settings, inputs)
                }
                _ => l.at(
                    v.span(),
                    format!("providers.{}.{name} must be a table", spec.key),
                    None,
                ),
            }
        } else {
            l.unknown(
                t,
                k,
                &format!(
                    "[providers.{}{}]",
                    spec.key,
                    if prefix.is_empty() {
                        String::new()
                    } else {
                        format!(".{prefix}")
                    }
                ),
                &valid,
            );
        }
    }
}

/// A Secret or ConfigMap name Kubernetes accepts: a DNS-1123 subdomain (at most 253
/// characters, dot-separated labels of lower-case letters, digits and `-`, each starting and
/// ending with a letter or digit).
fn is_object_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
                && b[0] != b'-'
                && b[b.len() - 1] != b'-'
        })
}

/// A key Kubernetes accepts in a Secret's or ConfigMap's data: `[-._a-zA-Z0-9]+`, at most
/// 253 characters, not `.` or `..`.
fn is_object_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// The nearest name Kubernetes accepts: lower case, any other character as `-`, no `-` or
/// `.` at the ends of a label.
fn suggested_name(name: &str) -> String {
    let mapped: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let labels: Vec<&str> = mapped
        .split('.')
        .map(|l| l.trim_matches('-'))
        .filter(|l| !l.is_empty())
        .collect();
    match labels.join(".") {
        s if s.is_empty() => "clearml-sso".into(),
        s => s.chars().take(253).collect(),
    }
}

/// The nearest key Kubernetes accepts: any other character as `_` (`fallback` when nothing of
/// `key` is left).
fn suggested_key(key: &str, fallback: &str) -> String {
    let mapped: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(253)
        .collect();
    if mapped.is_empty() || mapped == "." || mapped == ".." {
        fallback.replace('.', "_")
    } else {
        mapped
    }
}

fn is_reference(item: &Item) -> bool {
    item.as_table_like()
        .is_some_and(|t| t.contains_key("secret") || t.contains_key("configmap"))
}

fn load_value(
    l: &mut Loader,
    spec: &Provider,
    option: &'static OptionSpec,
    item: &Item,
) -> Option<Value> {
    let what = format!("providers.{}.{}", spec.key, option.name);
    if let Some(t) = item.as_table_like() {
        let (kind, name_item) = match (t.get("secret"), t.get("configmap")) {
            (Some(s), None) => ("secret", s),
            (None, Some(c)) => ("configmap", c),
            _ => {
                l.at(
                    item.span(),
                    format!("{what}: a reference is `{{ secret = NAME, key = KEY }}` or `{{ configmap = NAME, key = KEY }}`"),
                    None,
                );
                return None;
            }
        };
        for (k, _) in t.iter() {
            if k != kind && k != "key" {
                l.unknown(t, k, &format!("the reference of {what}"), &[kind, "key"]);
            }
        }
        let name = l.string(name_item, &format!("{what}.{kind}"))?;
        let Some(key_item) = t.get("key") else {
            l.at(
                item.span(),
                format!("{what}: the reference needs `key`, the key inside the {kind}"),
                None,
            );
            return None;
        };
        let key = l.string(key_item, &format!("{what}.key"))?;
        // Kubernetes refuses any other name or key (the API server rejects the workload, and
        // `kubectl create secret` the key): refused here, before `explain` prints a command
        // line with it and `render` writes a reference nothing can satisfy.
        let object = if kind == "secret" {
            "Secret"
        } else {
            "ConfigMap"
        };
        let mut valid = true;
        if !is_object_name(&name) {
            l.at(
                name_item.span(),
                format!("{what}.{kind} = {name:?} is not a name Kubernetes allows for a {object} (lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit)"),
                Some(format!("write {kind} = {:?}", suggested_name(&name))),
            );
            valid = false;
        }
        if !is_object_key(&key) {
            l.at(
                key_item.span(),
                format!("{what}.key = {key:?} is not a key Kubernetes allows in a {object} (letters, digits, `-`, `_` and `.`)"),
                Some(format!("write key = {:?}", suggested_key(&key, option.name))),
            );
            valid = false;
        }
        if !valid {
            return None;
        }
        return Some(if kind == "secret" {
            Value::Secret { name, key }
        } else {
            Value::ConfigMap { name, key }
        });
    }
    let literal = match (option.value_type, item) {
        (ValueType::Str, _) if item.as_str().is_some() => Literal::Str(item.as_str()?.to_string()),
        (ValueType::Bool, _) if item.as_bool().is_some() => Literal::Bool(item.as_bool()?),
        (ValueType::List, _) if item.as_array().is_some() => {
            let list = l.strings(item, &what)?;
            if list.iter().any(String::is_empty) {
                // ClearML's HOCON parser silently drops empty strings inside a list.
                l.at(
                    item.span(),
                    format!("{what} contains an empty string, which ClearML would drop"),
                    None,
                );
                return None;
            }
            Literal::List(list)
        }
        (value_type, _) => {
            let help = match (value_type, item.as_str()) {
                (ValueType::List, Some(s)) => Some(format!("write a list: {what} = [\"{s}\"]")),
                (ValueType::Bool, Some(s))
                    if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
                {
                    Some(format!(
                        "write the boolean without quotes: {}",
                        s.to_lowercase()
                    ))
                }
                _ => None,
            };
            l.at(
                item.span(),
                format!(
                    "{what} must be {}, found {}",
                    value_type.describe(),
                    type_name(item)
                ),
                help,
            );
            return None;
        }
    };
    // An env value is a C string: the container runtime refuses a NUL in it, so the apiserver
    // would not start. (Every other character is carried; the value is quoted as needed.)
    let texts: Vec<&str> = match &literal {
        Literal::Str(s) => vec![s.as_str()],
        Literal::List(items) => items.iter().map(String::as_str).collect(),
        Literal::Bool(_) => Vec::new(),
    };
    if texts.iter().any(|t| t.contains('\0')) {
        l.at(
            item.span(),
            format!("{what} contains a NUL character (\\u0000), which no environment variable can hold: the apiserver's container would not start"),
            Some("remove it".into()),
        );
        return None;
    }
    Some(Value::Literal(literal))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYCLOAK: &str = r#"version = 1
[providers.keycloak]
client_id     = { secret = "clearml-sso", key = "keycloak_client_id" }
client_secret = { secret = "clearml-sso", key = "keycloak_client_secret" }
url   = "https://sso.example.com/"
realm = "clearml"
idp_logout = true
[providers.keycloak.groups]
enabled = true
admins = ["clearml-admins"]
"#;

    fn err(text: &str) -> String {
        parse(text, "p.toml").unwrap_err().to_string()
    }

    #[test]
    fn simple_globs_match_as_globset_does() {
        // Every pattern of up to 4 characters from this alphabet, against every name of up to
        // 3 characters: ASCII case, a multi-byte letter, U+212A KELVIN SIGN (which Unicode
        // folds to `k`, globset's ASCII-only `(?i)` does not), a line break.
        let pattern_chars = ['k', 'K', '*', '\u{e9}', '\u{212a}', '<'];
        let name_chars = ['k', 'K', '\u{e9}', '\u{212a}', '\n', '<'];
        fn all(chars: &[char], max: usize) -> Vec<String> {
            let mut out = vec![String::new()];
            let mut last = vec![String::new()];
            for _ in 0..max {
                last = last
                    .iter()
                    .flat_map(|s| chars.iter().map(move |c| format!("{s}{c}")))
                    .collect();
                out.extend(last.iter().cloned());
            }
            out
        }
        let names = all(&name_chars, 3);
        let mut compared = 0;
        for pattern in all(&pattern_chars, 4)
            .into_iter()
            .filter(|p| is_simple_glob(p))
        {
            for caseless in [false, true] {
                let ours = Globs::build(vec![pattern.clone()], caseless).unwrap();
                assert!(matches!(ours.matcher, Matcher::Simple { .. }));
                let mut set = GlobSetBuilder::new();
                set.add(glob(&pattern, caseless).unwrap());
                let set = set.build().unwrap();
                for name in &names {
                    assert_eq!(
                        ours.is_match(name),
                        set.is_match(name),
                        "pattern {pattern:?} caseless {caseless} name {name:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 100_000, "{compared}");
        // The defaults and a list: any pattern matching is a match; none is no match.
        let defaults = SecretsPolicy::default().placeholders;
        assert!(defaults.is_match("<AUTH0_CLIENT_SECRET>") && defaults.is_match("ChangeMe"));
        assert!(!defaults.is_match("s3cr3t"));
        assert!(!Globs::new(Vec::new()).unwrap().is_match(""));
        // Other syntax is compiled, and still refused when invalid.
        assert!(matches!(
            Globs::new(vec!["a?".into()]).unwrap().matcher,
            Matcher::Set(_)
        ));
        assert!(Globs::new(vec!["a[".into()]).is_err());
    }

    #[test]
    fn a_missing_key_gets_help_for_that_key() {
        // The URLs are derived here: the help asks for the credentials only.
        let e = err("version = 1\n[providers.keycloak]\nurl = \"https://k\"\nrealm = \"r\"\n");
        assert!(
            e.contains("help: add client_id = \"...\", client_secret = { secret = \"NAME\", key = \"KEY\" }"),
            "{e}"
        );
        assert!(!e.contains("derived"), "{e}");
        // Credentials and URLs both missing: each gets its own help, and the grammar fits.
        let e =
            err("version = 1\n[providers.okta]\nclient_secret = { secret = \"s\", key = \"k\" }\n");
        assert!(e.contains("required for an Okta login"), "{e}");
        assert!(
            e.contains("help: add client_id = \"...\"; `base_url`, `authorize_url`, `access_token_url` can be derived: set `domain` and `authorization_server`"),
            "{e}"
        );
        let e = err(
            "version = 1\n[providers.google]\nclient_secret = { secret = \"s\", key = \"k\" }\n",
        );
        assert!(e.contains("required for a Google login"), "{e}");
        assert!(e.contains("help: add client_id = "), "{e}");
    }

    #[test]
    fn keycloak_urls_are_derived() {
        let p = parse(KEYCLOAK, "p.toml").unwrap();
        let kc = &p.providers[0];
        let get = |n: &str| {
            kc.settings
                .iter()
                .find(|s| s.option.name == n)
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(
            get("base_url"),
            Value::Literal(Literal::Str(
                "https://sso.example.com/realms/clearml/".into()
            ))
        );
        assert_eq!(
            get("access_token_url"),
            Value::Literal(Literal::Str(
                "https://sso.example.com/realms/clearml/protocol/openid-connect/token".into()
            ))
        );
        assert_eq!(
            get("groups.admins"),
            Value::Literal(Literal::List(vec!["clearml-admins".into()]))
        );
    }

    #[test]
    fn explicit_option_wins_over_derived() {
        let text = KEYCLOAK.replace(
            "idp_logout = true",
            "idp_logout = true\nbase_url = \"https://other/\"",
        );
        let p = parse(&text, "p.toml").unwrap();
        let s = p.providers[0]
            .settings
            .iter()
            .find(|s| s.option.name == "base_url")
            .unwrap();
        assert_eq!(
            s.value,
            Value::Literal(Literal::Str("https://other/".into()))
        );
        assert!(!s.derived);
    }

    #[test]
    fn typo_points_at_line_and_suggests() {
        let e = err(&KEYCLOAK.replace("realm =", "relam ="));
        assert!(
            e.contains("p.toml:6:1: error: unknown key `relam` in [providers.keycloak]"),
            "{e}"
        );
        assert!(e.contains("did you mean `realm`?"), "{e}");
    }

    #[test]
    fn wrong_type_and_missing_input() {
        let e = err(&KEYCLOAK.replace(
            "admins = [\"clearml-admins\"]",
            "admins = \"clearml-admins\"",
        ));
        assert!(
            e.contains(
                "p.toml:10:10: error: providers.keycloak.groups.admins must be an array of strings"
            ),
            "{e}"
        );
        assert!(e.contains("[\"clearml-admins\"]"), "{e}");
        let e = err(&KEYCLOAK.replace("realm = \"clearml\"\n", ""));
        assert!(e.contains("`realm` (Keycloak realm name) is needed"), "{e}");
    }

    #[test]
    fn empty_input_is_refused() {
        // `https://` is a host with nothing left once the scheme is stripped: the derived
        // URLs would be `https:///oauth2/token`.
        let e = err("version = 1\n[providers.cognito]\nclient_id = \"x\"\nclient_secret = \"y\"\ndomain = \"https://\"\n[enforce]\nplaintext_secrets = \"allow\"\n");
        assert!(
            e.contains(
                "p.toml:5:10: error: providers.cognito.domain (Cognito user-pool domain) is empty"
            ),
            "{e}"
        );
        let e = err(&KEYCLOAK.replace("realm = \"clearml\"", "realm = \"\""));
        assert!(
            e.contains("providers.keycloak.realm (Keycloak realm name) is empty"),
            "{e}"
        );
    }

    #[test]
    fn missing_required_option() {
        let e =
            err("version = 1\n[providers.auth0]\nclient_id = \"x\"\ndomain = \"t.auth0.com\"\n");
        assert!(
            e.contains("[providers.auth0] is missing `client_secret`, `audience`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_provider_and_enum_values() {
        let e = err("version = 1\n[providers.keycloack]\n");
        assert!(e.contains("did you mean `keycloak`?"), "{e}");
        let e = err(&format!("{KEYCLOAK}[enforce]\nmode = \"fixx\"\n"));
        assert!(
            e.contains("enforce.mode = \"fixx\" is not one of \"fix\", \"audit\""),
            "{e}"
        );
    }

    #[test]
    fn enforce_warnings_is_read_and_a_bad_value_points_at_it() {
        let p = parse(KEYCLOAK, "p.toml").unwrap();
        assert_eq!(
            p.enforce.warnings,
            Warnings::Allow,
            "warnings pass by default"
        );
        let p = parse(
            &format!("{KEYCLOAK}[enforce]\nwarnings = \"deny\"\n"),
            "p.toml",
        )
        .unwrap();
        assert_eq!(p.enforce.warnings, Warnings::Deny);
        let text = format!("{KEYCLOAK}[enforce]\nwarnings = \"error\"\n");
        let line = text.lines().count();
        let e = err(&text);
        assert!(
            e.contains(&format!(
                "p.toml:{line}:12: error: enforce.warnings = \"error\" is not one of \"allow\", \"deny\""
            )),
            "{e}"
        );
        let e = err(&format!("{KEYCLOAK}[enforce]\nwarning = \"deny\"\n"));
        assert!(e.contains("did you mean `warnings`?"), "{e}");
    }

    #[test]
    fn provider_aliases_name_clearmls_key() {
        let e = err("version = 1\n[providers.azure]\nclient_id = \"x\"\n");
        assert!(
            e.contains("p.toml:2:12: error: `[providers.azure]`: ClearML's key is `azure_ad` (Azure AD (Microsoft Entra ID))"),
            "{e}"
        );
        assert!(
            e.contains(
                "help: a provider table's name is ClearML's provider key; one of: keycloak,"
            ),
            "{e}"
        );
        for (alias, key) in [
            ("entra", "azure_ad"),
            ("aws_cognito", "cognito"),
            ("adfs", "ad_oauth"),
        ] {
            let e = err(&format!("version = 1\n[providers.{alias}]\n"));
            assert!(
                e.contains(&format!("`[providers.{alias}]`: ClearML's key is `{key}`")),
                "{e}"
            );
        }
        let e = err("version = 1\n[providers.microsoft]\n");
        assert!(
            e.contains("ClearML's keys are `azure_ad` (Azure AD (Microsoft Entra ID)), `ad_oauth` (Microsoft AD (OAuth)), `microsoft_ad` (Microsoft AD / Azure (SAML))"),
            "{e}"
        );
    }

    #[test]
    fn default_target_finds_every_chart_versions_apiserver() {
        let t = Target::default();
        // Public chart 5.0+ and Enterprise: container `clearml-apiserver`; 2.0–4.4: `clearml`.
        assert!(t.selects_workload("Deployment", "clearml-apiserver"));
        assert!(t.selects_container("clearml-apiserver"));
        assert!(t.selects_container("clearml"));
        // The async-delete twin (container `clearml` or `clearml-apiserver`) is not selected.
        assert!(!t.selects_workload("Deployment", "clearml-apiserver-asyncdelete"));
        assert!(!t.selects_workload("Deployment", "clearml-webserver"));
        assert!(!t.selects_container("clearml-sidecar"));
    }

    #[test]
    fn syntax_error_has_position() {
        let e = err("version = 1\n[providers.keycloak\n");
        assert!(e.starts_with("p.toml:2:"), "{e}");
    }

    #[test]
    fn missing_version() {
        let e = err(&KEYCLOAK.replace("version = 1\n", ""));
        assert!(e.contains("missing `version = 1`"), "{e}");
    }

    /// A policy of one provider with literal credentials, and `body` in its table.
    fn one(provider: &str, body: &str) -> String {
        format!("version = 1\n[enforce]\nplaintext_secrets = \"allow\"\n[providers.{provider}]\nclient_id = \"i\"\nclient_secret = \"s\"\n{body}")
    }

    /// The desired value labelled `label` (`keycloak.base_url`).
    fn desired(p: &Policy, label: &str) -> String {
        let d = p.desired.iter().find(|d| d.label == label).unwrap();
        match &d.value {
            Value::Literal(Literal::Str(s)) => s.clone(),
            other => panic!("{label}: {other:?}"),
        }
    }

    fn notes(p: &Policy) -> String {
        p.notes_text()
    }

    #[test]
    fn keycloak_url_with_realm_path_is_split() {
        // The realm's issuer URL in `url`: the realm is read from it, or must agree with it.
        for body in [
            "url = \"https://sso.example.com/realms/clearml/\"\n",
            "url = \"https://sso.example.com/realms/clearml\"\nrealm = \"clearml\"\n",
        ] {
            let p = parse(&one("keycloak", body), "p.toml").unwrap();
            assert_eq!(
                desired(&p, "keycloak.base_url"),
                "https://sso.example.com/realms/clearml/"
            );
            assert_eq!(
                desired(&p, "keycloak.authorize_url"),
                "https://sso.example.com/realms/clearml/protocol/openid-connect/auth"
            );
            assert!(
                notes(&p).starts_with("p.toml:7:7: note: providers.keycloak.url = \"https://sso.example.com/realms/clearml"),
                "{}",
                notes(&p)
            );
            assert!(notes(&p).contains("of the form `{url}/realms/{realm}`: read as url = \"https://sso.example.com\", realm = \"clearml\""), "{}", notes(&p));
        }
        let e = err(&one(
            "keycloak",
            "url = \"https://sso/realms/a\"\nrealm = \"b\"\n",
        ));
        assert_eq!(
            e,
            "p.toml:7:7: error: providers.keycloak.url = \"https://sso/realms/a\" names realm \"a\", but providers.keycloak.realm = \"b\"\n  help: write `url` without the `realm` part, and the Keycloak realm name once, in `realm`"
        );
    }

    #[test]
    fn keycloak_url_without_scheme_and_bad_realms_are_refused() {
        let e = err(&one(
            "keycloak",
            "url = \"sso.example.com\"\nrealm = \"clearml\"\n",
        ));
        assert_eq!(
            e,
            "p.toml:7:7: error: providers.keycloak.url = \"sso.example.com\" has no scheme (https:// or http://)\n  help: write url = \"https://sso.example.com\""
        );
        let e = err(&one("keycloak", "url = \"https://sso\"\nrealm = \"\"\n"));
        assert_eq!(
            e,
            "p.toml:8:9: error: providers.keycloak.realm (Keycloak realm name) is empty: nothing is left to build URLs from\n  help: write realm = \"clearml\""
        );
        let e = err(&one(
            "keycloak",
            "url = \"https://sso\"\nrealm = \"my realm\"\n",
        ));
        assert_eq!(
            e,
            "p.toml:8:9: error: providers.keycloak.realm = \"my realm\" contains a space or a control character\n  help: write the Keycloak realm name alone, such as realm = \"clearml\""
        );
    }

    #[test]
    fn okta_issuer_in_domain_empty_server_and_org_server() {
        let p = parse(
            &one("okta", "domain = \"https://x.okta.com/oauth2/default\"\n"),
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            desired(&p, "okta.base_url"),
            "https://x.okta.com/oauth2/default/"
        );
        assert_eq!(
            desired(&p, "okta.access_token_url"),
            "https://x.okta.com/oauth2/default/v1/token"
        );
        assert!(notes(&p).contains("p.toml:7:10: note: providers.okta.domain = \"https://x.okta.com/oauth2/default\" is a URL of the form"), "{}", notes(&p));
        // A custom server named by the issuer, with no authorization_server given.
        let p = parse(
            &one("okta", "domain = \"https://x.okta.com/oauth2/aus9/\"\n"),
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            desired(&p, "okta.authorize_url"),
            "https://x.okta.com/oauth2/aus9/v1/authorize"
        );
        let e = err(&one(
            "okta",
            "domain = \"x.okta.com\"\nauthorization_server = \"\"\n",
        ));
        assert!(
            e.starts_with("p.toml:8:24: error: providers.okta.authorization_server (Okta authorization server ID, or `org`) is empty"),
            "{e}"
        );
        let p = parse(
            &one(
                "okta",
                "domain = \"x.okta.com\"\nauthorization_server = \"org\"\n",
            ),
            "p.toml",
        )
        .unwrap();
        assert_eq!(desired(&p, "okta.base_url"), "https://x.okta.com/");
        assert_eq!(
            desired(&p, "okta.authorize_url"),
            "https://x.okta.com/oauth2/v1/authorize"
        );
        assert_eq!(
            desired(&p, "okta.access_token_url"),
            "https://x.okta.com/oauth2/v1/token"
        );
        assert!(p.notes.is_empty());
        // A host with a path that is no issuer, or another scheme: refused, with the host to write.
        let e = err(&one("okta", "domain = \"http://x.okta.com\"\n"));
        assert!(e.ends_with("help: write domain = \"x.okta.com\""), "{e}");
        let e = err(&one(
            "auth0",
            "domain = \"x.auth0.com/authorize\"\naudience = \"a\"\n",
        ));
        assert_eq!(
            e,
            "p.toml:7:10: error: providers.auth0.domain = \"x.auth0.com/authorize\" is not a host name alone (`/authorize` follows the host)\n  help: write domain = \"x.auth0.com\""
        );
    }

    #[test]
    fn azure_tenant_as_url_is_reduced_and_a_bare_word_refused() {
        let p = parse(
            &one(
                "azure_ad",
                "tenant = \"https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0\"\n",
            ),
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            desired(&p, "azure_ad.access_token_url"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert!(
            notes(&p).contains("read as tenant = \"contoso.onmicrosoft.com\""),
            "{}",
            notes(&p)
        );
        let e = err(&one("azure_ad", "tenant = \"contoso\"\n"));
        assert!(e.starts_with("p.toml:7:10: error: providers.azure_ad.tenant = \"contoso\" is neither a tenant ID"), "{e}");
        assert!(e.ends_with("help: write the Azure tenant ID or domain alone, such as tenant = \"contoso.onmicrosoft.com\""), "{e}");
    }

    #[test]
    fn webapp_needs_a_scheme() {
        let text = one("google", "").replace(
            "[enforce]",
            "[sso]\nwebapp = \"app.example.com/\"\n[enforce]",
        );
        assert_eq!(
            err(&text),
            "p.toml:3:10: error: sso.webapp = \"app.example.com/\" has no scheme (https:// or http://)\n  help: write webapp = \"https://app.example.com\""
        );
        let p = parse(&text.replace("\"app.", "\"https://app."), "p.toml").unwrap();
        assert_eq!(p.sso.webapp.as_deref(), Some("https://app.example.com"));
    }

    #[test]
    fn explicit_base_url_gets_its_slash_with_a_note() {
        let body = "base_url = \"https://idp.example.com/x\"\nauthorize_url = \"https://idp.example.com/a\"\naccess_token_url = \"https://idp.example.com/t\"\n";
        let p = parse(&one("keycloak", body), "p.toml").unwrap();
        assert_eq!(
            desired(&p, "keycloak.base_url"),
            "https://idp.example.com/x/"
        );
        assert_eq!(
            notes(&p),
            "p.toml:7:12: note: providers.keycloak.base_url = \"https://idp.example.com/x\" lacks the trailing `/` ClearML appends paths to: read as \"https://idp.example.com/x/\"\n"
        );
    }

    #[test]
    fn nearest_still_finds_typos() {
        let keys = ["client_id", "client_secret", "base_url", "idp_logout"];
        assert_eq!(nearest("clientsecret", keys), Some("client_secret"));
        assert_eq!(nearest("idp_logut", keys), Some("idp_logout"));
        assert_eq!(nearest("zzzzzzzzzzzzzzzz", keys), None);
        // The length filter only skips candidates the distance would reject anyway.
        assert_eq!(nearest("bas", ["base_url", "bae"]), Some("bae"));
    }

    #[test]
    fn nearest_is_bounded_on_huge_words() {
        // Unbounded, this was a 4 MB × key-length edit distance per candidate (22 s through
        // the CLI). Over-long words are not compared at all.
        let huge = "a".repeat(4 << 20);
        assert_eq!(nearest(&huge, ["client_id", "client_secret"]), None);
        let long = "é".repeat(NEAREST_MAX_CHARS + 1);
        assert_eq!(nearest(&long, [long.as_str()]), None);
        let text = format!("version = 1\n[providers.keycloak]\n{huge} = 1\n");
        let e = err(&text);
        assert!(
            e.contains("p.toml:3:1: error: unknown key"),
            "{}",
            &e[..200]
        );
        assert!(
            e.contains("valid keys here: "),
            "no suggestion, the list instead"
        );
    }
}
