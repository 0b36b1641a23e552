//! The proof's comparison of trees: for one targeted container of the output, the
//! configuration ClearML's loader ends with ([`crate::clearml::loader`], on the process
//! environment and mounted files as Kubernetes builds them, [`crate::kube::env`]) holds the
//! policy's SSO settings exactly, and no provider the policy forbids.
//!
//! What it compares: every option the policy sets is at its path in the final tree with the
//! value pyhocon reads from what the output gives (a literal: the policy's value; a reference
//! the stream shows: what pyhocon reads from the stored text; one it cannot show: a stand-in
//! string no text can be); under `unknown_providers = "deny"`/`"remove"`, every provider in
//! `secure.login.sso` and `services.login.sso` is one the policy declares (under `"warn"`,
//! every one the policy does not declare is named by a variable the corrections warn about). A loader failure (a
//! value or file pyhocon fails on, in any variable ClearML reads) is a problem: the apiserver
//! would not start. An `envFrom` source the tool cannot see that could bring in a name the
//! loader reads (by prefix, by name, or looked up: [`clearml_loader::Loaded::env_read`]) is a problem unless
//! the policy vouches for it; the image's default folder is the image's only where no mount
//! hides it. What the policy does not own (other options of declared providers, what a
//! source the tool cannot see might add) is left to the findings that already cover it.
//! Messages name the container, the variable or file and the config path, never a value.

use super::proof::{Problem, Target};
use crate::clearml::loader::{self as clearml_loader, Failure, Input};
use crate::clearml::{names, values};
use crate::kube::env as kenv;
use crate::kube::sources::Inventory;
use crate::policy::{Policy, UnknownProviders, Value as PolicyValue};
use crate::pyhocon::{self, Value};

/// What to do about a configuration ClearML would not start with.
pub const FAILS_HELP: &str = "ClearML parses every CLEARML__/TRAINS__ variable as HOCON `path: value` (and every `*.conf` file of its config directories); one it cannot read stops the apiserver. Quote the value in the chart (`\"…\"`, with `\\` and `\"` escaped), or remove it";
/// What to do about a lookup of a name the pod does not set.
pub const SET_OUTSIDE_HELP: &str = "Set the looked-up name explicitly in the container's env (then the tool knows its value), or drop the substitution (`${?X}`, `${X}`, `$X`) that reads it";
/// What to do about an environment variable holding a NUL character.
pub const NUL_HELP: &str =
    "Remove the NUL character (YAML `\\0`) from the variable's value or name in the chart";
/// What to do about a Service whose link variables ClearML reads.
pub const SERVICE_LINK_HELP: &str = "The kubelet gives every container a `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT`, … variable for each Service of its namespace (the name upper-cased, `-` as `_`), and a Service named `clearml--…` or `trains--…` becomes a CLEARML__/TRAINS__ variable. Rename the Service, or set `enableServiceLinks: false` in the pod spec";
/// What to do about config files the tool cannot see.
pub const UNSEEN_HELP: &str = "Put ClearML's config files in the release (a ConfigMap or Secret in the rendered manifests), or mount nothing at its config directories; if you know no `.conf` file there sets SSO settings, list the volumeMount's path in the policy's [config_files] trust_unseen";
/// What to do about an `envFrom` source the tool cannot see.
pub const ENV_FROM_HELP: &str = "Create the Secret or ConfigMap in the release, or give the envFrom entry a `prefix` no name ClearML reads starts with (e.g. `APP_`); if you know it holds no key ClearML reads, list it in the policy's [secrets] trust_env_from (`secret/NAME` or `configmap/NAME`)";
/// What to do about a variable ClearML reads whose value the tool cannot see.
pub const UNSEEN_VALUE_HELP: &str = "Create the Secret or ConfigMap (with the key) in the release, read it from a variable ClearML does not read, or remove the variable; if you know its value is one HOCON value ClearML reads as meant (`\"…\"`), list the source in the policy's [secrets] trust_unseen_sources (`secret/NAME` or `configmap/NAME`)";
/// What to do about a variable ClearML reads that expands a Service's cluster IP.
pub const SERVICE_IP_HELP: &str = "Reach the Service by its DNS name (`NAME.NAMESPACE.svc`) instead of `$(…_SERVICE_HOST)`/`$(…_PORT)` in a CLEARML__/TRAINS__ value, or set the Service's `spec.clusterIP` in the chart";
/// What to do about a final tree that is not the policy's.
pub const TREE_HELP: &str = "ClearML merges its config files and every CLEARML__/TRAINS__ variable into one configuration; something in the chart changes what it reads for the policy's settings. Remove it from the chart, and set what it holds in the policy";

