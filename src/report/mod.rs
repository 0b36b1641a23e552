//! Findings: the stable codes, where each finding is, and the one place its severity is
//! decided ([`Sink`]); then how findings are written, one file per format.
//!
//! Messages never contain a secret's value: they name Secrets, keys and variables only.
//!
//! This file owns the model — [`Severity`], the [`Code`] table, [`Finding`], [`Location`],
//! [`Spot`], the [`Sink`] that judges every finding from its code and the policy's `[enforce]`
//! switches, the [`Style`] a report is written in, and [`format()`], which picks the writer.
//! Each writer (`text`, `json`, `github`, `gitlab`, `sarif`, `junit`) only lays out findings
//! the sink already judged; none may change a severity or a message's meaning. `helm_summary`
//! is the value-free account written under Helm after a success.
//!
//! Findings carry names and values straight from the manifests, which may hold any character.
//! Every format meant for people or for tools that display text (text, GitHub annotations,
//! GitLab, SARIF, JUnit) passes each field through [`escape_control`] (`escape`) where it is
//! written, so no message has to remember to. The JSON report keeps the exact strings (JSON
//! escapes them). The writers' paths (`report::text`, `report::json`, `report::summary`…) are
//! re-exported here.

mod escape;
mod github;
mod gitlab;
mod helm_summary;
mod json;
mod junit;
mod sarif;
#[cfg(test)]
mod tests;
mod text;

pub use escape::{escape_control, escape_lines};
pub use github::github;
pub use gitlab::gitlab;
pub use helm_summary::helm_summary;
pub use json::json;
pub use junit::junit;
pub use sarif::sarif;
pub use text::{summary, text};

use crate::kube::objects::ObjectRef;
use serde::Serialize;
use std::borrow::Cow;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The render fails.
    Error,
    /// Something was wrong (and was corrected, or is worth a look).
    Warning,
    /// For information.
    Note,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A finding code: stable id, default severity, one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// Stable kebab-case id; tests and CI rules rely on it.
    pub id: &'static str,
    /// Severity in `fix` mode (`audit` raises fixable drift to error).
    pub severity: Severity,
    /// What it means.
    pub summary: &'static str,
}

