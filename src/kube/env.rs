//! What a container's process sees: its environment as the kubelet builds it, and the files its
//! volume mounts show, as far as the stream tells.
//!
//! The environment ([`process_env`]), as the kubelet's `makeEnvironmentVariables` builds it:
//! `envFrom` sources in order (a later one of a name wins), then `env` entries in order, each
//! literal expanded (`$(VAR)`, [`objects::expand_env`]) against what is set so far and then the
//! service-link variables, `valueFrom` references resolved from the stream's Secrets and
//! ConfigMaps ([`sources`]) and a `fieldRef` to the pod template's labels, annotations or
//! service account; the last entry of a name wins; last, every service-link variable
//! ([`service_env`]) no entry set. A variable the process would get whose `NAME=value` is
//! longer than Linux takes ([`objects::MAX_ARG_STRLEN`]) means the container never starts, and
//! one whose expansion is not UTF-8 (a `$` before a non-ASCII character,
//! [`objects::Unrepresentable::NotUtf8`]) is not the text written, nor any text: the
//! environment is then not given, only that variable's name and why ([`EnvMisfit`]), and no
//! expansion is built past the bound. What the stream cannot show (a Secret from outside the
//! release, a value an ExternalSecret fetches, a `fieldRef` to what the cluster assigns (name,
//! uid, node, IPs), `resourceFieldRef`, a cluster IP the API server assigns at install) becomes the caller's stand-in for that source, so that
//! the caller can tell it from any text. The files ([`mounted_files`]): each mount's files where
//! [`volumes::landing`] puts them, with the text the stream holds, and the mounts whose files
//! the stream cannot show.
//!
//! Kubernetes facts only: nothing here knows ClearML or the policy's settings, or words a
//! finding. Services outside the stream (another release's in the same namespace) cannot be
//! seen, so their service-link variables are not modelled.

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
    /// Name → value, names unique, in the order each name was first set (the service-link
    /// variables no entry set last).
    pub vars: Vec<(String, String)>,
    /// The `envFrom` sources whose keys the stream cannot show: each may set any variable
    /// starting with its prefix.
    pub unseen_env_from: Vec<sources::UnseenEnvFrom>,
    /// The service-link variables of `vars` (those no `envFrom`/`env` entry set), each with
    /// the Service that gives it (`kubernetes` for the cluster's own).
    pub service_links: Vec<(String, String)>,
}

/// The name of the Service that is always linked: the cluster's API server, in `default`
/// (the kubelet's `masterServices`).
pub const MASTER_SERVICE: &str = "kubernetes";

/// `makeEnvVariableName` of the kubelet's `envvars.go`: upper case, `-` → `_`.
fn link_name(s: &str) -> String {
    s.replace('-', "_").to_uppercase()
}

/// Whether the pod of a workload object (as Kubernetes reads it) gets the service-link
/// variables of its namespace's Services: unless `enableServiceLinks` is `false`.
pub fn service_links_enabled(object: &Value) -> bool {
    let Some(kind) = object.get("kind").and_then(Value::as_str) else {
        return true;
    };
    let Some(path) = objects::pod_spec_path(kind) else {
        return true;
    };
    path.iter()
        .try_fold(object, |v, k| v.get(k))
        .and_then(|spec| spec.get("enableServiceLinks"))
        != Some(&Value::Bool(false))
}

/// The service-link variables the kubelet gives a container in `namespace`, each with its
/// value and the Service that gives it: the kubelet's `getServiceEnvVarMap` then `envvars.go`'s
/// `FromServices`. The cluster's `kubernetes` Service always (its port 443 named `https`, as
/// the API server creates it), and, when `links` (`enableServiceLinks`), every Service of the
/// stream in the pod's namespace (one of them named `kubernetes` replaces the cluster's). For
/// each: `<S>_SERVICE_HOST` (the cluster IP), `<S>_SERVICE_PORT` (the first port),
/// `<S>_SERVICE_PORT_<NAME>` per named port, then Docker's link variables `<S>_PORT` (the
/// first port's `proto://ip:port`) and, per port, `<S>_PORT_<port>_<PROTO>` with its `_PROTO`,
/// `_PORT` and `_ADDR`. A value holding a cluster IP the stream does not show is
/// `stand_in("service/NAME/VARIABLE")`. Which of two variables of one name wins depends on the
/// Services' order in the kubelet's map (Go's map order); here the later Service wins.
pub fn service_env(
    inventory: &Inventory,
    namespace: Option<&str>,
    links: bool,
    stand_in: &dyn Fn(&str) -> String,
) -> Vec<(String, String, String)> {
    let master = sources::ServiceLink {
        name: MASTER_SERVICE.to_string(),
        namespace: Some("default".to_string()),
        cluster_ip: None,
        ports: vec![("https".to_string(), 443, "TCP".to_string())],
    };
    // A later Service of a name replaces an earlier one and takes the last place, as does a
    // later variable of a name; kept by index so that a stream of many Services stays linear.
    let mut linked: LastWins<&sources::ServiceLink> = LastWins::default();
    linked.push(master.name.clone(), &master);
    if links {
        for s in &inventory.services {
            let same = match (s.namespace.as_deref(), namespace) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            };
            if same {
                linked.push(s.name.clone(), s);
            }
        }
    }
    let linked = linked.into_values();
    // Sized for every variable up front: the map would otherwise rehash each name as it grows.
    let count = linked
        .iter()
        .filter(|s| !s.ports.is_empty())
        .map(|s| {
            let named = s.ports.iter().filter(|(n, _, _)| !n.is_empty()).count();
            3 + named + 4 * s.ports.len()
        })
        .sum();
    let mut out: LastWins<(String, String, String)> = LastWins::with_capacity(count);
    for s in linked {
        let prefix = link_name(&s.name);
        let mut push = |name: String, value: Option<String>| {
            // Joined, not `format!`ed: a namespace of many Services has thousands of these.
            let value =
                value.unwrap_or_else(|| stand_in(&["service/", &s.name, "/", &name].concat()));
            out.push(name.clone(), (name, value, s.name.clone()));
        };
        let ip = s.cluster_ip.as_deref();
        // `net.JoinHostPort`: an IPv6 address in brackets.
        let host_port = |port: &str| {
            ip.map(|ip| match ip.contains(':') {
                true => ["[", ip, "]:", port].concat(),
                false => [ip, ":", port].concat(),
            })
        };
        let Some((_, first, _)) = s.ports.first() else {
            continue;
        };
        push(
            [prefix.as_str(), "_SERVICE_HOST"].concat(),
            ip.map(str::to_string),
        );
        let port_var = [prefix.as_str(), "_SERVICE_PORT"].concat();
        push(port_var.clone(), Some(first.to_string()));
        for (name, port, _) in &s.ports {
            if !name.is_empty() {
                push(
                    [port_var.as_str(), "_", &link_name(name)].concat(),
                    Some(port.to_string()),
                );
            }
        }
        for (i, (_, port, protocol)) in s.ports.iter().enumerate() {
            let port = port.to_string();
            let lower = protocol.to_lowercase();
            let url = host_port(&port).map(|hp| [lower.as_str(), "://", &hp].concat());
            if i == 0 {
                push([prefix.as_str(), "_PORT"].concat(), url.clone());
            }
            let port_prefix = [
                prefix.as_str(),
                "_PORT_",
                &port,
                "_",
                &protocol.to_uppercase(),
            ]
            .concat();
            push(port_prefix.clone(), url);
            push([port_prefix.as_str(), "_PROTO"].concat(), Some(lower));
            push([port_prefix.as_str(), "_PORT"].concat(), Some(port));
            push(
                [port_prefix.as_str(), "_ADDR"].concat(),
                ip.map(str::to_string),
            );
        }
    }
    out.into_values()
}

