//! Which Secrets and ConfigMaps the rendered stream provides, and whether a reference is met
//! (DESIGN §4).
//!
//! Sources of a Secret: a `Secret` in the stream, an `ExternalSecret` (external-secrets.io)
//! that targets it, a `SealedSecret` (bitnami.com) that unseals to it, or the policy's
//! `[secrets] external` list. Only names, keys and a verdict per key are kept: values are
//! decoded to be judged (empty, placeholder) and dropped, so nothing downstream can print them.

use crate::k8s::{self, ObjectRef};
use crate::policy::{Globs, Policy};
use crate::yaml::Node;
use k8s_openapi::ByteString;

/// What a key holds, as far as the gate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// A real-looking value (or one the stream cannot show, such as an encrypted one).
    Present,
    /// Empty (after decoding).
    Empty,
    /// A placeholder such as `<AUTH0_CLIENT_SECRET>`, `changeme`, `TODO…`.
    Placeholder,
    /// `data` that is not valid base64: the API server rejects the Secret.
    InvalidBase64,
}

/// Where a provided Secret or ConfigMap comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `kind: Secret`.
    Secret,
    /// external-secrets.io `ExternalSecret` targeting the Secret.
    ExternalSecret,
    /// bitnami.com `SealedSecret` unsealing to the Secret.
    SealedSecret,
    /// `kind: ConfigMap`.
    ConfigMap,
}

impl SourceKind {
    /// Whether this source provides a Secret (rather than a ConfigMap).
    pub fn is_secret(self) -> bool {
        self != SourceKind::ConfigMap
    }
}

/// A Secret or ConfigMap the stream provides.
#[derive(Debug, Clone)]
pub struct Source {
    /// What kind of object provides it.
    pub kind: SourceKind,
    /// The provided object's name (the target Secret's, for ExternalSecret/SealedSecret),
    /// its namespace, and where it came from.
    pub object: ObjectRef,
    /// Keys with their verdicts.
    pub keys: Vec<(String, KeyState)>,
    /// An ExternalSecret with `dataFrom`: it provides keys that cannot be known here.
    pub any_key: bool,
}

/// Everything the stream provides.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Sources in document order.
    pub sources: Vec<Source>,
}

fn judge(bytes: &[u8], placeholders: &Globs) -> KeyState {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        KeyState::Empty
    } else if std::str::from_utf8(bytes).is_ok_and(|s| placeholders.is_match(s.trim())) {
        KeyState::Placeholder
    } else {
        KeyState::Present
    }
}

fn entries(node: Option<&Node>) -> &[(Node, Node)] {
    match node {
        Some(Node::Map { entries, .. }) => entries,
        _ => &[],
    }
}

fn key_name(k: &Node) -> String {
    k.as_str().unwrap_or_default().to_string()
}

fn api_group(object: &Node) -> &str {
    object
        .get_str("apiVersion")
        .and_then(|v| v.split_once('/'))
        .map_or("", |(g, _)| g)
}

impl Inventory {
    /// Adds what `object` provides, if anything.
    pub fn add(&mut self, object: &Node, source: Option<&str>, placeholders: &Globs) {
        let kind = object.get_str("kind").unwrap_or_default();
        let mut object_ref = ObjectRef::of(object, source);
        let (kind, keys, any_key) = match (kind, api_group(object)) {
            ("Secret", "") => {
                let mut keys: Vec<(String, KeyState)> = entries(object.get("data"))
                    .iter()
                    .map(|(k, v)| {
                        let text = v.as_str().unwrap_or_default();
                        // k8s-openapi's ByteString decodes base64 exactly as the API types do.
                        let state = match serde_json::from_value::<ByteString>(text.into()) {
                            Ok(bytes) => judge(&bytes.0, placeholders),
                            Err(_) => KeyState::InvalidBase64,
                        };
                        (key_name(k), state)
                    })
                    .collect();
                for (k, v) in entries(object.get("stringData")) {
                    let key = key_name(k);
                    // stringData wins over data for the same key, as in the API server.
                    keys.retain(|(existing, _)| *existing != key);
                    keys.push((
                        key,
                        judge(v.as_str().unwrap_or_default().as_bytes(), placeholders),
                    ));
                }
                (SourceKind::Secret, keys, false)
            }
            ("ConfigMap", "") => {
                let keys = entries(object.get("data"))
                    .iter()
                    .chain(entries(object.get("binaryData")))
                    .map(|(k, v)| {
                        (
                            key_name(k),
                            judge(v.as_str().unwrap_or_default().as_bytes(), placeholders),
                        )
                    })
                    .collect();
                (SourceKind::ConfigMap, keys, false)
            }
            ("ExternalSecret", "external-secrets.io") => {
                let spec = object.get("spec");
                if let Some(target) = spec
                    .and_then(|s| s.get("target"))
                    .and_then(|t| t.get_str("name"))
                {
                    object_ref.name = target.to_string();
                }
                let keys = spec
                    .and_then(|s| s.get("data"))
                    .map(|d| {
                        d.items()
                            .iter()
                            .filter_map(|i| i.get_str("secretKey"))
                            .map(|k| (k.to_string(), KeyState::Present))
                            .collect()
                    })
                    .unwrap_or_default();
                let any_key = spec
                    .and_then(|s| s.get("dataFrom"))
                    .is_some_and(|d| !d.items().is_empty());
                (SourceKind::ExternalSecret, keys, any_key)
            }
            ("SealedSecret", "bitnami.com") => {
                let spec = object.get("spec");
                let template_name = spec
                    .and_then(|s| s.get("template"))
                    .and_then(|t| t.get("metadata"))
                    .and_then(|m| m.get_str("name"));
                if let Some(name) = template_name {
                    object_ref.name = name.to_string();
                }
                let keys = entries(spec.and_then(|s| s.get("encryptedData")))
                    .iter()
                    .map(|(k, v)| {
                        let state = if v.as_str().unwrap_or_default().trim().is_empty() {
                            KeyState::Empty
                        } else {
                            KeyState::Present
                        };
                        (key_name(k), state)
                    })
                    .collect();
                (SourceKind::SealedSecret, keys, false)
            }
            _ => return,
        };
        self.sources.push(Source {
            kind,
            object: object_ref,
            keys,
            any_key,
        });
    }
}

