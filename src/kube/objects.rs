//! Kubernetes shapes: where each workload kind keeps its pod spec, object identity, typed
//! reading of env entries through `k8s-openapi`, and the kubelet's `$(VAR)` expansion with the
//! one bound on it, Linux's on an environment string ([`MAX_ARG_STRLEN`]), and the one text it
//! makes that is not text (a `$` before a non-ASCII character, [`Unrepresentable::NotUtf8`]).
//! Facts about Kubernetes objects only: nothing here knows ClearML or the policy, selects a
//! target or words a finding.

use crate::yaml::Node;
use k8s_openapi::api::core::v1::EnvVar;

/// Where each workload kind keeps its pod spec: the one table of workload kinds (also the
/// default `[target] kinds`).
pub const POD_SPEC_PATHS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    // The core/v1 ancestor of ReplicaSet: still served, and it runs pods like any other.
    ("ReplicationController", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Who an object is: enough to name it in a finding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ObjectRef {
    /// `kind`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when the manifest sets it.
    pub namespace: Option<String>,
    /// The chart template it came from (`# Source:` or Helm 4's annotation).
    pub source: Option<String>,
}

/// Helm 4's annotation naming the template a document came from.
pub const HELM4_FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

impl ObjectRef {
    /// Identity of an object node; `source` is the document's `# Source:` if it had one.
    pub fn of(node: &Node, source: Option<&str>) -> ObjectRef {
        let meta = node.get("metadata");
        let annotation = meta
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get_str(HELM4_FILENAME_ANNOTATION));
        ObjectRef {
            kind: node.get_str("kind").unwrap_or_default().to_string(),
            name: meta
                .and_then(|m| m.get_str("name"))
                .unwrap_or_default()
                .to_string(),
            namespace: meta
                .and_then(|m| m.get_str("namespace"))
                .map(str::to_string),
            source: source.or(annotation).map(str::to_string),
        }
    }

    /// Identity of an object as Kubernetes reads it.
    pub fn of_json(object: &serde_json::Value, source: Option<&str>) -> ObjectRef {
        let meta = object.get("metadata");
        fn text(v: Option<&serde_json::Value>) -> Option<&str> {
            v.and_then(serde_json::Value::as_str)
        }
        let annotation = text(
            meta.and_then(|m| m.get("annotations"))
                .and_then(|a| a.get(HELM4_FILENAME_ANNOTATION)),
        );
        ObjectRef {
            kind: text(object.get("kind")).unwrap_or_default().to_string(),
            name: text(meta.and_then(|m| m.get("name")))
                .unwrap_or_default()
                .to_string(),
            namespace: text(meta.and_then(|m| m.get("namespace"))).map(str::to_string),
            source: source.or(annotation).map(str::to_string),
        }
    }
}

/// The objects of a document as Kubernetes reads it: itself, or the items of a `kind: List`.
pub fn json_objects(root: &serde_json::Value) -> Vec<&serde_json::Value> {
    if !json_is_list(root) {
        return vec![root];
    }
    root.get("items")
        .and_then(serde_json::Value::as_array)
        .map(|items| items.iter().flat_map(json_objects).collect())
        .unwrap_or_default()
}

/// The names of the ConfigMaps an object (as Kubernetes reads it) refers to anywhere: by
/// `configMapKeyRef`, `configMapRef` (`envFrom`), or a `configMap` volume or projection.
pub fn configmaps_named(v: &serde_json::Value) -> Vec<&str> {
    fn collect<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, v) in o {
                    if matches!(k.as_str(), "configMapKeyRef" | "configMapRef" | "configMap") {
                        if let Some(n) = v.get("name").and_then(serde_json::Value::as_str) {
                            out.push(n);
                        }
                    }
                    collect(v, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(v, &mut out);
    out
}

/// The `# Source: path` comment Helm 3 puts at the top of each document.
pub fn source_comment(raw: &str) -> Option<&str> {
    raw.lines()
        .take_while(|l| {
            let t = l.trim();
            t.is_empty() || t.starts_with('#') || t.starts_with("---")
        })
        .find_map(|l| l.trim().strip_prefix("# Source:").map(str::trim))
}

/// Whether a kind names a list (`List`, `DeploymentList`, …); the pre-scan parses such
/// documents in full.
pub fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

/// A document whose objects are its `items`. kubectl and Helm decide this by the *presence*
/// of an `items` field, whatever the kind (even `items: null`): a Secret with `items` is
/// never created as a Secret.
fn is_list(root: &Node) -> bool {
    root.get("items").is_some()
}

/// `is_list` for a document as Kubernetes reads it.
pub fn json_is_list(root: &serde_json::Value) -> bool {
    root.get("items").is_some()
}

/// Where a workload kind keeps its pod spec, if it is a workload kind.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    POD_SPEC_PATHS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, p)| *p)
}