/// The service-link variables of one run, computed once per namespace and
/// `enableServiceLinks` ([`service_env`]): they are the same for every container of a
/// namespace with the same setting, and a stream of many Services gives each hundreds. One
/// cache serves one inventory and one `stand_in` (the caller's to keep so); it can be shared by
/// threads.
#[derive(Default)]
pub struct ServiceLinks {
    by: std::sync::Mutex<ServiceLinksMap>,
}

/// One cell per namespace and setting: the first caller builds the table, the others wait for
/// it rather than build it again (a namespace of many Services takes a while, and every
/// worker starts on the same namespace).
type ServiceLinksMap = std::collections::HashMap<
    (Option<String>, bool),
    std::sync::Arc<std::sync::OnceLock<std::sync::Arc<LinkTable>>>,
>;

/// One namespace's service-link variables ([`service_env`]: name, value, Service; names
/// unique), with what every targeted container of the namespace asks of them answered once:
/// a caller with one container per release in a namespace of many releases would otherwise
/// walk them all per container (quadratic in the stream).
#[derive(Debug)]
pub struct LinkTable {
    vars: Vec<(String, String, String)>,
    /// Indices, sorted by name: also how a name is looked up ([`LinkTable::index_of`]), so that
    /// building a table hashes and copies no name.
    sorted: Vec<usize>,
    /// Indices of the variables whose name or value holds a NUL, ascending.
    with_nul: Vec<usize>,
    /// What callers derived from `vars` ([`LinkTable::derived`]): one cell of each type.
    derived: std::sync::Mutex<Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>>,
}

/// Two tables are equal when their variables are (the rest is derived from them).
impl PartialEq for LinkTable {
    fn eq(&self, other: &Self) -> bool {
        self.vars == other.vars
    }
}

impl LinkTable {
    /// The table of `vars` ([`service_env`]'s output).
    pub fn new(vars: Vec<(String, String, String)>) -> LinkTable {
        let mut sorted: Vec<usize> = (0..vars.len()).collect();
        sorted.sort_by(|&a, &b| vars[a].0.cmp(&vars[b].0));
        let with_nul = (0..vars.len())
            .filter(|&i| vars[i].0.contains('\0') || vars[i].1.contains('\0'))
            .collect();
        LinkTable {
            vars,
            sorted,
            with_nul,
            derived: Default::default(),
        }
    }

    /// What `make` derives from this table, made on the first call for its type `T` and kept
    /// with the table: a caller's question about a namespace's link variables (which of them a
    /// container could be refused for) is then answered once per namespace, not walked per
    /// container. `make` must depend on the table alone, and not ask for a `T` itself.
    pub fn derived<T: std::any::Any + Send + Sync>(
        &self,
        make: impl FnOnce(&LinkTable) -> T,
    ) -> std::sync::Arc<T> {
        type Cell<T> = std::sync::OnceLock<std::sync::Arc<T>>;
        let cell: std::sync::Arc<Cell<T>> = {
            // A poisoned lock still holds only finished entries (each is pushed whole).
            let mut all = self
                .derived
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match all
                .iter()
                .find_map(|d| d.clone().downcast::<Cell<T>>().ok())
            {
                Some(cell) => cell,
                None => {
                    let cell = std::sync::Arc::new(Cell::<T>::new());
                    all.push(cell.clone());
                    cell
                }
            }
        };
        // Made outside the list's lock, in the type's own cell: the workers that ask at once
        // wait for one making instead of each making it.
        cell.get_or_init(|| std::sync::Arc::new(make(self))).clone()
    }

    /// The index of the variable `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        // Names are unique, so the one found is the one.
        self.sorted
            .binary_search_by(|&i| self.vars[i].0.as_str().cmp(name))
            .ok()
            .map(|at| self.sorted[at])
    }

    /// The indices of the variables whose name starts with `prefix`, ascending.
    pub fn with_prefix(&self, prefix: &str) -> Vec<usize> {
        let from = self
            .sorted
            .partition_point(|&i| self.vars[i].0.as_str() < prefix);
        let mut out: Vec<usize> = self.sorted[from..]
            .iter()
            .copied()
            .take_while(|&i| self.vars[i].0.starts_with(prefix))
            .collect();
        out.sort_unstable();
        out
    }

    /// The indices of the variables whose name or value holds a NUL, ascending.
    pub fn with_nul(&self) -> &[usize] {
        &self.with_nul
    }
}

impl std::ops::Deref for LinkTable {
    type Target = [(String, String, String)];
    fn deref(&self) -> &Self::Target {
        &self.vars
    }
}

