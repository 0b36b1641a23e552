//! The values the probe takes from Secrets and ConfigMaps: files given with `--secrets` (as
//! `kubectl get secret NAME -o yaml` prints them, several documents or a `kind: List` too),
//! read as Kubernetes reads them (`crate::kube::read`, `crate::kube::sources`: `data` base64,
//! `stringData` winning), and then as ClearML reads the variable the value lands in
//! (`crate::clearml::values`: the value is HOCON text, so `"abc"` is `abc`).
//!
//! It must not print or return a value in a message: its errors name Secrets and keys only.

use crate::clearml::values;
use crate::kube::sources::{self, Inventory, SourceKind};
use crate::policy::SecretsPolicy;
use crate::pyhocon;

/// The Secrets and ConfigMaps given to the probe.
#[derive(Default)]
pub struct Store {
    inventory: Inventory,
}

impl Store {
    /// An empty store (no `--secrets`).
    pub fn new() -> Store {
        Store::default()
    }

    /// Adds the Secrets and ConfigMaps of one file's text; `source` names the file in errors.
    pub fn add_text(&mut self, text: &str, source: &str) -> Result<(), String> {
        let mut docs = Vec::new();
        for doc in crate::kube::stream::split(text) {
            match crate::kube::read::read(doc.parse_text()) {
                Ok(Some(v)) => docs.push(v),
                Ok(None) => {}
                Err(e) => return Err(format!("{source}: not readable as Kubernetes YAML: {e}")),
            }
        }
        // The placeholder patterns only judge keys (`render`'s business); values are kept
        // whatever they are.
        let placeholders = SecretsPolicy::default().placeholders;
        let read = sources::inventory(docs.iter().map(|d| (d, Some(source))), &placeholders);
        let found = read
            .sources
            .iter()
            .filter(|s| matches!(s.kind, SourceKind::Secret | SourceKind::ConfigMap))
            .count();
        if found == 0 {
            return Err(format!("{source}: holds no Secret or ConfigMap"));
        }
        self.inventory.sources.extend(read.sources);
        Ok(())
    }

    fn value(&self, secret: bool, name: &str, key: &str) -> Result<String, String> {
        let what = if secret { "Secret" } else { "ConfigMap" };
        let wanted = if secret {
            SourceKind::Secret
        } else {
            SourceKind::ConfigMap
        };
        // The last object of the name wins, as a later `kubectl apply` would.
        let Some(source) = self
            .inventory
            .sources
            .iter()
            .rev()
            .find(|s| s.kind == wanted && s.object.name == name)
        else {
            return Err(format!(
                "the policy reads {what} `{name}` (key `{key}`): pass it with --secrets FILE (`kubectl get {} {name} -o yaml > FILE`)",
                what.to_ascii_lowercase()
            ));
        };
        let Some((_, stored)) = source.values.iter().rev().find(|(k, _)| k == key) else {
            return Err(format!(
                "{what} `{name}` has no key `{key}` readable as text"
            ));
        };
        match values::read_one(stored.text_for_judging()) {
            Some(pyhocon::Value::String(s)) => Ok(s),
            Some(_) => Err(format!(
                "{what} `{name}` key `{key}`: ClearML reads the value as something other than a string"
            )),
            None => Err(format!(
                "{what} `{name}` key `{key}`: ClearML cannot read the value as one string"
            )),
        }
    }

    /// The value of `key` in Secret `name`, as ClearML reads it.
    pub fn secret(&self, name: &str, key: &str) -> Result<String, String> {
        self.value(true, name, key)
    }

    /// The value of `key` in ConfigMap `name`, as ClearML reads it.
    pub fn config_map(&self, name: &str, key: &str) -> Result<String, String> {
        self.value(false, name, key)
    }

    /// The keys named `file` in every ConfigMap and Secret, as a volume would show them as files
    /// (`(where, text)`, `where` naming the object and key): the text as stored, not read as
    /// HOCON, since a mounted file is not a variable.
    pub fn files_named(&self, file: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for s in &self.inventory.sources {
            let what = match s.kind {
                SourceKind::Secret => "Secret",
                SourceKind::ConfigMap => "ConfigMap",
                _ => continue,
            };
            for (key, stored) in s.values.iter().chain(&s.binary_values) {
                if key == file {
                    out.push((
                        format!("{what} {} key {key}", s.object.name),
                        stored.text_for_judging().to_string(),
                    ));
                }
            }
        }
        out
    }

    /// Every Secret value, raw and as ClearML reads it: what a result must never show.
    pub fn all_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.inventory.sources {
            if s.kind != SourceKind::Secret {
                continue;
            }
            for (_, stored) in &s.values {
                let raw = stored.text_for_judging();
                out.push(raw.to_string());
                if let Some(pyhocon::Value::String(v)) = values::read_one(raw) {
                    out.push(v);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECTL: &str = "apiVersion: v1
data:
  client_secret: InMzY3IzdCB3aXRoIHNwYWNlIg==
  plain: cGxhaW4tc2VjcmV0
kind: Secret
metadata:
  creationTimestamp: \"2026-01-01T00:00:00Z\"
  name: keycloak-sso
  namespace: clearml
  resourceVersion: \"1\"
  uid: 0d6a2c3e-0000-0000-0000-000000000000
type: Opaque
";

    #[test]
    fn reads_kubectl_output_as_clearml_reads_the_value() {
        let mut s = Store::new();
        s.add_text(KUBECTL, "s.yaml").unwrap();
        // `"s3cr3t with space"` is HOCON text: ClearML reads it without the quotes.
        assert_eq!(
            s.secret("keycloak-sso", "client_secret").unwrap(),
            "s3cr3t with space"
        );
        assert_eq!(s.secret("keycloak-sso", "plain").unwrap(), "plain-secret");
        let e = s.secret("keycloak-sso", "nope").unwrap_err();
        assert!(e.contains("no key `nope`"), "{e}");
        let e = s.secret("other", "k").unwrap_err();
        assert!(e.contains("--secrets"), "{e}");
        assert!(s.config_map("keycloak-sso", "plain").is_err());
        let all = s.all_values();
        assert!(all.contains(&"s3cr3t with space".to_string()));
        assert!(all.contains(&"\"s3cr3t with space\"".to_string()));
    }

    #[test]
    fn string_data_wins_and_lists_are_read() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: a}\n  data: {k: b2xk}\n  stringData: {k: new}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {client_id: clearml}\n";
        let mut s = Store::new();
        s.add_text(text, "l.yaml").unwrap();
        assert_eq!(s.secret("a", "k").unwrap(), "new");
        assert_eq!(s.config_map("c", "client_id").unwrap(), "clearml");
        assert_eq!(
            s.files_named("client_id"),
            [(
                "ConfigMap c key client_id".to_string(),
                "clearml".to_string()
            )]
        );
        assert!(s.files_named("nope").is_empty());
    }

    #[test]
    fn errors_never_carry_a_value() {
        let mut s = Store::new();
        let e = s
            .add_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "p.yaml")
            .unwrap_err();
        assert!(e.contains("no Secret"), "{e}");
        s.add_text(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData: {k: '[topsecret'}\n",
            "x.yaml",
        )
        .unwrap();
        let e = s.secret("a", "k").unwrap_err();
        assert!(!e.contains("topsecret"), "{e}");
    }
}
