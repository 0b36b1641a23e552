//! Which Secrets and ConfigMaps the rendered stream provides, and whether a reference is met:
//! the secrets gate (README, "Secrets gate").
//!
//! Sources of a Secret: a `Secret` in the stream, an `ExternalSecret` (external-secrets.io)
//! that targets it, a `SealedSecret` (bitnami.com) that unseals to it, or the policy's
//! `[secrets] external` list. Only names, keys and a verdict per key are kept: values are
//! decoded to be judged (empty, placeholder) and dropped, so nothing downstream can print them.
//!
//! Every reference resolves here, with one namespace rule ([`Inventory::present`]): a
//! `secretKeyRef`, a volume's source, and `envFrom` ([`env_from`], shared by the corrections
//! and the proof). It judges nothing about what ClearML makes of a value and words no finding.

use crate::kube::objects::{self, ObjectRef};
use crate::policy::{Globs, Policy};
use k8s_openapi::api::core::v1::EnvFromSource;
use k8s_openapi::ByteString;
use serde_json::Value;

/// The kinds that can provide a Secret or a ConfigMap, and `Service` (whose service-link
/// variables the kubelet gives containers, [`ServiceLink`]). The render reads every document of
/// these kinds (as Kubernetes reads it) and nothing else for the inventory.
pub const SOURCE_KINDS: &[&str] = &[
    "Secret",
    "ExternalSecret",
    "SealedSecret",
    "ConfigMap",
    "Service",
];

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
    /// A NUL byte: no environment variable can hold it, so the container runtime refuses to
    /// start a container whose env reads it.
    Nul,
    /// Bytes that are not UTF-8: ClearML (Python) reads them with surrogate escapes, which it
    /// cannot send to the identity provider (and the tool cannot judge how HOCON reads them).
    NotUtf8,
    /// A ConfigMap's `binaryData` key: a file in a volume, but nothing an env reference reads.
    BinaryOnly,
}

/// A value a Secret or ConfigMap holds, kept so that ClearML's reading of it can be judged
/// (`crate::clearml::judge::judge`). `Debug` shows its length only, and it has no `Display`: nothing
/// that formats an inventory can print a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Stored(String);

impl Stored {
    /// The text, for judging only; never put it in a message.
    pub fn text_for_judging(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Stored(<{} bytes, not shown>)", self.0.len())
    }
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
    /// The values the stream shows, by key: decoded `data` that is UTF-8, `stringData`,
    /// ConfigMap `data`, an ExternalSecret template entry with no `{{ }}` in it. None for a
    /// SealedSecret (encrypted) or a value an ExternalSecret fetches at install.
    pub values: Vec<(String, Stored)>,
    /// A ConfigMap's `binaryData` that decodes to UTF-8: the text a volume shows as a file
    /// (ClearML may read it as a `*.conf`), never an env value, so kept apart from `values`.
    pub binary_values: Vec<(String, Stored)>,
    /// An ExternalSecret with `dataFrom`: it provides keys that cannot be known here.
    pub any_key: bool,
    /// A Helm hook that does not exist when the apiserver starts, and why.
    pub absent_at_start: Option<String>,
}

/// A Service of the stream that gets a cluster IP, as far as the kubelet's service-link
/// variables need it (`crate::kube::env::service_env`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceLink {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`, when the manifest sets it.
    pub namespace: Option<String>,
    /// `spec.clusterIP` (else the first of `spec.clusterIPs`) when the manifest sets it;
    /// `None`: the API server assigns one at install, which the stream cannot show.
    pub cluster_ip: Option<String>,
    /// `spec.ports` in order: name (empty when unnamed), port, protocol (`TCP` when unset).
    pub ports: Vec<(String, i32, String)>,
}

