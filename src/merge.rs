//! `values --merge-with FILE`: the whole `apiserver.extraEnvs` list for a values file layered
//! after the user's own, so that Helm, which replaces lists rather than merging them, drops
//! nothing the user set. Owns reading FILE's list exactly as Helm reads it (go-yaml through
//! `sigs.k8s.io/yaml`: [`crate::kube::read`]), the lines it points at, and writing the list
//! back; which entries the policy owns is [`crate::correct::user_list`]'s, the policy's own
//! entries [`crate::explain::values`]'. Only `apiserver.extraEnvs` is written: every other key
//! of FILE stays where Helm already merges it.
//!
//! Its findings and summary name FILE's entries, never their values (the merged list itself
//! holds the kept ones, as it must); it reads no file itself.

use crate::correct::{user_list, UserList};
use crate::explain;
use crate::kube::{objects, read};
use crate::policy::Policy;
use crate::report::{Finding, Spot};
use crate::yaml::{self, Layout, Node, Style};
use serde_json::Value;
use std::fmt::Write as _;

/// Why FILE cannot be merged.
#[derive(Debug)]
pub enum MergeError {
    /// FILE is not YAML Helm can read, or its `apiserver.extraEnvs` is not a list of env
    /// entries: where, and what (exit 2).
    File(Spot, String),
    /// The policy is one `render` would refuse whatever the manifests (exit 1).
    Policy(Vec<Finding>),
    /// An entry of FILE is one `render` would refuse (exit 1).
    Refused(Vec<Finding>),
}

/// The merged list and what to tell about it.
#[derive(Debug)]
pub struct Merged {
    /// The values file text (header comment and `apiserver.extraEnvs`).
    pub text: String,
    /// Findings about FILE's entries (warnings, notes), each at its line in FILE.
    pub findings: Vec<Finding>,
    /// FILE's entries the policy replaced: their names and lines (names only: never values).
    pub replaced: Vec<(String, usize)>,
}

/// The user's list and where each entry is.
struct UserEntries {
    entries: Vec<Value>,
    /// 1-based line of each entry in FILE (0 when unknown).
    lines: Vec<usize>,
    /// 1-based line of `extraEnvs` (0 when unknown or absent).
    list_line: usize,
}

