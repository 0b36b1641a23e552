//! Findings: the stable codes, where each finding is, and how findings are written.
//!
//! Messages never contain a secret's value: they name Secrets, keys and variables only.
//!
//! Findings carry names and values straight from the manifests, which may hold any character.
//! Every format meant for people or for tools that display text (text, GitHub annotations,
//! SARIF, JUnit) passes each field through [`escape_control`] here, where it is written, so no
//! message has to remember to. The JSON report keeps the exact strings (JSON escapes them).

use crate::k8s::ObjectRef;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal or a report raw: C0 controls (ESC starts terminal
/// escape sequences, CR and LF forge lines), DEL, C1 controls (U+009B is a one-character
/// CSI), the Unicode line and paragraph separators, the bidirectional controls (they reorder
/// what is shown, so text reads differently than it is), and U+FFFE/U+FFFF, which XML 1.0
/// does not allow.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// A one-line field made safe to show: each character of [`needs_escape`] is written as a
/// visible escape (`\t`, `\n`, `\r`, `\x1b`, `\u{2028}`); everything else is kept. The result
/// contains none of those characters, so escaping twice changes nothing. It is for display,
/// not reversible (a `\` in the input is kept as it is).
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`escape_control`] for text of several lines: each line escaped, the line breaks kept.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.split('\n')
            .map(escape_control)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

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
    QUOTED_SUBSTITUTION = "quoted-substitution", Warning, "`\"${VAR}\"`: inside quotes ClearML reads the text `${VAR}`, not VAR";
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
    UNSEEN_CONFIG_FILE = "unseen-config-file", Warning, "a volume at ClearML's config directory whose `*.conf` files the tool cannot see (not in the stream, emptyDir, a claim, hostPath…): they could set SSO settings";
    HOCON_IN_NAME = "hocon-in-name", Error, "a variable name ClearML reads holds HOCON syntax (`:`, quotes, braces, `//`, spaces) that can set other keys; the name is never printed";
    UNVERIFIED_OUTPUT = "unverified-output", Error, "read back as Kubernetes reads it, the corrected document would not give exactly the policy or would change something else; nothing was written";
    ALIASED_ENV = "aliased-env", Error, "a target container uses YAML anchors, aliases or `<<` merges; the tool does not edit it";
    UNUSED_EXTERNAL = "unused-external", Warning, "a [secrets] external entry matches no Secret or key the policy reads (its help names the nearest one)";
    WEBSERVER_LOGIN = "webserver-login", Warning, "tenant_login is on but the webserver lacks WEBSERVER__onlyPasswordLogin=\"true\"; not edited";
    USAGE_ERROR = "usage-error", Error, "the command line cannot be carried out (no policy file, a --report path that is the output or an input); exit 2";
    POLICY_ERROR = "policy-error", Error, "the policy file cannot be read or is not a valid policy (FILE:LINE:COLUMN); exit 2";
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
    /// ([`crate::stream::document_number`]), like lines: `document 1` is the first.
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
        crate::stream::document_number(self.document)
    }
}

fn serialize_document_number<S: serde::Serializer>(index: &usize, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(crate::stream::document_number(*index) as u64)
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
    match &o.namespace {
        Some(ns) => format!("{kind} {ns}/{name}"),
        None => format!("{kind} {name}"),
    }
}