/// A reference to a key of a Secret or a ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefKind {
    /// `secretKeyRef`, `envFrom.secretRef`, a `secret` volume.
    Secret,
    /// `configMapKeyRef`, `envFrom.configMapRef`, a `configMap` volume.
    ConfigMap,
}

impl RefKind {
    /// `Secret` / `ConfigMap`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Secret => "Secret",
            RefKind::ConfigMap => "ConfigMap",
        }
    }
}

/// The verdict on one reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Provided by an object in the stream.
    Provided(SourceKind),
    /// An ExternalSecret with `dataFrom` may provide it; the key cannot be checked here.
    MaybeByDataFrom,
    /// Listed in `[secrets] external`.
    External,
    /// Nothing provides it.
    Missing,
    /// The object is there, the key is not; the keys it has are listed.
    MissingKey(Vec<String>),
    /// The key is there but unusable.
    BadKey(KeyState),
}

/// Whether two namespaces can be the same: only when both are named do they have to match
/// (Helm does not tell a post-renderer the release namespace).
fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Resolves a reference from a workload in `namespace` to `name` (and `key`, `None` for a
/// whole-object reference such as `envFrom`).
pub fn resolve(
    inv: &Inventory,
    policy: &Policy,
    kind: RefKind,
    name: &str,
    key: Option<&str>,
    namespace: Option<&str>,
) -> Resolution {
    let candidates: Vec<&Source> = inv
        .sources
        .iter()
        .filter(|s| s.kind.is_secret() == (kind == RefKind::Secret))
        .filter(|s| {
            s.object.name == name && same_namespace(s.object.namespace.as_deref(), namespace)
        })
        .collect();
    let external = policy
        .secrets
        .external
        .iter()
        .any(|e| e.name == name && (e.key.is_none() || e.key.as_deref() == key));
    let Some(key) = key else {
        return if !candidates.is_empty() {
            Resolution::Provided(candidates[0].kind)
        } else if external {
            Resolution::External
        } else {
            Resolution::Missing
        };
    };
    let found = candidates.iter().find_map(|s| {
        s.keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, st)| (s.kind, *st))
    });
    match found {
        Some((source, KeyState::Present)) => return Resolution::Provided(source),
        Some((_, state)) if !external => return Resolution::BadKey(state),
        _ => {}
    }
    if external {
        Resolution::External
    } else if candidates.iter().any(|s| s.any_key) {
        Resolution::MaybeByDataFrom
    } else if candidates.is_empty() {
        Resolution::Missing
    } else {
        Resolution::MissingKey(
            candidates
                .iter()
                .flat_map(|s| s.keys.iter().map(|(k, _)| k.clone()))
                .collect(),
        )
    }
}

