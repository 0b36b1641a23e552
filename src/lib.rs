//! `clearml-sso`: makes the SSO settings of a ClearML apiserver match a policy, as a Helm
//! post-renderer or a CI check.
//!
//! One entry point, [`render`] ([`render_with`] for options), is shared by the CLI, the tests
//! and the benchmarks. Data flows one way: the stream is split into documents ([`stream`]),
//! each is parsed ([`yaml`]), the Secrets are inventoried ([`secrets`]), every target container
//! is corrected ([`correct`]), and the documents are joined back — untouched ones byte
//! for byte. The command line around it (arguments, exit codes, Helm's stderr) is the binary's.

#![warn(missing_docs)]
// Only the libyaml binding may use `unsafe`: it allows it in its own first line.
#![deny(unsafe_code)]

pub mod clearml_env;
pub mod clearml_loader;
pub mod clearml_webserver;
pub mod correct;
pub mod diff;
pub mod explain;
pub mod k8s;
pub mod k8s_yaml;
pub mod libyaml;
pub mod policy;
pub mod providers;
pub mod pyhocon;
pub mod report;
pub mod secrets;
pub mod stream;
pub mod surface;
pub mod verify;
pub mod yaml;

use policy::{Mode, Policy};
use report::{Finding, Location, Severity};
use std::fmt;

/// The result of a render: the output stream and what was found on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The manifests to write (only when there is no error-level finding).
    pub output: String,
    /// Every finding, in stream order.
    pub findings: Vec<Finding>,
    /// Whether any document was changed.
    pub changed: bool,
}

/// How [`render_with`] runs; the default is what [`render`] does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Never free the parsed documents (the editing trees and Kubernetes' reading of each
    /// document), leaking them. Only for a process that exits right after the render, as the
    /// CLI does: on a large stream they are many small allocations, and freeing them one by one
    /// measurably delays an exit that would release them all at once anyway.
    pub leak_parsed: bool,
}

impl Outcome {
    /// Whether an error-level finding means the render must fail.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Input that is not a readable manifest stream (exit code 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line in the stream.
    pub line: usize,
    /// 1-based column, when known.
    pub column: usize,
    /// 1-based document number, when known.
    pub document: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if self.column > 0 {
            write!(f, ", column {}", self.column)?;
        }
        if let Some(d) = self.document {
            write!(f, " (document {d})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Renders `input` (a multi-document YAML stream) under `policy`.
pub fn render(input: &[u8], policy: &Policy) -> Result<Outcome, InputError> {
    render_with(input, policy, RenderOptions::default())
}

/// [`render`], with [`RenderOptions`].
pub fn render_with(
    input: &[u8],
    policy: &Policy,
    options: RenderOptions,
) -> Result<Outcome, InputError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let before = &input[..e.valid_up_to()];
        InputError {
            line: before.iter().filter(|b| **b == b'\n').count() + 1,
            column: 0,
            document: None,
            message: format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        }
    })?;
    if let Some(pos) = memchr::memchr(0, input) {
        return Err(InputError {
            line: memchr::memchr_iter(b'\n', &input[..pos]).count() + 1,
            column: 0,
            document: None,
            message: "NUL byte in the input".into(),
        });
    }
    let docs = stream::split(text);
    let mut seen: Vec<String> = Vec::new();
    let webserver = surface::Webserver::for_policy(policy);
    let (mut trees, mut kube, needs) =
        parse_all(&docs, |doc| need_of(doc, policy, webserver.as_ref()))?;
    let skipped_workloads: Vec<&stream::Document> = docs
        .iter()
        .zip(&needs)
        .filter(|(_, (need, workload))| *workload && *need != Need::Edit)
        .map(|(doc, _)| doc)
        .collect();
    let needs: Vec<Need> = needs.into_iter().map(|(need, _)| need).collect();
    read_referenced_configmaps(&docs, &needs, &mut kube, policy)?;
    let sources: Vec<Option<&str>> = docs.iter().map(|d| k8s::source_comment(d.raw)).collect();
    // The gate decides on what Kubernetes will read, not on the editing tree.
    let inventory = secrets::inventory(
        kube.iter()
            .zip(&sources)
            .filter_map(|(t, s)| t.as_ref().map(|t| (t, *s))),
        &policy.secrets.placeholders,
    );
    let mut emitted: Vec<Option<String>> = vec![None; docs.len()];