macro_rules! codes {
    ($($name:ident = $id:literal, $sev:ident, $summary:literal;)*) => {
        $(#[doc = $summary] pub const $name: Code = Code { id: $id, severity: Severity::$sev, summary: $summary };)*
        /// Every code, for documentation and SARIF rules.
        pub const ALL_CODES: &[Code] = &[$($name),*];
    };
}

codes! {
    NO_TARGET = "no-target", Error, "no container matched [target]: the SSO settings would reach nothing";
    MISSING_SECRET = "missing-secret", Error, "a Secret the SSO settings read is not provided";
    MISSING_SECRET_KEY = "missing-secret-key", Error, "a Secret is there but the key is missing, empty or a placeholder";
    MISSING_CONFIGMAP = "missing-configmap", Error, "a ConfigMap a target container reads is not provided ([secrets] check = \"all\")";
    MISSING_CONFIGMAP_KEY = "missing-configmap-key", Error, "a ConfigMap is there but the key is missing";
    KEY_FROM_DATAFROM = "key-from-datafrom", Note, "an ExternalSecret with dataFrom may provide the key; it cannot be checked before install";
    PLAINTEXT_SECRET = "plaintext-secret", Error, "a credential is written as a literal value";
    MISSING_VARIABLE = "missing-variable", Note, "a setting the policy requires was missing and was added";
    WRONG_SECTION = "wrong-section", Warning, "a variable used the wrong section (secure/services); ClearML would not read it there";
    NAME_CASE = "name-case", Warning, "a variable's name differed in case from the canonical spelling";
    WRONG_PREFIX = "wrong-prefix", Warning, "a variable started with a prefix ClearML ignores (clearml__) or overrides (TRAINS__)";
    DUPLICATE_VARIABLE = "duplicate-variable", Warning, "one setting was given by several env entries (Kubernetes keeps the last)";
    VALUE_MISMATCH = "value-mismatch", Warning, "a setting's value differed from the policy";
    VALUE_SOURCE = "value-source", Warning, "a setting came from a different source (literal, Secret, ConfigMap) than the policy says";
    OPTIONAL_SECRET_REF = "optional-secret-ref", Warning, "a required setting read an optional secretKeyRef; it was made required";
    UNKNOWN_PROVIDER = "unknown-provider", Warning, "SSO variables for a provider the policy does not declare";
    UNKNOWN_OPTION = "unknown-option", Warning, "an SSO variable for an option ClearML does not document";
    NON_STRING_VALUE = "non-string-value", Warning, "an env value YAML reads as a boolean, number, list or null; Kubernetes needs a string";
    AZURE_AD_KEY = "azure-ad-key", Warning, "an `ad_oauth` variable next to an `azure_ad` policy: ClearML's Azure page misprints the key";
    NAME_WHITESPACE = "name-whitespace", Warning, "a variable name with leading or trailing whitespace";
    COMPOSE_VARIABLE = "compose-variable", Error, "a `${VAR}` ClearML cannot resolve (VAR defined nowhere in the container, or docker-compose's `${VAR:?err}`): the apiserver fails to start";
    ENV_SUBSTITUTION = "env-substitution", Note, "an unquoted `${VAR}` ClearML resolves from the container's environment: it reads VAR's raw text";
    OPTIONAL_SUBSTITUTION = "optional-substitution", Warning, "`${?VAR}` with VAR defined nowhere in the container: ClearML drops the setting";
    PLACEHOLDER_VALUE = "placeholder-value", Error, "an SSO value that is a placeholder (`<company_id>`, `changeme`; [secrets] placeholders)";
    UNCLEAR_BOOLEAN = "unclear-boolean", Error, "a boolean option whose value has no certain meaning";
    MISREAD_VALUE = "misread-value", Error, "a value the tool cannot rewrite (a Secret's or ConfigMap's, or what Kubernetes expands `$(VAR)` to) that ClearML fails on or reads as something else: it parses every value as HOCON";
    FRAGILE_VALUE = "fragile-value", Warning, "a Secret or ConfigMap value ClearML reads as written only because HOCON happens to accept it unquoted";
    UNPARSEABLE_VALUE = "unparseable-value", Error, "a value ClearML's HOCON parser rejects";
    COMMENT_IN_VALUE = "comment-in-value", Warning, "a ` # …` tail inside a value; removed";
    NOT_A_LIST = "not-a-list", Warning, "a bare value where ClearML needs a list; bracketed";
    NOT_A_STRING = "not-a-string", Warning, "a value ClearML would read as a number where a string is meant; quoted";
    NOT_A_BOOLEAN = "not-a-boolean", Warning, "a quoted or differently spelled boolean; written as true/false";
    BASE_URL_SLASH = "base-url-slash", Warning, "a base_url without its trailing `/`; added";
    METADATA_NOT_MOUNTED = "metadata-not-mounted", Error, "idp_metadata_file names a path no volumeMount of the container provides";
    SSO_IN_CONFIG_FILE = "sso-in-config-file", Error, "a `*.conf` file ClearML reads from its config directory (a ConfigMap or Secret in the stream) may set SSO settings next to the policy's; its text is never printed";
    UNSEEN_CONFIG_FILE = "unseen-config-file", Error, "a volume at ClearML's config directory whose `*.conf` files the tool cannot see (not in the stream, emptyDir, a claim, hostPath…): they could set SSO settings, so exit 0 could not mean the policy; `[config_files] trust_unseen` vouches for a mount path";
    UNSEEN_CONFIG_FILE_TRUSTED = "unseen-config-file-trusted", Warning, "a volume at ClearML's config directory whose `*.conf` files the tool cannot see, at a mount path the policy's `[config_files] trust_unseen` vouches for: exit 0 rests on that promise";
    UNSEEN_ENV_FROM = "unseen-env-from", Error, "an `envFrom` Secret or ConfigMap whose keys the tool cannot see (not in the stream, an ExternalSecret's `dataFrom`), with no `prefix` that keeps its variables from names ClearML reads (`CLEARML__…`, `TRAINS__…`, `CLEARML_CONFIG_DIR`…): it could set anything, so exit 0 could not mean the policy; `[secrets] trust_env_from` vouches for a source";
    UNSEEN_ENV_FROM_TRUSTED = "unseen-env-from-trusted", Warning, "an `envFrom` Secret or ConfigMap whose keys the tool cannot see, which the policy's `[secrets] trust_env_from` vouches for: exit 0 rests on that promise";
    UNSEEN_VALUE = "unseen-value", Error, "a variable ClearML reads (`CLEARML__…`, `TRAINS__…`, `CLEARML_CONFIG_DIR`…) that the policy does not own takes its value by `secretKeyRef`/`configMapKeyRef` from a Secret or ConfigMap the tool cannot see (not in the stream, a key of a `[secrets] external` Secret the policy does not read, an ExternalSecret's fetched value): ClearML parses that value as HOCON, so it could set any key and exit 0 could not mean the policy; `[secrets] trust_unseen_sources` vouches for a source";
    UNSEEN_VALUE_TRUSTED = "unseen-value-trusted", Warning, "a variable ClearML reads whose value comes from a Secret or ConfigMap the tool cannot see, which the policy's `[secrets] trust_unseen_sources` vouches for: exit 0 rests on that promise";
    HOCON_IN_NAME = "hocon-in-name", Error, "a variable name ClearML reads holds HOCON syntax (`:`, quotes, braces, `//`, spaces) that can set other keys; the name is never printed";
    ENV_TOO_LONG = "env-too-long", Error, "a targeted container's env variable, as the kubelet gives it (`$(VAR)` expanded, Secret and ConfigMap values read), longer than Linux lets one environment string be (`NAME=value` over 128 KiB with its NUL; exec fails with E2BIG): the container never starts; nothing was written";
    ENV_NOT_TEXT = "env-not-text", Error, "a targeted container's env value with `$` directly before a non-ASCII character: Kubernetes' `$(VAR)` expansion gives the process other bytes, not UTF-8 (`$é` becomes `$Ã` and a stray byte), so the value is not the text written; write `$$` for a literal `$`; nothing was written";
    UNVERIFIED_OUTPUT = "unverified-output", Error, "read back as Kubernetes reads it, the corrected document would not give exactly the policy or would change something else; nothing was written";
    ALIASED_ENV = "aliased-env", Error, "a target container uses YAML anchors, aliases or `<<` merges; the tool does not edit it";
    UNUSED_EXTERNAL = "unused-external", Warning, "a [secrets] external entry matches no Secret or key the policy reads (its help names the nearest one)";
    WEBSERVER_LOGIN = "webserver-login", Warning, "tenant_login is on but the webserver lacks WEBSERVER__onlyPasswordLogin=\"true\"; not edited";
    USAGE_ERROR = "usage-error", Error, "the command line cannot be carried out (no policy file, a --report path that is the output or an input); exit 2";
    POLICY_ERROR = "policy-error", Error, "the policy file cannot be read or is not a valid policy (FILE:LINE:COLUMN); exit 2";
    CANONICAL_FORM = "canonical-form", Note, "a document Kubernetes reads but the tool's YAML parser does not was rewritten in canonical form to correct its target container (what Kubernetes reads of it unchanged, proved by reading it back; comments, key order and quoting not kept)";
    UNREADABLE_INPUT = "unreadable-input", Error, "the input is not a readable manifest stream (not UTF-8, not YAML, NUL bytes); exit 3";
}

/// The help a warning gets when `[enforce] warnings = "deny"` (or `--deny-warnings`) makes it
/// fail the render.
pub const DENIED_WARNING: &str =
    "a warning, refused because warnings fail the render here ([enforce] warnings = \"deny\" or --deny-warnings)";

/// Where every finding goes, and the one place its severity is decided (from its code, whether
/// it was corrected, and the policy's `[enforce]` switches). Rules build findings; only the sink
/// judges them.
#[derive(Debug, Clone)]
pub struct Sink {
    audit: bool,
    deny_unknown_providers: bool,
    deny_warnings: bool,
    findings: Vec<Finding>,
}

impl Sink {
    /// A sink for a policy's `[enforce]` settings.
    pub fn new(enforce: &crate::policy::Enforce) -> Sink {
        Sink {
            audit: enforce.mode == crate::policy::Mode::Audit,
            deny_unknown_providers: enforce.unknown_providers
                == crate::policy::UnknownProviders::Deny,
            deny_warnings: enforce.warnings == crate::policy::Warnings::Deny,
            findings: Vec::new(),
        }
    }

    /// The severity of a finding as built by a rule, and whether it is an error only because
    /// `[enforce] warnings = "deny"` refuses warnings.
    fn severity(&self, f: &Finding) -> (Severity, bool) {
        // Audit changes nothing, so every drift fails; `deny` makes unknown providers fail.
        let raised =
            f.fixed && self.audit || f.code == UNKNOWN_PROVIDER && self.deny_unknown_providers;
        let severity = if raised {
            Severity::Error
        } else if f.fixed && f.code.severity == Severity::Error {
            Severity::Warning // corrected, so no longer fatal
        } else {
            f.code.severity
        };
        if severity == Severity::Warning && self.deny_warnings {
            (Severity::Error, true)
        } else {
            (severity, false)
        }
    }

    /// Judges and keeps a finding.
    pub fn push(&mut self, mut f: Finding) {
        let (severity, denied_warning) = self.severity(&f);
        f.severity = severity;
        if f.fixed && self.audit {
            f.fixed = false;
            f.message = format!("drift: {}", would(&f.message));
        } else if denied_warning {
            // The render is refused, so nothing was corrected; the help says why a warning
            // stopped it.
            f.fixed = false;
            f.help = Some(match f.help.take() {
                Some(help) => format!("{help}; {DENIED_WARNING}"),
                None => DENIED_WARNING.to_string(),
            });
        }
        self.findings.push(f);
    }

    /// Takes over the findings another sink (for the same policy) already judged.
    pub fn absorb(&mut self, other: Sink) {
        self.findings.extend(other.findings);
    }

    /// Whether any finding so far fails the render.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The findings, in the order they were found.
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Where a finding is.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Location {
    /// 0-based document index in the stream. Every format shows it 1-based
    /// ([`crate::kube::stream::document_number`]), like lines: `document 1` is the first.
    #[serde(serialize_with = "serialize_document_number")]
    pub document: usize,
    /// 1-based line of the document start in the stream.
    pub line: usize,
    /// The object (kind, namespace, name, source template).
    #[serde(flatten)]
    pub object: ObjectRef,
    /// The container, when the finding is about one.
    pub container: Option<String>,
    /// The env variable, when the finding is about one.
    pub variable: Option<String>,
}

impl Location {
    /// The document's number as every format shows it: 1-based.
    pub fn document_number(&self) -> usize {
        crate::kube::stream::document_number(self.document)
    }
}

fn serialize_document_number<S: serde::Serializer>(index: &usize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(crate::kube::stream::document_number(*index) as u64)
}

/// A place in a file named on the command line — the policy, or the input stream — for a
/// finding that is not about a manifest object (a policy error, unreadable input).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Spot {
    /// The file as named to the user (`stdin` for standard input).
    pub path: String,
    /// 1-based line; 0 when the finding is about the file as a whole.
    pub line: usize,
    /// 1-based column; 0 when unknown.
    pub column: usize,
}

impl Spot {
    /// `FILE:LINE:COLUMN`, leaving out what is unknown.
    pub fn describe(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.path.clone(),
            (l, 0) => format!("{}:{l}", self.path),
            (l, c) => format!("{}:{l}:{c}", self.path),
        }
    }
}