impl ServiceLink {
    /// The service-link facts of a `kind: Service` object as Kubernetes reads it, or `None`
    /// when the kubelet gives it no variables: no cluster IP (`ExternalName`, headless
    /// `clusterIP: None`), or no ports (the API server refuses such a Service).
    fn of(object: &Value, object_ref: &ObjectRef) -> Option<ServiceLink> {
        let spec: k8s_openapi::api::core::v1::ServiceSpec =
            serde_json::from_value(object.get("spec")?.clone()).ok()?;
        if spec.type_.as_deref() == Some("ExternalName") {
            return None;
        }
        let ip = spec
            .cluster_ip
            .clone()
            .filter(|ip| !ip.is_empty())
            .or_else(|| spec.cluster_ips.as_ref()?.first().cloned())
            .filter(|ip| !ip.is_empty());
        if ip.as_deref() == Some("None") {
            return None;
        }
        let ports: Vec<(String, i32, String)> = spec
            .ports?
            .into_iter()
            .map(|p| {
                let protocol = p.protocol.filter(|p| !p.is_empty());
                (
                    p.name.unwrap_or_default(),
                    p.port,
                    protocol.unwrap_or_else(|| "TCP".to_string()),
                )
            })
            .collect();
        if ports.is_empty() {
            return None;
        }
        Some(ServiceLink {
            name: object_ref.name.clone(),
            namespace: object_ref.namespace.clone(),
            cluster_ip: ip,
            ports,
        })
    }
}

/// Everything the stream provides.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Sources in document order.
    pub sources: Vec<Source>,
    /// The stream's Services that get a cluster IP, in document order (a later one of a name
    /// and namespace replacing an earlier one).
    pub services: Vec<ServiceLink>,
}

impl Inventory {
    /// The sources a reference from a workload in `namespace` reads: the Secrets (`secret`)
    /// or ConfigMaps named `name`, in that namespace when both name one, that exist when the
    /// pod starts, in document order.
    pub fn present<'a: 'q, 'q>(
        &'a self,
        secret: bool,
        name: &'q str,
        namespace: Option<&'q str>,
    ) -> impl Iterator<Item = &'a Source> + 'q {
        self.sources.iter().filter(move |s| {
            s.kind.is_secret() == secret
                && s.object.name == name
                && s.absent_at_start.is_none()
                && same_namespace(s.object.namespace.as_deref(), namespace)
        })
    }
}

fn judge(bytes: &[u8], placeholders: &Globs) -> KeyState {
    if bytes.contains(&0) {
        KeyState::Nul
    } else if std::str::from_utf8(bytes).is_err() {
        KeyState::NotUtf8
    } else if bytes.iter().all(u8::is_ascii_whitespace) {
        KeyState::Empty
    } else if std::str::from_utf8(bytes).is_ok_and(|s| placeholders.is_match(s.trim())) {
        KeyState::Placeholder
    } else {
        KeyState::Present
    }
}

fn entries(v: Option<&Value>) -> impl Iterator<Item = (&String, &Value)> {
    v.and_then(Value::as_object).into_iter().flatten()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn api_group(object: &Value) -> &str {
    object
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.split_once('/'))
        .map_or("", |(g, _)| g)
}

/// The hook events Helm knows. An object whose `helm.sh/hook` names anything else (an empty
/// entry from a trailing comma included) is skipped by Helm altogether.
const HELM_HOOKS: &[&str] = &[
    "pre-install",
    "post-install",
    "pre-delete",
    "post-delete",
    "pre-upgrade",
    "post-upgrade",
    "pre-rollback",
    "post-rollback",
    "test",
    "test-success",
];

/// Helm's reading of a comma-separated hook annotation: entries trimmed and lower-cased.
fn annotation_list(annotations: &Value, key: &str) -> Option<Vec<String>> {
    let text = annotations.get(key)?.as_str()?;
    Some(
        text.split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
    )
}

