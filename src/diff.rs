//! `diff`: what `render` would change, as a unified diff per changed document, computed from
//! redacted documents so that no secret value can be printed.
//!
//! For each changed document both sides are parsed into the tool's tree, every sensitive
//! scalar is replaced by [`REDACTED`] in the tree, both trees are written with the same emitter
//! and layout (every collection in block style), and those two texts are diffed. Nothing of the
//! raw text reaches the output except the template name in the header: no line-based rule has
//! to guess what a secret looks like in YAML (quoted, folded, multi-line, in a JSON or flow
//! entry, a list item). Because both sides are re-emitted, differences that only come from
//! re-emission (a folded `>` block written back as `|`, `{}` versus a block mapping, comments,
//! CRLF line ends, the `---` line) are not in the hunks. (`render` keeps the text of what it
//! does not correct, so its output rarely has such differences; when a document was written
//! whole with the same content, its header says `@@ only the way it is written changes @@`, so
//! that the diff is empty exactly when the output is the input.) A document whose only changes
//! are to redacted values gets its header and `@@ only redacted values change @@`. Line numbers
//! in the hunks count lines of the re-emitted document. Headers name the template as findings
//! do (`# Source:`, else Helm 4's annotation), else the document's 1-based number.
//!
//! Sensitive, in the diffed documents:
//! - every value under a Secret's `data` and `stringData` (also inside `kind: *List` items),
//!   a SealedSecret's `spec.encryptedData` and template data, an ExternalSecret's (or
//!   ClusterExternalSecret's) target template data;
//! - the value of every env entry whose name addresses an SSO option in any spelling (any
//!   prefix, section, case, surrounding whitespace) unless the catalogue says the option's
//!   values are public ([`providers::value_is_public`]): credentials, `secure` options,
//!   misspelled options and providers ClearML does not know are all redacted. Name and value
//!   are read as Kubernetes reads them, in any container: through aliases (the anchored node
//!   is blanked where it stands), `<<` merges and a `!!binary` tag;
//! - any scalar, key or value, whose whole text (trimmed) is a value held by a Secret in the
//!   stream (`data` raw and decoded, `stringData`), or a literal of a credential option
//!   (`client_secret`) in a changed document — so the policy's literal, too. Whole values only:
//!   a Secret holding `clearml` does not blank the word out of other text. (Values of other
//!   non-public options, such as a misspelled boolean, are blanked where they are but not
//!   everywhere: `true` would blank half a manifest.) A scalar ClearML reads as such a value,
//!   or as a HOCON list holding one, is blanked too.
//!
//! Cost: one pass over each parsed document plus hash-set look-ups, linear in its size.

use crate::clearml_env;
use crate::kube::objects;
use crate::kube::stream;
use crate::providers;
use crate::yaml::{self, Node, Style};
use similar::TextDiff;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// What a sensitive scalar is replaced by.
pub const REDACTED: &str = "<redacted>";

/// Where Secret-like kinds keep values, as paths from the object.
const SECRET_FIELDS: &[(&str, &[&[&str]])] = &[
    ("Secret", &[&["data"], &["stringData"]]),
    (
        "SealedSecret",
        &[
            &["spec", "encryptedData"],
            &["spec", "template", "data"],
            &["spec", "template", "stringData"],
        ],
    ),
    ("ExternalSecret", &[&["spec", "target", "template", "data"]]),
    (
        "ClusterExternalSecret",
        &[&["spec", "externalSecretSpec", "target", "template", "data"]],
    ),
];

/// Values that are secret wherever they appear as a whole scalar.
#[derive(Debug, Default)]
pub struct Known(HashSet<String>);

impl Known {
    fn add(&mut self, value: &str) {
        let t = value.trim();
        if !t.is_empty() && !self.0.contains(t) {
            self.0.insert(t.to_string());
        }
    }

    /// Whether `value`, trimmed, is a known secret value.
    pub fn contains(&self, value: &str) -> bool {
        self.0.contains(value.trim())
    }

