//! Which Secrets the rendered stream provides, and whether a reference is met (DESIGN §4).
//!
//! Only names, keys and a verdict per key are kept here: values are decoded to be judged
//! (empty, placeholder) and dropped, so nothing downstream can print them.

use crate::k8s::{self, ObjectRef};
use crate::policy::Policy;
use crate::yaml::Node;
use k8s_openapi::ByteString;

/// What a Secret key holds, as far as the gate cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    /// A real-looking value.
    Present,
    /// Empty (after decoding).
    Empty,
    /// A placeholder such as `<AUTH0_CLIENT_SECRET>`, `changeme`, `TODO…`.
    Placeholder,
    /// `data` that is not valid base64: the API server rejects the Secret.
    InvalidBase64,
}

/// A Secret found in the stream.
#[derive(Debug, Clone)]
pub struct SecretEntry {
    /// Identity (for namespace comparison and messages).
    pub object: ObjectRef,
    /// Keys from `data` and `stringData`.
    pub keys: Vec<(String, KeyState)>,
}

/// Every Secret the stream provides.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Secrets in document order.
    pub secrets: Vec<SecretEntry>,
}

/// Whether a value is a placeholder someone forgot to replace.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let upper = v.to_ascii_uppercase();
    (v.starts_with('<') && v.ends_with('>'))
        || upper == "CHANGEME"
        || upper == "CHANGE_ME"
        || upper.starts_with("TODO")
        || upper.starts_with("REPLACE")
}

fn judge(bytes: &[u8]) -> KeyState {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        KeyState::Empty
    } else if std::str::from_utf8(bytes).is_ok_and(is_placeholder) {
        KeyState::Placeholder
    } else {
        KeyState::Present
    }
}

impl Inventory {
    /// Adds the Secret in `object`, if it is one.
    pub fn add(&mut self, object: &Node, source: Option<&str>) {
        if object.get_str("kind") != Some("Secret") || object.get_str("apiVersion") != Some("v1") {
            return;
        }
        let mut keys = Vec::new();
        if let Some(Node::Map { entries, .. }) = object.get("data") {
            for (k, v) in entries {
                let text = v.as_str().unwrap_or_default();
                // k8s-openapi's ByteString decodes base64 exactly as the API types do.
                let state = match serde_json::from_value::<ByteString>(serde_json::Value::String(
                    text.into(),
                )) {
                    Ok(bytes) => judge(&bytes.0),
                    Err(_) => KeyState::InvalidBase64,
                };
                keys.push((k.as_str().unwrap_or_default().to_string(), state));
            }
        }
        if let Some(Node::Map { entries, .. }) = object.get("stringData") {
            for (k, v) in entries {
                let key = k.as_str().unwrap_or_default().to_string();
                let state = judge(v.as_str().unwrap_or_default().as_bytes());
                // stringData wins over data for the same key, as in the API server.
                keys.retain(|(existing, _)| *existing != key);
                keys.push((key, state));
            }
        }
        self.secrets.push(SecretEntry {
            object: ObjectRef::of(object, source),
            keys,
        });
    }
}

/// The verdict on one `secretKeyRef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A Secret in the stream holds the key.
    Provided,
    /// Listed in `[secrets] external`.
    External,
    /// No such Secret anywhere.
    MissingSecret,
    /// The Secret is there, the key is not; the keys it has are listed.
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

/// Resolves a reference from a workload in `namespace` to Secret `name`, key `key`.
pub fn resolve(
    inv: &Inventory,
    policy: &Policy,
    name: &str,
    key: &str,
    namespace: Option<&str>,
) -> Resolution {
    let candidates: Vec<&SecretEntry> = inv
        .secrets
        .iter()
        .filter(|s| {
            s.object.name == name && same_namespace(s.object.namespace.as_deref(), namespace)
        })
        .collect();
    if let Some(state) = candidates
        .iter()
        .flat_map(|s| s.keys.iter())
        .find(|(k, _)| k == key)
        .map(|(_, s)| *s)
    {
        return match state {
            KeyState::Present => Resolution::Provided,
            other => Resolution::BadKey(other),
        };
    }
    if policy.secrets.external.iter().any(|e| e == name) {
        return Resolution::External;
    }
    if candidates.is_empty() {
        Resolution::MissingSecret
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
pub fn inventory<'a>(docs: impl IntoIterator<Item = (&'a Node, Option<&'a str>)>) -> Inventory {
    let mut inv = Inventory::default();
    for (root, source) in docs {
        for object in k8s::objects(root) {
            inv.add(object, source);
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn policy(external: &[&str]) -> Policy {
        let mut p = crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = \"a\"\nclient_secret = { secret = \"s\", key = \"k\" }\n",
            "p.toml",
        )
        .unwrap();
        p.secrets.external = external.iter().map(|s| s.to_string()).collect();
        p
    }

    fn inv(yaml: &str) -> Inventory {
        let node = parse(yaml).unwrap().unwrap();
        inventory([(&node, None)])
    }

    #[test]
    fn data_and_string_data_keys() {
        let i = inv("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  a: aGVsbG8=\n  b: ''\n  c: '!!!'\nstringData:\n  d: <AUTH0_CLIENT_SECRET>\n  e: real\n");
        let p = policy(&[]);
        assert_eq!(resolve(&i, &p, "s", "a", None), Resolution::Provided);
        assert_eq!(
            resolve(&i, &p, "s", "b", None),
            Resolution::BadKey(KeyState::Empty)
        );
        assert_eq!(
            resolve(&i, &p, "s", "c", None),
            Resolution::BadKey(KeyState::InvalidBase64)
        );
        assert_eq!(
            resolve(&i, &p, "s", "d", None),
            Resolution::BadKey(KeyState::Placeholder)
        );
        assert_eq!(resolve(&i, &p, "s", "e", None), Resolution::Provided);
        assert!(matches!(
            resolve(&i, &p, "s", "zz", None),
            Resolution::MissingKey(_)
        ));
        assert_eq!(
            resolve(&i, &p, "other", "a", None),
            Resolution::MissingSecret
        );
        assert_eq!(
            resolve(&i, &policy(&["other"]), "other", "a", None),
            Resolution::External
        );
    }

    #[test]
    fn namespaces_compare_only_when_both_are_named() {
        let i = inv(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\nstringData: {k: v}\n",
        );
        let p = policy(&[]);
        assert_eq!(resolve(&i, &p, "s", "k", Some("a")), Resolution::Provided);
        assert_eq!(resolve(&i, &p, "s", "k", None), Resolution::Provided);
        assert_eq!(
            resolve(&i, &p, "s", "k", Some("b")),
            Resolution::MissingSecret
        );
    }

    #[test]
    fn placeholders() {
        for p in ["<X>", "changeme", "CHANGE_ME", "TODO: fill", "REPLACE_ME"] {
            assert!(is_placeholder(p), "{p}");
        }
        assert!(!is_placeholder("s3cr3t"));
    }
}