/// The merged `apiserver.extraEnvs` for `policy` and the values file `text`, named `file`.
pub fn merge_with(policy: &Policy, file: &str, text: &str) -> Result<Merged, MergeError> {
    explain::check(policy).map_err(MergeError::Policy)?;
    let user = user_entries(file, text)?;
    let nodes: Vec<Node> = user.entries.iter().map(node).collect();
    let names: Vec<String> = nodes
        .iter()
        .map(|n| n.get_str("name").unwrap_or_default().to_string())
        .collect();
    let UserList {
        kept,
        owned,
        findings,
        refused,
    } = user_list(policy, nodes);
    let spot = |at: Option<usize>| Spot {
        path: file.to_string(),
        line: at.map_or(user.list_line, |i| user.lines[i]),
        column: 0,
    };
    let findings: Vec<Finding> = findings
        .into_iter()
        .map(|(f, at)| {
            Finding {
                location: None,
                ..f
            }
            .in_file(spot(at))
        })
        .collect();
    let mut findings = findings;
    // A kept name whose config path is above or below one of the policy's settings
    // (`…__keycloak`, `…__client_secret__x`) is merged by ClearML into that setting: the
    // render refuses such a list (the proof's "would also set"), so the merge does too,
    // rather than print a list that no render passes.
    let mut competing = false;
    for n in &kept {
        let Some(name) = n.get_str("name") else {
            continue;
        };
        let Some(path) = crate::clearml::names::config_path(name)
            .filter(|_| crate::clearml::names::name_is_only_a_key(name))
        else {
            continue;
        };
        let at = names.iter().position(|o| o == name);
        for d in &policy.desired {
            if crate::verify::proof::competes(&path, d) {
                competing = true;
                findings.push(
                    Finding::new(
                        crate::report::UNVERIFIED_OUTPUT,
                        format!(
                            "`{}` would also set {}, so ClearML might not read the policy's value",
                            crate::report::escape_control(name),
                            d.label
                        ),
                    )
                    .help(crate::verify::proof::COMPETING_HELP)
                    .in_file(spot(at)),
                );
            }
        }
    }
    // A name ClearML reads as a provider key itself (`…__oauth_client__tenant_login`: the
    // provider `tenant_login`) that the policy does not declare, and that no kept name reads
    // as a provider's option (which the render warns about under `warn`): the render's proof
    // refuses it, as ClearML's configuration would hold a provider nothing vouched for.
    let strict = matches!(
        policy.enforce.unknown_providers,
        crate::policy::UnknownProviders::Deny | crate::policy::UnknownProviders::Remove
    );
    let kept_names: Vec<&str> = kept.iter().filter_map(|n| n.get_str("name")).collect();
    let warned = |client: &str, key: &str| {
        kept_names.iter().any(|n| {
            crate::clearml::names::parse_name(n).is_some_and(|s| {
                s.provider()
                    .is_some_and(|(c, k)| c.as_str() == client && k == key)
            })
        })
    };
    for name in &kept_names {
        let Some(path) = crate::clearml::names::config_path(name)
            .filter(|_| crate::clearml::names::name_is_only_a_key(name))
        else {
            continue;
        };
        let segments: Vec<&str> = path.split('.').collect();
        let [section, "login", "sso", client @ ("oauth_client" | "saml_client"), key] =
            segments[..]
        else {
            continue;
        };
        if !matches!(section, "secure" | "services") {
            continue;
        }
        let declared = policy
            .providers
            .iter()
            .any(|p| p.spec.client.as_str() == client && p.spec.key == key);
        if !declared && (strict || !warned(client, key)) {
            competing = true;
            let at = names.iter().position(|o| o == name);
            findings.push(
                Finding::new(
                    crate::report::UNVERIFIED_OUTPUT,
                    format!(
                        "`{}`: ClearML reads `{key}` as a provider under `{client}`, which the policy does not declare",
                        crate::report::escape_control(name)
                    ),
                )
                .help("set what it holds in the policy, or remove it: the render refuses a provider ClearML's configuration would hold that the policy does not declare")
                .in_file(spot(at)),
            );
        }
    }
    if refused || competing {
        return Err(MergeError::Refused(findings));
    }
    let mut items = kept.clone();
    items.extend(explain::policy_entries(policy));
    let doc = Node::map(vec![(
        "apiserver",
        Node::map(vec![("extraEnvs", Node::seq(items))]),
    )]);
    // A name is shown in a comment line: no line break of it may start a YAML line.
    let shown = |s: &str| crate::report::escape_control(s).into_owned();
    let mut out = format!(
        "# The whole apiserver.extraEnvs, from clearml-sso values --merge-with, for a values\n\
         # file given to Helm after the one merged: Helm replaces a list given again.\n\
         # Merged: {} ({} the policy does not set, in their order)\n\
         # Policy: {} (its {} settings, last)\n\
         # Run it again whenever either changes.\n",
        shown(file),
        match kept.len() {
            1 => "1 entry".to_string(),
            n => format!("{n} entries"),
        },
        shown(&policy.source),
        policy.desired.len()
    );
    out.push_str(&yaml::emit(
        &doc,
        Layout {
            indent: 2,
            indent_sequences: true,
        },
    ));
    check_read_back(&out, &kept)?;
    Ok(Merged {
        text: out,
        findings,
        replaced: owned
            .into_iter()
            .map(|i| (names[i].clone(), user.lines[i]))
            .collect(),
    })
}

/// The written list must read back, as Helm reads it, with the kept entries exactly as the
/// tree holds them: a difference would be an emitter bug that changes what the user set.
fn check_read_back(out: &str, kept: &[Node]) -> Result<(), MergeError> {
    let back = read::read_own_output(out).ok().flatten();
    let list = back
        .as_ref()
        .and_then(|v| v.get("apiserver")?.get("extraEnvs")?.as_array());
    let same = list.is_some_and(|l| {
        l.len() >= kept.len() && kept.iter().zip(l).all(|(n, v)| objects::to_json(n) == *v)
    });
    if same {
        Ok(())
    } else {
        Err(MergeError::File(
            Spot::default(),
            "internal error: the merged list does not read back as written; nothing printed".into(),
        ))
    }
}