    /// Collects the secret values of one document: its Secret-like objects' values and the
    /// literals of its credential env entries, aliases resolved.
    pub fn collect(&mut self, root: &Node) {
        let anchors = anchors(root);
        for object in objects::objects(root) {
            let kind = object.get_str("kind").unwrap_or_default();
            for (field, value) in secret_values(object) {
                let value = resolve(value, &anchors);
                self.add_all(value);
                if kind == "Secret" && field == "data" {
                    if let Some(text) = value.as_str() {
                        // Decoded exactly as the API server would.
                        if let Some(b) = crate::kube::sources::decode_data(text.trim()) {
                            self.add(&String::from_utf8_lossy(&b));
                        }
                    }
                }
            }
        }
        self.collect_env(root, &anchors);
    }

    /// Every scalar inside `node` (itself, or a collection's keys and values). Aliases inside
    /// are not followed: the caller resolves the value itself, and following nested ones would
    /// let a document of nested aliases (a "billion laughs") cost exponential time.
    fn add_all(&mut self, node: &Node) {
        match node {
            Node::Scalar { value, .. } => {
                self.add(value);
                // The string ClearML would read from an env value (`"x"`, `x # note`).
                if let clearml_env::Hocon::Str(s) = clearml_env::read(value) {
                    self.add(&s);
                }
            }
            Node::Seq { items, .. } => items.iter().for_each(|i| self.add_all(i)),
            Node::Map { entries, .. } => entries.iter().for_each(|(k, v)| {
                self.add_all(k);
                self.add_all(v);
            }),
            Node::Alias(_) => {}
        }
    }

    fn collect_env(&mut self, node: &Node, anchors: &HashMap<usize, &Node>) {
        // Aliases are not followed while walking (only to read a value), so nothing loops.
        match node {
            Node::Map { entries, .. } => {
                let name = entry_name(entries, anchors, 0);
                if name
                    .as_deref()
                    .and_then(env_option)
                    .is_some_and(|(_, o)| o.is_some_and(|o| o.secret))
                {
                    for v in entry_values(entries, anchors, 0) {
                        self.add_all(v);
                    }
                }
                for (_, v) in entries {
                    self.collect_env(v, anchors);
                }
            }
            Node::Seq { items, .. } => {
                for i in items {
                    self.collect_env(i, anchors);
                }
            }
            Node::Scalar { .. } | Node::Alias(_) => {}
        }
    }
}

/// Anchored nodes of a document by anchor id.
fn anchors(root: &Node) -> HashMap<usize, &Node> {
    let mut out = HashMap::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match node {
            Node::Scalar { anchor, .. } => {
                if *anchor != 0 {
                    out.insert(*anchor, node);
                }
            }
            Node::Seq { items, anchor, .. } => {
                if *anchor != 0 {
                    out.insert(*anchor, node);
                }
                stack.extend(items);
            }
            Node::Map {
                entries, anchor, ..
            } => {
                if *anchor != 0 {
                    out.insert(*anchor, node);
                }
                stack.extend(entries.iter().flat_map(|(k, v)| [k, v]));
            }
            Node::Alias(_) => {}
        }
    }
    out
}

fn resolve<'a>(node: &'a Node, anchors: &HashMap<usize, &'a Node>) -> &'a Node {
    match node {
        Node::Alias(id) => anchors.get(id).copied().unwrap_or(node),
        _ => node,
    }
}