impl ServiceLinks {
    /// [`service_env`] for `namespace` and `links`, computed on the first call for them.
    pub fn get(
        &self,
        inventory: &Inventory,
        namespace: Option<&str>,
        links: bool,
        stand_in: &dyn Fn(&str) -> String,
    ) -> std::sync::Arc<LinkTable> {
        let key = (namespace.map(str::to_string), links);
        // A poisoned lock still holds only finished entries (each is inserted whole).
        let lock = || {
            self.by
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        // Built outside the map's lock, so that a thread wanting another namespace does not
        // wait; a cell whose builder panicked stays empty and the next caller builds it.
        let cell = lock().entry(key).or_default().clone();
        cell.get_or_init(|| {
            std::sync::Arc::new(LinkTable::new(service_env(
                inventory, namespace, links, stand_in,
            )))
        })
        .clone()
    }
}

/// Values by name where a later value of a name replaces the earlier one and moves to the
/// end: `retain` then `push` on a list, in linear time.
struct LastWins<T> {
    slots: Vec<Option<T>>,
    index: std::collections::HashMap<String, usize>,
}

impl<T> Default for LastWins<T> {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl<T> LastWins<T> {
    /// Room for `n` values without growing.
    fn with_capacity(n: usize) -> Self {
        Self {
            slots: Vec::with_capacity(n),
            index: std::collections::HashMap::with_capacity(n),
        }
    }

    fn push(&mut self, name: String, value: T) {
        if let Some(old) = self.index.insert(name, self.slots.len()) {
            self.slots[old] = None;
        }
        self.slots.push(Some(value));
    }

    fn into_values(self) -> Vec<T> {
        self.slots.into_iter().flatten().collect()
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

/// The environment the kubelet gives `container` (a workload's container as Kubernetes reads
/// it) in `namespace`, with the service-link variables of [`service_env`] (`links`: the pod's
/// `enableServiceLinks`, [`service_links_enabled`]). `stand_in(what)` is the value put for a
/// source the stream cannot show, `what` naming it (`secret/NAME/KEY`, `configmap/NAME/KEY`,
/// `fieldRef/PATH`, `service/NAME/VARIABLE`, ...). `object` is the workload the container is in:
/// its pod template's labels, annotations and service account are what a `fieldRef` reads.
pub fn process_env(
    container: &Value,
    object: Option<&Value>,
    inventory: &Inventory,
    namespace: Option<&str>,
    links: bool,
    stand_in: &dyn Fn(&str) -> String,
) -> Result<ProcessEnv, EnvMisfit> {
    let services = LinkTable::new(service_env(inventory, namespace, links, stand_in));
    process_env_entries(container, object, inventory, namespace, &services, stand_in)
        .map(|env| env.with_links(&services))
}

/// A variable the process would get that the tool cannot know as text: its `NAME=value` is
/// longer than Linux takes ([`objects::MAX_ARG_STRLEN`]; the kubelet builds the environment,
/// `exec` refuses it (E2BIG), and the container never starts), or its expansion is not UTF-8
/// (the process starts, with bytes other than the text written). The first such variable, in
/// the order the process would get them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvMisfit {
    /// Its name.
    pub name: String,
    /// Why: [`objects::Unrepresentable::TooLong`] also for a value that does not fit its own
    /// name ([`objects::fits_env`]).
    pub why: objects::Unrepresentable,
}

/// What [`process_env_entries`] gives: [`process_env`] with the service-link variables given
/// (`services`: [`service_env`] for the container's namespace and `enableServiceLinks`, e.g.
/// from [`ServiceLinks`], so that a caller with many containers of one namespace computes them
/// once) and not copied: the variables the container's `envFrom`/`env` entries set, and which
/// of `services` the kubelet adds after them (by index; those no entry set). The process
/// environment is `vars` followed by those ([`EntriesEnv::with_links`]).
/// (At 1.8 MB a container has some 800 link variables, the same for every container of its
/// namespace.)
#[derive(Debug, Clone, PartialEq)]
pub struct EntriesEnv {
    /// Name → value of the entries, names unique, in the order each name was first set.
    pub vars: Vec<(String, String)>,
    /// As [`ProcessEnv::unseen_env_from`].
    pub unseen_env_from: Vec<sources::UnseenEnvFrom>,
    /// The link variables the process does not get, because an entry set the name: indices
    /// into the `services` given, ascending. Kept instead of the ones it gets, which are most
    /// of the namespace's, so that a container costs what its entries cost.
    overridden: Vec<usize>,
    /// How many link variables `services` has.
    total: usize,
}

impl EntriesEnv {
    /// The indices into the `services` given of the link variables the process gets, in order.
    pub fn links(&self) -> impl Iterator<Item = usize> + '_ {
        let mut skip = self.overridden.iter().peekable();
        (0..self.total).filter(move |&i| match skip.peek() {
            Some(&&o) if o == i => {
                skip.next();
                false
            }
            _ => true,
        })
    }

    /// Whether the process gets the link variable at index `i` of the `services` given.
    pub fn has_link(&self, i: usize) -> bool {
        i < self.total && self.overridden.binary_search(&i).is_err()
    }