impl Serialize for ObjectRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ObjectRef", 4)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("namespace", &self.namespace)?;
        st.serialize_field("name", &self.name)?;
        st.serialize_field("source", &self.source)?;
        st.end()
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its code.
    pub code: Code,
    /// Its severity, decided by [`Sink::push`] (the code's default until then).
    pub severity: Severity,
    /// What is wrong, for a person to act on.
    pub message: String,
    /// What to do, when that is not obvious from the message.
    pub help: Option<String>,
    /// Where (absent for stream-wide findings such as `no-target`).
    pub location: Option<Location>,
    /// Where in a file named on the command line (the policy, the input), for findings that
    /// are not about a manifest object.
    pub file: Option<Spot>,
    /// Whether `render` corrected it.
    pub fixed: bool,
}

impl Finding {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity,
            message: message.into(),
            help: None,
            location: None,
            file: None,
            fixed: false,
        }
    }

    /// Adds help text.
    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Finding {
        self.location = Some(location);
        self
    }

    /// Sets the place in a file named on the command line.
    pub fn in_file(mut self, spot: Spot) -> Finding {
        self.file = Some(spot);
        self
    }

    /// Marks it corrected.
    pub fn fixed(mut self) -> Finding {
        self.fixed = true;
        self
    }
}

/// `Deployment ns/name`: an object's kind (`document` when it has none), namespace and name.
pub fn object_name(o: &ObjectRef) -> String {
    let kind = if o.kind.is_empty() {
        "document"
    } else {
        &o.kind
    };
    let name = if o.name.is_empty() {
        "<unnamed>"
    } else {
        &o.name
    };
    // Joined, not `format!`ed: every finding of every report names its object.
    match &o.namespace {
        Some(ns) => [kind, " ", ns, "/", name].concat(),
        None => [kind, " ", name].concat(),
    }
}

