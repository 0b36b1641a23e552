//! The heart of the tool: one target container's env list, compared with the policy,
//! becomes the corrected env list plus a finding for every difference.
//!
//! Each rule is a small function over the parsed env entries, run in order by [`container`]:
//! names (whitespace, the Azure key misprint) → undeclared providers → the policy's settings →
//! other SSO options' spelling → value hygiene → secrets and mounts.

use crate::clearml_env::{self, Defined, Hocon, Literal, Prefix, SsoName, Substituted, ValueIssue};
use crate::kube::objects;
use crate::kube::sources::{self, Inventory, KeyState, RefKind, Resolution};
use crate::kube::volumes::{self, clean_path, is_under, Files};
use crate::policy::{CheckScope, Desired, Plaintext, Policy, UnknownProviders, Value};
use crate::providers::{self, Client, OptionSpec, Section};
use crate::redact::{shown, Shown};
use crate::report::{self, Finding, Location, Sink};
use crate::yaml::Node;

/// What a rule needs to know besides the env list.
pub struct Context<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// Secrets the stream provides.
    pub inventory: &'a Inventory,
    /// The container's location (no variable set).
    pub location: Location,
    /// The pod's `volumes` as Kubernetes reads them (aliases and `<<` merges resolved).
    pub volumes: Vec<serde_json::Value>,
}

impl Context<'_> {
    fn at(&self, variable: &str) -> Location {
        Location {
            variable: Some(variable.to_string()),
            ..self.location.clone()
        }
    }

    fn declares(&self, client: Client, key: &str) -> bool {
        self.policy
            .providers
            .iter()
            .any(|p| p.spec.client == client && p.spec.key == key)
    }
}

/// One env entry with its parsed name.
struct Entry {
    node: Node,
    name: String,
    sso: Option<SsoName>,
    /// Written by the tool from the policy in this run.
    from_policy: bool,
}

impl Entry {
    fn new(node: Node, from_policy: bool) -> Entry {
        let name = node.get_str("name").unwrap_or_default().to_string();
        let sso = clearml_env::parse_name(&name);
        Entry {
            node,
            name,
            sso,
            from_policy,
        }
    }

    fn rename(&mut self, name: &str) {
        self.node.set("name", Node::plain(name));
        *self = Entry::new(
            std::mem::replace(&mut self.node, Node::plain("")),
            self.from_policy,
        );
    }

    /// The literal `value`, when the entry has one that is a string.
    fn literal(&self) -> Option<&str> {
        match self.node.get("value") {
            Some(v @ Node::Scalar { .. }) if is_string(v) => v.as_str(),
            _ => None,
        }
    }
}

/// Whether Kubernetes (YAML 1.1) reads this scalar as a string.
fn is_string(node: &Node) -> bool {
    matches!(objects::to_json(node), serde_json::Value::String(_))
}

type Env = Vec<Option<Entry>>;

fn live(env: &mut Env) -> impl Iterator<Item = &mut Entry> {
    env.iter_mut().flatten()
}

/// The env entry the policy wants for one setting.
pub fn desired_entry(name: &str, value: &Value) -> Node {
    let source = match value {
        Value::Literal(l) => {
            // Kubernetes expands `$(VAR)` and `$$` in env values: every `$` is doubled so that
            // the process gets the policy's text.
            return Node::map(vec![
                ("name", Node::plain(name)),
                ("value", Node::string(&objects::escape_env(&l.to_env()))),
            ]);
        }
        Value::Secret { name, key } => ("secretKeyRef", name, key),
        Value::ConfigMap { name, key } => ("configMapKeyRef", name, key),
    };
    let reference = Node::map(vec![
        ("name", Node::string(source.1)),
        ("key", Node::string(source.2)),
    ]);
    Node::map(vec![
        ("name", Node::plain(name)),
        ("valueFrom", Node::map(vec![(source.0, reference)])),
    ])
}

/// Why a prefix other than `CLEARML__` is a problem.
fn prefix_message(prefix: &Prefix) -> String {
    match prefix {
        Prefix::Trains => "the legacy `TRAINS__` prefix is overridden by any `CLEARML__` spelling of the same key".into(),
        Prefix::Foreign(p) => format!("ClearML does not read the `{p}__` prefix (old or third-party docs)"),
        _ => "ClearML reads only variables starting with upper-case `CLEARML__`; this one was ignored".into(),
    }
}

/// The finding for a name that is not the canonical spelling of its setting, if it is not.
fn spelling_finding(
    found: &SsoName,
    name: &str,
    option: &OptionSpec,
    canonical: &str,
) -> Option<Finding> {
    let (code, why) = if found.prefix != Prefix::Clearml {
        (report::WRONG_PREFIX, prefix_message(&found.prefix))
    } else if found.section != Some(option.section) {
        let why = format!(
            "`{}` is read from the `{}` section, not `{}`",
            option.name,
            option.section.as_str(),
            found.section_text
        );
        (report::WRONG_SECTION, why)
    } else if name != canonical {
        (
            report::NAME_CASE,
            "a case variant of the canonical name".to_string(),
        )
    } else {
        return None;
    };
    Some(Finding::new(code, format!("{why}; renamed to {canonical}")))
}

/// Makes the container's env match the policy. Returns whether anything changed.
pub fn container(container: &mut Node, ctx: &Context, findings: &mut Sink) -> bool {
    if let Some(what) = indirection(container) {
        findings.push(
            Finding::new(
                report::ALIASED_ENV,
                format!("the container uses {what}; the tool does not edit it, because the edit could reach other nodes or be overridden by them"),
            )
            .help("write the apiserver container out in full in the chart (no anchors, aliases or `<<` merge keys inside it)")
            .at(ctx.location.clone()),
        );
        return false;
    }
    // The entries are moved out of the tree and written back only if anything changed.
    let original = match container.get_mut("env") {
        Some(Node::Seq { items, .. }) => std::mem::take(items),
        _ => Vec::new(),
    };
    let mut env: Env = original
        .into_iter()
        .map(|n| Some(Entry::new(n, false)))
        .collect();
    names_with_hocon(&mut env, ctx, findings);
    let mut changed = hidden_names(&mut env, ctx, findings);
    changed |= undeclared_providers(&mut env, ctx, findings);
    changed |= policy_settings(&mut env, ctx, findings);
    changed |= other_options(&mut env, ctx, findings);
    let from = env_from_variables(container, ctx);
    changed |= value_hygiene(&mut env, &from, ctx, findings);
    let entries: Vec<Entry> = env.into_iter().flatten().collect();
    secret_references(&entries, ctx, findings);
    stored_values(&entries, &from, ctx, findings);
    other_references(container, ctx, findings);
    metadata_mounts(&entries, container, ctx, findings);
    config_files(&entries, container, ctx, findings);
    let nodes: Vec<Node> = entries.into_iter().map(|e| e.node).collect();
    match container.get_mut("env") {
        // Back into the same list node, which keeps its own style.
        Some(Node::Seq { items, .. }) => *items = nodes,
        _ if changed => container.set("env", Node::seq(nodes)),
        _ => {}
    }
    changed
}

/// The first YAML anchor, alias, tag or `<<` merge key inside a node, described with its line.
/// Under a target container any of them makes an edit unsafe: an anchored node is shared
/// with its aliases, and an alias or merge brings in entries Kubernetes reads that the tree
/// does not show as such.
fn indirection(node: &Node) -> Option<String> {
    let line = |l: usize| {
        if l > 0 {
            format!(" (line {l})")
        } else {
            String::new()
        }
    };
    match node {
        Node::Alias(_) => Some("a YAML alias (`*name`)".into()),
        Node::Scalar {
            anchor, line: l, ..
        }
        | Node::Seq {
            anchor, line: l, ..
        }
        | Node::Map {
            anchor, line: l, ..
        } if *anchor != 0 => Some(format!("a YAML anchor (`&name`){}", line(*l))),
        // A tag (`!!binary`, `!!str`) makes Kubernetes read a scalar other than as written;
        // the tree would judge the text, not what Kubernetes reads.
        Node::Scalar {
            tag: Some(tag),
            line: l,
            ..
        } => Some(format!("a YAML tag (`{tag}`){}", line(*l))),
        Node::Seq { items, .. } => items.iter().find_map(indirection),
        Node::Map { entries, .. } => entries.iter().find_map(|(k, v)| {
            if k.as_str() == Some("<<")
                && matches!(
                    k,
                    Node::Scalar {
                        style: crate::yaml::Style::Plain,
                        ..
                    }
                )
            {
                return Some(format!("a `<<` merge key{}", line(k.line())));
            }
            indirection(k).or_else(|| indirection(v))
        }),
        Node::Scalar { .. } => None,
    }
}

/// Rule 0: a name ClearML turns into a config path must be only a key. ClearML parses
/// `<path>: <value>`, so `:`, quotes, braces or `//` in the name are HOCON that can set any
/// setting — a credential included. Such an entry is an error; its name, which may carry a
/// credential, is never printed (it is called by its position), and no other rule sees it.
fn names_with_hocon(env: &mut Env, ctx: &Context, findings: &mut Sink) {
    for (i, e) in env.iter_mut().enumerate() {
        let Some(e) = e.as_mut() else { continue };
        let name = e.name.trim();
        let clearml = clearml_env::read_by_clearml(name) || e.sso.is_some();
        if clearml && !clearml_env::name_is_only_a_key(name) {
            findings.push(
                Finding::new(
                    report::HOCON_IN_NAME,
                    format!("env entry {} has a name ClearML would read as a config path with HOCON syntax in it (not shown)", i + 1),
                )
                .help("a CLEARML__ name may hold only letters, digits, `_`, `.` and `-`; remove this entry from the chart")
                .at(ctx.location.clone()),
            );
            e.sso = None;
            e.name = format!("env entry {}", i + 1);
        }
    }
}