/// Describes a location in one line: `Deployment clearml/clearml-apiserver (templates/a.yaml), container x, variable Y`.
pub fn describe(loc: &Location) -> String {
    let o = &loc.object;
    let mut s = object_name(o);
    match &o.source {
        Some(src) => {
            let _ = write!(s, " ({src}, document {})", loc.document_number());
        }
        None => {
            let _ = write!(
                s,
                " (document {}, line {})",
                loc.document_number(),
                loc.line
            );
        }
    }
    if let Some(c) = &loc.container {
        let _ = write!(s, ", container {c}");
    }
    if let Some(v) = &loc.variable {
        let _ = write!(s, ", variable {v}");
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

/// Human-readable findings, one block each, errors first.
pub fn text(findings: &[Finding], style: &Style) -> String {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by_key(|f| f.severity);
    let mut out = String::new();
    for f in sorted {
        let message = style.message(f);
        // A proposed correction whose message has no verb to put in the conditional
        // (`value … differs from the policy's …`) says who corrects it.
        let fixed = match (f.fixed, style.proposed) {
            (false, _) => "",
            (true, false) => " (fixed)",
            (true, true) if *message == f.message => " (render fixes this)",
            (true, true) => "",
        };
        let _ = writeln!(
            out,
            "{}[{}]: {}{fixed}",
            f.severity.as_str(),
            f.code.id,
            escape_control(&message)
        );
        if let Some(loc) = &f.location {
            let _ = writeln!(out, "  --> {}", escape_control(&describe(loc)));
        }
        if let Some(spot) = &f.file {
            let _ = writeln!(out, "  --> {}", escape_control(&spot.describe()));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "  help: {}", escape_control(help));
        }
    }
    out
}

/// One-line summary: `clearml-sso: 2 errors, 1 warning, 3 notes`.
pub fn summary(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "clearml-sso: {}, {}, {}",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Note), "note")
    )
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    message: Cow<'a, str>,
    help: Option<&'a str>,
    fixed: bool,
    location: Option<&'a Location>,
    file: Option<&'a Spot>,
}

/// The JSON report: `{"version":1,"errors":N,"findings":[…]}`.
pub fn json(findings: &[Finding], style: &Style) -> String {
    let list: Vec<JsonFinding> = findings
        .iter()
        .map(|f| JsonFinding {
            code: f.code.id,
            severity: f.severity,
            message: style.message(f),
            help: f.help.as_deref(),
            fixed: f.fixed,
            location: f.location.as_ref(),
            file: f.file.as_ref(),
        })
        .collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    serde_json::to_string_pretty(
        &serde_json::json!({ "version": 1, "errors": errors, "findings": list }),
    )
    .expect("findings serialize")
}

/// The output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people.
    Text,
    /// The JSON report (`version: 1`), documented in the README.
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
            "The JSON report (`version: 1`), documented in the README",
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

fn github_escape(s: &str, property: bool) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        s.replace(':', "%3A").replace(',', "%2C")
    } else {
        s
    }
}

/// GitHub Actions annotations: one `::error` / `::warning` / `::notice` line per finding,
/// attached to the chart template when the finding names one (under `--chart-root`), or to
/// `FILE`, line and column for a finding in a file named on the command line (a policy error).
pub fn github(findings: &[Finding], style: &Style) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| annotates(f)) {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(spot) = &f.file {
            props.push(format!(
                "file={}",
                github_escape(&escape_control(&spot.path), true)
            ));
            if spot.line > 0 {
                props.push(format!("line={}", spot.line));
            }
            if spot.column > 0 {
                props.push(format!("col={}", spot.column));
            }
        } else if let Some(src) = f.location.as_ref().and_then(|l| l.object.source.as_deref()) {
            props.push(format!(
                "file={}",
                github_escape(&escape_control(&style.template_path(src)), true)
            ));
        }
        props.push(format!(
            "title={}",
            github_escape(&format!("clearml-sso {}", f.code.id), true)
        ));
        let mut message = escape_control(&style.message(f)).into_owned();
        if let Some(loc) = &f.location {
            message.push_str(&format!(" [{}]", escape_control(&describe(loc))));
        }
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {}", escape_control(help)));
        }
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            github_escape(&message, false)
        );
    }
    let _ = writeln!(out, "{}", summary(findings));
    out
}

/// A 128-bit FNV-1a hash as 32 hex digits: stable across builds and platforms (unlike the
/// standard library's hasher), which is all a GitLab fingerprint needs.
fn fingerprint(parts: &[&str]) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u128::from(b);
            h = h.wrapping_mul(0x0000000001000000000000000000013b);
        }
    }
    format!("{h:032x}")
}