/// The value nodes of a Secret-like object's secret fields, with the field's last step.
fn secret_values(object: &Node) -> Vec<(&'static str, &Node)> {
    let kind = object.get_str("kind").unwrap_or_default();
    let Some((_, paths)) = SECRET_FIELDS.iter().find(|(k, _)| *k == kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for path in *paths {
        let field = path[path.len() - 1];
        let Some(node) = path.iter().try_fold(object, |n, step| n.get(step)) else {
            continue;
        };
        match node {
            Node::Map { entries, .. } => out.extend(entries.iter().map(|(_, v)| (field, v))),
            other => out.push((field, other)),
        }
    }
    out
}

/// Replaces the secret fields' values of a Secret-like object by the marker.
fn blank_secret_fields(object: &mut Node) {
    let kind = object.get_str("kind").unwrap_or_default();
    let Some((_, paths)) = SECRET_FIELDS.iter().find(|(k, _)| *k == kind) else {
        return;
    };
    for path in *paths {
        let mut node = Some(&mut *object);
        for step in *path {
            node = node.and_then(|n| n.get_mut(step));
        }
        match node {
            Some(Node::Map { entries, .. }) => entries.iter_mut().for_each(|(_, v)| blank(v)),
            Some(other) => blank(other),
            None => {}
        }
    }
}

/// Deepest chain of `<<` merges followed to find an env entry's name or value (a chart has
/// one level; the bound keeps nested merges of a hostile document linear).
const MERGE_DEPTH: usize = 8;

/// A scalar's text as Kubernetes reads it: an alias followed, a `!!binary` value decoded.
fn text_of<'a>(node: &'a Node, anchors: &HashMap<usize, &'a Node>) -> Option<Cow<'a, str>> {
    let Node::Scalar { value, tag, .. } = resolve(node, anchors) else {
        return None;
    };
    if tag.as_deref() == Some("!!binary") {
        return crate::kube::read::binary_text(value).ok().map(Cow::Owned);
    }
    Some(Cow::Borrowed(value))
}

/// The mappings a `<<` entry's value merges in (a mapping, or a sequence of them), aliases
/// followed.
fn merged<'a>(value: &'a Node, anchors: &HashMap<usize, &'a Node>) -> Vec<&'a Node> {
    match resolve(value, anchors) {
        m @ Node::Map { .. } => vec![m],
        Node::Seq { items, .. } => items
            .iter()
            .map(|i| resolve(i, anchors))
            .filter(|i| matches!(i, Node::Map { .. }))
            .collect(),
        _ => Vec::new(),
    }
}

/// The `name` of a mapping as Kubernetes reads it: key and value through aliases and
/// `!!binary`, else from what a `<<` key merges in — so that an env entry whose name is
/// written in any of those ways is still recognised.
fn entry_name(
    entries: &[(Node, Node)],
    anchors: &HashMap<usize, &Node>,
    depth: usize,
) -> Option<String> {
    let key_is = |k: &Node, want: &str| text_of(k, anchors).is_some_and(|t| t == want);
    if let Some((_, v)) = entries.iter().rev().find(|(k, _)| key_is(k, "name")) {
        return text_of(v, anchors).map(Cow::into_owned);
    }
    if depth >= MERGE_DEPTH {
        return None;
    }
    entries
        .iter()
        .filter(|(k, _)| key_is(k, "<<"))
        .flat_map(|(_, v)| merged(v, anchors))
        .find_map(|m| match m {
            Node::Map { entries, .. } => entry_name(entries, anchors, depth + 1),
            _ => None,
        })
}

/// Every node an env entry's `value` may come from: its own `value` (alias followed) and those
/// of the mappings it merges in.
fn entry_values<'a>(
    entries: &'a [(Node, Node)],
    anchors: &HashMap<usize, &'a Node>,
    depth: usize,
) -> Vec<&'a Node> {
    let key_is = |k: &Node, want: &str| text_of(k, anchors).is_some_and(|t| t == want);
    let mut out: Vec<&Node> = entries
        .iter()
        .filter(|(k, _)| key_is(k, "value"))
        .map(|(_, v)| resolve(v, anchors))
        .collect();
    if depth < MERGE_DEPTH {
        for (_, v) in entries.iter().filter(|(k, _)| key_is(k, "<<")) {
            for m in merged(v, anchors) {
                if let Node::Map { entries, .. } = m {
                    out.extend(entry_values(entries, anchors, depth + 1));
                }
            }
        }
    }
    out
}

/// The SSO setting an env entry's name addresses, if any, with the catalogue's entry for its
/// option.
fn env_option(
    name: &str,
) -> Option<(clearml_env::SsoName, Option<&'static providers::OptionSpec>)> {
    let sso = clearml_env::parse_name(name)?;
    let option = sso.option();
    Some((sso, option))
}