/// The value the process gets for a source the stream cannot show: a quoted string holding a
/// control character, which no policy value or text the tool writes holds.
fn stand_in(what: &str) -> String {
    // Made for every service-link variable of a namespace: no formatting machinery.
    pyhocon::quote(&["\u{1}ref:", what].concat())
}

/// The value at a dotted path of pyhocon keys. The path is split by bytes (`.` is ASCII, never
/// inside a character): cheaper than a `char` pattern's searcher per key.
fn at<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    path.as_bytes()
        .split(|&b| b == b'.')
        .try_fold(tree, |v, k| match v {
            Value::Object(items) => items
                .iter()
                .rev()
                .find(|(key, _)| key.as_bytes() == k)
                .map(|(_, v)| v),
            _ => None,
        })
}

/// What ClearML holds for a variable's text when it sets the one key it names (`${X}` from
/// `env`): [`values::reading`], the findings' own.
fn read_one(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<Value> {
    match values::reading("k", text, lookup).reading {
        values::Reading::Value(v) => Some(v),
        _ => None,
    }
}

/// The Secrets and ConfigMaps (`secret/NAME/KEY`, `configmap/NAME/KEY`) whose stand-ins a
/// variable's text holds, in order: each `\u{1}ref:` stand-in runs to its closing quote, and
/// no Kubernetes name or key holds a quote. (Asked of every link variable of a namespace:
/// each stand-in is found from its `\u{1}`, a byte search, and nothing is collected.)
fn unseen_sources(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('\u{1}').filter_map(|(i, _)| {
        let rest = text[i..].strip_prefix("\u{1}ref:")?;
        let what = rest.split('"').next().unwrap_or(rest);
        (what.starts_with("secret/") || what.starts_with("configmap/")).then_some(what)
    })
}

/// A variable ClearML reads (by prefix, or looked up by name: `env_read`) whose value holds
/// what a Secret or ConfigMap the tool cannot see gives (directly, or through `$(VAR)`): ClearML
/// parses it as HOCON, so it could set any key. Unless it is exactly the value of a reference
/// the policy itself makes (the policy's own Secret key: the same text the policy's variable
/// gets) or the policy vouches for every such source (`[secrets] trust_unseen_sources`; the
/// corrections warn), a problem.
fn unseen_values<'a>(
    where_: &str,
    vars: impl Iterator<Item = (&'a String, &'a String)>,
    env_read: &[String],
    policy: &Policy,
) -> Vec<Problem> {
    let owned: Vec<String> = policy
        .desired
        .iter()
        .filter_map(|d| match &d.value {
            PolicyValue::Secret { name, key } => Some(stand_in(&format!("secret/{name}/{key}"))),
            PolicyValue::ConfigMap { name, key } => {
                Some(stand_in(&format!("configmap/{name}/{key}")))
            }
            PolicyValue::Literal(_) => None,
        })
        .collect();
    let mut out = Vec::new();
    for (name, value) in vars {
        let read = names::read_by_clearml(name) || env_read.binary_search(name).is_ok();
        if !read || !value.contains("\u{1}ref:") || owned.contains(value) {
            continue;
        }
        let untrusted: Vec<&str> = unseen_sources(value)
            .filter(|what| {
                let (secret, rest) = match what.split_once('/') {
                    Some(("secret", rest)) => (true, rest),
                    Some((_, rest)) => (false, rest),
                    None => return true,
                };
                let source = rest.split('/').next().unwrap_or(rest);
                !policy.secrets.trusts_env_from(secret, source)
            })
            .collect();
        let Some(first) = untrusted.first() else {
            continue;
        };
        let shown = if names::name_is_only_a_key(name) {
            name.as_str()
        } else {
            "(name not shown)"
        };
        let source = first.rsplit_once('/').map_or(*first, |(s, _)| s);
        out.push(Problem {
            message: format!(
                "{where_}: variable {shown}, which ClearML reads, takes its value from {source}, which the tool cannot see; ClearML parses that value as HOCON, so it could set any key"
            ),
            help: Some(UNSEEN_VALUE_HELP),
            unfit: None,
        });
    }
    out
}