/// FILE's `apiserver.extraEnvs` as Helm reads it: absent or `null` is an empty list.
fn user_entries(file: &str, text: &str) -> Result<UserEntries, MergeError> {
    let err = |line: usize, column: usize, message: String| {
        MergeError::File(
            Spot {
                path: file.to_string(),
                line,
                column,
            },
            message,
        )
    };
    let root = read::read_first(text).map_err(|e| {
        err(
            e.line,
            e.column,
            format!("not a values file Helm can read: {}", e.message),
        )
    })?;
    // Helm 3 reads only the first document of a values file, Helm 4 merges every document
    // over the one before (lists replaced): with content after the first, which list the
    // user has depends on the Helm version, and a merge for either one drops entries under
    // the other. Empty documents (a trailing `---`) change nothing under either.
    for doc in crate::kube::stream::split(text).iter().skip(1) {
        if !matches!(read::read(doc.parse_text()), Ok(None | Some(Value::Null))) {
            return Err(err(
                doc.start_line,
                0,
                "a second YAML document: Helm 3 reads only the first document of a values \
                 file and Helm 4 merges them all, so the list to merge depends on the Helm \
                 version; put the values in one document"
                    .into(),
            ));
        }
    }
    // The editing tree gives the lines; it reads every values file go-yaml reads except
    // rare ones (a key given twice), for which the lines are unknown.
    let tree = yaml::parse(text).ok().flatten();
    let at = |path: &[&str]| -> usize {
        let mut node = tree.as_ref();
        for key in path {
            node = node.and_then(|n| n.get(key));
        }
        node.map_or(0, Node::line)
    };
    let empty = || UserEntries {
        entries: Vec::new(),
        lines: Vec::new(),
        list_line: 0,
    };
    let root = match root {
        None | Some(Value::Null) => return Ok(empty()),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(err(
                1,
                0,
                "a values file is a mapping (`apiserver:` …), not a list or a scalar".into(),
            ))
        }
    };
    let apiserver = match root.get("apiserver") {
        None | Some(Value::Null) => return Ok(empty()),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(err(
                at(&["apiserver"]),
                0,
                "`apiserver` is not a mapping".into(),
            ))
        }
    };
    let list_line = at(&["apiserver", "extraEnvs"]);
    let entries = match apiserver.get("extraEnvs") {
        None | Some(Value::Null) => return Ok(empty()),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(err(
                list_line,
                0,
                "`apiserver.extraEnvs` is not a list (Helm passes it to the container's `env`)"
                    .into(),
            ))
        }
    };
    let tree_items = tree
        .as_ref()
        .and_then(|t| t.get("apiserver")?.get("extraEnvs"))
        .map(Node::items)
        .filter(|items| items.len() == entries.len());
    let lines: Vec<usize> = (0..entries.len())
        .map(|i| tree_items.map_or(0, |items| items[i].line()))
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let named = e
            .as_object()
            .and_then(|m| m.get("name"))
            .is_some_and(Value::is_string);
        if !named {
            return Err(err(
                lines[i],
                0,
                format!(
                    "`apiserver.extraEnvs` entry {} is not an env entry (a mapping with a string `name`)",
                    i + 1
                ),
            ));
        }
    }
    Ok(UserEntries {
        entries,
        lines,
        list_line,
    })
}

/// A value as Helm read it, as a tree that writes it back so that Helm reads the same value:
/// a string quoted unless it cannot read as anything else, everything else plain.
fn node(value: &Value) -> Node {
    // A plain scalar with a line is one the emitter keeps as written (a made one it would
    // quote, since `true` or `1` must not be a string's spelling): these are meant as
    // written, a bool, a number or null, as Helm read them.
    let plain = |text: String| Node::Scalar {
        value: text,
        style: Style::Plain,
        tag: None,
        anchor: 0,
        line: 1,
        col: 0,
    };
    match value {
        Value::Null => plain("null".into()),
        Value::Bool(b) => plain(b.to_string()),
        Value::Number(n) => plain(n.to_string()),
        // Plain where it cannot read as anything else, else single-quoted (the emitter
        // falls back to double quotes for what single quotes cannot carry).
        Value::String(s) if yaml::plain_safe(s, yaml::Context::MADE) => Node::plain(s),
        Value::String(s) => Node::string(s),
        Value::Array(items) => Node::seq(items.iter().map(node).collect()),
        Value::Object(map) => Node::map(map.iter().map(|(k, v)| (k.as_str(), node(v))).collect()),
    }
}

/// What stderr says about a merge that succeeded: the entries replaced (names and lines,
/// never values), then the findings.
pub fn summary(file: &str, merged: &Merged) -> String {
    let mut out = String::new();
    if !merged.replaced.is_empty() {
        let names: Vec<String> = merged
            .replaced
            .iter()
            .map(|(name, line)| match line {
                0 => name.trim().to_string(),
                l => format!("{} (line {l})", name.trim()),
            })
            .collect();
        let _ = writeln!(
            out,
            "clearml-sso: {file}: {} entr{} the policy sets, replaced by the policy's: {}",
            names.len(),
            if names.len() == 1 { "y" } else { "ies" },
            names.join(", ")
        );
    }
    out
}