/// Why a Helm hook object does not exist when the apiserver starts, if it does not. Only a
/// `pre-install`/`pre-upgrade` hook that is not deleted on success is there by then; `test`
/// hooks exist only during `helm test`, `post-*` ones only after the pods started, and one
/// naming an unknown hook is never created. `list` is the enclosing `kind: List`, whose
/// annotations Helm applies to the whole list.
fn hook_absence(object: &Value, list: Option<&Value>) -> Option<String> {
    let annotated = [list, Some(object)]
        .into_iter()
        .flatten()
        .filter_map(|o| o.get("metadata")?.get("annotations"))
        .find(|a| a.get("helm.sh/hook").is_some())?;
    let hooks = annotation_list(annotated, "helm.sh/hook").unwrap_or_default();
    if let Some(unknown) = hooks.iter().find(|h| !HELM_HOOKS.contains(&h.as_str())) {
        return Some(format!(
            "a hook naming `{unknown}`, which Helm does not know, so Helm skips it"
        ));
    }
    let deleted_on_success = annotation_list(annotated, "helm.sh/hook-delete-policy")
        .is_some_and(|p| p.iter().any(|p| p == "hook-succeeded"));
    let early = hooks
        .iter()
        .any(|h| h == "pre-install" || h == "pre-upgrade");
    if early && !deleted_on_success {
        None
    } else if early {
        Some("a pre-install/pre-upgrade hook deleted once it succeeded".into())
    } else {
        Some(format!("a `{}` hook", hooks.join(",")))
    }
}

/// Decodes Secret `data` as the API server does: standard base64, line breaks ignored (Go's
/// decoder skips `\r` and `\n`). `None` when the API server would reject it.
pub fn decode_data(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    serde_json::from_value::<ByteString>(Value::String(compact))
        .ok()
        .map(|b| b.0)
}

