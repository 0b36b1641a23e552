//! What a container's process sees: its environment as the kubelet builds it, and the files its
//! volume mounts show, as far as the stream tells.
//!
//! The environment ([`process_env`]): `envFrom` sources in order (a later one of a name wins),
//! then `env` entries in order, each literal expanded (`$(VAR)`, [`objects::expand_env`])
//! against what is set so far, `valueFrom` references resolved from the stream's Secrets and
//! ConfigMaps ([`sources`]); the last entry of a name wins. What the stream cannot show (a Secret
//! from outside the release, a value an ExternalSecret fetches, `fieldRef`,
//! `resourceFieldRef`) becomes the caller's stand-in for that source, so that the caller can
//! tell it from any text. The files ([`mounted_files`]): each mount's files where
//! [`volumes::landing`] puts them, with the text the stream holds, and the mounts whose files
//! the stream cannot show.
//!
//! Kubernetes facts only: nothing here knows ClearML or the policy's settings, or words a
//! finding. Service-link variables (`<SERVICE>_SERVICE_HOST`, ...) are not modelled.

use crate::kube::objects;
use crate::kube::sources::{self, Inventory, RefKind};
use crate::kube::volumes::{self, Files};
use crate::policy::Policy;
use k8s_openapi::api::core::v1::{EnvFromSource, Volume, VolumeMount};
use serde_json::Value;
use std::collections::BTreeMap;

/// A container's process environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessEnv {
    /// Name → value, names unique, in the order each name was first set.
    pub vars: Vec<(String, String)>,
    /// An `envFrom` source whose keys the stream cannot show: it may set any variable.
    pub unseen_env_from: bool,
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The environment the kubelet gives `container` (a workload's container as Kubernetes reads
/// it) in `namespace`. `stand_in(what)` is the value put for a source the stream cannot show,
/// `what` naming it (`secret/NAME/KEY`, `configmap/NAME/KEY`, `fieldRef/PATH`, ...).
pub fn process_env(
    container: &Value,
    inventory: &Inventory,
    namespace: Option<&str>,
    stand_in: &dyn Fn(&str) -> String,
) -> ProcessEnv {
    let mut vars: Vec<(String, String)> = Vec::new();
    let set = |vars: &mut Vec<(String, String)>, name: String, value: String| match vars
        .iter_mut()
        .find(|(n, _)| *n == name)
    {
        Some(slot) => slot.1 = value,
        None => vars.push((name, value)),
    };
    let env_from: Vec<EnvFromSource> = container
        .get("envFrom")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    for v in sources::env_from(&env_from, inventory, namespace) {
        let value = match v.value {
            Some(s) => s.text_for_judging().to_string(),
            None => stand_in(&format!("envFrom/{}", v.name)),
        };
        set(&mut vars, v.name, value);
    }
    let unseen_env_from = sources::env_from_unseen(&env_from, inventory, namespace);
    for e in container
        .get("env")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(name) = e.get("name").and_then(Value::as_str) else {
            continue;
        };
        let from = e.get("valueFrom").filter(|v| !v.is_null());
        let value = match from {
            None => {
                let text = e.get("value").and_then(Value::as_str).unwrap_or_default();
                objects::expand_env(text, |var| {
                    vars.iter().find(|(n, _)| n == var).map(|(_, v)| v.clone())
                })
            }
            Some(from) => reference_value(from, inventory, namespace, stand_in),
        };
        set(&mut vars, name.to_string(), value);
    }
    ProcessEnv {
        vars,
        unseen_env_from,
    }
}