    let mut findings = report::Sink::new(&policy.enforce);
    for f in correct::policy_refusals(policy) {
        findings.push(f);
    }
    let mut output = String::with_capacity(text.len() + 1024);
    let mut matched = 0;
    let mut changed_any = false;
    // Documents are corrected independently: two threads share those with a tree.
    let mut corrected: Vec<(usize, Corrected)> = {
        let mut work: Vec<(usize, &mut Node)> = trees
            .iter_mut()
            .enumerate()
            .filter_map(|(i, t)| Some((i, t.as_mut()?)))
            .collect();
        let half = work.len() / 2;
        let (a, b) = work.split_at_mut(half);
        let run = |part: &mut [(usize, &mut Node)]| {
            part.iter_mut()
                .map(|(i, root)| {
                    let doc = &docs[*i];
                    let kube = kube[*i].as_ref();
                    (
                        *i,
                        correct_doc(doc, root, kube, sources[*i], policy, &inventory),
                    )
                })
                .collect::<Vec<_>>()
        };
        let parallel = work_is_large(&docs);
        let (mut mine, theirs) = both(parallel, || run(a), || run(b));
        mine.extend(theirs);
        mine
    };
    corrected.sort_by_key(|(i, _)| *i);
    let mut corrected = corrected.into_iter().peekable();
    for doc in &docs {
        let Some((_, c)) = corrected.next_if(|(i, _)| *i == doc.index) else {
            output.push_str(doc.raw);
            continue;
        };
        findings.absorb(c.findings);
        seen.extend(c.seen);
        matched += c.matched;
        match c.emitted {
            Some(text) => {
                output.push_str(&text);
                emitted[doc.index] = Some(text);
                changed_any = true;
            }
            None => output.push_str(doc.raw),
        }
    }
    if matched == 0 {
        // The error path: describe the workloads that were skipped unparsed too.
        for doc in skipped_workloads {
            let Ok(Some(root)) = yaml::parse(doc.parse_text()) else {
                continue;
            };
            let object = k8s::ObjectRef::of(&root, None);
            let mut root = root;
            let containers = k8s::pod_spec_mut(&mut root, &policy.target.kinds)
                .and_then(|spec| {
                    spec.get("containers").map(|c| {
                        c.items()
                            .iter()
                            .filter_map(|c| c.get_str("name"))
                            .map(str::to_string)
                            .collect::<Vec<_>>()
                    })
                })
                .unwrap_or_default();
            for c in containers {
                seen.push(format!("{} {} (container {c})", object.kind, object.name));
            }
        }
        let mut f = Finding::new(
            report::NO_TARGET,
            format!(
                "no container matched [target] workloads = {:?}, containers = {:?}",
                policy.target.workloads.patterns, policy.target.containers.patterns
            ),
        );
        f = f.help(if is_empty_stream(text) {
            EMPTY_INPUT_HELP.to_string()
        } else if seen.is_empty() {
            "the input has no workloads with containers; is this the rendered ClearML chart?"
                .to_string()
        } else {
            format!("workloads seen: {}", seen.join(", "))
        });
        findings.push(f);
    }
    if let Some(webserver) = &webserver {
        webserver.check(policy, &docs, &kube, &sources, &mut findings);
    }
    if policy.enforce.mode == Mode::Audit {
        output = text.to_string();
        changed_any = false;
        emitted.iter_mut().for_each(|e| *e = None);
    }
    if !findings.has_errors() {
        verify_all(&docs, &kube, &emitted, policy, &inventory, &mut findings);
    }
    if options.leak_parsed {
        std::mem::forget((trees, kube));
    }
    let mut findings = findings.into_findings();
    hide_stored_secrets(&mut findings, &inventory);
    Ok(Outcome {
        output,
        findings,
        changed: changed_any,
    })
}

use yaml::Node;

/// Proves, for every document that holds a targeted container or was changed, that what
/// Kubernetes will read is the policy and nothing else changed (see [`verify`]). A failure
/// is an error finding, so nothing is written.
fn verify_all(
    docs: &[stream::Document],
    kube: &[Option<serde_json::Value>],
    emitted: &[Option<String>],
    policy: &Policy,
    inventory: &secrets::Inventory,
    findings: &mut report::Sink,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Documents are proved independently: two threads share them, as in `parse_all`.
    let next = AtomicUsize::new(0);
    let work = || {
        let mut found: Vec<(usize, Vec<Finding>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(doc) = docs.get(i) else {
                return found;
            };
            if let Some(before) = &kube[i] {
                let f = verify_doc(doc, before, emitted[i].as_deref(), policy, inventory);
                if !f.is_empty() {
                    found.push((i, f));
                }
            }
        }
    };
    let (mut found, theirs) = both(work_is_large(docs), work, work);
    found.extend(theirs);
    found.sort_by_key(|(i, _)| *i);
    for f in found.into_iter().flat_map(|(_, f)| f) {
        findings.push(f);
    }
}