/// Describes a location in one line: `Deployment clearml/clearml-apiserver (templates/a.yaml), container x, variable Y`.
pub fn describe(loc: &Location) -> String {
    let o = &loc.object;
    // Pushed piece by piece, not `write!`n: every finding of every report has one.
    let mut s = object_name(o);
    let document = loc.document_number().to_string();
    match &o.source {
        Some(src) => {
            for part in [" (", src, ", document ", &document, ")"] {
                s.push_str(part);
            }
        }
        None => {
            let line = loc.line.to_string();
            for part in [" (document ", &document, ", line ", &line, ")"] {
                s.push_str(part);
            }
        }
    }
    if let Some(c) = &loc.container {
        s.push_str(", container ");
        s.push_str(c);
    }
    if let Some(v) = &loc.variable {
        s.push_str(", variable ");
        s.push_str(v);
    }
    s
}

/// How findings are written, beyond the format: whether the corrections they describe were
/// made, and where the user's files are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Style {
    /// The corrections were not made (`check`, `diff`, a refused render): a corrected finding
    /// says what `render` would do (`would add …`, see [`would`]), and text marks it
    /// `(render fixes this)` instead of `(fixed)`.
    pub proposed: bool,
    /// `--chart-root DIR`: put before a template path (`clearml/templates/…`, relative to the
    /// chart's parent directory) where a format attaches a finding to a file (GitHub, SARIF,
    /// GitLab), so that it lands on the file in the user's repository.
    pub chart_root: Option<String>,
    /// The input's name (`stdin` for standard input): the file a GitLab issue is attached to
    /// when its document has no template path (GitLab needs a path for every issue).
    pub input: Option<String>,
}