/// Builds the inventory of a whole parsed stream.
pub fn inventory<'a>(
    docs: impl IntoIterator<Item = (&'a Node, Option<&'a str>)>,
    placeholders: &Globs,
) -> Inventory {
    let mut inv = Inventory::default();
    for (root, source) in docs {
        for object in k8s::objects(root) {
            inv.add(object, source, placeholders);
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn policy(extra: &str) -> Policy {
        crate::policy::parse(
            &format!("version = 1\n{extra}\n[providers.google]\nclient_id = \"a\"\nclient_secret = {{ secret = \"s\", key = \"k\" }}\n"),
            "p.toml",
        )
        .unwrap()
    }

    fn inv(yaml: &str, p: &Policy) -> Inventory {
        let mut i = Inventory::default();
        for doc in crate::stream::split(yaml) {
            if let Some(node) = parse(doc.parse_text()).unwrap() {
                for o in k8s::objects(&node) {
                    i.add(o, None, &p.secrets.placeholders);
                }
            }
        }
        i
    }

    fn r(i: &Inventory, p: &Policy, name: &str, key: &str) -> Resolution {
        resolve(i, p, RefKind::Secret, name, Some(key), None)
    }

    #[test]
    fn data_and_string_data_keys() {
        let p = policy("");
        let i = inv("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  a: aGVsbG8=\n  b: ''\n  c: '!!!'\n  w: ICAg\nstringData:\n  d: <AUTH0_CLIENT_SECRET>\n  e: real\n  f: TODO fill me\n", &p);
        assert_eq!(
            r(&i, &p, "s", "a"),
            Resolution::Provided(SourceKind::Secret)
        );
        assert_eq!(r(&i, &p, "s", "b"), Resolution::BadKey(KeyState::Empty));
        assert_eq!(
            r(&i, &p, "s", "w"),
            Resolution::BadKey(KeyState::Empty),
            "base64 of spaces"
        );
        assert_eq!(
            r(&i, &p, "s", "c"),
            Resolution::BadKey(KeyState::InvalidBase64)
        );
        assert_eq!(
            r(&i, &p, "s", "d"),
            Resolution::BadKey(KeyState::Placeholder)
        );
        assert_eq!(
            r(&i, &p, "s", "f"),
            Resolution::BadKey(KeyState::Placeholder)
        );
        assert_eq!(
            r(&i, &p, "s", "e"),
            Resolution::Provided(SourceKind::Secret)
        );
        assert!(matches!(r(&i, &p, "s", "zz"), Resolution::MissingKey(_)));
        assert_eq!(r(&i, &p, "other", "a"), Resolution::Missing);
    }

    #[test]
    fn external_names_and_pinned_keys() {
        let p = policy("[secrets]\nexternal = [\"idp\", \"pinned/only\"]");
        let i = Inventory::default();
        assert_eq!(r(&i, &p, "idp", "anything"), Resolution::External);
        assert_eq!(r(&i, &p, "pinned", "only"), Resolution::External);
        assert_eq!(r(&i, &p, "pinned", "other"), Resolution::Missing);
    }

    #[test]
    fn configurable_placeholders() {
        let p = policy("[secrets]\nplaceholders = [\"dummy*\"]");
        let i = inv("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {a: DUMMY-1, b: changeme}\n", &p);
        assert_eq!(
            r(&i, &p, "s", "a"),
            Resolution::BadKey(KeyState::Placeholder)
        );
        assert_eq!(
            r(&i, &p, "s", "b"),
            Resolution::Provided(SourceKind::Secret),
            "the list replaces the defaults"
        );
    }

    #[test]
    fn external_secrets_v1beta1_and_v1() {
        let p = policy("");
        let i = inv(
            "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: es}\nspec:\n  target: {name: idp}\n  data:\n  - secretKey: client_secret\n    remoteRef: {key: x}\n---\napiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: defaulted}\nspec:\n  dataFrom:\n  - extract: {key: y}\n",
            &p,
        );
        assert_eq!(
            r(&i, &p, "idp", "client_secret"),
            Resolution::Provided(SourceKind::ExternalSecret)
        );
        assert!(matches!(
            r(&i, &p, "idp", "other"),
            Resolution::MissingKey(_)
        ));
        assert_eq!(
            r(&i, &p, "es", "client_secret"),
            Resolution::Missing,
            "target.name wins over the object's name"
        );
        assert_eq!(
            r(&i, &p, "defaulted", "anything"),
            Resolution::MaybeByDataFrom
        );
    }

    #[test]
    fn sealed_secrets() {
        let p = policy("");
        let i = inv(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: sealed}\nspec:\n  encryptedData: {k: AgBy3i4OJSWK}\n---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: x}\nspec:\n  template: {metadata: {name: unsealed}}\n  encryptedData: {k: AgBy3i4OJSWK}\n",
            &p,
        );
        assert_eq!(
            r(&i, &p, "sealed", "k"),
            Resolution::Provided(SourceKind::SealedSecret)
        );
        assert_eq!(
            r(&i, &p, "unsealed", "k"),
            Resolution::Provided(SourceKind::SealedSecret)
        );
        assert_eq!(r(&i, &p, "x", "k"), Resolution::Missing);
    }

    #[test]
    fn namespaces_compare_only_when_both_are_named() {
        let p = policy("");
        let i = inv(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\nstringData: {k: v}\n",
            &p,
        );
        let at = |ns| resolve(&i, &p, RefKind::Secret, "s", Some("k"), ns);
        assert_eq!(at(Some("a")), Resolution::Provided(SourceKind::Secret));
        assert_eq!(at(None), Resolution::Provided(SourceKind::Secret));
        assert_eq!(at(Some("b")), Resolution::Missing);
    }

    #[test]
    fn configmaps_are_not_secrets() {
        let p = policy("");
        let i = inv(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n",
            &p,
        );
        assert_eq!(r(&i, &p, "c", "k"), Resolution::Missing);
        assert_eq!(
            resolve(&i, &p, RefKind::ConfigMap, "c", Some("k"), None),
            Resolution::Provided(SourceKind::ConfigMap)
        );
    }
}