/// What an empty input usually means: Helm 3's `helm template --output-dir` hands a
/// post-renderer an empty stream (and writes the files unprocessed), measured with Helm 3.17.
const EMPTY_INPUT_HELP: &str = "the input is empty. Under `helm template --output-dir`, Helm 3 writes the templates to that \
     directory uncorrected and gives the post-renderer an empty stream: render to stdout instead (`helm template … --post-renderer clearml-sso > rendered.yaml`), \
     or pipe `helm template` without --output-dir into `clearml-sso check`";

/// Whether a stream holds no document: only blank lines, comments and `---`/`...` markers.
fn is_empty_stream(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// The proof for one document (see [`verify`]): its findings, empty when it holds.
fn verify_doc(
    doc: &stream::Document,
    before: &serde_json::Value,
    after_text: Option<&str>,
    policy: &Policy,
    inventory: &secrets::Inventory,
) -> Vec<Finding> {
    let fail = |problem: &str| vec![unverified(doc, before, problem.to_string(), None)];
    let read_back;
    let after = match after_text {
        None if verify::targets(before, policy).is_empty() => return Vec::new(),
        None => before,
        // Readers disagree on where lines end there, and the tool keeps leading and trailing
        // comment lines verbatim: a "comment" could hold content twice.
        Some(_) if odd_line_break(doc).is_some() => {
            return fail(
                "the document would be rewritten, and it holds a line break other than \\n",
            )
        }
        // Read back as Kubernetes does, with no key written twice: the tool's own parser must
        // read it too (a second render changes nothing).
        Some(t) => match k8s_yaml::read_own_output(t.trim_start_matches('\u{feff}')) {
            Ok(Some(v)) => {
                read_back = v;
                &read_back
            }
            Ok(None) | Err(_) => return fail("the corrected document cannot be read back"),
        },
    };
    verify::problems(before, after, policy, inventory)
        .into_iter()
        .map(|p| {
            let help = p.help.map(|h| format!("nothing was written. {h}"));
            unverified(doc, before, p.message, help)
        })
        .collect()
}

/// A finding quotes the value of an option the catalogue calls public (a `base_url`, a claim);
/// a chart may still have put a credential there — the value a Secret in the stream holds,
/// pasted into the wrong variable. Such a value, wherever a message or help quotes it whole
/// (between backquotes or quotes, also inside a HOCON list), is not shown.
fn hide_stored_secrets(findings: &mut [Finding], inventory: &secrets::Inventory) {
    let mut values: Vec<&str> = inventory
        .sources
        .iter()
        .filter(|s| s.kind.is_secret())
        .flat_map(|s| s.values.iter().map(|(_, v)| v.text_for_judging().trim()))
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return;
    }
    // Longest first: a value inside a longer one is replaced with it.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    let quote = |c: Option<char>| matches!(c, Some('`' | '\'' | '"'));
    let hide = |text: &mut String| {
        for v in &values {
            let mut from = 0;
            while let Some(i) = text[from..].find(v).map(|i| i + from) {
                let end = i + v.len();
                if quote(text[..i].chars().next_back()) && quote(text[end..].chars().next()) {
                    const HIDDEN: &str = "(not shown: a value a Secret in the stream holds)";
                    text.replace_range(i..end, HIDDEN);
                    from = i + HIDDEN.len();
                } else {
                    from = end;
                }
            }
        }
    };
    for f in findings {
        hide(&mut f.message);
        if let Some(help) = &mut f.help {
            hide(help);
        }
    }
}

/// The stream line of the first line break other than `\n`/`\r\n` in a document (a lone
/// carriage return, U+0085, U+2028, U+2029): Kubernetes' reader ends a line there.
fn odd_line_break(doc: &stream::Document) -> Option<usize> {
    let text = doc.raw;
    text.char_indices()
        .find(|&(i, c)| {
            matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
                || c == '\r' && text.as_bytes().get(i + 1) != Some(&b'\n')
        })
        .map(|(i, _)| doc.start_line + text[..i].matches('\n').count())
}