impl Style {
    /// A template path as the user's repository names it: under `chart_root` when given.
    fn template_path(&self, source: &str) -> String {
        match self.chart_root.as_deref() {
            None | Some("" | "." | "./") => source.to_string(),
            Some(root) => format!("{}/{source}", root.trim_end_matches('/')),
        }
    }

    /// What a finding says: its message, in the conditional when its correction was not made.
    fn message<'a>(&self, f: &'a Finding) -> Cow<'a, str> {
        if self.proposed && f.fixed {
            Cow::Owned(would(&f.message))
        } else {
            Cow::Borrowed(&f.message)
        }
    }
}

/// What a correction's message says in the past tense, and what it says when the correction
/// was not made. One table for every rule's message, so `check`, `diff`, a refused render and
/// audit mode never claim a change that did not happen.
const WOULD: &[(&str, &str)] = &[
    ("renamed to ", "would be renamed to "),
    ("; trimmed", "; would be trimmed"),
    (" was removed", " would be removed"),
    ("written as ", "would be written as "),
    ("written with ", "would be written with "),
    ("quoted so that", "would be quoted so that"),
    ("; one remains", "; one would remain"),
    ("; kept the last one", "; would keep the last one"),
    (" env entries become ", " env entries would become "),
];

/// A correction's message as what `render` would do: `added X` becomes `would add X`,
/// `renamed to Y` becomes `would be renamed to Y`, and so on (the table `WOULD`).
pub fn would(message: &str) -> String {
    let mut out = match message.strip_prefix("added ") {
        Some(rest) => format!("would add {rest}"),
        None => message.to_string(),
    };
    for (done, not_done) in WOULD {
        if let Some(at) = out.find(done) {
            if !out[..at].ends_with("would ") && !out[..at].ends_with("would be ") {
                out.replace_range(at..at + done.len(), not_done);
            }
        }
    }
    out
}

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// The JSON report (`version: 1`), documented in docs/ci.md.
    Json,
    /// GitHub Actions workflow commands (`::error …`).
    Github,
    /// GitLab Code Quality, shown in merge requests.
    Gitlab,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, for Jenkins and GitLab test reports.
    Junit,
}

