//! `clearml-sso`: makes the SSO settings of a ClearML apiserver match a policy, as a Helm
//! post-renderer or a CI check.
//!
//! One entry point, [`render`] ([`render_with`] for options), is shared by the CLI, the tests
//! and the benchmarks. This file is the pipeline and nothing else; data flows one way: the
//! stream is split into documents ([`kube::stream`]), each is read as Kubernetes reads it
//! ([`kube::read`]) and, where the tool may edit, parsed into an editing tree ([`yaml`]); the
//! Secrets and ConfigMaps are inventoried ([`kube::sources`]); every target container is
//! corrected ([`correct`]); the result is proved ([`verify`]); what the findings may print is
//! decided by [`redact`]; and the documents are joined back — untouched ones byte for byte.
//! The command line around it (arguments, exit codes, Helm's stderr) is the binary's.

#![warn(missing_docs)]
// Only the libyaml binding (`kube::libyaml`) may use `unsafe`: it allows it in its own first
// line.
#![deny(unsafe_code)]

pub mod catalogue;
pub mod clearml;
pub mod correct;
pub mod diff;
pub mod explain;
pub mod kube;
pub mod merge;
mod parallel;
mod paths;
pub mod policy;
pub mod probe;
pub mod pyhocon;
pub mod redact;
pub mod report;
pub mod surface;
pub mod verify;
pub mod yaml;

// The paths these modules had before they moved into their rooms, which the integration
// tests and the fuzz targets name: the same modules, not copies.
pub use kube::objects as k8s;
pub use kube::read as k8s_yaml;
pub use kube::stream;
/// How ClearML reads a variable ([`clearml::names`], [`clearml::values`], [`clearml::judge`])
/// under the one path the tests and fuzz targets name.
pub mod clearml_env {
    pub use crate::clearml::judge::*;
    pub use crate::clearml::names::*;
    pub use crate::clearml::values::*;
}

use kube::{objects, read, sources};
use policy::{Mode, Policy};
use report::{Finding, Severity};
use std::fmt;

/// The result of a render: the output stream and what was found on the way.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The manifests to write (only when there is no error-level finding). Empty when the
    /// render was asked for the output by document ([`RenderOptions::output_by_document`]):
    /// [`Outcome::write_output`] and [`Outcome::output_text`] give it then.
    pub output: String,
    /// Every finding, in stream order.
    pub findings: Vec<Finding>,
    /// Whether any document was changed ([`Outcome::changed_documents`] is not 0).
    pub changed: bool,
    /// With [`RenderOptions::output_by_document`]: the text written in place of each document
    /// that was rewritten, with the byte range of the input it replaces, in stream order;
    /// every other byte of the output is the input's.
    by_document: Option<Vec<(std::ops::Range<usize>, String)>>,
}

/// How [`render_with`] runs; the default is what [`render`] does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions<'a> {
    /// Never free Kubernetes' reading of each document, leaking them. Only for a process that
    /// exits right after the render, as the CLI does: on a large stream they are many small
    /// allocations, and freeing them one by one measurably delays an exit that would release
    /// them all at once anyway. (Each editing tree is freed once its document is corrected:
    /// its memory serves the documents after it, which keeps the peak down.)
    pub leak_parsed: bool,
    /// What probably made the input empty, for the `no-target` finding's help when the stream
    /// holds no document (`the input is empty: <this>`). Only the caller knows where the
    /// input came from (a pipe whose writer failed, Helm's `--output-dir`, an empty file); the
    /// help says only that the input is empty without it.
    pub empty_input_help: Option<&'a str>,
    /// Keep the output as the input and the text of each rewritten document, not as one
    /// string ([`Outcome::output`] stays empty): a large stream's output is then not a second
    /// copy of the input in memory. For a caller that writes it once
    /// ([`Outcome::write_output`]), as the CLI does.
    pub output_by_document: bool,
}

impl Outcome {
    /// How many documents of `input` (what was rendered) the output changes.
    pub fn changed_documents(&self, input: &str) -> usize {
        stream::changed_documents(input, &self.output_text(input))
    }