/// What a `valueFrom` gives: the stream's value, else the stand-in for its source.
fn reference_value(
    from: &Value,
    inventory: &Inventory,
    namespace: Option<&str>,
    stand_in: &dyn Fn(&str) -> String,
) -> String {
    for (field, kind, label) in [
        ("secretKeyRef", RefKind::Secret, "secret"),
        ("configMapKeyRef", RefKind::ConfigMap, "configmap"),
    ] {
        if let Some(r) = from.get(field) {
            let name = str_at(r, &["name"]).unwrap_or_default();
            let key = str_at(r, &["key"]).unwrap_or_default();
            return match sources::stored_value(inventory, kind, name, key, namespace) {
                Some((_, v)) => v.text_for_judging().to_string(),
                None => stand_in(&format!("{label}/{name}/{key}")),
            };
        }
    }
    let path = str_at(from, &["fieldRef", "fieldPath"])
        .map(|p| format!("fieldRef/{p}"))
        .or_else(|| {
            str_at(from, &["resourceFieldRef", "resource"]).map(|r| format!("resourceFieldRef/{r}"))
        })
        .unwrap_or_else(|| "valueFrom".to_string());
    stand_in(&path)
}

/// The files a container's volume mounts show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountedFiles {
    /// Absolute path → text, for every file whose text the stream holds.
    pub files: BTreeMap<String, String>,
    /// Mount paths (cleaned) whose files the stream cannot show, in part or whole.
    pub opaque: Vec<String>,
}

/// The files `container`'s volumeMounts show, from the pod's `volumes` (both as Kubernetes
/// reads them), where [`volumes::landing`] puts them.
pub fn mounted_files(
    container: &Value,
    pod_volumes: Option<&Value>,
    inventory: &Inventory,
    policy: &Policy,
    namespace: Option<&str>,
) -> MountedFiles {
    let mounts: Vec<VolumeMount> = container
        .get("volumeMounts")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let vols: Vec<Volume> = pod_volumes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    let mut out = MountedFiles::default();
    for m in &mounts {
        let at = crate::paths::clean_path(&m.mount_path);
        let volume = vols.iter().find(|v| v.name == m.name);
        let opaque_part = volume.and_then(|v| v.projected.as_ref()).is_some_and(|p| {
            p.sources
                .iter()
                .flatten()
                .any(|s| s.config_map.is_none() && s.secret.is_none())
        });
        let expr = m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty());
        let files = match volume {
            Some(v) if !expr => volumes::volume_files(v, inventory, policy, namespace),
            _ => Files::Unknown,
        };
        let Files::Known(_, files) = files else {
            out.opaque.push(at);
            continue;
        };
        if opaque_part {
            out.opaque.push(at.clone());
        }
        for f in files {
            let Some(path) = volumes::landing(m, &f.path) else {
                continue;
            };
            match sources::file_text(inventory, f.kind, &f.name, &f.key, namespace) {
                Some(text) => {
                    out.files.insert(path, text.text_for_judging().to_string());
                }
                None => out.opaque.push(path),
            }
        }
    }
    out
}

/// The pod spec's `volumes` of a workload object as Kubernetes reads it.
pub fn pod_volumes(object: &Value) -> Option<&Value> {
    let kind = object.get("kind").and_then(Value::as_str)?;
    objects::pod_spec_path(kind)?
        .iter()
        .try_fold(object, |v, k| v.get(k))?
        .get("volumes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_from_then_env_last_wins_and_expands() {
        let c = serde_json::json!({"env": [
            {"name": "A", "value": "1"},
            {"name": "B", "value": "x$(A)$(C)$$(A)"},
            {"name": "A", "value": "2"},
            {"name": "S", "valueFrom": {"secretKeyRef": {"name": "ext", "key": "k"}}},
            {"name": "F", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ]});
        let env = process_env(&c, &Inventory::default(), None, &|w| format!("<{w}>"));
        assert_eq!(
            env.vars,
            vec![
                ("A".to_string(), "2".to_string()),
                ("B".to_string(), "x1$(C)$(A)".to_string()),
                ("S".to_string(), "<secret/ext/k>".to_string()),
                ("F".to_string(), "<fieldRef/metadata.name>".to_string()),
            ]
        );
        assert!(!env.unseen_env_from);
    }
}