/// An `unverified-output` error; `help` is the proof's own advice for the problem, else it is
/// the line-break or YAML advice (what makes a proof fail that the rules did not foresee).
fn unverified(
    doc: &stream::Document,
    object: &serde_json::Value,
    problem: String,
    help: Option<String>,
) -> Finding {
    let object = k8s::ObjectRef::of_json(object, k8s::source_comment(doc.raw));
    let help = match odd_line_break(doc) {
        _ if help.is_some() => help.unwrap_or_default(),
        Some(line) => format!("nothing was written. Line {line} holds a line break other than \\n (a lone carriage return, U+0085, U+2028 or U+2029): Kubernetes' YAML reader starts a new line there, so text that looks like a comment is read as content. Remove it from the chart"),
        None => "nothing was written. The document relies on YAML that hides values from the tool or that readers disagree on (anchors and aliases, `<<` merge keys): write the apiserver workload out plainly in the chart".to_string(),
    };
    Finding::new(report::UNVERIFIED_OUTPUT, problem)
        .help(help)
        .at(Location {
            document: doc.index,
            line: doc.start_line,
            object,
            container: None,
            variable: None,
        })
}

/// Reads, as Kubernetes does, the ConfigMaps a document the tool may edit refers to (by
/// `configMapKeyRef`, `configMapRef`, and — when the policy sets a mounted IdP metadata file — a
/// `configMap` volume or projection) or the policy reads from; the others were only validated.
/// (With `[secrets] check = "all"` every ConfigMap was read already.)
fn read_referenced_configmaps(
    docs: &[stream::Document],
    needs: &[Need],
    kube: &mut [Option<serde_json::Value>],
    policy: &Policy,
) -> Result<(), InputError> {
    // Volumes matter always: ClearML reads `*.conf` files from its config directory
    // (`correct::config_files`), and a SAML policy's IdP metadata file is mounted.
    let volumes = true;
    fn collect<'a>(v: &'a serde_json::Value, volumes: bool, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    let refers = matches!(k.as_str(), "configMapKeyRef" | "configMapRef")
                        || volumes && k == "configMap";
                    if refers {
                        if let Some(n) = v.get("name").and_then(serde_json::Value::as_str) {
                            out.push(n);
                        }
                    }
                    collect(v, volumes, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, volumes, out)),
            _ => {}
        }
    }
    let mut names: Vec<&str> = policy
        .desired
        .iter()
        .filter_map(|d| match &d.value {
            policy::Value::ConfigMap { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    for (v, need) in kube.iter().zip(needs) {
        if let (Some(v), Need::Edit) = (v, need) {
            collect(v, volumes, &mut names);
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = names.into_iter().map(str::to_string).collect();
    let wanted: Vec<usize> = (0..docs.len())
        .filter(|&i| kube[i].is_none() && needs[i] == Need::Validate)
        .filter(|&i| match docs[i].quick_identity() {
            Some(("ConfigMap", Some(name))) => names.iter().any(|n| n == name),
            Some(("ConfigMap", None)) => true,
            _ => false,
        })
        .collect();
    // Two threads, as in `parse_all`: a chart's ConfigMaps can be large.
    let (a, b) = wanted.split_at(wanted.len() / 2);
    let read = |part: &[usize]| {
        part.iter()
            .map(|&i| Ok((i, read_doc(&docs[i], false)?.map(|(_, v)| v))))
            .collect::<Result<Vec<_>, InputError>>()
    };
    let (mine, theirs) = both(wanted.len() > 1, || read(a), || read(b));
    for (i, v) in mine?.into_iter().chain(theirs?) {
        kube[i] = v;
    }
    Ok(())
}

/// How much of a document the tool must read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Only check it is well-formed, and pass it through (most of a stream: Services, other
    /// workloads, …).
    Validate,
    /// Read it as Kubernetes does: it may provide a Secret or ConfigMap (see
    /// [`secrets::SOURCE_KINDS`]). It is never edited, so it needs no editing tree.
    Read,
    /// Both: it may hold a target container (or is a `List`, or could not be identified
    /// cheaply).
    Edit,
}

/// What a document needs, from its cheap identity ([`stream::Document::quick_identity`],
/// which is what Kubernetes reads or nothing). Also returns whether it is a workload (for the
/// `no-target` message).
fn need_of(
    doc: &stream::Document,
    policy: &Policy,
    webserver: Option<&surface::Webserver>,
) -> (Need, bool) {
    let Some((kind, name)) = doc.quick_identity() else {
        return (Need::Edit, false);
    };
    let is_workload = policy.target.kinds.iter().any(|k| k == kind);
    let need = if is_workload {
        match name {
            // A webserver to check is read, never edited.
            Some(n) if webserver.is_some_and(|w| w.selects(policy, kind, n)) => {
                if policy.target.selects_workload(kind, n) {
                    Need::Edit
                } else {
                    Need::Read
                }
            }
            Some(n) if !policy.target.selects_workload(kind, n) => Need::Validate,
            _ => Need::Edit,
        }
    } else if kind == "ConfigMap" && policy.secrets.check != policy::CheckScope::All {
        // Most ConfigMaps are the chart's own config: read only those a target refers to
        // (see `read_referenced_configmaps`), after the targets are parsed.
        Need::Validate
    } else if secrets::SOURCE_KINDS.contains(&kind) {
        Need::Read
    } else if k8s::is_list_kind(kind) {
        Need::Edit
    } else {
        Need::Validate
    };
    (need, is_workload)
}

fn input_error(doc: &stream::Document, e: yaml::ParseError) -> InputError {
    InputError {
        line: doc.start_line + e.line.saturating_sub(1),
        column: e.column,
        document: Some(doc.number()),
        message: format!("not valid YAML: {}", e.message),
    }
}

/// Parses the documents that need a tree and validates the others, on two threads that take
/// documents from one shared counter: parsing is most of the cost and a stream's documents are
/// independent. The first error in stream order among those found wins.
/// Runs `a` and `b`, on two threads when `parallel` (the machine this runs on has two cores;
/// for a small input, starting a thread costs more than it saves). A panic in either is
/// propagated, never swallowed.
fn both<A: Send, B: Send>(
    parallel: bool,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if !parallel {
        let first = a();
        return (first, b());
    }
    std::thread::scope(|scope| {
        let helper = scope.spawn(b);
        let first = a();
        match helper.join() {
            Ok(second) => (first, second),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Whether a stream is large enough for a second thread to pay off.
fn work_is_large(docs: &[stream::Document]) -> bool {
    docs.len() >= 64
}

/// What correcting one document gave.
struct Corrected {
    /// Its findings, already judged.
    findings: report::Sink,
    /// Containers of workloads that were not targeted (for the `no-target` message).
    seen: Vec<String>,
    /// How many containers were targeted.
    matched: usize,
    /// The rewritten document, when anything changed.
    emitted: Option<String>,
}

/// Corrects every targeted container of one document's tree.
fn correct_doc(
    doc: &stream::Document,
    root: &mut Node,
    kube: Option<&serde_json::Value>,
    source: Option<&str>,
    policy: &Policy,
    inventory: &secrets::Inventory,
) -> Corrected {
    let mut out = Corrected {
        findings: report::Sink::new(&policy.enforce),
        seen: Vec::new(),
        matched: 0,
        emitted: None,
    };
    let mut changed = false;
    // The tree as parsed, when anything in it may be corrected: the output keeps the text of
    // every node the correction leaves alone.
    let before = k8s::objects(root)
        .into_iter()
        .any(|o| {
            let o = k8s::ObjectRef::of(o, source);
            policy.target.selects_workload(&o.kind, &o.name)
        })
        .then(|| root.clone());
    // The same objects as Kubernetes reads them, for what the tool only reads (volumes): an
    // alias or `<<` merge there is resolved, as it is for Kubernetes.
    let objects = k8s::objects_mut(root);
    let kube_objects = kube
        .map(k8s::json_objects)
        .filter(|o| o.len() == objects.len());
    for (index, object) in objects.into_iter().enumerate() {
        let object_ref = k8s::ObjectRef::of(object, source);
        let targeted = policy
            .target
            .selects_workload(&object_ref.kind, &object_ref.name);
        let Some(spec) = k8s::pod_spec_mut(object, &policy.target.kinds) else {
            continue;
        };
        let kube_spec = kube_objects.as_ref().and_then(|o| {
            k8s::pod_spec_path(&object_ref.kind)?
                .iter()
                .try_fold(o[index], |v, step| v.get(step))
        });
        let volumes: Vec<serde_json::Value> = match kube_spec {
            Some(spec) => spec
                .get("volumes")
                .and_then(serde_json::Value::as_array)
                .cloned()
                .unwrap_or_default(),
            None => spec
                .get("volumes")
                .map(|v| v.items().iter().map(k8s::to_json).collect())
                .unwrap_or_default(),
        };
        let Some(Node::Seq {
            items: containers, ..
        }) = spec.get_mut("containers")
        else {
            continue;
        };
        for container in containers.iter_mut() {
            let name = container.get_str("name").unwrap_or_default().to_string();
            if !(targeted && policy.target.selects_container(&name)) {
                out.seen.push(format!(
                    "{} {} (container {name})",
                    object_ref.kind, object_ref.name
                ));
                continue;
            }
            out.matched += 1;
            let ctx = correct::Context {
                policy,
                inventory,
                location: Location {
                    document: doc.index,
                    line: doc.start_line,
                    object: object_ref.clone(),
                    container: Some(name),
                    variable: None,
                },
                volumes: volumes.clone(),
            };
            changed |= correct::container(container, &ctx, &mut out.findings);
            let tenant_login = policy
                .sso
                .switches
                .iter()
                .any(|(o, on)| o.name == "tenant_login" && *on);
            surface::container(container, &ctx.location, tenant_login, &mut out.findings);
        }
    }
    if changed {
        let layout = yaml::Layout::detect(doc.raw);
        let text = doc.parse_text();
        let spliced = before.and_then(|before| yaml::splice(text, &before, root, layout));
        out.emitted = Some(match spliced {
            // The byte-order mark `parse_text` left out.
            Some(spliced) => format!("{}{spliced}", &doc.raw[..doc.raw.len() - text.len()]),
            None => doc.with_body(&yaml::emit(root, layout)),
        });
    }
    out
}

/// What `parse_all` gives: editing trees, Kubernetes' reading, and each document's need
/// (with whether it is a workload).
type Parsed = (
    Vec<Option<Node>>,
    Vec<Option<serde_json::Value>>,
    Vec<(Need, bool)>,
);

/// Reads one document as Kubernetes does, and with `edit` also into the editing tree.
fn read_doc(
    doc: &stream::Document,
    edit: bool,
) -> Result<Option<(Option<Node>, serde_json::Value)>, InputError> {
    let tree = if edit {
        match yaml::parse(doc.parse_text()).map_err(|e| input_error(doc, e))? {
            Some(tree) => Some(tree),
            None => return Ok(None),
        }
    } else {
        None
    };
    match k8s_yaml::read(doc.parse_text()) {
        Ok(Some(kube)) => Ok(Some((tree, kube))),
        Ok(None) => Ok(None),
        Err(e) => Err(InputError {
            line: doc.start_line + e.line.saturating_sub(1),
            column: e.column,
            document: Some(doc.number()),
            message: format!(
                "Kubernetes' YAML reader would not read this document: {}",
                e.message
            ),
        }),
    }
}

fn parse_all(
    docs: &[stream::Document],
    need_of: impl Fn(&stream::Document) -> (Need, bool) + Sync,
) -> Result<Parsed, InputError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let work = || {
        let mut trees: Vec<(usize, (Option<Node>, serde_json::Value))> = Vec::new();
        let mut needs: Vec<(usize, (Need, bool))> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(doc) = docs.get(i) else {
                return Ok((trees, needs));
            };
            let (need, workload) = need_of(doc);
            needs.push((i, (need, workload)));
            let result = match need {
                Need::Validate => yaml::validate(doc.parse_text()).map_err(|e| input_error(doc, e)),
                need => read_doc(doc, need == Need::Edit).map(|t| trees.extend(t.map(|t| (i, t)))),
            };
            if let Err(e) = result {
                next.store(docs.len(), Ordering::Relaxed); // stop both threads
                return Err(e);
            }
        }
    };
    let (mine, theirs) = both(work_is_large(docs), work, work);
    let mut out: Vec<Option<Node>> = Vec::new();
    out.resize_with(docs.len(), || None);
    let mut kube: Vec<Option<serde_json::Value>> = vec![None; docs.len()];
    let mut needs = vec![(Need::Validate, false); docs.len()];
    match (mine, theirs) {
        (Ok((a, na)), Ok((b, nb))) => {
            for (i, (tree, read)) in a.into_iter().chain(b) {
                out[i] = tree;
                kube[i] = Some(read);
            }
            for (i, n) in na.into_iter().chain(nb) {
                needs[i] = n;
            }
            Ok((out, kube, needs))
        }
        (Err(a), Err(b)) => Err(if b.line < a.line { b } else { a }),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}