/// Whether an env entry named `name` (as [`entry_name`] reads it) has a value that must not
/// be shown: the name addresses an SSO option whose values the catalogue does not call public.
fn env_value_is_secret(name: Option<&str>) -> bool {
    let Some(name) = name else {
        return false;
    };
    if let Some((sso, _)) = env_option(name) {
        let provider = sso.provider.as_ref().map(|(c, k)| (*c, k.as_str()));
        return !providers::value_is_public(provider, &sso.option);
    }
    // A variable ClearML reads for a whole subtree that holds SSO settings (`…__oauth_client__x`
    // set to `{client_secret: …}`), or any `secure` key: its value may be a credential.
    clearml_env::config_path(name.trim()).is_some_and(|path| {
        let path = path.trim();
        path.starts_with("secure")
            || ["services.login.sso", "secure.login.sso"]
                .iter()
                .any(|sso| sso.starts_with(path) || path.starts_with(sso))
    })
}

/// Replaces a node by the marker, keeping its anchor (aliases to it stay valid) and position
/// (the emitter reads sequence indentation from positions). An alias shows no content.
fn blank(node: &mut Node) {
    let (anchor, line, col) = match node {
        Node::Alias(_) => return,
        Node::Scalar {
            anchor, line, col, ..
        } => (*anchor, *line, *col),
        // A collection's own position is not its content's column: let the layout decide.
        Node::Seq { anchor, .. } | Node::Map { anchor, .. } => (*anchor, 0, 0),
    };
    *node = Node::Scalar {
        value: REDACTED.into(),
        style: Style::Plain,
        tag: None,
        anchor,
        line,
        col,
    };
}

/// Redacts a parsed document in place and writes every collection in block style, so that
/// both sides of a diff are emitted alike.
pub fn redact(root: &mut Node, known: &Known) {
    // Which env entries hide their value is decided first, reading names and values as
    // Kubernetes does (aliases, merges, `!!binary`), which needs the anchors of the whole tree.
    let mut secret = Secret::default();
    find_secret_env(root, &anchors(root), &mut Vec::new(), &mut secret);
    for object in objects::objects_mut(root) {
        blank_secret_fields(object);
    }
    redact_node(root, known, &secret, &mut Vec::new());
}

/// Where the values of secret env entries are: the entries (by path of child indices, a
/// mapping's value counted by entry) and the anchored nodes their values come from.
#[derive(Default)]
struct Secret {
    entries: HashSet<Vec<usize>>,
    anchors: HashSet<usize>,
}

fn find_secret_env(
    node: &Node,
    anchors: &HashMap<usize, &Node>,
    path: &mut Vec<usize>,
    out: &mut Secret,
) {
    let children: Box<dyn Iterator<Item = &Node>> = match node {
        Node::Map { entries, .. } => {
            if env_value_is_secret(entry_name(entries, anchors, 0).as_deref()) {
                out.entries.insert(path.clone());
                // A value or merged mapping that is an alias shows at its anchor.
                let mut via: Vec<&Node> = entries
                    .iter()
                    .filter(|(k, _)| text_of(k, anchors).is_some_and(|t| t == "value" || t == "<<"))
                    .map(|(_, v)| v)
                    .collect();
                let mut depth = 0;
                while let Some(v) = via.pop() {
                    if let Node::Alias(id) = v {
                        if out.anchors.insert(*id) && depth < MERGE_DEPTH {
                            if let Some(Node::Seq { items, .. }) = anchors.get(id) {
                                via.extend(items);
                            }
                        }
                    } else if let Node::Seq { items, .. } = v {
                        via.extend(items);
                    }
                    depth += 1;
                }
            }
            Box::new(entries.iter().map(|(_, v)| v))
        }
        Node::Seq { items, .. } => Box::new(items.iter()),
        Node::Scalar { .. } | Node::Alias(_) => return,
    };
    for (i, c) in children.enumerate() {
        path.push(i);
        find_secret_env(c, anchors, path, out);
        path.pop();
    }
}

