//! Verify before emit: the proof behind exit 0, and its driver.
//!
//! After the correction, every document that holds a targeted container or was changed is
//! read again the way Kubernetes reads it ([`crate::kube::read`]) and proved ([`proof`]): what
//! Kubernetes will read is the policy, and nothing else changed. A failed proof is an
//! `unverified-output` error, so nothing is written. This module decides nothing about what
//! to correct; it only checks what the correction wrote.

pub mod proof;
pub mod tree;

pub use proof::{document, problems, targets, Problem, Target};

use crate::kube::{objects, read, sources, stream};
use crate::parallel::{both, work_is_large};
use crate::policy::Policy;
use crate::report::{self, Finding, Location};

/// Proves, for every document that holds a targeted container or was changed, that what
/// Kubernetes will read is the policy and nothing else changed (see [`proof`]). A failure
/// is an error finding, so nothing is written.
pub fn all(
    docs: &[stream::Document],
    kube: &[Option<serde_json::Value>],
    emitted: &[Option<String>],
    policy: &Policy,
    inventory: &sources::Inventory,
    findings: &mut report::Sink,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // Documents are proved independently: two threads share them, as in `parse_all`.
    let next = AtomicUsize::new(0);
    // The service-link variables of a namespace, the same for each of its containers, once.
    let services = crate::kube::env::ServiceLinks::default();
    let work = || {
        let mut found: Vec<(usize, Vec<Finding>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(doc) = docs.get(i) else {
                return found;
            };
            if let Some(before) = &kube[i] {
                let f = prove(
                    doc,
                    before,
                    emitted[i].as_deref(),
                    policy,
                    inventory,
                    &services,
                );
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

/// The proof for one document (see [`proof`]): its findings, empty when it holds.
fn prove(
    doc: &stream::Document,
    before: &serde_json::Value,
    after_text: Option<&str>,
    policy: &Policy,
    inventory: &sources::Inventory,
    services: &crate::kube::env::ServiceLinks,
) -> Vec<Finding> {
    let fail = |problem: &str| vec![unverified(doc, before, problem.to_string(), None)];
    let read_back;
    let after = match after_text {
        None if targets(before, policy).is_empty() => return Vec::new(),
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
        Some(t) => match read::read_own_output(t.trim_start_matches('\u{feff}')) {
            Ok(Some(v)) => {
                read_back = v;
                &read_back
            }
            Ok(None) | Err(_) => return fail("the corrected document cannot be read back"),
        },
    };
    problems(before, after, policy, inventory, services)
        .into_iter()
        .map(|p| {
            let help = p.help.map(|h| format!("nothing was written. {h}"));
            unverified(doc, before, p.message, help)
        })
        .collect()
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
    let object = objects::ObjectRef::of_json(object, objects::source_comment(doc.raw));
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