impl Inventory {
    /// Adds what `object` (as Kubernetes reads it) provides, if anything.
    /// `list` is the `kind: List` document holding it, if any.
    pub fn add(
        &mut self,
        object: &Value,
        list: Option<&Value>,
        source: Option<&str>,
        placeholders: &Globs,
    ) {
        let kind = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut object_ref = ObjectRef::of_json(object, source);
        let spec = object.get("spec");
        let mut values = Vec::new();
        let mut binary_values = Vec::new();
        let (kind, keys, any_key) = match (kind, api_group(object)) {
            ("Service", "") => {
                // A Service is a Service whatever its hook annotations: a pod restarted after a
                // `post-install` hook ran sees it too.
                self.services.retain(|s| {
                    !(s.name == object_ref.name && s.namespace == object_ref.namespace)
                });
                self.services.extend(ServiceLink::of(object, &object_ref));
                return;
            }
            ("Secret", "") => {
                let mut keys: Vec<(String, KeyState)> = Vec::new();
                for (k, v) in entries(object.get("data")) {
                    let state = match v.as_str().and_then(decode_data) {
                        Some(bytes) => {
                            let state = judge(&bytes, placeholders);
                            if let Ok(s) = String::from_utf8(bytes) {
                                values.push((k.clone(), Stored(s)));
                            }
                            state
                        }
                        None => KeyState::InvalidBase64,
                    };
                    keys.push((k.clone(), state));
                }
                for (k, v) in entries(object.get("stringData")) {
                    // stringData wins over data for the same key, as in the API server.
                    keys.retain(|(existing, _)| existing != k);
                    values.retain(|(existing, _)| existing != k);
                    keys.push((k.clone(), judge(text(v).as_bytes(), placeholders)));
                    values.push((k.clone(), Stored(text(v).to_string())));
                }
                (SourceKind::Secret, keys, false)
            }
            ("ConfigMap", "") => {
                // `binaryData` keys are files to a volume, but an env reference cannot read
                // them (the kubelet reads `data` only).
                let keys = entries(object.get("data"))
                    .map(|(k, v)| (k.clone(), judge(text(v).as_bytes(), placeholders)))
                    .chain(
                        entries(object.get("binaryData"))
                            .map(|(k, _)| (k.clone(), KeyState::BinaryOnly)),
                    )
                    .collect();
                values.extend(
                    entries(object.get("data")).map(|(k, v)| (k.clone(), Stored(text(v).into()))),
                );
                binary_values.extend(entries(object.get("binaryData")).filter_map(|(k, v)| {
                    let bytes = v.as_str().and_then(decode_data)?;
                    Some((k.clone(), Stored(String::from_utf8(bytes).ok()?)))
                }));
                (SourceKind::ConfigMap, keys, false)
            }
            ("ExternalSecret", "external-secrets.io") => {
                let target = spec.and_then(|s| s.get("target"));
                fn text(v: Option<&Value>) -> Option<&str> {
                    v.and_then(Value::as_str)
                }
                if let Some(name) = text(target.and_then(|t| t.get("name"))) {
                    object_ref.name = name.to_string();
                }
                // `None` creates no Secret; `Merge` only adds to one that must exist already.
                let creation = text(target.and_then(|t| t.get("creationPolicy")));
                if matches!(creation, Some("None" | "Merge")) {
                    return;
                }
                let list =
                    |v: Option<&Value>| v.and_then(Value::as_array).cloned().unwrap_or_default();
                let mut keys: Vec<(String, KeyState)> = list(spec.and_then(|s| s.get("data")))
                    .iter()
                    .filter_map(|i| i.get("secretKey").and_then(Value::as_str))
                    .map(|k| (k.to_string(), KeyState::Present))
                    .collect();
                let mut any_key = !list(spec.and_then(|s| s.get("dataFrom"))).is_empty();
                // With a template, the Secret holds the template's keys; under the default
                // merge policy `Replace` only those.
                if let Some(template) = target.and_then(|t| t.get("template")) {
                    if text(template.get("mergePolicy")).unwrap_or("Replace") == "Replace" {
                        keys.clear();
                        any_key = false;
                    }
                    // A template entry without `{{` is the value as it will be stored;
                    // with one, part of it comes from the provider at install.
                    values.extend(entries(template.get("data")).filter_map(|(k, v)| {
                        let v = v.as_str()?;
                        (!v.contains("{{")).then(|| (k.clone(), Stored(v.to_string())))
                    }));
                    keys.extend(
                        entries(template.get("data")).map(|(k, _)| (k.clone(), KeyState::Present)),
                    );
                    any_key |= !list(template.get("templateFrom")).is_empty();
                }
                (SourceKind::ExternalSecret, keys, any_key)
            }
            ("SealedSecret", "bitnami.com") => {
                // The controller names the Secret after the SealedSecret itself, whatever
                // `spec.template.metadata.name` says.
                let mut keys: Vec<(String, KeyState)> =
                    entries(spec.and_then(|s| s.get("encryptedData")))
                        .map(|(k, v)| {
                            let state = if text(v).trim().is_empty() {
                                KeyState::Empty
                            } else {
                                KeyState::Present
                            };
                            (k.clone(), state)
                        })
                        .collect();
                // `spec.template.data`: keys the controller adds, rendered as Go templates over
                // the decrypted values (over an encrypted key of the same name). One without
                // `{{` is stored as written.
                let template_data = spec
                    .and_then(|s| s.get("template"))
                    .and_then(|t| t.get("data"));
                for (k, v) in entries(template_data) {
                    keys.retain(|(existing, _)| existing != k);
                    keys.push((k.clone(), KeyState::Present));
                    if let Some(v) = v.as_str().filter(|v| !v.contains("{{")) {
                        values.push((k.clone(), Stored(v.to_string())));
                    }
                }
                (SourceKind::SealedSecret, keys, false)
            }
            _ => return,
        };
        // Applied in stream order, a later object of the same name replaces an earlier one.
        let replaced = |s: &Source| {
            s.kind.is_secret() == kind.is_secret()
                && s.object.name == object_ref.name
                && s.object.namespace == object_ref.namespace
        };
        self.sources.retain(|s| !replaced(s));
        self.sources.push(Source {
            kind,
            object: object_ref,
            keys,
            values,
            binary_values,
            any_key,
            absent_at_start: hook_absence(object, list),
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
    /// Only a Helm hook provides it, and the hook does not exist when the apiserver starts.
    Hook(String),
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
    let (candidates, hooks): (Vec<&Source>, Vec<&Source>) = inv
        .sources
        .iter()
        .filter(|s| s.kind.is_secret() == (kind == RefKind::Secret))
        .filter(|s| {
            s.object.name == name && same_namespace(s.object.namespace.as_deref(), namespace)
        })
        .partition(|s| s.absent_at_start.is_none());
    let external = policy.secrets.external.iter().any(|e| e.covers(name, key));
    let absent = || match hooks.first() {
        Some(h) => Resolution::Hook(h.absent_at_start.clone().unwrap_or_default()),
        None => Resolution::Missing,
    };
    let Some(key) = key else {
        return if !candidates.is_empty() {
            Resolution::Provided(candidates[0].kind)
        } else if external {
            Resolution::External
        } else {
            absent()
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
        // The release's own copy is what the apiserver reads, listed external or not: an
        // empty or placeholder key there is not vouched for by `[secrets] external`.
        Some((_, state)) => return Resolution::BadKey(state),
        _ => {}
    }
    if external {
        Resolution::External
    } else if candidates.iter().any(|s| s.any_key) {
        Resolution::MaybeByDataFrom
    } else if candidates.is_empty() {
        absent()
    } else {
        Resolution::MissingKey(
            candidates
                .iter()
                .flat_map(|s| s.keys.iter().map(|(k, _)| k.clone()))
                .collect(),
        )
    }
}

/// The value a reference reads, when the stream shows it: from the same source [`resolve`]
/// takes the key from (the first, in document order, that exists when the apiserver starts).
pub fn stored_value<'a>(
    inv: &'a Inventory,
    kind: RefKind,
    name: &str,
    key: &str,
    namespace: Option<&str>,
) -> Option<(SourceKind, &'a Stored)> {
    let source = inv
        .present(kind == RefKind::Secret, name, namespace)
        .find(|s| s.keys.iter().any(|(k, _)| k == key))?;
    let value = source.values.iter().find(|(k, _)| k == key)?;
    Some((source.kind, &value.1))
}

/// The text a volume shows for a key of a Secret or ConfigMap the stream provides: its
/// value ([`stored_value`]) or, for a ConfigMap, its `binaryData` decoded as UTF-8.
pub fn file_text<'a>(
    inv: &'a Inventory,
    kind: RefKind,
    name: &str,
    key: &str,
    namespace: Option<&str>,
) -> Option<&'a Stored> {
    if let Some((_, value)) = stored_value(inv, kind, name, key, namespace) {
        return Some(value);
    }
    inv.present(kind == RefKind::Secret, name, namespace)
        .find(|s| s.keys.iter().any(|(k, _)| k == key))?
        .binary_values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// One variable an `envFrom` source in the stream brings into a container.
pub struct FromEnv<'a> {
    /// Its name: the source's key with the entry's prefix.
    pub name: String,
    /// Its value, when the stream shows it.
    pub value: Option<&'a Stored>,
    /// Where it comes from, `secret/NAME/KEY` or `configmap/NAME/KEY`: what a value the
    /// stream does not show is named by.
    pub source: String,
}

/// The variables a container's `envFrom` list brings in from the sources in the stream, in
/// the order Kubernetes sets them (a later one of a name wins; any `env` entry wins over them
/// all). The one `envFrom` resolution: the corrections and the proof both read it.
pub fn env_from<'a>(
    env_from: &[EnvFromSource],
    inv: &'a Inventory,
    namespace: Option<&str>,
) -> Vec<FromEnv<'a>> {
    let mut out = Vec::new();
    for entry in env_from {
        let Some((secret, name)) = env_from_target(entry) else {
            continue;
        };
        let prefix = entry.prefix.as_deref().unwrap_or_default();
        for s in inv.present(secret, name, namespace) {
            let kind = if secret { "secret" } else { "configmap" };
            out.extend(s.keys.iter().map(|(k, _)| FromEnv {
                name: format!("{prefix}{k}"),
                value: s.values.iter().find(|(key, _)| key == k).map(|(_, v)| v),
                source: format!("{kind}/{name}/{k}"),
            }));
        }
    }
    out
}