fn redact_node(node: &mut Node, known: &Known, secret: &Secret, path: &mut Vec<usize>) {
    let anchor = match node {
        Node::Scalar { anchor, .. } | Node::Seq { anchor, .. } | Node::Map { anchor, .. } => {
            *anchor
        }
        Node::Alias(_) => 0,
    };
    if anchor != 0 && secret.anchors.contains(&anchor) {
        blank(node);
        return;
    }
    match node {
        Node::Scalar { value, .. } => {
            if value != REDACTED && holds_known(value, known) {
                blank(node);
            }
        }
        Node::Seq { items, flow, .. } => {
            *flow = false;
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i);
                redact_node(item, known, secret, path);
                path.pop();
            }
        }
        Node::Map { entries, flow, .. } => {
            *flow = false;
            // Decided before any key is touched (a key could itself be a known value).
            let secret_env = secret.entries.contains(path.as_slice());
            for (i, (k, v)) in entries.iter_mut().enumerate() {
                // `value` however written (an alias, which is not followed here, a tag), and
                // what a `<<` merges in.
                let is_value = matches!(k, Node::Alias(_))
                    || text_of(k, &HashMap::new()).is_some_and(|t| t == "value" || t == "<<");
                redact_node(k, known, secret, &mut Vec::new());
                path.push(i);
                if secret_env && is_value {
                    blank(v);
                } else {
                    redact_node(v, known, secret, path);
                }
                path.pop();
            }
        }
        Node::Alias(_) => {}
    }
}

/// Whether a scalar is a known secret value, or holds one as ClearML reads it: a quoted
/// string, an item of a HOCON list (`["<the client secret>"]` pasted into the admin groups).
fn holds_known(value: &str, known: &Known) -> bool {
    fn hocon(h: &clearml_env::Hocon, known: &Known) -> bool {
        match h {
            clearml_env::Hocon::Str(s) | clearml_env::Hocon::Number(s) => known.contains(s),
            clearml_env::Hocon::List(items) => items.iter().any(|i| hocon(i, known)),
            _ => false,
        }
    }
    known.contains(value) || hocon(&clearml_env::read(value), known)
}

/// Writes every collection in block style (what [`redact`] does besides redacting).
fn block_style(node: &mut Node) {
    match node {
        Node::Seq { items, flow, .. } => {
            *flow = false;
            items.iter_mut().for_each(block_style);
        }
        Node::Map { entries, flow, .. } => {
            *flow = false;
            for (k, v) in entries.iter_mut() {
                block_style(k);
                block_style(v);
            }
        }
        Node::Scalar { .. } | Node::Alias(_) => {}
    }
}

/// Whether an unchanged document may hold values the redaction must know: Secret-like kinds,
/// lists, and anything the cheap identity read cannot tell.
fn may_hold_secrets(doc: &stream::Document) -> bool {
    match doc.quick_identity() {
        None => true,
        Some((kind, _)) => kind.ends_with("List") || SECRET_FIELDS.iter().any(|(k, _)| *k == kind),
    }
}

fn parse(doc: &stream::Document) -> Option<Node> {
    yaml::parse(doc.parse_text()).ok().flatten()
}

/// How many documents `output` changes (what `diff` shows a header for).
pub fn changed_documents(input: &str, output: &str) -> usize {
    let (before, after) = (stream::split(input), stream::split(output));
    before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a.raw != b.raw)
        .count()
}

/// A diff header's name for a document: its template, as findings name it (`# Source:`, else
/// Helm 4's annotation — Helm 4 hands a post-renderer no `# Source:` comments), else its
/// 1-based number in the stream, as text findings count.
fn label(doc: &stream::Document) -> String {
    let comment = objects::source_comment(doc.raw);
    let source = match comment {
        Some(c) => Some(c.to_string()),
        None => parse(doc).and_then(|root| objects::ObjectRef::of(&root, None).source),
    };
    // A template path is shown as findings show it: a control character cannot forge a line.
    source.map_or_else(
        || format!("document {}", doc.index + 1),
        |s| crate::report::escape_control(&s).into_owned(),
    )
}