/// The objects of a document: itself, or the items of a `kind: List` (nested lists too).
pub fn objects_mut(root: &mut Node) -> Vec<&mut Node> {
    if !is_list(root) {
        return vec![root];
    }
    match root.get_mut("items") {
        Some(Node::Seq { items, .. }) => items.iter_mut().flat_map(objects_mut).collect(),
        _ => Vec::new(),
    }
}

/// Read-only variant of [`objects_mut`].
pub fn objects(root: &Node) -> Vec<&Node> {
    if !is_list(root) {
        return vec![root];
    }
    root.get("items")
        .map(|i| i.items().iter().flat_map(objects).collect())
        .unwrap_or_default()
}

/// The pod spec of a workload of one of `kinds`, if it has one.
pub fn pod_spec_mut<'a>(object: &'a mut Node, kinds: &[String]) -> Option<&'a mut Node> {
    let kind = object.get_str("kind")?;
    if !kinds.iter().any(|k| k == kind) {
        return None;
    }
    let path = pod_spec_path(kind)?;
    let mut node = object;
    for step in path {
        node = node.get_mut(step)?;
    }
    Some(node)
}

/// Converts a node to JSON with YAML 1.1 scalar resolution (as Kubernetes' Go YAML reader
/// does), so that typed `k8s-openapi` reading rejects what the API server would reject.
pub fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match node {
        Node::Scalar {
            value, style, tag, ..
        } => {
            let plain = *style == crate::yaml::Style::Plain;
            crate::kube::read::scalar(value, plain, tag.as_deref())
        }
        Node::Seq { items, .. } => J::Array(items.iter().map(to_json).collect()),
        Node::Map { entries, .. } => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
        Node::Alias(_) => J::Null,
    }
}

/// A field of a tree node read as Kubernetes reads it, into its API type (`envFrom` as
/// `Vec<EnvFromSource>`, `volumes` as `Vec<Volume>`, …). `None` when absent or when the API
/// server would reject it.
pub fn typed<T: serde::de::DeserializeOwned>(node: &Node, field: &str) -> Option<T> {
    serde_json::from_value(to_json(node.get(field)?)).ok()
}

/// Linux's `MAX_ARG_STRLEN` with 4 KiB pages (32 pages; x86-64, and most arm64 kernels):
/// `execve` refuses, with E2BIG, an argument or environment string longer than this, its
/// terminating NUL included. The container runtime hands the process each variable as one
/// `NAME=value` string, so a variable longer than that never reaches a process: its container
/// never starts. The one bound on what Kubernetes' `$(VAR)` expansion may give here: no
/// expansion past it is ever built ([`expand_env`]), and a targeted container with a variable
/// past it is refused ([`fits_env`], decided by `kube::env::process_env_entries`).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;

/// The longest value any variable can hold within [`MAX_ARG_STRLEN`]: a name of one byte,
/// `=`, the value and the NUL. [`expand_env`] builds nothing longer.
pub const MAX_ENV_VALUE: usize = MAX_ARG_STRLEN - 3;

/// Whether the process can be given `name` with `value`: `NAME=value` and its NUL within
/// [`MAX_ARG_STRLEN`].
pub fn fits_env(name: &str, value: &str) -> bool {
    name.len() + value.len() + 2 <= MAX_ARG_STRLEN
}

/// Why [`expand_env`] gives no text: what the kubelet would give the process cannot be held
/// here as the text it is. Either way the tool cannot know the value as text, and a targeted
/// container whose process would get it is refused (`kube::env::process_env_entries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrepresentable {
    /// Longer than [`MAX_ENV_VALUE`]: no variable can hold it, so its container never starts.
    /// It was not built.
    TooLong,
    /// Not UTF-8: a `$` directly before a non-ASCII character. Go's expansion
    /// (`tryReadVariableName`) gives such a `$` back with the *byte* after it as
    /// `string(input[0])`, the code point U+0080–U+00FF of that byte, UTF-8 encoded, and then
    /// the character's other bytes: `$é` (24 C3 A9) becomes 24 C3 83 A9, `$`, `Ã` and a stray
    /// continuation byte. The process gets bytes that are no text, not the text written.
    NotUtf8,
}