/// Whether an `envFrom` entry of the list reads a source whose keys the tool cannot know (one
/// outside the stream, an ExternalSecret with `dataFrom`): it may set any variable.
pub fn env_from_unseen(
    env_from: &[EnvFromSource],
    inv: &Inventory,
    namespace: Option<&str>,
) -> bool {
    !env_from_unseen_sources(env_from, inv, namespace).is_empty()
}

/// An `envFrom` entry whose source's keys the tool cannot know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnseenEnvFrom {
    /// `secretRef` (else `configMapRef`).
    pub secret: bool,
    /// The source's name.
    pub name: String,
    /// The entry's `prefix` (`""` when none): every variable it brings in starts with it.
    pub prefix: String,
}

impl UnseenEnvFrom {
    /// `secret/NAME` or `configmap/NAME`, as `[secrets] trust_env_from` lists it.
    pub fn label(&self) -> String {
        let kind = if self.secret { "secret" } else { "configmap" };
        format!("{kind}/{}", self.name)
    }
}

/// The `envFrom` entries of the list whose source's keys the tool cannot know (one outside the
/// stream, an ExternalSecret with `dataFrom`), in order; `optional` ones count the same (the
/// source may exist when the pod starts).
pub fn env_from_unseen_sources(
    env_from: &[EnvFromSource],
    inv: &Inventory,
    namespace: Option<&str>,
) -> Vec<UnseenEnvFrom> {
    env_from
        .iter()
        .filter_map(|entry| {
            let (secret, name) = env_from_target(entry)?;
            let provided: Vec<&Source> = inv.present(secret, name, namespace).collect();
            (provided.is_empty() || provided.iter().any(|s| s.any_key)).then(|| UnseenEnvFrom {
                secret,
                name: name.to_string(),
                prefix: entry.prefix.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// Whether an `envFrom` entry reads a Secret (else a ConfigMap), and its name.
fn env_from_target(entry: &EnvFromSource) -> Option<(bool, &str)> {
    match (&entry.secret_ref, &entry.config_map_ref) {
        (Some(r), _) => Some((true, &r.name)),
        (None, Some(r)) => Some((false, &r.name)),
        (None, None) => None,
    }
}

/// Builds the inventory of a whole stream, each document as Kubernetes reads it.
pub fn inventory<'a>(
    docs: impl IntoIterator<Item = (&'a Value, Option<&'a str>)>,
    placeholders: &Globs,
) -> Inventory {
    let mut inv = Inventory::default();
    for (root, source) in docs {
        let list = objects::json_is_list(root).then_some(root);
        for object in objects::json_objects(root) {
            inv.add(object, list, source, placeholders);
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    fn policy(extra: &str) -> Policy {
        crate::policy::parse(
            &format!("version = 1\n{extra}\n[providers.google]\nclient_id = \"a\"\nclient_secret = {{ secret = \"s\", key = \"k\" }}\n"),
            "p.toml",
        )
        .unwrap()
    }

    fn inv(yaml: &str, p: &Policy) -> Inventory {
        let docs: Vec<Value> = crate::kube::stream::split(yaml)
            .iter()
            .filter_map(|d| crate::kube::read::read(d.parse_text()).unwrap())
            .collect();
        inventory(docs.iter().map(|d| (d, None)), &p.secrets.placeholders)
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
        // A copy in the stream is judged all the same: its placeholder is what ClearML reads.
        let i = inv(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: idp}\nstringData: {a: changeme, b: real-value}\n",
            &p,
        );
        assert_eq!(
            r(&i, &p, "idp", "a"),
            Resolution::BadKey(KeyState::Placeholder)
        );
        assert_eq!(
            r(&i, &p, "idp", "b"),
            Resolution::Provided(SourceKind::Secret)
        );
        assert_eq!(r(&i, &p, "idp", "c"), Resolution::External);
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
        // The controller names the Secret after the SealedSecret, not its template.
        assert_eq!(r(&i, &p, "unsealed", "k"), Resolution::Missing);
        assert_eq!(
            r(&i, &p, "x", "k"),
            Resolution::Provided(SourceKind::SealedSecret)
        );
    }

    #[test]
    fn helm_hooks_as_helm_reads_them() {
        let p = policy("");
        let secret = |annotations: &str| {
            format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations: {{{annotations}}}\nstringData: {{k: v}}\n")
        };
        let at = |yaml: &str| r(&inv(yaml, &p), &p, "s", "k");
        assert_eq!(
            at(&secret("helm.sh/hook: pre-install")),
            Resolution::Provided(SourceKind::Secret)
        );
        assert_eq!(
            at(&secret("helm.sh/hook: ' Pre-Install , pre-upgrade'")),
            Resolution::Provided(SourceKind::Secret)
        );
        for absent in [
            "helm.sh/hook: test",
            "helm.sh/hook: post-install",
            "helm.sh/hook: 'pre-install,'",
            "helm.sh/hook: pre-install, helm.sh/hook-delete-policy: Hook-Succeeded",
            "helm.sh/hook: 'pre-install,crd-install'",
        ] {
            assert!(
                matches!(at(&secret(absent)), Resolution::Hook(_)),
                "{absent}"
            );
        }
        let list = "apiVersion: v1\nkind: List\nmetadata:\n  annotations: {helm.sh/hook: post-install}\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n  stringData: {k: v}\n";
        assert!(
            matches!(at(list), Resolution::Hook(_)),
            "a List's hook covers its items"
        );
    }

    #[test]
    fn external_secret_creation_policy_and_templates() {
        let p = policy("");
        let es = |target: &str| {
            format!("apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {{name: s}}\nspec:\n  target: {target}\n  data:\n  - secretKey: k\n    remoteRef: {{key: x}}\n")
        };
        let at = |yaml: &str, key: &str| r(&inv(yaml, &p), &p, "s", key);
        assert_eq!(
            at(&es("{creationPolicy: Owner}"), "k"),
            Resolution::Provided(SourceKind::ExternalSecret)
        );
        assert_eq!(at(&es("{creationPolicy: None}"), "k"), Resolution::Missing);
        assert_eq!(at(&es("{creationPolicy: Merge}"), "k"), Resolution::Missing);
        let templated = es("{template: {data: {other: '{{ .k }}'}}}");
        assert!(
            matches!(at(&templated, "k"), Resolution::MissingKey(_)),
            "Replace keeps only the template's keys"
        );
        assert_eq!(
            at(&templated, "other"),
            Resolution::Provided(SourceKind::ExternalSecret)
        );
        let merged = es("{template: {mergePolicy: Merge, data: {other: x}}}");
        assert_eq!(
            at(&merged, "k"),
            Resolution::Provided(SourceKind::ExternalSecret)
        );
    }

    #[test]
    fn a_later_secret_of_the_same_name_replaces_an_earlier_one() {
        let p = policy("");
        let i = inv("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {other: v}\n", &p);
        assert!(matches!(r(&i, &p, "s", "k"), Resolution::MissingKey(_)));
    }

    #[test]
    fn data_with_line_breaks_decodes_as_the_api_server_does() {
        assert_eq!(decode_data("aGVs\nbG8=\n").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_data("!!!"), None);
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
