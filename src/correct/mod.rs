//! The heart of the tool: one target container's env list, compared with the policy,
//! becomes the corrected env list plus a finding for every difference.
//!
//! [`document`] walks a document's target containers; [`container`] runs the rules in order
//! over a container's [`Context`] (`context`: the data every rule reads),
//! each a small function over the parsed env entries, one file per family: `names`
//! (whitespace, HOCON in names, the Azure key misprint, undeclared providers, other SSO
//! options' spelling) → `settings` (the policy's settings) → `values` (value hygiene) →
//! `references` (Secrets and ConfigMaps) → `files` (mounted metadata, config files).
//! `user_list` runs the name rules over a user's own `apiserver.extraEnvs` for `values
//! --merge-with`: which entries the policy's settings replace, and what becomes of the others.
//!
//! What a workload is and where its files are is [`crate::kube`]'s; how ClearML reads a name
//! or value is [`crate::clearml`]'s; what a finding may print is [`crate::redact`]'s. The
//! rules only compare and decide; they never print.

mod context;
mod files;
mod names;
mod references;
mod settings;
mod user_list;
mod values;

pub use context::Context;
use context::{Entry, Env};
pub use settings::desired_entry;
pub use user_list::{user_list, UserList};

use crate::kube::objects;
use crate::kube::sources::{self};
use crate::kube::stream;
use crate::policy::Policy;
use crate::report::{self, Finding, Location, Sink};
use crate::surface;
use crate::yaml;
use crate::yaml::Node;
use files::{config_files, metadata_mounts};
use names::{hidden_names, names_with_hocon, other_options, undeclared_providers};
use references::{
    other_references, secret_references, stored_values, unseen_env_from, unseen_values,
};
use settings::policy_settings;
use values::{env_from_variables, value_hygiene};

/// Makes the container's env match the policy. Returns whether anything changed.
pub fn container(container: &mut Node, ctx: &Context, findings: &mut Sink) -> bool {
    if let Some(what) = indirection(container) {
        findings.push(
            Finding::new(
                report::ALIASED_ENV,
                format!("the container uses {what}; the tool does not edit it, because the edit could reach other nodes or be overridden by them"),
            )
            .help("write the apiserver container out in full in the chart (no anchors, aliases or `<<` merge keys inside it)")
            .at(ctx.location.clone()),
        );
        return false;
    }
    // The entries are moved out of the tree and written back only if anything changed.
    let original = match container.get_mut("env") {
        Some(Node::Seq { items, .. }) => std::mem::take(items),
        _ => Vec::new(),
    };
    let mut env: Env = original
        .into_iter()
        .map(|n| Some(Entry::new(n, false)))
        .collect();
    names_with_hocon(&mut env, ctx, findings);
    let mut changed = hidden_names(&mut env, ctx, findings);
    changed |= undeclared_providers(&mut env, ctx, findings);
    changed |= policy_settings(&mut env, ctx, findings);
    changed |= other_options(&mut env, ctx, findings);
    let from = env_from_variables(container, ctx);
    changed |= value_hygiene(&mut env, &from, ctx, findings);
    let entries: Vec<Entry> = env.into_iter().flatten().collect();
    secret_references(&entries, ctx, findings);
    stored_values(&entries, &from, ctx, findings);
    other_references(container, ctx, findings);
    unseen_env_from(container, ctx, findings);
    unseen_values(&entries, ctx, findings);
    metadata_mounts(&entries, container, ctx, findings);
    config_files(&entries, container, ctx, findings);
    let nodes: Vec<Node> = entries.into_iter().map(|e| e.node).collect();
    match container.get_mut("env") {
        // Back into the same list node, which keeps its own style.
        Some(Node::Seq { items, .. }) => *items = nodes,
        _ if changed => container.set("env", Node::seq(nodes)),
        _ => {}
    }
    changed
}