/// Kubernetes' expansion of an env value (the kubelet's, before the process starts,
/// `third_party/forked/golang/expansion`): `$$` is a `$`, `$(NAME)` is what `lookup` gives for
/// NAME (a variable defined *earlier* in the list), and an undefined `$(NAME)` or any other `$`
/// stays as written — before an ASCII character; before a non-ASCII one Kubernetes gives other
/// bytes, not UTF-8 ([`Unrepresentable::NotUtf8`]), and the expansion stops there (`$$é` and
/// `$(é)` are fine: the first `$` escapes the second, the name is looked up as written).
/// [`Unrepresentable::TooLong`] when the result would be longer than [`MAX_ENV_VALUE`]: the
/// expansion stops before the piece that would pass it is added (each `$(VAR)` repeats VAR's
/// whole value, so a few entries that each repeat the one before make a value of gigabytes),
/// and the memory it holds never passes it either. Of the two, the one met first in the text
/// is given. Whether the value fits its own variable's name is [`fits_env`]'s to say. A text
/// without `$` is only copied.
pub fn expand_env<'v>(
    text: &str,
    mut lookup: impl FnMut(&str) -> Option<&'v str>,
) -> Result<String, Unrepresentable> {
    if !text.contains('$') {
        return match text.len() > MAX_ENV_VALUE {
            true => Err(Unrepresentable::TooLong),
            false => Ok(text.to_string()),
        };
    }
    let mut out = String::with_capacity(text.len().min(MAX_ENV_VALUE));
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        push_within(&mut out, &rest[..i])?;
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            push_within(&mut out, "$")?;
            rest = r;
        } else if let Some((name, r)) = after.strip_prefix('(').and_then(|a| a.split_once(')')) {
            match lookup(name) {
                Some(v) => push_within(&mut out, v)?,
                None => {
                    // As written: `$(`, the name, `)`.
                    push_within(&mut out, &rest[i..i + name.len() + 3])?;
                }
            }
            rest = r;
        } else if after.as_bytes().first().is_some_and(|b| !b.is_ascii()) {
            // Go's `string(input[0])` of a character's first byte: not the character.
            return Err(Unrepresentable::NotUtf8);
        } else {
            // Before an ASCII character (Go's `string(byte)` is that byte), or at the end.
            push_within(&mut out, "$")?;
            rest = after;
        }
    }
    push_within(&mut out, rest)?;
    Ok(out)
}

/// Adds `piece` to an expansion unless that would pass [`MAX_ENV_VALUE`]; the capacity grows
/// as a `String`'s does (doubling) but never past the bound either.
fn push_within(out: &mut String, piece: &str) -> Result<(), Unrepresentable> {
    let len = out.len() + piece.len();
    if len > MAX_ENV_VALUE {
        return Err(Unrepresentable::TooLong);
    }
    if len > out.capacity() {
        let want = len.max(out.capacity() * 2).min(MAX_ENV_VALUE);
        out.reserve_exact(want - out.len());
    }
    out.push_str(piece);
    Ok(())
}

/// The text to write so that Kubernetes' expansion gives back exactly `value`: every `$`
/// doubled.
pub fn escape_env(value: &str) -> String {
    value.replace('$', "$$")
}