    /// The output of a render of `input` as one string: [`Outcome::output`], or, for a render
    /// by document ([`RenderOptions::output_by_document`]), the input with each rewritten
    /// document's text in its place.
    pub fn output_text<'s>(&'s self, input: &'s str) -> std::borrow::Cow<'s, str> {
        let Some(parts) = &self.by_document else {
            return std::borrow::Cow::Borrowed(&self.output);
        };
        let mut out = String::with_capacity(input.len());
        let mut at = 0;
        for (range, text) in parts {
            out.push_str(&input[at..range.start]);
            out.push_str(text);
            at = range.end;
        }
        out.push_str(&input[at..]);
        std::borrow::Cow::Owned(out)
    }

    /// Writes the output of a render of `input` to `out`: what [`Outcome::output_text`] gives,
    /// without joining it first.
    pub fn write_output(&self, input: &[u8], out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let Some(parts) = &self.by_document else {
            return out.write_all(self.output.as_bytes());
        };
        let mut at = 0;
        for (range, text) in parts {
            out.write_all(&input[at..range.start])?;
            out.write_all(text.as_bytes())?;
            at = range.end;
        }
        out.write_all(&input[at..])
    }

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
    options: RenderOptions<'_>,
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
    let Parsed {
        trees,
        mut kube,
        needs,
        rewritten,
        identities,
        deferred,
    } = parse_all(&docs, policy, |id| need_of(id, policy, webserver.as_ref()))?;
    // The documents the correction and the proof see: a document the editing parser could not
    // read is there in its canonical form (see `kube::canonical`).
    let edit_docs: Vec<stream::Document> = docs
        .iter()
        .zip(&rewritten)
        .map(|(d, r)| {
            r.as_ref()
                .map_or_else(|| d.clone(), |r| d.rewritten(&r.raw))
        })
        .collect();
    let skipped_workloads: Vec<&stream::Document> = docs
        .iter()
        .zip(&needs)
        .filter(|(_, (need, workload))| *workload && *need != Need::Edit)
        .map(|(doc, _)| doc)
        .collect();
    let needs: Vec<Need> = needs.into_iter().map(|(need, _)| need).collect();
    read_referenced_configmaps(&docs, &needs, &identities, &deferred, &mut kube, policy)?;
    let sources: Vec<Option<&str>> = docs
        .iter()
        .map(|d| objects::source_comment(d.raw))
        .collect();
    // The gate decides on what Kubernetes will read, not on the editing tree.
    let inventory = sources::inventory(
        kube.iter()
            .zip(&sources)
            .filter_map(|(t, s)| t.as_ref().map(|t| (t, *s))),
        &policy.secrets.placeholders,
    );
    let mut emitted: Vec<Option<String>> = vec![None; docs.len()];
    let audit = policy.enforce.mode == Mode::Audit;
    // The service-link variables of a namespace, the same for each of its containers, once.
    let services = kube::env::ServiceLinks::default();
    // Each document's proof (`verify::prove`), kept for when no finding refuses the render.
    let prove =
        |i: usize, before: &serde_json::Value, after: Option<(&str, Option<&verify::ReadBack>)>| {
            let (text, read_back) = after.filter(|_| !audit).unzip();
            let f = verify::prove(
                &edit_docs[i],
                before,
                text,
                read_back.flatten(),
                policy,
                &inventory,
                &services,
            );
            (!f.is_empty()).then_some((i, f))
        };