    /// The whole [`ProcessEnv`]: `vars` followed by the link variables of `services` (the
    /// `services` these entries were computed with) that the kubelet adds.
    pub fn with_links(self, services: &[(String, String, String)]) -> ProcessEnv {
        let mut service_links = Vec::new();
        let mut added = Vec::new();
        for i in self.links() {
            let (name, value, service) = &services[i];
            added.push((name.clone(), value.clone()));
            service_links.push((name.clone(), service.clone()));
        }
        let mut vars = self.vars;
        vars.extend(added);
        ProcessEnv {
            vars,
            unseen_env_from: self.unseen_env_from,
            service_links,
        }
    }
}

/// See [`EntriesEnv`]. `Err` names the first variable the process would get that does not fit
/// ([`EnvMisfit`]): what the kubelet would give it is not built past
/// [`objects::MAX_ENV_VALUE`], nor when it is not UTF-8; what expands such a variable is not
/// built either, and does not fit for the same reason.
pub fn process_env_entries(
    container: &Value,
    object: Option<&Value>,
    inventory: &Inventory,
    namespace: Option<&str>,
    services: &LinkTable,
    stand_in: &dyn Fn(&str) -> String,
) -> Result<EntriesEnv, EnvMisfit> {
    // A variable set (`Err`: its expansion passed the bound, or is not UTF-8, and was not
    // built); the last of a name wins, in the place its name was first set.
    fn set(
        vars: &mut Vec<(String, String)>,
        misfits: &mut Vec<(String, Option<objects::Unrepresentable>)>,
        name: String,
        value: Result<String, objects::Unrepresentable>,
    ) {
        let fits = value.as_deref().is_ok_and(|v| objects::fits_env(&name, v));
        if !fits || !misfits.is_empty() {
            misfits.retain(|(n, _)| *n != name);
            if !fits {
                misfits.push((name.clone(), value.as_ref().err().copied()));
            }
        }
        let value = value.unwrap_or_default();
        match vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((name, value)),
        }
    }
    let mut vars: Vec<(String, String)> = Vec::new();
    // The variables whose value does not fit (`NAME=value` past Linux's bound, or not UTF-8)
    // as things stand: a later entry of the name can still replace it, as the kubelet's map
    // does. Those whose expansion was not built (past the bound, or not UTF-8: `Some(why)`)
    // have no value (an empty text in `vars`), and every `$(…)` of them gives the same.
    // Nearly always empty.
    let mut misfits: Vec<(String, Option<objects::Unrepresentable>)> = Vec::new();
    let env_from: Vec<EnvFromSource> = container
        .get("envFrom")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    for v in sources::env_from(&env_from, inventory, namespace) {
        let value = match v.value {
            Some(s) => s.text_for_judging().to_string(),
            None => stand_in(&v.source),
        };
        set(&mut vars, &mut misfits, v.name, Ok(value));
    }
    let unseen_env_from = sources::env_from_unseen_sources(&env_from, inventory, namespace);
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
                // The kubelet's mapping: what is set so far, then the service-link variables.
                let text = e.get("value").and_then(Value::as_str).unwrap_or_default();
                // The first unbuilt variable it reads, if any, comes before any problem of
                // its own in the text (the expansion stops at that).
                let mut unbuilt = None;
                let expanded = objects::expand_env(text, |var| {
                    if let Some(why) = misfits.iter().find(|(n, _)| n == var).and_then(|m| m.1) {
                        unbuilt.get_or_insert(why);
                        return Some("");
                    }
                    vars.iter()
                        .find(|(n, _)| n == var)
                        .map(|(_, v)| v.as_str())
                        .or_else(|| services.index_of(var).map(|i| services[i].1.as_str()))
                });
                match unbuilt {
                    Some(why) => Err(why),
                    None => expanded,
                }
            }
            Some(from) => Ok(reference_value(
                from, object, inventory, namespace, stand_in,
            )),
        };
        set(&mut vars, &mut misfits, name.to_string(), value);
    }
    if !misfits.is_empty() {
        let (name, why) = vars
            .iter()
            .find_map(|(n, _)| misfits.iter().find(|(m, _)| m == n))
            .map(|(n, why)| (n.clone(), why.unwrap_or(objects::Unrepresentable::TooLong)))
            .unwrap_or((String::new(), objects::Unrepresentable::TooLong));
        return Err(EnvMisfit { name, why });
    }
    // "Add remaining service environment vars": those no entry set.
    let mut overridden: Vec<usize> = vars
        .iter()
        .filter_map(|(n, _)| services.index_of(n))
        .collect();
    overridden.sort_unstable();
    Ok(EntriesEnv {
        vars,
        unseen_env_from,
        overridden,
        total: services.len(),
    })
}