/// Reads an env entry as Kubernetes would; `Err` says why the API server would reject it.
pub fn env_var(node: &Node) -> Result<EnvVar, serde_json::Error> {
    serde_json::from_value::<EnvVar>(to_json(node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    #[test]
    fn finds_pod_specs_by_kind() {
        let kinds: Vec<String> = POD_SPEC_PATHS.iter().map(|(k, _)| k.to_string()).collect();
        let mut cron = parse("kind: CronJob\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: []\n")
            .unwrap()
            .unwrap();
        assert!(pod_spec_mut(&mut cron, &kinds)
            .unwrap()
            .get("containers")
            .is_some());
        let mut svc = parse("kind: Service\nspec: {}\n").unwrap().unwrap();
        assert!(pod_spec_mut(&mut svc, &kinds).is_none());
    }

    #[test]
    fn list_items_are_objects() {
        let mut list =
            parse("kind: List\nitems:\n- kind: Pod\n- kind: List\n  items:\n  - kind: Job\n")
                .unwrap()
                .unwrap();
        let kinds: Vec<_> = objects_mut(&mut list)
            .iter()
            .map(|o| o.get_str("kind").unwrap().to_string())
            .collect();
        assert_eq!(kinds, ["Pod", "Job"]);
    }

    #[test]
    fn env_values_that_yaml11_reads_as_bool_are_rejected() {
        let entry = parse("name: X\nvalue: on\n").unwrap().unwrap();
        assert!(env_var(&entry).is_err());
        let entry = parse("name: X\nvalue: 'on'\n").unwrap().unwrap();
        assert_eq!(env_var(&entry).unwrap().value.as_deref(), Some("on"));
    }

    /// The kubelet's expansion (`third_party/forked/golang/expansion`), case by case.
    #[test]
    fn env_values_expand_as_the_kubelet_expands_them() {
        let vars = [("A", "1"), ("B", "$(A)")];
        let lookup = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        for (text, want) in [
            ("plain", "plain"),
            ("$(A)$(B)", "1$(A)"),
            ("$$(A)", "$(A)"),
            ("$$$(A)", "$1"),
            ("$(C)-$(A)", "$(C)-1"),
            ("$A $ $", "$A $ $"),
            ("$(A", "$(A"),
            ("x$()y", "x$()y"),
            ("$(A))", "1)"),
        ] {
            assert_eq!(expand_env(text, lookup), Ok(want.to_string()), "{text}");
        }
    }

    /// Linux's bound: a value of exactly `MAX_ENV_VALUE` bytes is built, one more is not, for a
    /// literal as for an expansion; and whether it fits is the variable name's to say.
    #[test]
    fn no_expansion_passes_linux_bound() {
        assert_eq!(MAX_ARG_STRLEN, 131_072);
        let half = "a".repeat(MAX_ENV_VALUE / 2);
        let lookup = |name: &str| (name == "H").then_some(half.as_str());
        // 2 × 65,534 + 1 = 131,069: `H=` and the NUL make it 131,072 exactly.
        let at = expand_env("$(H)$(H)b", lookup).unwrap();
        assert_eq!(at, format!("{half}{half}b"));
        assert_eq!(at.len(), MAX_ENV_VALUE);
        assert!(fits_env("B", &at));
        assert!(!fits_env("BB", &at));
        assert_eq!(
            expand_env("$(H)$(H)bb", lookup),
            Err(Unrepresentable::TooLong)
        );
        assert_eq!(
            expand_env("$(H)$(H)$$$$", lookup),
            Err(Unrepresentable::TooLong)
        );
        assert_eq!(
            expand_env("$(H)$(H)$$", lookup).unwrap().len(),
            MAX_ENV_VALUE
        );
        let literal = "x".repeat(MAX_ENV_VALUE);
        assert_eq!(expand_env(&literal, lookup).unwrap(), literal);
        assert_eq!(
            expand_env(&format!("{literal}x"), lookup),
            Err(Unrepresentable::TooLong)
        );
        // An undefined reference stays as written, and counts as written.
        let undefined = format!("{}$(Z)", &literal[5..]);
        assert_eq!(expand_env(&undefined, lookup).unwrap(), undefined);
        assert_eq!(
            expand_env(&format!("xx{undefined}"), lookup),
            Err(Unrepresentable::TooLong)
        );
    }

    /// Go's `expansion.Expand` (`third_party/forked/golang/expansion/expand.go`) ported line for
    /// line onto bytes, `string(input[0])` included (a byte made the code point of its value,
    /// UTF-8 encoded): what the kubelet gives, against which [`expand_env`] is checked.
    fn go_expand(input: &[u8], mapping: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut checkpoint = 0;
        let mut cursor = 0;
        while cursor < input.len() {
            if input[cursor] == b'$' && cursor + 1 < input.len() {
                buf.extend_from_slice(&input[checkpoint..cursor]);
                let rest = &input[cursor + 1..];
                let advance = match rest[0] {
                    b'$' => {
                        buf.push(b'$');
                        1
                    }
                    b'(' => match rest.iter().skip(1).position(|&b| b == b')') {
                        Some(close) => {
                            buf.extend(mapping(&rest[1..close + 1]));
                            close + 2
                        }
                        None => {
                            buf.extend_from_slice(b"$(");
                            1
                        }
                    },
                    byte => {
                        buf.push(b'$');
                        let mut utf8 = [0; 4];
                        buf.extend_from_slice(char::from(byte).encode_utf8(&mut utf8).as_bytes());
                        1
                    }
                };
                cursor += advance;
                checkpoint = cursor + 1;
            }
            cursor += 1;
        }
        buf.extend_from_slice(&input[checkpoint..]);
        buf
    }

    /// A `$` before a non-ASCII character: Go gives the character's first byte back as a
    /// character of its own (`$é`, 24 C3 A9, becomes 24 C3 83 A9: `$`, `Ã` and a stray
    /// continuation byte), which is not UTF-8, so there is no text to give: `NotUtf8`. Before
    /// any ASCII character, or at the end, the `$` stays as written; `$$é` is `$é`; `$(é)` is a
    /// name, looked up as written. Each case is what Go's expansion gives, byte for byte.
    #[test]
    fn a_dollar_before_a_non_ascii_character_is_not_text() {
        let vars = [("A", "1"), ("é", "e-acute"), ("X", "$é")];
        let lookup = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let mapping = |name: &[u8]| match vars.iter().find(|(n, _)| n.as_bytes() == name) {
            Some((_, v)) => v.as_bytes().to_vec(),
            None => [b"$(", name, b")"].concat(),
        };
        let go = |text: &str| go_expand(text.as_bytes(), mapping);
        assert_eq!(go("$é"), b"$\xC3\x83\xA9");
        assert_eq!(expand_env("$é", lookup), Err(Unrepresentable::NotUtf8));
        // Every ASCII character after `$` but `$` and `(`: the `$` and it, as written.
        for b in (0..0x80u8).filter(|b| !matches!(b, b'$' | b'(')) {
            let text = format!("x${}y", char::from(b));
            assert_eq!(expand_env(&text, lookup).as_deref(), Ok(text.as_str()));
            assert_eq!(go(&text), text.as_bytes());
        }
        let fine = [
            ("$$é", "$é"),
            ("$$$$é", "$$é"),
            ("$(é)", "e-acute"),
            ("$(ü)", "$(ü)"),
            ("é$", "é$"),
            ("é$$", "é$"),
            ("$(é", "$(é"),
            ("$(A)é", "1é"),
            // A value looked up is given as it is, never expanded again.
            ("$(X)", "$é"),
        ];
        for (text, want) in fine {
            assert_eq!(expand_env(text, lookup), Ok(want.to_string()), "{text}");
            assert_eq!(go(text), want.as_bytes(), "{text}");
        }
        let mangled = [
            "$é",
            "ab$é",
            "$$$é",
            "$(A)$é",
            "$é$(A)",
            "$($é",
            "$\u{80}",
            "$\u{a0}",
            "$€",
            "$\u{1f600}",
            "$é$",
        ];
        for text in mangled {
            assert_eq!(
                expand_env(text, lookup),
                Err(Unrepresentable::NotUtf8),
                "{text}"
            );
            assert!(std::str::from_utf8(&go(text)).is_err(), "{text}");
        }
        // It stops there: nothing after it is looked up.
        let mut asked = Vec::new();
        let out = expand_env("$(A)$é$(X)", |n| {
            asked.push(n.to_string());
            lookup(n)
        });
        assert_eq!(
            (out, asked),
            (Err(Unrepresentable::NotUtf8), vec!["A".to_string()])
        );
        // Of the two problems, the one met first in the text is given; a value too long
        // without it is too long as before.
        let literal = "x".repeat(MAX_ENV_VALUE);
        assert_eq!(
            expand_env(&format!("{literal}x$é"), lookup),
            Err(Unrepresentable::TooLong)
        );
        assert_eq!(
            expand_env(&format!("$é{literal}x"), lookup),
            Err(Unrepresentable::NotUtf8)
        );
        assert_eq!(
            expand_env(&format!("{}$$é", &literal[3..]), lookup).map(|v| v.len()),
            Ok(MAX_ENV_VALUE)
        );
    }

    /// One value with many references stops at the first one that would pass the bound: the
    /// references after it are not even looked up, and the memory never passes the bound.
    #[test]
    fn many_references_stop_at_the_bound() {
        let text = "$(A)".repeat(1_000_000);
        let mut asked = 0;
        let out = expand_env(&text, |_| {
            asked += 1;
            Some("0123456789")
        });
        assert_eq!(out, Err(Unrepresentable::TooLong));
        assert_eq!(asked, MAX_ENV_VALUE / 10 + 1);
        let mut out = String::new();
        let piece = "z".repeat(1000);
        while push_within(&mut out, &piece).is_ok() {}
        assert_eq!(out.len(), MAX_ENV_VALUE / 1000 * 1000);
        assert!(out.capacity() <= MAX_ENV_VALUE, "{}", out.capacity());
    }

    #[test]
    fn source_comment_is_found() {
        assert_eq!(
            source_comment("---\n# Source: c/templates/a.yaml\nkind: A\n"),
            Some("c/templates/a.yaml")
        );
        assert_eq!(source_comment("kind: A\n# Source: no\n"), None);
    }
}