/// Rule 1: names that hide their setting — surrounding whitespace (trap T5, docs/traps.md),
/// and a provider key ClearML's pages misprint, where the policy configures the key meant
/// ([`providers::MISPRINTS`]).
fn hidden_names(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    // A misprinted key that the container also uses for options the misprint does not explain
    // is a real provider of its own (an AD FS `ad_oauth` client next to Azure): nothing of it
    // is moved.
    let real_providers: Vec<(Client, String)> = env
        .iter()
        .flatten()
        .filter_map(|e| {
            let sso = e.sso.as_ref()?;
            let (client, key) = sso.provider.as_ref()?;
            let explained = providers::misprint(*client, key, &sso.option).is_some();
            let misprinted_key = providers::MISPRINTS
                .iter()
                .any(|m| m.client == *client && m.written == key);
            (misprinted_key && !explained).then(|| (*client, key.clone()))
        })
        .collect();
    let mut changed = false;
    for e in live(env) {
        let Some(sso) = e.sso.clone() else { continue };
        if sso.padded {
            findings.push(
                Finding::new(
                    report::NAME_WHITESPACE,
                    format!("the name `{}` has surrounding whitespace; trimmed", e.name),
                )
                .at(ctx.at(&e.name))
                .fixed(),
            );
            let trimmed = e.name.trim().to_string();
            e.rename(&trimmed);
            changed = true;
        }
        let misprint = sso
            .provider
            .as_ref()
            .and_then(|(client, key)| providers::misprint(*client, key, &sso.option))
            .filter(|m| ctx.declares(m.client, m.meant) && !ctx.declares(m.client, m.written))
            .filter(|m| {
                !real_providers
                    .iter()
                    .any(|(c, k)| *c == m.client && k == m.written)
            });
        if let Some(m) = misprint {
            let section = sso.option().map_or(Section::Secure, |o| o.section);
            let name = clearml_env::canonical_name(
                section,
                &clearml_env::provider_path(m.client, m.meant, &sso.option),
            );
            findings.push(
                Finding::new(
                    report::AZURE_AD_KEY,
                    format!("{}, so renamed to {name}", m.message),
                )
                .help(m.help)
                .at(ctx.at(&e.name))
                .fixed(),
            );
            e.rename(&name);
            changed = true;
        }
    }
    changed
}

/// Rule 2: SSO variables of providers the policy does not declare.
fn undeclared_providers(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    let mut counts: Vec<((Client, String), usize)> = Vec::new();
    let remove = ctx.policy.enforce.unknown_providers == UnknownProviders::Remove;
    for slot in env.iter_mut() {
        let Some((client, key)) = slot
            .as_ref()
            .and_then(|e| e.sso.as_ref())
            .and_then(|s| s.provider.clone())
        else {
            continue;
        };
        if ctx.declares(client, &key) {
            continue;
        }
        match counts.iter_mut().find(|(p, _)| *p == (client, key.clone())) {
            Some((_, n)) => *n += 1,
            None => counts.push(((client, key), 1)),
        }
        if remove {
            *slot = None;
        }
    }
    for ((client, provider), n) in &counts {
        let mut f = Finding::new(
            report::UNKNOWN_PROVIDER,
            format!(
                "{n} SSO variable(s) for provider `{provider}`, which the policy does not declare"
            ),
        )
        .at(ctx.location.clone());
        // What the policy could declare: only a key the policy parser accepts, under the
        // client type the variables use.
        let known = providers::provider(provider);
        let declarable = known.is_some_and(|p| p.client == *client);
        let wrong_client = known.filter(|_| !declarable);
        if let Some(p) = wrong_client {
            f.message.push_str(&format!(
                " (ClearML reads `{provider}` under `{}`, not `{}`)",
                p.client.as_str(),
                client.as_str()
            ));
        } else if let Some(help) = known
            .is_none()
            .then(|| providers::alias_help(provider))
            .flatten()
        {
            f.message
                .push_str(&format!(" (ClearML knows no `{provider}`; {help})"));
        } else if known.is_none() {
            let keys = providers::PROVIDERS
                .iter()
                .filter(|p| p.client == *client)
                .map(|p| p.key);
            if let Some(near) = crate::policy::nearest(provider, keys) {
                f.message.push_str(&format!(
                    " (did you mean `{near}`? ClearML knows no `{provider}`)"
                ));
            }
        }
        match ctx.policy.enforce.unknown_providers {
            UnknownProviders::Warn if declarable => {
                f = f.help(format!(
                    "declare [providers.{provider}] or set [enforce] unknown_providers = \"remove\""
                ))
            }
            UnknownProviders::Warn => {
                let what = match wrong_client {
                    Some(p) if ctx.declares(p.client, p.key) => {
                        format!("use `{}` in their names", p.client.as_str())
                    }
                    Some(p) => format!(
                        "use `{}` in their names and declare [providers.{}]",
                        p.client.as_str(),
                        p.key
                    ),
                    None => "rename them to ClearML's provider key and declare it in the policy"
                        .to_string(),
                };
                f = f.help(format!(
                    "ClearML reads nothing for these variables: {what}, or set [enforce] unknown_providers = \"remove\""
                ))
            }
            UnknownProviders::Deny => {}
            UnknownProviders::Remove => f = f.fixed(),
        }
        findings.push(f);
    }
    remove && !counts.is_empty()
}

/// Rule 3: every setting of the policy, exactly once, spelled canonically, with its value.
fn policy_settings(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    let mut changed = false;
    for d in &ctx.policy.desired {
        let group: Vec<usize> = env
            .iter()
            .enumerate()
            .filter_map(|(i, e)| (e.as_ref()?.sso.as_ref()?.path == d.path).then_some(i))
            .collect();
        let desired = Entry::new(desired_entry(&d.name, &d.value), true);
        let Some(&first) = group.first() else {
            let what = if d.derived { " (derived)" } else { "" };
            findings.push(
                Finding::new(report::MISSING_VARIABLE, format!("added {}{what}", d.label))
                    .at(ctx.at(&d.name))
                    .fixed(),
            );
            env.push(Some(desired));
            changed = true;
            continue;
        };
        let mut rewrite = group.len() > 1;
        let members: Vec<(&Entry, &SsoName)> = group
            .iter()
            .filter_map(|&i| env[i].as_ref())
            .filter_map(|e| Some((e, e.sso.as_ref()?)))
            .collect();
        for (e, sso) in members {
            if let Some(f) = spelling_finding(sso, &e.name, d.option, &d.name) {
                findings.push(f.at(ctx.at(&e.name)).fixed());
                rewrite = true;
            }
            if let Some((code, msg)) = value_difference(&e.node, d) {
                let f = Finding::new(code, format!("{}: {msg}", d.label)).at(ctx.at(&e.name));
                findings.push(f.fixed());
                rewrite = true;
            }
        }
        if group.len() > 1 {
            let names: Vec<&str> = group
                .iter()
                .filter_map(|&i| env[i].as_ref())
                .map(|e| e.name.as_str())
                .collect();
            findings.push(
                Finding::new(
                    report::DUPLICATE_VARIABLE,
                    format!(
                        "{} env entries set {} ({}); one remains",
                        group.len(),
                        d.label,
                        names.join(", ")
                    ),
                )
                .at(ctx.at(&d.name))
                .fixed(),
            );
        }
        if rewrite {
            for &i in &group[1..] {
                env[i] = None;
            }
            env[first] = Some(desired);
            changed = true;
        } else if let Some(e) = env[first].as_mut() {
            e.from_policy = true; // already exactly the policy's
        }
    }
    changed
}

/// Compares an existing entry's value with the setting: `None` when ClearML would read the
/// policy's value from it, else the finding code and a message that shows no secret value.
fn value_difference(entry: &Node, d: &Desired) -> Option<(report::Code, String)> {
    let var = match objects::env_var(entry) {
        Ok(v) => v,
        Err(_) => {
            return Some((
                report::NON_STRING_VALUE,
                "the value is not a string, so Kubernetes rejects the entry".into(),
            ))
        }
    };
    let show = |v: &str| {
        shown(
            v,
            d.provider.map(|p| (p.client, p.key)),
            d.option.name,
            true,
        )
    };
    let from = var.value_from.as_ref();
    match (&d.value, var.value.as_deref(), from) {
        // Kubernetes expands `$` in env values: only the tool's own escaped spelling is sure
        // to reach ClearML as the policy's text.
        (Value::Literal(l), Some(text), None) if text.contains('$') => {
            (text != objects::escape_env(&l.to_env())).then(|| {
                (
                    report::VALUE_MISMATCH,
                    "the value holds `$`, which Kubernetes expands before ClearML reads it".into(),
                )
            })
        }
        (Value::Literal(l), Some(text), None) if l.matches(text) && !text.contains(" #") => None,
        (_, Some(text), None) if text.contains("${") => Some((
            report::COMPOSE_VARIABLE,
            "a docker-compose `${…}` reached the manifest; Kubernetes does not expand it".into(),
        )),
        (Value::Literal(l), Some(text), None) => {
            let bare = clearml_env::strip_comment(text).trim_end();
            if l.matches(text) && bare == text.trim_end() {
                None
            } else if l.matches(text) {
                Some((
                    report::COMMENT_IN_VALUE,
                    "the value carries a ` # …` comment tail".into(),
                ))
            } else if matches!(l, Literal::Str(want) if want.strip_suffix('/') == Some(bare))
                && d.option.trailing_slash
            {
                Some((
                    report::BASE_URL_SLASH,
                    format!("{} lacks the trailing `/`", show(bare).subject()),
                ))
            } else if let (Shown::Value(_), Shown::Value(_)) = (show(text), show(&l.to_env())) {
                Some((
                    report::VALUE_MISMATCH,
                    format!(
                        "value {} differs from the policy's {}",
                        show(text),
                        show(&l.to_env())
                    ),
                ))
            } else {
                Some((
                    report::VALUE_MISMATCH,
                    "the value differs from the policy".into(),
                ))
            }
        }
        (Value::Secret { name, key }, None, Some(f)) if f.secret_key_ref.is_some() => {
            let r = f.secret_key_ref.as_ref()?;
            reference_difference("Secret", &r.name, &r.key, r.optional, name, key)
        }
        (Value::ConfigMap { name, key }, None, Some(f)) if f.config_map_key_ref.is_some() => {
            let r = f.config_map_key_ref.as_ref()?;
            reference_difference("ConfigMap", &r.name, &r.key, r.optional, name, key)
        }
        (want, _, _) => {
            let want = match want {
                Value::Literal(_) => "a literal value",
                Value::Secret { .. } => "a Secret (secretKeyRef)",
                Value::ConfigMap { .. } => "a ConfigMap (configMapKeyRef)",
            };
            Some((
                report::VALUE_SOURCE,
                format!("the policy says the value comes from {want}"),
            ))
        }
    }
}