/// The process environment: `vars` (the entries'), then `links` (the service-link variables
/// no entry set).
fn env_of<'a>(
    vars: &'a [(String, String)],
    links: impl Iterator<Item = (&'a String, &'a String)>,
) -> impl Iterator<Item = (&'a String, &'a String)> {
    vars.iter().map(|(n, v)| (n, v)).chain(links)
}

/// What this module asks of a namespace's service-link variables, answered once per namespace
/// ([`kenv::LinkTable::derived`]): a namespace of many Services gives each container
/// thousands of them, and walking them per container made the proof quadratic in the stream.
/// A container's answer is the namespace's, less the links its entries override.
struct LinkFacts {
    /// The variables whose value holds the stand-in of a Secret or ConfigMap (the only link
    /// variables [`unseen_values`] can refuse), ascending.
    unseen: Vec<usize>,
    /// The variables whose name is a spelling of an SSO setting ([`names::parse_name`]; the
    /// only ones `warned` below can find), ascending.
    sso_named: Vec<usize>,
}

impl LinkFacts {
    fn of(table: &kenv::LinkTable) -> LinkFacts {
        let indices = |keep: &dyn Fn(&(String, String, String)) -> bool| {
            (0..table.len()).filter(|&i| keep(&table[i])).collect()
        };
        LinkFacts {
            unseen: indices(&|(_, v, _)| unseen_sources(v).next().is_some()),
            sso_named: indices(&|(n, _, _)| names::parse_name(n).is_some()),
        }
    }
}

/// The link variables whose value is the stand-in for their Service's cluster IP (the
/// assigned-at-install ones `$(…)` can expand), each with that stand-in, ascending; asked only
/// when a variable ClearML reads holds a Service's stand-in.
struct AssignedIps(Vec<(usize, String)>);

impl AssignedIps {
    fn of(table: &kenv::LinkTable) -> AssignedIps {
        AssignedIps(
            table
                .iter()
                .enumerate()
                .filter_map(|(i, (n, v, service))| {
                    let standin = stand_in(&format!("service/{service}/{n}"));
                    (*v == standin).then_some((i, standin))
                })
                .collect(),
        )
    }
}

/// The link variables at `at` (indices into `table`) the process gets, with their values.
fn links_at<'a>(
    table: &'a kenv::LinkTable,
    env: &'a kenv::EntriesEnv,
    at: &'a [usize],
) -> impl Iterator<Item = (&'a String, &'a String)> {
    at.iter()
        .copied()
        .filter(|&i| env.has_link(i))
        .map(|i| (&table[i].0, &table[i].1))
}

/// What the kubelet gives one targeted container of the output ([`environment`]): its
/// namespace's service-link variables and what its `envFrom`/`env` entries set.
pub struct Environment {
    links: std::sync::Arc<kenv::LinkTable>,
    entries: kenv::EntriesEnv,
}