/// What a `valueFrom` gives: the stream's value, else the stand-in for its source.
fn reference_value(
    from: &Value,
    object: Option<&Value>,
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
    if let Some(path) = str_at(from, &["fieldRef", "fieldPath"]) {
        if let Some(value) = field_value(path, object, namespace) {
            return value;
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

/// What the kubelet gives for a `fieldRef` whose value the stream holds: a label or an
/// annotation of the pod template (`metadata.labels['K']`; one absent is the empty string, as
/// the kubelet's map lookup gives), the namespace when known, the service account (`default`
/// when the template names none). `None` for what the cluster assigns (name, uid, node, IPs)
/// or a template the stream does not show as text.
fn field_value(path: &str, object: Option<&Value>, namespace: Option<&str>) -> Option<String> {
    let object = object?;
    let kind = object.get("kind").and_then(Value::as_str)?;
    let spec_path = objects::pod_spec_path(kind)?;
    // The pod's metadata sits beside its spec (a Pod's own; a template's for the rest).
    let pod = spec_path[..spec_path.len() - 1]
        .iter()
        .try_fold(object, |v, k| v.get(k))?;
    let subscript = |field: &str| {
        path.strip_prefix(field)?
            .strip_prefix("['")?
            .strip_suffix("']")
            .map(str::to_string)
    };
    for field in ["metadata.labels", "metadata.annotations"] {
        if let Some(key) = subscript(field) {
            let map = field.split('.').try_fold(pod, |v, k| v.get(k));
            return match map.and_then(|m| m.get(&key)) {
                None | Some(Value::Null) => Some(String::new()),
                Some(Value::String(s)) => Some(s.clone()),
                // Not a string: the API server refuses the object; nothing to read here.
                Some(_) => None,
            };
        }
    }
    match path {
        "metadata.namespace" => namespace.map(str::to_string),
        "spec.serviceAccountName" => {
            let spec = pod.get("spec")?;
            match spec
                .get("serviceAccountName")
                .or_else(|| spec.get("serviceAccount"))
            {
                None | Some(Value::Null) => Some("default".to_string()),
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::String(_)) => Some("default".to_string()),
                Some(_) => None,
            }
        }
        _ => None,
    }
}

/// The files a container's volume mounts show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountedFiles {
    /// Absolute path → text, for every file whose text the stream holds, at every path it
    /// can be opened by (see [`ATOMIC_DIR`]).
    pub files: BTreeMap<String, String>,
    /// Mount paths (cleaned) whose files the stream cannot show, in part or whole.
    pub opaque: Vec<String>,
    /// Directories that are symbolic links (a ConfigMap, Secret or projected volume's `..data`
    /// and its top-level directories): a walk from above does not enter them.
    pub symlinked_dirs: Vec<String>,
}

/// The kubelet's atomic writer (`pkg/volume/util/atomic_writer.go`) puts a ConfigMap, Secret
/// or projected volume's files in a real directory `..<UTC time>.<random digits>`, points the
/// symbolic link `..data` at it, and makes each top-level entry of the files' paths a symbolic
/// link into `..data`. So a file `a/b.conf` of a volume mounted at M can be opened as
/// `M/a/b.conf`, `M/..data/a/b.conf` and `M/..<time>/a/b.conf`; `M/..data` and `M/a` are
/// links to directories. The time is the install's; this stand-in has its shape (the parts
/// pyhocon's `parse_key` makes of it, two, neither a ClearML key, are what matters).
pub const ATOMIC_DIR: &str = "..2026_01_01_00_00_00.1234567890";

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
        // A subPath mount is the one file or directory it names, resolved: no links in it.
        let whole = m.sub_path.as_deref().is_none_or(str::is_empty);
        if whole {
            out.symlinked_dirs.push(format!("{at}/..data"));
        }
        for f in files {
            let Some(path) = volumes::landing(m, &f.path) else {
                continue;
            };
            let inside = crate::paths::clean_path(&f.path);
            let mut paths = vec![path];
            if whole {
                paths.push(format!("{at}/..data/{inside}"));
                paths.push(format!("{at}/{ATOMIC_DIR}/{inside}"));
                if let Some((top, _)) = inside.split_once('/') {
                    out.symlinked_dirs.push(format!("{at}/{top}"));
                }
            }
            match sources::file_text(inventory, f.kind, &f.name, &f.key, namespace) {
                Some(text) => {
                    for p in paths {
                        out.files.insert(p, text.text_for_judging().to_string());
                    }
                }
                None => out.opaque.extend(paths),
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
    use objects::Unrepresentable::{NotUtf8, TooLong};

    /// The variable `name` past Linux's bound.
    fn too_long(name: &str) -> EnvMisfit {
        EnvMisfit {
            name: name.into(),
            why: TooLong,
        }
    }

    /// A `fieldRef` to the pod template's labels or annotations reads their text (the stream
    /// holds it); what the cluster assigns stays a stand-in.
    #[test]
    fn field_refs_read_the_pod_template() {
        let deployment = serde_json::json!({"kind": "Deployment", "spec": {"template": {
            "metadata": {"labels": {"app": "a"}, "annotations": {"x": "v, b: c"}},
            "spec": {"serviceAccountName": "sa"}}}});
        let c = serde_json::json!({"env": [
            {"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.annotations['x']"}}},
            {"name": "L", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "M", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['none']"}}},
            {"name": "S", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
            {"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "E", "value": "$(A)!"},
        ]});
        let env = process_env(
            &c,
            Some(&deployment),
            &Inventory::default(),
            None,
            false,
            &|w| format!("<{w}>"),
        )
        .unwrap();
        let get = |n: &str| env.vars.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(get("A"), "v, b: c");
        assert_eq!(get("L"), "a");
        assert_eq!(get("M"), "");
        assert_eq!(get("S"), "sa");
        assert_eq!(get("N"), "<fieldRef/metadata.name>");
        assert_eq!(get("E"), "v, b: c!");
    }

    #[test]
    fn env_from_then_env_last_wins_and_expands() {
        let c = serde_json::json!({"env": [
            {"name": "A", "value": "1"},
            {"name": "B", "value": "x$(A)$(C)$$(A)"},
            {"name": "A", "value": "2"},
            {"name": "S", "valueFrom": {"secretKeyRef": {"name": "ext", "key": "k"}}},
            {"name": "F", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ]});
        let env = process_env(&c, None, &Inventory::default(), None, true, &|w| {
            format!("<{w}>")
        })
        .unwrap();
        assert_eq!(
            env.vars[..4],
            vec![
                ("A".to_string(), "2".to_string()),
                ("B".to_string(), "x1$(C)$(A)".to_string()),
                ("S".to_string(), "<secret/ext/k>".to_string()),
                ("F".to_string(), "<fieldRef/metadata.name>".to_string()),
            ],
            "the cluster's own Service's variables come last"
        );
        assert!(env.unseen_env_from.is_empty());
    }

    /// The session-7 attack (`tests/fixtures/attack-found/session7`): `K_i = $(K_{i-1})$(K_{i-1})`
    /// from ten bytes would make `K29` 5 GiB. `K14` (163,840 bytes) is the first the process
    /// could not get; nothing past the bound is built, so this takes no time.
    #[test]
    fn a_doubling_chain_stops_at_the_first_variable_past_the_bound() {
        let mut env = vec![serde_json::json!({"name": "K0", "value": "xxxxxxxxxx"})];
        for i in 1..30 {
            let value = format!("$(K{p})$(K{p})", p = i - 1);
            env.push(serde_json::json!({"name": format!("K{i}"), "value": value}));
        }
        let c = serde_json::json!({ "env": env });
        let start = std::time::Instant::now();
        let got = process_env(&c, None, &Inventory::default(), None, false, &|w| w.into());
        assert_eq!(got, Err(too_long("K14")));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        // Up to K13 (81,920 bytes) the process gets them.
        let c = serde_json::json!({ "env": env[..14] });
        let got = process_env(&c, None, &Inventory::default(), None, false, &|w| w.into());
        let got = got.unwrap();
        assert_eq!(got.vars[13].1, "x".repeat(81_920));
    }

    /// Linux's bound counts `NAME=value` and its NUL: a value of 131,069 bytes fits a one-byte
    /// name and is what the kubelet gives; one byte more, or one byte of name more, does not.
    /// Only the value the process ends with counts: a later entry of a name replaces one that
    /// did not fit (the kubelet's map), unless something expanded it first.
    #[test]
    fn each_variable_must_fit_with_its_name() {
        let half = "a".repeat(65_534);
        let env = |entries: serde_json::Value| {
            let c = serde_json::json!({ "env": entries });
            process_env(&c, None, &Inventory::default(), None, false, &|w| w.into())
        };
        let at = env(serde_json::json!([
            {"name": "H", "value": half},
            {"name": "B", "value": "$(H)$(H)b"},
        ]))
        .unwrap();
        assert_eq!(at.vars[1], ("B".to_string(), format!("{half}{half}b")));
        assert_eq!(2 + at.vars[1].1.len() + 1, 131_072);
        for (name, value) in [("B", "$(H)$(H)bb"), ("BB", "$(H)$(H)b")] {
            let over = env(serde_json::json!([
                {"name": "H", "value": half},
                {"name": name, "value": value},
            ]));
            assert_eq!(over, Err(too_long(name)), "{name}={value}");
        }
        // Replaced before anything reads it: the process gets the short one.
        let replaced = env(serde_json::json!([
            {"name": "H", "value": half},
            {"name": "BB", "value": "$(H)$(H)b"},
            {"name": "BB", "value": "short"},
            {"name": "C", "value": "$(BB)"},
        ]))
        .unwrap();
        assert_eq!(replaced.vars[1].1, "short");
        assert_eq!(replaced.vars[2].1, "short");
        // Read while it was too long for its own name: a shorter name holds it.
        let read = env(serde_json::json!([
            {"name": "H", "value": half},
            {"name": "BB", "value": "$(H)$(H)b"},
            {"name": "C", "value": "$(BB)"},
            {"name": "BB", "value": "short"},
        ]))
        .unwrap();
        assert_eq!(read.vars[2].1.len(), 131_069);
        // Past every bound, it was not built: what expands it is not built either.
        let unbuilt = env(serde_json::json!([
            {"name": "H", "value": half},
            {"name": "X", "value": "$(H)$(H)$(H)"},
            {"name": "C", "value": "$(X)"},
            {"name": "X", "value": "short"},
        ]));
        assert_eq!(unbuilt, Err(too_long("C")));
    }

    /// A `$` before a non-ASCII character is not given as written: Kubernetes' expansion makes
    /// bytes of it that are not UTF-8 (`objects::expand_env`), so the variable is one the tool
    /// cannot know, named with why; so is every variable that expands it while it holds that.
    /// `$$é` is `$é`; a value the stream holds is not expanded, and is given as it is; a later
    /// entry of the name replaces it before anything reads it; the first misfit the process
    /// would get is named, with its own reason.
    #[test]
    fn a_dollar_before_a_non_ascii_character_is_no_text() {
        let not_utf8 = |name: &str| EnvMisfit {
            name: name.into(),
            why: NotUtf8,
        };
        let half = "a".repeat(65_534);
        let env = |entries: serde_json::Value| {
            let c = serde_json::json!({ "env": entries });
            process_env(&c, None, &Inventory::default(), None, false, &|w| w.into())
        };
        let got = env(serde_json::json!([{"name": "A", "value": "ab$é"}]));
        assert_eq!(got, Err(not_utf8("A")));
        let got = env(serde_json::json!([
            {"name": "A", "value": "ab$$é"},
            {"name": "B", "value": "$(A)$(é)$"},
        ]))
        .unwrap();
        assert_eq!(got.vars[0].1, "ab$é");
        assert_eq!(got.vars[1].1, "ab$é$(é)$");
        // Replaced before anything reads it: the process gets the other value.
        let got = env(serde_json::json!([
            {"name": "A", "value": "$é"},
            {"name": "A", "value": "fine"},
            {"name": "C", "value": "$(A)"},
        ]))
        .unwrap();
        assert_eq!(got.vars[1].1, "fine");
        // Read while it held it: what reads it holds those bytes too.
        let got = env(serde_json::json!([
            {"name": "A", "value": "$é"},
            {"name": "C", "value": "x$(A)"},
            {"name": "A", "value": "fine"},
        ]));
        assert_eq!(got, Err(not_utf8("C")));
        // The first misfit in the process's order, with its own reason.
        let got = env(serde_json::json!([
            {"name": "A", "value": "$é"},
            {"name": "H", "value": half},
            {"name": "X", "value": "$(H)$(H)$(H)"},
        ]));
        assert_eq!(got, Err(not_utf8("A")));
        let got = env(serde_json::json!([
            {"name": "H", "value": half},
            {"name": "X", "value": "$(H)$(H)$(H)"},
            {"name": "A", "value": "$é"},
        ]));
        assert_eq!(got, Err(too_long("X")));
        // In one text, the problem met first.
        for (text, why) in [("$(X)$é", TooLong), ("$é$(X)", NotUtf8)] {
            let got = env(serde_json::json!([
                {"name": "H", "value": half},
                {"name": "X", "value": "$(H)$(H)$(H)"},
                {"name": "C", "value": text},
                {"name": "X", "value": "short"},
            ]));
            let want = EnvMisfit {
                name: "C".into(),
                why,
            };
            assert_eq!(got, Err(want), "{text}");
        }
        // A Secret's value is given as it is, by `secretKeyRef` or `envFrom`.
        let inv =
            inventory("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: ab$é}\n");
        for c in [
            serde_json::json!({"env": [{"name": "k", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}),
            serde_json::json!({"envFrom": [{"secretRef": {"name": "s"}}]}),
        ] {
            let got = process_env(&c, None, &inv, None, false, &|w| w.into()).unwrap();
            assert_eq!(got.vars[0], ("k".to_string(), "ab$é".to_string()));
        }
    }

    /// A value the stream holds (a Secret's, by `secretKeyRef` or `envFrom`) is held to the
    /// same bound.
    #[test]
    fn a_stored_value_must_fit_too() {
        for (len, fits) in [(131_069, true), (131_070, false)] {
            let inv = inventory(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\nstringData: {{k: {}, V: {}}}\n",
                "v".repeat(len),
                "v".repeat(len)
            ));
            for c in [
                serde_json::json!({"env": [{"name": "V", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}),
                serde_json::json!({"envFrom": [{"secretRef": {"name": "s"}}], "env": [{"name": "k", "value": "x"}]}),
            ] {
                let got = process_env(&c, None, &inv, None, false, &|w| w.into());
                match fits {
                    true => assert!(got.is_ok(), "{len}"),
                    false => assert_eq!(got, Err(too_long("V")), "{len}"),
                }
            }
        }
    }

    fn inventory(yaml: &str) -> Inventory {
        let docs: Vec<Value> = crate::kube::stream::split(yaml)
            .iter()
            .filter_map(|d| crate::kube::read::read(d.parse_text()).unwrap())
            .collect();
        let policy = crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = \"a\"\nclient_secret = \"b\"\n",
            "p.toml",
        )
        .unwrap();
        sources::inventory(docs.iter().map(|d| (d, None)), &policy.secrets.placeholders)
    }

    fn vars(env: &ProcessEnv) -> Vec<(&str, &str)> {
        env.vars
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// `LinkTable`'s answers are those of a walk over its variables.
    #[test]
    fn link_table_answers_as_a_walk_would() {
        let names = [
            "CLEARML__A",
            "B",
            "CLEARML_",
            "CLEARML__",
            "TRAINS__X\0",
            "A",
            "CLEARML__0",
        ];
        let vars: Vec<(String, String, String)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    n.to_string(),
                    if i == 1 {
                        "v\0".into()
                    } else {
                        format!("v{i}")
                    },
                    "s".into(),
                )
            })
            .collect();
        let table = LinkTable::new(vars.clone());
        for prefix in [
            "",
            "C",
            "CLEARML__",
            "CLEARML_",
            "TRAINS__",
            "Z",
            "CLEARML__A",
        ] {
            let walk: Vec<usize> = (0..vars.len())
                .filter(|&i| vars[i].0.starts_with(prefix))
                .collect();
            assert_eq!(table.with_prefix(prefix), walk, "{prefix:?}");
        }
        for (i, (n, _, _)) in vars.iter().enumerate() {
            assert_eq!(table.index_of(n), Some(i));
        }
        assert_eq!(table.index_of("Q"), None);
        assert_eq!(table.with_nul(), &[1, 4]);
    }

    /// `derived` makes each type once per table and keeps it; another type is made apart.
    #[test]
    fn a_derivation_is_made_once_per_table_and_type() {
        let table = LinkTable::new(vec![
            ("A".into(), "1".into(), "s".into()),
            ("B".into(), "2".into(), "s".into()),
        ]);
        let made = std::cell::Cell::new(0);
        let count = |t: &LinkTable| {
            made.set(made.get() + 1);
            t.len()
        };
        let first = table.derived(count);
        let again = table.derived(count);
        assert_eq!((*first, made.get()), (2, 1));
        assert!(std::sync::Arc::ptr_eq(&first, &again), "made twice");
        let names = table.derived(|t| t.iter().map(|v| v.0.clone()).collect::<Vec<_>>());
        assert_eq!(*names, ["A", "B"]);
        assert_eq!(*table.derived(count), 2);
        assert_eq!(made.get(), 1);
        // Equality is the variables'.
        assert_eq!(table, LinkTable::new(table.to_vec()));
    }

    /// The cache gives what `service_env` gives, per namespace and `enableServiceLinks`,
    /// computed once for each; `process_env_entries` given it, with its links, is `process_env`.
    #[test]
    fn service_links_are_computed_once_per_namespace_and_setting() {
        let inv = inventory(
            "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: a}\nspec: {ports: [{port: 5432}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: b}\nspec: {clusterIP: 10.0.0.2, ports: [{port: 80}]}\n",
        );
        let stand_in = |w: &str| format!("<{w}>");
        let cache = ServiceLinks::default();
        for ns in [Some("a"), Some("b"), None] {
            for links in [true, false] {
                let first = cache.get(&inv, ns, links, &stand_in);
                assert_eq!(
                    &first[..],
                    &service_env(&inv, ns, links, &stand_in)[..],
                    "{ns:?} {links}"
                );
                let again = cache.get(&inv, ns, links, &stand_in);
                assert!(
                    std::sync::Arc::ptr_eq(&first, &again),
                    "{ns:?} {links}: computed twice"
                );
                let c = serde_json::json!({"env": [
                    {"name": "U", "value": "$(DB_SERVICE_PORT)/$(WEB_SERVICE_HOST)"},
                    {"name": "DB_PORT", "value": "1"},
                ]});
                assert_eq!(
                    process_env_entries(&c, None, &inv, ns, &first, &stand_in)
                        .unwrap()
                        .with_links(&first),
                    process_env(&c, None, &inv, ns, links, &stand_in).unwrap(),
                    "{ns:?} {links}"
                );
            }
        }
        assert_ne!(
            cache.get(&inv, Some("a"), true, &stand_in),
            cache.get(&inv, Some("b"), true, &stand_in)
        );
    }

    /// The kubelet's `envvars.go`, port by port: its own documented example (Service
    /// `redis-master`, TCP 6379, cluster IP 10.0.0.11) plus a named UDP port and an IPv6 one.
    #[test]
    fn service_link_variables_as_the_kubelet_writes_them() {
        let inv = inventory(
            "apiVersion: v1\nkind: Service\nmetadata: {name: redis-master}\nspec:\n  clusterIP: 10.0.0.11\n  ports:\n  - port: 6379\n  - {name: dns-x, port: 53, protocol: UDP}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: v6}\nspec: {clusterIP: 'fd00::1', ports: [{port: 80}]}\n",
        );
        let env = process_env(&serde_json::json!({}), None, &inv, None, true, &|w| {
            format!("<{w}>")
        })
        .unwrap();
        let got = vars(&env);
        for want in [
            ("REDIS_MASTER_SERVICE_HOST", "10.0.0.11"),
            ("REDIS_MASTER_SERVICE_PORT", "6379"),
            ("REDIS_MASTER_SERVICE_PORT_DNS_X", "53"),
            ("REDIS_MASTER_PORT", "tcp://10.0.0.11:6379"),
            ("REDIS_MASTER_PORT_6379_TCP", "tcp://10.0.0.11:6379"),
            ("REDIS_MASTER_PORT_6379_TCP_PROTO", "tcp"),
            ("REDIS_MASTER_PORT_6379_TCP_PORT", "6379"),
            ("REDIS_MASTER_PORT_6379_TCP_ADDR", "10.0.0.11"),
            ("REDIS_MASTER_PORT_53_UDP", "udp://10.0.0.11:53"),
            ("REDIS_MASTER_PORT_53_UDP_PROTO", "udp"),
            ("V6_PORT", "tcp://[fd00::1]:80"),
            ("V6_SERVICE_HOST", "fd00::1"),
            // The cluster's own: its IP is assigned by the cluster.
            (
                "KUBERNETES_SERVICE_HOST",
                "<service/kubernetes/KUBERNETES_SERVICE_HOST>",
            ),
            ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
            ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
        ] {
            assert!(got.contains(&want), "{want:?} not in {got:?}");
        }
        // The first port's link variable is not repeated for the second.
        assert!(!got.iter().any(|(n, _)| *n == "REDIS_MASTER_SERVICE_PORT_"));
        assert_eq!(got.len(), 8 + 12 + 7, "{got:?}");
        assert_eq!(env.service_links.len(), got.len());
    }

    #[test]
    fn which_services_are_linked() {
        let svc = |name: &str, spec: &str| {
            format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {spec}\n"
            )
        };
        let inv = inventory(
            &[
                svc("plain", "{ports: [{port: 1}]}"),
                svc("headless", "{clusterIP: None, ports: [{port: 1}]}"),
                svc("external", "{type: ExternalName, externalName: a.example.com}"),
                svc("no-ports", "{}"),
                "---\napiVersion: v1\nkind: Service\nmetadata: {name: elsewhere, namespace: b}\nspec: {ports: [{port: 1}]}\n".to_string(),
            ]
            .concat(),
        );
        let names = |ns: Option<&str>, links: bool| -> Vec<String> {
            let mut s: Vec<String> = service_env(&inv, ns, links, &|w| format!("<{w}>"))
                .into_iter()
                .map(|(_, _, s)| s)
                .collect();
            s.dedup();
            s
        };
        assert_eq!(names(Some("a"), true), ["kubernetes", "plain"]);
        assert_eq!(names(None, true), ["kubernetes", "plain", "elsewhere"]);
        assert_eq!(names(Some("b"), true), ["kubernetes", "plain", "elsewhere"]);
        assert_eq!(
            names(Some("a"), false),
            ["kubernetes"],
            "enableServiceLinks: false"
        );
        // An unassigned cluster IP is a stand-in wherever it shows.
        let env = service_env(&inv, Some("a"), true, &|w| format!("<{w}>"));
        let value = |n: &str| {
            env.iter()
                .find(|(v, _, _)| v == n)
                .map(|(_, v, _)| v.as_str())
        };
        assert_eq!(value("PLAIN_PORT"), Some("<service/plain/PLAIN_PORT>"));
        assert_eq!(value("PLAIN_PORT_1_TCP_PORT"), Some("1"));
    }

    /// `env` and `envFrom` win over a service-link variable; `$(VAR)` sees it (after what is
    /// set so far); `enableServiceLinks: false` is read from the pod spec.
    #[test]
    fn service_links_under_env_and_in_expansion() {
        let inv = inventory(
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec: {clusterIP: 10.1.2.3, ports: [{port: 5432}]}\n",
        );
        let c = serde_json::json!({"env": [
            {"name": "URL", "value": "pg://$(DB_SERVICE_HOST):$(DB_SERVICE_PORT)"},
            {"name": "DB_SERVICE_PORT", "value": "1"},
            {"name": "AGAIN", "value": "$(DB_SERVICE_PORT)"},
        ]});
        let env = process_env(&c, None, &inv, None, true, &|w| format!("<{w}>")).unwrap();
        let got = vars(&env);
        assert!(got.contains(&("URL", "pg://10.1.2.3:5432")), "{got:?}");
        assert!(got.contains(&("DB_SERVICE_PORT", "1")));
        assert!(got.contains(&("AGAIN", "1")));
        assert!(!env
            .service_links
            .iter()
            .any(|(n, _)| n == "DB_SERVICE_PORT"));
        assert!(env
            .service_links
            .contains(&("DB_PORT".to_string(), "db".to_string())));
        let pod = |links: &str| {
            let yaml = format!("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec: {{{links}}}\n");
            crate::kube::read::read(&yaml).unwrap().unwrap()
        };
        assert!(service_links_enabled(&pod("")));
        assert!(service_links_enabled(&pod("enableServiceLinks: true")));
        assert!(!service_links_enabled(&pod("enableServiceLinks: false")));
    }

    /// The atomic writer's layout, and what ClearML's loader makes of it (the port of
    /// `_read_recursive`: `conf_root.rglob("*.conf")` keyed by the relative path). rglob
    /// enters hidden directories, so the real `..<time>` directory is read, its files keyed
    /// under the time's two parts (never a ClearML key); it does not enter a directory that is
    /// a symbolic link, so neither `..data` nor the link to `a/` is walked from the mount, and
    /// `a/b.conf` is read only as `<time>.a.b`. A folder that *is* the link (`M/..data`) is
    /// read whole; `..` right after a link is unknown. A subPath mount shows no layout.
    #[test]
    fn a_configmap_volume_as_the_kubelet_lays_it_out_and_the_loader_reads_it() {
        use crate::clearml::loader::{self, Input};
        let policy = crate::policy::parse(
            "version = 1\n[providers.google]\nclient_id = \"a\"\nclient_secret = \"b\"\n",
            "p.toml",
        )
        .unwrap();
        let inv = inventory(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  top.conf: 'x: 1'\n  nested: 'y: 2'\n",
        );
        let pod = serde_json::json!([{"name": "v", "configMap": {"name": "cm", "items": [
            {"key": "top.conf", "path": "top.conf"},
            {"key": "nested", "path": "a/b.conf"},
        ]}}]);
        let mounted = |mount: serde_json::Value| {
            let c = serde_json::json!({"volumeMounts": [mount]});
            mounted_files(&c, Some(&pod), &inv, &policy, None)
        };
        let m = mounted(serde_json::json!({"name": "v", "mountPath": "/opt/clearml/config"}));
        let at = |p: &str| format!("/opt/clearml/config/{p}");
        let paths: Vec<&str> = m.files.keys().map(String::as_str).collect();
        for p in [
            at("top.conf"),
            at("a/b.conf"),
            at("..data/top.conf"),
            at("..data/a/b.conf"),
            at(&format!("{ATOMIC_DIR}/top.conf")),
            at(&format!("{ATOMIC_DIR}/a/b.conf")),
        ] {
            assert!(paths.contains(&p.as_str()), "{p} not in {paths:?}");
        }
        assert_eq!(m.symlinked_dirs, [at("..data"), at("a")]);
        let load = |dir: Option<&str>| {
            let vars = dir
                .map(|d| vec![("CLEARML_CONFIG_DIR".to_string(), d.to_string())])
                .unwrap_or_default();
            let mut input = Input::new(vars, m.files.clone());
            input.symlinked_dirs = m.symlinked_dirs.clone();
            input.default_folder_is_image = true;
            loader::load(&input)
        };
        let keys = |l: &loader::Loaded| match &l.config {
            crate::pyhocon::Value::Object(items) => {
                items.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
            }
            _ => vec![],
        };
        let l = load(None).unwrap();
        assert_eq!(
            keys(&l),
            ["secure", "services", "top", "2026_01_01_00_00_00"]
        );
        let via_data = load(Some("/opt/clearml/config/..data")).unwrap();
        assert_eq!(keys(&via_data), ["secure", "services", "top", "a"]);
        let via_link = load(Some("/opt/clearml/config/a")).unwrap();
        assert_eq!(keys(&via_link), ["secure", "services", "b"]);
        let up_from_link = load(Some("/opt/clearml/config/a/..")).unwrap();
        assert!(!up_from_link.unknown.is_empty(), "{up_from_link:?}");
        // A subPath mount is resolved by the kubelet: the file, no layout.
        let one = mounted(
            serde_json::json!({"name": "v", "mountPath": "/opt/clearml/config/b.conf", "subPath": "a/b.conf"}),
        );
        assert_eq!(
            one.files.keys().collect::<Vec<_>>(),
            ["/opt/clearml/config/b.conf"]
        );
        assert!(one.symlinked_dirs.is_empty());
    }
}