fn reference_difference(
    kind: &str,
    name: &str,
    key: &str,
    optional: Option<bool>,
    want_name: &str,
    want_key: &str,
) -> Option<(report::Code, String)> {
    if name != want_name || key != want_key {
        let msg = format!("reads {kind} `{name}` key `{key}`, the policy says {kind} `{want_name}` key `{want_key}`");
        Some((report::VALUE_MISMATCH, msg))
    } else if optional == Some(true) {
        let msg = format!("the {kind} reference was optional; a missing {kind} would silently leave the setting out");
        Some((report::OPTIONAL_SECRET_REF, msg))
    } else {
        None
    }
}

/// Rule 4: SSO variables of declared providers (and `[sso]` switches) that the policy does not
/// set keep their value, but a spelling ClearML would not read is corrected, and an option
/// ClearML does not document is pointed out with the nearest documented one.
fn other_options(env: &mut Env, ctx: &Context, findings: &mut Sink) -> bool {
    // Before renaming: which entries ClearML reads today, and in what order, so that spellings
    // a rename merges keep the value ClearML actually read.
    let read_rank = clearml_read_order(env);
    let mut renamed: Vec<(usize, String)> = Vec::new();
    let mut changed = false;
    for (i, e) in env.iter_mut().enumerate() {
        let Some(e) = e.as_mut() else { continue };
        let Some(sso) = e.sso.clone() else { continue };
        let declared = match &sso.provider {
            Some((client, key)) => ctx.declares(*client, key),
            None => true,
        };
        if e.from_policy || !declared {
            continue;
        }
        let Some(option) = sso.option() else {
            let names: Vec<&str> = match &sso.provider {
                Some((client, _)) => providers::options(*client).iter().map(|o| o.name).collect(),
                None => providers::GLOBAL_OPTIONS.iter().map(|o| o.name).collect(),
            };
            let owner = sso
                .provider
                .as_ref()
                .map_or("SSO".to_string(), |(_, k)| format!("`{k}`"));
            let mut f = Finding::new(
                report::UNKNOWN_OPTION,
                format!(
                    "`{}` is not an option ClearML documents for {owner}; kept as is",
                    sso.option
                ),
            )
            .at(ctx.at(&e.name));
            let api = providers::API_VOCABULARY
                .iter()
                .find(|(api, _)| *api == sso.option);
            if let Some((api, env)) = api {
                f = f.help(format!(
                    "`{api}` is the multi-tenant API's name; the env option is `{env}`"
                ));
            } else if let Some(near) = crate::policy::nearest(&sso.option, names) {
                f = f.help(format!("did you mean `{near}`?"));
            }
            findings.push(f);
            continue;
        };
        let canonical = clearml_env::canonical_name(option.section, &sso.path);
        if let Some(f) = spelling_finding(&sso, &e.name, option, &canonical) {
            findings.push(
                Finding {
                    message: format!("{} (value kept)", f.message),
                    ..f
                }
                .at(ctx.at(&e.name))
                .fixed(),
            );
            e.rename(&canonical);
            changed = true;
        }
        renamed.push((i, canonical));
    }
    changed | keep_what_clearml_read(env, &renamed, &read_rank, ctx, findings)
}

/// For every env entry ClearML reads, its place in the loader's order: all `TRAINS__`
/// variables, then all `CLEARML__` ones, each group by name; a later one overrides an earlier
/// one for the same key. An entry Kubernetes drops (an earlier one of the same exact name) or
/// ClearML ignores (another prefix case, surrounding whitespace) has none.
fn clearml_read_order(env: &Env) -> Vec<Option<(u8, String)>> {
    let mut last_of_name = std::collections::HashMap::new();
    for (i, e) in env.iter().enumerate() {
        if let Some(e) = e {
            last_of_name.insert(e.name.as_str(), i);
        }
    }
    env.iter()
        .enumerate()
        .map(|(i, e)| {
            let e = e.as_ref()?;
            let sso = e.sso.as_ref()?;
            let rank = match sso.prefix {
                Prefix::Trains => 0,
                Prefix::Clearml => 1,
                _ => return None,
            };
            let read = !sso.padded && last_of_name.get(e.name.as_str()) == Some(&i);
            read.then(|| (rank, e.name.clone()))
        })
        .collect()
}

/// After renames, entries that now share one canonical name: keep the one whose value ClearML
/// read before (the latest in its loader order, in the option's own section), or, when it read
/// none of them, the last one (Kubernetes' rule); remove the others and say which was kept.
fn keep_what_clearml_read(
    env: &mut Env,
    renamed: &[(usize, String)],
    read_rank: &[Option<(u8, String)>],
    ctx: &Context,
    findings: &mut Sink,
) -> bool {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, canonical) in renamed {
        groups.entry(canonical.as_str()).or_default().push(*i);
    }
    let mut changed = false;
    for (canonical, members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let in_section = |i: &usize| {
            let e = env[*i].as_ref();
            let sso = e.and_then(|e| e.sso.as_ref());
            sso.zip(sso.and_then(|s| s.option()))
                .is_some_and(|(s, o)| s.section == Some(o.section))
        };
        let read_winner = members
            .iter()
            .filter(|i| in_section(i))
            .filter_map(|i| read_rank[*i].as_ref().map(|r| (r, *i)))
            .max()
            .map(|(_, i)| i);
        let keep = read_winner.unwrap_or(*members.last().unwrap_or(&0));
        let kept_name = read_rank[keep]
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| "the last one".into());
        let why = if read_winner.is_some() {
            format!("kept `{kept_name}`, the value ClearML reads today")
        } else {
            "ClearML read none of them; kept the last one, as Kubernetes would".to_string()
        };
        findings.push(
            Finding::new(
                report::DUPLICATE_VARIABLE,
                format!("{} env entries become {canonical}; {why}", members.len()),
            )
            .at(ctx.at(canonical))
            .fixed(),
        );
        for i in members.into_iter().filter(|i| *i != keep) {
            env[i] = None;
        }
        changed = true;
    }
    changed
}

/// The variables the container's `envFrom` sources in the stream define (their keys, with the
/// source's prefix); their values are not judged here, only that they exist. Sources outside
/// the stream define nothing the tool can see.
fn env_from_variables(container: &Node, ctx: &Context) -> Vec<(String, Defined)> {
    let env_from: Vec<k8s_openapi::api::core::v1::EnvFromSource> =
        objects::typed(container, "envFrom").unwrap_or_default();
    let namespace = ctx.location.object.namespace.as_deref();
    sources::env_from(&env_from, ctx.inventory, namespace)
        .into_iter()
        .map(|v| {
            // The value when the stream shows it, so `$(VAR)` of it can be judged.
            let d = v.value.map_or(Defined::Unknown, |v| {
                Defined::Text(v.text_for_judging().to_string())
            });
            (v.name, d)
        })
        .collect()
}

/// What one env entry defines for substitutions: a literal's text (unknown when Kubernetes
/// expands it first), a Secret's or ConfigMap's value when the stream shows it, anything else
/// defined with an unknown value.
fn defined(e: &Entry, ctx: &Context) -> (String, Defined) {
    // An optional reference to a key nothing provides leaves the variable unset.
    if let Some(from) = objects::env_var(&e.node).ok().and_then(|v| v.value_from) {
        let optional = match (&from.secret_key_ref, &from.config_map_key_ref) {
            (Some(r), _) => {
                (r.optional == Some(true)).then_some((RefKind::Secret, &r.name, &r.key))
            }
            (None, Some(r)) => {
                (r.optional == Some(true)).then_some((RefKind::ConfigMap, &r.name, &r.key))
            }
            _ => None,
        };
        if let Some((kind, name, key)) = optional {
            let namespace = ctx.location.object.namespace.as_deref();
            let resolution =
                sources::resolve(ctx.inventory, ctx.policy, kind, name, Some(key), namespace);
            if !matches!(
                resolution,
                Resolution::Provided(_) | Resolution::External | Resolution::MaybeByDataFrom
            ) {
                return (e.name.clone(), Defined::Unset);
            }
        }
    }
    let value = match e.node.get("value") {
        Some(v @ Node::Scalar { .. }) => v.as_str().filter(|t| !t.contains("$(")),
        _ => None,
    };
    let stored = || {
        let var = objects::env_var(&e.node).ok()?;
        let from = var.value_from?;
        let (kind, name, key) = match (from.secret_key_ref, from.config_map_key_ref) {
            (Some(r), _) => (RefKind::Secret, r.name, r.key),
            (None, Some(r)) => (RefKind::ConfigMap, r.name, r.key),
            _ => return None,
        };
        let namespace = ctx.location.object.namespace.as_deref();
        sources::stored_value(ctx.inventory, kind, &name, &key, namespace)
            .map(|(_, v)| v.text_for_judging().to_string())
    };
    let d = match value.map(str::to_string).or_else(stored) {
        Some(t) => Defined::Text(t),
        None => Defined::Unknown,
    };
    (e.name.clone(), d)
}