    let mut findings = report::Sink::new(&policy.enforce);
    for f in policy::policy_refusals(policy) {
        findings.push(f);
    }
    let mut matched = 0;
    let mut changed_any = false;
    // The documents read as Kubernetes reads them that have no tree: proved after the others.
    let untouched: Vec<usize> = (0..docs.len())
        .filter(|&i| kube[i].is_some() && trees[i].is_none())
        .collect();
    // Documents are corrected independently: two threads share those with a tree. Each is
    // proved as soon as it is corrected, and then its read-back and its tree are dropped:
    // held for the whole stream, they were most of the peak memory, and freed here their
    // memory serves the documents after it. (Kubernetes' readings are kept to the end.)
    let mut corrected: Vec<(usize, correct::Corrected, Option<Proved>)> = {
        let mut mine: Vec<(usize, Node)> = trees
            .into_iter()
            .enumerate()
            .filter_map(|(i, t)| Some((i, t?)))
            .collect();
        let theirs = mine.split_off(mine.len() / 2);
        let run = |part: Vec<(usize, Node)>| {
            part.into_iter()
                .map(|(i, mut root)| {
                    let doc = &edit_docs[i];
                    let kube = kube[i].as_ref();
                    let mut c =
                        correct::document(doc, &mut root, kube, sources[i], policy, &inventory);
                    drop(root);
                    let read_back = c.read_back.take();
                    let after = c.emitted.as_deref().map(|t| (t, read_back.as_ref()));
                    let proved = kube.and_then(|before| prove(i, before, after));
                    (i, c, proved)
                })
                .collect::<Vec<_>>()
        };
        let parallel = work_is_large(&docs);
        let (mut mine, theirs) = both(parallel, || run(mine), || run(theirs));
        mine.extend(theirs);
        mine
    };
    corrected.sort_by_key(|(i, _, _)| *i);
    let mut proofs: Vec<Proved> = Vec::new();
    let mut corrected = corrected.into_iter().peekable();
    for doc in &docs {
        let Some((_, c, proved)) = corrected.next_if(|(i, _, _)| *i == doc.index) else {
            continue;
        };
        proofs.extend(proved);
        findings.absorb(c.findings);
        seen.extend(c.seen);
        matched += c.matched;
        if let Some(text) = c.emitted {
            if let Some(r) = &rewritten[doc.index] {
                findings.push(canonical_note(
                    doc,
                    r,
                    kube[doc.index].as_ref(),
                    sources[doc.index],
                ));
            }
            emitted[doc.index] = Some(text);
            changed_any = true;
        }
    }
    if matched == 0 {
        // The error path: describe the workloads that were skipped unparsed too.
        for doc in skipped_workloads {
            let Ok(Some(read)) = read::read(doc.parse_text()) else {
                continue;
            };
            for c in kube::workload::containers(&read) {
                if policy.target.kinds.iter().any(|k| k == c.kind) {
                    seen.push(format!("{} {} (container {})", c.kind, c.workload, c.name));
                }
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
            match options.empty_input_help {
                Some(why) => format!("the input is empty: {why}"),
                None => "the input is empty: it holds no document".to_string(),
            }
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
    if audit {
        changed_any = false;
        emitted.iter_mut().for_each(|e| *e = None);
    }
    if !findings.has_errors() {
        // The `untouched` documents are proved too (none was changed), on as many workers as
        // `parse_all` has.
        let done = parallel::map_each(work_is_large(&docs), &untouched, |i| {
            kube[i].as_ref().and_then(|before| prove(i, before, None))
        });
        proofs.extend(done.into_iter().filter_map(|(_, p)| p));
        proofs.sort_by_key(|(i, _)| *i);
        for f in proofs.into_iter().flat_map(|(_, f)| f) {
            findings.push(f);
        }
    }
    if options.leak_parsed {
        std::mem::forget(kube);
    }
    let changed = changed_any && changed_documents(&docs, &emitted, text) > 0;
    let mut findings = findings.into_findings();
    redact::hide_stored_secrets(&mut findings, &inventory);
    let (output, by_document) = if options.output_by_document {
        let mut end = 0;
        let parts = docs
            .iter()
            .zip(emitted)
            .filter_map(|(doc, e)| {
                let start = end;
                end += doc.raw.len();
                Some((start..end, e?))
            })
            .collect();
        (String::new(), Some(parts))
    } else {
        (joined(&docs, &emitted), None)
    };
    Ok(Outcome {
        changed,
        output,
        findings,
        by_document,
    })
}

/// The output: each document's emitted text, or its own. Concatenating every document's
/// `raw` gives back the input ([`stream::split`]).
fn joined(docs: &[stream::Document], emitted: &[Option<String>]) -> String {
    let pieces = || {
        docs.iter()
            .zip(emitted)
            .map(|(d, e)| e.as_deref().unwrap_or(d.raw))
    };
    let mut out = String::with_capacity(pieces().map(str::len).sum());
    pieces().for_each(|p| out.push_str(p));
    out
}

/// How many documents the output changes ([`stream::changed_documents`]), from what was
/// written in place of each: an emitted text that differs from its document's. The output is
/// cut where the input was as long as each emitted text is one document ([`stream::split`]
/// finds no separator inside it) and ends its last line (so the next document's separator
/// still starts a line); only where one does not is the whole output joined and split again.
fn changed_documents(docs: &[stream::Document], emitted: &[Option<String>], input: &str) -> usize {
    let last = docs.len().saturating_sub(1);
    let same_cuts = emitted.iter().enumerate().all(|(i, e)| {
        e.as_deref().is_none_or(|e| {
            !e.is_empty() && (i == last || e.ends_with('\n')) && stream::split(e).len() == 1
        })
    });
    if !same_cuts {
        return stream::changed_documents(input, &joined(docs, emitted));
    }
    docs.iter()
        .zip(emitted)
        .filter(|(d, e)| e.as_deref().is_some_and(|e| e != d.raw))
        .count()
}

use parallel::{both, each_worker, work_is_large};
use yaml::Node;

/// A document's proof that found something: its index and the findings.
type Proved = (usize, Vec<Finding>);

/// Whether a stream holds no document: only blank lines, comments and `---`/`...` markers.
fn is_empty_stream(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// Reads, as Kubernetes does, the ConfigMaps a document the tool may edit refers to (by
/// `configMapKeyRef`, `configMapRef`, and — when the policy sets a mounted IdP metadata file — a
/// `configMap` volume or projection) or the policy reads from, and validates the others: the
/// ConfigMaps `parse_all` left for later (`deferred`), so that each is parsed once. (With
/// `[secrets] check = "all"` every ConfigMap was read already.)
///
/// The error is the one `parse_all` would have given had it validated them in its pass, and
/// then this reading: the first in stream order of a ConfigMap the editing parser refuses
/// (Kubernetes' reader decides, as in `parse_all`); else the first a referenced ConfigMap's
/// reading gives.
fn read_referenced_configmaps(
    docs: &[stream::Document],
    needs: &[Need],
    identities: &[Identity<'_>],
    deferred: &[usize],
    kube: &mut [Option<serde_json::Value>],
    policy: &Policy,
) -> Result<(), InputError> {
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
            // Volumes too: ClearML reads `*.conf` files from its config directory, and a SAML
            // policy's IdP metadata file is mounted.
            names.extend(objects::configmaps_named(v));
        }
    }
    let wanted = |i: usize| {
        !names.is_empty()
            && match identities[i] {
                Some(("ConfigMap", Some(name))) => names.contains(&name),
                Some(("ConfigMap", None)) => true,
                _ => false,
            }
    };
    // One deferred ConfigMap: its reading (`None` when only checked), or why Kubernetes
    // refuses it — the error `parse_all` would have given, as `validate` and the reading
    // refuse the same texts.
    let one = |i: usize| -> Result<Option<serde_json::Value>, InputError> {
        let doc = &docs[i];
        if !wanted(i) {
            return validate(doc).map(|()| None);
        }
        read_doc(doc, None).map(|read| read.map(|(_, v, _)| v))
    };
    // In stream order: the first refusal is the one `parse_all` would have met first.
    for (i, d) in parallel::map_each(work_is_large(docs), deferred, one) {
        kube[i] = d?;
    }
    Ok(())
}

/// A document's `kind` and `metadata.name` as [`stream::Document::quick_identity`] reads them,
/// once per document.
type Identity<'a> = Option<(&'a str, Option<&'a str>)>;

/// Whether `parse_all` leaves a document for [`read_referenced_configmaps`]: a ConfigMap it
/// would only validate, which is read instead if a target refers to it.
fn deferred(need: Need, id: Identity<'_>) -> bool {
    need == Need::Validate && matches!(id, Some(("ConfigMap", _)))
}

/// Checks that Kubernetes reads a document the tool passes through, as [`read::readable`]
/// decides (one cheap pass for plain block YAML, Kubernetes' reader for the rest): the
/// tool's own parser accepts texts Kubernetes refuses (`\/` in a double-quoted scalar,
/// `.inf`, a null key, a tab after `-`) or cuts short (`...`), and those must not pass as
/// readable (tests/fixtures/attack-found/session5).
fn validate(doc: &stream::Document) -> Result<(), InputError> {
    read::readable(doc.parse_text()).map_err(|e| kube_error(doc, e))
}

/// How much of a document the tool must read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Only check it is well-formed, and pass it through (most of a stream: Services, other
    /// workloads, …).
    Validate,
    /// Read it as Kubernetes does: it may provide a Secret or ConfigMap (see
    /// [`sources::SOURCE_KINDS`]). It is never edited, so it needs no editing tree.
    Read,
    /// Both: it may hold a target container (or is a `List`, or could not be identified
    /// cheaply).
    Edit,
}

/// What a document needs, from its cheap identity ([`stream::Document::quick_identity`],
/// which is what Kubernetes reads or nothing). Also returns whether it is a workload (for the
/// `no-target` message).
fn need_of(
    id: Identity<'_>,
    policy: &Policy,
    webserver: Option<&surface::Webserver>,
) -> (Need, bool) {
    let Some((kind, name)) = id else {
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
    } else if sources::SOURCE_KINDS.contains(&kind) {
        Need::Read
    } else if objects::is_list_kind(kind) {
        Need::Edit
    } else {
        Need::Validate
    };
    (need, is_workload)
}

/// What `parse_all` gives, per document.
struct Parsed<'a> {
    /// The editing tree.
    trees: Vec<Option<Node>>,
    /// Kubernetes' reading.
    kube: Vec<Option<serde_json::Value>>,
    /// The need, with whether it is a workload.
    needs: Vec<(Need, bool)>,
    /// The canonical form of a document the editing parser could not read (the editing tree
    /// is then of that form).
    rewritten: Vec<Option<Rewritten>>,
    /// Its quick identity.
    identities: Vec<Identity<'a>>,
    /// The ConfigMaps left for [`read_referenced_configmaps`] (indices, in stream order).
    deferred: Vec<usize>,
}

/// A document Kubernetes reads and the editing parser does not, in its canonical form.
#[derive(Debug, Clone)]
struct Rewritten {
    /// The canonical text ([`kube::canonical::rewrite`]).
    raw: String,
    /// Why the editing parser could not read the original (its message and line).
    why: String,
}

/// One document as `read_doc` read it.
type ReadDoc = (Option<Node>, serde_json::Value, Option<Rewritten>);

fn kube_error(doc: &stream::Document, e: read::ReadError) -> InputError {
    InputError {
        line: doc.start_line + e.line.saturating_sub(1),
        column: e.column,
        document: Some(doc.number()),
        message: format!(
            "Kubernetes' YAML reader would not read this document: {}",
            e.message
        ),
    }
}

/// Whether Kubernetes' reading of a document holds a container the policy targets.
fn holds_target(kube: &serde_json::Value, policy: &Policy) -> bool {
    kube::workload::containers(kube).iter().any(|c| {
        policy.target.selects_workload(c.kind, c.workload)
            && policy.target.selects_container(c.name)
    })
}

/// Reads one document as Kubernetes does, and with `edit` (the policy) also into the editing
/// tree. Only what Kubernetes cannot read is an error: a document the editing parser cannot
/// read is edited in its canonical form ([`kube::canonical`]), or, when it has none and holds
/// no targeted container, passed through without a tree.
fn read_doc(doc: &stream::Document, edit: Option<&Policy>) -> Result<Option<ReadDoc>, InputError> {
    let text = doc.parse_text();
    // The editing tree is built from the events of Kubernetes' reading where they are the
    // plain scanner's (nearly always), and else by the tool's parser: one scan of the text.
    // (Not past a byte-order mark, which the reading skips: its offsets would be shifted.)
    let (reading, events_tree) = if edit.is_some() && !text.starts_with('\u{feff}') {
        let mut build = yaml::FromEvents::new(text);
        let (reading, plain) = read::read_observed(text, &mut |event| {
            build.see(kube::plain::tree_event(event, text.as_bytes()))
        });
        (reading, plain.then(|| build.tree()).flatten())
    } else {
        (read::read(text), None)
    };
    let kube = match reading {
        Ok(Some(kube)) => kube,
        Ok(None) => return Ok(None),
        Err(e) => return Err(kube_error(doc, e)),
    };
    let parsed = edit.map(|_| match events_tree {
        Some(tree) => Ok(Some(tree)),
        None => yaml::parse(text),
    });
    let (tree, rewritten) = match (edit, parsed) {
        (Some(_), Some(Ok(Some(tree)))) => (Some(tree), None),
        (Some(policy), Some(parsed)) => {
            let why = match parsed {
                Err(e) => format!(
                    "line {}: {}",
                    doc.start_line + e.line.saturating_sub(1),
                    e.message
                ),
                Ok(_) => "it reads no content where Kubernetes reads some".to_string(),
            };
            match kube::canonical::rewrite(doc, &kube) {
                Ok(c) => (Some(c.tree), Some(Rewritten { raw: c.raw, why })),
                Err(e) if holds_target(&kube, policy) => {
                    return Err(InputError {
                        line: doc.start_line,
                        column: 0,
                        document: Some(doc.number()),
                        message: format!(
                            "Kubernetes reads this document, but the tool's YAML parser does not ({why}), and the tool cannot write it in a form both read the same: {e}"
                        ),
                    })
                }
                // Nothing in it is edited: it passes through as it is.
                Err(_) => (None, None),
            }
        }
        _ => (None, None),
    };
    Ok(Some((tree, kube, rewritten)))
}

/// The note for a document whose target container was corrected in its canonical form.
fn canonical_note(
    doc: &stream::Document,
    r: &Rewritten,
    kube: Option<&serde_json::Value>,
    source: Option<&str>,
) -> Finding {
    let object = kube.map_or_else(
        || objects::ObjectRef::of_json(&serde_json::Value::Null, source),
        |k| objects::ObjectRef::of_json(k, source),
    );
    Finding::new(
        report::CANONICAL_FORM,
        format!(
            "the document was rewritten in canonical form: Kubernetes reads it, but the tool's YAML parser does not ({})",
            r.why
        ),
    )
    .help("what Kubernetes reads of it is unchanged but for the correction (read back and compared); its comments, key order and quoting are not kept. Write the document in plain YAML in the chart to keep them")
    .at(report::Location {
        document: doc.index,
        line: doc.start_line,
        object,
        container: None,
        variable: None,
    })
}

/// Parses the documents that need a tree and validates the others (but the ConfigMaps left
/// for [`read_referenced_configmaps`]), on as many threads as there are cores that take
/// documents from one shared counter: parsing is most of the cost and a stream's documents
/// are independent. Each document's identity is read once, here. The first error in stream
/// order among those found wins (a ConfigMap left for later that comes before it is
/// validated first: it would have been found first). A document is refused only when
/// Kubernetes' reader refuses it: one the editing parser alone cannot read is passed through,
/// or edited in its canonical form ([`read_doc`]).
fn parse_all<'a>(
    docs: &[stream::Document<'a>],
    policy: &Policy,
    need_of: impl Fn(Identity<'a>) -> (Need, bool) + Sync,
) -> Result<Parsed<'a>, InputError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    /// What one worker did: the documents read, each document's identity and need, and the
    /// error it stopped at.
    type Work<'a> = (
        Vec<(usize, ReadDoc)>,
        Vec<(usize, Identity<'a>, (Need, bool))>,
        Option<InputError>,
    );
    let work = || -> Work<'a> {
        let mut trees: Vec<(usize, ReadDoc)> = Vec::new();
        let mut needs = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(doc) = docs.get(i) else {
                return (trees, needs, None);
            };
            let id = doc.quick_identity();
            let (need, workload) = need_of(id);
            needs.push((i, id, (need, workload)));
            let result = match need {
                _ if deferred(need, id) => Ok(()),
                Need::Validate => validate(doc),
                need => read_doc(doc, (need == Need::Edit).then_some(policy))
                    .map(|t| trees.extend(t.map(|t| (i, t)))),
            };
            if let Err(e) = result {
                next.store(docs.len(), Ordering::Relaxed); // stop every worker
                return (trees, needs, Some(e));
            }
        }
    };
    let done = each_worker(work_is_large(docs), work);
    let mut parsed = Parsed {
        trees: Vec::new(),
        kube: vec![None; docs.len()],
        needs: vec![(Need::Validate, false); docs.len()],
        rewritten: vec![None; docs.len()],
        identities: vec![None; docs.len()],
        deferred: Vec::new(),
    };
    parsed.trees.resize_with(docs.len(), || None);
    let mut error: Option<InputError> = None;
    for (read, needs, e) in done {
        for (i, (tree, kube, r)) in read {
            parsed.trees[i] = tree;
            parsed.kube[i] = Some(kube);
            parsed.rewritten[i] = r;
        }
        for (i, id, n) in needs {
            parsed.needs[i] = n;
            parsed.identities[i] = id;
        }
        if let Some(e) = e.filter(|e| error.as_ref().is_none_or(|first| e.line < first.line)) {
            error = Some(e);
        }
    }
    parsed.deferred = (0..docs.len())
        .filter(|&i| deferred(parsed.needs[i].0, parsed.identities[i]))
        .collect();
    if let Some(e) = error {
        let at = e.document.map_or(0, |n| n.saturating_sub(1));
        for &i in parsed.deferred.iter().take_while(|&&i| i < at) {
            validate(&docs[i])?;
        }
        return Err(e);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_changed_count_from_what_was_written_is_the_output_split_again() {
        let input = "\u{feff}a: 1\n---\nb: 2\n--- # c\nc: 3";
        let docs = stream::split(input);
        let cases: [[Option<&str>; 3]; 8] = [
            [None, None, None],
            [None, Some("---\nb: 3\n"), None],
            [
                Some("\u{feff}a: 2\n"),
                Some("---\nb: 2\n"),
                Some("--- # c\nc: 4"),
            ],
            // Without its last line break, or holding a separator: the cuts move.
            [None, Some("---\nb: 3"), None],
            [Some("\u{feff}a: 2"), None, None],
            [None, Some("---\nb: 3\n---\nd: 4\n"), None],
            [None, Some(""), None],
            [None, None, Some("--- # c\nc: 3\n---\n")],
        ];
        for case in cases {
            let emitted: Vec<Option<String>> = case.iter().map(|e| e.map(str::to_string)).collect();
            let output: String = docs
                .iter()
                .zip(&emitted)
                .map(|(d, e)| e.as_deref().unwrap_or(d.raw))
                .collect();
            assert_eq!(joined(&docs, &emitted), output);
            assert_eq!(
                changed_documents(&docs, &emitted, input),
                stream::changed_documents(input, &output),
                "{case:?}"
            );
        }
    }

    #[test]
    fn changed_is_the_count_of_changed_documents() {
        let policy = policy::parse(
            "version = 1\n[secrets]\nexternal = [\"s\"]\n[providers.google]\nclient_id = \"abc\"\nclient_secret = { secret = \"s\", key = \"k\" }\n",
            "p.toml",
        )
        .unwrap();
        let apiserver = "kind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n";
        let input = format!("{apiserver}---\nkind: Service\nmetadata:\n  name: s\n");
        let out = render(input.as_bytes(), &policy).unwrap();
        assert!(!out.has_errors(), "{:?}", out.findings);
        assert!(out.changed);
        assert_eq!(out.changed_documents(&input), 1);
        // Its output is what the policy wants: nothing to change, by either reading.
        let again = render(out.output.as_bytes(), &policy).unwrap();
        assert!(!again.changed);
        assert_eq!(again.changed_documents(&out.output), 0);
    }

    #[test]
    fn the_output_by_document_is_the_whole_output() {
        let policy = |mode: &str| {
            policy::parse(
                &format!("version = 1\n[enforce]\nmode = \"{mode}\"\n[secrets]\nexternal = [\"s\"]\n[providers.google]\nclient_id = \"abc\"\nclient_secret = {{ secret = \"s\", key = \"k\" }}\n"),
                "p.toml",
            )
            .unwrap()
        };
        let apiserver = |name: &str| {
            format!("kind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n")
        };
        let service = "kind: Service\nmetadata:\n  name: s\n";
        let input = format!(
            "\u{feff}{service}---\n{}---\n{service}--- # x\n{}---\n{service}",
            apiserver("clearml-apiserver"),
            apiserver("second-apiserver")
        );
        let by_document = RenderOptions {
            output_by_document: true,
            ..Default::default()
        };
        for mode in ["fix", "audit"] {
            let whole = render(input.as_bytes(), &policy(mode)).unwrap();
            let parts = render_with(input.as_bytes(), &policy(mode), by_document).unwrap();
            assert!(parts.output.is_empty());
            assert_eq!(parts.output_text(&input), whole.output);
            let mut written = Vec::new();
            parts.write_output(input.as_bytes(), &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), whole.output);
            assert_eq!(parts.changed, whole.changed);
            assert_eq!(
                parts.changed_documents(&input),
                whole.changed_documents(&input)
            );
            // Fixed, both targets change; audited, nothing does.
            let changed = if mode == "fix" { 2 } else { 0 };
            assert_eq!(whole.changed_documents(&input), changed, "{mode}");
            // A whole output is written as it is.
            let mut written = Vec::new();
            whole.write_output(input.as_bytes(), &mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), whole.output);
        }
    }

    #[test]
    fn a_configmap_left_for_later_is_still_refused_first_in_stream_order() {
        let policy = policy::parse(
            "version = 1\n[secrets]\nexternal = [\"s\"]\n[providers.google]\nclient_id = \"abc\"\nclient_secret = { secret = \"s\", key = \"k\" }\n",
            "p.toml",
        )
        .unwrap();
        let apiserver = "kind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      containers:\n      - name: clearml-apiserver\n";
        let broken_apiserver = "kind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec: [\n";
        // Neither reader takes it; nothing refers to it.
        let broken_configmap = "kind: ConfigMap\nmetadata:\n  name: c\ndata: [\n";
        let refused_at = |input: String| render(input.as_bytes(), &policy).unwrap_err().document;
        assert_eq!(
            refused_at(format!("{broken_configmap}---\n{broken_apiserver}")),
            Some(1)
        );
        assert_eq!(
            refused_at(format!("{broken_apiserver}---\n{broken_configmap}")),
            Some(1)
        );
        assert_eq!(
            refused_at(format!("{apiserver}---\n{broken_configmap}")),
            Some(2)
        );
        // Referred to, it is read as Kubernetes reads it: refused all the same.
        let referring = apiserver.replace(
            "      - name: clearml-apiserver\n",
            "      - name: clearml-apiserver\n        envFrom:\n        - configMapRef:\n            name: c\n",
        );
        assert_eq!(
            refused_at(format!("{broken_configmap}---\n{referring}")),
            Some(1)
        );
        // One Kubernetes reads is no error, read or not.
        for deployment in [apiserver, referring.as_str()] {
            let ok =
                format!("kind: ConfigMap\nmetadata:\n  name: c\ndata:\n  A: b\n---\n{deployment}");
            assert!(render(ok.as_bytes(), &policy).is_ok());
        }
    }
}