/// A unified diff of each document `output` changes, headed by the document's template,
/// computed from redacted re-emissions of both sides.
pub fn unified(input: &str, output: &str) -> String {
    let (before, after) = (stream::split(input), stream::split(output));
    let mut known = Known::default();
    let mut changed = Vec::new();
    for (a, b) in before.iter().zip(&after) {
        if a.raw == b.raw {
            if may_hold_secrets(a) {
                if let Some(root) = parse(a) {
                    known.collect(&root);
                }
            }
            continue;
        }
        // A side that cannot be read back is shown as empty: nothing unredacted is printed.
        let (ta, tb) = (parse(a), parse(b));
        for t in [&ta, &tb].into_iter().flatten() {
            known.collect(t);
        }
        changed.push((a, b, ta, tb));
    }
    let mut out = String::new();
    for (a, b, ta, tb) in changed {
        let layout = yaml::Layout::detect(a.raw);
        let [ea, eb] = [ta, tb].map(|t| {
            t.map_or_else(String::new, |mut t| {
                redact(&mut t, &known);
                yaml::emit(&t, layout)
            })
        });
        let name = label(a);
        if ea == eb {
            // Either only re-emission differs (nothing to show) or only redacted values do:
            // then say so, or the diff would hide a change `render` makes.
            let [pa, pb] = [a, b].map(|d| {
                parse(d).map_or_else(String::new, |mut t| {
                    block_style(&mut t);
                    yaml::emit(&t, layout)
                })
            });
            // Or neither: the document is written differently with the same content (the
            // emitter wrote it whole): said too, so that the diff is empty only when `render`
            // changes nothing.
            let what = if pa != pb {
                "only redacted values change"
            } else {
                "only the way it is written changes"
            };
            out.push_str(&format!("--- a/{name}\n+++ b/{name}\n@@ {what} @@\n"));
            continue;
        }
        let diff = TextDiff::from_lines(&ea, &eb);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARK: &str = "S3CR3T-MARKER-7f3a";

    fn redacted(doc: &str, known: &Known) -> String {
        let mut root = yaml::parse(doc).unwrap().unwrap();
        redact(&mut root, known);
        yaml::emit(&root, yaml::Layout::detect(doc))
    }

    #[test]
    fn secret_fields_are_blanked_in_lists_and_every_shape() {
        let doc = format!(
            "kind: List\nitems:\n- kind: Secret\n  stringData:\n    a: >\n      {MARK}\n    b: |\n      x\n      {MARK}\n    c: [{MARK}]\n  data: {{k: \"{MARK}\"}}\n- kind: SealedSecret\n  spec:\n    encryptedData: {{k: {MARK}}}\n- kind: ExternalSecret\n  spec:\n    target:\n      template:\n        data:\n          k: \"{{{{ .x }}}}-{MARK}\"\n"
        );
        let out = redacted(&doc, &Known::default());
        assert!(!out.contains(MARK), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 6, "{out}");
        // Keys are names, not values: they stay.
        assert!(out.contains("a: <redacted>\n"), "{out}");
    }

    #[test]
    fn sso_env_values_are_blanked_unless_the_catalogue_calls_them_public() {
        let names = [
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_secret",
            "clearml__SERVICES__login__sso__oauth_client__keycloak__CLIENT_SECRET",
            " TRAINS__secure__login__sso__oauth_client__keycloak__client_secret ",
            "KLIQUE__secure__login__sso__oauth_client__keycloak__client_id",
            "CLEARML__secure__login__sso__oauth_client__keycloak__client_secrett",
            "CLEARML__services__login__sso__oauth_client__keycloack__base_url",
        ];
        for name in names {
            for value in [
                format!("  - {{\"name\": \"{name}\", \"value\": \"{MARK}\"}}\n"),
                format!("  - {{name: '{name}', value: \"x\n    {MARK}\"}}\n"),
                format!("  - name: \"{name}\"\n    value: >-\n      {MARK}\n      folded\n"),
                format!("  - name: \"{name}\"\n    value:\n    - {MARK}\n"),
                format!("  - name: \"{name}\"\n    value: 98127364519283746\n"),
            ] {
                let doc = format!("env:\n{value}");
                let out = redacted(&doc, &Known::default());
                assert!(
                    !out.contains(MARK) && !out.contains("98127364519283746"),
                    "{name}: {out}"
                );
                assert!(out.contains(REDACTED), "{out}");
            }
        }
        // A public option keeps its value.
        let doc = "env:\n- name: CLEARML__services__login__sso__oauth_client__keycloak__base_url\n  value: https://sso/\n";
        assert_eq!(redacted(doc, &Known::default()), doc);
    }

    #[test]
    fn an_env_entry_named_through_an_alias_merge_or_tag_is_still_redacted() {
        // Kubernetes reads each of these entries as the SSO credential with the marker as its
        // value (aliases followed, `<<` merged, `!!binary` decoded); a non-target container
        // may hold them, and a diff shows its lines as context.
        let name = "CLEARML__secure__login__sso__oauth_client__google__client_secret";
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(name);
        let anchors = format!(
            "a: [&n {name}, &k name, &vk value, &v anchored-{MARK}]\nm: &vm {{value: merged-{MARK}}}\nl: &nm {{name: {name}}}\n"
        );
        let merged = format!("merged-{MARK}");
        let anchored = format!("anchored-{MARK}");
        for (entry, value) in [
            (format!("- name: *n\n  value: {MARK}\n"), MARK),
            (format!("- *k : {name}\n  value: {MARK}\n"), MARK),
            (format!("- name: {name}\n  *vk : {MARK}\n"), MARK),
            (format!("- <<: {{name: {name}}}\n  value: {MARK}\n"), MARK),
            (format!("- <<: *nm\n  value: {MARK}\n"), MARK),
            (format!("- <<: [*nm]\n  value: {MARK}\n"), MARK),
            (format!("- name: !!binary {b64}\n  value: {MARK}\n"), MARK),
            (format!("- name: {name}\n  value: *v\n"), anchored.as_str()),
            (format!("- name: {name}\n  <<: *vm\n"), merged.as_str()),
            (format!("- name: {name}\n  <<: {{value: {MARK}}}\n"), MARK),
        ] {
            let doc = format!("{anchors}env:\n{entry}");
            let out = redacted(&doc, &Known::default());
            // The marker stands alone only in the entry; the anchored ones must go where the
            // entry uses them.
            let shown = |v: &str| out.split([' ', '\n']).any(|w| w == v);
            assert!(!shown(value), "{entry}: {out}");
            // Its value is known too, so it is blanked wherever else it stands.
            let mut known = Known::default();
            known.collect(&yaml::parse(&doc).unwrap().unwrap());
            assert!(known.contains(value), "{entry}");
        }
    }

    #[test]
    fn a_merged_name_after_an_explicit_one_is_the_name_kubernetes_reads() {
        // go-yaml v2 applies a `<<` merge over the keys before it: this sidecar's entry is
        // the Google client secret, not `HARMLESS`, and its value must not be shown.
        let name = "CLEARML__secure__login__sso__oauth_client__google__client_secret";
        let doc = |image: &str| {
            format!(
                "kind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: &n {name}\nspec:\n  containers:\n  - name: sidecar\n    env:\n    - name: HARMLESS\n      <<: {{name: *n}}\n      value: {MARK}\n    image: {image}\n"
            )
        };
        let d = unified(&doc("a"), &doc("b"));
        assert!(d.contains("+    image: b"), "{d}");
        assert!(!d.contains(MARK), "{d}");
    }

    #[test]
    fn known_values_are_blanked_only_as_whole_scalars() {
        let mut known = Known::default();
        let secret = format!(
            "kind: Secret\ndata:\n  d: {}\nstringData:\n  s: clearml\n",
            "aHVudGVyMi1zZWNyZXQ=" // hunter2-secret
        );
        known.collect(&yaml::parse(&secret).unwrap().unwrap());
        let doc = "a: hunter2-secret\nb: ' clearml '\nc: clearml is a word\nd: [aHVudGVyMi1zZWNyZXQ=]\nhunter2-secret: key\nenv:\n- name: OTHER\n  value: \"clearml\"\n";
        assert_eq!(
            redacted(doc, &known),
            "a: <redacted>\nb: <redacted>\nc: clearml is a word\nd:\n  - <redacted>\n<redacted>: key\nenv:\n- name: OTHER\n  value: <redacted>\n"
        );
    }

    #[test]
    fn literal_credentials_are_known_values_and_aliases_are_followed() {
        let mut known = Known::default();
        let doc = format!(
            "x: &s {MARK}\nenv:\n- name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n  value: *s\n- name: PLAIN\n  value: {MARK}\n"
        );
        known.collect(&yaml::parse(&doc).unwrap().unwrap());
        let out = redacted(&doc, &known);
        assert!(!out.contains(MARK), "{out}");
        assert!(out.contains("x: &a1 <redacted>\n"), "{out}");
    }

    #[test]
    fn reemission_only_changes_are_named_not_shown() {
        let secret =
            format!("---\n# Source: c/s.yaml\nkind: Secret\nstringData:\n  k: >\n    {MARK}\n");
        let input = format!("{secret}---\n# Source: c/a.yaml\nkind: A\nx: >\n  folded\nm: {{}}\n");
        let output = format!("{secret}---\n# Source: c/a.yaml\nkind: A\nx: |\n  folded\nm: {{}}\n");
        // Not hidden either: the output's bytes differ (render writes such a document this
        // way only when it cannot keep its text), so the header says how.
        assert_eq!(
            unified(&input, &output),
            "--- a/c/a.yaml\n+++ b/c/a.yaml\n@@ only the way it is written changes @@\n"
        );
        assert_eq!(unified(&input, &input), "");
        // A changed List shows its Secret as context only redacted.
        let list = format!("kind: List\nitems:\n- kind: Secret\n  stringData:\n    k: >\n      {MARK}\n- kind: Pod\n  x: 1\n");
        let d = unified(&list, &list.replace("x: 1", "x: 2"));
        assert!(!d.contains(MARK) && d.contains("k: <redacted>"), "{d}");
    }

    #[test]
    fn a_change_of_redacted_values_only_is_announced() {
        let doc = |v: &str| {
            format!("kind: Pod\nenv:\n- name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n  value: {v}\n")
        };
        assert_eq!(
            unified(&doc(MARK), &doc("other-secret")),
            "--- a/document 1\n+++ b/document 1\n@@ only redacted values change @@\n"
        );
    }

    #[test]
    fn helm4_documents_are_named_by_their_template() {
        // Helm 4 hands a post-renderer no `# Source:` comments, only the annotation.
        let doc = |kind: &str| {
            format!(
                "kind: {kind}\nmetadata:\n  annotations:\n    {}: 'clearml/templates/api.yaml'\n",
                objects::HELM4_FILENAME_ANNOTATION
            )
        };
        let input = format!("{}---\n{}", doc("A"), "kind: B\n");
        let output = format!("{}---\n{}", doc("C"), "kind: D\n");
        let d = unified(&input, &output);
        assert!(
            d.starts_with("--- a/clearml/templates/api.yaml\n+++ b/clearml/templates/api.yaml\n"),
            "{d}"
        );
        assert!(d.contains("--- a/document 2\n"), "{d}");
        assert_eq!(changed_documents(&input, &output), 2);
        assert_eq!(changed_documents(&input, &input), 0);
    }

    #[test]
    fn diff_is_per_changed_document() {
        let input = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: B\n";
        let output = "---\n# Source: c/a.yaml\nkind: A\n---\n# Source: c/b.yaml\nkind: C\n";
        insta::assert_snapshot!(unified(input, output), @r"
        --- a/c/b.yaml
        +++ b/c/b.yaml
        @@ -1 +1 @@
        -kind: B
        +kind: C
        ");
    }

    #[test]
    fn many_duplicate_entries_are_linear() {
        // 20,000 duplicates of a credential with distinct values: the line-based redactor this
        // replaces compared each line with each value (quadratic, over a minute).
        let entries: String = (0..20_000)
            .map(|i| {
                format!(
                    "  - name: CLEARML__secure__login__sso__oauth_client__google__client_secret\n    value: {MARK}-{i}\n"
                )
            })
            .collect();
        let input = format!("kind: Pod\nenv:\n{entries}");
        let output = format!(
            "kind: Pod\nenv:\n{}",
            &entries[..entries.find("\n  - ").unwrap() + 1]
        )
        .replace(&format!("{MARK}-0"), "other");
        let d = unified(&input, &output);
        assert!(!d.contains(MARK) && !d.contains("other"));
        // The first entry stays (context), the other 19,999 go.
        assert_eq!(d.matches("\n-    value: <redacted>\n").count(), 19_999);
        assert_eq!(d.matches("\n     value: <redacted>\n").count(), 1);
    }
}