/// Rule 5: values of SSO variables the policy did not write, as ClearML would read them:
/// fixed where the right form is certain, an error where ClearML would fail and nothing says
/// what is right.
fn value_hygiene(
    env: &mut Env,
    from: &[(String, Defined)],
    ctx: &Context,
    findings: &mut Sink,
) -> bool {
    let mut changed = false;
    // What each entry sees: Kubernetes expands `$(VAR)` from what is set before it; pyhocon
    // resolves `${VAR}` from the whole environment.
    let process: Vec<(String, Defined)> = from
        .iter()
        .cloned()
        .chain(env.iter().flatten().map(|e| defined(e, ctx)))
        .collect();
    for (position, e) in (from.len()..).zip(live(env)) {
        let earlier = &process[..position];
        let Some(sso) = e.sso.clone() else { continue };
        if e.from_policy {
            continue;
        }
        let loc = ctx.at(&e.name);
        let option = sso.option();
        let provider = sso.provider.as_ref().map(|(c, k)| (*c, k.as_str()));
        let declared = provider.is_none_or(|(c, k)| ctx.declares(c, k));
        let show = |v: &str| shown(v, provider, &sso.option, declared);
        // A YAML bool, number, null or list where Kubernetes needs a string (T11).
        if let Some(v) = e.node.get("value").filter(|v| !is_string(v)) {
            let text = match v {
                Node::Seq { items, .. } => clearml_env::hocon_list(
                    &items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().to_string())
                        .collect::<Vec<_>>(),
                ),
                other => other.as_str().unwrap_or_default().to_string(),
            };
            let message = match show(&text) {
                Shown::Value(v) => format!("the value is not a YAML string; written as '{v}'"),
                shape => format!("the value ({shape}) is not a YAML string; written as a string"),
            };
            findings.push(
                Finding::new(report::NON_STRING_VALUE, message)
                    .at(loc.clone())
                    .fixed(),
            );
            e.node.set("value", Node::string(&text));
            changed = true;
        }
        let Some(text) = e.literal().map(str::to_string) else {
            continue;
        };
        let around = clearml_env::Surroundings {
            stored: false,
            earlier,
            process: &process,
            placeholders: Some(&ctx.policy.secrets.placeholders),
        };
        let judged = clearml_env::judge(&text, option, &around);
        for issue in &judged.issues {
            let f = if judged.expanded {
                // What Kubernetes makes of `$(VAR)` cannot be rewritten here, and may hold
                // another variable's value: described, never shown.
                unrewritable_finding(issue, &sso, "after Kubernetes expands its `$(…)`, ")
                    .help("write the value so that, once expanded, it is a HOCON-quoted string (`\"$(VAR)\"`), or set this option in the policy")
            } else {
                value_finding(issue, &text, &sso, &show)
            };
            findings.push(f.at(loc.clone()));
        }
        if let Some(fixed) = judged.corrected.filter(|f| *f != text) {
            e.node.set("value", Node::string(&fixed));
            changed = true;
        }
    }
    changed
}

/// Why ClearML misreads a value, in words that show none of it.
fn misread_reason(issue: &ValueIssue, sso: &SsoName) -> String {
    let option = &sso.option;
    match issue {
        ValueIssue::OtherKeys => "a `,` or a line break outside quotes makes ClearML read other keys from it".into(),
        ValueIssue::CommentTail => "ClearML cuts it at the `#` or `//` (a HOCON comment)".into(),
        ValueIssue::Unparseable(why) if *why == clearml_env::JOINED => format!("it holds {why}: {}", clearml_env::unreadable_outcome(why)),
        ValueIssue::Unparseable(why) => format!("ClearML's HOCON parser rejects it ({why}): the apiserver fails to start"),
        ValueIssue::SurroundingWhitespace => "it has leading or trailing whitespace (a line break from `echo … | base64`?), which ClearML drops".into(),
        ValueIssue::Escape => "it holds a backslash escape (`\\n`, `\\\\`…) that ClearML replaces".into(),
        ValueIssue::NotAList { .. } => format!("`{option}` needs a list; ClearML would read one string"),
        ValueIssue::QuotedBoolean(_) | ValueIssue::BooleanSpelling(_) => format!("`{option}` needs a boolean; ClearML would read a string"),
        ValueIssue::BooleanWord { meant, clearml_reads } => format!("`{option}` needs a boolean; the word means {meant}, ClearML would read {clearml_reads}"),
        ValueIssue::UnclearBoolean => format!("`{option}` takes true or false; the value has no certain meaning"),
        ValueIssue::NotText { reads } => format!("`{option}` takes text; ClearML would read {reads}"),
        ValueIssue::Number { .. } => "ClearML reads it as a number (or a duration), not as the text".into(),
        ValueIssue::NoTrailingSlash { .. } => format!("`{option}` must end with `/`"),
        ValueIssue::Substitution { var, outcome: Substituted::Resolved { .. } } => format!("a substitution of `{var}` gives ClearML a string, and `{option}` needs a boolean or a list"),
        ValueIssue::Substitution { .. } => "it holds a `${…}` ClearML cannot resolve".into(),
        ValueIssue::KubernetesReference { .. } => "a `$` outside quotes stops ClearML's parser".into(),
        ValueIssue::QuotedSubstitution => "ClearML reads `${…}` inside quotes as text".into(),
        ValueIssue::Placeholder => "it is a placeholder ([secrets] placeholders)".into(),
        ValueIssue::Fragile => "it reads as written only because HOCON accepts it unquoted".into(),
        ValueIssue::TabInside => "it holds a tab, which ClearML's parser turns into spaces".into(),
    }
}

/// The finding for an issue in a value the tool cannot rewrite (stored in a Secret or
/// ConfigMap, or what Kubernetes expands): an error when ClearML misreads it, a warning when
/// it reads it fragilely; the substitution and placeholder codes keep their own meaning.
fn unrewritable_finding(issue: &ValueIssue, sso: &SsoName, what: &str) -> Finding {
    let reason = misread_reason(issue, sso);
    let code = match issue {
        ValueIssue::Fragile => report::FRAGILE_VALUE,
        ValueIssue::Placeholder => report::PLACEHOLDER_VALUE,
        ValueIssue::QuotedSubstitution => report::QUOTED_SUBSTITUTION,
        ValueIssue::Substitution { var, outcome } => {
            // Named like every other stored value's finding: the key and its Secret.
            let mut f = substitution_finding(var, outcome, sso, false);
            f.message = format!("{what}{}", f.message);
            return f;
        }
        _ if !issue.misreads() => {
            return Finding::new(report::FRAGILE_VALUE, format!("{what}{reason}"))
        }
        _ => report::MISREAD_VALUE,
    };
    Finding::new(code, format!("{what}{reason}"))
}

/// The finding for an unquoted `${VAR}`, as pyhocon resolves it. The variable's name is
/// shown only when the value may be (`reveal`, from [`shown`]): a `${…}` on a credential may
/// hold the credential itself, and docker-compose's `VAR:-default` carries a value after `:`.
fn substitution_finding(var: &str, outcome: &Substituted, sso: &SsoName, reveal: bool) -> Finding {
    let base = var.split(':').next().unwrap_or_default();
    let (subst, optional, name) = if reveal {
        (
            format!("`${{{base}}}`"),
            format!("`${{?{base}}}`"),
            format!("`{base}`"),
        )
    } else {
        (
            "`${…}`".to_string(),
            "`${?…}`".to_string(),
            "its variable".to_string(),
        )
    };
    match outcome {
        Substituted::Resolved { wrong_type: false } => Finding::new(
            report::ENV_SUBSTITUTION,
            format!("{subst}: ClearML reads the raw text of {name} from the container's environment (not parsed as HOCON)"),
        ),
        Substituted::Resolved { wrong_type: true } => Finding::new(
            report::MISREAD_VALUE,
            format!("a substitution gives ClearML a string, and `{}` needs a boolean or a list", sso.option),
        )
        .help(format!("write `{}` itself as true/false or a list, or set this option in the policy", sso.option)),
        Substituted::Dropped => Finding::new(
            report::OPTIONAL_SUBSTITUTION,
            format!("{optional}: {name} is defined nowhere in the container, so ClearML drops this setting"),
        )
        .help(format!("define {name} in the container's env, or remove the variable")),
        Substituted::Fails if base != var => Finding::new(
            report::COMPOSE_VARIABLE,
            "docker-compose syntax `${VAR:…}`: ClearML's parser looks up a variable named with the `:…` part, which cannot exist, and the apiserver fails to start",
        )
        .help(format!("write {subst} with {name} defined in the container's env, or set this option in the policy")),
        Substituted::Fails => Finding::new(
            report::COMPOSE_VARIABLE,
            format!("{subst}: {name} is defined nowhere in the container, so ClearML cannot resolve it and the apiserver fails to start"),
        )
        .help(format!("define {name} in the container's env (ClearML then reads its raw text), write {optional} to leave the option unset without it, or set this option in the policy (a literal, or {{ secret = NAME, key = KEY }})")),
    }
}