/// The process environment of one targeted container of the output, as the kubelet builds it
/// ([`kenv::process_env_entries`]; `services` holds the run's service-link variables, made with
/// this module's stand-in). `Err` names a variable the tool cannot know as text, and why: longer
/// than Linux lets a process have (the container never starts), or not UTF-8.
pub fn environment(
    target: &Target,
    inventory: &Inventory,
    services: &kenv::ServiceLinks,
) -> Result<Environment, kenv::EnvMisfit> {
    let ns = target.namespace.as_deref();
    let links = kenv::service_links_enabled(target.object);
    let links = services.get(inventory, ns, links, &stand_in);
    // The process environment is the entries' variables then the service links no entry set
    // (`env_of`), kept as indices into the namespace's table rather than copied per container.
    let entries = kenv::process_env_entries(
        target.value,
        Some(target.object),
        inventory,
        ns,
        &links,
        &stand_in,
    )?;
    Ok(Environment { links, entries })
}

/// The problems of one targeted container of the output (see the module), whose process
/// environment is `environment` ([`environment`]).
pub fn problems(
    target: &Target,
    environment: Environment,
    policy: &Policy,
    inventory: &Inventory,
) -> Vec<Problem> {
    let where_ = format!("{} container `{}`", target.workload, target.container);
    let ns = target.namespace.as_deref();
    let Environment {
        links: link_table,
        entries: mut env,
    } = environment;
    let mounted = kenv::mounted_files(
        target.value,
        kenv::pod_volumes(target.object),
        inventory,
        policy,
        ns,
    );
    // The loader's input holds the entries' variables (`vars`, read from there below, not
    // copied); the service links are added only when the loader looks one of them up
    // (`load_exact`).
    let mut input = Input::new(std::mem::take(&mut env.vars), mounted.files);
    let vars = &input.env;
    let link_vars = || env.links().map(|i| (&link_table[i].0, &link_table[i].1));
    // The questions below are answered from the namespace's table, not by walking its
    // variables per container.
    let has_link = |i: usize| env.has_link(i);
    let is_link = |name: &str| link_table.index_of(name).is_some_and(has_link);
    let facts = link_table.derived(LinkFacts::of);
    let links_of = |at| links_at(&link_table, &env, at);
    // The value the process gets for `name` (names are unique across the entries' variables
    // and the links no entry set).
    let value_of = |name: &str| {
        vars.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .or_else(|| {
                link_table
                    .index_of(name)
                    .filter(|&i| has_link(i))
                    .map(|i| &link_table[i].1)
            })
    };
    // No process environment can hold a NUL (the runtime refuses to start the container);
    // YAML writes one as `"\0"`, so a manifest can ask for it.
    let nul_link = link_table.with_nul().iter().copied().find(|&i| has_link(i));
    if let Some(name) = vars
        .iter()
        .find(|(n, v)| n.contains('\0') || v.contains('\0'))
        .map(|(n, _)| n)
        .or(nul_link.map(|i| &link_table[i].0))
    {
        let name = if names::name_is_only_a_key(name) {
            name.replace('\0', "\\0")
        } else {
            "(not shown)".into()
        };
        return vec![Problem {
            message: format!("{where_}: variable {name} holds a NUL character, which no process environment can; the container would not start"),
            help: Some(NUL_HELP),
            unfit: None,
        }];
    }
    // A Service named `clearml--…` or `trains--…` makes the kubelet give the container
    // variables ClearML reads as configuration (`CLEARML__…_SERVICE_HOST: 10.0.0.1`), holding
    // a cluster IP the API server assigns at install: never the policy's, and what pyhocon
    // makes of `tcp://IP:PORT` is not the tool's to guess.
    let mut linked_at: Vec<usize> = clearml_loader::ENV_PREFIXES
        .iter()
        .flat_map(|p| link_table.with_prefix(p))
        .filter(|&i| has_link(i))
        .collect();
    linked_at.sort_unstable();
    linked_at.dedup();
    let linked: Vec<(&String, &String)> = linked_at
        .iter()
        .map(|&i| (&link_table[i].0, &link_table[i].2))
        .collect();
    if !linked.is_empty() {
        let mut services: Vec<&str> = Vec::new();
        for (_, s) in &linked {
            if !services.contains(&s.as_str()) {
                services.push(s);
            }
        }
        return services
            .into_iter()
            .map(|service| {
                let vars: Vec<&str> = linked
                    .iter()
                    .filter(|(_, s)| s.as_str() == service)
                    .map(|(n, _)| n.as_str())
                    .collect();
                let more = match vars.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                };
                Problem {
                    message: format!(
                        "{where_}: the Service `{service}` makes the kubelet give this container the variable {}{more}, which ClearML reads as configuration",
                        vars[0]
                    ),
                    help: Some(SERVICE_LINK_HELP),
                    unfit: None,
                }
            })
            .collect();
    }
    // `$(X_SERVICE_HOST)` (or `_PORT`, …) in a variable ClearML reads expands to a cluster IP
    // the API server assigns at install: what pyhocon makes of `tcp://IP:PORT` there is unknown.
    // Only a variable ClearML reads whose text holds a Service's stand-in can; most hold none,
    // so the stand-ins are made only then (a stream of many Services stays linear).
    let probe = stand_in("service/");
    let marker = probe
        .strip_prefix('"')
        .and_then(|p| p.strip_suffix('"'))
        .unwrap_or(&probe);
    // No link variable is one ClearML reads by prefix (refused above), so only the entries'.
    let suspects: Vec<(&String, &String)> = env_of(vars, std::iter::empty())
        .filter(|(name, value)| clearml_loader::reads_by_prefix(name) && value.contains(marker))
        .collect();
    if !suspects.is_empty() {
        // A link the process gets has its own value (no entry set its name).
        let ips = link_table.derived(AssignedIps::of);
        let assigned: Vec<(&str, &str)> = ips
            .0
            .iter()
            .filter(|(i, _)| has_link(*i))
            .map(|(i, standin)| (link_table[*i].2.as_str(), standin.as_str()))
            .collect();
        for (name, value) in suspects {
            if let Some((service, _)) = assigned.iter().find(|(_, s)| value.contains(*s)) {
                let shown = if names::name_is_only_a_key(name) {
                    name.as_str()
                } else {
                    "(name not shown)"
                };
                return vec![Problem {
                    message: format!(
                        "{where_}: variable {shown} takes the cluster IP of the Service `{service}` through `$(…)`; the API server assigns it at install, and the tool cannot tell what ClearML reads from it"
                    ),
                    help: Some(SERVICE_IP_HELP),
                    unfit: None,
                }];
            }
        }
    }
    input.symlinked_dirs = mounted.symlinked_dirs;
    // A mount the policy vouches for (`[config_files] trust_unseen`) is taken to hold no file
    // that matters; the corrections still report it.
    input.opaque_dirs = mounted
        .opaque
        .into_iter()
        .filter(|o| {
            !policy
                .config_files
                .trust_unseen
                .iter()
                .any(|t| crate::paths::is_under(o, t))
        })
        .collect();
    // The image's default folder is its own unless a mount hides it: a mount at or above it
    // replaces what the image had there, so the loader reads what the stream shows (or finds
    // no folder); a mount below it adds files the loader reads with the image's. A trusted
    // mount the tool cannot see is taken to hold nothing that matters, as above.
    let trusted_opaque = |m: &str| {
        !input.opaque_dirs.iter().any(|o| o == m)
            && policy
                .config_files
                .trust_unseen
                .iter()
                .any(|t| crate::paths::is_under(m, t))
    };
    input.default_folder_is_image = !target
        .value
        .get("volumeMounts")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("mountPath").and_then(serde_json::Value::as_str))
        .map(crate::paths::clean_path)
        .any(|m| crate::paths::is_under(clearml_loader::DEFAULT_FOLDER, &m) && !trusted_opaque(&m));
    let problem = |message: String, help: &'static str| Problem {
        message,
        help: Some(help),
        unfit: None,
    };
    // The loader reads the environment by prefix (no link variable has one: refused above)
    // and by looking names up, each lookup in `env_read`: run without the link variables, its
    // result is the one with them unless it looked one up (or failed, when it does not say
    // what it looked up); then it runs again with them.
    let load_exact = |input: &Input| {
        let first = clearml_loader::load(input);
        let looked_up_link = match &first {
            Ok(l) => l.env_read.iter().any(|n| is_link(n)),
            Err(_) => env.links().next().is_some(),
        };
        if !looked_up_link {
            return first;
        }
        let mut full = input.clone();
        full.env
            .extend(link_vars().map(|(n, v)| (n.clone(), v.clone())));
        clearml_loader::load(&full)
    };
    let loaded = match load_exact(&input) {
        Ok(l) => l,
        Err(Failure::SetOutside { name, source }) => {
            // A variable whose name is not only a key may hold a value: its name not shown.
            let source = match source.strip_prefix("variable ") {
                Some(v) if !names::name_is_only_a_key(v) => {
                    "a variable whose name holds HOCON syntax (not shown)".to_string()
                }
                _ => source,
            };
            return vec![problem(
                format!("{where_}: cannot tell what ClearML reads: {source} looks up {name} (`${{?{name}}}`, `${{{name}}}` or `${name}`), which the pod does not set; the container runtime, the image's ENV or its entrypoint may set it, with a value the stream does not show"),
                SET_OUTSIDE_HELP,
            )];
        }
        Err(failure) => {
            let what = match &failure {
                // A name ClearML reads that is not only a key may hold a value: not shown.
                Failure::Variable { name, error } if !names::name_is_only_a_key(name) => {
                    format!("a variable whose name holds HOCON syntax (not shown): {error}")
                }
                Failure::Merge { source, error }
                    if !names::name_is_only_a_key(source) && !source.starts_with('/') =>
                {
                    format!("merging a variable whose name holds HOCON syntax (not shown) raises {error}")
                }
                other => other.to_string(),
            };
            return vec![problem(
                format!("{where_}: ClearML's configuration loader would fail, so the apiserver would not start: {what}"),
                FAILS_HELP,
            )];
        }
    };
    let mut out = Vec::new();
    out.extend(unseen_values(
        &where_,
        env_of(vars, links_of(&facts.unseen)),
        &loaded.env_read,
        policy,
    ));
    // An `envFrom` source the tool cannot see brings in any variable starting with its
    // prefix: unless the policy vouches for it (the corrections warn), refused when such a
    // name is one the loader reads by its name alone or looked up (`${X}`, `$X`, `~`). With
    // none of those set differently, the loader reads what it read here.
    for source in &env.unseen_env_from {
        if policy.secrets.trusts_env_from(source.secret, &source.name) {
            continue;
        }
        let looked_up = loaded
            .env_read
            .iter()
            .find(|n| n.len() > source.prefix.len() && n.starts_with(&source.prefix));
        if names::prefix_reaches_loader(&source.prefix) || looked_up.is_some() {
            let which = match looked_up {
                Some(n)
                    if names::name_is_only_a_key(n)
                        && !names::prefix_reaches_loader(&source.prefix) =>
                {
                    format!("such as {n}, which ClearML's configuration refers to")
                }
                _ => "such as CLEARML__…, TRAINS__… or CLEARML_CONFIG_DIR".to_string(),
            };
            out.push(problem(
                format!(
                    "{where_}: the envFrom source {} is not one the tool can see, and could bring in a variable ClearML reads ({which})",
                    source.label()
                ),
                ENV_FROM_HELP,
            ));
        }
    }
    // Files the tool cannot see where the loader reads them (an emptyDir an initContainer
    // fills, a claim, a ConfigMap outside the stream) could set anything there.
    // The final SSO subtrees, once (read below three times).
    let views = clearml_loader::sso_view(&loaded);
    for sub in views.iter().filter(|v| v.unknown) {
        let reasons: Vec<&str> = loaded
            .unknown
            .iter()
            .filter(|(p, _)| p.iter().zip(sub.path.split('.')).all(|(a, b)| a == b))
            .map(|(_, why)| why.as_str())
            .collect();
        out.push(problem(
            format!(
                "{where_}: ClearML reads config files the tool cannot see, which could change `{}` ({})",
                sub.path,
                reasons.join("; ")
            ),
            UNSEEN_HELP,
        ));
    }
    // Config files that change the SSO settings are refused as the corrections refuse one
    // they see (`sso-in-config-file`), in every directory the loader honours: the SSO subtrees
    // are compared with those the environment alone gives. (A file naming `secure.login` that
    // the variables then replace changes nothing.)
    if views
        .iter()
        .any(|v| !v.sources.iter().all(|s| s.starts_with("variable ")))
    {
        let mut alone = input.clone();
        alone.files.clear();
        let same = load_exact(&alone).is_ok_and(|l| {
            clearml_loader::sso_view(&l)
                .iter()
                .zip(&views)
                .all(|(a, b)| a.value == b.value)
        });
        if !same {
            for sub in &views {
                for file in sub.sources.iter().filter_map(|s| s.strip_prefix("file ")) {
                    out.push(problem(
                        format!(
                            "{where_}: the config file {file} that ClearML reads sets something at or above `{}`",
                            sub.path
                        ),
                        TREE_HELP,
                    ));
                }
            }
        }
    }
    for d in &policy.desired {
        let path = format!("{}.{}", d.option.section.as_str(), d.path);
        let want = match &d.value {
            PolicyValue::Literal(l) => Some(l.to_pyhocon()),
            PolicyValue::Secret { .. } | PolicyValue::ConfigMap { .. } => {
                let lookup = |k: &str| value_of(k).cloned();
                value_of(&d.name).and_then(|text| read_one(text, &lookup))
            }
        };
        let got = at(&loaded.config, &path);
        if want.is_none() || got != want.as_ref() {
            out.push(problem(
                format!(
                    "{where_}: ClearML's final configuration would not hold the policy's value at `{path}` ({})",
                    d.label
                ),
                TREE_HELP,
            ));
        }
    }
    let strict = matches!(
        policy.enforce.unknown_providers,
        UnknownProviders::Deny | UnknownProviders::Remove
    );
    // Under `warn`, an undeclared provider passes with the corrections' warning, which names
    // its variables; one that reaches ClearML through no variable the tool reads as a provider
    // option (an object-valued variable, a `-` key) would pass unwarned, so it is refused.
    let warned = |client: &str, key: &str| {
        env_of(vars, links_of(&facts.sso_named)).any(|(n, _)| {
            names::parse_name(n).is_some_and(|s| {
                s.provider()
                    .is_some_and(|(c, k)| c.as_str() == client && k == key)
            })
        })
    };
    for sub in &views {
        let Some(sso) = &sub.value else { continue };
        for client in ["oauth_client", "saml_client"] {
            let Some(Value::Object(providers)) = at(sso, client) else {
                continue;
            };
            for (key, _) in providers {
                let declared = policy
                    .providers
                    .iter()
                    .any(|p| p.spec.client.as_str() == client && p.spec.key == key.as_str());
                if !declared && (strict || !warned(client, key)) {
                    let shown = if key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    {
                        format!("`{key}`")
                    } else {
                        "(name not shown)".to_string()
                    };
                    out.push(problem(
                        format!(
                            "{where_}: ClearML's final configuration would hold the provider {shown} at `{}.{client}`, which the policy does not declare",
                            sub.path
                        ),
                        TREE_HELP,
                    ));
                }
            }
        }
    }
    out
}