/// GitLab Code Quality: a JSON array of issues, each with `description`, `check_name`,
/// `fingerprint`, `severity` (`info` | `minor` | `major` | `critical` | `blocker`) and
/// `location` (`path`, `lines.begin`). The path is the template (under `--chart-root`), else
/// the file a policy or input error is in, else the input (at the document's line).
pub fn gitlab(findings: &[Finding], style: &Style) -> String {
    let input = style.input.as_deref().unwrap_or("stdin");
    let mut seen: Vec<String> = Vec::new();
    let issues: Vec<serde_json::Value> = findings
        .iter()
        .filter(|f| annotates(f))
        .map(|f| {
            let source = f.location.as_ref().and_then(|l| l.object.source.as_deref());
            let (path, line) = match (&f.file, source, &f.location) {
                (Some(spot), _, _) => (spot.path.clone(), spot.line),
                (None, Some(src), _) => (style.template_path(src), 1),
                (None, None, Some(loc)) => (input.to_string(), loc.line),
                (None, None, None) => (input.to_string(), 1),
            };
            let mut description = escape_control(&style.message(f)).into_owned();
            if let Some(loc) = &f.location {
                description.push_str(&format!(" [{}]", escape_control(&describe(loc))));
            }
            if let Some(help) = &f.help {
                description.push_str(&format!(" Help: {}", escape_control(help)));
            }
            // Identifies the issue across runs: what and where, not the document's number,
            // which moves when the chart changes; a repeat of the same issue gets a count.
            let place = f.location.as_ref().map(|l| {
                let o = &l.object;
                [
                    o.kind.as_str(),
                    o.namespace.as_deref().unwrap_or_default(),
                    o.name.as_str(),
                    l.container.as_deref().unwrap_or_default(),
                    l.variable.as_deref().unwrap_or_default(),
                ]
                .join("/")
            });
            let mut print = fingerprint(&[
                f.code.id,
                &path,
                place.as_deref().unwrap_or_default(),
                &f.message,
            ]);
            let repeats = seen.iter().filter(|p| **p == print).count();
            seen.push(print.clone());
            if repeats > 0 {
                print = fingerprint(&[&print, &repeats.to_string()]);
            }
            serde_json::json!({
                "description": description,
                "check_name": format!("clearml-sso/{}", f.code.id),
                "fingerprint": print,
                "severity": match f.severity {
                    Severity::Error => "critical",
                    Severity::Warning => "minor",
                    Severity::Note => "info",
                },
                "location": { "path": escape_control(&path), "lines": { "begin": line.max(1) } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("issues serialize")
}

/// A file path as SARIF's `artifactLocation.uri`, which must be a URI reference (RFC 3986):
/// every byte but the unreserved characters and `/` percent-encoded, so that a space, `%`, `#`,
/// `?`, a `:` in the first segment (read as a scheme) or a control character in a chart root,
/// template or policy path still names that file (code-scanning tools decode it).
fn sarif_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: a rule per finding code, a result per finding, located at the chart template
/// (under `--chart-root`) or at the line and column of a file named on the command line.
pub fn sarif(findings: &[Finding], style: &Style) -> String {
    let level = |s: Severity| match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let rules: Vec<serde_json::Value> = ALL_CODES
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": { "text": c.summary },
                "defaultConfiguration": { "level": level(c.severity) },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            let mut text = escape_control(&style.message(f)).into_owned();
            if let Some(help) = &f.help {
                text.push_str(&format!(" Help: {}", escape_control(help)));
            }
            let mut result = serde_json::json!({
                "ruleId": f.code.id,
                "ruleIndex": ALL_CODES.iter().position(|c| c.id == f.code.id),
                "level": level(f.severity),
                "message": { "text": text },
                "properties": { "fixed": f.fixed },
            });
            if let Some(loc) = &f.location {
                let o = &loc.object;
                let logical = [
                    Some(o.kind.as_str()),
                    o.namespace.as_deref(),
                    Some(o.name.as_str()),
                    loc.container.as_deref(),
                    loc.variable.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("/");
                let mut location = serde_json::json!({
                    "logicalLocations": [{
                        "fullyQualifiedName": escape_control(&logical),
                        "kind": "resource",
                    }],
                    "properties": { "document": loc.document_number() },
                });
                if let Some(src) = &o.source {
                    location["physicalLocation"] = serde_json::json!({
                        "artifactLocation": { "uri": sarif_uri(&style.template_path(src)) }
                    });
                }
                result["locations"] = serde_json::json!([location]);
            } else if let Some(spot) = &f.file {
                let mut physical = serde_json::json!({
                    "artifactLocation": { "uri": sarif_uri(&spot.path) }
                });
                if spot.line > 0 {
                    physical["region"] = serde_json::json!({ "startLine": spot.line });
                    if spot.column > 0 {
                        physical["region"]["startColumn"] = serde_json::json!(spot.column);
                    }
                }
                result["locations"] = serde_json::json!([{ "physicalLocation": physical }]);
            }
            result
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "clearml-sso",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }],
    }))
    .expect("SARIF serializes")
}

/// Text for XML 1.0 content (`lines`: line breaks kept) or attributes: control characters
/// become visible escapes first, since XML 1.0 allows no C0 control but tab, LF and CR, not
/// even as a character reference (`&#27;` is not well-formed).
fn xml_escape(s: &str, lines: bool) -> String {
    let s = if lines {
        escape_lines(s)
    } else {
        escape_control(s)
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test case per finding (errors fail), or one passing case when all is well.
pub fn junit(findings: &[Finding], style: &Style) -> String {
    let failures = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let tests = findings.len().max(1);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"clearml-sso\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"clearml-sso\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    if findings.is_empty() {
        out.push_str(
            "    <testcase classname=\"clearml-sso\" name=\"SSO settings match the policy\"/>\n",
        );
    }
    for f in findings {
        let classname = match (&f.location, &f.file) {
            (Some(l), _) => {
                let o = &l.object;
                format!(
                    "{}/{}{}",
                    o.kind,
                    o.name,
                    l.container
                        .as_ref()
                        .map(|c| format!("/{c}"))
                        .unwrap_or_default()
                )
            }
            (None, Some(spot)) => spot.path.clone(),
            (None, None) => "clearml-sso".to_string(),
        };
        let name = match f.location.as_ref().and_then(|l| l.variable.as_deref()) {
            Some(v) => format!("{} {v}", f.code.id),
            None => f.code.id.to_string(),
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            xml_escape(&classname, false),
            xml_escape(&name, false)
        );
        // Each field is one line (escaped on its own); the breaks between them are kept.
        let message = style.message(f);
        let mut body = escape_control(&message).into_owned();
        if let Some(loc) = &f.location {
            body.push_str(&format!("\n{}", escape_control(&describe(loc))));
        }
        if let Some(spot) = &f.file {
            body.push_str(&format!("\n{}", escape_control(&spot.describe())));
        }
        if let Some(help) = &f.help {
            body.push_str(&format!("\nhelp: {}", escape_control(help)));
        }
        if f.severity == Severity::Error {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                f.code.id,
                xml_escape(&message, false),
                xml_escape(&body, true)
            );
        } else {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}: {}</system-out>\n    </testcase>",
                f.severity.as_str(),
                xml_escape(&body, true)
            );
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut ids: Vec<&str> = ALL_CODES.iter().map(|c| c.id).collect();
        assert!(ids
            .iter()
            .all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL_CODES.len());
    }

    #[test]
    fn text_report_snapshot() {
        let loc = Location {
            document: 3,
            line: 40,
            object: ObjectRef {
                kind: "Deployment".into(),
                name: "clearml-apiserver".into(),
                namespace: None,
                source: Some("clearml/templates/apiserver.yaml".into()),
            },
            container: Some("clearml-apiserver".into()),
            variable: Some(
                "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret".into(),
            ),
        };
        let findings = vec![
            Finding::new(MISSING_VARIABLE, "added keycloak.idp_logout")
                .at(loc.clone())
                .fixed(),
            Finding::new(
                MISSING_SECRET,
                "Secret `clearml-sso` is not in the rendered manifests",
            )
            .help("create it, or list it under [secrets] external")
            .at(loc),
        ];
        insta::assert_snapshot!(text(&findings, &Style::default()));
        insta::assert_snapshot!(summary(&findings), @"clearml-sso: 1 error, 0 warnings, 1 note");
    }

    /// Every character class that must not reach a terminal or a report raw.
    const HOSTILE: &str =
        "a\u{1b}[31mred\rfake\nline\ttab\u{0}nul\u{7f}del\u{85}nel\u{9b}csi\u{2028}ls\u{2029}ps\u{202e}rlo\u{2066}lri\u{2069}pdi\u{fffe}end";

    #[test]
    fn escape_control_makes_every_hostile_character_visible() {
        assert_eq!(
            escape_control(HOSTILE),
            r"a\x1b[31mred\rfake\nline\ttab\x00nul\x7fdel\u{85}nel\u{9b}csi\u{2028}ls\u{2029}ps\u{202e}rlo\u{2066}lri\u{2069}pdi\u{fffe}end"
        );
        let once = escape_control(HOSTILE).into_owned();
        assert_eq!(
            escape_control(&once),
            once,
            "escaping twice changes nothing"
        );
        assert!(matches!(escape_control("plain é ü 名前"), Cow::Borrowed(_)));
        assert_eq!(escape_lines("a\u{1b}\nb\r\n"), "a\\x1b\nb\\r\n");
    }

    fn hostile_findings() -> Vec<Finding> {
        let loc = Location {
            document: 0,
            line: 1,
            object: ObjectRef {
                kind: "Deployment".into(),
                name: format!("api{HOSTILE}server"),
                namespace: Some("ns\u{1b}]0;title\u{7}".into()),
                source: Some("c/templates/\u{1b}[2Ja.yaml".into()),
            },
            container: Some("c\u{202e}".into()),
            variable: Some(format!("CLEARML__{HOSTILE}")),
        };
        vec![
            Finding::new(MISSING_SECRET, format!("Secret `{HOSTILE}` is missing"))
                .help(format!("help {HOSTILE}"))
                .at(loc.clone()),
            Finding::new(VALUE_MISMATCH, format!("value `{HOSTILE}`")).at(loc),
        ]
    }

    #[test]
    fn every_display_format_escapes_control_characters() {
        let findings = hostile_findings();
        for format in [
            Format::Text,
            Format::Github,
            Format::Gitlab,
            Format::Sarif,
            Format::Junit,
        ] {
            let out = super::format(&findings, format, &Style::default());
            let bad: Vec<char> = out
                .chars()
                .filter(|c| *c != '\n' && needs_escape(*c))
                .collect();
            assert!(bad.is_empty(), "{format:?} let through {bad:?}:\n{out}");
        }
        let text = text(&findings, &Style::default());
        assert_eq!(text.lines().count(), 5, "no forged lines:\n{text}");
        let github = github(&findings, &Style::default());
        assert_eq!(
            github.lines().count(),
            3,
            "one line per annotation:\n{github}"
        );
    }

    #[test]
    fn junit_is_well_formed_xml_and_sarif_json_for_hostile_text() {
        let findings = hostile_findings();
        let xml = junit(&findings, &Style::default());
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}:\n{xml}"));
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .expect("the error is a failure");
        assert!(failure
            .attribute("message")
            .unwrap()
            .contains(r"a\x1b[31mred\rfake\nline"));
        let sarif: serde_json::Value =
            serde_json::from_str(&sarif(&findings, &Style::default())).unwrap();
        let message = sarif["runs"][0]["results"][0]["message"]["text"]
            .as_str()
            .unwrap();
        assert!(message.contains(r"\x1b[31m") && !message.contains('\u{1b}'));
        // The JSON report keeps the exact strings; JSON escapes them itself.
        let json: serde_json::Value =
            serde_json::from_str(&json(&findings, &Style::default())).unwrap();
        assert_eq!(
            json["findings"][0]["message"],
            format!("Secret `{HOSTILE}` is missing")
        );
    }

    #[test]
    fn would_puts_every_correction_in_the_conditional() {
        let cases = [
            ("added keycloak.client_id", "would add keycloak.client_id"),
            (
                "`x` is read from the `secure` section, not `services`; renamed to Y",
                "`x` is read from the `secure` section, not `services`; would be renamed to Y",
            ),
            (
                "the name `X ` has surrounding whitespace; trimmed",
                "the name `X ` has surrounding whitespace; would be trimmed",
            ),
            (
                "a ` # …` comment tail in the value was removed",
                "a ` # …` comment tail in the value would be removed",
            ),
            (
                "the value is not a YAML string; written as 'true'",
                "the value is not a YAML string; would be written as 'true'",
            ),
            (
                "base_url ends without `/`: written with a trailing `/`",
                "base_url ends without `/`: would be written with a trailing `/`",
            ),
            (
                "`a`: tab; quoted so that ClearML reads the tab",
                "`a`: tab; would be quoted so that ClearML reads the tab",
            ),
            (
                "2 env entries set keycloak.base_url (A, B); one remains",
                "2 env entries set keycloak.base_url (A, B); one would remain",
            ),
            (
                "ClearML read none of them; kept the last one, as Kubernetes would",
                "ClearML read none of them; would keep the last one, as Kubernetes would",
            ),
            (
                "2 env entries become Y; why",
                "2 env entries would become Y; why",
            ),
            // Already conditional, or no correction verb: unchanged.
            (
                "`x` would be read as a number, not the text: would be written as \"1\"",
                "`x` would be read as a number, not the text: would be written as \"1\"",
            ),
            (
                "keycloak.base_url: the value differs from the policy",
                "keycloak.base_url: the value differs from the policy",
            ),
            ("not added here", "not added here"),
        ];
        for (done, not_done) in cases {
            assert_eq!(would(done), not_done);
            assert_eq!(would(not_done), not_done, "twice changes nothing");
        }
    }

    #[test]
    fn chart_root_prefixes_template_paths_only_when_given() {
        let src = "clearml/templates/a.yaml";
        let with = |root: Option<&str>| Style {
            chart_root: root.map(str::to_string),
            ..Style::default()
        };
        assert_eq!(with(None).template_path(src), src);
        assert_eq!(with(Some(".")).template_path(src), src);
        assert_eq!(
            with(Some("deploy/charts")).template_path(src),
            "deploy/charts/clearml/templates/a.yaml"
        );
        assert_eq!(
            with(Some("deploy/charts/")).template_path(src),
            "deploy/charts/clearml/templates/a.yaml"
        );
        assert_eq!(
            with(Some("/")).template_path(src),
            "/clearml/templates/a.yaml"
        );
    }

    #[test]
    fn every_format_has_one_name() {
        for &(name, format, _) in Format::ALL {
            // A new variant stops this match compiling: give it a row in Format::ALL.
            match format {
                Format::Text
                | Format::Json
                | Format::Github
                | Format::Gitlab
                | Format::Sarif
                | Format::Junit => {}
            }
            assert_eq!(Format::from_name(name), Some(format));
            assert_eq!(format.name(), name);
        }
        assert_eq!(Format::ALL.len(), 6, "one row per variant");
    }

    #[test]
    fn sink_fails_warnings_only_when_denied() {
        use crate::policy::{Enforce, Warnings};
        let judged = |warnings, f: Finding| {
            let mut sink = Sink::new(&Enforce {
                warnings,
                ..Enforce::default()
            });
            sink.push(f);
            sink.into_findings().remove(0)
        };
        let drift = || Finding::new(VALUE_MISMATCH, "m").fixed();
        let allowed = judged(Warnings::Allow, drift());
        assert_eq!((allowed.severity, allowed.fixed), (Severity::Warning, true));
        let denied = judged(Warnings::Deny, drift());
        assert_eq!((denied.severity, denied.fixed), (Severity::Error, false));
        assert_eq!(denied.help.as_deref(), Some(DENIED_WARNING));
        // A corrected error is a warning when allowed, so an error again when denied.
        let fixed_error = judged(Warnings::Deny, Finding::new(PLAINTEXT_SECRET, "p").fixed());
        assert_eq!(fixed_error.severity, Severity::Error);
        // Notes (a setting added) pass either way.
        let added = judged(Warnings::Deny, Finding::new(MISSING_VARIABLE, "a").fixed());
        assert_eq!((added.severity, added.fixed), (Severity::Note, true));
        // An existing help is kept, the reason appended.
        let helped = judged(
            Warnings::Deny,
            Finding::new(UNKNOWN_PROVIDER, "u").help("declare it"),
        );
        assert_eq!(
            helped.help.unwrap(),
            format!("declare it; {DENIED_WARNING}")
        );
    }
}