/// The finding for one way ClearML misreads a value the policy did not write (`text` as
/// written): fixed in place, or an error where nothing says what is right.
fn value_finding(
    issue: &ValueIssue,
    text: &str,
    sso: &SsoName,
    show: &dyn Fn(&str) -> Shown,
) -> Finding {
    match issue {
        ValueIssue::OtherKeys => Finding::new(
            report::UNPARSEABLE_VALUE,
            "ClearML would read more than this option from the value: a `,` or a line break outside quotes starts another key (it could set any setting, a credential included)",
        )
        .help("quote the value as a JSON string, or set this option in the policy"),
        ValueIssue::Substitution { var, outcome } => {
            substitution_finding(var, outcome, sso, matches!(show(text), Shown::Value(_)))
        }
        ValueIssue::QuotedSubstitution => Finding::new(
            report::QUOTED_SUBSTITUTION,
            "inside quotes `${…}` is text: ClearML reads the characters `${…}`, not the variable",
        )
        .help("remove the quotes around `${VAR}` to read the variable (it must be defined in the container), or set this option in the policy"),
        ValueIssue::KubernetesReference { var } => {
            let var = match show(text) {
                Shown::Value(_) => format!("`{var}`"),
                Shown::Shape(_) => "its variable".into(),
            };
            Finding::new(
                report::UNPARSEABLE_VALUE,
                format!("`$(…)`: {var} is not defined earlier in the container's env, so Kubernetes leaves it as written and ClearML's parser stops at the `$`"),
            )
            .help(format!("define {var} above this entry (Kubernetes expands `$(VAR)` only from earlier entries), or set this option in the policy"))
        }
        ValueIssue::Placeholder => Finding::new(
            report::PLACEHOLDER_VALUE,
            format!("the value{} is a placeholder ([secrets] placeholders), not a real setting", show(text).suffix()),
        )
        .help("put the real value in, set this option in the policy, or remove the variable"),
        ValueIssue::SurroundingWhitespace | ValueIssue::Fragile => {
            unrewritable_finding(issue, sso, "the value: ")
        }
        ValueIssue::TabInside => Finding::new(
            report::NOT_A_STRING,
            format!("`{}`: {}; quoted so that ClearML reads the tab", sso.option, misread_reason(issue, sso)),
        )
        .fixed(),
        ValueIssue::Escape => Finding::new(
            report::UNPARSEABLE_VALUE,
            misread_reason(issue, sso),
        )
        .help("quote the value as a JSON string (with the backslash doubled if it is meant), or set this option in the policy"),
        ValueIssue::BooleanWord { meant, clearml_reads } => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} is not a boolean to ClearML (it would read it as {clearml_reads}): written as {meant}",
                show(clearml_env::strip_comment(text).trim()).subject()
            ),
        )
        .fixed(),
        ValueIssue::NotText { reads } => Finding::new(
            report::MISREAD_VALUE,
            format!("`{}` takes text; ClearML would read {reads} from the value", sso.option),
        )
        .help("quote the value as a JSON string if the text is meant, or set this option in the policy"),
        ValueIssue::UnclearBoolean => Finding::new(
            report::UNCLEAR_BOOLEAN,
            format!(
                "`{}` takes true or false; {} has no certain meaning",
                sso.option,
                show(clearml_env::strip_comment(text).trim()).subject()
            ),
        )
        .help("write true or false, or set this option in the policy"),
        ValueIssue::CommentTail => Finding::new(
            report::COMMENT_IN_VALUE,
            format!("a ` # …` comment tail in the value{} was removed", show(text).suffix()),
        )
        .fixed(),
        ValueIssue::Unparseable(why) => {
            let bare = clearml_env::strip_comment(text).trim_end();
            Finding::new(
                report::UNPARSEABLE_VALUE,
                if *why == clearml_env::JOINED {
                    format!("ClearML does not read the value{} as written: it holds {why}", show(bare).suffix())
                } else {
                    format!("ClearML cannot parse the value{}: {why}", show(bare).suffix())
                },
            )
            .help("quote it as a JSON string, or set this option in the policy")
        }
        ValueIssue::NotAList { item } => {
            let list = clearml_env::hocon_list(std::slice::from_ref(item));
            Finding::new(
                report::NOT_A_LIST,
                match show(item) {
                    Shown::Value(v) => format!(
                        "`{}` needs a list; `{v}` would be a string: written as {list}",
                        sso.option
                    ),
                    Shown::Shape(_) => format!(
                        "`{}` needs a list; the value would be a string: written as a list",
                        sso.option
                    ),
                },
            )
            .fixed()
        }
        ValueIssue::QuotedBoolean(b) => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} is a string to ClearML, not a boolean: written as {b}",
                show(clearml_env::strip_comment(text).trim_end()).subject()
            ),
        )
        .fixed(),
        ValueIssue::BooleanSpelling(b) => Finding::new(
            report::NOT_A_BOOLEAN,
            format!(
                "{} written as {b}",
                show(clearml_env::strip_comment(text).trim_end()).subject()
            ),
        )
        .fixed(),
        ValueIssue::Number { text: n } => {
            let quoted = clearml_env::hocon_string(n);
            Finding::new(
                report::NOT_A_STRING,
                format!(
                    "`{}` would be read as a number, not the text{}: written as {}",
                    sso.option,
                    show(n).suffix(),
                    match show(&quoted) {
                        Shown::Value(_) => quoted.clone(),
                        Shown::Shape(_) => "a quoted string".to_string(),
                    }
                ),
            )
            .fixed()
        }
        ValueIssue::NoTrailingSlash { url } => {
            let with_slash = clearml_env::hocon_string(&format!("{url}/"));
            Finding::new(
                report::BASE_URL_SLASH,
                match show(url) {
                    Shown::Value(v) => {
                        format!("base_url `{v}` ends without `/`: written as {with_slash}")
                    }
                    Shown::Shape(_) => "base_url ends without `/`: written with a trailing `/`".into(),
                },
            )
            .fixed()
        }
    }
}

/// What to do about a credential written as a literal (`plaintext-secret`).
fn plaintext_help(option: &str) -> String {
    format!(
        "put it in a Secret and reference it: {} (or set [enforce] plaintext_secrets = \"allow\")",
        crate::policy::secret_reference_example(option)
    )
}

/// What the policy alone makes `render` report, whatever the manifests: a credential written
/// as a literal under `plaintext_secrets = "deny"`, a value matching `[secrets]
/// placeholders`, and the policy's warnings (an `[secrets] external` entry it never reads,
/// an error under `warnings = "deny"`). One rule for every command: `render` reports these once
/// (not per container), `explain` and `values` refuse the policy on the errors, so none of them
/// accepts what another refuses.
pub fn policy_refusals(policy: &Policy) -> Vec<Finding> {
    let file = report::Spot {
        path: policy.source.clone(),
        line: 0,
        column: 0,
    };
    let mut out: Vec<Finding> = policy
        .warnings
        .iter()
        .map(|w| {
            let f =
                Finding::new(report::UNUSED_EXTERNAL, w.message.clone()).in_file(report::Spot {
                    line: w.line,
                    column: w.column,
                    ..file.clone()
                });
            match &w.help {
                Some(help) => f.help(help.clone()),
                None => f,
            }
        })
        .collect();
    for d in &policy.desired {
        let Value::Literal(l) = &d.value else {
            continue;
        };
        if d.option.secret && policy.enforce.plaintext_secrets == Plaintext::Deny {
            out.push(
                Finding::new(
                    report::PLAINTEXT_SECRET,
                    format!("{} is a literal value in the policy", d.label),
                )
                .help(plaintext_help(d.option.name))
                .in_file(file.clone()),
            );
        }
        let text = l.to_env();
        let placeholders = Some(&policy.secrets.placeholders);
        if clearml_env::is_placeholder(&text, &clearml_env::read(&text), placeholders) {
            out.push(
                Finding::new(
                    report::PLACEHOLDER_VALUE,
                    format!(
                        "{} in the policy is a placeholder ([secrets] placeholders), not a real setting",
                        d.label
                    ),
                )
                .help("write the real value, or leave the option out")
                .in_file(file.clone()),
            );
        }
    }
    out
}

/// Rule 6: every Secret the container's SSO variables end up reading must be provided (with
/// `[secrets] check = "all"`: every Secret and ConfigMap the container reads), and credentials
/// must not be literals under `plaintext_secrets = "deny"`.
fn secret_references(entries: &[Entry], ctx: &Context, findings: &mut Sink) {
    let all = ctx.policy.secrets.check == CheckScope::All;
    for e in entries {
        if e.sso.is_none() && !all {
            continue;
        }
        let Ok(var) = objects::env_var(&e.node) else {
            continue;
        };
        let loc = ctx.at(&e.name);
        if let Some(sso) = &e.sso {
            let secret_option = sso.option().is_some_and(|o| o.secret);
            // The policy's own literal is judged once, by `policy_refusals`.
            if secret_option
                && !e.from_policy
                && var.value.is_some()
                && ctx.policy.enforce.plaintext_secrets == Plaintext::Deny
            {
                let owner = sso.provider.as_ref().map_or("SSO", |(_, k)| k.as_str());
                findings.push(
                    Finding::new(
                        report::PLAINTEXT_SECRET,
                        format!("`{}` of provider `{owner}` is a literal value", sso.option),
                    )
                    .help(plaintext_help(&sso.option))
                    .at(loc.clone()),
                );
            }
        }
        let from = var.value_from.as_ref();
        if let Some(r) = from.and_then(|f| f.secret_key_ref.as_ref()) {
            // An optional reference outside SSO is the chart's choice; SSO ones were made required.
            if e.sso.is_some() || r.optional != Some(true) {
                resolve_reference(
                    ctx,
                    RefKind::Secret,
                    &r.name,
                    Some(&r.key),
                    loc.clone(),
                    findings,
                );
            }
        }
        if let Some(r) = from.and_then(|f| f.config_map_key_ref.as_ref()) {
            if e.sso.is_some() || r.optional != Some(true) {
                resolve_reference(
                    ctx,
                    RefKind::ConfigMap,
                    &r.name,
                    Some(&r.key),
                    loc.clone(),
                    findings,
                );
            }
        }
    }
}