impl Format {
    /// Every format: its name on the command line (`check --format NAME`), and a line of help.
    /// The CLI offers exactly these, so a new format is added here only (and its writer in
    /// `report::format`).
    pub const ALL: &[(&'static str, Format, &'static str)] = &[
        ("text", Format::Text, "For people"),
        (
            "json",
            Format::Json,
            "The JSON report (`version: 1`), documented in docs/ci.md",
        ),
        (
            "github",
            Format::Github,
            "GitHub Actions workflow commands (`::error …`), shown on the pull request",
        ),
        (
            "gitlab",
            Format::Gitlab,
            "GitLab Code Quality JSON (artifacts:reports:codequality), shown in the merge request",
        ),
        (
            "sarif",
            Format::Sarif,
            "SARIF 2.1.0, for code-scanning dashboards",
        ),
        (
            "junit",
            Format::Junit,
            "JUnit XML, for Jenkins and GitLab test reports",
        ),
    ];

    /// The format called `name` in [`Format::ALL`].
    pub fn from_name(name: &str) -> Option<Format> {
        Self::ALL.iter().find(|e| e.0 == name).map(|e| e.1)
    }

    /// This format's name in [`Format::ALL`].
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|e| e.1 == self)
            .map(|e| e.0)
            .expect("every format is in Format::ALL")
    }
}

/// Writes `findings` in `format`. Every format yields a complete, valid document, also for no
/// findings or for findings that are errors of the command line or the policy.
pub fn format(findings: &[Finding], format: Format, style: &Style) -> String {
    match format {
        Format::Text => {
            let mut out = text(findings, style);
            out.push_str(&summary(findings));
            out.push('\n');
            out
        }
        Format::Json => json(findings, style) + "\n",
        Format::Github => github(findings, style),
        Format::Gitlab => gitlab(findings, style) + "\n",
        Format::Sarif => sarif(findings, style) + "\n",
        Format::Junit => junit(findings, style),
    }
}

/// A note about a setting `render` adds or adjusts by design (`missing-variable`): not a
/// problem in the user's files, so formats that annotate files leave it out (it is counted in
/// the summary, and the JSON, SARIF, JUnit and text reports keep it).
fn annotates(f: &Finding) -> bool {
    !(f.fixed && f.severity == Severity::Note)
}