/// The first YAML anchor, alias, tag or `<<` merge key inside a node, described with its line.
/// Under a target container any of them makes an edit unsafe: an anchored node is shared
/// with its aliases, and an alias or merge brings in entries Kubernetes reads that the tree
/// does not show as such.
fn indirection(node: &Node) -> Option<String> {
    let line = |l: usize| {
        if l > 0 {
            format!(" (line {l})")
        } else {
            String::new()
        }
    };
    match node {
        Node::Alias(_) => Some("a YAML alias (`*name`)".into()),
        Node::Scalar {
            anchor, line: l, ..
        }
        | Node::Seq {
            anchor, line: l, ..
        }
        | Node::Map {
            anchor, line: l, ..
        } if *anchor != 0 => Some(format!("a YAML anchor (`&name`){}", line(*l))),
        // A tag (`!!binary`, `!!str`) makes Kubernetes read a scalar other than as written;
        // the tree would judge the text, not what Kubernetes reads.
        Node::Scalar {
            tag: Some(tag),
            line: l,
            ..
        } => Some(format!("a YAML tag (`{tag}`){}", line(*l))),
        Node::Seq { items, .. } => items.iter().find_map(indirection),
        Node::Map { entries, .. } => entries.iter().find_map(|(k, v)| {
            if k.as_str() == Some("<<")
                && matches!(
                    k,
                    Node::Scalar {
                        style: crate::yaml::Style::Plain,
                        ..
                    }
                )
            {
                return Some(format!("a `<<` merge key{}", line(k.line())));
            }
            indirection(k).or_else(|| indirection(v))
        }),
        Node::Scalar { .. } => None,
    }
}

/// What correcting one document gave.
pub struct Corrected {
    /// Its findings, already judged.
    pub findings: report::Sink,
    /// Containers of workloads that were not targeted (for the `no-target` message).
    pub seen: Vec<String>,
    /// How many containers were targeted.
    pub matched: usize,
    /// The rewritten document, when anything changed.
    pub emitted: Option<String>,
    /// What Kubernetes reads of `emitted`, when it was read already (a spliced document: see
    /// [`crate::verify::read_back`]).
    pub read_back: Option<crate::verify::ReadBack>,
}

/// Corrects every targeted container of one document's tree.
pub fn document(
    doc: &stream::Document,
    root: &mut Node,
    kube: Option<&serde_json::Value>,
    source: Option<&str>,
    policy: &Policy,
    inventory: &sources::Inventory,
) -> Corrected {
    let mut out = Corrected {
        findings: report::Sink::new(&policy.enforce),
        seen: Vec::new(),
        matched: 0,
        emitted: None,
        read_back: None,
    };
    let mut changed = false;
    // The tree as parsed, when anything in it may be corrected: the output keeps the text of
    // every node the correction leaves alone.
    let before = objects::objects(root)
        .into_iter()
        .any(|o| {
            let o = objects::ObjectRef::of(o, source);
            policy.target.selects_workload(&o.kind, &o.name)
        })
        .then(|| root.clone());
    // The same objects as Kubernetes reads them, for what the tool only reads (volumes): an
    // alias or `<<` merge there is resolved, as it is for Kubernetes.
    let objects = objects::objects_mut(root);
    let kube_objects = kube
        .map(objects::json_objects)
        .filter(|o| o.len() == objects.len());
    for (index, object) in objects.into_iter().enumerate() {
        let object_ref = objects::ObjectRef::of(object, source);
        let targeted = policy
            .target
            .selects_workload(&object_ref.kind, &object_ref.name);
        let Some(spec) = objects::pod_spec_mut(object, &policy.target.kinds) else {
            continue;
        };
        let kube_spec = kube_objects.as_ref().and_then(|o| {
            objects::pod_spec_path(&object_ref.kind)?
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
                .map(|v| v.items().iter().map(objects::to_json).collect())
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
            let ctx = Context {
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
            changed |= self::container(container, &ctx, &mut out.findings);
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
        // What `parse_text` left out: a byte-order mark, the separator Kubernetes drops.
        let lead = &doc.raw[..doc.raw.len() - text.len()];
        // A splice is written only if it reads back as the corrected tree: its one reading as
        // Kubernetes reads it says so (and is the proof's), or else the tool's parser does.
        let spliced = before.and_then(|before| {
            let spliced = format!("{lead}{}", yaml::splice_text(text, &before, root, layout)?);
            let (reading, sure) = crate::verify::read_back(&spliced, root);
            (sure || yaml::reads_back(&spliced[lead.len()..], root)).then_some((spliced, reading))
        });
        (out.emitted, out.read_back) = match spliced {
            Some((spliced, reading)) => (Some(spliced), Some(reading)),
            None => (Some(doc.with_body(&yaml::emit(root, layout))), None),
        };
    }
    out
}