/// Rule 6a: ClearML parses every `CLEARML__` value as HOCON, whatever its source, so the
/// values SSO settings read from a Secret or ConfigMap in the stream are judged like literals
/// — but they cannot be rewritten here, and are never shown: the finding names the object and
/// key and says how to store the value. A SealedSecret's values are encrypted and an
/// ExternalSecret's come from its provider at install: `explain` says how to store those.
fn stored_values(
    entries: &[Entry],
    from: &[(String, Defined)],
    ctx: &Context,
    findings: &mut Sink,
) {
    let process: Vec<(String, Defined)> = from
        .iter()
        .cloned()
        .chain(entries.iter().map(|e| defined(e, ctx)))
        .collect();
    let namespace = ctx.location.object.namespace.as_deref();
    for e in entries {
        let Some(sso) = &e.sso else { continue };
        let Ok(var) = objects::env_var(&e.node) else {
            continue;
        };
        let Some(from_ref) = var.value_from.as_ref() else {
            continue;
        };
        let (kind, name, key) = match (&from_ref.secret_key_ref, &from_ref.config_map_key_ref) {
            (Some(r), _) => (RefKind::Secret, &r.name, &r.key),
            (None, Some(r)) => (RefKind::ConfigMap, &r.name, &r.key),
            (None, None) => continue,
        };
        // A missing, empty or placeholder key is the gate's finding already.
        let provided =
            sources::resolve(ctx.inventory, ctx.policy, kind, name, Some(key), namespace);
        if !matches!(provided, Resolution::Provided(_)) {
            continue;
        }
        let Some((source, stored)) =
            sources::stored_value(ctx.inventory, kind, name, key, namespace)
        else {
            continue;
        };
        let around = clearml_env::Surroundings {
            stored: true,
            earlier: &[],
            process: &process,
            placeholders: Some(&ctx.policy.secrets.placeholders),
        };
        let judged = clearml_env::judge(stored.text_for_judging(), sso.option(), &around);
        let what = format!("key `{key}` of {} `{name}`: ", kind.as_str());
        // A setting the policy requires must reach ClearML: a substitution that drops it is an
        // error here, not the warning it is on an option nobody asked for.
        let required = ctx.policy.desired.iter().any(|d| d.name == e.name);
        for issue in &judged.issues {
            let dropped = matches!(
                issue,
                ValueIssue::Substitution {
                    outcome: clearml_env::Substituted::Dropped,
                    ..
                }
            );
            let f = if dropped && required {
                Finding::new(
                    report::MISREAD_VALUE,
                    format!("{what}its `${{?…}}` names a variable defined nowhere in the container, so ClearML drops this setting, which the policy requires"),
                )
            } else {
                unrewritable_finding(issue, sso, &what)
            };
            findings.push(
                f.help(store_help(issue, source, name, key))
                    .at(ctx.at(&e.name)),
            );
        }
    }
}

/// How to store a value so that ClearML reads it as written: HOCON-quoted (a JSON string),
/// in the shape the source is made with; a placeholder stands for the value, never the value.
fn store_help(issue: &ValueIssue, source: sources::SourceKind, name: &str, key: &str) -> String {
    use sources::SourceKind;
    let shape = match issue {
        ValueIssue::NotAList { .. } => "a list, `[\"…\"]`",
        ValueIssue::QuotedBoolean(_)
        | ValueIssue::BooleanSpelling(_)
        | ValueIssue::BooleanWord { .. }
        | ValueIssue::UnclearBoolean => "`true` or `false`",
        ValueIssue::Placeholder => "the real value",
        // Quoting makes the text `${VAR}` itself the value; resolving it needs VAR defined.
        ValueIssue::Substitution { .. } => {
            "the value itself, HOCON-quoted (`\"…\"`; or define the variable `${…}` names in the container's env, whose raw text ClearML then reads)"
        }
        _ => {
            "HOCON-quoted: the value in double quotes, with `\\` and `\"` escaped (`\"ab+cd=ef\"`)"
        }
    };
    let example = match source {
        SourceKind::Secret => {
            format!(" — kubectl create secret generic {name} --from-literal={key}='\"<value>\"'")
        }
        SourceKind::ConfigMap => {
            format!(" — kubectl create configmap {name} --from-literal={key}='\"<value>\"'")
        }
        SourceKind::ExternalSecret => {
            format!(" — in the ExternalSecret's template: {key}: '\"{{{{ .{key} }}}}\"'")
        }
        SourceKind::SealedSecret => String::new(),
    };
    let whitespace = if *issue == ValueIssue::SurroundingWhitespace {
        " (without the surrounding whitespace if it is not part of it: `printf %s`, not `echo`, before base64)"
    } else {
        ""
    };
    let example = if matches!(
        issue,
        ValueIssue::Placeholder
            | ValueIssue::NotAList { .. }
            | ValueIssue::QuotedBoolean(_)
            | ValueIssue::BooleanSpelling(_)
            | ValueIssue::BooleanWord { .. }
            | ValueIssue::UnclearBoolean
    ) {
        String::new()
    } else {
        example
    };
    format!("store it as {shape}{whitespace}{example}")
}

/// Rule 6b, for `[secrets] check = "all"`: `envFrom` sources and the Secret/ConfigMap volumes
/// the container mounts (read through the API types, so `optional: True` is a YAML 1.1
/// boolean as Kubernetes reads it). References marked optional are the chart's choice.
fn other_references(container: &Node, ctx: &Context, findings: &mut Sink) {
    use k8s_openapi::api::core::v1::{EnvFromSource, Volume, VolumeMount};
    if ctx.policy.secrets.check != CheckScope::All {
        return;
    }
    let at = |what: String| Location {
        variable: Some(what),
        ..ctx.location.clone()
    };
    let env_from: Vec<EnvFromSource> = objects::typed(container, "envFrom").unwrap_or_default();
    for source in &env_from {
        let refs = [
            source
                .secret_ref
                .as_ref()
                .map(|r| ("secretRef", RefKind::Secret, &r.name, r.optional)),
            source
                .config_map_ref
                .as_ref()
                .map(|r| ("configMapRef", RefKind::ConfigMap, &r.name, r.optional)),
        ];
        for (field, kind, name, optional) in refs.into_iter().flatten() {
            if optional != Some(true) {
                let loc = at(format!("envFrom {field} {name}"));
                resolve_reference(ctx, kind, name, None, loc, findings);
            }
        }
    }
    let mounts: Vec<VolumeMount> = objects::typed(container, "volumeMounts").unwrap_or_default();
    let volumes: Vec<Volume> = ctx
        .volumes
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    for volume in volumes
        .iter()
        .filter(|v| mounts.iter().any(|m| m.name == v.name))
    {
        // (kind, name, the keys it projects, optional)
        let mut refs: Vec<(RefKind, String, Vec<String>, Option<bool>)> = Vec::new();
        let keys = |items: &Option<Vec<k8s_openapi::api::core::v1::KeyToPath>>| {
            items
                .iter()
                .flatten()
                .map(|i| i.key.clone())
                .collect::<Vec<_>>()
        };
        if let Some(s) = &volume.secret {
            let name = s.secret_name.clone().unwrap_or_default();
            refs.push((RefKind::Secret, name, keys(&s.items), s.optional));
        }
        if let Some(c) = &volume.config_map {
            refs.push((
                RefKind::ConfigMap,
                c.name.clone(),
                keys(&c.items),
                c.optional,
            ));
        }
        for source in volume
            .projected
            .iter()
            .flat_map(|p| p.sources.iter().flatten())
        {
            if let Some(s) = &source.secret {
                refs.push((RefKind::Secret, s.name.clone(), keys(&s.items), s.optional));
            }
            if let Some(c) = &source.config_map {
                refs.push((
                    RefKind::ConfigMap,
                    c.name.clone(),
                    keys(&c.items),
                    c.optional,
                ));
            }
        }
        for (kind, name, keys, optional) in refs {
            if optional == Some(true) {
                continue;
            }
            let loc = at(format!("volume {}", volume.name));
            if keys.is_empty() {
                resolve_reference(ctx, kind, &name, None, loc.clone(), findings);
            }
            for key in &keys {
                // A volume may project a ConfigMap's binaryData key (an env reference may not).
                let namespace = ctx.location.object.namespace.as_deref();
                let binary =
                    sources::resolve(ctx.inventory, ctx.policy, kind, &name, Some(key), namespace)
                        == Resolution::BadKey(KeyState::BinaryOnly);
                if !binary {
                    resolve_reference(ctx, kind, &name, Some(key), loc.clone(), findings);
                }
            }
        }
    }
}

/// Resolves one reference and reports what is wrong with it.
fn resolve_reference(
    ctx: &Context,
    kind: RefKind,
    name: &str,
    key: Option<&str>,
    loc: Location,
    findings: &mut Sink,
) {
    let namespace = ctx.location.object.namespace.as_deref();
    let (missing, missing_key) = match kind {
        RefKind::Secret => (report::MISSING_SECRET, report::MISSING_SECRET_KEY),
        RefKind::ConfigMap => (report::MISSING_CONFIGMAP, report::MISSING_CONFIGMAP_KEY),
    };
    let what = kind.as_str();
    let key_text = key.map(|k| format!(" (key `{k}`)")).unwrap_or_default();
    let with_key = key.map(|k| format!(" with key `{k}`")).unwrap_or_default();
    let sources = if kind == RefKind::Secret {
        " (a Secret, ExternalSecret or SealedSecret)"
    } else {
        ""
    };
    let finding = match sources::resolve(ctx.inventory, ctx.policy, kind, name, key, namespace) {
        Resolution::Provided(_) | Resolution::External => return,
        Resolution::MaybeByDataFrom => Finding::new(
            report::KEY_FROM_DATAFROM,
            format!("{what} `{name}`{key_text} is expected from an ExternalSecret's dataFrom; the key cannot be checked before install"),
        ),
        Resolution::Missing => {
            // A typo of a name the stream does provide (names only, never values).
            let provided = ctx
                .inventory
                .sources
                .iter()
                .filter(|s| s.kind.is_secret() == (kind == RefKind::Secret))
                .map(|s| s.object.name.as_str());
            let near = crate::policy::nearest_typo(name, provided)
                .map(|n| format!("did you mean {what} `{n}`, which the release provides? Otherwise "))
                .unwrap_or_default();
            Finding::new(missing, format!("{what} `{name}`{key_text} is not in the rendered manifests")).help(
                format!(
                    "{near}create {what} `{name}`{with_key} in the release{sources}, or list it under [secrets] external = [\"{name}\"] if it is created outside the release"
                ),
            )
        }
        Resolution::MissingKey(keys) => {
            let key = key.unwrap_or_default();
            // Key names only: a near miss is usually a typo on one side or the other.
            let help = match crate::policy::nearest_typo(key, keys.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`? Use the key {what} `{name}` has, or add `{key}` to it"),
                None => format!("add key `{key}` to {what} `{name}`, or reference one of the keys it has"),
            };
            Finding::new(
                missing_key,
                format!("{what} `{name}` has no key `{key}` (it has: {})", keys.join(", ")),
            )
            .help(help)
        }
        Resolution::Hook(why) => Finding::new(
            missing,
            format!("{what} `{name}` is {why}: it does not exist when the apiserver starts"),
        )
        .help(format!(
            "make {what} `{name}` a regular resource of the release, or a `pre-install,pre-upgrade` hook without `hook-succeeded` in its delete policy"
        )),
        Resolution::BadKey(state) => {
            let why = match state {
                KeyState::Empty => "is empty",
                KeyState::Placeholder => "holds a placeholder, not a real value",
                KeyState::InvalidBase64 => "is not valid base64 under `data`",
                KeyState::NotUtf8 => "is not UTF-8 text: the apiserver (Python) reads such bytes as escapes it cannot send to the identity provider",
                KeyState::Nul => "holds a NUL byte, which no environment variable can hold: the apiserver's container would not start",
                KeyState::BinaryOnly => "is under `binaryData`, which an env reference cannot read (the kubelet reads `data` only)",
                KeyState::Present => unreachable!("a present key resolves"),
            };
            Finding::new(missing_key, format!("key `{}` of {what} `{name}` {why}", key.unwrap_or_default()))
        }
    };
    findings.push(finding.at(loc));
}

/// The files a volume of the pod shows (see [`volumes::volume_files`]).
fn volume_files(volume: &k8s_openapi::api::core::v1::Volume, ctx: &Context) -> Files {
    let namespace = ctx.location.object.namespace.as_deref();
    volumes::volume_files(volume, ctx.inventory, ctx.policy, namespace)
}

/// The container's volumeMounts and the pod's volumes, typed (the volumes as Kubernetes reads
/// them: aliases and merges resolved), for the rules that follow a file into a volume.
fn mounts_and_volumes(
    container: &Node,
    ctx: &Context,
) -> (
    Vec<k8s_openapi::api::core::v1::VolumeMount>,
    Vec<k8s_openapi::api::core::v1::Volume>,
) {
    let mounts = objects::typed(container, "volumeMounts").unwrap_or_default();
    let volumes = ctx
        .volumes
        .iter()
        .filter_map(|v| serde_json::from_value(v.clone()).ok())
        .collect();
    (mounts, volumes)
}

/// Rule 7: a SAML `idp_metadata_file` must be a file the container really has: under a
/// volumeMount (or the file a `subPath` mount places), and, when the volume is a ConfigMap or
/// Secret the stream provides, one of the files it projects (`items[].path`, else its keys).
/// Otherwise the apiserver starts without its IdP metadata.
fn metadata_mounts(entries: &[Entry], container: &Node, ctx: &Context, findings: &mut Sink) {
    let (mounts, volumes) = mounts_and_volumes(container, ctx);
    for e in entries {
        let Some(sso) = &e.sso else { continue };
        if !sso.option().is_some_and(|o| o.mounted_file) {
            continue;
        }
        let Some(Hocon::Str(path)) = e.literal().map(clearml_env::read) else {
            continue;
        };
        let provider = sso.provider.as_ref().map(|(c, k)| (*c, k.as_str()));
        let declared = provider.is_none_or(|(c, k)| ctx.declares(c, k));
        let shown_path = shown(&path, provider, &sso.option, declared).suffix();
        // The mount the path falls under, and the file name inside the volume.
        let hit = mounts
            .iter()
            .find_map(|m| Some((m, volumes::file_at(m, &path)?)));
        let problem = match hit {
            None => {
                let seen: Vec<&str> = mounts.iter().map(|m| m.mount_path.as_str()).collect();
                Some((
                    format!("idp_metadata_file{shown_path} is not inside any volumeMount of the container"),
                    if seen.is_empty() {
                        "mount the IdP metadata XML (e.g. apiserver.additionalConfigs, mounted at /opt/clearml/config by chart 7.0 and later, /opt/clearml/config/default before)".to_string()
                    } else {
                        format!("mounted paths: {}", seen.join(", "))
                    },
                ))
            }
            Some((mount, file)) => match volumes
                .iter()
                .find(|v| v.name == mount.name)
                .map_or(Files::Unknown, |v| volume_files(v, ctx))
            {
                Files::Known(source, files) if !files.iter().any(|f| clean_path(&f.path) == file) => Some((
                    format!(
                        "idp_metadata_file{shown_path} is under the mount {}, but {source} has no file `{file}`",
                        mount.mount_path
                    ),
                    format!(
                        "it has: {}",
                        if files.is_empty() {
                            "nothing".into()
                        } else {
                            files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ")
                        }
                    ),
                )),
                Files::Missing(source) => Some((
                    format!(
                        "idp_metadata_file{shown_path} is under the mount {}, from {source}, which is not in the rendered manifests",
                        mount.mount_path
                    ),
                    "create it in the release, or list it under [secrets] external if it is created outside the release".to_string(),
                )),
                _ => None,
            },
        };
        if let Some((message, help)) = problem {
            findings.push(
                Finding::new(report::METADATA_NOT_MOUNTED, message)
                    .help(help)
                    .at(ctx.at(&e.name)),
            );
        }
    }
}

/// Where ClearML server looks for `*.conf` files: its built-in directory, then the first
/// non-empty of `CLEARML_CONFIG_DIR`, `TRAINS_CONFIG_DIR` (`:`-separated, with `$VAR` and `~`
/// expanded), else `/opt/clearml/config` (`apiserver/config/basic.py`).
const BUILT_IN_CONFIG_DIR: &str = "/opt/clearml/apiserver/config/default";
const DEFAULT_CONFIG_DIR: &str = "/opt/clearml/config";
const CONFIG_DIR_VARIABLES: [&str; 2] = ["CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"];

/// ClearML's config directories for a container; `None` when the variable that chooses them
/// has a value the tool cannot know (a Secret outside the stream, `$VAR`, a relative path, an
/// `envFrom` source it cannot see): then every directory may be one.
fn config_dirs(entries: &[Entry], container: &Node, ctx: &Context) -> Option<Vec<String>> {
    let from = env_from_variables(container, ctx);
    let env_from: Vec<k8s_openapi::api::core::v1::EnvFromSource> =
        objects::typed(container, "envFrom").unwrap_or_default();
    let namespace = ctx.location.object.namespace.as_deref();
    let unseen = sources::env_from_unseen(&env_from, ctx.inventory, namespace);
    for name in CONFIG_DIR_VARIABLES {
        // Kubernetes: the last env entry of a name wins, and any env entry over envFrom.
        let value = match entries.iter().rev().find(|e| e.name == name) {
            Some(e) => defined(e, ctx).1,
            None => match from.iter().rev().find(|(n, _)| n == name) {
                Some((_, d)) => d.clone(),
                // A source the tool cannot see may define it.
                None if unseen => return None,
                None => continue,
            },
        };
        match value {
            Defined::Unset => continue,
            Defined::Text(t) if t.is_empty() => continue,
            Defined::Text(t) => {
                let dirs: Vec<&str> = t.split(':').collect();
                if dirs.iter().any(|d| !d.starts_with('/') || d.contains('$')) {
                    return None;
                }
                let mut dirs: Vec<String> = dirs.into_iter().map(clean_path).collect();
                dirs.push(BUILT_IN_CONFIG_DIR.to_string());
                return Some(dirs);
            }
            Defined::Unknown => return None,
        }
    }
    Some(vec![
        BUILT_IN_CONFIG_DIR.to_string(),
        DEFAULT_CONFIG_DIR.to_string(),
    ])
}

/// Why a config file's text may set SSO settings, or `None`. Conservative on purpose: any
/// `sso` token in the file's path or text (quotes dropped first, so `"sso"`, `s"so"` and
/// `"""sso"""` count; dotted keys, `+=` and nesting all spell the token), and, in a file whose
/// place puts it on the way to `secure.login.sso` or `services.login.sso`, an `include` (it
/// brings text the tool does not see) or a `\u` escape (a key spelled in escapes).
/// Substitutions are not a way in: pyhocon resolves `${…}` within the file, and an
/// environment variable substitutes as a string, never as an object with keys.
fn sets_sso(relative: &str, text: &str) -> Option<&'static str> {
    let tokens = |s: &str| -> Vec<String> {
        s.to_ascii_lowercase()
            .replace('"', "")
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    };
    let key = relative.strip_suffix(".conf").unwrap_or(relative);
    let path = tokens(key);
    if path.iter().any(|t| t == "sso") {
        return Some("its path names an `sso` key");
    }
    if tokens(text).iter().any(|t| t == "sso") {
        return Some("it names an `sso` key");
    }
    // The file's own key (its path below the config directory, `/` and `.` as separators):
    // only `secure`, `services`, `*.login` and below can hold `login.sso`.
    let on_the_way = match path.as_slice() {
        [] => true,
        [s, rest @ ..] => {
            (s == "secure" || s == "services") && rest.first().is_none_or(|l| l == "login")
        }
    };
    if !on_the_way {
        return None;
    }
    if tokens(text).iter().any(|t| t == "include") {
        return Some("it has an `include`, which brings in text the tool cannot see");
    }
    if text.contains("\\u") {
        return Some("it has a `\\u` escape, which can spell a key the tool cannot read");
    }
    None
}

/// Rule 7: ClearML's own config files. ClearML merges every `*.conf` below its config
/// directories before the env variables, which win only for the keys they set: a file can add
/// a provider or an option the policy does not have. A file the stream shows that may set SSO
/// settings is an error; a volume there whose files the tool cannot see is a warning (an
/// external ConfigMap for `apiserver.additionalConfigs` is a legitimate install).
fn config_files(entries: &[Entry], container: &Node, ctx: &Context, findings: &mut Sink) {
    let (mounts, volumes) = mounts_and_volumes(container, ctx);
    let dirs = config_dirs(entries, container, ctx);
    let dirs_text = match &dirs {
        Some(d) => d.join(", "),
        None => format!(
            "any directory: {} has a value the tool cannot read, or may come from an envFrom source it cannot see",
            CONFIG_DIR_VARIABLES.join(" or ")
        ),
    };
    let namespace = ctx.location.object.namespace.as_deref();
    let unseen = |mount: &k8s_openapi::api::core::v1::VolumeMount, what: String| {
        Finding::new(
            report::UNSEEN_CONFIG_FILE,
            format!(
                "the volumeMount {} ({what}) is at ClearML's config directory ({dirs_text}); the tool cannot see its `*.conf` files, which could set SSO settings",
                mount.mount_path
            ),
        )
        .help("make sure no `.conf` file there sets `login.sso` (secure.conf) or `sso` (services/login.conf): keep all SSO settings in the policy; with [enforce] warnings = \"deny\" this refuses the render")
        .at(ctx.location.clone())
    };
    for m in &mounts {
        let mount = &clean_path(&m.mount_path);
        // The config directory the mount reaches, and the mount's place relative to it.
        let reaches = match &dirs {
            None => true,
            Some(d) => d.iter().any(|d| is_under(mount, d) || is_under(d, mount)),
        };
        let (_, sub) = volumes::mount_parts(m);
        let not_conf = |p: &str| {
            !p.rsplit('/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
                .ends_with(".conf")
        };
        if !reaches {
            continue;
        }
        let volume = volumes.iter().find(|v| v.name == m.name);
        let files = volume.map_or(Files::Unknown, |v| volume_files(v, ctx));
        // A subPath mount is one file or a directory of the volume. When the volume's files are
        // known, each is judged where it appears; when not, one whose name is not `*.conf`
        // below the config directory is taken for a file ClearML does not read, such as the
        // SAML metadata.
        let one_other_file = sub.is_some()
            && not_conf(mount)
            && dirs
                .as_ref()
                .is_some_and(|d| d.iter().any(|d| is_under(mount, d) && mount != d));
        if one_other_file && !matches!(files, Files::Known(..)) {
            continue;
        }
        let opaque_part = volume.and_then(|v| v.projected.as_ref()).is_some_and(|p| {
            p.sources
                .iter()
                .flatten()
                .any(|s| s.config_map.is_none() && s.secret.is_none())
        });
        if m.sub_path_expr.as_deref().is_some_and(|s| !s.is_empty()) {
            findings.push(unseen(m, format!("volume `{}` with subPathExpr", m.name)));
            continue;
        }
        if opaque_part && !one_other_file {
            // downwardAPI, serviceAccountToken…: files whose text the stream does not hold.
            findings.push(unseen(m, format!("volume `{}`, in part", m.name)));
        }
        let files = match files {
            Files::Known(_, files) => files,
            Files::Missing(source) => {
                findings.push(unseen(
                    m,
                    format!("{source}, not in the rendered manifests"),
                ));
                continue;
            }
            Files::Unknown => {
                let what = match volume {
                    Some(_) => format!("volume `{}`", m.name),
                    None => format!("volume `{}`, which the pod does not define", m.name),
                };
                findings.push(unseen(m, what));
                continue;
            }
        };
        for f in &files {
            // Where the file appears in the container.
            let Some(at) = volumes::landing(m, &f.path) else {
                continue;
            };
            if not_conf(&at) {
                continue;
            }
            // Its paths below the config directories it is in: ClearML reads it once per
            // directory, under each path (every tail of its path when any directory may be one).
            let relatives: Vec<String> = match &dirs {
                None => {
                    let parts: Vec<&str> = at.split('/').filter(|p| !p.is_empty()).collect();
                    (0..parts.len()).map(|i| parts[i..].join("/")).collect()
                }
                Some(d) => d
                    .iter()
                    .filter_map(|d| {
                        at.strip_prefix(d)
                            .and_then(|r| r.strip_prefix('/'))
                            .map(str::to_string)
                    })
                    .collect(),
            };
            if relatives.is_empty() {
                continue;
            }
            let source = format!("{} `{}` key `{}`", f.kind.as_str(), f.name, f.key);
            let stored = sources::file_text(ctx.inventory, f.kind, &f.name, &f.key, namespace);
            match stored {
                Some(text) => {
                    let found = relatives
                        .iter()
                        .find_map(|r| sets_sso(r, text.text_for_judging()).map(|why| (r, why)));
                    if let Some((relative, why)) = found {
                        findings.push(
                            Finding::new(
                                report::SSO_IN_CONFIG_FILE,
                                format!(
                                    "{source}, mounted at {at}, {}, and {why}: SSO settings there reach ClearML next to the policy's, unchecked",
                                    match &dirs {
                                        Some(_) => format!("is a config file ClearML reads (`{relative}`)"),
                                        None => format!("may be a config file ClearML reads (its config directory may be {dirs_text})"),
                                    }
                                ),
                            )
                            .help("move these settings into the policy (or drop them): ClearML merges every `*.conf` of its config directory, and the env variables the policy writes win only for the keys they set")
                            .at(ctx.location.clone()),
                        );
                    }
                }
                None => findings.push(unseen(
                    m,
                    format!("{source}, whose text the stream does not show"),
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_files_that_may_set_sso_settings() {
        let sets = |path: &str, text: &str| sets_sso(path, text).is_some();
        // Every spelling of the key (pyhocon agrees: tests/config_file_conformance.rs).
        for text in [
            "login { sso { a: 1 } }",
            "login.sso.oauth_client.x.client_id = y",
            "\"login\" { \"sso\" { a: 1 } }",
            "login { \"\"\"sso\"\"\" { a: 1 } }",
            "login { s\"so\" { a: 1 } }",
            "login { SSO += { a: 1 } }",
        ] {
            assert!(sets("secure.conf", text), "{text}");
            assert!(sets("apiserver.conf", text), "anywhere: {text}");
        }
        assert!(sets(
            "services/login/sso.conf",
            "oauth_client.x.client_id: y"
        ));
        assert!(sets(
            "services/login.sso.conf",
            "oauth_client.x.client_id: y"
        ));
        // Text the tool cannot see, on the way to `login.sso` only.
        assert!(sets("services.conf", "include \"x.conf\""));
        assert!(sets("secure/login.conf", "include required(file(\"x\"))"));
        assert!(!sets("apiserver.conf", "include \"x.conf\""));
        assert!(sets("secure.conf", "login { \"\\u0073so\": 1 }"));
        // Not the key: other words, other sections, substitutions.
        assert!(!sets(
            "apiserver.conf",
            "auth { fixed_users { enabled: true } }"
        ));
        assert!(!sets(
            "secure.conf",
            "lossless: true, sso_like: 1, x-sso: 2"
        ));
        assert!(!sets("secure.conf", "login: ${?LOGIN}"));
    }

    /// A SAML policy whose metadata file is `metadata` (a path) and the apiserver mounting
    /// the ConfigMap that holds `metadata.xml` with `mount`.
    fn metadata_findings(metadata: &str, mount: &str) -> Vec<Finding> {
        let policy = crate::policy::parse(
            &format!("version = 1\n[providers.microsoft_ad]\nentity_id = \"clearml\"\nidp_metadata_file = \"{metadata}\"\nclaims.email = \"emailAddress\"\n"),
            "p.toml",
        )
        .unwrap();
        let stream = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  metadata.xml: <EntityDescriptor/>\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: clearml-apiserver\nspec:\n  template:\n    spec:\n      volumes:\n      - name: config\n        configMap:\n          name: cm\n      containers:\n      - name: clearml-apiserver\n        volumeMounts:\n        - name: config\n{mount}");
        crate::render(stream.as_bytes(), &policy).unwrap().findings
    }

    #[test]
    fn a_metadata_file_under_an_unclean_mount_path_or_data_subpath_is_found() {
        let file = "/opt/clearml/config/default/metadata.xml";
        for (metadata, mount) in [
            (file, "          mountPath: /opt/clearml//config/default\n"),
            (file, "          mountPath: /opt/clearml/./config/default/\n"),
            (file, "          mountPath: /opt/clearml/config/default/metadata.xml\n          subPath: ..data/metadata.xml\n"),
            ("/opt/clearml/config//default/metadata.xml", "          mountPath: /opt/clearml/config/default\n"),
            ("/opt/clearml/config/./default/metadata.xml", "          mountPath: /opt/clearml/config/default\n"),
        ] {
            let findings = metadata_findings(metadata, mount);
            assert!(
                !findings.iter().any(|f| f.code == report::METADATA_NOT_MOUNTED),
                "{metadata} under {mount}: {findings:?}"
            );
        }
        // Still refused: another file, another directory.
        for (metadata, mount) in [
            ("/opt/clearml/config/default/other.xml", "          mountPath: /opt/clearml//config/default\n"),
            (file, "          mountPath: /opt/clearml/config/default/metadata.xml\n          subPath: ..data/other.xml\n"),
            (file, "          mountPath: /opt/clearml/config/defaults\n"),
        ] {
            let findings = metadata_findings(metadata, mount);
            assert!(
                findings.iter().any(|f| f.code == report::METADATA_NOT_MOUNTED),
                "{metadata} under {mount}: {findings:?}"
            );
        }
    }
}
